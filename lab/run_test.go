package lab_test

import (
	"bytes"
	"path/filepath"
	"testing"

	"syslab/engines/cache/cachelab"
	"syslab/lab"
	"syslab/reports"
)

func init() { lab.Register(cachelab.New()) }

func scenario(t *testing.T, name string) *lab.Scenario {
	t.Helper()
	sc, err := lab.Load(filepath.Join("..", "scenarios", "cache", name))
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

func runSeed(t *testing.T, sc *lab.Scenario, seed uint64, dir string) *reports.Run {
	t.Helper()
	run, err := lab.Run(sc, lab.Options{Seed: seed, SeedSet: true, OutDir: dir})
	if err != nil {
		t.Fatalf("%s seed %d: %v", sc.Name, seed, err)
	}
	return run
}

func TestSingleNodeCrashKeepsItsPromise(t *testing.T) {
	run := runSeed(t, scenario(t, "single-node-crash.yaml"), 1, t.TempDir())
	for _, c := range run.Checks {
		t.Logf("%s %s: %s", c.Verdict, c.Name, c.Detail)
	}
	t.Logf("events %d, ops %+v", run.Events, run.Ops)
	if run.Verdict != reports.VerdictPass {
		t.Fatalf("verdict %s, want pass; replay: %s", run.Verdict, run.Reproduce)
	}
}

func TestSameSeedSameRunDifferentSeedDifferentTrace(t *testing.T) {
	sc := scenario(t, "three-shards-faults.yaml")
	a := runSeed(t, sc, 7, "")
	b := runSeed(t, sc, 7, "")
	c := runSeed(t, sc, 8, "")
	ja, err := reports.Comparable(a)
	if err != nil {
		t.Fatal(err)
	}
	jb, err := reports.Comparable(b)
	if err != nil {
		t.Fatal(err)
	}
	if a.TraceHash != b.TraceHash || !bytes.Equal(ja, jb) {
		t.Fatalf("seed 7 twice: trace %s vs %s; results differ: %v", a.TraceHash, b.TraceHash, !bytes.Equal(ja, jb))
	}
	if a.TraceHash == c.TraceHash {
		t.Fatalf("seeds 7 and 8 gave the same trace hash %s", a.TraceHash)
	}
	ops := 0
	for _, o := range a.Ops {
		ops += o.Count
	}
	if ops < 10000 || len(a.Faults) == 0 {
		t.Fatalf("the run should drive ~10k operations through faults; got %d ops, %d faults", ops, len(a.Faults))
	}
	if a.Verdict != reports.VerdictPass {
		t.Fatalf("three shards, seed 7: verdict %s: %+v", a.Verdict, a.Checks)
	}
}

func TestBrokenFsyncNoIsCaught(t *testing.T) {
	dir := t.TempDir()
	run := runSeed(t, scenario(t, "broken-fsync-no.yaml"), 1, dir)
	if run.Verdict != reports.VerdictExpectedFail {
		t.Fatalf("verdict %s, want expected-fail: appendfsync no must lose writes on power loss", run.Verdict)
	}
	lost := run.Checks[0]
	if lost.Verdict != reports.VerdictFail || lost.Measured["lost_writes"] == 0 || len(lost.Artifacts) == 0 {
		t.Fatalf("lost-writes check should fail, count the losses and list them: %+v", lost)
	}
}

func TestEverysecLosesAtMostASecond(t *testing.T) {
	run := runSeed(t, scenario(t, "fsync-everysec.yaml"), 1, "")
	lost := run.Checks[0]
	if lost.Verdict != reports.VerdictPass {
		t.Fatalf("everysec: %s: %s", lost.Verdict, lost.Detail)
	}
	if lost.Measured["lost_writes"] == 0 {
		t.Fatalf("everysec with power loss every 9s should lose some young writes; the check saw none: %s", lost.Detail)
	}
}
