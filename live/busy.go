package live

import (
	"time"

	"syslab/node"
)

var _ node.BusyServer = (*liveEnv)(nil)

// ServeWhileBusy lets the adapter whose Handle call is running serve its
// other clients (node.BusyServer, Config.WhileBusy).
func (e *liveEnv) ServeWhileBusy() (served, stopping bool) {
	r := e.r
	select {
	case <-r.stopping:
		return false, true
	default:
	}
	if r.cfg.WhileBusy == nil || r.current != &r.handled {
		return false, false
	}
	return true, r.cfg.WhileBusy(r.handled.from)
}

// HandleNested delivers msg to the handler from inside its running
// Receive, for Config.WhileBusy: only that function, on the goroutine of
// the Handle call it serves, may call it. The outer call's state (whom
// it answers, its clock reading) is put back afterwards.
func (r *Runtime) HandleNested(from node.ID, msg node.Message) {
	if r.current != &r.handled {
		panic("live: HandleNested outside a Handle call's WhileBusy")
	}
	outer, outerFrom, outerNow := r.handled, r.handledFrom, r.eventNow
	outerLentTo, outerLentEP := r.lentTo, r.lentEP
	r.handled = event{kind: eventMessage, from: from, msg: msg}
	r.eventNow = time.Now()
	r.mu.Lock()
	r.handledFrom = r.endpoints[from]
	r.mu.Unlock()
	r.lentTo, r.lentEP = "", nil
	r.stats.received.Add(1)
	r.handler.Receive(from, msg)
	r.handled, r.handledFrom, r.eventNow = outer, outerFrom, outerNow
	r.lentTo, r.lentEP = outerLentTo, outerLentEP
}
