package server

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"syslab/engines/cache"
)

// With enable-debug-command and enable-protected-configs "local", a client
// on the loopback address may run DEBUG and move the snapshot to another
// file: SAVE then writes that file in the data directory. With Redis's
// defaults both are refused.
func TestProtectedLocalOverLoopback(t *testing.T) {
	ctx := context.Background()
	s := startServer(t, cache.Config{EnableDebugCommand: cache.ProtectedLocal, EnableProtectedConfigs: cache.ProtectedLocal})
	c := newClient(t, s)
	for _, cmd := range [][]any{{"debug", "sleep", "0"}, {"config", "set", "dbfilename", "moved.rdb"}, {"set", "k", "v"}, {"save"}} {
		if err := c.Do(ctx, cmd...).Err(); err != nil {
			t.Fatalf("%v: %v", cmd, err)
		}
	}
	if _, err := os.Stat(filepath.Join(s.cfg.Dir, "moved.rdb")); err != nil {
		t.Fatalf("SAVE after CONFIG SET dbfilename moved.rdb: %v", err)
	}

	defaults := newClient(t, startServer(t, cache.Config{}))
	if err := defaults.Do(ctx, "debug", "sleep", "0").Err(); err == nil || !strings.Contains(err.Error(), "DEBUG command not allowed") {
		t.Errorf("DEBUG with Redis's defaults: %v, want the refusal", err)
	}
	if err := defaults.Do(ctx, "config", "set", "dbfilename", "moved.rdb").Err(); err == nil || !strings.Contains(err.Error(), "can't set protected config") {
		t.Errorf("CONFIG SET dbfilename with Redis's defaults: %v, want the refusal", err)
	}
}
