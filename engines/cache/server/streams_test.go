package server

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"syslab/engines/cache"
)

// go-redis's stream API over both protocols: entries added and read back,
// a blocking XREAD answered by another connection's XADD, a consumer
// group's read, pending list, claim and ack, and XINFO parsed into
// go-redis's types — as they parse against Redis.
func TestGoRedisStreams(t *testing.T) {
	s := startServer(t, cache.Config{})
	ctx := context.Background()
	for _, protocol := range []int{2, 3} {
		c := redis.NewClient(&redis.Options{Addr: s.Addr(), Protocol: protocol})
		other := redis.NewClient(&redis.Options{Addr: s.Addr(), Protocol: protocol})
		t.Cleanup(func() { c.Close(); other.Close() })
		c.FlushAll(ctx)

		for i, id := range []string{"1-1", "1-2", "2-0"} {
			if got, err := c.XAdd(ctx, &redis.XAddArgs{Stream: "orders", ID: id, Values: []any{"n", i}}).Result(); err != nil || got != id {
				t.Fatalf("RESP%d: XADD %s = %q, %v", protocol, id, got, err)
			}
		}
		msgs, err := c.XRange(ctx, "orders", "-", "+").Result()
		if err != nil || len(msgs) != 3 || msgs[2].ID != "2-0" || msgs[2].Values["n"] != "2" {
			t.Fatalf("RESP%d: XRANGE = %+v, %v", protocol, msgs, err)
		}

		read := make(chan []redis.XStream, 1)
		go func() {
			streams, _ := c.XRead(ctx, &redis.XReadArgs{Streams: []string{"orders", "$"}, Block: 5 * time.Second}).Result()
			read <- streams
		}()
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); {
			if info, _ := other.Info(ctx, "clients").Result(); strings.Contains(info, "blocked_clients:1\r\n") {
				break
			}
		}
		if err := other.XAdd(ctx, &redis.XAddArgs{Stream: "orders", ID: "3-0", Values: []any{"n", "late"}}).Err(); err != nil {
			t.Fatal(err)
		}
		streams := <-read
		if len(streams) != 1 || streams[0].Stream != "orders" || len(streams[0].Messages) != 1 || streams[0].Messages[0].ID != "3-0" {
			t.Fatalf("RESP%d: blocking XREAD = %+v", protocol, streams)
		}

		if err := c.XGroupCreate(ctx, "orders", "billing", "0").Err(); err != nil {
			t.Fatal(err)
		}
		got, err := c.XReadGroup(ctx, &redis.XReadGroupArgs{Group: "billing", Consumer: "alice", Streams: []string{"orders", ">"}, Count: 2}).Result()
		if err != nil || len(got) != 1 || len(got[0].Messages) != 2 {
			t.Fatalf("RESP%d: XREADGROUP = %+v, %v", protocol, got, err)
		}
		pending, err := c.XPending(ctx, "orders", "billing").Result()
		if err != nil || pending.Count != 2 || pending.Lower != "1-1" || pending.Higher != "1-2" || pending.Consumers["alice"] != 2 {
			t.Fatalf("RESP%d: XPENDING = %+v, %v", protocol, pending, err)
		}
		claimed, err := c.XClaimJustID(ctx, &redis.XClaimArgs{Stream: "orders", Group: "billing", Consumer: "bob", Messages: []string{"1-2"}}).Result()
		if err != nil || len(claimed) != 1 || claimed[0] != "1-2" {
			t.Fatalf("RESP%d: XCLAIM = %v, %v", protocol, claimed, err)
		}
		if n, err := c.XAck(ctx, "orders", "billing", "1-1", "1-2").Result(); err != nil || n != 2 {
			t.Fatalf("RESP%d: XACK = %d, %v", protocol, n, err)
		}
		info, err := c.XInfoStream(ctx, "orders").Result()
		if err != nil || info.Length != 4 || info.LastGeneratedID != "3-0" || info.Groups != 1 || info.FirstEntry.ID != "1-1" || info.EntriesAdded != 4 {
			t.Fatalf("RESP%d: XINFO STREAM = %+v, %v", protocol, info, err)
		}
		full, err := c.XInfoStreamFull(ctx, "orders", 10).Result()
		if err != nil || len(full.Entries) != 4 || len(full.Groups) != 1 || full.Groups[0].Name != "billing" || len(full.Groups[0].Consumers) != 2 {
			t.Fatalf("RESP%d: XINFO STREAM FULL = %+v, %v", protocol, full, err)
		}
		groups, err := c.XInfoGroups(ctx, "orders").Result()
		if err != nil || len(groups) != 1 || groups[0].LastDeliveredID != "1-2" || groups[0].Lag != 2 || groups[0].EntriesRead != 2 {
			t.Fatalf("RESP%d: XINFO GROUPS = %+v, %v", protocol, groups, err)
		}
		consumers, err := c.XInfoConsumers(ctx, "orders", "billing").Result()
		if err != nil || len(consumers) != 2 || consumers[0].Name != "alice" || consumers[1].Name != "bob" {
			t.Fatalf("RESP%d: XINFO CONSUMERS = %+v, %v", protocol, consumers, err)
		}
	}
}
