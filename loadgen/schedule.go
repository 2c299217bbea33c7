package loadgen

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"time"
)

// An open-loop workload is paced by a schedule: every operation gets an
// intended start time, fixed in advance whatever happened to earlier
// operations, so a slow server meets the load it would in production
// instead of slowing its clients down (no coordinated omission).
//
// A schedule is a rate shape r(t) and a spacing. The shape's integral
// Λ(t) = ∫₀ᵗ r is the number of operations due by t; the k-th operation is
// intended at the t where Λ(t) reaches its k-th mark. Constant spacing puts
// the marks at 1, 2, 3, …; poisson puts them a unit exponential apart, which
// gives independent arrivals with instantaneous rate r(t): by the
// time-rescaling theorem, a unit-rate Poisson process mapped through Λ⁻¹
// is the non-homogeneous Poisson process of rate r. Each time is computed
// from its mark directly (closed form, or a bracketed root search for
// sine), never by summing rounded gaps, so nothing drifts over a long run.
//
//	constant               r(t) = rate
//	poisson                r(t) = rate, exponential spacing
//	ramp:TO[:OVER]         rate → TO linearly over OVER (default: the whole run), then TO
//	step:BY:EVERY          rate + BY·⌊t/EVERY⌋, never below 0 (BY may be negative)
//	sine:AMPLITUDE:PERIOD  rate + AMPLITUDE·sin(2πt/PERIOD), AMPLITUDE ≤ rate
//	poisson:SHAPE          any of the shapes above with poisson spacing
//	                       (poisson:ramp:20000:30s); poisson:constant is poisson
//
// TO, BY and AMPLITUDE are operations per second ("5000" or "5000/s");
// OVER, EVERY and PERIOD are Go durations ("30s", "1m").

// Schedule kinds.
const (
	ScheduleConstant = "constant"
	SchedulePoisson  = "poisson"
	ScheduleRamp     = "ramp"
	ScheduleStep     = "step"
	ScheduleSine     = "sine"
)

// ScheduleKinds lists every kind, for help texts and errors.
var ScheduleKinds = []string{ScheduleConstant, SchedulePoisson, ScheduleRamp, ScheduleStep, ScheduleSine}

// Bounds of a schedule.
const (
	// scheduleRateMax bounds every rate a shape reaches, per second.
	scheduleRateMax = 1e9
	// sineSolveIterationsMax bounds the root search of one sine arrival;
	// each iteration at least halves the bracket, so 200 is far more
	// than float64 needs.
	sineSolveIterationsMax = 200
	// scheduleHorizonSec is the latest intended time a schedule gives
	// (about 31 years); Next stops there.
	scheduleHorizonSec = 1e9
)

// ScheduleSpec is a parsed schedule; the base rate is given beside it.
type ScheduleSpec struct {
	// Kind is the rate's shape: constant, ramp, step or sine ("poisson"
	// parses as constant with Poisson set).
	Kind string
	// Poisson spaces arrivals a unit exponential apart on Λ instead of
	// evenly.
	Poisson bool
	// Ramp: the rate goes from the base rate to RampToPerSec over RampOver
	// (0: the whole run or phase).
	RampToPerSec float64
	RampOver     time.Duration
	// Step: the rate changes by StepByPerSec every StepEvery.
	StepByPerSec float64
	StepEvery    time.Duration
	// Sine: the rate swings SineAmplitudePerSec around the base rate.
	SineAmplitudePerSec float64
	SinePeriod          time.Duration
}

// ParseSchedule reads a schedule in the syntax above.
func ParseSchedule(text string) (ScheduleSpec, error) {
	fail := func(format string, args ...any) (ScheduleSpec, error) {
		return ScheduleSpec{}, fmt.Errorf("schedule %q: %s", text, fmt.Sprintf(format, args...))
	}
	kind, rest, hasArgs := cutAt(text, ':')
	if kind == SchedulePoisson && hasArgs {
		// poisson:SHAPE — the shape's own syntax after the prefix.
		spec, err := parseShape(rest)
		if err != nil {
			return fail("poisson:SHAPE: %v", err)
		}
		spec.Poisson = true
		return spec, nil
	}
	if kind == SchedulePoisson {
		return ScheduleSpec{Kind: ScheduleConstant, Poisson: true}, nil
	}
	spec, err := parseShape(text)
	if err != nil {
		return fail("%v", err)
	}
	return spec, nil
}

// parseShape reads one rate shape: constant, ramp:…, step:… or sine:….
func parseShape(text string) (ScheduleSpec, error) {
	fail := func(format string, args ...any) (ScheduleSpec, error) {
		return ScheduleSpec{}, fmt.Errorf(format, args...)
	}
	kind, rest, hasArgs := cutAt(text, ':')
	var args []string
	if hasArgs {
		for {
			arg, more, ok := cutAt(rest, ':')
			args = append(args, arg)
			if !ok {
				break
			}
			rest = more
		}
	}
	spec := ScheduleSpec{Kind: kind}
	var err error
	switch kind {
	case ScheduleConstant:
		if hasArgs {
			return fail("%s takes no arguments", kind)
		}
	case SchedulePoisson:
		return fail("poisson is given once, before the shape (poisson:ramp:TO)")
	case ScheduleRamp:
		if len(args) < 1 || len(args) > 2 {
			return fail("want ramp:TO or ramp:TO:OVER")
		}
		if spec.RampToPerSec, err = parseSpecRate(args[0], true); err != nil {
			return fail("ramp target: %v", err)
		}
		if len(args) == 2 {
			if spec.RampOver, err = parseSpecDuration(args[1]); err != nil {
				return fail("ramp length: %v", err)
			}
		}
	case ScheduleStep:
		if len(args) != 2 {
			return fail("want step:BY:EVERY")
		}
		if spec.StepByPerSec, err = parseSpecRate(args[0], false); err != nil {
			return fail("step size: %v", err)
		}
		if spec.StepEvery, err = parseSpecDuration(args[1]); err != nil {
			return fail("step interval: %v", err)
		}
	case ScheduleSine:
		if len(args) != 2 {
			return fail("want sine:AMPLITUDE:PERIOD")
		}
		if spec.SineAmplitudePerSec, err = parseSpecRate(args[0], true); err != nil {
			return fail("sine amplitude: %v", err)
		}
		if spec.SinePeriod, err = parseSpecDuration(args[1]); err != nil {
			return fail("sine period: %v", err)
		}
	default:
		return fail("unknown kind %q (want %s, or poisson:SHAPE)", kind, joinKinds())
	}
	return spec, nil
}

func joinKinds() string {
	s := ""
	for i, k := range ScheduleKinds {
		if i > 0 {
			s += ", "
		}
		s += k
	}
	return s
}

func cutAt(s string, sep byte) (before, after string, found bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == sep {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

func parseSpecRate(text string, nonNegative bool) (float64, error) {
	if len(text) > 2 && text[len(text)-2:] == "/s" {
		text = text[:len(text)-2]
	}
	if !isPlainNumber(text) {
		return 0, fmt.Errorf("%q is not a rate per second", text)
	}
	v, err := strconv.ParseFloat(text, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a rate per second", text)
	}
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) > scheduleRateMax:
		return 0, fmt.Errorf("%q: want a rate within ±%g per second", text, scheduleRateMax)
	case nonNegative && v < 0:
		return 0, fmt.Errorf("%q: want a rate ≥ 0", text)
	}
	return v, nil
}

// isPlainNumber accepts decimal numbers with an optional sign, fraction
// and exponent, and nothing else (no hex, no trailing words).
func isPlainNumber(s string) bool {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits := 0
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		digits++
	}
	if i < len(s) && s[i] == '.' {
		for i++; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
			digits++
		}
	}
	if digits == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		exp := 0
		for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
			exp++
		}
		if exp == 0 {
			return false
		}
	}
	return i == len(s)
}

func parseSpecDuration(text string) (time.Duration, error) {
	d, err := time.ParseDuration(text)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration", text)
	}
	if d <= 0 {
		return 0, fmt.Errorf("%v: want > 0", d)
	}
	return d, nil
}

// String writes the spec back in the syntax ParseSchedule reads.
func (s ScheduleSpec) String() string {
	if s.Poisson {
		if s.Kind == ScheduleConstant {
			return SchedulePoisson
		}
		plain := s
		plain.Poisson = false
		return SchedulePoisson + ":" + plain.String()
	}
	switch s.Kind {
	case ScheduleRamp:
		if s.RampOver > 0 {
			return fmt.Sprintf("ramp:%g:%v", s.RampToPerSec, s.RampOver)
		}
		return fmt.Sprintf("ramp:%g", s.RampToPerSec)
	case ScheduleStep:
		return fmt.Sprintf("step:%g:%v", s.StepByPerSec, s.StepEvery)
	case ScheduleSine:
		return fmt.Sprintf("sine:%g:%v", s.SineAmplitudePerSec, s.SinePeriod)
	}
	return s.Kind
}

// Scaled is the spec for one of n clients that share a schedule: every
// rate in it times share (the base rate is scaled by the caller).
func (s ScheduleSpec) Scaled(share float64) ScheduleSpec {
	s.RampToPerSec *= share
	s.StepByPerSec *= share
	s.SineAmplitudePerSec *= share
	return s
}

// Stretched is the spec on a timeline stretched by factor: its lengths
// (ramp, step interval, sine period) times factor.
func (s ScheduleSpec) Stretched(factor float64) ScheduleSpec {
	stretch := func(d time.Duration) time.Duration {
		if d == 0 {
			return 0
		}
		return max(time.Duration(float64(d)*factor), 1)
	}
	s.RampOver, s.StepEvery, s.SinePeriod = stretch(s.RampOver), stretch(s.StepEvery), stretch(s.SinePeriod)
	return s
}

// Arrivals computes a schedule's intended start times, one after another.
// It is not safe for concurrent use.
type Arrivals struct {
	shape rateShape
	// spacing is nil for even marks; otherwise marks are a unit
	// exponential apart (poisson).
	spacing *rand.Rand
	// mark is Λ at the last arrival; last is that arrival's time in
	// seconds.
	mark, last float64
	done       bool
}

// NewArrivals starts a schedule at base rate ratePerSec. runLength is the
// length of the run or phase (a ramp with no length of its own ramps over
// it); r is the random source of poisson spacing (unused otherwise).
func NewArrivals(spec ScheduleSpec, ratePerSec float64, runLength time.Duration, r *rand.Rand) (*Arrivals, error) {
	shape, err := newRateShape(spec, ratePerSec, runLength)
	if err != nil {
		return nil, err
	}
	a := &Arrivals{shape: shape}
	if spec.Poisson {
		if r == nil {
			return nil, fmt.Errorf("schedule: poisson needs a random source")
		}
		a.spacing = r
	}
	return a, nil
}

// Next is the next intended start since the schedule's start, in whole
// nanoseconds (rounded to the nearest). ok is false once the schedule
// has no more arrivals (a rate that fell to zero for good).
func (a *Arrivals) Next() (at time.Duration, ok bool) {
	if a.done {
		return 0, false
	}
	if a.spacing != nil {
		a.mark += a.spacing.ExpFloat64()
	} else {
		a.mark++
	}
	t, ok := a.shape.timeOf(a.mark, a.last)
	if !ok || !(t < scheduleHorizonSec) {
		a.done = true
		return 0, false
	}
	a.last = t
	return time.Duration(math.Round(t * 1e9)), true
}

// RatePerSec is the schedule's instantaneous rate at t.
func (a *Arrivals) RatePerSec(t time.Duration) float64 { return a.shape.rate(t.Seconds()) }

// Expected is Λ(t), how many arrivals the shape asks for by t (poisson
// spacing gives this many on average).
func (a *Arrivals) Expected(t time.Duration) float64 { return a.shape.due(t.Seconds()) }

// Schedule returns the gaps between a schedule's arrivals, for callers
// that wait from one arrival to the next; ok is false when the schedule
// has ended. kind is a ScheduleSpec in text.
func Schedule(kind string, ratePerSec float64, runLength time.Duration, r *rand.Rand) (func() (time.Duration, bool), error) {
	spec, err := ParseSchedule(kind)
	if err != nil {
		return nil, err
	}
	arrivals, err := NewArrivals(spec, ratePerSec, runLength, r)
	if err != nil {
		return nil, err
	}
	var previous time.Duration
	return func() (time.Duration, bool) {
		at, ok := arrivals.Next()
		if !ok {
			return 0, false
		}
		gap := at - previous
		previous = at
		return gap, true
	}, nil
}
