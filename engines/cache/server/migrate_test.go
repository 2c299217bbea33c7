package server

import (
	"context"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"syslab/engines/cache"
	"syslab/internal/realredis"
)

// hostAndPort splits a server's address for MIGRATE's host and port.
func hostAndPort(t *testing.T, addr string) (string, string) {
	t.Helper()
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	return host, port
}

// MIGRATE from one standalone server to another moves keys over RESP, as
// between two redis-servers: TTLs kept, COPY and REPLACE honoured, and on
// a BUSYKEY only the keys the target restored leave the source.
func TestMigrateBetweenStandaloneServers(t *testing.T) {
	source, target := startServer(t, cache.Config{}), startServer(t, cache.Config{})
	src := newClient(t, source)
	ctx := context.Background()
	host, port := hostAndPort(t, target.Addr())
	migrate := func(args ...any) (any, error) {
		return src.Do(ctx, append([]any{"MIGRATE", host, port}, args...)...).Result()
	}
	dst9 := redis.NewClient(&redis.Options{Addr: target.Addr(), DB: 9, Protocol: 2})
	t.Cleanup(func() { dst9.Close() })

	src.Set(ctx, "key", "hello", time.Hour)
	if got, err := migrate("key", 9, 1000); err != nil || got != "OK" {
		t.Fatalf("MIGRATE key = %v, %v", got, err)
	}
	if n := src.Exists(ctx, "key").Val(); n != 0 {
		t.Fatal("the source still has key after MIGRATE")
	}
	if got := dst9.Get(ctx, "key").Val(); got != "hello" {
		t.Fatalf("GET key in the target's db 9 = %q", got)
	}
	if ttl := dst9.TTL(ctx, "key").Val(); ttl <= 59*time.Minute || ttl > time.Hour {
		t.Fatalf("TTL of the migrated key = %v, want about an hour", ttl)
	}

	src.Set(ctx, "key", "again", 0)
	_, err := migrate("key", 9, 1000)
	if err == nil || err.Error() != "ERR Target instance replied with error: BUSYKEY Target key name already exists." {
		t.Fatalf("MIGRATE onto an existing key = %v, want the target's BUSYKEY", err)
	}
	if got := src.Get(ctx, "key").Val(); got != "again" {
		t.Fatalf("after a refused MIGRATE the source has key = %q, want it kept", got)
	}
	if got, err := migrate("key", 9, 1000, "COPY", "REPLACE"); err != nil || got != "OK" {
		t.Fatalf("MIGRATE COPY REPLACE = %v, %v", got, err)
	}
	if src.Get(ctx, "key").Val() != "again" || dst9.Get(ctx, "key").Val() != "again" {
		t.Fatal("MIGRATE COPY REPLACE: want the value on both servers")
	}

	// KEYS: a and c are restored, b is refused; a and c leave the source.
	dst9.Set(ctx, "b", "theirs", 0)
	src.MSet(ctx, "a", "1", "b", "2", "c", "3")
	if _, err := migrate("", 9, 1000, "KEYS", "a", "b", "c"); err == nil || !strings.Contains(err.Error(), "BUSYKEY") {
		t.Fatalf("MIGRATE KEYS a b c with b on the target = %v, want BUSYKEY", err)
	}
	if got := src.Exists(ctx, "a", "b", "c").Val(); got != 1 || src.Get(ctx, "b").Val() != "2" {
		t.Fatalf("source after a partly refused MIGRATE: %d keys, b = %q; want only b kept", got, src.Get(ctx, "b").Val())
	}
	if got := dst9.MGet(ctx, "a", "b", "c").Val(); got[0] != "1" || got[1] != "theirs" || got[2] != "3" {
		t.Fatalf("target after a partly refused MIGRATE: %v", got)
	}

	// Nothing listening: Redis's IOERR for a failed connect, and the key stays.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	deadPort := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	ln.Close()
	src.Set(ctx, "stay", "here", 0)
	_, err = src.Do(ctx, "MIGRATE", "127.0.0.1", deadPort, "stay", 0, 200).Result()
	if err == nil || err.Error() != "IOERR error or timeout connecting to the client" {
		t.Fatalf("MIGRATE to a closed port = %v, want IOERR", err)
	}
	if src.Get(ctx, "stay").Val() != "here" {
		t.Fatal("a failed MIGRATE lost its key")
	}
}

// MIGRATE AUTH against a target with requirepass: the right password
// moves the key, a wrong one is the target's error and keeps it.
func TestMigrateAuthToStandaloneServer(t *testing.T) {
	source, target := startServer(t, cache.Config{}), startServer(t, cache.Config{RequirePass: "secret"})
	src := newClient(t, source)
	ctx := context.Background()
	host, port := hostAndPort(t, target.Addr())
	src.Set(ctx, "k", "v", 0)
	_, err := src.Do(ctx, "MIGRATE", host, port, "k", 0, 1000, "AUTH", "wrong").Result()
	if err == nil || !strings.HasPrefix(err.Error(), "ERR Target instance replied with error: WRONGPASS") {
		t.Fatalf("MIGRATE with a wrong password = %v", err)
	}
	if got, err := src.Do(ctx, "MIGRATE", host, port, "k", 0, 1000, "AUTH", "secret").Result(); err != nil || got != "OK" {
		t.Fatalf("MIGRATE AUTH secret = %v, %v", got, err)
	}
	dst := redis.NewClient(&redis.Options{Addr: target.Addr(), Password: "secret", Protocol: 2})
	t.Cleanup(func() { dst.Close() })
	if got := dst.Get(ctx, "k").Val(); got != "v" {
		t.Fatalf("GET k on the target = %q", got)
	}
}

// MIGRATE from our server to redis-server 7.0: the payloads are Redis's
// DUMP format, so real Redis restores every type.
func TestMigrateToRedisServer(t *testing.T) {
	addr := realredis.StartTCP(t)
	_, port := hostAndPort(t, addr)
	ctx := context.Background()
	real := redis.NewClient(&redis.Options{Addr: addr, Protocol: 2})
	t.Cleanup(func() { real.Close() })

	src := newClient(t, startServer(t, cache.Config{}))
	src.Set(ctx, "s", "text", 0)
	src.RPush(ctx, "l", "a", "b", "c")
	src.HSet(ctx, "h", "f", "v")
	src.SAdd(ctx, "set", "x", "y")
	src.ZAdd(ctx, "z", redis.Z{Score: 1.5, Member: "m"})
	if got, err := src.Do(ctx, "MIGRATE", "127.0.0.1", port, "", 0, 2000, "KEYS", "s", "l", "h", "set", "z").Result(); err != nil || got != "OK" {
		t.Fatalf("MIGRATE to redis-server = %v, %v", got, err)
	}
	if got := real.Get(ctx, "s").Val(); got != "text" {
		t.Errorf("redis-server GET s = %q", got)
	}
	if got := real.LRange(ctx, "l", 0, -1).Val(); strings.Join(got, ",") != "a,b,c" {
		t.Errorf("redis-server LRANGE l = %v", got)
	}
	if got := real.HGet(ctx, "h", "f").Val(); got != "v" {
		t.Errorf("redis-server HGET h f = %q", got)
	}
	if got := real.SCard(ctx, "set").Val(); got != 2 {
		t.Errorf("redis-server SCARD set = %d", got)
	}
	if got := real.ZScore(ctx, "z", "m").Val(); got != 1.5 {
		t.Errorf("redis-server ZSCORE z m = %v", got)
	}
	if n := src.Exists(ctx, "s", "l", "h", "set", "z").Val(); n != 0 {
		t.Errorf("%d keys left on the source after MIGRATE", n)
	}
}
