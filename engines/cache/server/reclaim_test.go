package server

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"syslab/engines/cache"
)

// FLUSHALL and FLUSHDB take the flushed keys' memory back before they
// reply, as redis-server's do (node.Reclaimer): the collection has run by
// the time the OK arrives. With ASYNC it runs in the background; a flush
// too small to matter leaves the memory to the collector's own pacing.
func TestFlushTakesTheMemoryBack(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(-1)) // no collection but the ones asked for
	s := startServer(t, cache.Config{})
	ctx := context.Background()
	c := newClient(t, s)
	collections := func() uint32 {
		var stats runtime.MemStats
		runtime.ReadMemStats(&stats)
		return stats.NumGC
	}
	value := strings.Repeat("v", 64)
	load := func(keys int) {
		t.Helper()
		pipe := c.Pipeline()
		for i := range keys {
			pipe.Set(ctx, fmt.Sprintf("key:%d", i), value, 0)
		}
		if _, err := pipe.Exec(ctx); err != nil {
			t.Fatal(err)
		}
	}
	flush := func(command ...any) {
		t.Helper()
		if err := c.Do(ctx, command...).Err(); err != nil {
			t.Fatalf("%v: %v", command, err)
		}
	}

	load(10)
	before := collections()
	flush("FLUSHDB")
	if after := collections(); after != before {
		t.Errorf("flushing 10 keys ran %d collections, want none", after-before)
	}

	load(100000)
	before = collections()
	flush("FLUSHALL")
	if collections() == before {
		t.Error("FLUSHALL of 100000 keys replied before a collection ran")
	}

	load(100000)
	before = collections()
	flush("FLUSHDB", "ASYNC")
	for deadline := time.Now().Add(10 * time.Second); collections() == before; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no collection followed FLUSHDB ASYNC of 100000 keys within 10 s")
		}
	}
}
