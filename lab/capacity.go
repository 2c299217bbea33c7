package lab

import (
	"fmt"
	"math"
	"time"

	"syslab/reports"
)

// Capacity search: the highest open-loop rate at which a scenario's
// workload keeps its p99 under a goal. The search doubles the rate from
// MinPerSec until a probe fails, then bisects (geometrically) between the
// last rate that passed and the first that failed until the two are
// within Precision of each other. Every probe is a short run of the
// scenario's own workload (see AtRate); in sim the whole search is
// deterministic for a seed.
//
// A probe fails when the p99 exceeds the goal or when more than
// OverloadMax of its operations timed out or were dropped: a run whose
// operations never return must not pass on the latency of the few that
// did.

// Capacity search bounds.
const (
	// capacityRunsMax bounds the probes of one search: doubling from 1/s
	// to 1e9/s takes 30, and bisection to 5% four more.
	capacityRunsMax = 48
	// capacityPrecisionDefault is the relative gap between the last
	// passing and the first failing rate at which the search stops.
	capacityPrecisionDefault = 0.05
	// capacityOverloadMaxDefault is the share of timed-out or dropped
	// operations a passing probe may have.
	capacityOverloadMaxDefault = 0.001
)

// CapacityOptions configure a search.
type CapacityOptions struct {
	// P99 is the latency goal a passing probe stays at or under.
	P99 time.Duration
	// Op narrows the goal to one operation; "" means every op together.
	Op string
	// MinPerSec and MaxPerSec bound the rates tried.
	MinPerSec, MaxPerSec float64
	// Probe is what each run keeps of the scenario: duration and clients
	// (its rate is the search's).
	Probe ProbeSpec
	// Precision is the relative gap at which bisection stops; 0 means 5%.
	Precision float64
	// OverloadMax is the share of timed-out or dropped operations a
	// passing probe may have; 0 means 0.1%.
	OverloadMax float64
	// Run carries the mode, seed and clock of every probe.
	Run Options
	// OnProbe, if set, is told about each probe as it finishes.
	OnProbe func(CapacityProbe)
}

// CapacityProbe is one run of the search.
type CapacityProbe struct {
	ProbeResult
	Pass bool `json:"pass"`
	// Why says what failed a failing probe.
	Why string `json:"why,omitempty"`
}

// CapacityResult is a finished search.
type CapacityResult struct {
	Scenario string      `json:"scenario"`
	File     string      `json:"file"`
	Mode     string      `json:"mode"`
	Seed     uint64      `json:"seed"`
	Op       string      `json:"op,omitempty"`
	GoalP99  reports.Dur `json:"goal_p99"`
	// CapacityPerSec is the highest rate that passed; 0 when even
	// MinPerSec failed.
	CapacityPerSec float64 `json:"capacity_per_sec"`
	// FailedPerSec is the lowest rate that failed; 0 when MaxPerSec passed
	// and the capacity is at least the maximum searched.
	FailedPerSec   float64     `json:"failed_per_sec"`
	ProbeDuration  reports.Dur `json:"probe_duration"`
	ScenarioPerSec float64     `json:"scenario_per_sec"`
	// Probes in the order they ran.
	Probes []CapacityProbe `json:"probes"`
}

// Capacity runs the search described by opts on sc.
func Capacity(sc *Scenario, opts CapacityOptions) (*CapacityResult, error) {
	if opts.P99 <= 0 {
		return nil, fmt.Errorf("%w: capacity: the p99 goal must be positive", ErrBadScenario)
	}
	if !(opts.MinPerSec > 0) || !(opts.MaxPerSec >= opts.MinPerSec) || math.IsInf(opts.MaxPerSec, 0) {
		return nil, fmt.Errorf("%w: capacity: rates %v..%v: want 0 < min ≤ max", ErrBadScenario, opts.MinPerSec, opts.MaxPerSec)
	}
	if opts.Precision <= 0 {
		opts.Precision = capacityPrecisionDefault
	}
	if opts.OverloadMax <= 0 {
		opts.OverloadMax = capacityOverloadMaxDefault
	}
	seed := sc.Seed
	if opts.Run.SeedSet {
		seed = opts.Run.Seed
	}
	mode := opts.Run.Mode
	if mode == "" {
		mode = reports.ModeSim
	}
	probeDuration := opts.Probe.Duration
	if probeDuration <= 0 {
		probeDuration = sc.Duration
	}
	res := &CapacityResult{
		Scenario: sc.Name, File: sc.File, Mode: mode, Seed: seed, Op: opts.Op,
		GoalP99: reports.D(opts.P99), ProbeDuration: reports.D(probeDuration),
		ScenarioPerSec: OpenLoopRate(sc),
	}
	try := func(rate float64) (bool, error) {
		if len(res.Probes) >= capacityRunsMax {
			return false, fmt.Errorf("lab: capacity search of %s took more than %d probes", sc.File, capacityRunsMax)
		}
		spec := opts.Probe
		spec.RatePerSec = rate
		m, err := Probe(sc, spec, opts.Op, opts.Run)
		if err != nil {
			return false, err
		}
		p := CapacityProbe{ProbeResult: m, Pass: true}
		switch {
		case m.Ops == 0:
			p.Pass, p.Why = false, "no operations completed"
		case m.OverloadRate() > opts.OverloadMax:
			p.Pass, p.Why = false, fmt.Sprintf("%.2f%% of operations timed out or were dropped (at most %.2f%%)", 100*m.OverloadRate(), 100*opts.OverloadMax)
		case time.Duration(m.P99) > opts.P99:
			p.Pass, p.Why = false, fmt.Sprintf("p99 %v over the goal %v", time.Duration(m.P99), opts.P99)
		}
		res.Probes = append(res.Probes, p)
		if opts.OnProbe != nil {
			opts.OnProbe(p)
		}
		return p.Pass, nil
	}

	// Step up: double until a probe fails or the maximum passes.
	lo, hi := 0.0, 0.0
	for rate := opts.MinPerSec; ; rate = math.Min(rate*2, opts.MaxPerSec) {
		ok, err := try(rate)
		if err != nil {
			return nil, err
		}
		if !ok {
			hi = rate
			break
		}
		lo = rate
		if rate >= opts.MaxPerSec {
			break
		}
	}
	// Bisect: lo passed (or is 0), hi failed (or is 0: the maximum passed).
	for lo > 0 && hi > 0 && hi > lo*(1+opts.Precision) {
		mid := math.Sqrt(lo * hi)
		ok, err := try(mid)
		if err != nil {
			return nil, err
		}
		if ok {
			lo = mid
		} else {
			hi = mid
		}
	}
	res.CapacityPerSec, res.FailedPerSec = lo, hi
	return res, nil
}
