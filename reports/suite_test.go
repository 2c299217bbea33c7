package reports

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A suite index puts each scenario's headline numbers side by side, so
// runs that differ in one setting compare in one table.
func TestSuiteIndexComparesHeadlineMeasures(t *testing.T) {
	lru := &Run{Scenario: "eviction-allkeys-lru", Engine: "cache", Mode: ModeSim, Seed: 1, Verdict: VerdictPass,
		Checks: []Check{{Name: "hit_rate", Verdict: VerdictPass, Measured: map[string]float64{"hit_rate": 0.677, "reads": 100}}}}
	random := &Run{Scenario: "eviction-allkeys-random", Engine: "cache", Mode: ModeSim, Seed: 1, Verdict: VerdictPass,
		Checks: []Check{{Name: "hit_rate", Verdict: VerdictPass, Measured: map[string]float64{"hit_rate": 0.641}}}}
	herd := &Run{Scenario: "herd-none", Engine: "cache", Mode: ModeSim, Seed: 1, Verdict: VerdictPass,
		Checks: []Check{{Name: "origin_peak_qps", Verdict: VerdictPass, Measured: map[string]float64{"origin_peak_qps": 500}},
			{Name: "latency p99 of read_through_origin", Verdict: VerdictPass, Measured: map[string]float64{"latency_seconds": 0.75}}}}
	broken := &Run{Scenario: "broken", Engine: "cache", Mode: ModeSim, Seed: 1, Verdict: VerdictFail,
		Checks: []Check{{Name: "lost", Verdict: VerdictFail, Measured: map[string]float64{"lost_writes": 75, "keys_checked": 2000}}}}
	dir := t.TempDir()
	err := WriteSuiteIndex(dir, []SuiteEntry{{"lru", lru}, {"random", random}, {"herd", herd}, {"broken", broken}})
	if err != nil {
		t.Fatal(err)
	}
	md, err := os.ReadFile(filepath.Join(dir, SummaryFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"hit_rate 67.7%", "hit_rate 64.1%", "lost_writes 75", "origin_peak_qps 500; p99 read_through_origin 750ms", "3 ended as they expect · 1 did not", "NOT as expected"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("suite summary lacks %q:\n%s", want, md)
		}
	}
	page, err := os.ReadFile(filepath.Join(dir, PageFile))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(page), `href="lru/index.html"`) || !strings.Contains(string(page), "hit_rate 67.7%") {
		t.Errorf("suite page lacks the link or the measure")
	}
}
