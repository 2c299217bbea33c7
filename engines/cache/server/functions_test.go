package server

import (
	"context"
	"testing"

	"github.com/redis/go-redis/v9"

	"syslab/engines/cache"
)

// go-redis's function API over both protocols: a library loaded, listed
// with its code, called read-write and read-only, its stats, dumped,
// flushed and restored — the replies parse into go-redis's types as they
// do against Redis.
func TestGoRedisFunctions(t *testing.T) {
	s := startServer(t, cache.Config{})
	ctx := context.Background()
	const code = "#!lua name=counters\n" +
		"redis.register_function('bump', function(keys, args) return redis.call('incrby', keys[1], args[1]) end)\n" +
		"redis.register_function{function_name='peek', callback=function(keys) return redis.call('get', keys[1]) end, flags={'no-writes'}, description='read a counter'}\n"
	for _, protocol := range []int{2, 3} {
		c := redis.NewClient(&redis.Options{Addr: s.Addr(), Protocol: protocol})
		t.Cleanup(func() { c.Close() })
		c.FlushAll(ctx)
		if err := c.FunctionFlush(ctx).Err(); err != nil {
			t.Fatalf("RESP%d: FUNCTION FLUSH: %v", protocol, err)
		}
		if name, err := c.FunctionLoad(ctx, code).Result(); err != nil || name != "counters" {
			t.Fatalf("RESP%d: FUNCTION LOAD = %q, %v", protocol, name, err)
		}
		if err := c.FunctionLoad(ctx, code).Err(); err == nil || err.Error() != "ERR Library 'counters' already exists" {
			t.Fatalf("RESP%d: loading it twice: %v", protocol, err)
		}
		if n, err := c.FCall(ctx, "bump", []string{"hits"}, 5).Int64(); err != nil || n != 5 {
			t.Fatalf("RESP%d: FCALL bump = %d, %v", protocol, n, err)
		}
		if v, err := c.FCallRo(ctx, "peek", []string{"hits"}).Text(); err != nil || v != "5" {
			t.Fatalf("RESP%d: FCALL_RO peek = %q, %v", protocol, v, err)
		}
		if err := c.FCallRo(ctx, "bump", []string{"hits"}, 1).Err(); err == nil {
			t.Fatalf("RESP%d: FCALL_RO of a writing function succeeded", protocol)
		}
		libs, err := c.FunctionList(ctx, redis.FunctionListQuery{WithCode: true}).Result()
		if err != nil || len(libs) != 1 {
			t.Fatalf("RESP%d: FUNCTION LIST = %+v, %v", protocol, libs, err)
		}
		lib := libs[0]
		if lib.Name != "counters" || lib.Engine != "LUA" || lib.Code != code || len(lib.Functions) != 2 ||
			lib.Functions[1].Name != "peek" || lib.Functions[1].Description != "read a counter" ||
			len(lib.Functions[1].Flags) != 1 || lib.Functions[1].Flags[0] != "no-writes" {
			t.Fatalf("RESP%d: FUNCTION LIST parsed as %+v", protocol, lib)
		}
		stats, err := c.FunctionStats(ctx).Result()
		if err != nil || stats.Running() || len(stats.Engines) != 1 || stats.Engines[0].LibrariesCount != 1 || stats.Engines[0].FunctionsCount != 2 {
			t.Fatalf("RESP%d: FUNCTION STATS = %+v, %v", protocol, stats, err)
		}
		payload, err := c.FunctionDump(ctx).Result()
		if err != nil {
			t.Fatalf("RESP%d: FUNCTION DUMP: %v", protocol, err)
		}
		c.FunctionFlush(ctx)
		if err := c.FCall(ctx, "bump", []string{"hits"}, 1).Err(); err == nil || err.Error() != "ERR Function not found" {
			t.Fatalf("RESP%d: FCALL after FUNCTION FLUSH: %v", protocol, err)
		}
		if err := c.FunctionRestore(ctx, payload).Err(); err != nil {
			t.Fatalf("RESP%d: FUNCTION RESTORE: %v", protocol, err)
		}
		if n, err := c.FCall(ctx, "bump", []string{"hits"}, 1).Int64(); err != nil || n != 6 {
			t.Fatalf("RESP%d: FCALL after RESTORE = %d, %v", protocol, n, err)
		}
	}
}
