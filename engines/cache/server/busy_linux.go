package server

import (
	"golang.org/x/sys/unix"

	"syslab/node"
)

// While a script holds the node past busy-reply-threshold, the node asks
// its environment to serve other clients (node.BusyServer), as Redis's
// processEventsWhileBlocked does: the loop that handed the node the
// script's command takes one turn from inside that call. It reads and
// runs what idle connections sent (the node answers BUSY to most of it,
// and SCRIPT KILL stops the script), writes what is due, and returns to
// the script. Connections with commands the node has not answered — the
// script's caller, clients of the same round still waiting their turn,
// blocked clients — are not read, so none of their commands overtakes an
// earlier one. New connections are accepted (redis-cli's PING must meet
// BUSY, not a wait).

// handle gives the node a message from one of this loop's connections:
// through the runtime, or nested in the running call while serving from
// inside it.
func (l *eventLoop) handle(from node.ID, msg node.Message) {
	if l.servingWhileBusy {
		l.server.rt.HandleNested(from, msg)
		return
	}
	l.server.rt.Handle(from, msg)
}

// serveWhileBusy is one turn of the loop from inside the node; true
// once the loop is stopping (Close), so that the node ends the script
// instead of holding the loop and Close with it.
func (l *eventLoop) serveWhileBusy() (stopping bool) {
	if l.stopping.Load() {
		return true
	}
	if l.servingWhileBusy {
		return false
	}
	if l.busyEvents == nil {
		l.busyEvents = make([]unix.EpollEvent, eventsPerWaitMax)
	}
	// The turn runs each batch at once: one joining the round the loop
	// may be collecting would run only after the script.
	collecting := l.collecting
	l.servingWhileBusy, l.collecting = true, false
	defer func() { l.servingWhileBusy, l.collecting = false, collecting }()
	n, _ := pollReady(l.epollFD, l.busyEvents)
	for _, ev := range l.busyEvents[:max(n, 0)] {
		switch fd := int(ev.Fd); fd {
		case l.listenFD:
			l.accept()
		case l.wakeFD:
			var drain [8]byte
			unix.Read(l.wakeFD, drain[:])
			l.adoptHandedOver()
		default:
			if c := l.conns[fd]; c != nil && c.sent == c.answered.Load() {
				c.ready(ev.Events)
			}
		}
	}
	l.writePending(false) // the loop's round goes on once the script ends
	return l.stopping.Load()
}
