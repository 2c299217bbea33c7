package lab

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"syslab/loadgen"
	"syslab/reports"
)

// A load probe is one short run of a scenario's workload at a rate chosen
// by the caller, measured rather than checked: capacity search and the
// sim-vs-live fidelity report are made of them. The scenario's faults and
// checks are left out (a probe asks how fast, not whether it is correct),
// and its phases keep their shape — mix, keys, values, clients, arrival,
// timeout, and their place in time relative to the run.

// ProbeSpec says how to reshape a scenario for one probe.
type ProbeSpec struct {
	// RatePerSec is the total open-loop rate the probe asks for, averaged
	// over the workload's span as the report's requested rate is.
	RatePerSec float64
	// Duration of the probe; phases are stretched or shrunk with it. Zero
	// keeps the scenario's.
	Duration time.Duration
	// Clients, when positive, replaces every phase's client count. Each
	// client has one operation in flight, so clients bound the throughput
	// a probe can reach at a given latency.
	Clients int
}

// OpenLoopRate is the rate a scenario asks for, in operations per second
// averaged over the span of its workload: what a probe's RatePerSec
// replaces. It is zero when a phase is closed loop, since such a phase has
// no rate to scale.
func OpenLoopRate(sc *Scenario) float64 {
	var first, last time.Duration = -1, 0
	var ops float64
	for _, p := range sc.Workload {
		if !p.OpenLoop() {
			return 0
		}
		if first < 0 || p.Start < first {
			first = p.Start
		}
		last = max(last, p.End())
		ops += phaseExpectedOps(p)
	}
	if span := (last - first).Seconds(); span > 0 {
		return ops / span
	}
	return 0
}

// phaseExpectedOps is how many operations an open-loop phase's schedule
// asks for over the phase.
func phaseExpectedOps(p Phase) float64 {
	spec, err := loadgen.ParseSchedule(string(p.Arrival))
	if err != nil {
		return p.Rate.PerSecond() * p.Duration.Seconds()
	}
	arrivals, err := loadgen.NewArrivals(spec, p.Rate.PerSecond(), p.Duration, rand.New(rand.NewPCG(0, 0)))
	if err != nil {
		return p.Rate.PerSecond() * p.Duration.Seconds()
	}
	return arrivals.Expected(p.Duration)
}

// AtRate returns a copy of sc reshaped by spec: every phase's rate scaled
// by the same factor so the whole workload asks for spec.RatePerSec, the
// timeline stretched to spec.Duration, faults and checks removed. sc is
// not changed.
func AtRate(sc *Scenario, spec ProbeSpec) (*Scenario, error) {
	base := OpenLoopRate(sc)
	if base <= 0 {
		return nil, fmt.Errorf("%w: %s: a load probe needs open-loop phases (rate:), and every phase must have one", ErrBadScenario, sc.File)
	}
	if !(spec.RatePerSec > 0) {
		return nil, fmt.Errorf("%w: probe rate %v: want a positive rate", ErrBadScenario, spec.RatePerSec)
	}
	out := *sc
	out.Name = fmt.Sprintf("%s-at-%s", sc.Name, rateName(spec.RatePerSec))
	out.Expect = ExpectPass
	out.Faults = nil
	out.Checks = nil
	stretch := 1.0
	if spec.Duration > 0 {
		stretch = float64(spec.Duration) / float64(sc.Duration)
		out.Duration = spec.Duration
	}
	scale := spec.RatePerSec / base
	out.Workload = make([]Phase, len(sc.Workload))
	for i, p := range sc.Workload {
		p.Start = time.Duration(float64(p.Start) * stretch)
		p.Duration = time.Duration(float64(p.Duration) * stretch)
		if p.End() > out.Duration { // rounding must not run a phase past the end
			p.Duration = out.Duration - p.Start
		}
		p.Rate = Rate{Count: p.Rate.PerSecond() * scale, Per: time.Second}
		if spec, err := loadgen.ParseSchedule(string(p.Arrival)); err == nil {
			// A ramp, step or sine keeps its shape: its rates scale
			// with the phase's and its times stretch with the timeline.
			p.Arrival = Arrival(spec.Scaled(scale).Stretched(stretch).String())
		}
		if spec.Clients > 0 {
			p.Clients = spec.Clients
		}
		p.Mix = append([]OpWeight(nil), p.Mix...)
		out.Workload[i] = p
	}
	return &out, nil
}

// rateName spells a rate for a scenario name: letters, digits and '.'.
func rateName(perSec float64) string {
	return strings.ReplaceAll(fmt.Sprintf("%.0f-per-s", perSec), "+", "")
}

// ProbeResult is what one probe measured.
type ProbeResult struct {
	RequestedPerSec float64 `json:"requested_per_sec"`
	AchievedPerSec  float64 `json:"achieved_per_sec"`
	// Ops counts the operations issued, dropped ones included.
	Ops int         `json:"ops"`
	P50 reports.Dur `json:"p50"`
	P99 reports.Dur `json:"p99"`
	// Overloaded counts operations that timed out or that a client dropped
	// because its queue was full: signs the system could not keep up.
	// Errors the server returned (WRONGTYPE…) are not overload.
	Overloaded int `json:"overloaded"`
	// RealSeconds is how long the probe took on the wall clock.
	RealSeconds float64 `json:"real_seconds"`
}

// OverloadRate is the share of operations (dropped ones included) lost
// to overload.
func (p ProbeResult) OverloadRate() float64 {
	if p.Ops > 0 {
		return float64(p.Overloaded) / float64(p.Ops)
	}
	return 0
}

// Probe runs sc reshaped by spec in opts.Mode and measures op's latency
// ("" for every op together). opts.OutDir is ignored: a probe writes no
// report.
func Probe(sc *Scenario, spec ProbeSpec, op string, opts Options) (ProbeResult, error) {
	if op != "" && !scenarioHasOp(sc, op) {
		return ProbeResult{}, fmt.Errorf("%w: %s: no workload phase issues %q", ErrBadScenario, sc.File, op)
	}
	probeSc, err := AtRate(sc, spec)
	if err != nil {
		return ProbeResult{}, err
	}
	opts.OutDir = ""
	opts.Progress = nil
	var started time.Time
	if opts.RealClock != nil {
		started = opts.RealClock()
	}
	run, err := Run(probeSc, opts)
	if err != nil {
		return ProbeResult{}, err
	}
	res, err := measure(run, op)
	if err != nil {
		return ProbeResult{}, err
	}
	res.RequestedPerSec = spec.RatePerSec
	if opts.RealClock != nil {
		res.RealSeconds = opts.RealClock().Sub(started).Seconds()
	}
	return res, nil
}

func scenarioHasOp(sc *Scenario, op string) bool {
	for _, p := range sc.Workload {
		for _, m := range p.Mix {
			if m.Op == op {
				return true
			}
		}
	}
	return false
}

// measure reads a run's latency and overload figures for op ("" for all
// ops, their histograms merged).
func measure(run *reports.Run, op string) (ProbeResult, error) {
	res := ProbeResult{AchievedPerSec: run.Throughput.AchievedPerSec}
	all := loadgen.NewRecorder()
	for _, s := range run.Ops {
		if op != "" && s.Op != op {
			continue
		}
		res.Ops += s.Count
		res.Overloaded += s.Info
		if s.HDR == "" {
			continue
		}
		h, err := loadgen.DecodeRecorder(s.HDR)
		if err != nil {
			return ProbeResult{}, fmt.Errorf("lab: %s latency: %v", s.Op, err)
		}
		all.Merge(h)
	}
	for kind, n := range run.Errors {
		if dropped, ok := strings.CutPrefix(kind, "dropped "); ok {
			if op == "" || strings.HasPrefix(dropped, op+" ") {
				res.Overloaded += n
				res.Ops += n
			}
		}
	}
	res.P50 = reports.D(all.Percentile(50))
	res.P99 = reports.D(all.Percentile(99))
	return res, nil
}
