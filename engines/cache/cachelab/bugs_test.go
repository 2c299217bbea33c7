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
// scenarios/cache/cluster with the bug switched on and expect: fail), that
// scenario as it ships (clean: the same faults without the bug, which must
// pass on the catching seed, so the failure is the bug's and not the
// faults'), and the first seed that catches it, as SYSLAB_BUG_SWEEP=1
// found it.
var plantedBugs = []struct {
	bug   string
	clean string
	seed  uint64
}{
	{"replica-acks-before-apply", "master-crash-failover-wait1.yaml", 1},
	{"isolated-master-accepts-writes", "minority-partition-nt2000.yaml", 1},
	{"slot-owner-lowest-epoch", "master-crash-failover.yaml", 1},
	// Caught by seeds 1…200 all (SYSLAB_BUG_SWEEP=1 and syslab sweep);
	// the clean scenario passed seeds 1…200 all.
	{"vote-not-persisted", "election-voter-crash.yaml", 1},
}

// cleanScenariosDir holds the shipped scenarios the bug files are copies of.
var cleanScenariosDir = filepath.Join("..", "..", "..", "scenarios", "cache", "cluster")

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
			clean, err := lab.Load(filepath.Join(cleanScenariosDir, b.clean))
			if err != nil {
				t.Fatal(err)
			}
			passesClean := func(seed uint64) {
				run, err := lab.Run(clean, lab.Options{Seed: seed, SeedSet: true})
				if err != nil {
					t.Fatalf("%s seed %d: %v", clean.File, seed, err)
				}
				if run.Verdict != reports.VerdictPass {
					for _, c := range run.Checks {
						t.Logf("%s seed %d: %s %s: %s", clean.File, seed, c.Name, c.Verdict, c.Detail)
					}
					t.Fatalf("without the bug %s does not pass seed %d either (%s): the catch is not the bug's", clean.File, seed, run.Verdict)
				}
			}
			if !sweep {
				if !caught(b.seed) {
					t.Fatalf("bug %s slipped through every check on its known seed %d; replay: syslab run %s --seed %d", b.bug, b.seed, sc.File, b.seed)
				}
				passesClean(b.seed)
				return
			}
			for seed := uint64(1); seed <= sweepSeedsMax; seed++ {
				if caught(seed) {
					t.Logf("bug %s caught by seed %d (%d seeds tried)", b.bug, seed, seed)
					if seed != b.seed {
						t.Errorf("the first catching seed is now %d, not %d: update plantedBugs", seed, b.seed)
					}
					passesClean(seed)
					return
				}
			}
			t.Fatalf("bug %s slipped through %d seeds", b.bug, sweepSeedsMax)
		})
	}
}
