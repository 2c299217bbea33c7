package server

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"syslab/engines/cache"
	"syslab/internal/realredis"
)

// replicaOf points c at the server listening on addr.
func replicaOf(t *testing.T, c *redis.Client, addr string) {
	t.Helper()
	host, port := hostAndPort(t, addr)
	if err := c.Do(context.Background(), "REPLICAOF", host, port).Err(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return infoField(c, "replication", "master_link_status") == "up" })
}

// PSYNC2 across a failover with redis-server on both sides: a syslab
// replica and a redis-server replica follow a redis-server master; the
// syslab one is promoted and its redis-server sibling, told to follow it,
// continues with a partial resync. Then the other way round: a
// redis-server replica is promoted and a syslab sibling continues from it.
func TestFailoverPartialResyncsWithRedisServer(t *testing.T) {
	ctx := context.Background()
	for _, promoted := range []string{"syslab", "redis-server"} {
		t.Run("promoted "+promoted, func(t *testing.T) {
			masterAddr := realredis.StartTCP(t, "--repl-diskless-sync-delay", "0")
			master := redis.NewClient(&redis.Options{Addr: masterAddr, Protocol: 2})
			t.Cleanup(func() { master.Close() })
			for i := range 100 {
				master.Set(ctx, "key:"+strconv.Itoa(i), i, 0)
			}
			ours := newClient(t, startServer(t, cache.Config{}))
			replicaOf(t, ours, masterAddr)
			theirsAddr := realredis.StartTCP(t, "--repl-diskless-sync-delay", "0")
			theirs := redis.NewClient(&redis.Options{Addr: theirsAddr, Protocol: 2})
			t.Cleanup(func() { theirs.Close() })
			replicaOf(t, theirs, masterAddr)
			master.Set(ctx, "last", "before-failover", 0)
			if n, err := master.Wait(ctx, 2, 5*time.Second).Result(); err != nil || n != 2 {
				t.Fatalf("WAIT 2 = %d, %v", n, err)
			}

			newMaster, sibling, newMasterAddr := ours, theirs, ours.Options().Addr
			if promoted == "redis-server" {
				newMaster, sibling, newMasterAddr = theirs, ours, theirsAddr
			}
			oldReplID := infoField(master, "replication", "master_replid")
			if err := newMaster.Do(ctx, "REPLICAOF", "NO", "ONE").Err(); err != nil {
				t.Fatal(err)
			}
			if got := infoField(newMaster, "replication", "master_replid2"); got != oldReplID {
				t.Fatalf("promoted %s: master_replid2 = %s, want the old master's %s", promoted, got, oldReplID)
			}
			newMaster.Set(ctx, "last", "after-failover", 0)
			replicaOf(t, sibling, newMasterAddr)
			waitFor(t, func() bool { return sibling.Get(ctx, "last").Val() == "after-failover" })
			if full, partial := infoField(newMaster, "stats", "sync_full"), infoField(newMaster, "stats", "sync_partial_ok"); full != "0" || partial != "1" {
				t.Fatalf("promoted %s: sync_full %s, sync_partial_ok %s; want 0 and 1", promoted, full, partial)
			}
			if got, want := sibling.DBSize(ctx).Val(), newMaster.DBSize(ctx).Val(); got != want {
				t.Fatalf("the sibling holds %d keys, the new master %d", got, want)
			}
		})
	}
}

// A redis-server replica of a syslab replica of a redis-server master: the
// chain's middle serves the snapshot (with repl-stream-db, so the stream
// lands in the right database) and passes the master's stream on.
func TestRedisServerChainedBehindStandaloneReplica(t *testing.T) {
	ctx := context.Background()
	masterAddr := realredis.StartTCP(t, "--repl-diskless-sync-delay", "0")
	master := redis.NewClient(&redis.Options{Addr: masterAddr, DB: 5, Protocol: 2})
	t.Cleanup(func() { master.Close() })
	master.Set(ctx, "first", "1", 0)
	middle := startServer(t, cache.Config{})
	mc := newClient(t, middle)
	replicaOf(t, mc, masterAddr)
	waitFor(t, func() bool {
		return infoField(mc, "replication", "master_repl_offset") == infoField(master, "replication", "master_repl_offset")
	})

	endAddr := realredis.StartTCP(t)
	end := redis.NewClient(&redis.Options{Addr: endAddr, DB: 5, Protocol: 2})
	t.Cleanup(func() { end.Close() })
	replicaOf(t, end, middle.Addr())
	master.Set(ctx, "second", "2", 0) // database 5 still: the stream does not SELECT again
	waitFor(t, func() bool { return end.Get(ctx, "second").Val() == "2" })
	if end.Get(ctx, "first").Val() != "1" {
		t.Fatal("the chain's end lacks the key from the snapshot")
	}
	waitFor(t, func() bool {
		return infoField(end, "replication", "master_repl_offset") == infoField(master, "replication", "master_repl_offset")
	})
	if got := infoField(mc, "replication", "connected_slaves"); got != "1" {
		t.Fatalf("the middle's connected_slaves = %s, want 1", got)
	}
}
