package main

import (
	"path/filepath"
	"strings"
	"testing"

	"syslab/engines/cache"
	"syslab/engines/cache/server"
	"syslab/reports"
)

func TestLoadFlagErrorsExit2(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no rate", []string{"load"}, "want --rate N"},
		{"rate and closed", []string{"load", "--rate", "10", "--closed", "2"}, "exclude each other"},
		{"bad target", []string{"load", "--rate", "10", "--target", "http://x"}, "--target"},
		{"bad workload", []string{"load", "--rate", "10", "--workload", "ycsb-e"}, "range scans"},
		{"bad value size", []string{"load", "--rate", "10", "--value-size", "big"}, "--value-size"},
		{"bad schedule", []string{"load", "--rate", "10", "--schedule", "bursty"}, "unknown kind"},
		{"bad distribution", []string{"load", "--rate", "10", "--distribution", "zipf:7"}, "theta"},
		{"zero duration", []string{"load", "--rate", "10", "--duration", "0s"}, "--duration"},
		{"negative closed", []string{"load", "--closed", "-1"}, "--closed"},
		{"no connections", []string{"load", "--rate", "10", "--connections", "0"}, "--connections"},
		{"stray argument", []string{"load", "--rate", "10", "extra"}, `unexpected argument "extra"`},
		{"undefined flag", []string{"load", "--bogus"}, "flag provided but not defined"},
		{"merge without runs", []string{"report", "merge", "out"}, "at least one run"},
		{"merge missing run", []string{"report", "merge", t.TempDir(), filepath.Join(t.TempDir(), "nope")}, "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := runCLI(t, "", tt.args...)
			if res.exitCode != 2 || !strings.Contains(res.stderr, tt.want) {
				t.Errorf("syslab %q: exit %d, stderr %q; want exit 2 and %q", tt.args, res.exitCode, res.stderr, tt.want)
			}
		})
	}
}

// Two load runs against the cache, one with a goal it cannot meet (exit
// 1), then `report merge` of both: the merged counts are the sums.
func TestLoadAndMerge(t *testing.T) {
	srv, err := server.Start(server.Config{Addr: "127.0.0.1:0", Dir: t.TempDir(),
		Cache: cache.Config{AppendFsync: cache.FsyncEverysec, Hz: 10, Databases: 16}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	target := "redis://" + srv.Addr()
	dirA, dirB, merged := t.TempDir(), t.TempDir(), t.TempDir()
	a := runCLI(t, "", "load", "--target", target, "--workload", "ycsb-b", "--rate", "500", "--duration", "400ms", "--out", dirA)
	if a.exitCode != 0 || !strings.Contains(a.stdout, "coordinated omission corrected") {
		t.Fatalf("open-loop load: exit %d\nstdout %s\nstderr %s", a.exitCode, a.stdout, a.stderr)
	}
	b := runCLI(t, "", "load", "--target", target, "--workload", "ycsb-b", "--closed", "4", "--duration", "300ms", "--p99", "1ns", "--out", dirB)
	if b.exitCode != 1 || !strings.Contains(b.stderr, "latency/all/p99 failed") || !strings.Contains(b.stdout, "coordinated omission not corrected") {
		t.Fatalf("closed-loop load with an impossible goal: exit %d\nstdout %s\nstderr %s", b.exitCode, b.stdout, b.stderr)
	}
	m := runCLI(t, "", "report", "merge", merged, dirA, filepath.Join(dirB, "results.json"))
	if m.exitCode != 0 {
		t.Fatalf("merge: exit %d, stderr %s", m.exitCode, m.stderr)
	}
	runA, errA := reports.ReadRun(filepath.Join(dirA, "results.json"))
	runB, errB := reports.ReadRun(filepath.Join(dirB, "results.json"))
	runM, errM := reports.ReadRun(filepath.Join(merged, "results.json"))
	if errA != nil || errB != nil || errM != nil {
		t.Fatal(errA, errB, errM)
	}
	count := func(r *reports.Run) (n int) {
		for _, op := range r.Ops {
			n += op.Count
		}
		return n
	}
	if count(runM) != count(runA)+count(runB) || count(runA) == 0 || count(runB) == 0 {
		t.Errorf("merged %d ops, want %d + %d", count(runM), count(runA), count(runB))
	}
}
