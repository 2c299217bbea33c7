package reports

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from golden file; run go test ./reports -update and review the diff.\n--- got ---\n%s", path, got)
	}
}

func TestGoldenResults(t *testing.T) {
	b, err := MarshalResults(fixtureRun(t))
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "results.golden.json", b)
}

func TestGoldenSummary(t *testing.T) {
	s, err := Summary(fixtureRun(t))
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "summary.golden.md", []byte(s))
}

func TestGoldenSweepSummary(t *testing.T) {
	dir := t.TempDir()
	if err := WriteSweepIndex(dir, sweepRuns(t)); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, SummaryFile))
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "sweep-summary.golden.md", b)
}
