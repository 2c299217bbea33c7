package cachelab

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"syslab/engines/cache"
	"syslab/engines/cache/cluster"
	"syslab/engines/cache/resp"
	"syslab/lab/engine"
	"syslab/node"
)

// The cluster client, like go-redis's ClusterClient: it keeps a slot map
// (which master serves each slot, and its replicas), sends each command to
// the owner of its key's slot, and
//
//   - on MOVED updates the slot and reloads the whole map with CLUSTER
//     SLOTS, then sends the command again to the named node;
//   - on ASK sends ASKING and the command to the named node, once, without
//     touching the map;
//   - on TRYAGAIN or CLUSTERDOWN waits (backoff doubling from
//     clusterRetryDelayFirst to clusterRetryDelayMax) and tries again;
//   - gives up after clusterAttemptsMax tries with the last error.
//
// Every one of these answers means the command did not run, so a retried
// operation is still one operation in the history, with the outcome of its
// last try. A try that gets no answer is never retried: the lab's timeout
// reports the operation indefinite (it may have run), and the client
// reloads its slot map from another node in case the silent one died.

const (
	// clusterAttemptsMax bounds the tries of one operation (go-redis's
	// MaxRedirects is 3; failover takes several CLUSTERDOWN rounds).
	clusterAttemptsMax     = 8
	clusterRetryDelayFirst = 10 * time.Millisecond
	clusterRetryDelayMax   = 320 * time.Millisecond
	// clusterSilence is how long a try may go unanswered before the
	// client suspects its node and reloads the slot map elsewhere.
	clusterSilence = 150 * time.Millisecond
	// clusterCallsMax bounds the commands in flight per client process;
	// beyond it an operation fails at once (the client is overwhelmed).
	clusterCallsMax = 10000
)

// redirectCounts are what one client saw. Each client counts alone (in
// live mode on its own goroutine); the run adds them up once it is over.
type redirectCounts struct {
	moved, ask, tryAgain, clusterDown, slotReloads, replicaReads int
}

// sumCounts is what all the clients of a run saw, for the report.
func sumCounts(all []*redirectCounts) map[string]float64 {
	var t redirectCounts
	for _, r := range all {
		t.moved += r.moved
		t.ask += r.ask
		t.tryAgain += r.tryAgain
		t.clusterDown += r.clusterDown
		t.slotReloads += r.slotReloads
		t.replicaReads += r.replicaReads
	}
	return map[string]float64{
		"client_moved":         float64(t.moved),
		"client_ask":           float64(t.ask),
		"client_tryagain":      float64(t.tryAgain),
		"client_clusterdown":   float64(t.clusterDown),
		"client_slot_reloads":  float64(t.slotReloads),
		"client_replica_reads": float64(t.replicaReads),
	}
}

// slotMap is a client's view of the cluster.
type slotMap struct {
	owner    [cluster.SlotCount]node.ID
	replicas map[node.ID][]node.ID // master → its replicas, sorted as CLUSTER SLOTS lists them
}

// load replaces the map with a CLUSTER SLOTS answer; slots it leaves out
// keep their last known owner.
func (m *slotMap) load(ranges []slotRange) {
	m.replicas = map[node.ID][]node.ID{}
	for _, r := range ranges {
		for s := r.first; s <= r.last; s++ {
			m.owner[s] = r.master
		}
		m.replicas[r.master] = r.replicas
	}
}

// clusterOp is one operation of the workload on its way through tries.
type clusterOp struct {
	seq      uint64 // the lab's
	op       engine.Op
	args     [][]byte
	slot     int
	attempts int
	delay    time.Duration // before the next TRYAGAIN/CLUSTERDOWN retry
	// waitSeq is the WAIT sent after this try's write (0: none); written
	// holds the write's own answer until WAIT's arrives.
	waitSeq uint64
	written *engine.Outcome
}

// callRole says what a command in flight is for.
type callRole uint8

const (
	roleCommand callRole = iota + 1 // the operation's own command
	roleWait                        // WAIT after a write
	roleAux                         // ASKING or READONLY: the answer is +OK
	roleSlots                       // CLUSTER SLOTS, reloading the map
)

type clientCall struct {
	op   *clusterOp
	role callRole
}

type clusterClient struct {
	cfg     clientSettings
	rng     *rand.Rand
	counts  *redirectCounts
	slots   slotMap
	masters []node.ID // the masters of the start, to reload the map from

	callSeq   uint64
	calls     map[uint64]clientCall
	reloading bool
	readonly  map[node.ID]bool // replicas this client sent READONLY
}

func newClusterClient(layout clusterLayout, cfg clientSettings, counts *redirectCounts, r *rand.Rand) *clusterClient {
	c := &clusterClient{cfg: cfg, rng: r, counts: counts, masters: layout.masters, calls: map[uint64]clientCall{}, readonly: map[node.ID]bool{}}
	c.slots.load(layout.slotRanges())
	return c
}

var _ engine.Conversation = (*clusterClient)(nil)

// Converses: every operation, since any may be redirected.
func (c *clusterClient) Converses(string) bool { return true }

func (c *clusterClient) Begin(x engine.Exchange, seq uint64, op engine.Op) {
	if !contains(clusterOps, op.Kind) {
		x.Finish(seq, engine.Outcome{Status: "fail", Error: "client: " + op.Kind + " is not supported in cluster mode"})
		return
	}
	o := &clusterOp{seq: seq, op: op, args: commandArgs(op), slot: cluster.KeySlot([]byte(op.Key)), delay: clusterRetryDelayFirst}
	c.try(x, o, "")
}

// commandArgs is the one Redis command that performs a simple operation.
func commandArgs(op engine.Op) [][]byte {
	key := []byte(op.Key)
	switch op.Kind {
	case "get":
		return [][]byte{[]byte("GET"), key}
	case "set":
		return [][]byte{[]byte("SET"), key, []byte(op.Value)}
	case "read_through":
		return [][]byte{[]byte("SET"), key, []byte(op.Value), []byte("GET")}
	case "del":
		return [][]byte{[]byte("DEL"), key}
	case "incr":
		return [][]byte{[]byte("INCR"), key}
	}
	// The loader lets through only the names Ops lists, and Build refuses
	// the others in cluster mode.
	panic("cachelab: cluster client: unknown op " + op.Kind)
}

func isWrite(kind string) bool { return kind != "get" }

// try sends o once: to askTo with ASKING first when set, else to a
// replica for a READONLY read, else to the slot's owner.
func (c *clusterClient) try(x engine.Exchange, o *clusterOp, askTo node.ID) {
	o.attempts++
	o.waitSeq, o.written = 0, nil
	to := c.slots.owner[o.slot]
	switch {
	case askTo != "":
		to = askTo
		c.send(x, to, clientCall{role: roleAux}, []byte("ASKING"))
	case c.cfg.ReplicaReads && o.op.Kind == "get":
		if rs := c.slots.replicas[to]; len(rs) > 0 {
			to = rs[c.rng.IntN(len(rs))]
			if !c.readonly[to] {
				c.readonly[to] = true
				c.send(x, to, clientCall{role: roleAux}, []byte("READONLY"))
			}
			c.counts.replicaReads++
		}
	}
	switch {
	case to == "":
		x.Finish(o.seq, engine.Outcome{Status: "fail", Error: "CLUSTERDOWN the client knows no node serving this slot"})
		return
	case len(c.calls) >= clusterCallsMax:
		x.Finish(o.seq, engine.Outcome{Status: "fail", Error: "client: too many commands in flight"})
		return
	}
	seq := c.send(x, to, clientCall{op: o, role: roleCommand}, o.args...)
	if c.cfg.WaitReplicas > 0 && isWrite(o.op.Kind) {
		o.waitSeq = c.send(x, to, clientCall{op: o, role: roleWait}, []byte("WAIT"),
			[]byte(strconv.Itoa(c.cfg.WaitReplicas)), []byte(strconv.FormatInt(c.cfg.WaitTimeout.Milliseconds(), 10)))
	}
	x.After(clusterSilence, func() {
		if _, pending := c.calls[seq]; pending {
			c.reload(x, to)
		}
	})
}

// send sends one command and remembers what it is for.
func (c *clusterClient) send(x engine.Exchange, to node.ID, call clientCall, args ...[]byte) uint64 {
	c.callSeq++
	seq := callSeqBase + c.callSeq
	c.calls[seq] = call
	x.Send(to, cache.Command{Seq: seq, Args: args})
	// A call nobody answers (its node died) is forgotten after
	// callTimeout, so calls stays bounded by the request rate.
	x.After(callTimeout, func() { delete(c.calls, seq) })
	return seq
}

// reload asks a master other than avoid for CLUSTER SLOTS, unless a
// reload is in flight already.
func (c *clusterClient) reload(x engine.Exchange, avoid node.ID) {
	if c.reloading || len(c.masters) == 0 {
		return
	}
	to := c.masters[c.rng.IntN(len(c.masters))]
	if to == avoid && len(c.masters) > 1 {
		to = c.masters[(indexOf(c.masters, to)+1+c.rng.IntN(len(c.masters)-1))%len(c.masters)]
	}
	c.reloading = true
	c.counts.slotReloads++
	seq := c.send(x, to, clientCall{role: roleSlots}, []byte("CLUSTER"), []byte("SLOTS"))
	x.After(clusterSilence, func() {
		if _, pending := c.calls[seq]; pending {
			delete(c.calls, seq)
			c.reloading = false
		}
	})
}

func indexOf(ids []node.ID, id node.ID) int {
	for i, x := range ids {
		if x == id {
			return i
		}
	}
	return -1
}

func (c *clusterClient) Deliver(x engine.Exchange, from node.ID, msg node.Message) bool {
	r, ok := msg.(cache.Reply)
	if !ok || r.Seq < callSeqBase {
		return false
	}
	call, known := c.calls[r.Seq]
	if !known {
		return true // a reply to a call already settled or forgotten
	}
	delete(c.calls, r.Seq)
	switch call.role {
	case roleSlots:
		c.reloading = false
		if ranges, err := parseClusterSlots(r.Value); err == nil && len(ranges) > 0 {
			c.slots.load(ranges)
		}
	case roleWait:
		c.waitAnswer(x, call.op, r.Value)
	case roleCommand:
		c.answer(x, call.op, r.Value)
	}
	return true
}

// waitAnswer finishes a write with the number of replicas WAIT counted:
// fewer than asked leaves the write indefinite, as an application that
// demanded them could not count on it.
func (c *clusterClient) waitAnswer(x engine.Exchange, o *clusterOp, v resp.Value) {
	if o.written == nil {
		return // the write was refused or redirected: its WAIT means nothing
	}
	out := *o.written
	o.written = nil
	if v.Kind != resp.Integer || v.Int < int64(c.cfg.WaitReplicas) {
		out = engine.Outcome{Status: "info", Error: fmt.Sprintf("WAIT %d: only %d replicas acknowledged the write", c.cfg.WaitReplicas, v.Int)}
	}
	x.Finish(o.seq, out)
}

// answer handles the reply to one try of o.
func (c *clusterClient) answer(x engine.Exchange, o *clusterOp, v resp.Value) {
	if v.Kind != resp.Error {
		out := outcome(v)
		if o.waitSeq != 0 {
			o.written = &out // finished by WAIT's answer, which follows
			return
		}
		x.Finish(o.seq, out)
		return
	}
	if o.waitSeq != 0 {
		delete(c.calls, o.waitSeq)
		o.waitSeq = 0
	}
	msg := string(v.Str)
	code, _, _ := strings.Cut(msg, " ")
	retry := code == "MOVED" || code == "ASK" || code == "TRYAGAIN" || code == "CLUSTERDOWN"
	if !retry {
		x.Finish(o.seq, outcome(v))
		return
	}
	if o.attempts >= clusterAttemptsMax {
		x.Finish(o.seq, engine.Outcome{Status: "fail", Error: msg})
		return
	}
	switch code {
	case "MOVED", "ASK":
		rd, err := parseRedirect(msg)
		if err != nil {
			x.Finish(o.seq, engine.Outcome{Status: "fail", Error: err.Error()})
			return
		}
		if rd.ask {
			c.counts.ask++
			c.try(x, o, rd.to)
			return
		}
		c.counts.moved++
		c.slots.owner[rd.slot] = rd.to
		// A replica that restarted forgot READONLY and redirects reads to
		// its master: say READONLY again before the next replica read.
		clear(c.readonly)
		c.reload(x, "")
		c.try(x, o, "")
	default: // TRYAGAIN, CLUSTERDOWN
		if code == "TRYAGAIN" {
			c.counts.tryAgain++
		} else {
			c.counts.clusterDown++
		}
		delay := o.delay
		o.delay = min(2*o.delay, clusterRetryDelayMax)
		x.After(delay, func() { c.try(x, o, "") })
	}
}

// Request and Reply serve the lab's final reads, one GET at a time: a
// MOVED answer updates the map before the lab's retry.
func (c *clusterClient) Request(seq uint64, op engine.Op) (node.ID, node.Message) {
	return c.slots.owner[cluster.KeySlot([]byte(op.Key))], cache.Command{Seq: seq, Args: commandArgs(op)}
}

func (c *clusterClient) Reply(msg node.Message) (uint64, engine.Outcome, bool) {
	r, ok := msg.(cache.Reply)
	if !ok || r.Seq >= callSeqBase {
		return 0, engine.Outcome{}, false
	}
	if r.Value.Kind == resp.Error {
		if rd, err := parseRedirect(string(r.Value.Str)); err == nil && !rd.ask {
			c.slots.owner[rd.slot] = rd.to
		}
	}
	return r.Seq, outcome(r.Value), true
}
