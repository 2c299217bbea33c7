package cache

import (
	"syslab/engines/cache/resp"
	"syslab/node"
)

// call is one command being executed: its arguments and what it may touch.
type call struct {
	node      *Node
	args      [][]byte
	client    node.ID
	db        *keyspace
	dbIndex   int
	nowMillis int64
}

// session is the per-client state a command may change. Only clients that
// changed it from the defaults have one, so the table of sessions stays as
// small as the set of clients that ran SELECT.
type session struct {
	dbIndex int
}

// lookup returns the live entry for key in the call's database.
func (c *call) lookup(key []byte) *entry {
	return c.db.lookup(key, c.nowMillis)
}

// propagate logs a write in the form replay needs. Commands call it only
// after they changed the keyspace, with absolute times instead of relative.
func (c *call) propagate(args ...[]byte) {
	c.node.propagate(c.dbIndex, args...)
}

// replyWrongType is what every command answers for a key of another type.
var replyWrongType = resp.Err(errWrongType)
