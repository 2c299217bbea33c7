package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The exit status of `syslab run` is the contract scripts rely on: 0 when
// every check passed, 1 when a check failed, 2 when the scenario is wrong.
func TestRunExitStatus(t *testing.T) {
	dir := t.TempDir()
	typo := filepath.Join(dir, "typo.yaml")
	err := os.WriteFile(typo, []byte("name: x\nengine: cache\nduration: 5s\ntopology: {nodes: [a]}\n"+
		"workload:\n  - clients: 1\n    rate: 10/s\n    mix: {get: 1}\nfautls: []\n"), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	bad := runCLI(t, "", "run", typo, "--out", filepath.Join(dir, "typo"))
	if bad.exitCode != 2 || !strings.Contains(bad.stderr, typo+`:9: unknown field "fautls" (did you mean "faults"?)`) {
		t.Errorf("scenario with a typo: exit %d, stderr %q; want 2 naming file:line and the field", bad.exitCode, bad.stderr)
	}

	out := filepath.Join(dir, "broken")
	broken := runCLI(t, "", "run", "../../scenarios/cache/broken-fsync-no.yaml", "--seed", "3", "--out", out)
	if broken.exitCode != 1 {
		t.Errorf("broken-fsync-no: exit %d, want 1 (a check failed); stdout %q stderr %q", broken.exitCode, broken.stdout, broken.stderr)
	}
	if !strings.Contains(broken.stderr, "--seed 3") || !strings.Contains(broken.stdout, "acknowledged writes lost") {
		t.Errorf("the failure should name the lost writes and the seed that replays it; stdout %q stderr %q", broken.stdout, broken.stderr)
	}
	if lost, err := os.ReadFile(filepath.Join(out, "lost-writes.txt")); err != nil || !strings.Contains(string(lost), "acked at") {
		t.Errorf("lost-writes.txt next to the report: %v %q", err, lost)
	}

	ok := runCLI(t, "", "run", "../../scenarios/cache/three-shards-faults.yaml", "--out", filepath.Join(dir, "ok"))
	if ok.exitCode != 0 || !strings.Contains(ok.stdout, "PASS") {
		t.Errorf("three-shards-faults: exit %d, stdout %q, stderr %q; want 0 and PASS", ok.exitCode, ok.stdout, ok.stderr)
	}
}
