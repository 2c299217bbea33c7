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
//
// For the unbounded kinds (normal, exponential, lognormal) a non-zero Min or
// Max clamps the sample, which is how a heavy tail is capped. Every sample is
// clamped at >= 0.
type Latency struct {
	Kind                   string
	Mean, Min, Max, StdDev time.Duration
}

// Validate reports a clear error for a distribution that cannot be sampled.
func (l Latency) Validate() error {
	switch l.Kind {
	case "", "constant", "uniform", "normal", "exponential", "lognormal":
	default:
		return fmt.Errorf("latency kind %q unknown (want constant, uniform, normal, exponential or lognormal)", l.Kind)
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

// sample draws one duration. Constant distributions draw nothing from r, so
// a constant link consumes no randomness.
func (d *distribution) sample(r *rand.Rand) time.Duration {
	var v time.Duration
	switch d.kind {
	case distConstant:
		return d.mean
	case distUniform:
		return d.min + time.Duration(r.Int64N(d.uniformSpan))
	case distNormal:
		v = d.mean + durationFromFloat(r.NormFloat64()*d.stdDev)
	case distExponential:
		v = durationFromFloat(r.ExpFloat64() * float64(d.mean))
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
