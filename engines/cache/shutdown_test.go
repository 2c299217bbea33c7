package cache

import "testing"

// SHUTDOWN's refusals, word for word as redis-server 7.0's (its success
// ends the server, so the server package tests that).
func TestShutdownRefusalsAgreeWithRedis(t *testing.T) {
	compareWithRedis(t, []string{
		"SHUTDOWN FOO", "SHUTDOWN SAVE NOSAVE", "SHUTDOWN NOSAVE NOSAVE SAVE", "SHUTDOWN ABORT",
		"SHUTDOWN ABORT NOW", "SHUTDOWN ABORT FORCE", "SHUTDOWN abort nosave",
		"MULTI", "SHUTDOWN NOSAVE", "EXEC", "PING",
	})
}

func TestParseShutdown(t *testing.T) {
	for _, tc := range []struct {
		args string
		want shutdownOptions
		ok   bool
	}{
		{"", shutdownOptions{}, true},
		{"nosave now force", shutdownOptions{noSave: true, now: true, force: true}, true},
		{"SAVE save", shutdownOptions{save: true}, true},
		{"abort", shutdownOptions{abort: true}, true},
		{"save nosave", shutdownOptions{}, false},
		{"abort now", shutdownOptions{}, false},
		{"later", shutdownOptions{}, false},
	} {
		got, ok := parseShutdown(splitLine(t, "SHUTDOWN "+tc.args)[1:])
		if ok != tc.ok || ok && got != tc.want {
			t.Errorf("parseShutdown(%q) = %+v, %v; want %+v, %v", tc.args, got, ok, tc.want, tc.ok)
		}
	}
}
