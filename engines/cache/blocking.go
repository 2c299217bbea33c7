package cache

import (
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"syslab/engines/cache/resp"
	"syslab/node"
)

// Blocking list operations: BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP; the
// sorted-set ones (BZPOPMIN, BZPOPMAX, BZMPOP: zsets_pop.go) wait the same
// way.
//
// A blocking command that finds data behaves as its non-blocking twin. One
// that finds none parks its client: the command returns replyLater and a
// blockedClient joins the FIFO of waiters of each key it named. Like
// Redis's signalKeyAsReady, every modification of a key that has waiters
// (a push, LMOVE into it, a RENAME onto it — any command, through
// onKeyModified) puts the key on the ready list; after the command that
// did it, handleBlocked serves the waiters of each ready key in the order
// they blocked, for as long as the key holds a non-empty list. Serving pops
// for the waiter, propagates the pop as the non-blocking command (BLPOP as
// LPOP, BLMOVE as LMOVE, BLMPOP as LPOP key count) so AOF replay never
// blocks, and replies to it. A timer (env.After) ends the wait with a null
// reply; a Disconnected client is forgotten.
//
// # One blocked command per client, and what comes behind it
//
// Clients pipeline: the RESP server delivers a connection's commands ahead
// of their replies, and writes replies in the order the node sends them.
// Redis does not read a blocked client's later commands until it is
// unblocked, so they run after the blocked one, in order. The node does the
// same: commands from a blocked client are queued and run, one at a time
// with ready keys served between them (as Redis serves them after every
// command), once its blocked command has been answered. The queue is
// bounded by queuedCommandsMax, the server's own pipelining bound, so a
// connection through the server never reaches it; a client that does
// (a simulated one pipelining without bound) has its blocked command
// cancelled with an error, which keeps replies in order and memory bounded.

// queuedCommandsMax bounds the commands held behind one blocked command. It
// equals the RESP server's per-connection in-flight bound (inFlightMax).
const queuedCommandsMax = 1024

// blockOp is what a blocked client will do once its key is ready.
type blockOp uint8

const (
	blockPop  blockOp = iota + 1 // BLPOP, BRPOP: answers [key, element]
	blockMpop                    // BLMPOP: answers [key, [elements…]]
	blockMove                    // BLMOVE, BRPOPLPUSH: answers the element
	// The sorted-set pops (zsets_pop.go); left means the lowest scores.
	blockZpop  // BZPOPMIN, BZPOPMAX: answers [key, member, score]
	blockZmpop // BZMPOP: answers [key, [[member, score]…]]
	// blockXread is XREAD and XREADGROUP BLOCK (streamread.go): answers
	// the entries past its ID in the first of its streams to get some.
	blockXread
)

// blockKey names a key in one database.
type blockKey struct {
	dbIndex int
	key     string
}

// blockedClient is a client parked on one or more keys.
type blockedClient struct {
	client  node.ID
	seq     uint64
	dbIndex int
	keys    []string // distinct, in the order named
	op      blockOp
	left    bool   // the end to pop from
	toLeft  bool   // blockMove: the end of dst to push onto
	dst     []byte // blockMove: the destination list
	count   int64  // blockMpop: how many to pop at most; blockXread: to read
	// blockXread: each stream key with the ID it waits to see passed,
	// and for XREADGROUP the group, the consumer and NOACK.
	streamKeys      [][]byte
	streamAfter     []streamID
	group, consumer []byte
	noAck           bool
	timer           node.Timer
	done            bool // answered or forgotten; its queue entries are stale
	// spec and args are the blocked command, and callDuration what its call
	// took: as Redis, its latency histogram, its SLOWLOG entry and the rest
	// of its INFO commandstats are written when it is served (or answered
	// UNBLOCKED), with the serving's time added (countUnblocked).
	spec         *commandSpec
	args         [][]byte
	callDuration time.Duration
}

// waitQueue is the FIFO of clients blocked on one key. Unblocked clients
// are skipped lazily (done) and compacted away, so a timeout or disconnect
// does not scan the queue.
type waitQueue struct {
	clients []*blockedClient
	live    int
}

func (q *waitQueue) front() *blockedClient {
	for len(q.clients) > 0 && q.clients[0].done {
		q.clients[0] = nil
		q.clients = q.clients[1:]
	}
	if len(q.clients) == 0 {
		return nil
	}
	return q.clients[0]
}

// compact drops stale entries once they outnumber the live ones.
func (q *waitQueue) compact() {
	if stale := len(q.clients) - q.live; stale <= q.live || stale < 16 {
		return
	}
	kept := make([]*blockedClient, 0, q.live)
	for _, bc := range q.clients {
		if !bc.done {
			kept = append(kept, bc)
		}
	}
	q.clients = kept
}

type pendingCommand struct {
	seq  uint64
	args [][]byte
}

// blockingState is the node's part for blocked clients. Maps are only
// looked up, never iterated: order comes from the ready and resume slices
// and the wait queues.
type blockingState struct {
	waiting map[blockKey]*waitQueue
	blocked map[node.ID]*blockedClient
	// queued holds the commands of a client that arrived while it was
	// blocked or while older queued commands wait to run.
	queued map[node.ID][]pendingCommand
	// ready lists keys with waiters that were modified, in order; readySet
	// keeps each key there once.
	ready    []blockKey
	readySet map[blockKey]bool
	// resume lists unblocked clients whose queued commands must run.
	resume []node.ID
	// timedOut is Node.blockTimedOut, reached through this field so that
	// the command table (which holds BLPOP) does not refer back to itself
	// through the node's command loop: Go rejects that initialization cycle.
	timedOut func(*blockedClient)
}

// initBlocking sets up blocked-client bookkeeping; Start calls it.
func (n *Node) initBlocking() {
	n.blocking = blockingState{
		waiting:  make(map[blockKey]*waitQueue),
		blocked:  make(map[node.ID]*blockedClient),
		queued:   make(map[node.ID][]pendingCommand),
		readySet: make(map[blockKey]bool),
		timedOut: n.blockTimedOut,
	}
	n.onKeyModified = append(n.onKeyModified, n.signalKeyAsReady)
	n.onFlush = append(n.onFlush, n.signalDBAsReady)
}

// BlockedClients counts the clients waiting in a blocking command.
func (n *Node) BlockedClients() int { return len(n.blocking.blocked) }

// signalKeyAsReady notes that a key with waiters changed, so they are
// served after the current command.
func (n *Node) signalKeyAsReady(dbIndex int, key []byte) {
	if len(n.blocking.waiting) == 0 {
		return
	}
	k := blockKey{dbIndex, string(key)}
	if n.blocking.waiting[k] == nil || n.blocking.readySet[k] {
		return
	}
	n.blocking.readySet[k] = true
	n.blocking.ready = append(n.blocking.ready, k)
}

// signalDBAsReady is for SWAPDB and the flushes (dbIndex -1: every
// database): a database now holds other keys or none, so every waited-on
// key in it is ready — to be served if it now holds what its waiters
// want, or, gone, to answer its XREADGROUP waiters (Redis's
// scanDatabaseForReadyKeys and scanDatabaseForDeletedKeys). Keys are
// signalled in sorted order, never in map order.
func (n *Node) signalDBAsReady(dbIndex int) {
	var keys []blockKey
	for k := range n.blocking.waiting {
		if dbIndex < 0 || k.dbIndex == dbIndex {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b blockKey) int {
		if a.dbIndex != b.dbIndex {
			return a.dbIndex - b.dbIndex
		}
		return strings.Compare(a.key, b.key)
	})
	for _, k := range keys {
		n.signalKeyAsReady(k.dbIndex, []byte(k.key))
	}
}

// receiveCommand runs a client's command, or queues it behind the
// client's blocked one, then serves whatever the command made ready.
func (n *Node) receiveCommand(client node.ID, seq uint64, args [][]byte) {
	if n.killed[client] {
		return // CLIENT KILL closed its connection (clients.go)
	}
	n.endPauseIfOver()
	n.runOrQueue(client, seq, args)
	n.handleBlocked()
}

// runOrQueue runs a client's command, unless an earlier one of the
// client's waits (held by CLIENT PAUSE, blocked, or queued behind one):
// then it waits behind it.
func (n *Node) runOrQueue(client node.ID, seq uint64, args [][]byte) {
	if n.holdBehindHeld(client, seq, args) {
		return // an earlier command is held by CLIENT PAUSE (pause.go)
	}
	if n.blocking.blocked[client] != nil || len(n.blocking.queued[client]) > 0 {
		q := append(n.blocking.queued[client], pendingCommand{seq: seq, args: keepArgs(args)})
		n.blocking.queued[client] = q
		if bc := n.blocking.blocked[client]; bc != nil && len(q) > queuedCommandsMax {
			n.unblock(bc)
			n.reply(bc.client, bc.seq, resp.Err("ERR more than "+strconv.Itoa(queuedCommandsMax)+
				" commands pipelined behind a blocked command: the blocked command was cancelled"))
		}
	} else {
		n.handle(client, seq, args)
	}
}

// handleBlocked serves ready keys and runs the queued commands of
// unblocked clients until neither is left. Queued commands run one at a
// time, with ready keys served after each, as Redis serves them after
// every command; a client's whole queue runs before the next client's.
func (n *Node) handleBlocked() {
	b := &n.blocking
	for {
		if len(b.ready) > 0 {
			k := b.ready[0]
			b.ready = b.ready[1:]
			n.serveKey(k)
			delete(b.readySet, k)
			continue
		}
		if len(b.resume) > 0 {
			client := b.resume[0]
			q := b.queued[client]
			if b.blocked[client] != nil || len(q) == 0 {
				if len(q) == 0 {
					delete(b.queued, client)
				}
				b.resume = b.resume[1:] // blocked again (its queue waits) or done
				continue
			}
			cmd := q[0]
			q[0] = pendingCommand{}
			b.queued[client] = q[1:]
			if n.holdBehindHeld(client, cmd.seq, cmd.args) {
				continue // an earlier one was held by a pause (pause.go)
			}
			n.handle(client, cmd.seq, cmd.args)
			continue
		}
		return
	}
}

// servedReply is an answer to a waiter, sent once the AOF took the pops.
type servedReply struct {
	client node.ID
	seq    uint64
	value  resp.Value
	// after are pushes to the waiter caused by its own pop or move (a
	// tracking invalidation): they follow its reply.
	after []resp.Value
}

// serveKey serves the waiters of k in FIFO order while k holds a
// non-empty list.
func (n *Node) serveKey(k blockKey) {
	q := n.blocking.waiting[k]
	if q == nil {
		return
	}
	nowMillis := n.env.Now().UnixMilli()
	if n.pause.sleeping {
		// A DEBUG SLEEP in the transaction that made k ready holds the
		// node: Redis serves the waiters after it, when a key the
		// transaction gave a short TTL may have expired.
		nowMillis = max(nowMillis, n.pause.sleepUntilMillis)
	}
	c := call{node: n, db: n.dbs[k.dbIndex], dbIndex: k.dbIndex, nowMillis: nowMillis}
	key := []byte(k.key)
	var served []servedReply
	isStream := false
	if s, ok := c.getStream(key); ok && s != nil {
		served, isStream = n.serveStreamWaiters(&c, key, q), true
	} else {
		served = n.unblockStreamGroupReaders(q)
	}
	for !isStream {
		bc := q.front()
		if bc == nil {
			break
		}
		var l *listObject
		var z *zsetObject
		var ok bool
		switch bc.op {
		case blockXread:
			// A stream reader in front of a list or sorted set waits for
			// a stream there (serveStreamWaiters).
		case blockZpop, blockZmpop:
			z, ok = c.getZset(key)
			ok = ok && z != nil
		default:
			l, ok = c.getList(key)
			ok = ok && l != nil
		}
		if !ok {
			// Not of the waiter's type (yet): the waiters keep waiting, as
			// in Redis. (One waiting for another type behind it waits too.)
			break
		}
		c.client, c.seq = bc.client, bc.seq
		servedAt := n.startCommand(bc.spec, bc.args) // commandclock.go
		// The pop changes key, a move bc.dst too.
		if n.bgSnapshot != nil {
			n.snapshotBeforeWrite(k.dbIndex, [][]byte{key})
			if bc.op == blockMove {
				n.snapshotBeforeWrite(k.dbIndex, [][]byte{bc.dst})
			}
		}
		dirtyBefore := n.dirty
		var v resp.Value
		switch bc.op {
		case blockPop:
			v = popOne(&c, key, l, bc.left)
		case blockMpop:
			v = mpopFrom(&c, key, l, bc.left, bc.count)
		case blockMove:
			// A destination of another type answers WRONGTYPE and
			// unblocks the client, as Redis 7.0 does.
			v = moveFrom(&c, key, l, bc.dst, bc.left, bc.toLeft)
		case blockZpop:
			v = bzpopOneFrom(&c, key, z, !bc.left)
		case blockZmpop:
			v = zmpopFrom(&c, key, z, !bc.left, bc.count)
		}
		n.unblock(bc)
		if v.IsError() {
			n.countError(v) // cmdstats.go
		}
		n.countUnblocked(bc, n.commandDuration(servedAt), v.IsError())
		var after []resp.Value
		if n.dirty != dirtyBefore {
			// The waiter's command is the one running now, as Redis makes
			// it current_client while serving it: invalidations it causes
			// itself come after its reply, and NOLOOP skips it.
			current, afterReply := n.current, n.afterReply
			n.current, n.afterReply = n.sessions[bc.client], nil
			n.keyModified(k.dbIndex, key)
			if bc.op == blockMove {
				n.keyModified(k.dbIndex, bc.dst)
			}
			after = n.afterReply
			n.current, n.afterReply = current, afterReply
		}
		served = append(served, servedReply{bc.client, bc.seq, v, after})
	}
	if len(served) == 0 {
		return
	}
	err := n.writeAOF()
	for _, s := range served {
		if err != nil && !s.value.IsError() {
			s.value = misconf(err)
		}
		n.reply(s.client, s.seq, s.value)
		for _, p := range s.after {
			n.push(s.client, p)
		}
	}
}

// blockedCall reports the client's command (seq), answered reply, that
// just parked it.
func (n *Node) blockedCall(client node.ID, seq uint64, reply resp.Value) *blockedClient {
	if reply.Kind != replyLater.Kind || len(n.blocking.blocked) == 0 {
		return nil // answered, as nearly every command is
	}
	if bc := n.blocking.blocked[client]; bc != nil && bc.seq == seq && !bc.done {
		return bc
	}
	return nil
}

// countUnblocked writes what Redis's updateStatsOnUnblock does for a
// blocked command answered now: its time (the call's and the serving's)
// in INFO commandstats and its latency histogram, a failed call if the
// answer is an error, a SLOWLOG entry, and the serving's time as a
// command-unblocking latency event. (Its call was counted when it
// blocked; a timeout counts nothing more, as in Redis.)
func (n *Node) countUnblocked(bc *blockedClient, servedIn time.Duration, failed bool) {
	total := bc.callDuration + servedIn
	s := n.commandStat(bc.spec, bc.args)
	s.duration += total
	if failed {
		s.failed++
	}
	n.recordLatency(s, total)
	if sess := n.existingSession(bc.client); sess != nil {
		n.logCommand(sess, bc.spec, bc.args, total) // slowlog.go
	}
	n.noteLatency(latencyEventCommandUnblocking, servedIn) // latency.go
}

// unblock takes bc out of every wait queue, stops its timer and schedules
// its queued commands. Its reply is the caller's to send.
func (n *Node) unblock(bc *blockedClient) {
	b := &n.blocking
	n.forget(bc)
	if len(b.queued[bc.client]) > 0 {
		b.resume = append(b.resume, bc.client)
	}
}

// forget removes bc from the bookkeeping without scheduling anything.
func (n *Node) forget(bc *blockedClient) {
	b := &n.blocking
	bc.done = true
	if bc.timer != nil {
		bc.timer.Stop()
	}
	delete(b.blocked, bc.client)
	for _, key := range bc.keys {
		k := blockKey{bc.dbIndex, key}
		q := b.waiting[k]
		q.live--
		if q.live == 0 {
			delete(b.waiting, k)
			continue
		}
		q.compact()
	}
}

// clientGone forgets a disconnected client's blocked command and the
// commands queued behind it: nobody is left to answer.
func (n *Node) clientGone(client node.ID) {
	if bc := n.blocking.blocked[client]; bc != nil {
		n.forget(bc)
	}
	delete(n.blocking.queued, client)
}

// blockTimedOut answers a client whose wait ran out with a null array.
func (n *Node) blockTimedOut(bc *blockedClient) {
	if bc.done {
		return
	}
	n.unblock(bc)
	n.reply(bc.client, bc.seq, resp.Value{Kind: resp.NullArray})
	n.handleBlocked()
}

// block parks the call's client on keys for timeoutMillis (0: forever).
func (c *call) block(keys [][]byte, timeoutMillis int64, bc *blockedClient) resp.Value {
	n := c.node
	if n.loading || c.client == "" {
		// Replay has nobody to answer; blocking forms are never logged.
		return resp.Value{Kind: resp.NullArray}
	}
	if n.exec != nil {
		// Inside EXEC nothing may wait: Redis answers as if the timeout
		// had passed at once.
		return resp.Value{Kind: resp.NullArray}
	}
	bc.client, bc.seq, bc.dbIndex, bc.spec, bc.args = c.client, c.seq, c.dbIndex, c.spec, keepArgs(c.args)
	seen := make(map[string]bool, len(keys))
	for _, key := range keys {
		if seen[string(key)] {
			continue
		}
		seen[string(key)] = true
		bc.keys = append(bc.keys, string(key))
		k := blockKey{c.dbIndex, string(key)}
		q := n.blocking.waiting[k]
		if q == nil {
			q = &waitQueue{}
			n.blocking.waiting[k] = q
		}
		q.clients = append(q.clients, bc)
		q.live++
	}
	n.blocking.blocked[c.client] = bc
	if timeoutMillis > 0 {
		bc.timer = n.env.After(time.Duration(timeoutMillis)*time.Millisecond, func() { n.blocking.timedOut(bc) })
	}
	return replyLater
}

const (
	errTimeoutNotFloat = "ERR timeout is not a float or out of range"
	errTimeoutNegative = "ERR timeout is negative"
	// longDoubleCharsMax is the longest number Redis parses as a long double.
	longDoubleCharsMax = 5 * 1024
)

// parseTimeout reads a blocking timeout in seconds, as Redis 7.0: a float
// (strtold syntax: hex allowed, no leading space, no NaN) turned into
// milliseconds rounded up; 0 waits forever. Values too large for int64
// milliseconds — inf included — overflow to negative in Redis's cast and
// so answer "timeout is negative"; so do they here.
func parseTimeout(arg []byte) (int64, resp.Value, bool) {
	s := string(arg)
	if s == "" || len(s) > longDoubleCharsMax || strings.TrimLeft(s, " \t\n\v\f\r") != s {
		return 0, resp.Err(errTimeoutNotFloat), false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && isHexWithoutExponent(s) {
		f, err = strconv.ParseFloat(s+"p0", 64)
	}
	var numErr *strconv.NumError
	if err != nil && !(errors.As(err, &numErr) && numErr.Err == strconv.ErrRange) {
		return 0, resp.Err(errTimeoutNotFloat), false
	}
	if math.IsNaN(f) || strings.ContainsRune(s, '_') {
		return 0, resp.Err(errTimeoutNotFloat), false
	}
	ms := math.Ceil(f * 1000)
	if f < 0 || ms >= math.MaxInt64 {
		return 0, resp.Err(errTimeoutNegative), false
	}
	return int64(ms), resp.Value{}, true
}

func isHexWithoutExponent(s string) bool {
	t := strings.TrimLeft(s, "+-")
	return (strings.HasPrefix(t, "0x") || strings.HasPrefix(t, "0X")) && !strings.ContainsAny(t, "pP")
}

// popOne pops one element for BLPOP/BRPOP, propagated as LPOP/RPOP key.
func popOne(c *call, key []byte, l *listObject, left bool) resp.Value {
	elem := l.pop(left)
	c.notify(notifyList, popEvent(left), key)
	c.deleteIfEmpty(key, l)
	cmd := cmdRpop
	if left {
		cmd = cmdLpop
	}
	c.propagate(cmd, key)
	return resp.ArrayOf(resp.Bulk(key), resp.Bulk(elem))
}

func blpopCommand(c *call) resp.Value { return blockingPop(c, true) }
func brpopCommand(c *call) resp.Value { return blockingPop(c, false) }

// blockingPop is BLPOP/BRPOP key [key …] timeout: the first non-empty list
// named, or wait for one.
func blockingPop(c *call, left bool) resp.Value {
	timeoutMillis, errReply, ok := parseTimeout(c.args[len(c.args)-1])
	if !ok {
		return errReply
	}
	keys := c.args[1 : len(c.args)-1]
	for _, key := range keys {
		l, ok := c.getList(key)
		if !ok {
			return replyWrongType
		}
		if l != nil {
			return popOne(c, key, l, left)
		}
	}
	return c.block(keys, timeoutMillis, &blockedClient{op: blockPop, left: left})
}

func blmoveCommand(c *call) resp.Value {
	from, ok1 := parseEnd(c.args[3])
	to, ok2 := parseEnd(c.args[4])
	if !ok1 || !ok2 {
		return resp.Err(errSyntax)
	}
	return blockingMove(c, c.args[5], from, to)
}

func brpoplpushCommand(c *call) resp.Value { return blockingMove(c, c.args[3], false, true) }

func blockingMove(c *call, timeoutArg []byte, from, to bool) resp.Value {
	timeoutMillis, errReply, ok := parseTimeout(timeoutArg)
	if !ok {
		return errReply
	}
	if v := moveGeneric(c, from, to); v.Kind != resp.Null {
		return v
	}
	return c.block(c.args[1:2], timeoutMillis, &blockedClient{op: blockMove, left: from, toLeft: to, dst: c.args[2]})
}

// blmpopCommand is BLMPOP timeout numkeys key [key …] LEFT|RIGHT [COUNT n].
func blmpopCommand(c *call) resp.Value {
	timeoutMillis, errReply, ok := parseTimeout(c.args[1])
	if !ok {
		return errReply
	}
	m, errReply, ok := parseMpop(c.args[2:])
	if !ok {
		return errReply
	}
	if v := mpopGeneric(c, m); v.Kind != resp.NullArray {
		return v
	}
	return c.block(m.keys, timeoutMillis, &blockedClient{op: blockMpop, left: m.left, count: m.count})
}
