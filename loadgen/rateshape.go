package loadgen

import (
	"fmt"
	"math"
	"time"
)

// rateShape is a schedule's rate over time, r(t) in operations per second
// with t in seconds since the schedule's start, and its integral.
type rateShape interface {
	rate(t float64) float64
	// due is Λ(t) = ∫₀ᵗ r.
	due(t float64) float64
	// timeOf is the earliest t ≥ after with Λ(t) = mark; false when Λ
	// never reaches mark. Calls come with marks that never decrease.
	timeOf(mark, after float64) (float64, bool)
}

func newRateShape(spec ScheduleSpec, ratePerSec float64, runLength time.Duration) (rateShape, error) {
	if !(ratePerSec > 0) || ratePerSec > scheduleRateMax {
		return nil, fmt.Errorf("schedule: rate %v per second: want 0 < rate ≤ %g", ratePerSec, scheduleRateMax)
	}
	switch spec.Kind {
	case ScheduleConstant:
		return constantShape{ratePerSec}, nil
	case ScheduleRamp:
		over := spec.RampOver
		if over == 0 {
			over = runLength
		}
		switch {
		case over <= 0:
			return nil, fmt.Errorf("schedule %s: the ramp needs a length (ramp:TO:OVER) when the run has none", spec)
		case !(spec.RampToPerSec >= 0) || spec.RampToPerSec > scheduleRateMax:
			return nil, fmt.Errorf("schedule %s: ramp target %v: want 0 ≤ rate ≤ %g", spec, spec.RampToPerSec, scheduleRateMax)
		}
		return rampShape{from: ratePerSec, to: spec.RampToPerSec, over: over.Seconds()}, nil
	case ScheduleStep:
		switch {
		case spec.StepEvery <= 0:
			return nil, fmt.Errorf("schedule %s: step interval %v: want > 0", spec, spec.StepEvery)
		case math.IsNaN(spec.StepByPerSec) || math.Abs(spec.StepByPerSec) > scheduleRateMax:
			return nil, fmt.Errorf("schedule %s: step size %v: want within ±%g", spec, spec.StepByPerSec, scheduleRateMax)
		}
		return &stepShape{from: ratePerSec, by: spec.StepByPerSec, every: spec.StepEvery.Seconds()}, nil
	case ScheduleSine:
		switch {
		case spec.SinePeriod <= 0:
			return nil, fmt.Errorf("schedule %s: sine period %v: want > 0", spec, spec.SinePeriod)
		case !(spec.SineAmplitudePerSec >= 0) || spec.SineAmplitudePerSec > ratePerSec:
			return nil, fmt.Errorf("schedule %s: sine amplitude %v: want 0 ≤ amplitude ≤ the rate %v (a rate never goes below 0)", spec, spec.SineAmplitudePerSec, ratePerSec)
		}
		return sineShape{mean: ratePerSec, amplitude: spec.SineAmplitudePerSec, period: spec.SinePeriod.Seconds()}, nil
	}
	return nil, fmt.Errorf("schedule: unknown kind %q (want %s)", spec.Kind, joinKinds())
}

type constantShape struct{ perSec float64 }

func (c constantShape) rate(float64) float64  { return c.perSec }
func (c constantShape) due(t float64) float64 { return c.perSec * max(t, 0) }
func (c constantShape) timeOf(mark, _ float64) (float64, bool) {
	return mark / c.perSec, true
}

// rampShape goes linearly from `from` to `to` over `over` seconds, then
// stays at `to`.
type rampShape struct{ from, to, over float64 }

func (r rampShape) rate(t float64) float64 {
	if t >= r.over {
		return r.to
	}
	return r.from + (r.to-r.from)*max(t, 0)/r.over
}

func (r rampShape) due(t float64) float64 {
	t = max(t, 0)
	if t >= r.over {
		return (r.from+r.to)*r.over/2 + r.to*(t-r.over)
	}
	return r.from*t + (r.to-r.from)*t*t/(2*r.over)
}

// timeOf solves from·t + (to−from)·t²/(2·over) = mark. The root is written
// as 2·mark / (from + √(from² + 2·(to−from)·mark/over)), which has no
// cancellation when to ≈ from and holds for ramps down: up to the ramp's
// end the discriminant is at least to² ≥ 0.
func (r rampShape) timeOf(mark, _ float64) (float64, bool) {
	rampDue := (r.from + r.to) * r.over / 2
	if mark <= rampDue {
		disc := r.from*r.from + 2*(r.to-r.from)*mark/r.over
		return 2 * mark / (r.from + math.Sqrt(max(disc, 0))), true
	}
	if r.to == 0 {
		return 0, false // ramped down to nothing
	}
	return r.over + (mark-rampDue)/r.to, true
}

// stepShape holds from + by·i during the i-th interval of `every`
// seconds, clamped to [0, scheduleRateMax].
type stepShape struct {
	from, by, every float64
	// The walk of timeOf: the interval it reached and Λ at its start.
	interval   int64
	dueAtStart float64
}

func (s *stepShape) rateOf(interval int64) float64 {
	return min(max(s.from+s.by*float64(interval), 0), scheduleRateMax)
}

func (s *stepShape) rate(t float64) float64 {
	return s.rateOf(int64(math.Floor(max(t, 0) / s.every)))
}

func (s *stepShape) due(t float64) float64 {
	t = max(t, 0)
	whole := int64(math.Floor(t / s.every))
	return s.dueBefore(whole) + s.rateOf(whole)*(t-float64(whole)*s.every)
}

// dueBefore is Λ at the start of interval n, in closed form: the sum of
// the intervals' rates, the clamped ones counted apart.
func (s *stepShape) dueBefore(n int64) float64 {
	if n <= 0 {
		return 0
	}
	// free: the intervals before the rate clamps (at 0 going down, at the
	// maximum going up).
	free := n
	switch {
	case s.by > 0:
		free = min(n, int64(math.Ceil((scheduleRateMax-s.from)/s.by)))
	case s.by < 0:
		free = min(n, int64(math.Ceil(s.from/-s.by)))
	}
	f := float64(free)
	sum := s.from*f + s.by*f*(f-1)/2
	sum += s.rateOf(n-1) * float64(n-free) // the clamped rest, all at one rate
	return sum * s.every
}

func (s *stepShape) timeOf(mark, _ float64) (float64, bool) {
	// Most marks fall in the interval of the previous one or the next;
	// others are found by bisecting the intervals on Λ at their starts,
	// up to the schedule horizon.
	for range 2 {
		if r := s.rateOf(s.interval); r > 0 && mark <= s.dueAtStart+r*s.every {
			return float64(s.interval)*s.every + (mark-s.dueAtStart)/r, true
		}
		s.interval++
		s.dueAtStart = s.dueBefore(s.interval)
	}
	lo, hi := s.interval, int64(math.Ceil(scheduleHorizonSec/s.every))
	if lo >= hi || s.dueBefore(hi) < mark {
		return 0, false // Λ never reaches mark: the rate fell to 0, or the horizon
	}
	// Invariant: Λ(start of lo) < mark ≤ Λ(start of hi).
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		if s.dueBefore(mid) < mark {
			lo = mid
		} else {
			hi = mid
		}
	}
	s.interval, s.dueAtStart = lo, s.dueBefore(lo)
	r := s.rateOf(lo)
	if r <= 0 {
		panic(fmt.Sprintf("loadgen: step schedule: Λ grows across interval %d whose rate is %v", lo, r))
	}
	return float64(lo)*s.every + min((mark-s.dueAtStart)/r, s.every), true
}

// sineShape is mean + amplitude·sin(2πt/period), amplitude ≤ mean.
type sineShape struct{ mean, amplitude, period float64 }

func (s sineShape) rate(t float64) float64 {
	return s.mean + s.amplitude*math.Sin(2*math.Pi*t/s.period)
}

func (s sineShape) due(t float64) float64 {
	t = max(t, 0)
	return s.mean*t + s.amplitude*s.period/(2*math.Pi)*(1-math.Cos(2*math.Pi*t/s.period))
}

// timeOf has no closed form: it searches a bracket that surely holds the
// root — Λ(t) lies between mean·t and mean·t + amplitude·period/π — with
// Newton steps that fall back to bisection when they leave the bracket or
// the rate touches 0.
func (s sineShape) timeOf(mark, after float64) (float64, bool) {
	lo := max(after, (mark-s.amplitude*s.period/math.Pi)/s.mean, 0)
	hi := mark / s.mean
	if lo > hi {
		lo = hi
	}
	tolerance := max(1e-10, hi*1e-15)
	t := (lo + hi) / 2
	for range sineSolveIterationsMax {
		f := s.due(t) - mark
		if f == 0 {
			return t, true
		}
		if f > 0 {
			hi = t
		} else {
			lo = t
		}
		if hi-lo <= tolerance {
			return hi, true
		}
		r := s.rate(t)
		next := t - f/r
		if r <= 0 || !(next > lo && next < hi) {
			next = (lo + hi) / 2
		} else if math.Abs(next-t) <= tolerance {
			return next, true
		}
		t = next
	}
	return hi, true
}
