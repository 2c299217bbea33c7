package node

// A BusyServer is an Env that can serve other clients while its handler
// is stuck in work that cannot yield — a Lua script past Redis's
// busy-reply-threshold. ServeWhileBusy reads what has arrived and hands
// it to the handler's Receive nested inside the call still running, as
// Redis's processEventsWhileBlocked does; the handler must answer such
// messages without disturbing the state the running work holds (Redis
// answers BUSY to nearly everything, and lets SCRIPT KILL stop the
// script). Sources whose earlier messages the handler has not finished
// with — the client whose command is running among them — are left
// unread, so nothing overtakes what was sent before it. served is false
// when the Env cannot serve from where the handler runs now (a timer's
// work in live mode: no client connection is at hand). stopping reports
// that the process is shutting down: the handler should end the work
// (Redis, told to shut down during a long script, stops it).
//
// The simulator's Env is not a BusyServer: there a handler's work takes
// the virtual time its Coster declares, and nothing else happens
// meanwhile.
type BusyServer interface {
	ServeWhileBusy() (served, stopping bool)
}
