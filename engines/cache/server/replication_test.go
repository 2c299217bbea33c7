package server

import (
	"bufio"
	"context"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"syslab/engines/cache"
	"syslab/internal/realredis"
)

// infoField reads one field of a server's INFO.
func infoField(c *redis.Client, section, field string) string {
	text, err := c.Info(context.Background(), section).Result()
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(text, "\r\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			return v
		}
	}
	return ""
}

// A standalone server follows a redis-server master over Redis's own
// replication protocol: the snapshot, then the stream (databases,
// transactions, expiries), acks for WAIT, a partial resync after the link
// drops, and a clean goodbye on REPLICAOF NO ONE.
func TestStandaloneReplicaOfRedisServer(t *testing.T) {
	masterAddr := realredis.StartTCP(t, "--repl-diskless-sync-delay", "0")
	ctx := context.Background()
	master := redis.NewClient(&redis.Options{Addr: masterAddr, Protocol: 2})
	t.Cleanup(func() { master.Close() })
	master3 := redis.NewClient(&redis.Options{Addr: masterAddr, DB: 3, Protocol: 2})
	t.Cleanup(func() { master3.Close() })
	master.Set(ctx, "before", "1", 0)
	master.RPush(ctx, "list", "a", "b", "c")
	master3.Set(ctx, "in3", "x", time.Hour)

	replica := startServer(t, cache.Config{})
	rc := newClient(t, replica)
	rc3 := redis.NewClient(&redis.Options{Addr: replica.Addr(), DB: 3, Protocol: 2})
	t.Cleanup(func() { rc3.Close() })
	host, port := hostAndPort(t, masterAddr)
	if err := rc.Do(ctx, "REPLICAOF", host, port).Err(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return infoField(rc, "replication", "master_link_status") == "up" })
	if got := rc.LRange(ctx, "list", 0, -1).Val(); strings.Join(got, ",") != "a,b,c" {
		t.Fatalf("list from the snapshot: %v", got)
	}
	if ttl := rc3.TTL(ctx, "in3").Val(); rc3.Get(ctx, "in3").Val() != "x" || ttl <= 0 {
		t.Fatalf("db 3's key from the snapshot: %q, ttl %v", rc3.Get(ctx, "in3").Val(), ttl)
	}

	tx := master.TxPipeline()
	tx.Incr(ctx, "counter")
	tx.Incr(ctx, "counter")
	if _, err := tx.Exec(ctx); err != nil {
		t.Fatal(err)
	}
	master.Del(ctx, "before")
	master3.Set(ctx, "in3", "y", 0)
	waitFor(t, func() bool {
		return rc.Get(ctx, "counter").Val() == "2" && rc.Exists(ctx, "before").Val() == 0 && rc3.Get(ctx, "in3").Val() == "y"
	})
	if n, err := master.Wait(ctx, 1, 5*time.Second).Result(); err != nil || n != 1 {
		t.Fatalf("WAIT 1 on the master = %d, %v: the replica did not ack", n, err)
	}
	if err := rc.Set(ctx, "k", "v", 0).Err(); err == nil || !strings.HasPrefix(err.Error(), "READONLY") {
		t.Fatalf("a write on the replica: %v, want READONLY", err)
	}
	sub := rc.Subscribe(ctx, "news")
	t.Cleanup(func() { sub.Close() })
	if _, err := sub.Receive(ctx); err != nil { // the subscription's confirmation
		t.Fatal(err)
	}
	master.Publish(ctx, "news", "hello")
	waitCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if msg, err := sub.ReceiveMessage(waitCtx); err != nil || msg.Payload != "hello" {
		t.Fatalf("a subscriber on the replica got %v, %v; want the master's PUBLISH", msg, err)
	}

	if err := master.Do(ctx, "CLIENT", "KILL", "TYPE", "replica").Err(); err != nil {
		t.Fatal(err)
	}
	master.Set(ctx, "after", "1", 0)
	waitFor(t, func() bool { return rc.Get(ctx, "after").Val() == "1" })
	if got := infoField(master, "stats", "sync_partial_ok"); got != "1" {
		t.Fatalf("sync_partial_ok on the master = %s: the replica did not continue from its offset", got)
	}

	if err := rc.Do(ctx, "REPLICAOF", "NO", "ONE").Err(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return infoField(master, "replication", "connected_slaves") == "0" })
	if err := rc.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatalf("a write after REPLICAOF NO ONE: %v", err)
	}
}

// A redis-server replica follows a standalone server: the snapshot is
// Redis's RDB, the stream Redis's commands, and the master's PINGs keep a
// quiet link alive.
func TestRedisServerReplicatesFromStandalone(t *testing.T) {
	primary := startServer(t, cache.Config{})
	pc := newClient(t, primary)
	ctx := context.Background()
	pc.Set(ctx, "k", "v", 0)
	pc.HSet(ctx, "h", "f1", "1", "f2", "2")
	pc.ZAdd(ctx, "z", redis.Z{Score: 1.5, Member: "m"})
	host, port := hostAndPort(t, primary.Addr())
	replicaAddr := realredis.StartTCP(t, "--replicaof", host, port)
	rr := redis.NewClient(&redis.Options{Addr: replicaAddr, Protocol: 2})
	t.Cleanup(func() { rr.Close() })
	waitFor(t, func() bool { return infoField(rr, "replication", "master_link_status") == "up" })
	if rr.Get(ctx, "k").Val() != "v" || rr.HGet(ctx, "h", "f2").Val() != "2" || rr.ZScore(ctx, "z", "m").Val() != 1.5 {
		t.Fatal("redis-server's copy of the snapshot differs")
	}

	pc.Set(ctx, "later", "x", time.Minute)
	if n, err := pc.Wait(ctx, 1, 5*time.Second).Result(); err != nil || n != 1 {
		t.Fatalf("WAIT 1 = %d, %v: redis-server did not ack", n, err)
	}
	if rr.Get(ctx, "later").Val() != "x" || rr.TTL(ctx, "later").Val() <= 0 {
		t.Fatal("the write after the sync did not reach redis-server with its TTL")
	}
	_, replicaPort := hostAndPort(t, replicaAddr)
	if slave0 := infoField(pc, "replication", "slave0"); !strings.Contains(slave0, "port="+replicaPort+",state=online") {
		t.Fatalf("slave0 = %q, want redis-server's listening port, online", slave0)
	}

	// PINGs in the stream move the offset on a quiet link.
	pc.ConfigSet(ctx, "repl-ping-replica-period", "1")
	before, _ := strconv.Atoi(infoField(rr, "replication", "master_repl_offset"))
	waitFor(t, func() bool {
		now, _ := strconv.Atoi(infoField(rr, "replication", "master_repl_offset"))
		return now > before
	})
}

// One standalone server replicates another, logging in with masterauth.
func TestStandaloneReplicaOfStandaloneWithAuth(t *testing.T) {
	primary := startServer(t, cache.Config{RequirePass: "pw"})
	pc := redis.NewClient(&redis.Options{Addr: primary.Addr(), Password: "pw", Protocol: 2})
	t.Cleanup(func() { pc.Close() })
	ctx := context.Background()
	pc.Set(ctx, "k", "v", 0)

	replica := startServer(t, cache.Config{MasterAuth: "wrong"})
	rc := newClient(t, replica)
	host, port := hostAndPort(t, primary.Addr())
	rc.Do(ctx, "REPLICAOF", host, port)
	waitFor(t, func() bool { return strings.Contains(infoField(pc, "errorstats", "errorstat_WRONGPASS"), "count=") })
	if got := infoField(rc, "replication", "master_link_status"); got != "down" {
		t.Fatalf("link with a wrong masterauth: %s", got)
	}
	rc.ConfigSet(ctx, "masterauth", "pw")
	waitFor(t, func() bool { return rc.Get(ctx, "k").Val() == "v" })
	pc.Incr(ctx, "n")
	waitFor(t, func() bool { return rc.Get(ctx, "n").Val() == "1" })
}

// SYNC from a plain connection — Redis's test harness and redis-cli
// --replica do this — gets "$<len>", the RDB, then the raw stream.
func TestSYNCOnARawConnection(t *testing.T) {
	s := startServer(t, cache.Config{})
	c := newClient(t, s)
	ctx := context.Background()
	c.Set(ctx, "k", "v", 0)
	conn, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(conn, "SYNC\r\n")
	br := bufio.NewReader(conn)
	header, err := br.ReadString('\n')
	if err != nil || !strings.HasPrefix(header, "$") {
		t.Fatalf("SYNC answered %q, %v", header, err)
	}
	size, _ := strconv.Atoi(strings.TrimSpace(header[1:]))
	rdb := make([]byte, size)
	if _, err := io.ReadFull(br, rdb); err != nil || !strings.HasPrefix(string(rdb), "REDIS0010") {
		t.Fatalf("the snapshot: %q, %v", rdb[:min(len(rdb), 9)], err)
	}
	c.Set(ctx, "k2", "v2", 0)
	want := "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$2\r\nk2\r\n$2\r\nv2\r\n"
	got := make([]byte, len(want))
	if _, err := io.ReadFull(br, got); err != nil || string(got) != want {
		t.Fatalf("the stream after SET: %q, %v", got, err)
	}
	if flags := c.ClientList(ctx).Val(); !strings.Contains(flags, "flags=S") {
		t.Fatalf("CLIENT LIST does not show the replica: %s", flags)
	}
}
