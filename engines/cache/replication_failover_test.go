package cache

import (
	"strconv"
	"testing"
	"time"

	"syslab/node"
)

const siblingID node.ID = "cache-3"

// failoverHarness is replHarness with a second replica (siblingID) of the
// same master, both caught up after some writes.
func newFailoverHarness(t *testing.T, seed uint64) *replHarness {
	t.Helper()
	h := newReplHarness(t, seed, Config{})
	h.w.AddNode(siblingID, New(Config{ReplicaOf: masterID}))
	h.w.Run(h.w.Now())
	h.writeLoad(time.Millisecond, 300*time.Millisecond)
	h.settle(2 * time.Second)
	h.waitCaughtUp(siblingID, h.node(masterID).repl.offset)
	return h
}

// waitCaughtUp runs the world until id follows a master up to offset.
func (h *replHarness) waitCaughtUp(id node.ID, offset int64) {
	h.t.Helper()
	deadline := h.w.Now() + 5*time.Second
	for h.w.Now() < deadline {
		if l := h.node(id).repl.link; l != nil && l.state == linkUp && l.offset >= offset {
			return
		}
		h.w.Run(h.w.Now() + 10*time.Millisecond)
	}
	h.t.Fatalf("%s did not reach offset %d: %+v", id, offset, h.node(id).repl.link)
}

// A promoted replica keeps its master's history as replid2, and its former
// sibling, told to follow it, continues from the backlog instead of
// loading a full sync (PSYNC2). The old master, demoted without having
// written since, continues too.
func TestPromotedReplicaServesPartialResyncs(t *testing.T) {
	h := newFailoverHarness(t, 11)
	oldReplID := h.info(masterID, "master_replid")
	forkOffset := h.node(masterID).repl.offset

	h.do(replicaID, "REPLICAOF NO ONE", time.Second)
	if got := h.info(replicaID, "master_replid2"); got != oldReplID {
		t.Fatalf("promoted replica's master_replid2 = %s, want the old master's %s", got, oldReplID)
	}
	if got := h.info(replicaID, "second_repl_offset"); got != strconv.FormatInt(forkOffset+1, 10) {
		t.Fatalf("second_repl_offset = %s, want %d", got, forkOffset+1)
	}
	h.do(replicaID, "SET after-failover yes", time.Second)

	h.do(siblingID, "REPLICAOF "+string(replicaID)+" 6379", time.Second)
	h.do(masterID, "REPLICAOF "+string(replicaID)+" 6379", time.Second)
	newMaster := h.node(replicaID)
	h.waitCaughtUp(siblingID, newMaster.repl.offset)
	h.waitCaughtUp(masterID, newMaster.repl.offset)

	if full, partial := h.info(replicaID, "sync_full"), h.info(replicaID, "sync_partial_ok"); full != "0" || partial != "2" {
		t.Fatalf("new master's INFO: sync_full %s, sync_partial_ok %s; want 0 and 2", full, partial)
	}
	for _, id := range []node.ID{siblingID, masterID} {
		if got := h.do(id, "GET after-failover", time.Second); got != `"yes"` {
			t.Errorf("%s: GET after-failover = %s, want \"yes\"", id, got)
		}
		if got, want := h.node(id).dbs[0].size(), newMaster.dbs[0].size(); got != want {
			t.Errorf("%s holds %d keys, the new master %d", id, got, want)
		}
	}
}

// A demoted master that took writes after the replica was promoted has a
// history the new master does not continue: it gets a full sync, and
// loses those writes, as in Redis.
func TestDivergedOldMasterNeedsFullSync(t *testing.T) {
	h := newFailoverHarness(t, 12)
	h.do(replicaID, "REPLICAOF NO ONE", time.Second)
	h.do(masterID, "SET split-brain write", time.Second) // never reaches the new master
	h.do(masterID, "REPLICAOF "+string(replicaID)+" 6379", time.Second)
	h.waitCaughtUp(masterID, h.node(replicaID).repl.offset)
	if full := h.info(replicaID, "sync_full"); full != "1" {
		t.Fatalf("new master's sync_full = %s, want 1", full)
	}
	if got := h.do(masterID, "GET split-brain", time.Second); got != "(nil)" {
		t.Errorf("GET split-brain on the demoted master = %s, want (nil): the full sync replaced its data", got)
	}
}

// A replica serves a replica of its own: a full sync of its dataset (in
// the database its master's stream last selected: repl-stream-db), then
// its master's stream passed on unchanged, so the chain's offsets agree; a
// short break continues from its backlog; and when its own history
// changes under it (a full sync from its master), its replica follows.
func TestChainedReplica(t *testing.T) {
	h := newReplHarness(t, 13, Config{})
	h.send(masterID, "SELECT 3")
	h.do(masterID, "SET before-chain 1", time.Second)
	h.settle(2 * time.Second)

	h.w.AddNode(siblingID, New(Config{ReplicaOf: replicaID}))
	h.w.Run(h.w.Now())
	h.waitCaughtUp(siblingID, h.node(masterID).repl.offset)
	h.do(masterID, "SET after-chain 2", time.Second) // db 3 still: no SELECT in the stream
	h.writeLoad(time.Millisecond, h.w.Now()+300*time.Millisecond)
	h.settle(2 * time.Second)
	h.waitCaughtUp(siblingID, h.node(masterID).repl.offset)
	sub := h.node(siblingID)
	for _, key := range []string{"before-chain", "after-chain"} {
		if _, ok := sub.dbs[3].dict.Get(key); !ok {
			t.Fatalf("the chained replica lacks %s in database 3", key)
		}
	}
	if got, want := sub.dbs[0].size(), h.node(masterID).dbs[0].size(); got != want {
		t.Fatalf("the chained replica holds %d keys in database 0, the master %d", got, want)
	}
	if got := h.info(replicaID, "connected_slaves"); got != "1" {
		t.Fatalf("the middle replica's connected_slaves = %s, want 1", got)
	}

	h.w.Partition([]node.ID{replicaID}, []node.ID{siblingID})
	h.writeLoad(time.Millisecond, h.w.Now()+time.Second)
	h.w.Heal()
	h.settle(2 * time.Second)
	h.waitCaughtUp(siblingID, h.node(masterID).repl.offset)
	if got := h.info(replicaID, "sync_partial_ok"); got == "0" {
		t.Fatalf("after a short break the middle replica served no partial resync")
	}

	// The middle replica's history changes: it follows the master afresh.
	h.node(replicaID).repl.link.replID = ""
	h.node(replicaID).replicaResync("test: forget the history")
	h.writeLoad(time.Millisecond, h.w.Now()+200*time.Millisecond)
	h.settle(3 * time.Second)
	h.waitCaughtUp(siblingID, h.node(masterID).repl.offset)
	if got := h.node(siblingID).repl.link.replID; got != h.node(masterID).repl.replID {
		t.Fatalf("the chained replica follows history %s, the master's is %s", got, h.node(masterID).repl.replID)
	}
	if got, want := sub.dbs[0].size(), h.node(masterID).dbs[0].size(); got != want {
		t.Fatalf("after the middle replica's resync the chained replica holds %d keys, the master %d", got, want)
	}
}
