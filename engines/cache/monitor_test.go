package cache

import (
	"regexp"
	"strings"
	"testing"
)

// What a monitor sees of another client's commands, compared with
// redis-server 7.0 line for line once the clock and the address are
// masked: which commands show (not admin ones, not CONFIG SET), in which
// database, quoted how, with passwords redacted, transactions in EXEC's
// order, a script's calls after the script.
func TestMonitorStreamAgreesWithRedis(t *testing.T) {
	script := []string{
		"SET k v", "GET k", `SET bin "a\x00b\n\"q\"\\"`, "SELECT 3", "INCR counter", "SELECT 0",
		"AUTH secret", "AUTH default secret", "HELLO 2 AUTH default pw SETNAME app",
		"MULTI", "SET t 1", "INCR t", "EXEC",
		"CONFIG SET maxmemory-samples 5", "CONFIG GET maxmemory-samples", "CLIENT LIST", "CLIENT SETNAME me", "CLIENT GETNAME",
		"DEBUG SLEEP 0", "NOSUCHCOMMAND", "GET", "LPUSH k x", "PING",
		`EVAL "redis.call('set', 'e', '1') return redis.call('get', KEYS[1])" 1 e`, `EVAL_RO "return 1" 0`,
		// Nothing listens on port 1: each MIGRATE fails, after its line.
		"MIGRATE 127.0.0.1 1 mkey 0 10 AUTH pw", "MIGRATE 127.0.0.1 1 mkey 0 10 COPY AUTH2 user pw",
		`MIGRATE 127.0.0.1 1 "" 0 10 KEYS auth mkey2`,
	}
	stamp := regexp.MustCompile(`^\d+\.\d{6} \[(\d+) [^\]]*\]`)
	mask := func(line string) string {
		if !stamp.MatchString(line) {
			t.Fatalf("monitor line %q lacks time and client", line)
		}
		return stamp.ReplaceAllString(line, "T [$1 ADDR]")
	}

	s := startRedisServer(t)
	monitor := s.dial()
	if v := monitor.doLine("MONITOR"); v.String() != `"OK"` {
		t.Fatalf("MONITOR on redis-server: %s", v)
	}
	client := s.dial()
	for _, line := range script {
		client.doLine(line)
	}
	client.doLine("ECHO end")
	var want []string
	for {
		line := string(monitor.read().Str)
		if strings.HasSuffix(line, `"ECHO" "end"`) || strings.HasSuffix(line, `"echo" "end"`) {
			break
		}
		want = append(want, mask(line))
	}

	n, env := startNode(t, Config{})
	if got := do(n, env, "monitor", "MONITOR"); got != `"OK"` {
		t.Fatalf("MONITOR on the node: %s", got)
	}
	for _, line := range script {
		n.Receive("app", Command{Seq: 1, Args: splitLine(t, line)})
	}
	var got []string
	for _, p := range env.pushes {
		if p.to == "monitor" {
			got = append(got, mask(string(p.push.Value.Str)))
		}
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("monitor stream:\n got\n  %s\n want\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
	if got := do(n, env, "monitor", "CLIENT LIST"); !strings.Contains(got, "flags=O ") {
		t.Errorf("CLIENT LIST of a monitor: %s", got)
	}
}
