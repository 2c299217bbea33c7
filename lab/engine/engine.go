// Package engine is what an engine gives the lab: how to build its nodes,
// which operations a workload may issue, how a client turns an operation
// into messages and a reply back into an outcome, and its own checks.
//
// It is a leaf package so that an engine's lab glue (engines/x/xlab) can
// implement it without importing package lab: lab imports engines, never the
// other way round.
package engine

import (
	"math/rand/v2"
	"time"

	"gopkg.in/yaml.v3"

	"syslab/check"
	"syslab/node"
)

// Engine is an engine as scenarios see it.
type Engine interface {
	// Name is what scenarios write after `engine:`.
	Name() string
	// Ops are the operation names a workload mix may use.
	Ops() []string
	// Checks are the engine's own check names, beside the built-in ones.
	Checks() []string
	// ValidateConfig decodes the scenario's `config:` mapping strictly and
	// reports what is wrong with it. cfg is never nil.
	ValidateConfig(cfg *yaml.Node) error
	// Build makes the server nodes of a run from the scenario's topology
	// and config.
	Build(spec Spec) (*Cluster, error)
}

// Spec is the part of a scenario an engine builds from.
type Spec struct {
	Nodes  []node.ID
	Roles  map[node.ID]string
	Config *yaml.Node
	// Duration is the scenario's length: the workload and the faults end
	// there and the lab heals the world.
	Duration time.Duration
	// Actions are the engine's own actions the fault schedule names (see
	// Actor), in schedule order, each at the run time it is due. The
	// engine's Operator performs them.
	Actions []Action
}

// Action is one engine action of a scenario's fault schedule, such as a
// cache cluster's `reshard: {slots: 1000, from: c1, to: c2}`.
type Action struct {
	At     time.Duration
	Name   string
	Params *yaml.Node
}

// Actor is implemented by engines whose scenarios may name engine actions
// in the fault schedule beside the lab's own faults. The lab does not
// perform them: it hands them to the engine's Operator through
// Spec.Actions and shades their windows in the report.
type Actor interface {
	// Actions are the action names a fault entry may use.
	Actions() []string
	// ValidateAction reports what is wrong with an action's parameters
	// when the scenario is loaded; nodes are the topology's.
	ValidateAction(name string, params *yaml.Node, nodes []node.ID) error
}

// Cluster is a built engine: its server nodes and how clients reach them.
type Cluster struct {
	// Factories builds each server node; every Spec node has one.
	Factories map[node.ID]node.Factory
	// NewClient makes the protocol half of one client process.
	NewClient func(r *rand.Rand) Client
	// Config is the engine configuration as it will run (defaults filled),
	// for the report.
	Config map[string]any
	// Messages names a prototype of every message type that crosses the
	// network between the engine's nodes and clients, for live mode's
	// codec.
	Messages map[string]node.Message
	// Codecs, optional, give some of those messages (by the same names) an
	// encoding of the engine's own for live mode; the others travel in
	// gob. Worth it for the messages of every operation, where gob's
	// per-frame cost would be what a live run measures.
	Codecs map[string]Codec
	// Operator, when set, is the engine's own administrator: a lab-side
	// process (named OperatorID, like a client it costs no CPU, is never
	// hit by faults and reaches every node) started at time 0, before the
	// workload. It sets the cluster up (a cache cluster's CLUSTER MEET and
	// ADDSLOTS) and performs Spec.Actions on schedule.
	Operator node.Factory
	// Measures, when set, reports what the engine's lab side counted
	// during the run (redirects its clients followed, when its operator
	// finished), for the engine's checks (RunFacts.Measures) and the
	// report. It is called once, after the run.
	Measures func() map[string]float64
}

// MessageCoster is implemented by engines whose simulated nodes charge a
// fixed CPU cost for every message they take off the network (the
// transport's share of a request). The fidelity report takes it out of
// the live round trip it measures before fitting the simulator's links to
// it, so the transport is not counted twice.
type MessageCoster interface {
	MessageCost() time.Duration
}

// Codec turns one message type into bytes and back. Decode must return an
// error, never panic, on bytes Encode did not make.
type Codec struct {
	Encode func(node.Message) ([]byte, error)
	Decode func([]byte) (node.Message, error)
}

// OperatorID is the node name of an engine's Operator.
const OperatorID node.ID = "operator"

// Op is one operation a workload asks a client to perform.
type Op struct {
	Kind  string
	Key   string
	Value string
}

// Outcome is what became of an operation.
type Outcome struct {
	// Status is "ok" (happened, Output is its result), "fail" (definitely
	// did not happen) or "info" (may or may not have happened).
	Status string
	Output string
	Nil    bool
	// Error is the server's error text, for the report's error table.
	Error string
}

// Client turns operations into messages and replies into outcomes. One
// Client serves one simulated client process; it may keep state such as a
// slot map learnt from redirects.
type Client interface {
	// Request returns the message that performs op and the node to send it
	// to. seq is unique per client and must come back in the reply.
	Request(seq uint64, op Op) (to node.ID, msg node.Message)
	// Reply decodes a message the client received. ok is false when msg is
	// not a reply this client understands.
	Reply(msg node.Message) (seq uint64, out Outcome, ok bool)
}

// Timeout is what a client reports for an operation that got no reply in
// time: it may or may not have happened.
func Timeout(after time.Duration) Outcome {
	return Outcome{Status: "info", Error: "timeout after " + after.String()}
}

// Checker is implemented by engines that evaluate their own checks (the
// names Engine.Checks lists) from the run's history.
type Checker interface {
	// Check evaluates the engine check name with the parameters written
	// after it in the scenario. h holds the workload's operations only
	// (not the lab's final reads).
	Check(name string, params *yaml.Node, h *check.History) CheckResult
}

// CheckResult is an engine check's verdict, as the report shows it.
type CheckResult struct {
	// Verdict is "pass", "fail" or "unknown" (nothing to judge by).
	Verdict string
	// Expected says what the check demands, Detail what it found.
	Expected string
	Detail   string
	Measured map[string]float64
}

// Conversation is implemented by a Client some of whose operations take
// more than one exchange: a cache-aside read that misses asks an origin
// node and then fills the cache; a reader that finds a lock held waits and
// reads again. The lab starts an operation whose kind Converses accepts
// with Begin, right away, beside the client's other conversations — as an
// application server serves many requests at once over a multiplexed
// connection — and the client reports its end through Exchange.Finish. The
// other kinds keep the one-at-a-time Request/Reply path.
type Conversation interface {
	Client
	// Converses reports whether operations of this kind run through Begin.
	Converses(kind string) bool
	// Begin starts op. It may finish it at once (a local cache hit).
	Begin(x Exchange, seq uint64, op Op)
	// Deliver offers the conversation a message the client process
	// received; handled is false when it is not the conversation's (a
	// reply the Request/Reply path understands).
	Deliver(x Exchange, from node.ID, msg node.Message) (handled bool)
}

// Exchange is what a conversation may do in its client process.
type Exchange interface {
	// Now reads the client process's clock.
	Now() time.Time
	Send(to node.ID, msg node.Message)
	After(d time.Duration, fn func()) node.Timer
	// Finish ends operation seq with out. An operation the lab already
	// timed out ignores it, and so does a second Finish.
	Finish(seq uint64, out Outcome)
}

// RunChecker is implemented by engines whose checks also need what the
// server nodes measured, such as how many requests an origin node served.
// The lab prefers it to Checker.
type RunChecker interface {
	CheckRun(name string, params *yaml.Node, run RunFacts) CheckResult
}

// RunFacts is what a RunChecker judges from.
type RunFacts struct {
	// History holds the workload's operations only.
	History *check.History
	// Metrics are each server node's metrics by node name; nil in live
	// mode, which does not collect them yet.
	Metrics map[string]map[string]float64
	// Measures are what the engine's lab side counted (Cluster.Measures);
	// nil when it counts nothing.
	Measures map[string]float64
	// Finals are the values the lab's final reads found, by key (nil when
	// the engine check runs before them, or in a replay).
	Finals map[string]check.FinalValue
	// Faults are the windows of the run's faults, for checks that judge
	// what happened around them (time to a new master after a crash).
	Faults []FaultWindow
}

// FaultWindow is one fault as it was applied: its kind ("crash",
// "partition", an engine action's name…), the nodes it hit and when.
// End is zero while it was never undone.
type FaultWindow struct {
	Kind   string
	Target string
	Start  time.Duration
	End    time.Duration
}
