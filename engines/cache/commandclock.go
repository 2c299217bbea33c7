package cache

import (
	"time"

	"syslab/node"
)

// How long a command took, for SLOWLOG and INFO commandstats' usec.
//
// In a server (the Env is a node.Stopwatch) the time is measured: a
// command's duration runs from the end of the previous command of the
// same message, or the start of the message, to its own end. One clock
// reading per command then times a pipeline of them, where reading at both
// ends of each would double the cost; what the measurement takes in
// besides the command itself is the previous reply's hand-over to the
// adapter, a fraction of a microsecond. EXEC's duration holds those of its
// commands, as in Redis.
//
// In the simulator time stands still while a handler runs, and the
// command's duration is what the cost model charges it (cost.go): the
// virtual CPU time the world takes from the node for it, deterministic
// like everything else there.
type commandClock struct {
	stopwatch node.Stopwatch // nil in the simulator
	// markAt is the reading at the end of the last command of the message
	// being handled, or at its start; noMark outside a message (a timer's
	// work), where a command reads the clock at its own start.
	markAt time.Duration
}

const noMark = time.Duration(-1)

// beginMessage starts timing the commands of one message.
func (cc *commandClock) beginMessage() {
	cc.markAt = noMark
	if cc.stopwatch != nil {
		cc.markAt = cc.stopwatch.Elapsed()
	}
}

// endMessage stops it: work outside messages reads its own start.
func (cc *commandClock) endMessage() { cc.markAt = noMark }

// startCommand is the reading a command's duration is measured from.
func (n *Node) startCommand(spec *commandSpec, args [][]byte) time.Duration {
	cc := &n.clock
	switch {
	case cc.stopwatch == nil:
		return n.commandCostOf(spec, args) // the duration itself; see commandDuration
	case cc.markAt == noMark:
		return cc.stopwatch.Elapsed()
	}
	return cc.markAt
}

// commandDuration is how long the command started at startedAt took.
func (n *Node) commandDuration(startedAt time.Duration) time.Duration {
	cc := &n.clock
	if cc.stopwatch == nil {
		return startedAt
	}
	now := cc.stopwatch.Elapsed()
	if cc.markAt != noMark {
		cc.markAt = now
	}
	return max(now-startedAt, 0)
}
