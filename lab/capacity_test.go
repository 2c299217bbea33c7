package lab_test

import (
	"encoding/json"
	"errors"
	"math"
	"testing"
	"time"

	"syslab/lab"
	"syslab/reports"
)

// capacityScenario is one cache node under a read-heavy zipf load, with a
// fault and a check a probe must strip.
const capacityScenario = `
name: capacity
engine: cache
duration: 10s
topology: {nodes: [cache-1]}
network: {latency: {kind: normal, mean: 100us, stddev: 20us}}
workload:
  - name: warm
    clients: 4
    rate: 500/s
    duration: 5s
    keys: {count: 200, distribution: "zipf:0.99"}
    mix: {get: 0.9, set: 0.1}
    timeout: 100ms
  - name: steady
    start: 5s
    clients: 4
    rate: 1000/s
    arrival: poisson
    keys: {count: 200, distribution: "zipf:0.99"}
    mix: {get: 0.9, set: 0.1}
    timeout: 100ms
faults:
  - at: 2s
    crash: cache-1
    for: 1s
checks:
  - linearizable: {model: register}
`

func parseCapacityScenario(t *testing.T) *lab.Scenario {
	t.Helper()
	sc, err := lab.Parse("capacity.yaml", []byte(capacityScenario))
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

func TestAtRateScalesEveryPhaseAndStripsFaultsAndChecks(t *testing.T) {
	sc := parseCapacityScenario(t)
	if got := lab.OpenLoopRate(sc); got != 750 {
		t.Fatalf("scenario rate %v/s, want 750/s (500 for 5s, 1000 for 5s)", got)
	}
	p, err := lab.AtRate(sc, lab.ProbeSpec{RatePerSec: 3000, Duration: 2 * time.Second, Clients: 16})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Faults) != 0 || len(p.Checks) != 0 || p.Duration != 2*time.Second {
		t.Fatalf("probe keeps %d faults, %d checks, duration %v", len(p.Faults), len(p.Checks), p.Duration)
	}
	want := []struct {
		start, dur time.Duration
		rate       float64
	}{{0, time.Second, 2000}, {time.Second, time.Second, 4000}}
	for i, w := range want {
		ph := p.Workload[i]
		if ph.Start != w.start || ph.Duration != w.dur || math.Abs(ph.Rate.PerSecond()-w.rate) > 1e-9 || ph.Clients != 16 {
			t.Errorf("phase %d: start %v duration %v rate %v clients %d; want %v %v %v 16", i, ph.Start, ph.Duration, ph.Rate.PerSecond(), ph.Clients, w.start, w.dur, w.rate)
		}
	}
	if got := lab.OpenLoopRate(p); math.Abs(got-3000) > 1e-9 {
		t.Fatalf("probe rate %v/s, want 3000/s", got)
	}
	if sc.Workload[0].Rate.PerSecond() != 500 || len(sc.Faults) != 1 {
		t.Fatal("AtRate changed the scenario it was given")
	}
}

func TestAtRateRefusesClosedLoop(t *testing.T) {
	sc, err := lab.Parse("closed.yaml", []byte(`
name: closed
engine: cache
duration: 1s
topology: {nodes: [cache-1]}
workload:
  - {clients: 2, concurrency: 4, mix: {get: 1}}
`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lab.AtRate(sc, lab.ProbeSpec{RatePerSec: 100}); !errors.Is(err, lab.ErrBadScenario) {
		t.Fatalf("closed-loop scenario: %v, want a bad-scenario error", err)
	}
}

func capacitySearch(t *testing.T, sc *lab.Scenario, seed uint64) *lab.CapacityResult {
	t.Helper()
	res, err := lab.Capacity(sc, lab.CapacityOptions{
		P99:       time.Millisecond,
		Op:        "get",
		MinPerSec: 1000,
		MaxPerSec: 1_000_000,
		Probe:     lab.ProbeSpec{Duration: 500 * time.Millisecond, Clients: 4},
		Run:       lab.Options{Seed: seed, SeedSet: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// Four clients each with one operation in flight over a ~200µs round trip
// saturate somewhere below 4/200µs = 20,000 ops/s; the search must find a
// finite capacity, bracket it within 5%, and find the same one again for
// the same seed.
func TestCapacitySearchInSimIsDeterministicAndBracketed(t *testing.T) {
	sc := parseCapacityScenario(t)
	a := capacitySearch(t, sc, 3)
	for _, p := range a.Probes {
		t.Logf("%8.0f/s  achieved %8.0f/s  p99 %-10v pass %v %s", p.RequestedPerSec, p.AchievedPerSec, time.Duration(p.P99), p.Pass, p.Why)
	}
	t.Logf("capacity %.0f/s, failed at %.0f/s", a.CapacityPerSec, a.FailedPerSec)
	if a.CapacityPerSec < 1000 || a.FailedPerSec == 0 || a.FailedPerSec > 25_000 {
		t.Fatalf("capacity %v failed %v: want a bracket above the minimum and below the clients' bound", a.CapacityPerSec, a.FailedPerSec)
	}
	if a.FailedPerSec > a.CapacityPerSec*1.05 {
		t.Fatalf("bracket %v..%v wider than 5%%", a.CapacityPerSec, a.FailedPerSec)
	}
	if len(a.Probes) > 12 {
		t.Fatalf("%d probes: doubling from 1000/s and bisecting to 5%% needs fewer", len(a.Probes))
	}
	b := capacitySearch(t, sc, 3)
	ja, _ := json.Marshal(stripReal(a))
	jb, _ := json.Marshal(stripReal(b))
	if string(ja) != string(jb) {
		t.Fatalf("same seed, different search:\n%s\n%s", ja, jb)
	}
}

func stripReal(r *lab.CapacityResult) *lab.CapacityResult {
	c := *r
	c.Probes = append([]lab.CapacityProbe(nil), r.Probes...)
	for i := range c.Probes {
		c.Probes[i].RealSeconds = 0
	}
	return &c
}

func TestCapacityRefusesAnOpTheWorkloadNeverIssues(t *testing.T) {
	_, err := lab.Capacity(parseCapacityScenario(t), lab.CapacityOptions{P99: time.Millisecond, Op: "incr", MinPerSec: 100, MaxPerSec: 200})
	if !errors.Is(err, lab.ErrBadScenario) {
		t.Fatalf("op incr: %v, want a bad-scenario error", err)
	}
}

// Fidelity runs each rate both ways and sets the figures side by side.
// What the ratios come to depends on the machine, so the test asserts the
// shape of the comparison, not its numbers; the numbers are logged.
func TestFidelityRunsEachRateInSimAndLive(t *testing.T) {
	if testing.Short() {
		t.Skip("runs live probes on the wall clock")
	}
	res, err := lab.Fidelity(parseCapacityScenario(t), lab.FidelityOptions{
		RatesPerSec: []float64{200, 400},
		Probe:       lab.ProbeSpec{Duration: time.Second},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rows) != 2 {
		t.Fatalf("%d rows, want 2", len(res.Rows))
	}
	for _, r := range res.Rows {
		tput, p50, p99 := r.Ratios()
		t.Logf("%v/s: sim %+v live %+v ratios tput %.2f p50 %.2f p99 %.2f", r.RequestedPerSec, r.Sim, r.Live, tput, p50, p99)
		if r.Sim.Ops == 0 || r.Live.Ops == 0 {
			t.Errorf("%v/s: sim ran %d ops, live %d", r.RequestedPerSec, r.Sim.Ops, r.Live.Ops)
		}
	}
}

// With a measured loopback the sim runs get links fitted to it instead of
// the scenario's network: a 2ms median round trip shows in sim's p50.
func TestFidelitySimUsesTheMeasuredLoopback(t *testing.T) {
	if testing.Short() {
		t.Skip("runs live probes on the wall clock")
	}
	ms := func(v float64) reports.Dur { return reports.D(time.Duration(v * float64(time.Millisecond))) }
	lb := lab.LoopbackResult{Samples: 3, P50: ms(2), P90: ms(2.3), P99: ms(2.4), Max: ms(2.4),
		Quantiles: []reports.Dur{ms(1.8), ms(2), ms(2.4)}}
	res, err := lab.Fidelity(parseCapacityScenario(t), lab.FidelityOptions{
		RatesPerSec: []float64{200},
		Probe:       lab.ProbeSpec{Duration: 500 * time.Millisecond},
		Loopback:    &lb,
	})
	if err != nil {
		t.Fatal(err)
	}
	row := res.Rows[0]
	if row.Loopback == nil || row.SimLinkLatency == nil || row.SimLinkLatency.Kind != lab.DelayEmpirical {
		t.Fatalf("row does not record the loopback and the fitted link: %+v", row)
	}
	if p50 := time.Duration(row.Sim.P50); p50 < 1800*time.Microsecond {
		t.Errorf("sim p50 %v with a 2ms loopback round trip: the scenario's own network was used", p50)
	}
}

// With LoopbackDuration, each rate measures its own loopback under the
// probe's load first: the scenario's clients as senders, at that rate,
// spaced as its arrivals; and the live run's runtime waits are recorded.
func TestFidelityMeasuresTheLoopbackPerRate(t *testing.T) {
	if testing.Short() {
		t.Skip("runs live probes on the wall clock")
	}
	sc := parseCapacityScenario(t)
	res, err := lab.Fidelity(sc, lab.FidelityOptions{
		RatesPerSec:      []float64{200, 400},
		Probe:            lab.ProbeSpec{Duration: 300 * time.Millisecond},
		LoopbackDuration: 300 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	clients := 0
	for _, p := range sc.Workload {
		clients += p.Clients
	}
	for _, row := range res.Rows {
		lb := row.Loopback
		if lb == nil || lb.Load.Senders != clients || lb.Load.RatePerSec != row.RequestedPerSec || !lb.Load.Poisson || lb.Samples == 0 {
			t.Errorf("at %v/s: loopback %+v, want %d Poisson senders at that rate", row.RequestedPerSec, lb, clients)
		}
		if row.SimLinkLatency == nil || row.SimLinkLatency.Kind != lab.DelayTrace || len(row.SimLinkLatency.Trace) != 300 {
			t.Errorf("at %v/s: sim link %+v, want a trace of 300 1ms points", row.RequestedPerSec, row.SimLinkLatency)
		}
		if row.LiveRuntime.SchedLatencyMax <= 0 {
			t.Errorf("at %v/s: no goroutine scheduling seen during the live run: %+v", row.RequestedPerSec, row.LiveRuntime)
		}
	}
}

func TestRatioAndTolerance(t *testing.T) {
	for _, c := range []struct {
		sim, live float64
		within    bool
	}{{100, 100, true}, {125, 100, true}, {126, 100, false}, {75, 100, true}, {74, 100, false}, {1, 0, false}} {
		if got := lab.Within(lab.Ratio(c.sim, c.live)); got != c.within {
			t.Errorf("sim %v live %v: within %v, want %v", c.sim, c.live, got, c.within)
		}
	}
}
