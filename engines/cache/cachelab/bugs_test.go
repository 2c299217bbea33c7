package cachelab_test

import (
	"os"
	"path/filepath"
	"testing"

	"syslab/engines/cache/cachelab"
	"syslab/lab"
	"syslab/reports"
)

func init() { lab.Register(cachelab.New()) }

// plantedBugs are the planted bugs (config.bugs), each with the scenario
// whose checks must catch it (testdata/bugs: a real scenario of
// scenarios/cache/cluster with the bug switched on and expect: fail) and
// the first seed that catches it, as SYSLAB_BUG_SWEEP=1 found it.
var plantedBugs = []struct {
	bug  string
	seed uint64
}{
	{"replica-acks-before-apply", 1},
	{"isolated-master-accepts-writes", 1},
	{"slot-owner-lowest-epoch", 1},
}

// Not caught yet: vote-not-persisted (testdata/bugs/vote-not-persisted.yaml)
// passed election_safety on all of seeds 1…200. A double vote needs two
// candidates asking in one epoch and a voter losing power between their
// requests; the scenario does not make that likely enough.

// sweepSeedsMax is how many seeds the sweep may try before a planted bug
// counts as slipping through the checks.
const sweepSeedsMax = 200

// TestPlantedBugsAreCaught proves the checks have teeth: each planted bug
// fails a check of its scenario. By default it replays the known catching
// seed; SYSLAB_BUG_SWEEP=1 searches seeds 1…200 again and names the first
// that catches each bug.
func TestPlantedBugsAreCaught(t *testing.T) {
	sweep := os.Getenv("SYSLAB_BUG_SWEEP") != ""
	for _, b := range plantedBugs {
		t.Run(b.bug, func(t *testing.T) {
			sc, err := lab.Load(filepath.Join("testdata", "bugs", b.bug+".yaml"))
			if err != nil {
				t.Fatal(err)
			}
			caught := func(seed uint64) bool {
				run, err := lab.Run(sc, lab.Options{Seed: seed, SeedSet: true})
				if err != nil {
					t.Fatalf("seed %d: %v", seed, err)
				}
				for _, c := range run.Checks {
					if c.Verdict == reports.VerdictFail {
						t.Logf("seed %d: %s failed: %s", seed, c.Name, c.Detail)
					}
				}
				return run.Verdict == reports.VerdictExpectedFail
			}
			if !sweep {
				if !caught(b.seed) {
					t.Fatalf("bug %s slipped through every check on its known seed %d; replay: syslab run %s --seed %d", b.bug, b.seed, sc.File, b.seed)
				}
				return
			}
			for seed := uint64(1); seed <= sweepSeedsMax; seed++ {
				if caught(seed) {
					t.Logf("bug %s caught by seed %d (%d seeds tried)", b.bug, seed, seed)
					if seed != b.seed {
						t.Errorf("the first catching seed is now %d, not %d: update plantedBugs", seed, b.seed)
					}
					return
				}
			}
			t.Fatalf("bug %s slipped through %d seeds", b.bug, sweepSeedsMax)
		})
	}
}
