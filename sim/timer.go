package sim

import (
	"time"

	"syslab/node"
)

type timerState uint8

const (
	timerPending timerState = iota
	timerFired
	timerStopped
)

// timer is a pending Env.After callback of one incarnation.
type timer struct {
	fn    func()
	n     *simNode
	inc   uint32
	state timerState
}

var _ node.Timer = (*timer)(nil)

// Stop reports true only if it prevented fn from running: a timer that
// fired, was stopped, or died with its incarnation reports false. A timer
// whose firing waits in a busy node's inbox can still be stopped.
func (t *timer) Stop() bool {
	if t.state != timerPending || t.n.inc != t.inc {
		return false
	}
	t.state = timerStopped
	return true
}

// After runs fn on the node once its clock advanced by d. Timers run on the
// node's monotonic clock: drift stretches or shrinks them, but an offset
// jump (SetClock) does not fire or delay them, as with CLOCK_MONOTONIC.
func (e *env) After(d time.Duration, fn func()) node.Timer {
	if fn == nil {
		panic("sim: Env.After with a nil func")
	}
	t := &timer{fn: fn, n: e.n, inc: e.inc}
	if !e.alive() {
		t.state = timerStopped
		return t
	}
	if d < 0 {
		d = 0
	}
	at := e.n.nodeTime(e.w) + e.n.clock.trueDuration(d)
	e.w.queue.push(event{at: at, kind: kindTimer, timer: t, to: e.n.index, from: -1, inc: e.inc})
	return t
}

func (w *World) fireTimer(t *timer) {
	n := t.n
	if t.state != timerPending || n.inc != t.inc || !n.up {
		return
	}
	w.arrive(n, inboxItem{timer: t})
}
