package server

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"syslab/engines/cache"
)

// go-redis's Script (EVALSHA, then EVAL when the server answers NOSCRIPT)
// over both protocols: the idioms client libraries build on scripts — a
// compare-and-delete lock release, a counter with a cap — work as on
// Redis.
func TestGoRedisScripts(t *testing.T) {
	s := startServer(t, cache.Config{})
	ctx := context.Background()
	for _, protocol := range []int{2, 3} {
		c := redis.NewClient(&redis.Options{Addr: s.Addr(), Protocol: protocol})
		t.Cleanup(func() { c.Close() })
		c.FlushAll(ctx)
		c.ScriptFlush(ctx)

		release := redis.NewScript(`
if redis.call("get", KEYS[1]) == ARGV[1] then
  return redis.call("del", KEYS[1])
end
return 0`)
		c.Set(ctx, "lock", "token-a", 0)
		if n, err := release.Run(ctx, c, []string{"lock"}, "token-b").Int(); err != nil || n != 0 {
			t.Fatalf("RESP%d: release with the wrong token = %d, %v", protocol, n, err)
		}
		if n, err := release.Run(ctx, c, []string{"lock"}, "token-a").Int(); err != nil || n != 1 {
			t.Fatalf("RESP%d: release with the right token = %d, %v", protocol, n, err)
		}
		if exists, _ := release.Exists(ctx, c).Result(); len(exists) != 1 || !exists[0] {
			t.Fatalf("RESP%d: the script is not cached after Run: %v", protocol, exists)
		}

		capped := redis.NewScript(`
local n = redis.call("incr", KEYS[1])
if n > tonumber(ARGV[1]) then
  redis.call("decr", KEYS[1])
  return redis.error_reply("LIMIT over " .. ARGV[1])
end
return n`)
		for want := int64(1); want <= 2; want++ {
			if n, err := capped.Run(ctx, c, []string{"hits"}, 2).Int64(); err != nil || n != want {
				t.Fatalf("RESP%d: capped counter = %d, %v; want %d", protocol, n, err, want)
			}
		}
		err := capped.Run(ctx, c, []string{"hits"}, 2).Err()
		if err == nil || err.Error() != "LIMIT over 2" {
			t.Fatalf("RESP%d: the third hit: %v, want LIMIT over 2", protocol, err)
		}

		// Conversions a client sees: a table of mixed values, a status, nil.
		vals, err := c.Eval(ctx, "return {1, 'two', {3}, redis.status_reply('FOUR')}", nil).Slice()
		if err != nil || len(vals) != 4 || vals[0] != int64(1) || vals[1] != "two" || vals[3] != "FOUR" {
			t.Fatalf("RESP%d: EVAL of a table = %#v, %v", protocol, vals, err)
		}
		if err := c.Eval(ctx, "return nil", nil).Err(); !errors.Is(err, redis.Nil) {
			t.Fatalf("RESP%d: EVAL returning nil: %v, want redis.Nil", protocol, err)
		}
		if _, err := c.EvalSha(ctx, strings.Repeat("0", 40), nil).Result(); err == nil || !strings.HasPrefix(err.Error(), "NOSCRIPT") {
			t.Fatalf("RESP%d: EVALSHA of an unknown script: %v", protocol, err)
		}
		if _, err := c.EvalRO(ctx, "return redis.call('set', KEYS[1], 'x')", []string{"k"}).Result(); err == nil ||
			!strings.Contains(err.Error(), "Write commands are not allowed from read-only scripts") {
			t.Fatalf("RESP%d: EVAL_RO of a write: %v", protocol, err)
		}
	}
}

// A replica gets a script's effects, not the script.
func TestScriptEffectsReachReplica(t *testing.T) {
	primary := startServer(t, cache.Config{})
	replica := startServer(t, cache.Config{})
	pc, rc := newClient(t, primary), newClient(t, replica)
	ctx := context.Background()
	host, port := hostAndPort(t, primary.Addr())
	if err := rc.Do(ctx, "REPLICAOF", host, port).Err(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return infoField(rc, "replication", "master_link_status") == "up" })
	script := "for i = 1, 3 do redis.call('rpush', KEYS[1], math.random(1000)) end return redis.call('llen', KEYS[1])"
	if n, err := pc.Eval(ctx, script, []string{"l"}).Int(); err != nil || n != 3 {
		t.Fatalf("EVAL on the primary = %d, %v", n, err)
	}
	want := pc.LRange(ctx, "l", 0, -1).Val()
	waitFor(t, func() bool { return strings.Join(rc.LRange(ctx, "l", 0, -1).Val(), ",") == strings.Join(want, ",") })
	if err := rc.Eval(ctx, "return redis.call('set', 'x', '1')", nil).Err(); err == nil || !strings.Contains(err.Error(), "READONLY") {
		t.Fatalf("a writing script on the replica: %v, want READONLY", err)
	}
	if n, err := rc.Eval(ctx, "return redis.call('llen', KEYS[1])", []string{"l"}).Int(); err != nil || n != 3 {
		t.Fatalf("a reading script on the replica = %d, %v", n, err)
	}
}
