package server

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"syslab/engines/cache"
	"syslab/internal/realredis"
)

// A data directory moves between redis-server 7.0 and this server either
// way with the AOF on: both keep it in appendonlydir/ (base with an RDB
// preamble, incremental files, manifest).
func TestAOFDirectorySharedWithRedisServer(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()

	// redis-server writes, then shuts down (fsyncing its AOF).
	addr := realredis.StartTCP(t, "--dir", dir, "--appendonly", "yes")
	// No retries: SHUTDOWN's lost connection is the answer.
	rc := redis.NewClient(&redis.Options{Addr: addr, Protocol: 2, MaxRetries: -1})
	rc.Set(ctx, "from-redis", "1", time.Hour)
	rc.RPush(ctx, "list", "a", "b")
	if err := rc.BgRewriteAOF(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return infoField(rc, "persistence", "aof_rewrite_in_progress") == "0" })
	rc.HSet(ctx, "after-rewrite", "f", "v")
	rc.Shutdown(ctx) // answers nothing: the server is gone
	rc.Close()
	if _, err := os.Stat(filepath.Join(dir, "appendonlydir", "appendonly.aof.manifest")); err != nil {
		t.Fatalf("redis-server left no manifest in appendonlydir: %v", err)
	}

	// This server loads it and appends.
	s, err := Start(Config{Addr: "127.0.0.1:0", Dir: dir, Cache: cache.Config{AppendOnly: true}})
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t, s)
	if c.Get(ctx, "from-redis").Val() != "1" || c.LLen(ctx, "list").Val() != 2 || c.HGet(ctx, "after-rewrite", "f").Val() != "v" {
		t.Fatal("this server did not load redis-server's appendonlydir")
	}
	if got := c.ConfigGet(ctx, "appenddirname").Val()["appenddirname"]; got != "appendonlydir" {
		t.Fatalf("CONFIG GET appenddirname = %q", got)
	}
	c.Set(ctx, "from-syslab", "2", 0)
	if err := c.BgRewriteAOF(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return infoField(c, "persistence", "aof_rewrite_in_progress") == "0" })
	c.Incr(ctx, "after-our-rewrite")
	s.Close()

	// redis-server loads what this server left.
	addr = realredis.StartTCP(t, "--dir", dir, "--appendonly", "yes")
	rc = redis.NewClient(&redis.Options{Addr: addr, Protocol: 2})
	defer rc.Close()
	waitFor(t, func() bool { return infoField(rc, "persistence", "loading") == "0" })
	if rc.Get(ctx, "from-redis").Val() != "1" || rc.Get(ctx, "from-syslab").Val() != "2" || rc.Get(ctx, "after-our-rewrite").Val() != "1" {
		t.Fatalf("redis-server did not load this server's appendonlydir: keys %v", rc.Keys(ctx, "*").Val())
	}
}
