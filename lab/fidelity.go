package lab

import (
	"fmt"
	"math"
	"runtime/metrics"
	"time"

	"syslab/lab/engine"
	"syslab/loadgen"
	"syslab/reports"
)

// Fidelity: how closely the simulator predicts a live run of the same
// scenario. Each rate is probed twice, once in sim and once live on
// loopback, with the same seed, workload and duration (faults and checks
// stripped, as for every probe), and the two measurements are set side by
// side. Below saturation the goal is agreement within FidelityTolerance;
// at and past saturation the two are expected to part, since they saturate
// on different resources (virtual CPU cost against a real, shared CPU).

// FidelityTolerance is how far sim may be from live (as a ratio's distance
// from 1) and still count as agreeing.
const FidelityTolerance = 0.25

// FidelityOptions configure a comparison.
type FidelityOptions struct {
	// RatesPerSec are the offered rates to compare at.
	RatesPerSec []float64
	// Probe is what each run keeps of the scenario (duration, clients).
	Probe ProbeSpec
	// Op narrows the latencies to one operation; "" is every op.
	Op string
	// Run carries the seed and clock; its Mode is set per probe.
	Run Options
	// OnRow, if set, is told about each rate as both runs finish.
	OnRow func(FidelityRow)
	// LoopbackDuration, when above zero, replaces the scenario's network
	// in the sim runs by this machine's live round trip measured under
	// each rate's load just before its runs (MeasureLoopback with the
	// probe's clients as senders, at its rate and spacing, for this
	// long), fitted per link by LoopbackResult.OneWay: so the simulator
	// models the network and runtime hand-offs the live runs really have,
	// at that rate, rather than the network the scenario describes.
	LoopbackDuration time.Duration
	// Loopback, when set (and LoopbackDuration is not), is one measured
	// round trip used for every rate.
	Loopback *LoopbackResult
}

// FidelityRow is one rate measured both ways.
type FidelityRow struct {
	RequestedPerSec float64     `json:"requested_per_sec"`
	Sim             ProbeResult `json:"sim"`
	Live            ProbeResult `json:"live"`
	// Loopback is the round trip the sim run's links were fitted to,
	// SimLinkLatency the fit; both absent when the sim ran with the
	// scenario's own network.
	Loopback       *LoopbackResult `json:"loopback,omitempty"`
	SimLinkLatency *Delay          `json:"sim_link_latency,omitempty"`
	// LiveRuntime is what this process's Go runtime saw during the live
	// run: the waits the simulator does not model.
	LiveRuntime RuntimeStalls `json:"live_runtime"`
}

// Ratio is sim/live for one figure; NaN when live measured zero.
func Ratio(sim, live float64) float64 {
	if live == 0 {
		return math.NaN()
	}
	return sim / live
}

// Within says whether a ratio is inside the tolerance.
func Within(ratio float64) bool { return math.Abs(ratio-1) <= FidelityTolerance }

// Ratios are the row's sim/live ratios of throughput, p50 and p99.
func (r FidelityRow) Ratios() (throughput, p50, p99 float64) {
	return Ratio(r.Sim.AchievedPerSec, r.Live.AchievedPerSec),
		Ratio(float64(r.Sim.P50), float64(r.Live.P50)),
		Ratio(float64(r.Sim.P99), float64(r.Live.P99))
}

// FidelityResult is a finished comparison.
type FidelityResult struct {
	Scenario      string        `json:"scenario"`
	File          string        `json:"file"`
	Seed          uint64        `json:"seed"`
	Op            string        `json:"op,omitempty"`
	ProbeDuration reports.Dur   `json:"probe_duration"`
	Tolerance     float64       `json:"tolerance"`
	Rows          []FidelityRow `json:"rows"`
	// MachineLoad says how busy the machine was (the caller fills it).
	MachineLoad string `json:"machine_load,omitempty"`
}

// Fidelity runs sc at each rate in sim and live.
func Fidelity(sc *Scenario, opts FidelityOptions) (*FidelityResult, error) {
	if len(opts.RatesPerSec) == 0 {
		return nil, fmt.Errorf("%w: fidelity: no rates to compare at", ErrBadScenario)
	}
	seed := sc.Seed
	if opts.Run.SeedSet {
		seed = opts.Run.Seed
	}
	d := opts.Probe.Duration
	if d <= 0 {
		d = sc.Duration
	}
	res := &FidelityResult{Scenario: sc.Name, File: sc.File, Seed: seed, Op: opts.Op, ProbeDuration: reports.D(d), Tolerance: FidelityTolerance}
	var serverShare time.Duration
	if eng, ok := Lookup(sc.Engine); ok {
		if mc, ok := eng.(engine.MessageCoster); ok {
			serverShare = mc.MessageCost()
		}
	}
	for _, rate := range opts.RatesPerSec {
		spec := opts.Probe
		spec.RatePerSec = rate
		row := FidelityRow{RequestedPerSec: rate, Loopback: opts.Loopback}
		if opts.LoopbackDuration > 0 {
			load, err := probeLoopbackLoad(sc, spec, opts.LoopbackDuration)
			if err != nil {
				return nil, err
			}
			lb, err := MeasureLoopback(load)
			if err != nil {
				return nil, fmt.Errorf("fidelity at %.0f/s: %w", rate, err)
			}
			row.Loopback = &lb
		}
		simSc := sc
		if row.Loopback != nil {
			link := row.Loopback.Link(serverShare)
			copied := *sc
			copied.Network.Latency = link
			simSc = &copied
			row.SimLinkLatency = &link
		}
		for _, m := range []struct {
			mode string
			sc   *Scenario
			into *ProbeResult
		}{{reports.ModeSim, simSc, &row.Sim}, {reports.ModeLive, sc, &row.Live}} {
			run := opts.Run
			run.Mode = m.mode
			var before []metrics.Sample
			if m.mode == reports.ModeLive {
				before = runtimeSnapshot()
			}
			p, err := Probe(m.sc, spec, opts.Op, run)
			if err != nil {
				return nil, fmt.Errorf("fidelity at %.0f/s in %s: %w", rate, m.mode, err)
			}
			if m.mode == reports.ModeLive {
				row.LiveRuntime = runtimeStallsSince(before)
			}
			*m.into = p
		}
		res.Rows = append(res.Rows, row)
		if opts.OnRow != nil {
			opts.OnRow(row)
		}
	}
	return res, nil
}

// probeLoopbackLoad is the load of a probe of sc reshaped by spec, as a
// loopback measurement sends it: one sender per client of every phase,
// at the probe's rate, Poisson-spaced when any phase's arrivals are.
func probeLoopbackLoad(sc *Scenario, spec ProbeSpec, d time.Duration) (LoopbackLoad, error) {
	shaped, err := AtRate(sc, spec)
	if err != nil {
		return LoopbackLoad{}, err
	}
	load := LoopbackLoad{RatePerSec: spec.RatePerSec, Duration: reports.D(d)}
	for _, p := range shaped.Workload {
		load.Senders += p.Clients
		if arrival, err := loadgen.ParseSchedule(string(p.Arrival)); err == nil && arrival.Poisson {
			load.Poisson = true
		}
	}
	return load, nil
}
