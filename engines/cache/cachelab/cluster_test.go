package cachelab

import (
	"fmt"
	"testing"
	"time"

	"syslab/engines/cache"
	"syslab/engines/cache/cluster"
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

// clientHost is a client process for the cluster client's conversations:
// it starts operations when told and keeps their outcomes.
type clientHost struct {
	c       *clusterClient
	env     node.Env
	seq     uint64
	results map[uint64]engine.Outcome
}

func (h *clientHost) Start(env node.Env) { h.env = env }
func (h *clientHost) Receive(from node.ID, msg node.Message) {
	h.c.Deliver(hostExchange{h}, from, msg)
}

// begin starts op now (call it from a world event) and returns its seq.
func (h *clientHost) begin(op engine.Op) uint64 {
	h.seq++
	h.c.Begin(hostExchange{h}, h.seq, op)
	return h.seq
}

type hostExchange struct{ h *clientHost }

func (x hostExchange) Now() time.Time                    { return x.h.env.Now() }
func (x hostExchange) Send(to node.ID, msg node.Message) { x.h.env.Send(to, msg) }
func (x hostExchange) After(d time.Duration, fn func()) node.Timer {
	return x.h.env.After(d, fn)
}
func (x hostExchange) Finish(seq uint64, out engine.Outcome) {
	if _, done := x.h.results[seq]; done {
		panic("cluster client finished an operation twice")
	}
	x.h.results[seq] = out
}

// keyInSlot finds a key that hashes to slot.
func keyInSlot(t *testing.T, slot int) string {
	for i := range 1 << 20 {
		k := fmt.Sprintf("k:%d", i)
		if cluster.KeySlot([]byte(k)) == slot {
			return k
		}
	}
	t.Fatalf("no key found for slot %d", slot)
	return ""
}

func addClientHost(w *sim.World, cl *engine.Cluster) *clientHost {
	h := &clientHost{c: cl.NewClient(w.Stream("client")).(*clusterClient), results: map[uint64]engine.Outcome{}}
	w.AddNode("client-0", func() node.Handler { return h }, sim.WithCPU(false))
	return h
}

// run starts op at time at and returns a function reading its outcome.
func (h *clientHost) at(w *sim.World, at time.Duration, op engine.Op) func() engine.Outcome {
	var seq uint64
	w.At(at, func() { seq = h.begin(op) })
	return func() engine.Outcome {
		out, ok := h.results[seq]
		if !ok {
			return engine.Outcome{Status: "pending"}
		}
		return out
	}
}

func TestClusterClientFollowsMovedAfterReshard(t *testing.T) {
	// The operator moves one slot, c3's first (10923), to c1 at 3s.
	reshard := yamlNode(t, "{slots: 1, from: c3, to: c1}")
	w, cl := clusterWorld(t, 1, "{cluster-enabled: yes, cluster-node-timeout: 2000}",
		[]engine.Action{{At: 3 * time.Second, Name: actionReshard, Params: reshard}})
	h := addClientHost(w, cl)
	key := keyInSlot(t, 10923)
	set := h.at(w, 2*time.Second, engine.Op{Kind: "set", Key: key, Value: "v1"})
	get := h.at(w, 6*time.Second, engine.Op{Kind: "get", Key: key})
	w.Run(8 * time.Second)
	if out := set(); out.Status != "ok" {
		t.Fatalf("set before the reshard: %+v", out)
	}
	m := cl.Measures()
	if m["reshard_slots_moved"] != 1 || m["reshard_keys_moved"] != 1 {
		t.Fatalf("reshard: %v", m)
	}
	if out := get(); out.Status != "ok" || out.Output != "v1" {
		t.Fatalf("get after the reshard = %+v, want v1", out)
	}
	if m["client_moved"] != 1 {
		t.Fatalf("client followed %v MOVED, want 1", m["client_moved"])
	}
	if owner := h.c.slots.owner[10923]; owner != "c1" {
		t.Fatalf("client's map says slot 10923 is on %s, want c1", owner)
	}
}

// admin sends commands to nodes at given times, as a test's redis-cli.
type admin struct {
	env   node.Env
	seq   uint64
	reply map[uint64]string
}

func (a *admin) Start(env node.Env) { a.env = env }
func (a *admin) Receive(_ node.ID, msg node.Message) {
	if r, ok := msg.(cache.Reply); ok {
		a.reply[r.Seq] = string(r.Value.Str)
	}
}
func (a *admin) send(to node.ID, args ...string) uint64 {
	a.seq++
	b := make([][]byte, len(args))
	for i, s := range args {
		b[i] = []byte(s)
	}
	a.env.Send(to, cache.Command{Seq: a.seq, Args: b})
	return a.seq
}

func TestClusterClientFollowsAskDuringMigration(t *testing.T) {
	w, cl := clusterWorld(t, 1, "{cluster-enabled: yes, cluster-node-timeout: 2000}", nil)
	adm := &admin{reply: map[uint64]string{}}
	w.AddNode("admin", func() node.Handler { return adm }, sim.WithCPU(false))
	h := addClientHost(w, cl)
	w.Run(2 * time.Second)
	op := w.Handler(engine.OperatorID).(*operator)
	slot := "10923"
	w.At(2*time.Second, func() {
		adm.send("c1", "CLUSTER", "SETSLOT", slot, "IMPORTING", op.names["c3"])
		adm.send("c3", "CLUSTER", "SETSLOT", slot, "MIGRATING", op.names["c1"])
	})
	key := keyInSlot(t, 10923)
	set := h.at(w, 3*time.Second, engine.Op{Kind: "set", Key: key, Value: "v2"})
	get := h.at(w, 4*time.Second, engine.Op{Kind: "get", Key: key})
	w.Run(5 * time.Second)
	for seq, r := range adm.reply {
		if r != "OK" {
			t.Fatalf("admin command %d: %q", seq, r)
		}
	}
	if out := set(); out.Status != "ok" {
		t.Fatalf("set of a key absent from the migrating source: %+v", out)
	}
	if out := get(); out.Status != "ok" || out.Output != "v2" {
		t.Fatalf("get = %+v, want v2 from the importing node", out)
	}
	m := cl.Measures()
	if m["client_ask"] != 2 || m["client_moved"] != 0 {
		t.Fatalf("client followed %v ASK and %v MOVED, want 2 and 0", m["client_ask"], m["client_moved"])
	}
	if owner := h.c.slots.owner[10923]; owner != "c3" {
		t.Fatalf("ASK changed the client's map: slot on %s, want c3 still", owner)
	}
}

func TestSlotRangesAsRedisCli(t *testing.T) {
	// What redis-cli 7.0 --cluster create prints for 3 and 4 masters.
	cases := map[int][][2]int{
		3: {{0, 5460}, {5461, 10922}, {10923, 16383}},
		4: {{0, 4095}, {4096, 8191}, {8192, 12287}, {12288, 16383}},
	}
	for n, want := range cases {
		var l clusterLayout
		for i := range n {
			l.masters = append(l.masters, node.ID(fmt.Sprintf("m%d", i)))
		}
		for i, m := range l.masters {
			if got := l.rangeOf(m); got != want[i] {
				t.Errorf("%d masters: master %d gets %v, want %v", n, i, got, want[i])
			}
		}
	}
}
