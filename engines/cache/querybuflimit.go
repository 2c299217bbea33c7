package cache

import (
	"math"
	"strconv"
)

// client-query-buffer-limit: a client whose unparsed input grows past it
// is closed (Redis logs it and frees the client; a master's link is
// exempt). The adapter holds the input, so it enforces the limit; the node
// keeps the setting and tells each adapter connection the limit when it
// connects (only if it is not QueryBufferBytesDefault, which connections
// start with) and whenever CONFIG SET changes it. Simulated clients have
// no input buffer and are sent nothing.

const (
	// QueryBufferBytesDefault is Redis's default limit, 1gb.
	QueryBufferBytesDefault = 1 << 30
	// queryBufferBytesMin is the least CONFIG SET accepts, as Redis's 1mb.
	queryBufferBytesMin = 1 << 20
)

// QueryBufferLimit tells an adapter's connection the most unparsed input
// it may hold.
type QueryBufferLimit struct {
	Bytes int64
}

var queryBufferLimitParam = configParam{
	get: func(n *Node) string { return strconv.FormatInt(n.queryBufferBytesMax, 10) },
	set: func(n *Node, v string) (string, bool) {
		bytes, ok := parseMemory(v)
		if !ok {
			return "argument must be a memory value", false
		}
		if bytes < queryBufferBytesMin {
			return "argument must be between " + strconv.Itoa(queryBufferBytesMin) + " and " + strconv.FormatInt(math.MaxInt64, 10) + " inclusive", false
		}
		if bytes == n.queryBufferBytesMax {
			return "", true
		}
		n.queryBufferBytesMax = bytes
		for _, s := range n.sessionsByID() {
			n.sendQueryBufferLimit(s, true)
		}
		return "", true
	},
}

// sendQueryBufferLimit tells s's connection the limit: on connecting only
// if it differs from the one connections start with, else (changed) always.
func (n *Node) sendQueryBufferLimit(s *session, changed bool) {
	if !s.meta.connected || !changed && n.queryBufferBytesMax == QueryBufferBytesDefault {
		return
	}
	n.env.Send(s.client, QueryBufferLimit{Bytes: n.queryBufferBytesMax})
}
