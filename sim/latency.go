package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// Latency is a distribution of durations. The zero value is a constant 0.
//
// Kinds and the fields they use:
//
//	"constant" (or "")  Mean
//	"uniform"           Min..Max inclusive
//	"normal"            Mean, StdDev
//	"exponential"       Mean
//	"lognormal"         Mean, StdDev of the resulting durations (not of the log)
//	"empirical"         Quantiles: a measured distribution
//	"trace"             Trace, TraceStep: a measured delay over time (links only)
//
// For the unbounded kinds (normal, exponential, lognormal) a non-zero Min or
// Max clamps the sample, which is how a heavy tail is capped. Every sample is
// clamped at >= 0.
//
// An empirical distribution is given by its quantiles at evenly spaced
// probabilities: Quantiles[i] is the duration at i/(n−1), so the first is
// the least and the last the largest value measured. A sample is the
// quantile function at a uniform draw, linear between neighbours: one
// random number per sample, and the tail is the one measured rather than
// a fitted shape's.
//
// A trace is a delay that changes over time rather than at random: a
// message sent at t waits Trace[i] where i = ⌊t/TraceStep⌋ (linear to the
// next point, and from the end back to the start). It replays a measured
// series, so delays that came together — every message of the same
// 30ms stall of a busy machine — come together again, as independent
// draws cannot. It draws no randomness. Only links take it: a disk's
// latency is drawn without a time.
type Latency struct {
	Kind                   string
	Mean, Min, Max, StdDev time.Duration
	Quantiles              []time.Duration
	Trace                  []time.Duration
	TraceStep              time.Duration
}

// Bounds of the measured kinds' tables.
const (
	EmpiricalQuantilesMax = 10_001
	TracePointsMax        = 1 << 20
)

// Validate reports a clear error for a distribution that cannot be sampled.
func (l Latency) Validate() error {
	switch l.Kind {
	case "", "constant", "uniform", "normal", "exponential", "lognormal":
		if len(l.Quantiles) > 0 {
			return fmt.Errorf("latency %s: quantiles apply to empirical latencies only", l.kindName())
		}
		if len(l.Trace) > 0 || l.TraceStep != 0 {
			return fmt.Errorf("latency %s: a trace applies to trace latencies only", l.kindName())
		}
	case "empirical":
		return l.validateEmpirical()
	case "trace":
		return l.validateTrace()
	default:
		return fmt.Errorf("latency kind %q unknown (want constant, uniform, normal, exponential, lognormal, empirical or trace)", l.Kind)
	}
	if l.Mean < 0 || l.Min < 0 || l.Max < 0 || l.StdDev < 0 {
		return fmt.Errorf("latency %s: durations must not be negative (mean %v, min %v, max %v, stddev %v)", l.kindName(), l.Mean, l.Min, l.Max, l.StdDev)
	}
	if l.Max > 0 && l.Max < l.Min {
		return fmt.Errorf("latency %s: max %v is below min %v", l.kindName(), l.Max, l.Min)
	}
	if l.Kind == "uniform" && l.Max == 0 && l.Min > 0 {
		return fmt.Errorf("latency uniform: max must be set (min %v)", l.Min)
	}
	if l.Kind == "lognormal" && l.Mean == 0 && l.StdDev > 0 {
		return fmt.Errorf("latency lognormal: mean must be > 0 when stddev is set")
	}
	return nil
}

func (l Latency) validateEmpirical() error {
	if l.Mean != 0 || l.Min != 0 || l.Max != 0 || l.StdDev != 0 {
		return fmt.Errorf("latency empirical: takes quantiles only, not mean, min, max or stddev")
	}
	if n := len(l.Quantiles); n < 2 || n > EmpiricalQuantilesMax {
		return fmt.Errorf("latency empirical: %d quantiles, want 2 to %d (the least and the largest at least)", n, EmpiricalQuantilesMax)
	}
	for i, q := range l.Quantiles {
		if q < 0 || q > durationMax {
			return fmt.Errorf("latency empirical: quantile %d is %v, want 0 to %v", i, q, durationMax)
		}
		if i > 0 && q < l.Quantiles[i-1] {
			return fmt.Errorf("latency empirical: quantile %d (%v) is below quantile %d (%v): want them in ascending order", i, q, i-1, l.Quantiles[i-1])
		}
	}
	return nil
}

func (l Latency) validateTrace() error {
	if l.Mean != 0 || l.Min != 0 || l.Max != 0 || l.StdDev != 0 || len(l.Quantiles) > 0 {
		return fmt.Errorf("latency trace: takes a trace and its step only")
	}
	if n := len(l.Trace); n < 1 || n > TracePointsMax {
		return fmt.Errorf("latency trace: %d points, want 1 to %d", n, TracePointsMax)
	}
	if l.TraceStep <= 0 {
		return fmt.Errorf("latency trace: step %v, want > 0", l.TraceStep)
	}
	for i, v := range l.Trace {
		if v < 0 || v > durationMax {
			return fmt.Errorf("latency trace: point %d is %v, want 0 to %v", i, v, durationMax)
		}
	}
	return nil
}

func (l Latency) kindName() string {
	if l.Kind == "" {
		return "constant"
	}
	return l.Kind
}

type distributionKind uint8

const (
	distConstant distributionKind = iota
	distUniform
	distNormal
	distExponential
	distLognormal
	distEmpirical
	distTrace
)

// distribution is a Latency compiled once so sampling does no string
// comparisons or logarithms on the hot path.
type distribution struct {
	kind        distributionKind
	mean        time.Duration
	min, max    time.Duration
	stdDev      float64
	mu, sigma   float64 // lognormal parameters of the underlying normal
	uniformSpan int64   // uniform: number of possible values
	quantiles   []time.Duration
	trace       []time.Duration
	traceStep   time.Duration
}

// compile turns a validated Latency into a distribution; it panics on an
// invalid one because callers validate configuration at the API boundary.
func (l Latency) compile() distribution {
	if err := l.Validate(); err != nil {
		panic("sim: " + err.Error())
	}
	d := distribution{mean: l.Mean, min: l.Min, max: l.Max, stdDev: float64(l.StdDev)}
	switch l.Kind {
	case "", "constant":
		d.kind = distConstant
	case "uniform":
		d.kind = distUniform
		d.uniformSpan = int64(l.Max-l.Min) + 1
	case "normal":
		d.kind = distNormal
	case "exponential":
		d.kind = distExponential
	case "empirical":
		d.kind = distEmpirical
		d.quantiles = append([]time.Duration(nil), l.Quantiles...)
	case "trace":
		d.kind = distTrace
		d.trace = append([]time.Duration(nil), l.Trace...)
		d.traceStep = l.TraceStep
	case "lognormal":
		d.kind = distLognormal
		if l.Mean > 0 {
			ratio := float64(l.StdDev) / float64(l.Mean)
			variance := math.Log1p(ratio * ratio)
			d.sigma = math.Sqrt(variance)
			d.mu = math.Log(float64(l.Mean)) - variance/2
		}
	}
	return d
}

// sampleAt is the delay of something that starts at t: the trace's value
// then for a trace, a draw from r otherwise.
func (d *distribution) sampleAt(t time.Duration, r *rand.Rand) time.Duration {
	if d.kind != distTrace {
		return d.sample(r)
	}
	n := time.Duration(len(d.trace))
	step := max(t, 0) / d.traceStep
	i := step % n
	lo, hi := d.trace[i], d.trace[(i+1)%n]
	into := max(t, 0) - step*d.traceStep
	return lo + time.Duration(float64(float64(into)/float64(d.traceStep)*float64(hi-lo)))
}

// sample draws one duration. Constant distributions draw nothing from r, so
// a constant link consumes no randomness.
func (d *distribution) sample(r *rand.Rand) time.Duration {
	var v time.Duration
	switch d.kind {
	case distTrace:
		panic("sim: a trace latency needs a time (sampleAt); only links take one")
	case distConstant:
		return d.mean
	case distUniform:
		return d.min + time.Duration(r.Int64N(d.uniformSpan))
	case distNormal:
		v = d.mean + durationFromFloat(r.NormFloat64()*d.stdDev)
	case distExponential:
		v = durationFromFloat(r.ExpFloat64() * float64(d.mean))
	case distEmpirical:
		// u in [0, n−1): the segment between quantiles i and i+1, and how
		// far along it. The explicit conversions keep the arithmetic the
		// same on every architecture (no fused multiply-add).
		u := float64(r.Float64() * float64(len(d.quantiles)-1))
		i := int(u)
		lo, hi := d.quantiles[i], d.quantiles[i+1]
		return lo + time.Duration(float64((u-float64(i))*float64(hi-lo)))
	case distLognormal:
		if d.mean == 0 {
			return 0
		}
		// The explicit conversion forbids fusing the multiply-add, whose
		// rounding would differ between architectures.
		v = durationFromFloat(math.Exp(d.mu + float64(d.sigma*r.NormFloat64())))
	}
	if d.min > 0 && v < d.min {
		v = d.min
	}
	if d.max > 0 && v > d.max {
		v = d.max
	}
	if v < 0 {
		v = 0
	}
	return v
}

// durationMax bounds converted samples well below overflow so that adding a
// sample to a virtual time (itself far below 2^63 ns) cannot wrap.
const durationMax = time.Duration(1 << 60)

// durationFromFloat converts nanoseconds to a Duration without the
// implementation-defined result of converting an out-of-range float.
func durationFromFloat(nanos float64) time.Duration {
	switch {
	case math.IsNaN(nanos):
		return 0
	case nanos >= float64(durationMax):
		return durationMax
	case nanos <= -float64(durationMax):
		return -durationMax
	}
	return time.Duration(nanos)
}
