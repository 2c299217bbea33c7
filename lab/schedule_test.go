package lab_test

import (
	"fmt"
	"math"
	"testing"

	"syslab/lab"
)

// A phase whose arrivals ramp, step or swing issues the operations its
// schedule integrates to, split across its clients, in virtual time.
func TestPhaseArrivalShapes(t *testing.T) {
	tests := []struct {
		arrival string
		// wantOps is Λ over the 10s phase at base rate 200/s.
		wantOps int
	}{
		{"constant", 2000},
		{"ramp:1000/s", 6000},    // (200 + 1000)/2 · 10s
		{"ramp:1000:5s", 8000},   // 600·5 + 1000·5
		{"step:100:2s", 4000},    // 2s · (200+300+400+500+600)
		{"sine:200:5s", 2000},    // two whole periods: the mean
		{"step:-100/s:4s", 1200}, // 200·4 + 100·4 + 0·2
	}
	for _, tt := range tests {
		t.Run(tt.arrival, func(t *testing.T) {
			ops, _ := runArrivalShape(t, tt.arrival, 3)
			// Each client's arrivals move earlier by less than its first
			// gap (1/50 s), so each may gain the arrivals due in that much
			// time past the phase's end: at most 5 at the highest rate here.
			if ops < tt.wantOps || ops > tt.wantOps+4*5 {
				t.Errorf("%d operations, want %d to %d", ops, tt.wantOps, tt.wantOps+20)
			}
		})
	}
}

// runArrivalShape runs a 10s phase of four clients at base rate 200/s with
// the given arrival, and returns how many operations it issued and the
// run's trace hash.
func runArrivalShape(t *testing.T, arrival string, seed uint64) (ops int, traceHash string) {
	t.Helper()
	yaml := fmt.Sprintf(`name: arrival-shape
engine: cache
seed: 3
duration: 10s
topology:
  nodes: [cache-1]
workload:
  - clients: 4
    rate: 200/s
    arrival: %q
    keys: {count: 100}
    mix: {get: 1}
`, arrival)
	sc, err := lab.Parse("arrival.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	run, err := lab.Run(sc, lab.Options{Seed: seed, SeedSet: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range run.Ops {
		ops += op.Count
	}
	return ops, run.TraceHash
}

// Shaped Poisson arrivals in a sim phase: the four clients' independent
// processes add up to the phase's rate, so the count over the phase is
// Poisson with mean Λ (within 5 standard deviations, √Λ), and a seed
// replays the same run.
func TestPhasePoissonArrivalShapes(t *testing.T) {
	tests := []struct {
		arrival string
		wantOps float64 // Λ over the 10s phase at base rate 200/s
	}{
		{"poisson:ramp:1000/s", 6000},
		{"poisson:step:100:2s", 4000},
		{"poisson:sine:200:5s", 2000},
	}
	for _, tt := range tests {
		t.Run(tt.arrival, func(t *testing.T) {
			ops, hash := runArrivalShape(t, tt.arrival, 5)
			if math.Abs(float64(ops)-tt.wantOps) > 5*math.Sqrt(tt.wantOps) {
				t.Errorf("%d operations, want %v ± %.0f", ops, tt.wantOps, 5*math.Sqrt(tt.wantOps))
			}
			again, hashAgain := runArrivalShape(t, tt.arrival, 5)
			if again != ops || hashAgain != hash {
				t.Errorf("seed 5 twice: %d ops, trace %s, then %d ops, trace %s", ops, hash, again, hashAgain)
			}
			if _, other := runArrivalShape(t, tt.arrival, 6); other == hash {
				t.Errorf("seeds 5 and 6 gave the same trace %s", hash)
			}
		})
	}
}
