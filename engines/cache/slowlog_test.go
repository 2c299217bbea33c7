package cache

import (
	"strings"
	"testing"
	"time"

	"syslab/engines/cache/resp"
	"syslab/node"
)

// slowlogEntries is SLOWLOG GET -1 as the entries' argument lists, newest
// first.
func slowlogEntries(t *testing.T, n *Node, env *testEnv) [][]string {
	t.Helper()
	n.Receive("admin", Command{Seq: 1, Args: [][]byte{[]byte("SLOWLOG"), []byte("GET"), []byte("-1")}})
	v := env.replies[len(env.replies)-1].Value
	var out [][]string
	for _, e := range v.Elems {
		if len(e.Elems) != 6 {
			t.Fatalf("a SLOWLOG entry has %d fields, want 6: %s", len(e.Elems), e.String())
		}
		var args []string
		for _, a := range e.Elems[3].Elems {
			args = append(args, string(a.Str))
		}
		out = append(out, args)
	}
	return out
}

func TestSlowlogKeepsTheNewestEntries(t *testing.T) {
	n, env := startNode(t, Config{})
	do(n, env, "c", "CLIENT SETNAME app")
	do(n, env, "c", "CONFIG SET slowlog-log-slower-than 0")
	do(n, env, "c", "CONFIG SET slowlog-max-len 3")
	for _, line := range []string{"SET a 1", "INCR a", "GET a", "PING"} {
		do(n, env, "c", line)
	}
	got := do(n, env, "c", "SLOWLOG GET 1")
	// id 5: logging was on for the CONFIG SET that turned it on (the
	// threshold is read after the command, as in Redis), then CONFIG SET,
	// SET, INCR and GET came before PING.
	wantPrefix := `[[(integer) 5 (integer) ` + itoa(int(env.now.Unix())) + ` (integer) `
	if !strings.HasPrefix(got, wantPrefix) || !strings.HasSuffix(got, ` ["PING"] "c" "app"]]`) {
		t.Fatalf("SLOWLOG GET 1 = %s, want the PING entry with id 5 (%s…)", got, wantPrefix)
	}
	if got := do(n, env, "c", "SLOWLOG LEN"); got != "(integer) 3" {
		t.Fatalf("SLOWLOG LEN = %s, want 3 (slowlog-max-len)", got)
	}
	if got := do(n, env, "c", "SLOWLOG RESET"); got != `"OK"` {
		t.Fatalf("SLOWLOG RESET = %s", got)
	}
	do(n, env, "c", "PING")
	if got := slowlogEntries(t, n, env); len(got) != 2 || got[0][0] != "PING" || got[1][0] != "SLOWLOG" {
		t.Fatalf("after RESET and PING the log holds %q", got)
	}
	if got := do(n, env, "c", "SLOWLOG GET 0"); got != "[]" {
		t.Fatalf("SLOWLOG GET 0 = %s", got)
	}
	do(n, env, "c", "CONFIG SET slowlog-log-slower-than -1")
	do(n, env, "c", "SLOWLOG RESET")
	do(n, env, "c", "PING")
	if got := do(n, env, "c", "SLOWLOG LEN"); got != "(integer) 0" {
		t.Fatalf("SLOWLOG LEN with logging off = %s", got)
	}
}

func TestSlowlogTrimsAndRedactsArguments(t *testing.T) {
	n, env := startNode(t, Config{})
	do(n, env, "c", "CONFIG SET slowlog-log-slower-than 0")
	do(n, env, "c", "SLOWLOG RESET")
	long := strings.Repeat("A", 129)
	many := "SADD s"
	for i := 3; i <= 33; i++ {
		many += " " + itoa(i)
	}
	for _, line := range []string{many, "SADD s " + long, "AUTH user secret", "CONFIG SET masterauth secret maxmemory-samples 5",
		"MULTI", "SET k v", "EXEC"} {
		do(n, env, "c", line)
	}
	entries := slowlogEntries(t, n, env)
	got := make([]string, len(entries))
	for i, e := range entries {
		got[i] = strings.Join(e, " ")
	}
	want := []string{
		"SET k v", // EXEC is not logged; the commands it ran are
		"MULTI",
		"CONFIG SET masterauth (redacted) maxmemory-samples 5",
		"AUTH (redacted) (redacted)",
		"SADD s " + long[:128] + "... (1 more bytes)",
		many[:strings.Index(many, " 32")] + " ... (2 more arguments)",
		"SLOWLOG RESET",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("the log holds\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// In the simulator a command's duration is what the cost model charges;
// DEBUG SLEEP adds its sleep.
func TestSlowlogDurationsInTheSimulator(t *testing.T) {
	n, env := startNode(t, Config{EnableDebugCommand: ProtectedYes})
	do(n, env, "c", "CONFIG SET slowlog-log-slower-than 100000")
	do(n, env, "c", "PING")
	sleepFor(t, n, env, 200*time.Millisecond)
	got := do(n, env, "c", "SLOWLOG GET")
	want := `(integer) ` + itoa(int((200*time.Millisecond + n.commandCost([][]byte{[]byte("DEBUG"), []byte("SLEEP"), []byte("0.2")})).Microseconds()))
	if !strings.Contains(got, want) || !strings.Contains(got, `["DEBUG" "SLEEP" "0.2"]`) || strings.Contains(got, "PING") {
		t.Fatalf("SLOWLOG GET = %s, want only DEBUG SLEEP, taking %s", got, want)
	}
	info := do(n, env, "c", "INFO commandstats")
	if !strings.Contains(info, "cmdstat_ping:calls=1,usec=0,usec_per_call=0.") {
		t.Fatalf("PING's cost model time is under a microsecond: %s", info)
	}
}

// stepStopwatch is a node.Stopwatch whose every reading is step later
// than the last.
type stepStopwatch struct {
	*testEnv
	now, step time.Duration
}

func (s *stepStopwatch) Elapsed() time.Duration { s.now += s.step; return s.now }

var _ node.Stopwatch = (*stepStopwatch)(nil)

// In a server a command is timed from the end of the previous command of
// the same message: one clock reading per command.
func TestCommandDurationsMeasuredByTheStopwatch(t *testing.T) {
	sw := &stepStopwatch{testEnv: newTestEnv(), step: 3 * time.Millisecond}
	n := New(Config{})().(*Node)
	n.Start(sw)
	line := func(words ...string) [][]byte {
		args := make([][]byte, len(words))
		for i, w := range words {
			args[i] = []byte(w)
		}
		return args
	}
	n.Receive("c", Command{Seq: 1, Args: line("CONFIG", "SET", "slowlog-log-slower-than", "0")})
	n.Receive("c", Commands{{Seq: 2, Args: line("SLOWLOG", "RESET")}, {Seq: 3, Args: line("SET", "a", "1")}, {Seq: 4, Args: line("GET", "a")}})
	n.Receive("c", Command{Seq: 5, Args: line("SLOWLOG", "GET")})
	v := sw.replies[len(sw.replies)-1].Value
	if len(v.Elems) != 3 {
		t.Fatalf("SLOWLOG GET = %s", v.String())
	}
	for _, e := range v.Elems {
		// Each command's end is one reading (3 ms) after the message's
		// start or the previous command's end.
		if e.Elems[2].Int != 3000 {
			t.Fatalf("%s took %d µs, want 3000 (one stopwatch step)", e.Elems[3].String(), e.Elems[2].Int)
		}
	}
}

// SLOWLOG's errors and replies, compared with a real redis-server 7.
func TestSlowlogMatchesRealRedis(t *testing.T) {
	for _, protocol := range []int{resp.RESP2, resp.RESP3} {
		c := newComparison(t, Config{}, protocol)
		c.run(exact("SLOWLOG GET -2", "SLOWLOG GET x", "SLOWLOG GET 1 2", "SLOWLOG LEN x", "SLOWLOG RESET x", "SLOWLOG FOO",
			"SLOWLOG", "SLOWLOG HELP", "CONFIG SET slowlog-log-slower-than -2", "CONFIG SET slowlog-log-slower-than x",
			"CONFIG SET slowlog-max-len -1", "CONFIG SET slowlog-max-len 5", "CONFIG GET slowlog-max-len",
			"CONFIG SET slowlog-log-slower-than -1", "CONFIG GET slowlog-log-slower-than", "SLOWLOG RESET", "PING", "SLOWLOG LEN", "SLOWLOG GET"))
	}
}
