package lab_test

import (
	"fmt"
	"strings"
	"testing"

	"syslab/lab"
	"syslab/reports"
)

// hotKeyScenario is a small read-mostly hot-key load over three shards,
// with cfg as config.client. Too light to saturate a node (a GET costs a
// simulated node ~27µs, so that takes ~37,000 ops/s on one node); it
// checks that the mitigations work, not what they buy — the
// scenarios/cache/hotkey-*.yaml runs show that.
func hotKeyScenario(t *testing.T, cfg string) *lab.Scenario {
	t.Helper()
	src := fmt.Sprintf(`name: hotkey
engine: cache
seed: 1
duration: 2s
topology: {nodes: [cache-1, cache-2, cache-3]}
config: {client: %s}
workload:
  - name: load
    clients: 8
    rate: 4000/s
    keys: {count: 100, prefix: "k:", distribution: "hotspot:0.01:0.9"}
    mix: {get: 0.99, set: 0.01}
checks:
  - error_rate: {max: 0}
`, cfg)
	sc, err := lab.Parse("hotkey.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// serverGets sums the GETs the cache nodes served.
func serverGets(run *reports.Run) float64 {
	var n float64
	for _, m := range run.Metrics {
		for name, v := range m {
			if strings.Contains(name, "cmd=\"get\"") {
				n += v
			}
		}
	}
	return n
}

func clientGets(run *reports.Run) int {
	for _, s := range run.Ops {
		if s.Op == "get" {
			return s.OK
		}
	}
	return 0
}

func TestHotKeyMitigations(t *testing.T) {
	plain := runSeed(t, hotKeyScenario(t, "{split: 1}"), 1, "")
	split := runSeed(t, hotKeyScenario(t, "{split: 4}"), 1, "")
	tracked := runSeed(t, hotKeyScenario(t, "{tracking: yes}"), 1, "")
	for name, run := range map[string]*reports.Run{"plain": plain, "split": split, "tracking": tracked} {
		if run.Verdict != reports.VerdictPass {
			t.Fatalf("%s: verdict %s: %+v", name, run.Verdict, run.Checks)
		}
		t.Logf("%s: %d gets, %g served by the cache nodes", name, clientGets(run), serverGets(run))
	}
	// Without client-side caching every get reaches a node (and so do the
	// lab's final reads); with it, the hot key is read once per
	// invalidation (one set in a hundred ops).
	if g := serverGets(plain); int(g) < clientGets(plain) {
		t.Errorf("plain: nodes served %g gets for %d client gets", g, clientGets(plain))
	}
	if g := serverGets(tracked); g > float64(clientGets(tracked))/3 {
		t.Errorf("tracking: nodes served %g of %d gets, want most answered from client memory", g, clientGets(tracked))
	}
	// Split keys: each node holds copies, and the hot key's reads land on
	// several nodes instead of the one that owns it.
	spread := 0
	for _, m := range split.Metrics {
		for name, v := range m {
			if strings.Contains(name, "cmd=\"get\"") && v > float64(clientGets(split))/10 {
				spread++
			}
		}
	}
	if spread < 2 {
		t.Errorf("split: gets landed mostly on %d node(s), want the hot key spread over at least 2: %v", spread, split.Metrics)
	}
}
