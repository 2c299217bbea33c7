package sim

import (
	"testing"
	"time"
)

// The queue must pop in (time, scheduling order) for any push pattern,
// including many ties.
func TestEventQueueOrder(t *testing.T) {
	r := newStream(41, "queue-test")
	var q eventQueue
	pushed := 0
	var lastAt time.Duration
	var lastSeq uint64
	for round := 0; round < 2000; round++ {
		for range r.IntN(5) {
			q.push(event{at: lastAt + time.Duration(r.IntN(4))})
			pushed++
		}
		if q.len() == 0 || r.IntN(3) == 0 {
			continue
		}
		e := q.pop()
		if e.at < lastAt || (e.at == lastAt && e.seq < lastSeq) {
			t.Fatalf("popped (%v, %d) after (%v, %d)", e.at, e.seq, lastAt, lastSeq)
		}
		lastAt, lastSeq = e.at, e.seq
	}
	for q.len() > 0 {
		e := q.pop()
		if e.at < lastAt || (e.at == lastAt && e.seq < lastSeq) {
			t.Fatalf("drain popped (%v, %d) after (%v, %d)", e.at, e.seq, lastAt, lastSeq)
		}
		lastAt, lastSeq = e.at, e.seq
	}
	if pushed < 1000 {
		t.Fatalf("test pushed only %d events", pushed)
	}
}
