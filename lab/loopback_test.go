package lab

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"syslab/reports"
)

// heavyTailedRoundTrips are synthetic round trips as a busy machine gives
// them: a lognormal body around 300µs, and 3% stalls of 2–10ms.
func heavyTailedRoundTrips(n int) []time.Duration {
	r := rand.New(rand.NewPCG(4, 4))
	out := make([]time.Duration, n)
	for i := range out {
		v := 300e3 * math.Exp(0.2*r.NormFloat64())
		if r.Float64() < 0.03 {
			v += 2e6 + 8e6*r.Float64()
		}
		out[i] = time.Duration(v)
	}
	slices.Sort(out)
	return out
}

// sumQuantiles draws n request-plus-reply sums from a one-way delay and
// returns their quantiles at ps.
func sumQuantiles(d Delay, n int, ps []float64) []time.Duration {
	r := rand.New(rand.NewPCG(9, 9))
	sums := make([]time.Duration, n)
	for i := range sums {
		sums[i] = d.Sample(r) + d.Sample(r)
	}
	slices.Sort(sums)
	out := make([]time.Duration, len(ps))
	for i, p := range ps {
		out[i] = sums[int(p*float64(n-1))]
	}
	return out
}

// Two draws of the fitted one-way delay add up to the measured round trip
// (less the server's share) at every percentile that matters, tail
// included; the symmetric fit — every quantile halved — does not, which
// shows this test can tell.
func TestLoopbackOneWayAddsUpToTheRoundTrip(t *testing.T) {
	rtts := heavyTailedRoundTrips(200_000)
	lb := summarizeRoundTrips(rtts)
	ps := []float64{0.5, 0.9, 0.99, 0.999}
	for _, serverCost := range []time.Duration{0, 50 * time.Microsecond} {
		want := make([]time.Duration, len(ps))
		for i, p := range ps {
			want[i] = rtts[int(p*float64(len(rtts)-1))] - serverCost
		}
		fit := lb.OneWay(serverCost)
		if fit.Kind != DelayEmpirical || len(fit.Quantiles) != loopbackQuantiles {
			t.Fatalf("fit %s with %d quantiles, want empirical with %d", fit.Kind, len(fit.Quantiles), loopbackQuantiles)
		}
		got := sumQuantiles(fit, 400_000, ps)
		for i, p := range ps {
			// 10%: the body is split as two equal halves, which narrows
			// its spread a little; the tail is what this fit is for.
			if r := float64(got[i]) / float64(want[i]); math.Abs(r-1) > 0.10 {
				t.Errorf("server cost %v: p%g of request + reply %v, round trip less the cost %v (ratio %.2f)", serverCost, 100*p, got[i], want[i], r)
			}
		}
		halved := Delay{Kind: DelayEmpirical, Quantiles: make([]time.Duration, len(lb.Quantiles))}
		for i, q := range lb.Quantiles {
			halved.Quantiles[i] = (time.Duration(q) - serverCost) / 2
		}
		if got := sumQuantiles(halved, 400_000, ps); float64(got[2]) > 0.75*float64(want[2]) {
			t.Errorf("server cost %v: the symmetric fit's p99 %v is close to the round trip's %v; the test cannot tell the fits apart", serverCost, got[2], want[2])
		}
	}
}

func TestLoopbackOneWayOfAFewSamples(t *testing.T) {
	one := summarizeRoundTrips([]time.Duration{80 * time.Microsecond})
	d := one.OneWay(0)
	if d.Kind != DelayEmpirical || len(d.Quantiles) != 2 || d.Quantiles[0] != 40*time.Microsecond || d.Quantiles[1] != 40*time.Microsecond {
		t.Errorf("one round trip of 80µs: %+v, want 40µs each way", d)
	}
	// A server share larger than the round trip leaves a tenth of it.
	if d := one.OneWay(time.Millisecond); d.Quantiles[0] != 4*time.Microsecond {
		t.Errorf("share above the round trip: %+v, want 4µs (a tenth, halved)", d)
	}
}

func TestMeasureLoopbackUnderLoad(t *testing.T) {
	lb, err := MeasureLoopback(LoopbackLoad{Senders: 4, RatePerSec: 400, Poisson: true, Duration: reports.D(500 * time.Millisecond)})
	if err != nil {
		t.Fatal(err)
	}
	// Poisson: 200 pings due on average; 5σ is about 70.
	if lb.Samples < 130 || lb.Samples > 270 {
		t.Errorf("%d round trips, want about 200", lb.Samples)
	}
	if !(0 < lb.P50 && lb.P50 <= lb.P90 && lb.P90 <= lb.P99 && lb.P99 <= lb.Max) || lb.Quantiles[len(lb.Quantiles)-1] != lb.Max {
		t.Errorf("percentiles out of order or zero: %+v", lb)
	}
	if !slices.IsSorted(lb.Quantiles) || len(lb.Quantiles) != min(lb.Samples, loopbackQuantiles) {
		t.Errorf("%d quantiles of %d round trips, sorted %v", len(lb.Quantiles), lb.Samples, slices.IsSorted(lb.Quantiles))
	}
	for _, c := range []struct {
		load LoopbackLoad
		want string
	}{
		{LoopbackLoad{Senders: 0, RatePerSec: 10, Duration: reports.D(time.Second)}, "0 senders"},
		{LoopbackLoad{Senders: 1, RatePerSec: 0, Duration: reports.D(time.Second)}, "rate 0"},
		{LoopbackLoad{Senders: 1, RatePerSec: 10}, "duration 0s"},
	} {
		if _, err := MeasureLoopback(c.load); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.load, err, c.want)
		}
	}
}

// The series bins pings by intended time, means each step, fills empty
// steps linearly between their neighbours, and LinkTrace halves it (less
// the server's cost) for each direction.
func TestRoundTripSeriesAndLinkTrace(t *testing.T) {
	ms := time.Millisecond
	pings := []loopbackSample{
		{at: 1 * ms, rtt: 2 * ms}, {at: 1500 * time.Microsecond, rtt: 4 * ms}, // step 1: mean 3ms
		{at: 4 * ms, rtt: 9 * ms}, // step 4; steps 2 and 3 between
	}
	got := roundTripSeries(pings, 6*ms, ms)
	want := []reports.Dur{reports.D(3 * ms), reports.D(3 * ms), reports.D(5 * ms), reports.D(7 * ms), reports.D(9 * ms), reports.D(9 * ms)}
	if !slices.Equal(got, want) {
		t.Fatalf("series %v, want %v", got, want)
	}
	d := LoopbackResult{Series: got, SeriesStep: reports.D(ms)}.Link(1 * ms)
	if d.Kind != DelayTrace || d.TraceStep != ms || d.Trace[0] != ms || d.Trace[4] != 4*ms {
		t.Errorf("link %+v, want a 1ms-step trace of (rtt − 1ms)/2: 1ms first, 4ms at step 4", d)
	}
}
