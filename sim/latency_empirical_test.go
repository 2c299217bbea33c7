package sim

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

// Samples of an empirical latency have the quantiles it was given, with
// straight lines between them.
func TestEmpiricalLatencyReproducesItsQuantiles(t *testing.T) {
	ms := time.Millisecond
	l := Latency{Kind: "empirical", Quantiles: []time.Duration{0, 1 * ms, 2 * ms, 14 * ms}}
	d := l.compile()
	r := rand.New(rand.NewPCG(1, 2))
	const n = 300_000
	samples := make([]time.Duration, n)
	for i := range samples {
		samples[i] = d.sample(r)
	}
	slices.Sort(samples)
	for _, c := range []struct {
		p    float64
		want time.Duration
	}{{1.0 / 6, ms / 2}, {1.0 / 3, ms}, {0.5, 1500 * time.Microsecond}, {2.0 / 3, 2 * ms}, {5.0 / 6, 8 * ms}, {0.99, 13640 * time.Microsecond}} {
		got := samples[int(c.p*n)]
		// 3 standard errors of a sample quantile at this n, in the
		// steepest segment (12ms over a third): about 0.1ms.
		if d := got - c.want; d.Abs() > 100*time.Microsecond {
			t.Errorf("p%.1f: %v, want %v", 100*c.p, got, c.want)
		}
	}
	if samples[0] < 0 || samples[n-1] > 14*ms {
		t.Errorf("samples span %v to %v, outside the table's 0 to 14ms", samples[0], samples[n-1])
	}
}

func TestEmpiricalLatencyValidation(t *testing.T) {
	for _, c := range []struct {
		l    Latency
		want string
	}{
		{Latency{Kind: "empirical", Quantiles: []time.Duration{time.Millisecond}}, "1 quantiles, want 2"},
		{Latency{Kind: "empirical", Quantiles: []time.Duration{2, 1}}, "want them in ascending order"},
		{Latency{Kind: "empirical", Quantiles: []time.Duration{-1, 1}}, "quantile 0 is -1ns"},
		{Latency{Kind: "empirical", Mean: 1, Quantiles: []time.Duration{1, 2}}, "takes quantiles only"},
		{Latency{Kind: "normal", Mean: 1, Quantiles: []time.Duration{1, 2}}, "apply to empirical latencies only"},
	} {
		if err := c.l.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.l, err, c.want)
		}
	}
	if err := (Latency{Kind: "empirical", Quantiles: []time.Duration{5, 5}}).Validate(); err != nil {
		t.Errorf("a constant table: %v", err)
	}
}

// A trace link delays each message by the series' value at its departure
// (linear between points, wrapping at the end), draws nothing, and is
// refused where no time is given.
func TestTraceLatencyFollowsItsSeries(t *testing.T) {
	ms := time.Millisecond
	l := Latency{Kind: "trace", TraceStep: 10 * ms, Trace: []time.Duration{1 * ms, 3 * ms, 30 * ms}}
	if err := l.Validate(); err != nil {
		t.Fatal(err)
	}
	d := l.compile()
	for _, c := range []struct{ at, want time.Duration }{
		{0, 1 * ms}, {5 * ms, 2 * ms}, {10 * ms, 3 * ms}, {15 * ms, 16500 * time.Microsecond},
		{25 * ms, 15500 * time.Microsecond}, // from the last point back to the first
		{30 * ms, 1 * ms}, {40 * ms, 3 * ms},
	} {
		if got := d.sampleAt(c.at, nil); got != c.want {
			t.Errorf("sent at %v: delay %v, want %v", c.at, got, c.want)
		}
	}
	for _, c := range []struct {
		l    Latency
		want string
	}{
		{Latency{Kind: "trace", TraceStep: ms}, "0 points"},
		{Latency{Kind: "trace", Trace: []time.Duration{ms}}, "step 0s"},
		{Latency{Kind: "trace", TraceStep: ms, Trace: []time.Duration{-ms}}, "point 0 is -1ms"},
		{Latency{Kind: "constant", Mean: ms, Trace: []time.Duration{ms}}, "trace latencies only"},
	} {
		if err := c.l.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.l, err, c.want)
		}
	}
	if err := (DiskConfig{SyncLatency: l}).Validate(); err == nil {
		t.Error("a disk took a trace latency")
	}
}
