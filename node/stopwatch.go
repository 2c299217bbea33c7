package node

import "time"

// A Stopwatch is an Env in which a handler's own work takes time: live
// mode's, where commands run on a real CPU. Elapsed is a monotonic
// reading, comparable with other readings of the same incarnation, so a
// node can time a piece of its work (Redis's SLOWLOG and per-command
// microseconds) without reading Now, which stands still during an event.
//
// The simulator's Env is not a Stopwatch: there a handler's work takes the
// virtual time its Coster declares, and a node that reports durations
// takes them from that same model, so the figures stay deterministic.
type Stopwatch interface {
	Elapsed() time.Duration
}
