package cachelab

import (
	"testing"
	"time"

	"syslab/lab/engine"
	"syslab/node"
	"syslab/sim"
)

// clusterWorld builds a simulated 3 × 1 cluster from a scenario's
// topology and config, with the operator, as the lab does.
func clusterWorld(t *testing.T, seed uint64, config string, actions []engine.Action) (*sim.World, *engine.Cluster) {
	t.Helper()
	nodes := []node.ID{"c1", "c2", "c3", "c4", "c5", "c6"}
	spec := engine.Spec{
		Nodes:    nodes,
		Roles:    map[node.ID]string{"c4": "replica-of:c1", "c5": "replica-of:c2", "c6": "replica-of:c3"},
		Config:   yamlNode(t, config),
		Duration: 10 * time.Second,
		Actions:  actions,
	}
	cl, err := New().Build(spec)
	if err != nil {
		t.Fatal(err)
	}
	w := sim.New(sim.Config{Seed: seed})
	for _, id := range nodes {
		w.AddNode(id, cl.Factories[id])
	}
	w.AddNode(engine.OperatorID, cl.Operator, sim.WithCPU(false))
	return w, cl
}

func TestClusterBootstrapAgrees(t *testing.T) {
	w, cl := clusterWorld(t, 1, "{cluster-enabled: yes, cluster-node-timeout: 2000}", nil)
	w.Run(10 * time.Second)
	op := w.Handler(engine.OperatorID).(*operator)
	if !op.facts.bootstrapped {
		t.Fatalf("bootstrap did not finish: %q", op.facts.bootstrapError)
	}
	w.Run(15 * time.Second)
	m := cl.Measures()
	if m["converged"] != 1 || m["slots_covered"] != 16384 {
		t.Fatalf("after bootstrap the nodes do not agree: %v (%s)", m, op.facts.convergeDetail)
	}
	t.Logf("bootstrap took %v of virtual time", op.facts.bootstrapAt)
}
