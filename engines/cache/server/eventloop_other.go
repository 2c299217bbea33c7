//go:build !linux

package server

import (
	"errors"

	"syslab/node"
)

// The server's event loops are built on Linux's epoll; elsewhere the cache
// server does not start (the simulator, which needs no sockets, does).
type eventLoop struct{}

func (s *Server) startLoops(int, bool) error {
	return errors.New("the cache server's event loop needs Linux (epoll)")
}

func (l *eventLoop) stop() error { return nil }

type conn struct {
	id   node.ID
	loop *eventLoop
}

func (l *eventLoop) serveWhileBusy() bool { return false }

func (l *eventLoop) stopListening() {}
