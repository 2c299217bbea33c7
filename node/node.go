package node

import (
	"math/rand/v2"
	"time"
)

// ID names a node within one world: a server ("cache-1"), a client
// ("client-7") or an external endpoint such as a network connection.
type ID string

// Message is any value a node sends to another. Inside the simulator it is
// delivered by reference; in live mode its type must be registered with the
// live codec so it can cross a socket.
type Message any

// Handler is an engine node: a state machine driven by the world.
//
// The world calls Start exactly once per incarnation, on a fresh Handler
// value built by the node's Factory: a restart after a crash gets a new
// Handler, so everything in memory is gone and only what was synced to
// Env.Disk survives. Receive is called for every delivered message. Calls
// never overlap.
type Handler interface {
	Start(env Env)
	Receive(from ID, msg Message)
}

// Factory builds a fresh Handler for each incarnation of a node.
type Factory func() Handler

// Coster is implemented by handlers whose work costs CPU time. In the
// simulator, handling msg keeps the node's CPU busy for the returned
// duration: messages that arrive meanwhile wait in the node's inbox, and
// messages the handler sends leave when the work is done. Handlers that do
// not implement Coster cost nothing. Live mode ignores it: real work takes
// real time.
type Coster interface {
	Cost(msg Message) time.Duration
}

// Stopper is implemented by handlers that want to release resources when the
// world shuts them down gracefully (live mode on exit). A crash never calls
// it: code that must survive a crash has to sync it to disk.
type Stopper interface {
	Stop()
}

// Env is everything a node may touch.
type Env interface {
	// Self is this node's ID.
	Self() ID
	// Now reads this node's clock. In the simulator it may be offset from
	// true time and drift; two nodes can disagree, and it may jump when a
	// fault changes the offset. It never goes backwards within one event.
	Now() time.Time
	// After calls fn on this node's event loop once d has passed on this
	// node's clock. The timer dies with the incarnation that set it.
	After(d time.Duration, fn func()) Timer
	// Send delivers msg to the node named to, perhaps: the network may
	// delay, reorder, duplicate or drop it, and nothing reports a loss.
	Send(to ID, msg Message)
	// Disk is this node's storage; it outlives crashes, but only what was
	// synced is guaranteed to.
	Disk() Disk
	// Rand is this node's random source, seeded from the run seed in the
	// simulator.
	Rand() *rand.Rand
	// Logf writes a debug line tagged with the node and its time.
	Logf(format string, args ...any)
	// Metrics records the node's counters, gauges and samples.
	Metrics() Metrics
}

// Timer is a pending Env.After callback.
type Timer interface {
	// Stop cancels the timer. It reports whether the call stopped the
	// timer, false if it had already fired or been stopped.
	Stop() bool
}
