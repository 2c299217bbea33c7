package lab_test

import (
	"fmt"
	"testing"

	"syslab/lab"
	"syslab/reports"
)

// crashScenario is a short single-node run with power losses at random
// times (drawn from the seed), for sweeping many seeds per fsync policy.
func crashScenario(t *testing.T, fsync string) *lab.Scenario {
	t.Helper()
	src := fmt.Sprintf(`
name: crash-%[1]s
engine: cache
duration: 6s
topology: {nodes: [cache-1]}
config: {appendonly: yes, appendfsync: "%[1]s"}
disk: {sync_latency: {kind: uniform, min: 50us, max: 200us}, writeback: 30s, torn_writes: true}
workload:
  - clients: 4
    rate: 400/s
    arrival: poisson
    keys: {count: 400, distribution: uniform}
    mix: {set: 0.8, get: 0.2}
    timeout: 100ms
faults:
  - at: 500ms
    random: {rate: 1/2s, kinds: [crash], for: 300ms}
checks:
  - lost_acked_writes: {max: 0}
  - lost_acked_writes: {max_window: 1s}
`, fsync)
	sc, err := lab.Parse("crash-"+fsync+".yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// The durability promise of each appendfsync policy, over 200 seeds of
// random power losses: always loses nothing, everysec loses only writes
// acknowledged less than a second before a crash, and no loses writes —
// which the lab must count, not hide.
func TestAppendfsyncDurabilityOver200Seeds(t *testing.T) {
	if testing.Short() {
		t.Skip("200 seeds × 3 policies; run without -short")
	}
	const seeds = 200
	lostWithNo := 0
	for _, fsync := range []string{"always", "everysec", "no"} {
		sc := crashScenario(t, fsync)
		for seed := uint64(1); seed <= seeds; seed++ {
			run, err := lab.Run(sc, lab.Options{Seed: seed, SeedSet: true})
			if err != nil {
				t.Fatalf("%s seed %d: %v", fsync, seed, err)
			}
			strict, window := run.Checks[0], run.Checks[1]
			if strict.Measured["keys_checked"] == 0 {
				t.Fatalf("%s seed %d: no key verified after recovery: %s", fsync, seed, strict.Detail)
			}
			switch fsync {
			case "always":
				if strict.Verdict != reports.VerdictPass {
					t.Fatalf("always, seed %d: %s (replay: syslab run with this scenario --seed %d)", seed, strict.Detail, seed)
				}
			case "everysec":
				if window.Verdict != reports.VerdictPass {
					t.Fatalf("everysec, seed %d: %s", seed, window.Detail)
				}
			case "no":
				lostWithNo += int(strict.Measured["lost_writes"])
			}
		}
	}
	if lostWithNo == 0 {
		t.Fatalf("appendfsync no over %d seeds of power loss reported no lost write; the check cannot see losses", seeds)
	}
	t.Logf("appendfsync no: %d acknowledged writes lost over %d seeds, all reported", lostWithNo, seeds)
}
