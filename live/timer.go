package live

import (
	"fmt"
	"time"
)

type timerState uint8

const (
	timerPending timerState = iota
	timerFired
	timerStopped
)

// timer is a node.Timer over time.AfterFunc. The AfterFunc callback only
// queues an event; whether fn runs is decided on the loop by state, which
// only the loop touches. That closes the race in which AfterFunc has
// already fired (its event is in the inbox) when the handler calls Stop:
// Stop still returns true, and the queued event is skipped, exactly as in
// the simulator.
type timer struct {
	r     *Runtime
	fn    func()
	delay time.Duration
	t     *time.Timer
	state timerState // under the runtime's handlerMu only
}

func (r *Runtime) after(d time.Duration, fn func()) *timer {
	if fn == nil {
		panic(fmt.Sprintf("live node %s: After with nil func", r.cfg.Self))
	}
	t := &timer{r: r, fn: fn, delay: d}
	r.timers[t] = struct{}{}
	t.t = time.AfterFunc(d, func() { r.post(event{kind: eventTimer, timer: t}) })
	return t
}

// Stop must be called by the handler, like every Env method.
func (t *timer) Stop() bool {
	if t.state != timerPending {
		return false
	}
	t.state = timerStopped
	t.t.Stop()
	delete(t.r.timers, t)
	return true
}
