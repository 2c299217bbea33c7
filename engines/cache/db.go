package cache

import (
	"bytes"

	"syslab/engines/cache/resp"
)

// Keyspace-wide commands: DEL, EXISTS, DBSIZE, FLUSHALL.
var keyspaceCommands = []commandSpec{
	{name: "del", arity: -2, flags: flagWrite, firstKey: 1, lastKey: -1, keyStep: 1, run: delCommand},
	{name: "exists", arity: -2, flags: flagReadonly | flagFast, firstKey: 1, lastKey: -1, keyStep: 1, run: existsCommand},
	{name: "dbsize", arity: 1, flags: flagReadonly | flagFast, run: dbsizeCommand},
	{name: "flushall", arity: -1, flags: flagWrite, run: flushallCommand},
}

var cmdDel = []byte("DEL")

func delCommand(c *call) resp.Value {
	var deleted int64
	for _, key := range c.args[1:] {
		if c.lookup(key) == nil {
			continue // absent or just expired (and logged as such)
		}
		c.db.delete(string(key))
		c.propagate(cmdDel, key)
		deleted++
	}
	return resp.Int(deleted)
}

// existsCommand counts a key once per time it is named, as Redis does.
func existsCommand(c *call) resp.Value {
	var found int64
	for _, key := range c.args[1:] {
		if c.lookup(key) != nil {
			found++
		}
	}
	return resp.Int(found)
}

func dbsizeCommand(c *call) resp.Value { return resp.Int(int64(c.db.size())) }

// flushallCommand accepts ASYNC and SYNC; both flush at once here, since a
// single-threaded node has no background thread to hand the work to.
func flushallCommand(c *call) resp.Value {
	if len(c.args) > 2 {
		return resp.Err(errSyntax)
	}
	if len(c.args) == 2 && !bytes.EqualFold(c.args[1], []byte("async")) && !bytes.EqualFold(c.args[1], []byte("sync")) {
		return resp.Err(errSyntax)
	}
	for _, ks := range c.node.dbs {
		ks.flush()
	}
	c.propagate([]byte("FLUSHALL"))
	c.node.flushed(-1)
	return resp.OK
}
