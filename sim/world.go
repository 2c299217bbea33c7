package sim

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"time"

	"syslab/node"
)

// World is a deterministic simulation of nodes, a network and disks in
// virtual time. It is not safe for concurrent use: one goroutine drives it.
type World struct {
	cfg     Config
	network distribution // compiled Config.Network.Latency, shared by default links
	now     time.Duration
	queue   eventQueue

	endpoints []endpoint        // by index; nodes and external IDs alike
	indexOf   map[node.ID]int32 // ID -> endpoint index
	nodeIDs   []node.ID         // sorted IDs of the nodes (not external endpoints)
	links     map[uint64]*link  // (from, to) -> link state, created on first use
	overrides map[uint64]*linkModel
	blocks    map[uint64]struct{} // one-way blocks (from, to)
	cuts      []cut               // history of partitions and blocks, oldest first
	defaults  *linkModel

	current *simNode // node whose handler is running, nil between handlers

	hash      uint64
	typeCache typeFingerprints
	stats     Stats
}

// endpoint is anything a message can come from or go to. External IDs
// (clients that are not nodes, World.Send callers) are endpoints without a
// node, so they can be partitioned and have links like nodes.
type endpoint struct {
	id    node.ID
	node  *simNode // nil for an external endpoint
	group int32    // partition group; 0 = not in any group, reaches everyone
}

// New builds an empty world. It panics on an invalid Config (see
// Config.Validate).
func New(cfg Config) *World {
	if err := cfg.Validate(); err != nil {
		panic("sim: invalid config: " + err.Error())
	}
	w := &World{
		cfg:       cfg,
		indexOf:   make(map[node.ID]int32),
		links:     make(map[uint64]*link),
		overrides: make(map[uint64]*linkModel),
		blocks:    make(map[uint64]struct{}),
		hash:      fnvOffset,
	}
	w.defaults = compileLink(cfg.Network)
	return w
}

// AddNode adds a node; its first incarnation starts (Factory, then Start)
// as an event at the current virtual time. It panics if id is taken.
func (w *World) AddNode(id node.ID, f node.Factory, opts ...NodeOption) {
	if f == nil {
		panic(fmt.Sprintf("sim: AddNode(%q): nil factory", id))
	}
	idx := w.intern(id)
	if w.endpoints[idx].node != nil {
		panic(fmt.Sprintf("sim: AddNode(%q): node already exists", id))
	}
	o := nodeOptions{cpu: true, inboxMsgMax: inboxMessagesMax}
	for _, opt := range opts {
		opt(&o)
	}
	diskCfg := w.cfg.Disk
	if o.disk != nil {
		if err := o.disk.Validate(); err != nil {
			panic(fmt.Sprintf("sim: AddNode(%q): %v", id, err))
		}
		diskCfg = *o.disk
	}
	if o.inboxMsgMax < 1 {
		panic(fmt.Sprintf("sim: AddNode(%q): inbox bound %d must be at least 1", id, o.inboxMsgMax))
	}
	n := &simNode{
		id:          id,
		index:       idx,
		factory:     f,
		cpu:         o.cpu,
		inboxMsgMax: o.inboxMsgMax,
		metrics:     newNodeMetrics(),
	}
	n.disk = newDisk(w, n, diskCfg)
	w.endpoints[idx].node = n
	at := sort.Search(len(w.nodeIDs), func(i int) bool { return w.nodeIDs[i] >= id })
	w.nodeIDs = append(w.nodeIDs, "")
	copy(w.nodeIDs[at+1:], w.nodeIDs[at:])
	w.nodeIDs[at] = id
	w.scheduleStart(n)
}

// intern returns the endpoint index of id, creating the endpoint if new.
func (w *World) intern(id node.ID) int32 {
	if idx, ok := w.indexOf[id]; ok {
		return idx
	}
	idx := int32(len(w.endpoints))
	w.endpoints = append(w.endpoints, endpoint{id: id})
	w.indexOf[id] = idx
	return idx
}

func (w *World) mustNode(id node.ID) *simNode {
	if idx, ok := w.indexOf[id]; ok {
		if n := w.endpoints[idx].node; n != nil {
			return n
		}
	}
	panic(fmt.Sprintf("sim: unknown node %q", id))
}

// Now is the virtual time since the world started.
func (w *World) Now() time.Duration { return w.now }

// At runs fn as a world-level event at virtual time t (faults, lab steps).
// It panics if t is in the past.
func (w *World) At(t time.Duration, fn func()) {
	if t < w.now {
		panic(fmt.Sprintf("sim: At(%v) is before now (%v)", t, w.now))
	}
	w.queue.push(event{at: t, kind: kindFunc, fn: fn, to: -1, from: -1})
}

// After runs fn as a world-level event d from now.
func (w *World) After(d time.Duration, fn func()) {
	if d < 0 {
		d = 0
	}
	w.At(w.now+d, fn)
}

// Send injects msg from outside the world (from need not be a node) through
// the network model, leaving now.
func (w *World) Send(from, to node.ID, msg node.Message) {
	w.transmit(w.intern(from), w.intern(to), msg, w.now)
}

// Run processes every event with time <= until, then sets Now to until (if
// until is later). Events an event schedules at <= until run too.
func (w *World) Run(until time.Duration) {
	var realStart time.Time
	if w.cfg.RealClock != nil {
		realStart = w.cfg.RealClock()
	}
	for w.queue.len() > 0 && w.queue.peekTime() <= until {
		w.Step()
	}
	if until > w.now {
		w.now = until
	}
	if w.cfg.RealClock != nil {
		w.stats.Real += w.cfg.RealClock().Sub(realStart)
	}
}

// Step processes the earliest event; it returns false if there was none.
func (w *World) Step() bool {
	if w.queue.len() == 0 {
		return false
	}
	e := w.queue.pop()
	if e.at < w.now {
		panic(fmt.Sprintf("sim: event %v at %v is before now %v", e.kind, e.at, w.now))
	}
	w.now = e.at
	w.stats.EventsProcessed++
	w.dispatch(&e)
	return true
}

func (w *World) dispatch(e *event) {
	switch e.kind {
	case kindFunc, kindWriteback:
		w.record(e.kind, e.to, e.from, 0)
		e.fn()
	case kindStart:
		w.record(e.kind, e.to, -1, 0)
		w.start(w.endpoints[e.to].node, e.inc)
	case kindDeliver:
		w.record(e.kind, e.to, e.from, w.typeCache.fingerprint(e.msg))
		w.deliver(e)
	case kindTimer:
		w.record(e.kind, e.to, -1, 0)
		w.fireTimer(e.timer)
	case kindCPUFree:
		w.record(e.kind, e.to, -1, 0)
		n := w.endpoints[e.to].node
		if n.inc == e.inc {
			n.cpuFreePending = false
			w.drainInbox(n)
		}
	default:
		panic(fmt.Sprintf("sim: event of unknown kind %d", e.kind))
	}
}

// Stream returns a PRNG that depends only on (Seed, purpose): the same
// purpose always yields the same sequence, and streams of different
// purposes are independent, so adding a consumer of randomness never
// reshuffles another's choices.
func (w *World) Stream(purpose string) *rand.Rand {
	return newStream(w.cfg.Seed, purpose)
}

func newStream(seed uint64, purpose string) *rand.Rand {
	h := fnvString(purpose)
	return rand.New(rand.NewPCG(splitMix(seed^h), splitMix(h+seed*0x9e3779b97f4a7c15)))
}

// splitMix is SplitMix64's finalizer: it spreads nearby seeds far apart.
func splitMix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// Nodes returns the IDs of all nodes, sorted.
func (w *World) Nodes() []node.ID {
	return append([]node.ID(nil), w.nodeIDs...)
}

// Handler returns the running incarnation's Handler, nil if the node is down.
func (w *World) Handler(id node.ID) node.Handler {
	n := w.mustNode(id)
	if !n.up {
		return nil
	}
	return n.handler
}

// Up reports whether the node has a running incarnation (paused counts as up).
func (w *World) Up(id node.ID) bool { return w.mustNode(id).up }

// Paused reports whether the node is paused.
func (w *World) Paused(id node.ID) bool { return w.mustNode(id).paused }

// Disk returns the node's disk for inspection in tests and reports. Access
// through it is the operator's: no latency, no faults.
func (w *World) Disk(id node.ID) *Disk { return w.mustNode(id).disk }

// Stats is a snapshot of the world's counters. Real and EventsPerSec are
// wall-clock figures (only with Config.RealClock); they never enter the
// trace hash.
type Stats struct {
	EventsProcessed uint64
	Virtual         time.Duration

	MessagesSent       uint64 // handed to the network (Env.Send, World.Send)
	MessagesDelivered  uint64 // handed to a handler's Receive
	MessagesDuplicated uint64 // extra copies made by Duplicate
	MessagesDropped    uint64 // sum of the Dropped* counters
	DroppedLoss        uint64 // random loss
	DroppedPartition   uint64 // partitioned or blocked at send or at delivery
	DroppedDown        uint64 // receiver down, or restarted since the message was sent
	DroppedInboxFull   uint64 // receiver's inbox at its bound
	DroppedUnknown     uint64 // sent to an ID that is no node
	TimersFired        uint64

	Real         time.Duration
	EventsPerSec float64
}

// Stats returns the world's counters.
func (w *World) Stats() Stats {
	s := w.stats
	s.Virtual = w.now
	s.MessagesDropped = s.DroppedLoss + s.DroppedPartition + s.DroppedDown + s.DroppedInboxFull + s.DroppedUnknown
	if s.Real > 0 {
		s.EventsPerSec = float64(s.EventsProcessed) / s.Real.Seconds()
	}
	return s
}
