package sim

import (
	"fmt"
	"math/rand/v2"
	"time"

	"syslab/node"
)

// simNode is one node of the world across its incarnations. Memory (the
// Handler), timers and the inbox belong to an incarnation; the disk, the
// clock and the metrics belong to the node and outlive crashes.
type simNode struct {
	id      node.ID
	index   int32 // endpoint index
	factory node.Factory

	// The running incarnation. inc changes whenever an incarnation ends, so
	// events, timers and file handles stamped with an older inc are stale.
	inc     uint32
	starts  uint32 // incarnations started so far; names the Rand stream
	up      bool
	paused  bool
	handler node.Handler
	coster  node.Coster // handler's Coster, nil if it has none or the CPU is off
	env     *env

	// CPU: the node works on one item at a time; what arrives meanwhile
	// waits in the inbox.
	cpu            bool
	busyUntil      time.Duration
	cpuFreePending bool // a kindCPUFree event for this incarnation is queued
	inbox          inbox
	inboxMsgs      int // messages (not timer firings) in the inbox
	inboxMsgMax    int

	// Set while the node's handler runs.
	running  bool
	runStart time.Duration // true time the handler started
	runLocal time.Duration // node clock when the handler started
	accrued  time.Duration // disk latency charged so far in this handler
	outbox   []outMessage  // sends held until the handler's work is done

	clock   clock
	disk    *Disk
	metrics *nodeMetrics
}

type outMessage struct {
	to  int32
	msg node.Message
}

// nodeTime is the true time as seen from inside the node's running work:
// the handler's start plus the disk latency it has been charged.
func (n *simNode) nodeTime(w *World) time.Duration {
	if n.running {
		return n.runStart + n.accrued
	}
	return w.now
}

func (w *World) scheduleStart(n *simNode) {
	w.queue.push(event{at: w.now, kind: kindStart, to: n.index, from: -1, inc: n.inc})
}

// start boots a new incarnation, unless a later fault made this start stale.
func (w *World) start(n *simNode, inc uint32) {
	if n.inc != inc || n.up {
		return
	}
	n.starts++
	n.handler = n.factory()
	if n.handler == nil {
		panic(fmt.Sprintf("sim: factory of node %q returned a nil Handler", n.id))
	}
	n.coster = nil
	if c, ok := n.handler.(node.Coster); ok && n.cpu {
		n.coster = c
	}
	purpose := "node/" + string(n.id)
	if n.starts > 1 {
		purpose = fmt.Sprintf("node/%s#%d", n.id, n.starts)
	}
	n.env = &env{w: w, n: n, inc: n.inc, rng: newStream(w.cfg.Seed, purpose)}
	n.up = true
	w.beginRun(n)
	n.handler.Start(n.env)
	w.endRun(n, 0)
}

// down ends the running incarnation: memory, timers, inbox and queued CPU
// work are gone. The disk is the caller's business (Crash vs Kill).
func (w *World) down(n *simNode) {
	if n.running {
		panic(fmt.Sprintf("sim: node %q taken down from inside its own handler", n.id))
	}
	n.inc++
	n.up = false
	n.paused = false
	n.handler = nil
	n.coster = nil
	n.env = nil
	n.inbox.clear()
	n.inboxMsgs = 0
	n.busyUntil = w.now
	n.cpuFreePending = false
}

// arrive hands a message or timer firing to the node's CPU: it runs now if
// the node is idle, or waits in the inbox in arrival order.
func (w *World) arrive(n *simNode, item inboxItem) {
	if !n.paused && n.inbox.len() == 0 && w.now >= n.busyUntil {
		w.execute(n, item)
		return
	}
	if item.timer == nil {
		if n.inboxMsgs >= n.inboxMsgMax {
			w.stats.DroppedInboxFull++
			return
		}
		n.inboxMsgs++
	}
	n.inbox.push(item)
	w.scheduleCPUFree(n)
}

func (w *World) scheduleCPUFree(n *simNode) {
	if n.paused || n.cpuFreePending || n.inbox.len() == 0 {
		return
	}
	at := n.busyUntil
	if at < w.now {
		at = w.now
	}
	n.cpuFreePending = true
	w.queue.push(event{at: at, kind: kindCPUFree, to: n.index, from: -1, inc: n.inc})
}

// drainInbox runs queued work while the CPU is free at the current time.
func (w *World) drainInbox(n *simNode) {
	for n.up && !n.paused && n.inbox.len() > 0 && w.now >= n.busyUntil {
		item := n.inbox.pop()
		if item.timer == nil {
			n.inboxMsgs--
		}
		w.execute(n, item)
	}
	w.scheduleCPUFree(n)
}

// execute runs one message or timer firing on the node's handler.
func (w *World) execute(n *simNode, item inboxItem) {
	var cost time.Duration
	if t := item.timer; t != nil {
		if t.state != timerPending {
			return // stopped while it waited in the inbox
		}
		t.state = timerFired
		w.stats.TimersFired++
		w.beginRun(n)
		t.fn()
	} else {
		w.stats.MessagesDelivered++
		w.beginRun(n)
		n.handler.Receive(w.endpoints[item.from].id, item.msg)
		// Cost is asked after Receive so a handler may price the work it
		// just did (keys scanned, bytes copied).
		if n.coster != nil {
			cost = n.coster.Cost(item.msg)
			if cost < 0 {
				panic(fmt.Sprintf("sim: node %q: Cost(%T) = %v is negative", n.id, item.msg, cost))
			}
		}
	}
	w.endRun(n, cost)
}

func (w *World) beginRun(n *simNode) {
	if w.current != nil {
		panic(fmt.Sprintf("sim: node %q handler started while %q's runs", n.id, w.current.id))
	}
	w.current = n
	n.running = true
	n.runStart = w.now
	n.runLocal = n.clock.local(w.now)
	n.accrued = 0
}

// endRun finishes a handler: the CPU is busy until its work is done and the
// messages it sent leave then, so no reply is visible before the work is.
func (w *World) endRun(n *simNode, cost time.Duration) {
	end := n.runStart + n.accrued + cost
	n.busyUntil = end
	n.running = false
	w.current = nil
	for i := range n.outbox {
		w.transmit(n.index, n.outbox[i].to, n.outbox[i].msg, end)
		n.outbox[i] = outMessage{}
	}
	n.outbox = n.outbox[:0]
}

// inboxItem is a message or a timer firing waiting for the CPU.
type inboxItem struct {
	msg   node.Message
	timer *timer
	from  int32
}

// inbox is a FIFO ring buffer; its length is bounded by the caller
// (inboxMsgMax messages plus the node's pending timers).
type inbox struct {
	items []inboxItem
	head  int
	count int
}

func (q *inbox) len() int { return q.count }

func (q *inbox) push(item inboxItem) {
	if q.count == len(q.items) {
		grown := make([]inboxItem, max(16, 2*len(q.items)))
		for i := 0; i < q.count; i++ {
			grown[i] = q.items[(q.head+i)%len(q.items)]
		}
		q.items, q.head = grown, 0
	}
	q.items[(q.head+q.count)%len(q.items)] = item
	q.count++
}

func (q *inbox) pop() inboxItem {
	if q.count == 0 {
		panic("sim: pop from an empty inbox")
	}
	item := q.items[q.head]
	q.items[q.head] = inboxItem{}
	q.head = (q.head + 1) % len(q.items)
	q.count--
	return item
}

func (q *inbox) clear() {
	clear(q.items)
	q.head, q.count = 0, 0
}

// env is the node.Env of one incarnation. Once the incarnation ends every
// method is inert: sends vanish, timers never fire, files are closed.
type env struct {
	w   *World
	n   *simNode
	inc uint32
	rng *rand.Rand
}

var _ node.Env = (*env)(nil)

func (e *env) alive() bool { return e.n.up && e.n.inc == e.inc }

func (e *env) Self() node.ID { return e.n.id }

func (e *env) Now() time.Time {
	n := e.n
	if n.running {
		return Epoch.Add(n.runLocal + n.accrued)
	}
	return Epoch.Add(n.clock.local(e.w.now))
}

func (e *env) Send(to node.ID, msg node.Message) {
	if !e.alive() {
		return
	}
	w := e.w
	toIdx := w.intern(to)
	if e.n.running {
		e.n.outbox = append(e.n.outbox, outMessage{to: toIdx, msg: msg})
		return
	}
	w.transmit(e.n.index, toIdx, msg, w.now)
}

func (e *env) Disk() node.Disk { return nodeDisk{d: e.n.disk, inc: e.inc} }

func (e *env) Rand() *rand.Rand { return e.rng }

func (e *env) Logf(format string, args ...any) {
	if e.w.cfg.Log == nil {
		return
	}
	line := fmt.Sprintf(format, args...)
	fmt.Fprintf(e.w.cfg.Log, "%v %s: %s\n", e.n.nodeTime(e.w), e.n.id, line)
}

func (e *env) Metrics() node.Metrics { return e.n.metrics }
