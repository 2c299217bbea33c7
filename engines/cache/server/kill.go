package server

import (
	"net"

	"syslab/engines/cache"
	"syslab/engines/cache/resp"
)

// The adapter's half of CLIENT LIST and CLIENT KILL (the node's half is
// engines/cache/clients.go). A connection tells the node its addresses
// once, before its first command; when the node sends it
// cache.CloseConnection, its writer writes and flushes every reply queued
// before it, then closes the socket, and the read loop ends and reports
// cache.Disconnected as for any hang-up.
//
// What server.go calls:
//   - serve, after attaching the connection and before reading:
//     c.server.rt.Handle(c.id, connectedMessage(c.netConn))
//   - deliver: cache.CloseConnection is queued to the writer like a Push
//     (it counts against pushQueueMax; past it the socket is closed at once)
//   - writeLoop, on cache.CloseConnection: closeAfterFlush, then behave as
//     after a failed write (drop everything that follows).
//   - writeLoop, on a cache.Reply with Silent set (CLIENT REPLY OFF|SKIP):
//     write nothing, but count the command as answered.

// connectedMessage describes nc as Redis prints addresses: "ip:port" for
// TCP, "path:0" for both ends of a unix socket.
func connectedMessage(nc net.Conn) cache.Connected {
	local := nc.LocalAddr()
	if local != nil && local.Network() == "unix" {
		addr := local.String() + ":0"
		return cache.Connected{Addr: addr, LocalAddr: addr, UnixSocket: true}
	}
	m := cache.Connected{}
	if remote := nc.RemoteAddr(); remote != nil {
		m.Addr = remote.String()
	}
	if local != nil {
		m.LocalAddr = local.String()
	}
	return m
}

// closeAfterFlush flushes what w holds for nc and closes nc. The caller
// holds whatever lock guards w.
func closeAfterFlush(w *resp.Writer, nc net.Conn) {
	_ = w.Flush() // the client may be gone already; closing is what matters
	_ = nc.Close()
}
