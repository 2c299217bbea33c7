package server

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"syslab/engines/cache"
)

// SHUTDOWN saves when save points are configured (or SAVE says so), and
// not with NOSAVE; the client gets no reply, its connection closes, and
// Done tells the owner to exit. A restart finds what was saved.
func TestShutdownSavesAndEndsTheServer(t *testing.T) {
	for _, tc := range []struct {
		name, save string
		args       []any
		wantDump   bool
	}{
		{"save points", "3600 1", []any{"shutdown"}, true},
		{"no save points", "", []any{"shutdown"}, false},
		{"SAVE", "", []any{"shutdown", "save"}, true},
		{"NOSAVE", "3600 1", []any{"shutdown", "nosave", "now"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			cfg := Config{Addr: "127.0.0.1:0", Dir: dir, Cache: cache.Config{Save: tc.save}}
			s, err := Start(cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			ctx := context.Background()
			c := redis.NewClient(&redis.Options{Addr: s.Addr(), Protocol: 2, MaxRetries: -1})
			defer c.Close()
			if err := c.Set(ctx, "k", "v", 0).Err(); err != nil {
				t.Fatal(err)
			}
			err = c.Do(ctx, tc.args...).Err()
			if err == nil || !errors.Is(err, io.EOF) {
				t.Fatalf("SHUTDOWN answered %v, want the connection closed", err)
			}
			select {
			case <-s.Done():
			case <-time.After(10 * time.Second):
				t.Fatal("Done not closed after SHUTDOWN")
			}
			_, statErr := os.Stat(filepath.Join(dir, "dump.rdb"))
			if gotDump := statErr == nil; gotDump != tc.wantDump {
				t.Fatalf("dump.rdb exists: %v, want %v", gotDump, tc.wantDump)
			}
			s.Close()
			if !tc.wantDump {
				return
			}
			s2, err := Start(cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer s2.Close()
			c2 := redis.NewClient(&redis.Options{Addr: s2.Addr(), Protocol: 2})
			defer c2.Close()
			if got, err := c2.Get(ctx, "k").Result(); err != nil || got != "v" {
				t.Fatalf("after restart GET k = %q, %v", got, err)
			}
		})
	}
}

// A save that fails keeps the server running with Redis's error, unless
// FORCE.
func TestShutdownThatCannotSaveKeepsServing(t *testing.T) {
	dir := t.TempDir()
	s, err := Start(Config{Addr: "127.0.0.1:0", Dir: dir, Cache: cache.Config{Save: "3600 1"}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	c := redis.NewClient(&redis.Options{Addr: s.Addr(), Protocol: 2, MaxRetries: -1})
	defer c.Close()
	if err := c.Ping(ctx).Err(); err != nil { // the node has loaded (nothing) by now
		t.Fatal(err)
	}
	// A directory where the snapshot's file must go makes the save fail.
	if err := os.Mkdir(filepath.Join(dir, "dump.rdb"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := c.Do(ctx, "shutdown").Err(); err == nil || err.Error() != "ERR Errors trying to SHUTDOWN. Check logs." {
		t.Fatalf("SHUTDOWN with a failing save: %v", err)
	}
	if err := c.Ping(ctx).Err(); err != nil {
		t.Fatalf("server gone after a refused SHUTDOWN: %v", err)
	}
	if err := c.Do(ctx, "shutdown", "force").Err(); !errors.Is(err, io.EOF) {
		t.Fatalf("SHUTDOWN FORCE: %v, want the connection closed", err)
	}
	<-s.Done()
}
