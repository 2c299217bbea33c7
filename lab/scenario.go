// Package lab reads scenario files, builds a simulated or live world from
// them, runs workload and faults, checks the results and reports.
//
// This file holds the scenario model: what a parsed, validated scenario file
// says. Every field here has passed the strict loader (scenario_parse.go), so
// the runner may trust it: durations are non-negative where they must be,
// node names exist in the topology, op names are the engine's, and defaults
// are filled in. The file format is documented in scenarios/README.md.
package lab

import (
	"time"

	"gopkg.in/yaml.v3"

	"syslab/node"
)

// Scenario is one parsed scenario file.
type Scenario struct {
	// File is the name the scenario was parsed under, used in messages.
	File        string
	Name        string
	Description string
	// Promise is the one sentence the scenario tests, shown atop the report.
	Promise string
	Engine  string
	// Expect says whether a correct lab should see the checks pass or
	// fail; a deliberately broken configuration expects fail.
	Expect Expectation
	// Seed is the default run seed; the command line may override it.
	Seed uint64
	// Duration is the virtual (sim) or wall (live) length of the run.
	Duration time.Duration
	Topology Topology
	// Config is the engine's own configuration, validated by the engine.
	// It is never nil: an absent config is an empty mapping.
	Config   *yaml.Node
	Network  Network
	Disk     DiskModel
	Workload []Phase
	Faults   []Fault
	Checks   []Check
}

// Expectation is the verdict a scenario expects from its checks.
type Expectation string

const (
	ExpectPass Expectation = "pass"
	ExpectFail Expectation = "fail"
)

// Topology is the set of server nodes of the engine.
type Topology struct {
	// Nodes in the order the file lists or generates them.
	Nodes []node.ID
	// Roles assigns an engine-defined role to some nodes ("primary").
	Roles map[node.ID]string
}

// Has reports whether id is one of the topology's nodes.
func (t Topology) Has(id node.ID) bool {
	for _, n := range t.Nodes {
		if n == id {
			return true
		}
	}
	return false
}

// Network is the model of every link between two nodes.
type Network struct {
	// Latency is the one-way delay of a message.
	Latency Delay
	// Loss is the probability a message is dropped.
	Loss float64
	// Duplicate is the probability a message is delivered twice.
	Duplicate float64
}

// DiskModel is the model of every node's disk.
type DiskModel struct {
	// SyncLatency is how long File.Sync takes.
	SyncLatency Delay
	// Writeback is how long unsynced data stays only in the page cache
	// before the OS writes it out by itself (Linux: dirty_expire, 30s);
	// zero means it is written back only on Sync.
	Writeback time.Duration
	// TornWrites lets a crash keep only a prefix of unsynced appends.
	TornWrites bool
}

// DelayKind names a delay distribution.
type DelayKind string

const (
	DelayConstant    DelayKind = "constant"
	DelayUniform     DelayKind = "uniform"
	DelayNormal      DelayKind = "normal"
	DelayExponential DelayKind = "exponential"
	DelayLognormal   DelayKind = "lognormal"
	DelayEmpirical   DelayKind = "empirical"
	// DelayTrace is built by `syslab fidelity` from a measurement, not
	// written in files: Trace[i] is the delay of a message sent at
	// i·TraceStep (see sim.Latency).
	DelayTrace DelayKind = "trace"
)

// Delay is a distribution of durations. Which fields are meaningful
// depends on Kind: constant and exponential use Mean; uniform uses Min and
// Max; normal and lognormal use Mean and Stddev; empirical uses Quantiles,
// a measured distribution's quantiles at evenly spaced probabilities (the
// first the least value, the last the largest), sampled linearly between
// them.
type Delay struct {
	Kind      DelayKind
	Mean      time.Duration
	Stddev    time.Duration
	Min       time.Duration
	Max       time.Duration
	Quantiles []time.Duration
	Trace     []time.Duration
	TraceStep time.Duration
}

// Phase is one workload phase: a set of clients issuing operations.
type Phase struct {
	Line  int
	Name  string
	Start time.Duration
	// Duration of the phase; the loader fills it so that it never runs
	// past the scenario.
	Duration time.Duration
	Clients  int
	// Rate is the total open-loop arrival rate; zero when the phase is
	// closed loop.
	Rate Rate
	// Concurrency is the number of operations kept outstanding across all
	// clients of a closed-loop phase; zero when the phase is open loop.
	Concurrency int
	Arrival     Arrival
	Keys        Keys
	Values      Values
	// Mix lists each operation with its relative weight, in file order.
	Mix     []OpWeight
	Timeout time.Duration
}

// End is when the phase stops issuing operations.
func (p Phase) End() time.Duration { return p.Start + p.Duration }

// OpenLoop reports whether operations arrive on a schedule (Rate) rather
// than as soon as the previous one returned (Concurrency).
func (p Phase) OpenLoop() bool { return p.Concurrency == 0 }

// Arrival is how open-loop arrivals are spaced and how their rate changes
// over the phase: a loadgen schedule in text (constant, poisson,
// ramp:TO[:OVER], step:BY:EVERY, sine:AMPLITUDE:PERIOD, or poisson:SHAPE
// for any shape with Poisson arrivals), with the phase's rate as the base
// rate.
type Arrival string

const (
	ArrivalConstant Arrival = "constant"
	ArrivalPoisson  Arrival = "poisson"
)

// Rate is Count events per Per.
type Rate struct {
	Count float64
	Per   time.Duration
}

// PerSecond is the rate in events per second.
func (r Rate) PerSecond() float64 {
	if r.Per == 0 {
		return 0
	}
	return r.Count / r.Per.Seconds()
}

// Interval is the mean time between two events.
func (r Rate) Interval() time.Duration {
	if r.Count == 0 {
		return 0
	}
	return time.Duration(float64(r.Per) / r.Count)
}

// Keys says which keys a phase touches.
type Keys struct {
	Count int
	// Prefix is prepended to the key number: "key:17".
	Prefix       string
	Distribution KeyDistribution
}

// KeyDistributionKind names how keys are picked.
type KeyDistributionKind string

const (
	KeysUniform    KeyDistributionKind = "uniform"
	KeysZipf       KeyDistributionKind = "zipf"
	KeysHotspot    KeyDistributionKind = "hotspot"
	KeysLatest     KeyDistributionKind = "latest"
	KeysSequential KeyDistributionKind = "sequential"
)

// KeyDistribution is a key popularity distribution.
type KeyDistribution struct {
	Kind KeyDistributionKind
	// ZipfS is the zipf exponent (YCSB uses 0.99); only for zipf.
	ZipfS float64
	// HotFraction of the keys receive HotShare of the operations; only for
	// hotspot.
	HotFraction float64
	HotShare    float64
}

// Values says how large written values are: uniformly in [MinBytes,
// MaxBytes]; both are equal for a fixed size.
type Values struct {
	MinBytes int
	MaxBytes int
}

// OpWeight is one entry of a phase's operation mix.
type OpWeight struct {
	Op     string
	Weight float64
}

// FaultKind names what a fault does.
type FaultKind string

const (
	FaultCrash     FaultKind = "crash"   // power loss: memory and unsynced disk are gone
	FaultKill      FaultKind = "kill"    // process crash: memory is gone, the page cache survives
	FaultRestart   FaultKind = "restart" // start a crashed or killed node again
	FaultPause     FaultKind = "pause"   // stop handling events (a GC stall, SIGSTOP)
	FaultResume    FaultKind = "resume"
	FaultPartition FaultKind = "partition"
	FaultOneWay    FaultKind = "one_way"
	FaultHeal      FaultKind = "heal" // undo every partition and one-way cut
	FaultClock     FaultKind = "clock"
	FaultDisk      FaultKind = "disk"
	FaultRandom    FaultKind = "random"
	// FaultEngine is an action the engine defines (engine.Actor), such as
	// a cache cluster's reshard; Fault.Action names it.
	FaultEngine FaultKind = "engine"
)

// Fault is one entry of the fault schedule. Exactly one of the kind
// specific fields is set, as Kind says.
type Fault struct {
	Line int
	Kind FaultKind
	// At is when the fault first happens, from the start of the run (an
	// `after:` in the file is resolved against the previous fault).
	At time.Duration
	// Every repeats the fault with this period; zero means once.
	Every time.Duration
	// Until bounds the repetitions: a repetition starts only before Until.
	// It is the scenario duration when the file gives none; zero when
	// Every is zero, except for random faults where it ends the nemesis.
	Until time.Duration
	// For undoes the fault after this long (restart a crashed node, resume
	// a paused one, heal a partition, reset a clock, stop disk errors);
	// zero means it stays until another fault undoes it.
	For time.Duration

	// Nodes the fault hits: crash, kill, restart, pause, resume.
	Nodes []node.ID
	// Partition splits the listed nodes into groups that cannot talk to
	// each other. Nodes not listed, and all clients, still reach everyone.
	Partition [][]node.ID
	OneWay    *OneWay
	Clock     *ClockFault
	Disk      *DiskFault
	Random    *RandomFaults
	// Action and Params are an engine action's name and parameters
	// (Kind FaultEngine); the engine's operator performs it.
	Action string
	Params *yaml.Node
}

// OneWay drops every message from a node of From to a node of To; the
// opposite direction still works.
type OneWay struct {
	From []node.ID
	To   []node.ID
}

// ClockFault moves a node's clock by Offset and makes it run fast (or
// slow, negative) by DriftPPM parts per million.
type ClockFault struct {
	Node     node.ID
	Offset   time.Duration
	DriftPPM float64
}

// DiskFaultKind names what a failing disk does.
type DiskFaultKind string

const (
	DiskEIO  DiskFaultKind = "eio"  // operations fail with node.ErrIO
	DiskFull DiskFaultKind = "full" // writes fail with node.ErrNoSpace
)

// DiskFault makes each disk operation of Node fail with Probability.
type DiskFault struct {
	Node        node.ID
	Fault       DiskFaultKind
	Probability float64
}

// RandomFaults is a nemesis: from the fault's At until its Until, faults
// of the listed kinds hit the listed nodes at Rate (Poisson arrivals drawn
// from the run seed), each undone after For.
type RandomFaults struct {
	Rate  Rate
	Kinds []FaultKind
	Nodes []node.ID
	For   time.Duration
}

// CheckKind names a check. The built-in kinds are below; an engine adds
// its own through Engine.Checks.
type CheckKind string

const (
	CheckLinearizable    CheckKind = "linearizable"
	CheckLostAckedWrites CheckKind = "lost_acked_writes"
	CheckLatency         CheckKind = "latency"
	CheckErrorRate       CheckKind = "error_rate"
)

// Check is one entry of the checks list. For a built-in kind the matching
// field is set; for an engine check, Params holds its parameters as
// written (validated by the engine if it implements CheckValidator).
type Check struct {
	Line            int
	Kind            CheckKind
	Linearizable    *LinearizableCheck
	LostAckedWrites *LostAckedWritesCheck
	Latency         *LatencyCheck
	ErrorRate       *ErrorRateCheck
	Params          *yaml.Node
}

// LinearizableCheck runs porcupine on the history with Model, giving up
// (verdict unknown) after Timeout of real time.
type LinearizableCheck struct {
	Model   string
	Timeout time.Duration
}

// LostAckedWritesCheck bounds acknowledged writes that a later read shows
// to be gone. With Window set, only writes acknowledged at least Window
// before a crash count; MaxLost is how many of those may be lost.
type LostAckedWritesCheck struct {
	MaxLost int
	Window  time.Duration
}

// LatencyCheck sets upper bounds on latency percentiles of Op (all ops
// when empty) in Phase (all phases when empty). A zero bound is unset.
type LatencyCheck struct {
	Op    string
	Phase string
	P50   time.Duration
	P90   time.Duration
	P99   time.Duration
	P999  time.Duration
	Max   time.Duration
}

// ErrorRateCheck bounds the fraction of operations that failed or timed
// out, for Op and Phase as in LatencyCheck.
type ErrorRateCheck struct {
	Op    string
	Phase string
	Max   float64
}
