package cache

import (
	"bytes"
	"slices"

	"syslab/engines/cache/resp"
	"syslab/node"
)

// Transactions (Redis's multi.c): MULTI queues a client's commands until
// EXEC runs them back to back — nothing else runs in between, since the
// node is one loop — or DISCARD drops them. WATCH makes EXEC fail (a null
// reply) if a watched key changed, expired or was flushed after the WATCH,
// by this client or any other.
//
// A command that fails to queue (unknown, wrong arity) dooms the
// transaction: EXEC answers EXECABORT and runs nothing. A command that
// fails while running (WRONGTYPE, a bad option) only puts its error in
// EXEC's array; the others still run, as in Redis.
//
// In the AOF the transaction's writes sit between MULTI and EXEC, so a
// crash that tears the file in the middle leaves an unfinished MULTI,
// which the loader drops (persist.LoadAOF).
var multiCommands = []commandSpec{
	{name: "multi", arity: 1, flags: flagFast, run: multiCommand},
	{name: "exec", arity: 1, flags: flagSkipSlowlog, run: execCommand},
	{name: "discard", arity: 1, flags: flagFast, run: discardCommand},
	{name: "watch", arity: -2, flags: flagFast, firstKey: 1, lastKey: -1, keyStep: 1, run: watchCommand},
	{name: "unwatch", arity: 1, flags: flagFast, run: unwatchCommand},
}

// multiQueueLenMax bounds the commands one transaction may queue, so a
// client that never sends EXEC cannot grow the node's memory without end.
const multiQueueLenMax = 1 << 20

var (
	cmdMulti         = []byte("MULTI")
	cmdExec          = []byte("EXEC")
	replyQueued      = resp.Simple("QUEUED")
	replyExecAbort   = resp.Err("EXECABORT Transaction discarded because of previous errors.")
	replyExecNoMulti = resp.Err("ERR EXEC without MULTI")
)

// multiState is a transaction being queued.
type multiState struct {
	commands []queuedCommand
	// aborted is set when a command failed to queue.
	aborted bool
	// writes is set when a queued command is flagged write; denyOOM when
	// one may grow memory (refused at EXEC when there is no room);
	// mayReplicate when one is flagged write or may-replicate (PUBLISH):
	// CLIENT PAUSE WRITE holds such an EXEC (pause.go).
	writes, denyOOM, mayReplicate bool
}

type queuedCommand struct {
	spec *commandSpec
	args [][]byte
}

// watchedKey is one WATCH of a session.
type watchedKey struct {
	dbIndex int
	key     string
	// expiredAtWatch: the key was already logically expired when watched,
	// so its expiry is not a change.
	expiredAtWatch bool
}

// watcher is one client watching a key in a database.
type watcher struct {
	client  node.ID
	dbIndex int
}

// execState is the transaction EXEC is running.
type execState struct {
	// multiLogged is set once MULTI went to the AOF and the stream. As in
	// Redis 7.0, a transaction that propagates one command alone is not
	// wrapped (one command is atomic anyway): the first write is held
	// until a second one opens the MULTI, or EXEC logs it by itself.
	multiLogged bool
	held        *heldWrite
	// lastDB is the database of the last logged write, so EXEC is logged
	// without a SELECT in front of it.
	lastDB int
	// clockAheadMillis is how far DEBUG SLEEPs in the transaction moved
	// its clock (pause.go): the commands after them run that much later.
	clockAheadMillis int64
}

// queuesInMulti reports whether spec is queued inside MULTI rather than
// run at once.
func queuesInMulti(spec *commandSpec) bool {
	switch spec.name {
	case "exec", "discard", "multi", "watch", "quit", "reset":
		return false
	}
	return true
}

// flagTransaction dooms the session's transaction, if any, after a command
// failed to queue. s may be nil (a client without session has none).
func (s *session) flagTransaction() {
	if s != nil && s.multi != nil {
		s.multi.aborted = true
	}
}

func (s *session) queue(spec *commandSpec, args [][]byte, flags commandFlags) resp.Value {
	// Commands Redis flags no_multi (SAVE) are refused, dooming the
	// transaction, as processCommand does before queueing.
	if doc := commandDocTable[spec.name]; doc != nil && slices.Contains(doc.flags, "no_multi") {
		s.multi.aborted = true
		return resp.Err("ERR Command not allowed inside a transaction")
	}
	if len(s.multi.commands) >= multiQueueLenMax {
		s.multi.aborted = true
		return resp.Err("ERR too many commands queued in this transaction")
	}
	// The args may share the client's buffers; the queue outlives them.
	own := make([][]byte, len(args))
	for i, a := range args {
		own[i] = bytes.Clone(a)
	}
	s.multi.commands = append(s.multi.commands, queuedCommand{spec: spec, args: own})
	if flags&flagWrite != 0 {
		s.multi.writes = true
	}
	if flags&flagDenyOOM != 0 {
		s.multi.denyOOM = true
	}
	if flags&(flagWrite|flagMayReplicate) != 0 {
		s.multi.mayReplicate = true
	}
	return replyQueued
}

func multiCommand(c *call) resp.Value {
	s := c.node.session(c.client)
	if s.multi != nil {
		return resp.Err("ERR MULTI calls can not be nested")
	}
	s.multi = &multiState{}
	return resp.OK
}

func discardCommand(c *call) resp.Value {
	s := c.node.sessions[c.client]
	if s == nil || s.multi == nil {
		return resp.Err("ERR DISCARD without MULTI")
	}
	c.node.endTransaction(c.client)
	return resp.OK
}

// heldWrite is a transaction's first propagated write, not logged yet.
type heldWrite struct {
	dbIndex int
	args    [][]byte
	targets propagateTargets
}

// endTransaction drops the queue and every WATCH, as EXEC and DISCARD do.
func (n *Node) endTransaction(client node.ID) {
	if s := n.sessions[client]; s != nil {
		s.multi = nil
	}
	n.unwatchAll(client)
}

func execCommand(c *call) resp.Value {
	n := c.node
	s := n.sessions[c.client]
	if s == nil || s.multi == nil {
		return replyExecNoMulti
	}
	m := s.multi
	if m.aborted {
		n.endTransaction(c.client)
		return replyExecAbort
	}
	if s.watchDirty || n.watchedKeyExpired(s, c.nowMillis) {
		n.endTransaction(c.client)
		return resp.Value{Kind: resp.NullArray}
	}
	if m.writes && n.aofErr != nil {
		n.retryAOF()
		if n.aofErr != nil {
			n.endTransaction(c.client)
			return resp.Err("EXECABORT Transaction discarded because of: " + string(misconf(n.aofErr).Str))
		}
	}
	// The state may have changed since the commands were queued: no room
	// left under maxmemory for one that may grow memory, a replica now, or
	// too few good replicas (min-replicas-to-write). Redis checks these
	// before EXEC runs, as for any command.
	if m.denyOOM && !n.isReplica() && !n.performEvictions() {
		n.endTransaction(c.client)
		return resp.Err("EXECABORT Transaction discarded because of: " + string(replyOOM.Str))
	}
	if m.writes {
		if refusal, refused := n.refuseWrite(); refused {
			n.endTransaction(c.client)
			return resp.Err("EXECABORT Transaction discarded because of: " + string(refusal.Str))
		}
	}
	for _, q := range m.commands {
		if refusal, refused := n.refuseStale(q.spec, q.args); refused { // replication.go
			n.endTransaction(c.client)
			return resp.Err("EXECABORT Transaction discarded because of: " + string(refusal.Str))
		}
	}
	n.endTransaction(c.client) // unwatch before running: our own writes must not dirty us
	n.exec = &execState{}
	replies := make([]resp.Value, len(m.commands))
	for i, q := range m.commands {
		replies[i] = n.call(c.client, c.seq, q.spec, q.args)
	}
	n.finishTransactionLog()
	n.exec = nil
	if m.writes {
		if err := n.writeAOF(); err != nil {
			return misconf(err)
		}
	}
	return resp.Value{Kind: resp.Array, Elems: replies}
}

// finishTransactionLog logs what the transaction running ends with: its
// one write alone, or the EXEC that closes the MULTI of several.
func (n *Node) finishTransactionLog() {
	if h := n.exec.held; h != nil {
		n.appendPropagated(h.targets, h.dbIndex, h.args...)
	}
	if n.exec.multiLogged {
		n.propagate(n.exec.lastDB, cmdExec)
	}
}

func watchCommand(c *call) resp.Value {
	s := c.node.session(c.client)
	if s.multi != nil {
		return resp.Err("ERR WATCH inside MULTI is not allowed")
	}
	for _, key := range c.args[1:] {
		c.node.watch(c.client, s, c.dbIndex, key, c.nowMillis)
	}
	return resp.OK
}

func unwatchCommand(c *call) resp.Value {
	c.node.unwatchAll(c.client)
	return resp.OK
}

func (n *Node) watch(client node.ID, s *session, dbIndex int, key []byte, nowMillis int64) {
	for _, w := range s.watched {
		if w.dbIndex == dbIndex && w.key == string(key) {
			return
		}
	}
	expired := false
	if e := n.dbs[dbIndex].peek(key); e != nil && e.expireAtMillis != noExpiry && e.expireAtMillis <= nowMillis {
		expired = true
	}
	k := string(key)
	s.watched = append(s.watched, watchedKey{dbIndex: dbIndex, key: k, expiredAtWatch: expired})
	n.watchers[k] = append(n.watchers[k], watcher{client: client, dbIndex: dbIndex})
}

// unwatchAll forgets every WATCH of client and clears its dirty flag.
func (n *Node) unwatchAll(client node.ID) {
	s := n.sessions[client]
	if s == nil {
		return
	}
	for _, w := range s.watched {
		list := n.watchers[w.key]
		for i, other := range list {
			if other.client == client && other.dbIndex == w.dbIndex {
				list = append(list[:i], list[i+1:]...)
				break
			}
		}
		if len(list) == 0 {
			delete(n.watchers, w.key)
		} else {
			n.watchers[w.key] = list
		}
	}
	s.watched, s.watchDirty = nil, false
}

// touchWatchedKey is the onKeyModified hook: the key's watchers' next EXEC
// fails. No map entry is built when nobody watches, so writes stay
// allocation-free. A key that was already expired when watched and is now
// gone (lazy or active expiry, DEL) has not changed as far as the watcher
// could see: its flag is cleared instead, as Redis's touchWatchedKey does.
func (n *Node) touchWatchedKey(dbIndex int, key []byte) {
	if len(n.watchers) == 0 {
		return
	}
	for _, w := range n.watchers[string(key)] {
		if w.dbIndex != dbIndex {
			continue
		}
		s := n.sessions[w.client]
		if wk := s.watchedKey(dbIndex, key); wk != nil && wk.expiredAtWatch && n.dbs[dbIndex].peek(key) == nil {
			wk.expiredAtWatch = false
			continue
		}
		s.watchDirty = true
	}
}

// watchedKey returns the session's WATCH of key in dbIndex, nil if none.
func (s *session) watchedKey(dbIndex int, key []byte) *watchedKey {
	for i := range s.watched {
		if w := &s.watched[i]; w.dbIndex == dbIndex && w.key == string(key) {
			return w
		}
	}
	return nil
}

// touchWatchedKeysInDB runs before database emptied is flushed (replacedWith
// -1) or swapped with replacedWith (SWAPDB), as Redis's
// touchAllWatchedKeysInDb: a watcher is dirtied only if its key exists on
// either side, and a key that is expired before and after, or that goes
// from expired to missing, has not changed; a missing key replaced by an
// expired one becomes "expired when watched".
func (n *Node) touchWatchedKeysInDB(emptied, replacedWith int, nowMillis int64) {
	if len(n.watchers) == 0 {
		return
	}
	for _, s := range n.sessions { // each session's own flags: order does not matter
		for i := range s.watched {
			w := &s.watched[i]
			if w.dbIndex != emptied {
				continue
			}
			key := []byte(w.key)
			existsInEmptied := n.dbs[emptied].peek(key) != nil
			var replacement *entry
			if replacedWith >= 0 {
				replacement = n.dbs[replacedWith].peek(key)
			}
			if !existsInEmptied && replacement == nil {
				continue
			}
			replacementExpired := replacement != nil && replacement.expireAtMillis != noExpiry && replacement.expireAtMillis <= nowMillis
			switch {
			case w.expiredAtWatch && replacement == nil:
				w.expiredAtWatch = false
				continue
			case w.expiredAtWatch && replacementExpired:
				continue
			case !w.expiredAtWatch && !existsInEmptied && replacementExpired:
				w.expiredAtWatch = true
				continue
			}
			s.watchDirty = true
		}
	}
}

// watchedKeyExpired reports whether a key that was live when watched has
// expired since, even if nobody has touched it yet (Redis 7's
// isWatchedKeyExpired).
func (n *Node) watchedKeyExpired(s *session, nowMillis int64) bool {
	for _, w := range s.watched {
		if w.expiredAtWatch {
			continue
		}
		e := n.dbs[w.dbIndex].peek([]byte(w.key))
		if e != nil && e.expireAtMillis != noExpiry && e.expireAtMillis <= nowMillis {
			return true
		}
	}
	return false
}
