package cache

import (
	"strings"
	"testing"
)

// Redis 7.0's defaults refuse DEBUG and changes to dir and dbfilename,
// and the three enable-* settings cannot change at run time.
func TestProtectedDefaultsMatchRedis(t *testing.T) {
	steps := exact(
		"DEBUG",
		"DEBUG HELP",
		"debug sleep 0",
		"CONFIG SET dir /tmp",
		"CONFIG SET DBFILENAME other.rdb",
		"CONFIG SET dbfilename other.rdb maxmemory 10mb",
		"CONFIG GET maxmemory",
		"CONFIG SET enable-debug-command yes",
		"CONFIG SET enable-protected-configs yes",
		"CONFIG SET enable-module-command yes",
		"CONFIG GET dbfilename",
		"MULTI",
		"DEBUG SLEEP 0",
		"EXEC",
	)
	steps = append(steps, unordered("CONFIG GET enable-*")...)
	forEachProtocol(t, Config{}, steps)
}

func TestProtectedLocal(t *testing.T) {
	cfg := Config{EnableDebugCommand: ProtectedLocal, EnableProtectedConfigs: ProtectedLocal}
	for _, tc := range []struct {
		addr    string
		unix    bool
		allowed bool
	}{
		{addr: "127.0.0.1:5000", allowed: true},
		{addr: "[::1]:5000", allowed: true},
		{addr: "/tmp/redis.sock:0", unix: true, allowed: true},
		{addr: "127.0.0.2:5000"},
		{addr: "10.0.0.7:41000"},
		{addr: "[fd00::2]:41000"},
		{addr: ""}, // a simulated client, known by its node ID
	} {
		n, env := startNode(t, cfg)
		if tc.addr != "" {
			n.Receive("c", Connected{Addr: tc.addr, UnixSocket: tc.unix})
		}
		debug := do(n, env, "c", "DEBUG SLEEP 0")
		set := do(n, env, "c", "CONFIG SET dbfilename other.rdb")
		got := do(n, env, "c", "CONFIG GET dbfilename")
		if tc.allowed {
			if debug != `"OK"` || set != `"OK"` || !strings.Contains(got, "other.rdb") {
				t.Errorf("from %q: DEBUG = %s, CONFIG SET = %s, GET = %s; want both allowed", tc.addr, debug, set, got)
			}
			continue
		}
		if !strings.Contains(debug, "DEBUG command not allowed") || !strings.Contains(set, "can't set protected config") ||
			!strings.Contains(got, "dump.rdb") {
			t.Errorf("from %q: DEBUG = %s, CONFIG SET = %s, GET = %s; want both refused", tc.addr, debug, set, got)
		}
	}
}

func TestProtectedDBFilenameValues(t *testing.T) {
	n, env := startNode(t, Config{EnableDebugCommand: ProtectedYes, EnableProtectedConfigs: ProtectedYes})
	for _, tc := range []struct{ line, want string }{
		{"DEBUG SLEEP 0", `"OK"`},
		{"CONFIG SET dbfilename dir/dump.rdb", "(error) ERR CONFIG SET failed (possibly related to argument 'dbfilename') - dbfilename can't be a path, just a filename"},
		{`CONFIG SET dbfilename a\b`, "(error) ERR CONFIG SET failed (possibly related to argument 'dbfilename') - dbfilename can't be a path, just a filename"},
		{`CONFIG SET dbfilename ""`, `(error) ERR CONFIG SET failed (possibly related to argument 'dbfilename') - dbfilename "" is not a file name this server can write`},
		{"CONFIG SET dbfilename backup.rdb", `"OK"`},
		{"CONFIG GET dbfilename", `["dbfilename" "backup.rdb"]`},
		{"CONFIG SET dir /tmp", "(error) ERR CONFIG SET failed (possibly related to argument 'dir') - this server's data directory is fixed at start (syslab serve cache --dir)"},
		{"CONFIG GET enable-debug-command", `["enable-debug-command" "yes"]`},
	} {
		if got := do(n, env, "c", tc.line); got != tc.want {
			t.Errorf("%s = %s, want %s", tc.line, got, tc.want)
		}
	}
}

func TestProtectedSettingsValidated(t *testing.T) {
	err := Config{EnableDebugCommand: "always"}.Validate()
	if err == nil || !strings.Contains(err.Error(), "enable-debug-command") {
		t.Fatalf("Validate = %v, want an error naming enable-debug-command", err)
	}
}
