package cache

import "testing"

// The graph redis-server 7.0.15 drew for these samples (LATENCY GRAPH
// command after DEBUG SLEEPs of 0.1, 0.3, 0.2, 0.05 and 0.25 s a second
// or two apart), byte for byte.
func TestLatencyGraphMatchesRedis(t *testing.T) {
	const now = 1796288823
	ts := &latencySeries{maxMs: 300}
	for _, s := range []latencySample{{now - 6, 100}, {now - 5, 300}, {now - 3, 200}, {now - 2, 50}, {now - 1, 250}} {
		ts.samples[ts.next] = s
		ts.next++
	}
	want := "command - high 300 ms, low 50 ms (all time high 300 ms)\n" +
		"--------------------------------------------------------------------------------\n" +
		" #  _\n" +
		" |o |\n" +
		" || |\n" +
		"#||_|\n" +
		"     \n" +
		"65321\n" +
		"sssss\n"
	if got := latencyGraph("command", ts, now); got != want {
		t.Errorf("LATENCY GRAPH:\n%s\nwant:\n%s", got, want)
	}
}

// A series longer than the graph's width continues in a second block, and
// ages are written in their largest unit.
func TestLatencyGraphWrapsAndLabelsAges(t *testing.T) {
	const now = 1_000_000
	ts := &latencySeries{maxMs: 7}
	for i := range latencyGraphColumns + 2 {
		ts.samples[ts.next] = latencySample{unixSeconds: now - 90000 + int64(i)*1000, millis: 7}
		ts.next++
	}
	got := latencyGraph("command", ts, now)
	blocks := 0
	for i := 0; i+1 < len(got); i++ {
		if got[i] == '\n' && got[i+1] == '\n' {
			blocks++
		}
	}
	if blocks != 1 {
		t.Errorf("%d samples drew %d block breaks, want 1:\n%s", latencyGraphColumns+2, blocks, got)
	}
	for age, want := range map[int64]string{59: "59s", 60: "1m", 3599: "59m", 3600: "1h", 86399: "23h", 86400: "1d"} {
		if got := sampleAge(age); got != want {
			t.Errorf("sampleAge(%d) = %s, want %s", age, got, want)
		}
	}
}
