package cache

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"syslab/engines/cache/cluster"
	"syslab/engines/cache/resp"
	"syslab/node"
	"syslab/sim"
)

// clusterHarness is six cluster-enabled cache nodes (cache-1…3 masters,
// cache-4…6 their replicas once formed) and one client, in the simulator.
type clusterHarness struct {
	t      testing.TB
	w      *sim.World
	client *recorder
	seq    uint64
	ids    []node.ID
}

const clusterTestNodeTimeout = 5 * time.Second

func newClusterHarness(t testing.TB, seed uint64, bugs cluster.Bugs) *clusterHarness {
	t.Helper()
	var log io.Writer
	if os.Getenv("CLUSTER_LOG") != "" {
		log = os.Stderr
	}
	w := sim.New(sim.Config{Seed: seed, Log: log, Network: sim.LinkConfig{
		Latency: sim.Latency{Kind: "uniform", Min: time.Millisecond, Max: 3 * time.Millisecond}}})
	h := &clusterHarness{t: t, w: w}
	h.client = &recorder{w: w, replies: map[uint64]resp.Value{}, ackedAt: map[uint64]time.Duration{}}
	for i := 1; i <= 6; i++ {
		id := node.ID(fmt.Sprintf("cache-%d", i))
		h.ids = append(h.ids, id)
		w.AddNode(id, New(Config{ClusterEnabled: true, Cluster: cluster.Config{
			NodeTimeout: clusterTestNodeTimeout, AnnounceIP: string(id), AnnouncePort: 6379, Bugs: bugs}}))
	}
	w.AddNode(clientID, func() node.Handler { return h.client })
	w.Run(0)
	return h
}

// node is id's handler; nil while it is down.
func (h *clusterHarness) node(id node.ID) *Node {
	n, _ := h.w.Handler(id).(*Node)
	return n
}

// do sends a command and runs the world until it is answered.
func (h *clusterHarness) do(to node.ID, args ...string) resp.Value {
	h.t.Helper()
	h.seq++
	seq := h.seq
	raw := make([][]byte, len(args))
	for i, a := range args {
		raw[i] = []byte(a)
	}
	h.w.Send(clientID, to, Command{Seq: seq, Args: raw})
	deadline := h.w.Now() + 5*time.Second
	for h.w.Now() < deadline {
		if v, ok := h.client.replies[seq]; ok {
			return v
		}
		h.w.Run(h.w.Now() + time.Millisecond)
	}
	h.t.Fatalf("%s %q: no reply within 5s of virtual time", to, args)
	return resp.Value{}
}

func (h *clusterHarness) mustOK(to node.ID, args ...string) {
	h.t.Helper()
	if v := h.do(to, args...); v.Kind != resp.SimpleString || string(v.Str) != "OK" {
		h.t.Fatalf("%s %q = %s, want OK", to, args, v.String())
	}
}

// waitFor runs the world until cond holds, within limit of virtual time.
func (h *clusterHarness) waitFor(what string, limit time.Duration, cond func() bool) time.Duration {
	h.t.Helper()
	start := h.w.Now()
	for h.w.Now()-start < limit {
		if cond() {
			return h.w.Now() - start
		}
		h.w.Run(h.w.Now() + 10*time.Millisecond)
	}
	h.t.Fatalf("%s: not within %s of virtual time", what, limit)
	return 0
}

func (h *clusterHarness) info(id node.ID, field string) string {
	h.t.Helper()
	text := string(h.do(id, "CLUSTER", "INFO").Str)
	for _, line := range strings.Split(text, "\r\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			return v
		}
	}
	h.t.Fatalf("CLUSTER INFO of %s has no %s:\n%s", id, field, text)
	return ""
}

// form builds the cluster the way redis-cli --cluster create does: slots
// split evenly among the masters, a distinct config epoch per node, every
// node MEETs the first, and once all know each other, REPLICATE.
func (h *clusterHarness) form() {
	h.t.Helper()
	const masters = 3
	for i := range masters {
		first := i * cluster.SlotCount / masters
		last := (i+1)*cluster.SlotCount/masters - 1
		h.mustOK(h.ids[i], "CLUSTER", "ADDSLOTSRANGE", fmt.Sprint(first), fmt.Sprint(last))
	}
	for i, id := range h.ids {
		h.mustOK(id, "CLUSTER", "SET-CONFIG-EPOCH", fmt.Sprint(i+1))
	}
	for _, id := range h.ids[1:] {
		h.mustOK(id, "CLUSTER", "MEET", string(h.ids[0]), "6379")
	}
	h.waitFor("every node knows all six", 30*time.Second, func() bool {
		for _, id := range h.ids {
			if len(h.node(id).cluster.Nodes()) != 6 {
				return false
			}
		}
		return true
	})
	for i := masters; i < len(h.ids); i++ {
		master := h.node(h.ids[i-masters]).cluster.MyName()
		h.mustOK(h.ids[i], "CLUSTER", "REPLICATE", master)
	}
	h.waitFor("cluster_state ok everywhere", 30*time.Second, func() bool { return h.allOK(h.ids) })
}

func (h *clusterHarness) allOK(ids []node.ID) bool {
	for _, id := range ids {
		if h.node(id).cluster.Serving() != nil {
			return false
		}
	}
	return true
}

// slotOwners is each node's view of who owns slots 0, 6000 and 12000.
func (h *clusterHarness) slotOwners(ids []node.ID) []string {
	var views []string
	for _, id := range ids {
		c := h.node(id).cluster
		views = append(views, c.Route(0).Owner.Name+" "+c.Route(6000).Owner.Name+" "+c.Route(12000).Owner.Name)
	}
	return views
}

func allSame(xs []string) bool {
	for _, x := range xs {
		if x != xs[0] {
			return false
		}
	}
	return true
}

func TestClusterFormsLikeRedisCLI(t *testing.T) {
	h := newClusterHarness(t, 1, cluster.Bugs{})
	h.form()
	for _, id := range h.ids {
		if got := h.info(id, "cluster_known_nodes"); got != "6" {
			t.Errorf("%s: cluster_known_nodes %s, want 6", id, got)
		}
		if got := h.info(id, "cluster_size"); got != "3" {
			t.Errorf("%s: cluster_size %s, want 3", id, got)
		}
		if got := h.info(id, "cluster_slots_ok"); got != "16384" {
			t.Errorf("%s: cluster_slots_ok %s", id, got)
		}
	}
	if views := h.slotOwners(h.ids); !allSame(views) {
		t.Fatalf("nodes disagree on slot owners: %q", views)
	}
	// Each replica replicates its master's data.
	r := h.node("cache-4").cluster.Route(0)
	if !r.ReplicaOfOwner || r.Mine {
		t.Errorf("cache-4's route of slot 0 = %+v, want a replica of the owner", r)
	}
	if v := h.do("cache-2", "SELECT", "1"); string(v.Str) != "ERR SELECT is not allowed in cluster mode" {
		t.Errorf("SELECT 1 = %s", v.String())
	}
	if v := h.do("cache-2", "CLUSTER", "KEYSLOT", "foo"); v.Int != 12182 {
		t.Errorf("KEYSLOT foo = %s", v.String())
	}
}

func TestClusterReplicaTakesOverACrashedMaster(t *testing.T) {
	h := newClusterHarness(t, 2, cluster.Bugs{})
	h.form()
	// A key in cache-1's range (slots 0-5460).
	key := keyInSlotRange(0, 5460)
	h.mustOK("cache-1", "SET", key, "v1")
	h.waitFor("replica has the key", 5*time.Second, func() bool { return h.node("cache-4").dbs[0].size() == 1 })
	oldName := h.node("cache-1").cluster.MyName()
	h.w.Crash("cache-1")
	alive := h.ids[1:]
	took := h.waitFor("cache-4 becomes master of slot 0", clusterTestNodeTimeout+10*time.Second, func() bool {
		c := h.node("cache-4").cluster
		return c.Route(0).Mine && !c.IsReplica()
	})
	t.Logf("failover took %s of virtual time (node timeout %s)", took, clusterTestNodeTimeout)
	if took < clusterTestNodeTimeout {
		t.Errorf("failover after %s, before the node timeout %s: the failure detector is too eager", took, clusterTestNodeTimeout)
	}
	if limit := clusterTestNodeTimeout + 4*time.Second; took > limit {
		t.Errorf("failover took %s of virtual time, want within %s", took, limit)
	}
	h.waitFor("every live node agrees on the slot map and is ok", 10*time.Second, func() bool {
		return allSame(h.slotOwners(alive)) && h.allOK(alive)
	})
	newMaster := h.node("cache-4").cluster.MyName()
	if owner := h.node("cache-2").cluster.Route(0).Owner.Name; owner != newMaster {
		t.Fatalf("cache-2 thinks slot 0 belongs to %s, want %s", owner, newMaster)
	}
	if got := h.do("cache-4", "GET", key); string(got.Str) != "v1" {
		t.Errorf("GET %s on the new master = %s, want v1", key, got.String())
	}
	if myEpoch, _ := strconv.Atoi(h.info("cache-4", "cluster_my_epoch")); myEpoch <= 6 {
		t.Errorf("new master's configEpoch %d, want above every epoch set at formation (6)", myEpoch)
	}
	// The old master comes back and follows the winner.
	h.w.Restart("cache-1")
	h.waitFor("old master rejoins as a replica of the new one", 20*time.Second, func() bool {
		n := h.node("cache-1")
		return n != nil && n.cluster != nil && n.cluster.IsReplica() && n.cluster.MasterPeer().Name == newMaster && n.isReplica()
	})
	if name := h.node("cache-1").cluster.MyName(); name != oldName {
		t.Errorf("cache-1 came back as %s, want its old name %s from nodes.conf", name, oldName)
	}
	h.waitFor("all six ok", 20*time.Second, func() bool { return h.allOK(h.ids) && allSame(h.slotOwners(h.ids)) })
}

// keyInSlotRange finds a key whose slot lies in [first, last].
func keyInSlotRange(first, last int) string {
	for i := 0; ; i++ {
		k := fmt.Sprintf("key:%d", i)
		if s := cluster.KeySlot([]byte(k)); s >= first && s <= last {
			return k
		}
	}
}

func TestClusterMinorityMasterStopsServing(t *testing.T) {
	for _, bug := range []bool{false, true} {
		t.Run(fmt.Sprintf("IsolatedMasterAcceptsWrites=%v", bug), func(t *testing.T) {
			h := newClusterHarness(t, 3, cluster.Bugs{IsolatedMasterAcceptsWrites: bug})
			h.form()
			h.w.Partition([]node.ID{"cache-1"}, append([]node.ID{clientID}, h.ids[1:]...))
			// Still serving right after the cut: it cannot know yet.
			h.w.Run(h.w.Now() + clusterTestNodeTimeout/2)
			if err := h.node("cache-1").cluster.Serving(); err != nil {
				t.Fatalf("isolated master stopped serving after %s, before the node timeout: %v", clusterTestNodeTimeout/2, err)
			}
			h.w.Run(h.w.Now() + clusterTestNodeTimeout)
			err := h.node("cache-1").cluster.Serving()
			if !bug && (err == nil || err.Error() != "CLUSTERDOWN The cluster is down") {
				t.Fatalf("isolated master: Serving() = %v after 1.5 × node timeout, want CLUSTERDOWN", err)
			}
			if bug && err != nil {
				t.Fatalf("with the planted bug the isolated master must keep serving, got %v", err)
			}
			// The majority side fails cache-1 over and keeps serving.
			h.waitFor("majority side elects cache-4", 20*time.Second, func() bool {
				return h.node("cache-4").cluster.Route(0).Mine && h.allOK(h.ids[1:])
			})
			h.w.Heal()
			h.waitFor("after the heal cache-1 follows cache-4", 30*time.Second, func() bool {
				return h.node("cache-1").cluster.IsReplica() && h.allOK(h.ids) && allSame(h.slotOwners(h.ids))
			})
		})
	}
}

func TestClusterTraceIsDeterministic(t *testing.T) {
	run := func() uint64 {
		h := newClusterHarness(t, 42, cluster.Bugs{})
		h.form()
		h.w.Crash("cache-2")
		h.waitFor("cache-5 takes over", 20*time.Second, func() bool { return h.node("cache-5").cluster.Route(6000).Mine })
		return h.w.TraceHash()
	}
	if a, b := run(), run(); a != b {
		t.Fatalf("same seed, different traces: %#x vs %#x", a, b)
	}
}

func TestClusterManualFailover(t *testing.T) {
	for _, mode := range []string{"", "FORCE", "TAKEOVER"} {
		t.Run("FAILOVER "+mode, func(t *testing.T) {
			h := newClusterHarness(t, 4, cluster.Bugs{})
			h.form()
			const writes = 50
			for i := range writes {
				h.mustOK("cache-1", "SET", keyInSlotRange(0, 5460)+fmt.Sprint(":", i), "v")
			}
			oldMaster := h.node("cache-1").cluster.MyName()
			args := []string{"CLUSTER", "FAILOVER"}
			if mode != "" {
				args = append(args, mode)
			}
			h.mustOK("cache-4", args...)
			h.waitFor("cache-4 owns cache-1's slots and cache-1 follows it", 10*time.Second, func() bool {
				c4, c1 := h.node("cache-4").cluster, h.node("cache-1").cluster
				return c4.Route(0).Mine && c1.IsReplica() && c1.MasterPeer().Name == c4.MyName()
			})
			h.waitFor("everybody agrees and is ok", 10*time.Second, func() bool { return h.allOK(h.ids) && allSame(h.slotOwners(h.ids)) })
			if name := h.node("cache-4").cluster.Route(0).Owner.Name; name == oldMaster {
				t.Fatal("slot 0 still owned by the old master")
			}
			if mode == "" {
				// The default mode waits for the replica to catch up: no
				// acknowledged write is lost.
				if got := h.node("cache-4").dbs[0].size(); got != writes {
					t.Errorf("new master has %d keys after a manual failover, want all %d", got, writes)
				}
			}
		})
	}
}

func TestClusterKeysInSlot(t *testing.T) {
	h := newClusterHarness(t, 5, cluster.Bugs{})
	for _, k := range []string{"{u1}c", "{u1}a", "{u1}b", "other"} {
		h.mustOK("cache-1", "SET", k, "v")
	}
	slot := fmt.Sprint(cluster.KeySlot([]byte("u1")))
	if v := h.do("cache-1", "CLUSTER", "COUNTKEYSINSLOT", slot); v.Int != 3 {
		t.Errorf("COUNTKEYSINSLOT = %s, want 3", v.String())
	}
	v := h.do("cache-1", "CLUSTER", "GETKEYSINSLOT", slot, "2")
	if len(v.Elems) != 2 || string(v.Elems[0].Str) != "{u1}a" || string(v.Elems[1].Str) != "{u1}b" {
		t.Errorf("GETKEYSINSLOT %s 2 = %s", slot, v.String())
	}
	h.do("cache-1", "DEL", "{u1}a")
	if v := h.do("cache-1", "CLUSTER", "COUNTKEYSINSLOT", slot); v.Int != 2 {
		t.Errorf("after DEL: COUNTKEYSINSLOT = %s, want 2", v.String())
	}
	h.do("cache-1", "FLUSHALL")
	if v := h.do("cache-1", "CLUSTER", "COUNTKEYSINSLOT", slot); v.Int != 0 {
		t.Errorf("after FLUSHALL: COUNTKEYSINSLOT = %s, want 0", v.String())
	}
}

// A master that loses a slot to a newer claim drops the slot's keys, and
// its replica follows through the replication stream.
func TestClusterLostSlotKeysAreDeleted(t *testing.T) {
	h := newClusterHarness(t, 6, cluster.Bugs{})
	h.form()
	key := keyInSlotRange(0, 5460)
	slot := fmt.Sprint(cluster.KeySlot([]byte(key)))
	h.mustOK("cache-1", "SET", key, "v")
	h.mustOK("cache-1", "SET", keyInSlotRange(5000, 5460), "other slot")
	h.waitFor("replica has both keys", 5*time.Second, func() bool { return h.node("cache-4").dbs[0].size() == 2 })
	oldOwner := h.node("cache-1").cluster.MyName()
	newOwner := h.node("cache-2").cluster.MyName()
	h.mustOK("cache-2", "CLUSTER", "SETSLOT", slot, "IMPORTING", oldOwner)
	h.mustOK("cache-2", "CLUSTER", "SETSLOT", slot, "NODE", newOwner)
	h.waitFor("cache-1 gave the slot up and dropped its key; so did its replica", 5*time.Second, func() bool {
		return h.node("cache-1").cluster.Route(cluster.KeySlot([]byte(key))).Owner.Name == newOwner &&
			h.node("cache-1").dbs[0].size() == 1 && h.node("cache-4").dbs[0].size() == 1
	})
	h.waitFor("all agree", 5*time.Second, func() bool { return h.allOK(h.ids) })
}

func TestClusterCorruptNodesConfRefusesService(t *testing.T) {
	h := newClusterHarness(t, 7, cluster.Bugs{})
	h.form()
	h.w.Crash("cache-2")
	f, err := h.w.Disk("cache-2").Create("nodes.conf")
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("this is not a nodes.conf\n"))
	f.Sync()
	h.w.Restart("cache-2")
	h.waitFor("cache-2 is back", 5*time.Second, func() bool { return h.node("cache-2") != nil })
	v := h.do("cache-2", "GET", "x")
	if !v.IsError() || !strings.Contains(string(v.Str), "nodes.conf") {
		t.Fatalf("GET on a node with a corrupt nodes.conf = %s, want an error naming the file", v.String())
	}
}

// TestClusterFailoverSeedSweep repeats crash-failover-rejoin over seeds,
// with lossy links: each seed is a different schedule of latencies,
// losses and election delays. CLUSTER_SEEDS=n sweeps more.
func TestClusterFailoverSeedSweep(t *testing.T) {
	seeds := 8
	if n, err := strconv.Atoi(os.Getenv("CLUSTER_SEEDS")); err == nil {
		seeds = n
	}
	for seed := uint64(100); seed < 100+uint64(seeds); seed++ {
		t.Run(fmt.Sprint("seed=", seed), func(t *testing.T) {
			h := newClusterHarness(t, seed, cluster.Bugs{})
			for _, from := range h.ids {
				for _, to := range h.ids {
					if from != to {
						h.w.SetLink(from, to, sim.LinkConfig{Loss: 0.05,
							Latency: sim.Latency{Kind: "uniform", Min: time.Millisecond, Max: 5 * time.Millisecond}})
					}
				}
			}
			h.form()
			victimIndex := int(seed) % 3
			victim := h.ids[victimIndex]
			victimName := h.node(victim).cluster.MyName()
			victimSlot := victimIndex * cluster.SlotCount / 3
			h.w.Crash(victim)
			var alive []node.ID
			for _, id := range h.ids {
				if id != victim {
					alive = append(alive, id)
				}
			}
			// An election that loses a request or a vote is retried after
			// twice the election timeout (4 × node timeout), as in Redis;
			// on these lossy links that happens.
			h.waitFor("a replica takes over and the survivors agree", 9*clusterTestNodeTimeout, func() bool {
				return h.allOK(alive) && allSame(h.slotOwners(alive)) && h.node(alive[0]).cluster.Route(victimSlot).Owner.Name != victimName
			})
			h.w.Restart(victim)
			h.waitFor("the old master rejoins as a replica and all agree", 30*time.Second, func() bool {
				n := h.node(victim)
				return n != nil && n.cluster != nil && n.cluster.IsReplica() && h.allOK(h.ids) && allSame(h.slotOwners(h.ids))
			})
		})
	}
}

// TestClusterConvergesAfterFlappingNetwork cuts the network into random
// halves, heals it, crashes and restarts nodes, for three virtual
// minutes; then, once all is healed and up, the cluster must converge:
// every node ok, six nodes known everywhere, one view of who owns every
// slot, every slot owned, three masters with distinct config epochs.
// CLUSTER_SEEDS=n sweeps more seeds.
func TestClusterConvergesAfterFlappingNetwork(t *testing.T) {
	seeds := 2
	if n, err := strconv.Atoi(os.Getenv("CLUSTER_SEEDS")); err == nil {
		seeds = n
	}
	for seed := uint64(500); seed < 500+uint64(seeds); seed++ {
		t.Run(fmt.Sprint("seed=", seed), func(t *testing.T) {
			h := newClusterHarness(t, seed, cluster.Bugs{})
			h.form()
			faults := h.w.Stream("test-faults")
			down := map[node.ID]bool{}
			for end := h.w.Now() + 3*time.Minute; h.w.Now() < end; {
				switch faults.IntN(4) {
				case 0, 1:
					var a, b []node.ID
					for _, id := range h.ids {
						if faults.IntN(2) == 0 {
							a = append(a, id)
						} else {
							b = append(b, id)
						}
					}
					h.w.Partition(append(a, clientID), b)
				case 2:
					h.w.Heal()
				case 3:
					id := h.ids[faults.IntN(len(h.ids))]
					if down[id] {
						h.w.Restart(id)
						delete(down, id)
					} else if len(down) == 0 {
						h.w.Crash(id)
						down[id] = true
					}
				}
				h.w.Run(h.w.Now() + time.Duration(2+faults.IntN(15))*time.Second)
			}
			h.w.Heal()
			for _, id := range h.ids {
				if down[id] {
					h.w.Restart(id)
				}
			}
			h.waitFor("the cluster converges", 3*time.Minute, func() bool { return h.converged() })
		})
	}
}

// converged reports whether all six nodes are up, ok, know each other and
// agree on the owner of every slot, every slot is owned, and the three
// masters with slots have distinct config epochs.
func (h *clusterHarness) converged() bool {
	var first *cluster.State
	for _, id := range h.ids {
		n := h.node(id)
		if n == nil || n.cluster == nil || n.cluster.Serving() != nil || len(n.cluster.Nodes()) != len(h.ids) {
			return false
		}
		if first == nil {
			first = n.cluster
			continue
		}
		for slot := 0; slot < cluster.SlotCount; slot++ {
			if n.cluster.Route(slot).Owner.Name != first.Route(slot).Owner.Name {
				return false
			}
		}
	}
	owners := map[string]bool{}
	for slot := 0; slot < cluster.SlotCount; slot++ {
		o := first.Route(slot).Owner.Name
		if o == "" {
			return false
		}
		owners[o] = true
	}
	if len(owners) != 3 {
		return false
	}
	epochs := map[string]bool{}
	for _, id := range h.ids {
		c := h.node(id).cluster
		if c.IsReplica() {
			continue
		}
		epoch := h.info(id, "cluster_my_epoch")
		if epochs[epoch] {
			h.t.Errorf("two masters share config epoch %s", epoch)
		}
		epochs[epoch] = true
	}
	return true
}

// With two replicas, the loser of the election follows the winner.
func TestClusterSiblingReplicaFollowsTheWinner(t *testing.T) {
	h := newClusterHarness(t, 8, cluster.Bugs{})
	h.form()
	oldMaster := h.node("cache-1").cluster.MyName()
	h.mustOK("cache-5", "CLUSTER", "REPLICATE", oldMaster)
	h.waitFor("cache-1 has two replicas everywhere", 10*time.Second, func() bool {
		for _, id := range h.ids {
			v := h.do(id, "CLUSTER", "REPLICAS", oldMaster)
			if len(v.Elems) != 2 {
				return false
			}
		}
		return true
	})
	key := keyInSlotRange(0, 5460)
	h.mustOK("cache-1", "SET", key, "v")
	h.waitFor("both replicas have the key", 5*time.Second, func() bool {
		return h.node("cache-4").dbs[0].size() == 1 && h.node("cache-5").dbs[0].size() == 1
	})
	h.w.Crash("cache-1")
	var winner, loser node.ID
	h.waitFor("one replica wins", 30*time.Second, func() bool {
		for _, id := range []node.ID{"cache-4", "cache-5"} {
			if h.node(id).cluster.Route(0).Mine {
				winner = id
				loser = map[node.ID]node.ID{"cache-4": "cache-5", "cache-5": "cache-4"}[id]
				return true
			}
		}
		return false
	})
	winnerName := h.node(winner).cluster.MyName()
	h.waitFor("the other replica follows the winner and syncs from it", 20*time.Second, func() bool {
		n := h.node(loser)
		return n.cluster.MasterPeer().Name == winnerName && n.repl.link != nil && n.repl.link.master == winner && n.repl.link.state == linkUp
	})
	if got := h.do(loser, "CLUSTER", "REPLICAS", winnerName); len(got.Elems) != 1 {
		t.Errorf("CLUSTER REPLICAS of the winner on the loser: %s", got.String())
	}
}
