package server

import (
	"context"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"syslab/engines/cache"
)

// CONFIG SET appendonly yes on a running server starts the AOF with what
// the node holds; a restart with the AOF on finds the writes from before
// and after the switch. Turning it off again closes it: later writes are
// not in it.
func TestAppendOnlyTurnedOnAtRuntime(t *testing.T) {
	dir := t.TempDir()
	s, err := Start(Config{Addr: "127.0.0.1:0", Dir: dir, Cache: cache.Config{}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	c := redis.NewClient(&redis.Options{Addr: s.Addr(), Protocol: 2})
	defer c.Close()
	mustDo := func(args ...any) any {
		t.Helper()
		v, err := c.Do(ctx, args...).Result()
		if err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		return v
	}
	mustDo("set", "before", "1")
	mustDo("rpush", "list", "a", "b")
	mustDo("config", "set", "appendonly", "yes")
	if got := c.ConfigGet(ctx, "appendonly").Val()["appendonly"]; got != "yes" {
		t.Fatalf("CONFIG GET appendonly = %q", got)
	}
	mustDo("set", "after", "2")
	waitFor(t, func() bool {
		info := c.Info(ctx, "persistence").Val()
		return strings.Contains(info, "aof_rewrite_in_progress:0") && strings.Contains(info, "aof_rewrites:1")
	})
	if info := c.Info(ctx, "persistence").Val(); !strings.Contains(info, "aof_enabled:1") {
		t.Fatalf("after CONFIG SET appendonly yes:\n%s", info)
	}
	mustDo("set", "later", "3")
	mustDo("config", "set", "appendonly", "no")
	if info := c.Info(ctx, "persistence").Val(); !strings.Contains(info, "aof_enabled:0") {
		t.Fatalf("after CONFIG SET appendonly no:\n%s", info)
	}
	mustDo("set", "unlogged", "4")
	c.Close()
	s.Close()

	s, err = Start(Config{Addr: "127.0.0.1:0", Dir: dir, Cache: cache.Config{AppendOnly: true, AppendFsync: cache.FsyncEverysec}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c = redis.NewClient(&redis.Options{Addr: s.Addr(), Protocol: 2})
	for key, want := range map[string]string{"before": "1", "after": "2", "later": "3"} {
		if got, err := c.Get(ctx, key).Result(); err != nil || got != want {
			t.Errorf("after restart GET %s = %q, %v; want %q", key, got, err, want)
		}
	}
	if got := c.LRange(ctx, "list", 0, -1).Val(); strings.Join(got, ",") != "a,b" {
		t.Errorf("after restart LRANGE list = %v", got)
	}
	if n := c.Exists(ctx, "unlogged").Val(); n != 0 {
		t.Error("a write made after appendonly no is in the AOF")
	}
}
