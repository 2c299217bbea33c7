package server

import (
	"context"
	"strings"
	"testing"
	"time"

	"syslab/engines/cache"
)

// Through a real client: go-redis reads the entries, with the connection's
// address and name, and a DEBUG SLEEP's duration holds its sleep. The
// server measures durations (node.Stopwatch), so a command that runs has
// taken some time and INFO commandstats adds it up.
func TestSlowlogThroughGoRedis(t *testing.T) {
	s := startServer(t, cache.Config{EnableDebugCommand: cache.ProtectedLocal})
	ctx := context.Background()
	c := newClient(t, s)
	for _, cmd := range [][]any{{"client", "setname", "app"}, {"config", "set", "slowlog-log-slower-than", "20000"}, {"ping"}, {"debug", "sleep", "0.05"}} {
		if err := c.Do(ctx, cmd...).Err(); err != nil {
			t.Fatalf("%v: %v", cmd, err)
		}
	}
	entries, err := c.SlowLogGet(ctx, -1).Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Fatalf("SLOWLOG GET -1 = %+v, want DEBUG SLEEP alone", entries)
	}
	e := entries[0]
	if strings.Join(e.Args, " ") != "debug sleep 0.05" || e.Duration < 50*time.Millisecond || e.ClientName != "app" ||
		!strings.HasPrefix(e.ClientAddr, "127.0.0.1:") {
		t.Fatalf("entry %+v; want debug sleep 0.05, at least 50ms, client app at 127.0.0.1:port", e)
	}
	members := make([]any, 10000)
	for i := range members {
		members[i] = i
	}
	if err := c.SAdd(ctx, "big", members...).Err(); err != nil {
		t.Fatal(err)
	}
	info, err := c.Info(ctx, "commandstats").Result()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(info, "cmdstat_sadd:calls=1,usec=0,") || !strings.Contains(info, "cmdstat_sadd:calls=1,usec=") {
		t.Fatalf("SADD of 10000 members took no measured time: %s", info)
	}
}
