package lab

import (
	"fmt"
	"math"
	"time"

	"syslab/lab/engine"

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
	// Loopback, when set, replaces the scenario's network in the sim runs
	// by this machine's measured live round trip (LoopbackResult.OneWay
	// on every link), so the simulator models the network the live runs
	// really have rather than the one the scenario describes.
	Loopback *LoopbackResult
}

// FidelityRow is one rate measured both ways.
type FidelityRow struct {
	RequestedPerSec float64     `json:"requested_per_sec"`
	Sim             ProbeResult `json:"sim"`
	Live            ProbeResult `json:"live"`
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
	Scenario      string      `json:"scenario"`
	File          string      `json:"file"`
	Seed          uint64      `json:"seed"`
	Op            string      `json:"op,omitempty"`
	ProbeDuration reports.Dur `json:"probe_duration"`
	Tolerance     float64     `json:"tolerance"`
	// Loopback is the measured round trip the sim runs used as their
	// network, SimLinkLatency its fit; both absent when the sim ran with
	// the scenario's own network.
	Loopback       *LoopbackResult `json:"loopback,omitempty"`
	SimLinkLatency *Delay          `json:"sim_link_latency,omitempty"`
	Rows           []FidelityRow   `json:"rows"`
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
	simSc := sc
	if opts.Loopback != nil {
		var serverShare time.Duration
		if eng, ok := Lookup(sc.Engine); ok {
			if mc, ok := eng.(engine.MessageCoster); ok {
				serverShare = mc.MessageCost()
			}
		}
		link := opts.Loopback.OneWay(serverShare)
		copied := *sc
		copied.Network.Latency = link
		simSc = &copied
		res.Loopback, res.SimLinkLatency = opts.Loopback, &link
	}
	for _, rate := range opts.RatesPerSec {
		spec := opts.Probe
		spec.RatePerSec = rate
		row := FidelityRow{RequestedPerSec: rate}
		for _, m := range []struct {
			mode string
			sc   *Scenario
			into *ProbeResult
		}{{reports.ModeSim, simSc, &row.Sim}, {reports.ModeLive, sc, &row.Live}} {
			run := opts.Run
			run.Mode = m.mode
			p, err := Probe(m.sc, spec, opts.Op, run)
			if err != nil {
				return nil, fmt.Errorf("fidelity at %.0f/s in %s: %w", rate, m.mode, err)
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
