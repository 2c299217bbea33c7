package server

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"syslab/engines/cache"
)

// startBusServer starts a server with a node-to-node bus on a free
// loopback port; its bus address is its node ID.
func startBusServer(t *testing.T) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	busAddr := ln.Addr().String()
	ln.Close()
	s, err := Start(Config{Addr: "127.0.0.1:0", Dir: t.TempDir(), BusAddr: busAddr, Cache: cache.Config{Hz: 10, Databases: 16}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// Two servers that know nothing of each other but the master's bus
// address: REPLICAOF names it, the replica dials it (live DialByID), the
// master answers the replica's own bus address, and writes flow.
func TestReplicationOverTheBus(t *testing.T) {
	ctx := context.Background()
	master, replica := startBusServer(t), startBusServer(t)
	mc := redis.NewClient(&redis.Options{Addr: master.Addr()})
	rc := redis.NewClient(&redis.Options{Addr: replica.Addr()})
	t.Cleanup(func() { mc.Close(); rc.Close() })

	if err := mc.Set(ctx, "before", "sync", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if err := rc.Do(ctx, "REPLICAOF", master.cfg.BusAddr, "0").Err(); err != nil {
		t.Fatalf("REPLICAOF %s: %v", master.cfg.BusAddr, err)
	}
	if err := mc.Set(ctx, "after", "stream", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if n, err := mc.Do(ctx, "WAIT", 1, 10000).Int(); err != nil || n != 1 {
		t.Fatalf("WAIT 1 10000 = %d, %v; want 1 replica acked", n, err)
	}
	for key, want := range map[string]string{"before": "sync", "after": "stream"} {
		deadline := time.Now().Add(10 * time.Second)
		for {
			got, err := rc.Get(ctx, key).Result()
			if err == nil && got == want {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("replica GET %s = %q, %v; want %q", key, got, err, want)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}
