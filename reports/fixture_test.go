package reports

import (
	"math/rand/v2"
	"testing"
	"time"
)

// fixtureRun is a fixed, realistic run: a cache failover scenario with
// two ops, a partition window, a crash instant, a pause lasting until the
// end, and one failing check with a porcupine artifact.
func fixtureRun(t testing.TB) *Run {
	t.Helper()
	rng := rand.New(rand.NewPCG(42, 7))
	get, set := OpStats{Op: "GET", Count: 9000, OK: 8990, Fail: 4, Info: 6}, OpStats{Op: "SET", Count: 1000, OK: 990, Fail: 2, Info: 8}
	for _, o := range []struct {
		stats  *OpStats
		n      int
		median time.Duration
	}{{&get, 9000, 300 * time.Microsecond}, {&set, 1000, 800 * time.Microsecond}} {
		h := NewLatencyHistogram()
		for i := 0; i < o.n; i++ {
			v := float64(o.median) * rng.ExpFloat64()
			if rng.IntN(100) == 0 { // a slow tail during the partition
				v *= 40
			}
			if err := h.RecordValue(int64(v) + 1); err != nil {
				t.Fatal(err)
			}
		}
		if err := o.stats.SetHistogram(h); err != nil {
			t.Fatal(err)
		}
	}
	var throughput, p99 []Point
	for s := 1; s <= 60; s++ {
		ops, lat := 1000.0, 1.2
		if s > 20 && s <= 35 {
			ops, lat = 350+float64(rng.IntN(50)), 18+float64(rng.IntN(5))
		}
		if s == 45 { // nothing completed while the primary restarted
			continue
		}
		throughput = append(throughput, Point{T: D(time.Duration(s) * time.Second), V: ops})
		p99 = append(p99, Point{T: D(time.Duration(s) * time.Second), V: lat})
	}
	return &Run{
		Scenario:        "cache/failover",
		Description:     "Three-node cache cluster; the primary is cut off, then crashes.",
		File:            "scenarios/cache/failover.yaml",
		Engine:          "cache",
		Mode:            ModeSim,
		Seed:            42,
		TraceHash:       "9f2c4e1ab37d55e0",
		Events:          1234567,
		VirtualDuration: D(60 * time.Second),
		Promise:         "Acknowledged writes survive the loss of the primary, reads are linearizable per key, and p99 latency stays under 5ms outside fault windows.",
		Config:          map[string]any{"replicas": 2, "maxmemory": "64mb", "appendfsync": "everysec", "cluster": map[string]any{"slots": 16384, "failover_timeout_ms": 1500}},
		Ops:             []OpStats{get, set},
		Throughput:      Throughput{RequestedPerSec: 1000, AchievedPerSec: 861.5},
		Errors:          map[string]int{"timeout": 14, "MOVED": 3, "CLUSTERDOWN The cluster is down": 3},
		Checks: []Check{
			{Name: "linearizable", Verdict: VerdictFail, Expected: "every key's history is linearizable", Detail: "key user:17: a read returned a value overwritten 2 writes earlier", Artifacts: []string{"porcupine/user-17.html"}, Measured: map[string]float64{"keys_checked": 512, "keys_failed": 1}},
			{Name: "no lost writes", Verdict: VerdictPass, Expected: "0 acknowledged writes lost", Detail: "990 acknowledged SETs all readable after heal", Measured: map[string]float64{"lost_writes": 0}},
			{Name: "p99 outside faults", Verdict: VerdictUnknown, Expected: "p99 < 5ms", Detail: "too few samples outside fault windows | after warm-up", Measured: map[string]float64{"p99_ms": 1.234, "samples": 37}},
		},
		Faults: []Fault{
			{Kind: FaultPartition, Target: "cache-1 | rest", Start: D(20 * time.Second), End: D(35 * time.Second), Detail: "symmetric"},
			{Kind: FaultCrash, Target: "cache-1", Start: D(40 * time.Second)},
			{Kind: FaultRestart, Target: "cache-1", Start: D(46 * time.Second)},
			{Kind: FaultPause, Target: "cache-3", Start: D(55 * time.Second), Detail: "GC stall"},
		},
		Series: []Series{
			{Name: "throughput (ops/s)", Unit: "ops/s", StepSeconds: 1, Points: throughput},
			{Name: "p99 latency (ms)", Unit: "ms", StepSeconds: 1, Points: p99},
		},
		Verdict:   VerdictFail,
		Reproduce: "syslab run scenarios/cache/failover.yaml --seed 42",
		Real:      RealTime{DurationSec: 1.75, EventsPerSec: 705466.9, StartedAt: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)},
	}
}
