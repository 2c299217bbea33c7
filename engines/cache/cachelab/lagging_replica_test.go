package cachelab_test

import (
	"path/filepath"
	"testing"

	"syslab/lab"
	"syslab/reports"
)

// laggingReplicaSeed is the seed the lagging-replica scenarios are checked
// on here; the 200-seed sweep is in scenarios/cache/cluster/README.md.
const laggingReplicaSeed = 1

// TestLaggingReplicaFailoverLosesAckedWritesUnlessWait is the point of the
// two lagging-replica scenarios: the same faults (c1→c4 cut, then c1
// crashes) lose acknowledged writes under asynchronous replication and
// none when every write waits for the replica (WAIT 1). A run of the async
// file that lost nothing would mean the scenario no longer shows what its
// promise says; a loss in the WAIT file would mean a replica acked what it
// had not applied.
func TestLaggingReplicaFailoverLosesAckedWritesUnlessWait(t *testing.T) {
	cases := []struct {
		file      string
		wantLost  func(lost float64) bool
		wantWords string
	}{
		{"master-crash-failover-lagging-replica.yaml", func(lost float64) bool { return lost > 0 }, "more than 0"},
		{"master-crash-failover-lagging-replica-wait1.yaml", func(lost float64) bool { return lost == 0 }, "exactly 0"},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			sc, err := lab.Load(filepath.Join("..", "..", "..", "scenarios", "cache", "cluster", c.file))
			if err != nil {
				t.Fatal(err)
			}
			run, err := lab.Run(sc, lab.Options{Seed: laggingReplicaSeed, SeedSet: true})
			if err != nil {
				t.Fatal(err)
			}
			if run.Verdict != reports.VerdictPass {
				t.Errorf("verdict %s, want pass; replay: syslab run %s --seed %d", run.Verdict, sc.File, laggingReplicaSeed)
			}
			var lostCheck *reports.Check
			for i := range run.Checks {
				if run.Checks[i].Name == "lost acknowledged writes" {
					lostCheck = &run.Checks[i]
				}
			}
			if lostCheck == nil {
				t.Fatalf("no lost acknowledged writes check in %s", sc.File)
			}
			lost, ok := lostCheck.Measured["lost_writes"]
			if !ok {
				t.Fatalf("lost acknowledged writes check measured no lost_writes: %v", lostCheck.Measured)
			}
			if !c.wantLost(lost) {
				t.Errorf("%v acknowledged writes lost, want %s (%s); replay: syslab run %s --seed %d", lost, c.wantWords, lostCheck.Detail, sc.File, laggingReplicaSeed)
			}
		})
	}
}
