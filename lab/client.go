package lab

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"time"

	"syslab/check"
	"syslab/lab/engine"
	"syslab/loadgen"
	"syslab/node"
)

// clientQueueOpsMax bounds the operations an open-loop client holds back
// while its connection is busy. Arrivals beyond it are dropped and counted:
// the client cannot keep up with the rate asked of it.
const clientQueueOpsMax = 10000

// clientConversationsMax bounds the conversations (engine.Conversation
// operations) one client process keeps going at once; arrivals beyond it
// are dropped and counted like a full queue.
const clientConversationsMax = 10000

// pendingOp is an operation a client has decided to issue.
type pendingOp struct {
	op       engine.Op
	intended time.Duration // when the schedule wanted it to start
	sent     time.Duration
	seq      uint64
	timer    node.Timer
}

// clientProc is one simulated client process: a node of the world that
// issues a phase's operations over one connection, one at a time, and
// records each in the run's history. Open loop, it follows its arrival
// schedule whatever the server does, so queueing delay is measured from the
// intended start (no coordinated omission). Closed loop, it issues the next
// operation as soon as the previous one returned.
type clientProc struct {
	id    int
	phase *Phase
	proto engine.Client
	rec   *recorder
	rng   *rand.Rand
	keys  loadgen.KeyChooser
	mix   *loadgen.Mix
	gap   func() time.Duration // open loop only
	// due is when the open-loop schedule wants the next arrival. The
	// schedule advances from it, not from when the timer fired: a live
	// timer that fires late must not slow the schedule down (the
	// operations it delayed are late, and their latency says so).
	due    time.Duration
	values valueSource

	env      node.Env
	now      func() time.Duration
	seq      uint64
	queue    []pendingOp
	inflight *pendingOp
	issued   int

	conv    engine.Conversation   // proto, when it has conversations
	talking map[uint64]*pendingOp // conversations in progress, by seq
}

func (c *clientProc) Start(env node.Env) {
	c.env = env
	first := c.phase.Start
	if c.phase.OpenLoop() {
		// Spread the clients' first arrivals over one gap so they do not
		// all fire in the same instant.
		first += time.Duration(c.rng.Float64() * float64(c.gap()))
	}
	c.due = first
	c.at(first, c.arrive)
}

// at runs fn at virtual time t (or now, if t has passed).
func (c *clientProc) at(t time.Duration, fn func()) {
	d := t - c.now()
	if d < 0 {
		d = 0
	}
	c.env.After(d, fn)
}

func (c *clientProc) arrive() {
	now := c.now()
	if c.phase.OpenLoop() {
		now = c.due // in the simulator the same instant; live, maybe earlier
	}
	if now >= c.phase.End() {
		return
	}
	op := c.nextOp()
	if c.conv != nil && c.conv.Converses(op.Kind) {
		c.converse(pendingOp{op: op, intended: now})
	} else if len(c.queue) >= clientQueueOpsMax {
		c.rec.dropped(op.Kind)
	} else {
		c.queue = append(c.queue, pendingOp{op: op, intended: now})
	}
	if c.phase.OpenLoop() {
		c.due = now + c.gap()
		c.at(c.due, c.arrive)
	}
	c.pump()
}

func (c *clientProc) nextOp() engine.Op {
	c.issued++
	kind := c.mix.Next(c.rng)
	key := c.phase.Keys.Prefix + strconv.Itoa(c.keys.Next(c.rng))
	op := engine.Op{Kind: kind, Key: key}
	if kind == "set" {
		op.Value = c.values.next(c.rng, c.id, c.issued)
	}
	return op
}

// pump sends the next queued operation if the connection is free.
func (c *clientProc) pump() {
	if c.inflight != nil || len(c.queue) == 0 {
		return
	}
	p := c.queue[0]
	c.queue = c.queue[1:]
	if len(c.queue) == 0 {
		c.queue = nil // let the backing array go
	}
	c.seq++
	p.seq = c.seq
	p.sent = c.now()
	to, msg := c.proto.Request(p.seq, p.op)
	c.env.Send(to, msg)
	seq := p.seq
	p.timer = c.env.After(c.phase.Timeout, func() { c.timeout(seq) })
	c.inflight = &p
}

func (c *clientProc) timeout(seq uint64) {
	if c.inflight == nil || c.inflight.seq != seq {
		return
	}
	c.finish(engine.Timeout(c.phase.Timeout))
}

// converse starts a conversation now, beside any others in progress.
func (c *clientProc) converse(p pendingOp) {
	if len(c.talking) >= clientConversationsMax {
		c.rec.dropped(p.op.Kind)
		return
	}
	if c.talking == nil {
		c.talking = map[uint64]*pendingOp{}
	}
	c.seq++
	p.seq = c.seq
	p.sent = c.now()
	seq := p.seq
	p.timer = c.env.After(c.phase.Timeout, func() { c.endConversation(seq, engine.Timeout(c.phase.Timeout)) })
	c.talking[seq] = &p
	c.conv.Begin(exchange{c}, seq, p.op)
}

// endConversation records conversation seq's outcome, once.
func (c *clientProc) endConversation(seq uint64, out engine.Outcome) {
	p, ok := c.talking[seq]
	if !ok {
		return // timed out already, or finished twice
	}
	delete(c.talking, seq)
	p.timer.Stop()
	c.rec.record(c.id, c.phase, p, out, c.now())
	if !c.phase.OpenLoop() {
		c.at(c.now(), c.arrive)
	}
}

// exchange is a conversation's view of its client process.
type exchange struct{ c *clientProc }

func (x exchange) Now() time.Time                    { return x.c.env.Now() }
func (x exchange) Send(to node.ID, msg node.Message) { x.c.env.Send(to, msg) }
func (x exchange) After(d time.Duration, fn func()) node.Timer {
	return x.c.env.After(d, fn)
}
func (x exchange) Finish(seq uint64, out engine.Outcome) { x.c.endConversation(seq, out) }

func (c *clientProc) Receive(from node.ID, msg node.Message) {
	if c.conv != nil && c.conv.Deliver(exchange{c}, from, msg) {
		return
	}
	seq, out, ok := c.proto.Reply(msg)
	if !ok || c.inflight == nil || seq != c.inflight.seq {
		return // a reply to an operation we already gave up on
	}
	c.inflight.timer.Stop()
	c.finish(out)
}

func (c *clientProc) finish(out engine.Outcome) {
	p := c.inflight
	c.inflight = nil
	c.rec.record(c.id, c.phase, p, out, c.now())
	if !c.phase.OpenLoop() {
		c.at(c.now(), c.arrive)
	}
	c.pump()
}

// valueSource makes written values: unique per write, so that a read names
// the one write it saw, padded to the phase's size.
type valueSource struct {
	minBytes, maxBytes int
}

func (v valueSource) next(r *rand.Rand, client, n int) string {
	id := fmt.Sprintf("c%d-%d", client, n)
	size := v.minBytes
	if v.maxBytes > v.minBytes {
		size += r.IntN(v.maxBytes - v.minBytes + 1)
	}
	if size <= len(id) {
		return id
	}
	return id + ":" + strings.Repeat("x", size-len(id)-1)
}

// recorder collects the history of a run and its latencies. Live clients
// record from their own goroutines, hence the lock; in the simulator it is
// never contended.
type recorder struct {
	mu          sync.Mutex
	history     check.History
	latency     map[string]*loadgen.Recorder // by op kind
	perPhase    map[string]*loadgen.Recorder // by "phase/op"
	droppedOps  map[string]int
	completions []completion
}

// completion is one finished operation, for the time series.
type completion struct {
	at      time.Duration
	latency time.Duration
	ok      bool
}

func newRecorder() *recorder {
	return &recorder{
		latency:    map[string]*loadgen.Recorder{},
		perPhase:   map[string]*loadgen.Recorder{},
		droppedOps: map[string]int{},
	}
}

func (r *recorder) dropped(kind string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.droppedOps[kind]++
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.history.Ops)
}

func (r *recorder) record(client int, phase *Phase, p *pendingOp, out engine.Outcome, now time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	op := check.Op{
		Client: client,
		Kind:   p.op.Kind,
		Key:    p.op.Key,
		Status: check.Status(out.Status),
		Error:  out.Error,
		Call:   p.sent,
		Return: now,
	}
	switch p.op.Kind {
	case "set":
		op.Input = p.op.Value
	case "incr":
		op.Input = "1"
	}
	if out.Status == "ok" {
		op.Output, op.Nil = out.Output, out.Nil
	}
	r.history.Ops = append(r.history.Ops, op)
	if phase == nil {
		return // the final reads are checked, not measured
	}
	// Open loop: latency counts from when the operation should have
	// started, so time spent queued behind a slow one is not hidden.
	start := p.sent
	if phase.OpenLoop() {
		start = p.intended
	}
	latency := now - start
	r.histogram(r.latency, p.op.Kind).Record(latency)
	r.histogram(r.perPhase, phase.Name+"/"+p.op.Kind).Record(latency)
	r.completions = append(r.completions, completion{at: now, latency: latency, ok: out.Status == "ok"})
}

func (r *recorder) histogram(m map[string]*loadgen.Recorder, name string) *loadgen.Recorder {
	h, ok := m[name]
	if !ok {
		h = loadgen.NewRecorder()
		m[name] = h
	}
	return h
}
