package cache

import (
	"strings"
	"testing"
	"time"

	"syslab/engines/cache/resp"
)

func TestLatencyMonitorRecordsSlowCommands(t *testing.T) {
	n, env := startNode(t, Config{EnableDebugCommand: ProtectedYes})
	sleepFor(t, n, env, 300*time.Millisecond) // the monitor is off: not recorded
	if got := do(n, env, "c", "LATENCY LATEST"); got != "[]" {
		t.Fatalf("LATENCY LATEST with the monitor off = %s", got)
	}
	do(n, env, "c", "CONFIG SET latency-monitor-threshold 100")
	for _, sleep := range []time.Duration{200 * time.Millisecond, 400 * time.Millisecond} {
		env.Advance(time.Second) // a sample a second
		sleepFor(t, n, env, sleep)
	}
	do(n, env, "c", "PING") // far under the threshold
	history := do(n, env, "c", "LATENCY HISTORY command")
	if strings.Count(history, "[(integer)") != 2 || !strings.Contains(history, "(integer) 200]") || !strings.Contains(history, "(integer) 400]") {
		t.Fatalf("LATENCY HISTORY command = %s, want the 200 and 400 ms sleeps", history)
	}
	latest := do(n, env, "c", "LATENCY LATEST")
	if !strings.HasPrefix(latest, `[["command" (integer) `) || !strings.HasSuffix(latest, ` (integer) 400 (integer) 400]]`) {
		t.Fatalf("LATENCY LATEST = %s, want command's latest and highest sample, 400 ms", latest)
	}
	if got := do(n, env, "c", "LATENCY HISTORY fast-command"); got != "[]" {
		t.Fatalf("PING was recorded: %s", got)
	}
	if got := do(n, env, "c", "LATENCY DOCTOR"); !strings.Contains(got, "command: 2 seconds with samples") {
		t.Fatalf("LATENCY DOCTOR = %s", got)
	}
	if got := do(n, env, "c", "LATENCY RESET nosuch command"); got != "(integer) 1" {
		t.Fatalf("LATENCY RESET nosuch command = %s", got)
	}
	if got := do(n, env, "c", "LATENCY LATEST"); got != "[]" {
		t.Fatalf("LATENCY LATEST after RESET = %s", got)
	}
}

func TestLatencyHistogram(t *testing.T) {
	n, env := startNode(t, Config{EnableDebugCommand: ProtectedYes})
	do(n, env, "c", "CONFIG RESETSTAT")
	do(n, env, "c", "SET a b")
	do(n, env, "c", "SET c d")
	do(n, env, "c", "CLIENT ID")
	sleepFor(t, n, env, 10*time.Millisecond)
	got := do(n, env, "c", "LATENCY HISTOGRAM set client nosuch debug")
	// SET's cost model time is under 1024 ns: both calls in the first
	// bucket; DEBUG SLEEP's 10 ms in the bucket of 2^14 µs.
	want := `["set" ["calls" (integer) 2 "histogram_usec" [(integer) 1 (integer) 2]] ` +
		`"client|id" ["calls" (integer) 1 "histogram_usec" [(integer) 1 (integer) 1]] ` +
		`"debug" ["calls" (integer) 1 "histogram_usec" [(integer) 16777 (integer) 1]]]`
	if got != want {
		t.Fatalf("LATENCY HISTOGRAM = %s\nwant %s", got, want)
	}
	if got := do(n, env, "c", "LATENCY HISTOGRAM nosuch"); got != "[]" {
		t.Fatalf("LATENCY HISTOGRAM nosuch = %s", got)
	}
}

// LATENCY's errors and the parameter's replies, compared with a real
// redis-server 7 (both have no samples: the monitor is off by default).
func TestLatencyMatchesRealRedis(t *testing.T) {
	for _, protocol := range []int{resp.RESP2, resp.RESP3} {
		c := newComparison(t, Config{}, protocol)
		c.run(exact("LATENCY HELP xxx", "LATENCY FOO", "LATENCY", "LATENCY HISTORY", "LATENCY HISTORY nosuch", "LATENCY GRAPH", "LATENCY GRAPH nosuch", "LATENCY GRAPH a b", "LATENCY LATEST x",
			"LATENCY RESET nosuch", "LATENCY RESET", "LATENCY LATEST", "LATENCY HISTOGRAM blabla blabla2",
			"CONFIG SET latency-monitor-threshold -1", "CONFIG SET latency-monitor-threshold x", "CONFIG GET latency-monitor-threshold"))
	}
}
