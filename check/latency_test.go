package check

import (
	"testing"
	"time"
)

// latencyHistory has 100 successful gets taking 1ms..100ms, one failed
// and one indefinite get, and 10 sets taking 1s.
func latencyHistory() *History {
	var h History
	for i := 1; i <= 100; i++ {
		h.Ops = append(h.Ops, ok(0, "get", "k", "", "v", 0, time.Duration(i)*time.Millisecond))
	}
	h.Ops = append(h.Ops, failed(0, "get", "k", "", 0, time.Hour), indefinite(0, "get", "k", "", 0))
	for range 10 {
		h.Ops = append(h.Ops, ok(1, "set", "k", "v", "OK", 0, time.Second))
	}
	return &h
}

func TestLatency(t *testing.T) {
	h := latencyHistory()
	cases := []struct {
		op       string
		quantile float64
		limit    time.Duration
		want     Verdict
		wantP    time.Duration
	}{
		{"get", 0.99, 100 * time.Millisecond, Pass, 99 * time.Millisecond},
		{"get", 0.99, 98 * time.Millisecond, Fail, 99 * time.Millisecond},
		{"get", 0.99, 98900 * time.Microsecond, Fail, 99 * time.Millisecond}, // 0.1% under: still distinguishable
		{"get", 0.5, 50 * time.Millisecond, Pass, 50 * time.Millisecond},
		{"get", 1, 100 * time.Millisecond, Pass, 100 * time.Millisecond},
		{"set", 0.5, 500 * time.Millisecond, Fail, time.Second},
		{"", 0.99, time.Second, Pass, time.Second},
		{"incr", 0.99, time.Second, Unknown, 0},
		{"get", 99, time.Second, Unknown, 0}, // a percentile passed as a quantile
		{"get", 0, time.Second, Unknown, 0},
	}
	for _, c := range cases {
		got := Latency(h, c.op, c.quantile, c.limit)
		if got.Verdict != c.want {
			t.Errorf("%s q%v ≤ %v: verdict %s (%s), want %s", c.op, c.quantile, c.limit, got.Verdict, got.Detail, c.want)
			continue
		}
		if c.wantP == 0 {
			continue
		}
		// HDR with 3 significant digits reports the top of a bucket.
		p := time.Duration(got.Measured["latency_seconds"] * float64(time.Second))
		if p < c.wantP || p > c.wantP+c.wantP/500 {
			t.Errorf("%s q%v = %v, want %v within 0.2%%", c.op, c.quantile, p, c.wantP)
		}
	}
}

func TestErrorRate(t *testing.T) {
	h := latencyHistory()
	cases := []struct {
		op   string
		max  float64
		want Verdict
		rate float64
	}{
		{"get", 0.02, Pass, 2.0 / 102},
		{"get", 0.01, Fail, 2.0 / 102},
		{"set", 0, Pass, 0},
		{"", 0.01, Fail, 2.0 / 112},
		{"incr", 0.01, Unknown, 0},
		{"get", 2, Unknown, 0},
	}
	for _, c := range cases {
		got := ErrorRate(h, c.op, c.max)
		if got.Verdict != c.want || got.Measured["error_rate"] != c.rate {
			t.Errorf("%q ≤ %v: %s rate %v (%s), want %s rate %v", c.op, c.max, got.Verdict, got.Measured["error_rate"], got.Detail, c.want, c.rate)
		}
	}
}
