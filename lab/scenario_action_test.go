package lab_test

import (
	"strings"
	"testing"

	"syslab/lab"
)

const clusterScenario = `name: actions
engine: cache
duration: 10s
topology:
  nodes: [c1, c2, c3, c4]
  roles: {c3: "replica-of:c1", c4: "replica-of:c2"}
config: {cluster-enabled: yes}
workload:
  - {clients: 1, rate: 10/s, mix: {get: 1}}
faults:
`

// Engine actions (the cache's reshard) are faults like the lab's own:
// parsed strictly, with the engine judging their parameters.
func TestEngineActionsInTheFaultSchedule(t *testing.T) {
	cases := []struct {
		fault string
		err   string // "" when the fault is valid
	}{
		{"  - {at: 2s, reshard: {slots: 100, from: c1, to: c2}}", ""},
		{"  - {at: 2s, every: 3s, reshard: {slots: 1, from: c2, to: c1}}", ""},
		{"  - {at: 2s, reshard: {slots: 0, from: c1, to: c2}}", "want 1 to 16384"},
		{"  - {at: 2s, reshard: {slots: 5, from: c1, to: c9}}", `"c9" is no node`},
		{"  - {at: 2s, reshard: {slots: 5, from: c1}}", "missing to"},
		{"  - {at: 2s, for: 1s, reshard: {slots: 5, from: c1, to: c2}}", "ends when its work is done"},
		{"  - {at: 2s, reshrad: {slots: 5, from: c1, to: c2}}", "reshard"},
	}
	for _, c := range cases {
		sc, err := lab.Parse("cluster.yaml", []byte(clusterScenario+c.fault+"\n"))
		switch {
		case c.err == "" && err != nil:
			t.Errorf("%s: %v", c.fault, err)
		case c.err == "" && (len(sc.Faults) != 1 || sc.Faults[0].Kind != lab.FaultEngine || sc.Faults[0].Action != "reshard"):
			t.Errorf("%s: parsed as %+v", c.fault, sc.Faults)
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("%s: error %v, want one containing %q", c.fault, err, c.err)
		}
	}
}
