package lab_test

import (
	"testing"

	"syslab/lab"
	"syslab/reports"
)

// The same scenario file runs live: real runtimes on loopback TCP, real
// files with fsync, the wall clock, a crash as a process kill.
func TestScenarioRunsLive(t *testing.T) {
	if testing.Short() {
		t.Skip("runs for several seconds of wall time")
	}
	sc, err := lab.Parse("live-crash.yaml", []byte(`
name: live-crash
engine: cache
duration: 4s
topology: {nodes: [cache-1, cache-2]}
config: {appendonly: yes, appendfsync: always}
workload:
  - clients: 3
    rate: 300/s
    keys: {count: 50}
    mix: {get: 0.5, set: 0.5}
    timeout: 200ms
faults:
  - at: 1500ms
    crash: cache-1
    for: 500ms
  - at: 2500ms
    partition: [[cache-1], [cache-2]]
    for: 500ms
checks:
  - linearizable: {model: register}
  - lost_acked_writes: {max: 0}
`))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	run, err := lab.Run(sc, lab.Options{Mode: "live", OutDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range run.Checks {
		t.Logf("%s %s: %s", c.Verdict, c.Name, c.Detail)
	}
	if run.Mode != reports.ModeLive || run.TraceHash != "" {
		t.Fatalf("mode %q, trace %q: a live run has no trace hash", run.Mode, run.TraceHash)
	}
	ops := 0
	for _, o := range run.Ops {
		ops += o.OK
	}
	if ops < 500 {
		t.Fatalf("only %d successful operations in a 4s live run at 300/s", ops)
	}
	if run.Verdict != reports.VerdictPass {
		t.Fatalf("live verdict %s", run.Verdict)
	}
}
