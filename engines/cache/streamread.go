package cache

import "syslab/engines/cache/resp"

// XREAD and XREADGROUP (Redis 7.0's xreadCommand): read what follows an
// ID in one or more streams, or wait for it (BLOCK) on the blocked-client
// machinery of blocking.go. XREADGROUP reads for a consumer of a group:
// ">" delivers entries past the group's last delivered ID and records them
// in its pending entries lists (unless NOACK); any other ID re-reads the
// consumer's own pending history. Its effects reach replicas and the AOF
// as Redis sends them: an XCLAIM per delivered entry and XGROUP SETID
// for the group's position, in one transaction.

var streamReadCommands = []commandSpec{
	{name: "xread", arity: -4, flags: flagReadonly, movableKeys: xreadKeys, run: xreadCommand},
	{name: "xreadgroup", arity: -7, flags: flagWrite, movableKeys: xreadKeys, run: xreadCommand},
}

// xreadDefaultCount is how many entries a served XREAD BLOCK without
// COUNT answers at most (Redis's XREAD_BLOCKED_DEFAULT_COUNT).
const xreadDefaultCount = 1000

// xreadKeys finds the keys of XREAD and XREADGROUP: the first half of the
// arguments after STREAMS.
func xreadKeys(args [][]byte) [][]byte {
	for i := 1; i < len(args); i++ {
		if equalFoldString(args[i], "streams") {
			rest := len(args) - i - 1
			if rest == 0 || rest%2 != 0 {
				return nil
			}
			return args[i+1 : i+1+rest/2 : i+1+rest/2]
		}
	}
	return nil
}

// xreadRequest is a parsed XREAD or XREADGROUP.
type xreadRequest struct {
	group, consumer []byte // XREADGROUP
	noAck           bool
	count           int64 // 0: all
	timeoutMillis   int64 // -1: no BLOCK
	keys            [][]byte
	after           []streamID // per key; streamIDMax for ">"
}

func parseXread(c *call, readGroup bool) (xreadRequest, resp.Value, bool) {
	r := xreadRequest{timeoutMillis: -1}
	streamsAt := 0
	for i := 1; i < len(c.args) && streamsAt == 0; i++ {
		more := len(c.args) - i - 1
		opt := c.args[i]
		switch {
		case equalFoldString(opt, "block") && more > 0:
			if c.node.scriptRun != nil {
				return r, resp.Err("ERR " + string(c.args[0]) + " command is not allowed with BLOCK option from scripts"), false
			}
			i++
			ms, errReply, ok := parseTimeoutMillis(c.args[i])
			if !ok {
				return r, errReply, false
			}
			r.timeoutMillis = ms
		case equalFoldString(opt, "count") && more > 0:
			i++
			n, ok := resp.ParseInt(c.args[i])
			if !ok {
				return r, resp.Err(errNotInteger), false
			}
			r.count = max(n, 0)
		case equalFoldString(opt, "streams") && more > 0:
			if more%2 != 0 {
				return r, resp.Err("ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified."), false
			}
			streamsAt = i + 1
		case equalFoldString(opt, "group") && more >= 2:
			if !readGroup {
				return r, resp.Err("ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead."), false
			}
			r.group, r.consumer = c.args[i+1], c.args[i+2]
			i += 2
		case equalFoldString(opt, "noack"):
			if !readGroup {
				return r, resp.Err("ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead."), false
			}
			r.noAck = true
		default:
			return r, resp.Err(errSyntax), false
		}
	}
	if streamsAt == 0 {
		return r, resp.Err(errSyntax), false
	}
	if readGroup && r.group == nil {
		return r, resp.Err("ERR Missing GROUP option for XREADGROUP"), false
	}
	n := (len(c.args) - streamsAt) / 2
	r.keys = c.args[streamsAt : streamsAt+n]
	for i, arg := range c.args[streamsAt+n:] {
		key := r.keys[i]
		s, ok := c.getStream(key)
		if !ok {
			return r, replyWrongType, false
		}
		if readGroup && (s == nil || s.group(r.group) == nil) {
			return r, resp.Err("NOGROUP No such key '" + string(key) + "' or consumer group '" + string(r.group) + "' in XREADGROUP with GROUP option"), false
		}
		switch string(arg) {
		case "$":
			if readGroup {
				return r, resp.Err("ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set."), false
			}
			id := streamIDMin
			if s != nil {
				id = s.lastID
			}
			r.after = append(r.after, id)
			continue
		case ">":
			if !readGroup {
				return r, resp.Err("ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option."), false
			}
			r.after = append(r.after, streamIDMax)
			continue
		}
		id, _, ok := parseStreamID(arg, 0, true, false)
		if !ok {
			return r, replyInvalidStreamID, false
		}
		r.after = append(r.after, id)
	}
	return r, resp.Value{}, true
}

// parseTimeoutMillis reads BLOCK's timeout in milliseconds, as Redis's
// getTimeoutFromObjectOrReply with UNIT_MILLISECONDS: an integer (a
// float is refused), not negative; 0 waits forever.
func parseTimeoutMillis(arg []byte) (int64, resp.Value, bool) {
	ms, ok := resp.ParseInt(arg)
	if !ok {
		return 0, resp.Err("ERR timeout is not an integer or out of range"), false
	}
	if ms < 0 {
		return 0, resp.Err(errTimeoutNegative), false
	}
	return ms, resp.Value{}, true
}

func xreadCommand(c *call) resp.Value {
	readGroup := len(c.args[0]) == len("xreadgroup")
	r, errReply, ok := parseXread(c, readGroup)
	if !ok {
		return errReply
	}
	var results []resp.Value
	var effects [][][]byte
	for i, key := range r.keys {
		s, _ := c.getStream(key)
		if s == nil {
			continue
		}
		after := r.after[i]
		history := false
		var g *streamGroup
		serve := false
		if readGroup {
			g = s.group(r.group)
			if after != streamIDMax {
				serve, history = true, true
			} else if last, ok := s.last(); ok && g.lastID.less(last.id) {
				serve = true
			}
		} else if last, ok := s.last(); ok && after.less(last.id) {
			serve = true
		}
		if !serve {
			continue
		}
		var entries resp.Value
		if readGroup {
			entries, effects = c.readForGroup(key, s, g, r, after, history, effects)
		} else {
			start, _ := after.next()
			entries = streamRangeReply(s, start, streamIDMax, countOrAll(r.count), false)
		}
		results = append(results, resp.Bulk(key), entries)
	}
	if len(effects) > 0 {
		c.propagateAll(effects)
	}
	if len(results) > 0 {
		return c.keyedReply(results)
	}
	if r.timeoutMillis < 0 {
		return resp.Value{Kind: resp.NullArray}
	}
	bc := &blockedClient{op: blockXread, streamKeys: keepArgs(r.keys), streamAfter: r.after, count: r.count,
		group: r.group, consumer: r.consumer, noAck: r.noAck}
	if bc.count == 0 {
		bc.count = xreadDefaultCount
	}
	return c.block(r.keys, r.timeoutMillis, bc)
}

func countOrAll(count int64) int64 {
	if count == 0 {
		return -1
	}
	return count
}

// keyedReply is XREAD's answer: key and entries pairs, as an array of
// two-element arrays in RESP2 and a map in RESP3.
func (c *call) keyedReply(keysAndEntries []resp.Value) resp.Value {
	if c.node.protocolOf(c.client) >= resp.RESP3 {
		return resp.Value{Kind: resp.Map, Elems: keysAndEntries}
	}
	out := make([]resp.Value, 0, len(keysAndEntries)/2)
	for i := 0; i < len(keysAndEntries); i += 2 {
		out = append(out, resp.ArrayOf(keysAndEntries[i], keysAndEntries[i+1]))
	}
	return resp.ArrayOf(out...)
}

// readForGroup reads key's entries for r's consumer of group g: its
// pending history from after (history), or new entries past the group's
// last delivered ID, which become pending (unless NOACK) and advance the
// group. It appends the effects to propagate.
func (c *call) readForGroup(key []byte, s *streamObject, g *streamGroup, r xreadRequest, after streamID, history bool, effects [][][]byte) (resp.Value, [][][]byte) {
	consumer := g.consumer(r.consumer)
	if consumer == nil {
		consumer = g.createConsumer(r.consumer, c.nowMillis)
		c.notify(notifyStream, "xgroup-createconsumer", key)
		if r.noAck {
			effects = append(effects, [][]byte{cmdXgroup, argCreateConsumer, key, r.group, r.consumer})
		}
	} else {
		consumer.seenTimeMillis = c.nowMillis
	}
	out := resp.Value{Kind: resp.Array, Elems: []resp.Value{}}
	limit := countOrAll(r.count)
	if history {
		start, _ := after.next()
		for _, p := range consumer.pendingFrom(start) {
			if limit >= 0 && int64(len(out.Elems)) >= limit {
				break
			}
			if e, ok := s.lookup(p.id); ok {
				out.Elems = append(out.Elems, entryReply(e))
			} else {
				// Deleted since delivered: the ID with no fields, as Redis answers.
				out.Elems = append(out.Elems, resp.ArrayOf(resp.Bulk(p.id.bytes()), resp.Value{Kind: resp.NullArray}))
			}
		}
		return out, effects
	}
	start, _ := g.lastID.next()
	advanced := false
	s.rangeEntries(start, streamIDMax, false, func(e *streamEntry) bool {
		g.advanceTo(s, e.id)
		advanced = true
		out.Elems = append(out.Elems, entryReply(e))
		if !r.noAck {
			p := g.deliver(e.id, consumer, c.nowMillis)
			effects = append(effects, xclaimEffect(key, r.group, g, p))
		}
		return limit < 0 || int64(len(out.Elems)) < limit
	})
	if advanced && r.noAck {
		effects = append(effects, setIDEffect(key, r.group, g))
	}
	return out, effects
}

// propagateAll sends a command's several effects as one transaction, as
// Redis wraps the commands one call propagates in MULTI/EXEC.
func (c *call) propagateAll(effects [][][]byte) {
	n := c.node
	own := n.exec == nil && len(effects) > 1
	if own {
		n.exec = &execState{}
	}
	for _, args := range effects {
		c.propagate(args...)
	}
	if own {
		n.finishTransactionLog()
		n.exec = nil
	}
}

// serveStreamWaiters serves the clients blocked in XREAD or XREADGROUP on
// key whose wait the stream now satisfies, in the order they blocked; the
// others keep waiting. (blocking.go's serveKey calls it.)
func (n *Node) serveStreamWaiters(c *call, key []byte, q *waitQueue) []servedReply {
	var served []servedReply
	s, ok := c.getStream(key)
	if !ok || s == nil {
		return nil
	}
	for _, bc := range append([]*blockedClient(nil), q.clients...) {
		if bc.done || bc.op != blockXread {
			continue
		}
		after := streamIDMax
		for i, k := range bc.streamKeys {
			if string(k) == string(key) {
				after = bc.streamAfter[i]
				break
			}
		}
		var g *streamGroup
		if bc.group != nil {
			if g = s.group(bc.group); g == nil {
				n.unblock(bc)
				served = append(served, servedReply{client: bc.client, seq: bc.seq,
					value: n.failUnblocked(bc, resp.Err("NOGROUP the consumer group this client was blocked on no longer exists"))})
				continue
			}
			after = g.lastID
		}
		// Served once a live entry is past its ID: entries added and
		// deleted since it blocked leave it waiting, not answered empty.
		if last, ok := s.last(); !ok || !after.less(last.id) {
			continue
		}
		c.client, c.seq = bc.client, bc.seq
		servedAt := n.startCommand(bc.spec, bc.args) // commandclock.go
		dirtyBefore := n.dirty
		var entries resp.Value
		if g != nil {
			var effects [][][]byte
			r := xreadRequest{group: bc.group, consumer: bc.consumer, noAck: bc.noAck, count: bc.count}
			entries, effects = c.readForGroup(key, s, g, r, streamIDMax, false, nil)
			c.propagateAll(effects)
		} else {
			start, _ := after.next()
			entries = streamRangeReply(s, start, streamIDMax, bc.count, false)
		}
		n.unblock(bc)
		n.countUnblocked(bc, n.commandDuration(servedAt), false)
		var pushes []resp.Value
		if n.dirty != dirtyBefore { // XREADGROUP changed its group
			current, afterReply := n.current, n.afterReply
			n.current, n.afterReply = n.sessions[bc.client], nil
			n.keyModified(c.dbIndex, key)
			pushes = n.afterReply
			n.current, n.afterReply = current, afterReply
		}
		served = append(served, servedReply{client: bc.client, seq: bc.seq, value: c.keyedReply([]resp.Value{resp.Bulk(key), entries}), after: pushes})
	}
	return served
}

// unblockStreamGroupReaders answers the XREADGROUP waiters of a key that
// no longer holds a stream (deleted, or replaced by another type), as
// Redis 7.0 does; XREAD waiters wait on.
func (n *Node) unblockStreamGroupReaders(q *waitQueue) []servedReply {
	var served []servedReply
	for _, bc := range append([]*blockedClient(nil), q.clients...) {
		if bc.done || bc.op != blockXread || bc.group == nil {
			continue
		}
		n.unblock(bc)
		served = append(served, servedReply{client: bc.client, seq: bc.seq, value: n.failUnblocked(bc, resp.Err("UNBLOCKED the stream key no longer exists"))})
	}
	return served
}

// failUnblocked counts an error a blocked command is answered with: in
// errorstats and as the command's failed call.
func (n *Node) failUnblocked(bc *blockedClient, v resp.Value) resp.Value {
	n.countError(v)
	n.countUnblocked(bc, 0, true)
	return v
}
