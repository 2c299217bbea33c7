package reports

import (
	"math"
	"testing"
	"time"
)

func TestSetHistogramFillsPercentilesAndRoundTrips(t *testing.T) {
	h := NewLatencyHistogram()
	// 1ms … 1000ms, one each: p50 ≈ 500ms, p99 ≈ 990ms, max = 1s.
	for i := 1; i <= 1000; i++ {
		if err := h.RecordValue(int64(time.Duration(i) * time.Millisecond)); err != nil {
			t.Fatal(err)
		}
	}
	var s OpStats
	if err := s.SetHistogram(h); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name      string
		got, want Dur
	}{
		{"p50", s.P50, D(500 * time.Millisecond)}, {"p90", s.P90, D(900 * time.Millisecond)},
		{"p99", s.P99, D(990 * time.Millisecond)}, {"p99.9", s.P999, D(999 * time.Millisecond)}, {"max", s.Max, D(time.Second)},
	} {
		if rel := math.Abs(float64(tc.got-tc.want)) / float64(tc.want); rel > 0.001 {
			t.Errorf("%s = %v, want %v within 0.1%%", tc.name, tc.got, tc.want)
		}
	}
	back, err := decodeHistogram(s.HDR)
	if err != nil {
		t.Fatal(err)
	}
	if back.TotalCount() != 1000 || back.Max() != h.Max() {
		t.Errorf("decoded histogram: count %d max %d, want 1000 and %d", back.TotalCount(), back.Max(), h.Max())
	}
	curve := percentileCurve(back)
	last := curve[len(curve)-1]
	if math.Abs(last.nines-3) > 1e-9 {
		t.Errorf("curve of 1000 samples ends at %v nines, want 3 (99.9%%)", last.nines)
	}
	for i := 1; i < len(curve); i++ {
		if curve[i].latency < curve[i-1].latency {
			t.Fatalf("percentile curve decreases at %v", curve[i].nines)
		}
	}
}

func TestPercentileNinesMapping(t *testing.T) {
	for _, p := range []float64{0, 50, 90, 99, 99.9, 99.99} {
		if got := ninesToPercentile(percentileToNines(p)); math.Abs(got-p) > 1e-9 {
			t.Errorf("round trip of %v%% gave %v", p, got)
		}
	}
	if x := percentileToNines(99.9); math.Abs(x-3) > 1e-9 {
		t.Errorf("99.9%% maps to %v, want 3", x)
	}
}
