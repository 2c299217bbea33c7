package cache

// Bugs are test-only switches, each planting one classic replication
// mistake, so the lab can prove its checks catch it (scenario config
// `bugs:`). Nothing a served node reads turns them on.
type Bugs struct {
	// ReplicaAcksBeforeApply: a replica acknowledges (REPLCONF ACK, and so
	// WAIT) the stream it received at once but applies it only on the
	// master's next ping, and loses what is pending when the master dies:
	// a WAIT-acknowledged write can vanish in a failover.
	ReplicaAcksBeforeApply bool
}
