//go:build !linux

package server

import "errors"

// The server's event loop is built on Linux's epoll; elsewhere the cache
// server does not start (the simulator, which needs no sockets, does).
type eventLoop struct{ addr string }

func newEventLoop(*Server, bool) (*eventLoop, error) {
	return nil, errors.New("the cache server's event loop needs Linux (epoll)")
}

func (l *eventLoop) run()        {}
func (l *eventLoop) stop() error { return nil }
