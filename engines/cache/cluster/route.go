package cluster

import "syslab/node"

// Route is what command routing needs to know about one hash slot, from
// the point of view of the node asking: Redis's getNodeByQuery reads the
// same facts from its cluster state. The cluster state (State.Route)
// fills it; the cache's routing turns it into serving the command or
// answering MOVED, ASK, TRYAGAIN or CLUSTERDOWN.
type Route struct {
	// Owner is the master that owns the slot; Owner.Addr is "" when no
	// node owns it (CLUSTERDOWN Hash slot not served).
	Owner Peer
	// Mine: this node is the slot's owner.
	Mine bool
	// ReplicaOfOwner: this node replicates the owner, so it may answer
	// reads from a READONLY client.
	ReplicaOfOwner bool
	// MigratingTo is set while this node owns the slot and moves it away
	// (CLUSTER SETSLOT slot MIGRATING node): commands on keys this node no
	// longer has are redirected there with ASK.
	MigratingTo Peer
	// Importing: this node receives the slot (CLUSTER SETSLOT slot
	// IMPORTING node), so it serves the slot's keys to clients that sent
	// ASKING first.
	Importing bool
}

// Peer names another node of the cluster the way each audience needs it.
type Peer struct {
	// Name is the node's 40-hex-character cluster node ID.
	Name string
	// Addr is the client address, "ip:port", as MOVED and ASK spell it.
	Addr string
	// Bus is the node.ID messages to the node are sent to (the cluster
	// bus and replication run over the node contract's network).
	Bus node.ID
}

// IsZero reports whether p names no node.
func (p Peer) IsZero() bool { return p.Name == "" && p.Addr == "" && p.Bus == "" }
