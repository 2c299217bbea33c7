package loadgen

import (
	"math"
	"strings"
	"testing"
	"time"
)

func TestScheduleConstantHasNoDrift(t *testing.T) {
	next, err := Schedule("constant", 3, nil)
	if err != nil {
		t.Fatal(err)
	}
	var total time.Duration
	gaps := map[time.Duration]bool{}
	for range 3000 {
		gap := next()
		gaps[gap] = true
		total += gap
	}
	if total != 1000*time.Second {
		t.Errorf("3000 requests at 3/s took %v, want exactly 1000s", total)
	}
	if len(gaps) > 2 {
		t.Errorf("constant gaps vary by more than rounding: %v", gaps)
	}
}

func TestSchedulePoisson(t *testing.T) {
	const rate, arrivals = 1000.0, 100_000
	next, err := Schedule("poisson", rate, seeded(12))
	if err != nil {
		t.Fatal(err)
	}
	var sum, sumSquares float64
	for range arrivals {
		gap := next().Seconds()
		if gap < 0 {
			t.Fatalf("negative gap %v", gap)
		}
		sum += gap
		sumSquares += gap * gap
	}
	mean := sum / arrivals
	stddev := math.Sqrt(sumSquares/arrivals - mean*mean)
	// Exponential gaps: the mean is 1/rate and so is the standard deviation.
	if math.Abs(mean-1/rate) > 0.02/rate || math.Abs(stddev-1/rate) > 0.03/rate {
		t.Errorf("gaps mean %.6fs stddev %.6fs, want both %.6fs", mean, stddev, 1/rate)
	}
}

func TestScheduleErrors(t *testing.T) {
	cases := []struct {
		kind    string
		rate    float64
		wantErr string
	}{
		{"constant", 0, "want 0 < rate"},
		{"constant", -5, "want 0 < rate"},
		{"constant", math.NaN(), "want 0 < rate"},
		{"constant", math.Inf(1), "want 0 < rate"},
		{"poisson", 10, "needs a random source"},
		{"bursty", 10, `unknown kind "bursty"`},
	}
	for _, c := range cases {
		if _, err := Schedule(c.kind, c.rate, nil); err == nil || !strings.Contains(err.Error(), c.wantErr) {
			t.Errorf("Schedule(%q, %v) error %v, want %q", c.kind, c.rate, err, c.wantErr)
		}
	}
}
