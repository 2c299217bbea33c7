package reports

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// sweepRuns is a sweep of four seeds: two pass, one fails, one unknown.
func sweepRuns(t testing.TB) []*Run {
	t.Helper()
	mk := func(seed uint64, verdicts ...string) *Run {
		r := &Run{Scenario: "cache/failover", Engine: "cache", Mode: ModeSim, Seed: seed,
			TraceHash: strings.Repeat("ab", 4) + string(rune('0'+seed%10)), Events: 1000 * seed,
			VirtualDuration: D(time.Minute), Reproduce: "syslab run scenarios/cache/failover.yaml --seed " + itoa(seed)}
		for i, v := range verdicts {
			r.Checks = append(r.Checks, Check{Name: []string{"linearizable", "no lost writes"}[i], Verdict: v})
		}
		r.Verdict = RunVerdict(r.Checks, false)
		return r
	}
	return []*Run{mk(7, "pass", "pass"), mk(3, "pass", "fail"), mk(5, "unknown", "pass"), mk(1, "pass", "pass")}
}

func itoa(n uint64) string { return RunDirName(&Run{Seed: n})[len("seed-"):] }

func TestSweepIndexListsFailuresFirstWithRelativeLinks(t *testing.T) {
	dir := t.TempDir()
	if err := WriteSweepIndex(dir, sweepRuns(t)); err != nil {
		t.Fatal(err)
	}
	page, err := os.ReadFile(filepath.Join(dir, PageFile))
	if err != nil {
		t.Fatal(err)
	}
	html := string(page)
	assertSelfContained(t, html)
	all := html[strings.Index(html, "All runs"):]
	order := []string{`href="seed-3/index.html"`, `href="seed-5/index.html"`, `href="seed-1/index.html"`, `href="seed-7/index.html"`}
	last := -1
	for _, link := range order {
		i := strings.Index(all, link)
		if i < 0 || i < last {
			t.Fatalf("run table order wrong: want %q (fail, unknown, then passing by seed)", order)
		}
		last = i
	}
	failing := html[strings.Index(html, "Failing and unknown seeds"):strings.Index(html, "All runs")]
	if !strings.Contains(failing, "--seed 3") || !strings.Contains(failing, "--seed 5") || strings.Contains(failing, "--seed 7") {
		t.Errorf("failing section should list seeds 3 and 5 with reproduce commands only:\n%s", failing)
	}
	if !strings.Contains(html, "4 runs · 2 pass · 1 fail · 1 unknown") {
		t.Error("totals missing")
	}
}

func TestSweepIndexRejects(t *testing.T) {
	runs := sweepRuns(t)
	dup := append(runs, &Run{Seed: 3, Verdict: VerdictPass})
	if err := WriteSweepIndex(t.TempDir(), dup); err == nil || !strings.Contains(err.Error(), "seed 3 appears twice") {
		t.Errorf("duplicate seed: error = %v", err)
	}
	if err := WriteSweepIndex(t.TempDir(), []*Run{nil}); err == nil {
		t.Error("nil run accepted")
	}
	if err := WriteSweepIndex(t.TempDir(), nil); err != nil {
		t.Errorf("an empty sweep should still get an index: %v", err)
	}
}
