package sim

import "time"

// eventKind says what an event does when it is processed. Its numeric value
// is folded into the trace hash, so the order of this list is part of the
// trace format: append, never reorder.
type eventKind uint8

const (
	kindFunc      eventKind = iota + 1 // a world-level action (World.At)
	kindStart                          // a node incarnation boots
	kindDeliver                        // a message reaches a node's network interface
	kindTimer                          // a node's timer expires
	kindCPUFree                        // a busy node's CPU frees up and it may take the next inbox item
	kindWriteback                      // OS writeback makes a file's dirty data durable
	kindCrash                          // fault: power loss
	kindKill                           // fault: process killed
	kindRestart                        // fault: process restarted
	kindPause                          // fault: process stopped (GC stall, SIGSTOP)
	kindResume                         // fault: process continued
	kindPartition                      // fault: network partition changed
	kindHeal                           // fault: all partitions and blocks removed
	kindSetLink                        // fault: a link's configuration changed
	kindSetClock                       // fault: a node's clock offset or drift changed
	kindDiskFault                      // fault: a node's disk fault changed
)

var kindNames = [...]string{
	kindFunc: "func", kindStart: "start", kindDeliver: "deliver", kindTimer: "timer",
	kindCPUFree: "cpu-free", kindWriteback: "writeback", kindCrash: "crash", kindKill: "kill",
	kindRestart: "restart", kindPause: "pause", kindResume: "resume", kindPartition: "partition",
	kindHeal: "heal", kindSetLink: "set-link", kindSetClock: "set-clock", kindDiskFault: "disk-fault",
}

func (k eventKind) String() string {
	if int(k) < len(kindNames) && kindNames[k] != "" {
		return kindNames[k]
	}
	return "unknown"
}

// event is one entry of the world's queue. Events are stored by value in
// the heap's backing array, which is reused for the whole run: scheduling
// an event allocates nothing (the array plays the role of a free list).
type event struct {
	at    time.Duration // virtual time the event happens
	seq   uint64        // scheduling order; breaks ties between equal times
	msg   any           // kindDeliver: the message
	fn    func()        // kindFunc, kindWriteback: the action
	timer *timer        // kindTimer
	to    int32         // endpoint index of the node the event concerns
	from  int32         // kindDeliver: endpoint index of the sender
	inc   uint32        // incarnation of the target node the event is meant for
	kind  eventKind
}

// eventQueue is a 4-ary min-heap ordered by (at, seq). seq is unique, so
// the order is total and never depends on anything but scheduling order.
// Four children per node halve the depth of a binary heap, and sifting
// moves a hole instead of swapping: with 64-byte events both matter.
type eventQueue struct {
	heap    []event
	seqLast uint64
}

const heapArity = 4

func (q *eventQueue) len() int { return len(q.heap) }

// peekTime is the time of the earliest event; the queue must not be empty.
func (q *eventQueue) peekTime() time.Duration { return q.heap[0].at }

func (q *eventQueue) push(e event) {
	q.seqLast++
	e.seq = q.seqLast
	q.heap = append(q.heap, event{})
	h := q.heap
	i := len(h) - 1
	for i > 0 {
		parent := (i - 1) / heapArity
		if !before(&e, &h[parent]) {
			break
		}
		h[i] = h[parent]
		i = parent
	}
	h[i] = e
}

// pop removes and returns the earliest event; the queue must not be empty.
func (q *eventQueue) pop() event {
	h := q.heap
	top := h[0]
	last := len(h) - 1
	x := h[last]
	h[last] = event{} // drop references so messages and closures can be collected
	h = h[:last]
	q.heap = h
	if last == 0 {
		return top
	}
	i := 0
	for {
		first := heapArity*i + 1
		if first >= last {
			break
		}
		least := first
		end := min(first+heapArity, last)
		for c := first + 1; c < end; c++ {
			if before(&h[c], &h[least]) {
				least = c
			}
		}
		if !before(&h[least], &x) {
			break
		}
		h[i] = h[least]
		i = least
	}
	h[i] = x
	return top
}

func before(a, b *event) bool {
	if a.at != b.at {
		return a.at < b.at
	}
	return a.seq < b.seq
}
