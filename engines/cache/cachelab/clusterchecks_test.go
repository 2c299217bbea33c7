package cachelab

import (
	"testing"

	"gopkg.in/yaml.v3"

	"syslab/lab/engine"
)

// election_safety fails on two winners of one epoch and on a master seen
// owning slots at config epoch 0 (no election yields it).
func TestElectionSafetyVerdict(t *testing.T) {
	for _, c := range []struct {
		name                           string
		samples, conflicts, zeroOwners float64
		want                           string
	}{
		{"clean", 100, 0, 0, "pass"},
		{"two winners of one epoch", 100, 1, 0, "fail"},
		{"a master owning slots at epoch 0", 100, 0, 3, "fail"},
		{"no sample", 0, 0, 0, "unknown"},
	} {
		t.Run(c.name, func(t *testing.T) {
			run := engine.RunFacts{Measures: map[string]float64{
				"epoch_samples": c.samples, "epoch_conflicts": c.conflicts, "epoch_zero_owners": c.zeroOwners}}
			got := clusterCheck(checkElectionSafety, &yaml.Node{Kind: yaml.MappingNode}, run)
			if got.Verdict != c.want {
				t.Errorf("verdict %q (%s), want %q", got.Verdict, got.Detail, c.want)
			}
		})
	}
}
