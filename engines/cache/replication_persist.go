package cache

// The replication position in snapshots: like Redis 7.0, a snapshot
// records which replication history its dataset follows and how far
// (the repl-id, repl-offset and repl-stream-db AUX fields), and a replica
// that restarts from that snapshot asks its master to continue from there
// (PSYNC replid offset) instead of sending everything again.

import (
	"strconv"

	"syslab/engines/cache/persist"
)

// replicationPosition is where the dataset stands in its replication
// history, for a snapshot taken now; nil when it follows none yet (a
// replica before its first sync, a master nobody replicated from).
func (n *Node) replicationPosition() *persist.RDBReplication {
	r := &n.repl
	if l := r.link; l != nil {
		if l.replID == "" {
			return nil
		}
		return &persist.RDBReplication{ReplID: l.replID, Offset: l.offset, StreamDB: l.applyDB}
	}
	if r.backlog == nil || r.replID == "" {
		return nil
	}
	// -1 means the next propagated command selects its database anyway:
	// any value does, and Redis writes 0.
	return &persist.RDBReplication{ReplID: r.replID, Offset: r.offset, StreamDB: max(r.selectedDB, 0)}
}

// replicationAux collects the replication AUX fields a loaded snapshot
// holds.
type replicationAux struct {
	replID           string
	offset           int64
	streamDB         int
	hasID, hasOffset bool
	malformed        bool
}

// add reads one AUX field. Fields that are not about replication are
// ignored; so, like Redis's loader, is a malformed one, but then the
// snapshot's position is not used (a full sync is always safe).
func (a *replicationAux) add(key, value []byte) error {
	switch string(key) {
	case persist.AuxReplID:
		a.replID, a.hasID = string(value), true
		a.malformed = a.malformed || len(value) != replIDBytes
	case persist.AuxReplOffset:
		v, err := strconv.ParseInt(string(value), 10, 64)
		a.offset, a.hasOffset = v, true
		a.malformed = a.malformed || err != nil || v < 0
	case persist.AuxReplStreamDB:
		v, err := strconv.Atoi(string(value))
		a.streamDB = v
		a.malformed = a.malformed || err != nil || v < 0
	}
	return nil
}

// position is what was read, or nil when the snapshot names no usable
// position (or a stream database this node does not have).
func (a *replicationAux) position(databases int) *persist.RDBReplication {
	if !a.hasID || !a.hasOffset || a.malformed || a.streamDB >= databases {
		return nil
	}
	return &persist.RDBReplication{ReplID: a.replID, Offset: a.offset, StreamDB: a.streamDB}
}

// resumeFromRestored makes a link that starts right after a restart
// follow the history the loaded snapshot was at, so its first PSYNC asks
// to continue from there. Only the first link of an incarnation may use
// it: once the node takes writes of its own, its data leaves that history.
func (n *Node) resumeFromRestored(l *replicaLink) {
	p := n.repl.restored
	n.repl.restored = nil
	if p == nil {
		return
	}
	l.replID, l.offset, l.applyDB = p.ReplID, p.Offset, p.StreamDB
	n.env.Logf("cache: using the snapshot's replication position (%s, offset %d) for a partial resync", p.ReplID, p.Offset)
}
