package cache

import (
	"syslab/engines/cache/resp"
	"syslab/node"
	"time"
)

// call is one command being executed: its arguments and what it may touch.
type call struct {
	node *Node
	// spec is the command running; nil for the AOF's replay.
	spec   *commandSpec
	args   [][]byte
	client node.ID
	// session is the client's session; nil while the AOF is replayed.
	session *session
	// seq is the client's tag for this command; a command that answers
	// later (a blocked BLPOP) replies with Node.reply(client, seq, …).
	seq       uint64
	db        *keyspace
	dbIndex   int
	nowMillis int64
	// write: the command is flagged write, so its lookups are not counted
	// as keyspace hits or misses (Redis's lookupKeyWrite).
	write bool
	// modified, when a command sets it, lists the keys it changed; by
	// default every key a write names counts as changed (WATCH, tracking,
	// blocked clients are told). SMOVE into a set that already holds the
	// member changes only the source, as Redis signals it.
	modified [][]byte
	// sleep is how long a DEBUG SLEEP in the command holds the node: part
	// of its duration, as Redis's sleeps block its thread (pause.go).
	sleep time.Duration
}

// session is the per-client state (Redis's client struct). A client gets
// one on first contact, with the next client id, and keeps it until it
// sends Disconnected; ids are never reused within an incarnation.
type session struct {
	client  node.ID
	id      int64
	dbIndex int
	// protocol is resp.RESP2 or resp.RESP3 (HELLO).
	protocol uint8
	// name is the CLIENT SETNAME / HELLO SETNAME name; empty when unset.
	name     []byte
	pubsub   pubsubSession   // pubsub.go
	tracking trackingSession // tracking.go
	// multi holds the queued commands between MULTI and EXEC/DISCARD.
	multi *multiState
	// watched are the keys WATCHed; watchDirty is set when one changed.
	watched    []watchedKey
	watchDirty bool
	// replOffset is the replication offset after the client's last
	// command: what WAIT waits for (Redis's c->woff).
	replOffset int64
	meta       clientMeta // clients.go: addresses, age, last command
	// asking is set by ASKING for the next command (or transaction);
	// readonly by READONLY, letting a replica serve reads (routing.go).
	asking, readonly bool
	// authenticated: the client logged in, or needed not to (auth.go).
	authenticated bool
	// monitoring: the client asked for MONITOR (monitor.go).
	monitoring bool
	// replica: what REPLCONF said, and whether the connection is a
	// replica now (replication_handshake.go).
	replica replicaSession
}

// lookup returns the live entry for key in the call's database.
// Reads count as keyspace hits or misses for INFO stats.
func (c *call) lookup(key []byte) *entry {
	return c.countLookup(key, c.db.lookup(key, c.nowMillis))
}

// lookupNoTouch is lookup without recording an access (Redis's
// LOOKUP_NOTOUCH): TTL, TYPE and EXISTS leave the LRU clock alone.
func (c *call) lookupNoTouch(key []byte) *entry {
	return c.countLookup(key, c.db.lookupNoTouch(key, c.nowMillis))
}

// lookupRead is lookup for a write command's read of key where Redis
// looks it up as a read (lookupKeyRead): the old value of GETDEL, GETEX,
// GETSET and SET … GET, the sources of COPY and the *STORE commands. Such a
// lookup counts as a keyspace hit or miss, and a miss is a "keymiss"
// event, as for a read command.
func (c *call) lookupRead(key []byte) *entry {
	write := c.write
	c.write = false
	e := c.lookup(key)
	c.write = write
	return e
}

// expireBeforeOverwrite deletes key if its TTL ran out, as a lookup
// would, before a command replaces it without reading it (MSET, SETEX,
// the *STORE commands): Redis's setKey looks the key up first, so such a
// key is notified (and propagated) as expired before it is replaced, and
// then created anew.
func (c *call) expireBeforeOverwrite(key []byte) {
	if c.db.volatile.len() > 0 {
		c.db.lookupNoTouch(key, c.nowMillis)
	}
}

// countLookup counts a read's lookup of key as a hit or a miss; a miss
// is also the "keymiss" event (notify.go), as Redis sends both together.
func (c *call) countLookup(key []byte, e *entry) *entry {
	if !c.write && !c.node.loading {
		if e != nil {
			c.node.stats.KeyspaceHits++
		} else {
			c.node.stats.KeyspaceMisses++
			c.notify(notifyKeyMiss, "keymiss", key)
		}
	}
	return e
}

// propagate logs a write in the form replay needs. Every command that
// changed the keyspace calls it, after the change, with absolute times
// instead of relative ones; it also counts the change (Redis's dirty
// counter), which is how the node knows a command modified its keys.
func (c *call) propagate(args ...[]byte) {
	c.node.dirty++
	c.node.propagate(c.dbIndex, args...)
}

// propagateTo sends a command that changed no key to some of the
// propagation targets (PUBLISH to the replicas); it is not counted as a
// change.
func (c *call) propagateTo(targets propagateTargets, args ...[]byte) {
	c.node.propagateTo(targets, c.dbIndex, args...)
}

// replyLater is what a command returns when it answers later, with
// Node.reply: the zero Value, which no command answers otherwise.
var replyLater = resp.Value{}

// replyWrongType is what every command answers for a key of another type.
var replyWrongType = resp.Err(errWrongType)
