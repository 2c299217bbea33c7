package cache

import "time"

// Bugs are test-only switches, each planting one classic replication
// mistake, so the lab can prove its checks catch it (scenario config
// `bugs:`). Nothing a served node reads turns them on.
type Bugs struct {
	// ReplicaAcksBeforeApply: a replica acknowledges (REPLCONF ACK, and so
	// WAIT) the stream it received at once but applies it only
	// bugApplyDelay later, and drops what is pending when its link goes:
	// a WAIT-acknowledged write can vanish in a failover.
	ReplicaAcksBeforeApply bool
}

// bugApplyDelay is how long ReplicaAcksBeforeApply holds received stream
// bytes before applying them.
const bugApplyDelay = 100 * time.Millisecond
