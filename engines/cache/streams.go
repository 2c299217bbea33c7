package cache

import (
	"bytes"
	"math"
	"strconv"

	"syslab/engines/cache/resp"
)

// Stream commands (Redis 7.0's t_stream.c): XADD, XRANGE, XREVRANGE, XLEN,
// XDEL, XTRIM, XSETID here; XREAD and XREADGROUP in streamread.go; the
// consumer groups in streamgroups.go; XINFO in streaminfo.go. The type is
// in stream.go.
//
// Writes are propagated so that a replica or the AOF ends in the same
// state without a clock or node limits of its own: XADD with the ID it
// generated, and an approximate trim (~) as the exact trim it came to.

var streamCommands = []commandSpec{
	{name: "xadd", arity: -5, flags: flagWrite | flagDenyOOM | flagFast, firstKey: 1, lastKey: 1, keyStep: 1, run: xaddCommand},
	{name: "xrange", arity: -4, flags: flagReadonly, firstKey: 1, lastKey: 1, keyStep: 1, run: xrangeCommand},
	{name: "xrevrange", arity: -4, flags: flagReadonly, firstKey: 1, lastKey: 1, keyStep: 1, run: xrevrangeCommand},
	{name: "xlen", arity: 2, flags: flagReadonly | flagFast, firstKey: 1, lastKey: 1, keyStep: 1, run: xlenCommand},
	{name: "xdel", arity: -3, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, keyStep: 1, run: xdelCommand},
	{name: "xtrim", arity: -4, flags: flagWrite, firstKey: 1, lastKey: 1, keyStep: 1, run: xtrimCommand},
	{name: "xsetid", arity: -3, flags: flagWrite | flagDenyOOM | flagFast, firstKey: 1, lastKey: 1, keyStep: 1, run: xsetidCommand},
}

var (
	replyInvalidStreamID = resp.Err("ERR Invalid stream ID specified as stream command argument")
	argEquals            = []byte("=")
)

// getStream returns the stream at key, nil if absent, or ok=false for a
// key of another type.
func (c *call) getStream(key []byte) (s *streamObject, ok bool) {
	e := c.lookup(key)
	if e == nil {
		return nil, true
	}
	s, ok = e.value.(*streamObject)
	return s, ok
}

// existingStream returns the stream at key, or nil and what to answer:
// WRONGTYPE for another type, missing when there is no key.
func (c *call) existingStream(key []byte, missing resp.Value) (*streamObject, resp.Value) {
	s, ok := c.getStream(key)
	switch {
	case !ok:
		return nil, replyWrongType
	case s == nil:
		return nil, missing
	}
	return s, resp.Value{}
}

// nodeLimits are the node's stream-node-max-entries and -bytes.
func (c *call) nodeLimits() nodeLimits { return streamNodeLimits(&c.node.cfg.limits) }

// parseStreamID reads an ID argument as Redis's streamGenericParseIDOrReply:
// "-" and "+" unless strict, "ms-seq", or "ms" (seq: missingSeq). With
// seqStar, "ms-*" is accepted and seqGiven tells it apart.
func parseStreamID(arg []byte, missingSeq uint64, strict, seqStar bool) (id streamID, seqGiven, ok bool) {
	if len(arg) > 127 {
		return streamID{}, false, false
	}
	if i := bytes.IndexByte(arg, 0); i >= 0 {
		arg = arg[:i] // C reads up to the first NUL
	}
	switch string(arg) {
	case "-":
		return streamIDMin, true, !strict
	case "+":
		return streamIDMax, true, !strict
	}
	msPart, seqPart, hasSeq := bytes.Cut(arg, []byte("-"))
	ms, ok := parseUnsignedRedis(msPart)
	if !ok {
		return streamID{}, false, false
	}
	if !hasSeq {
		return streamID{ms, missingSeq}, true, true
	}
	if seqStar && string(seqPart) == "*" {
		return streamID{ms, 0}, false, true
	}
	seq, ok := parseUnsignedRedis(seqPart)
	if !ok {
		return streamID{}, false, false
	}
	return streamID{ms, seq}, true, true
}

// parseUnsignedRedis is Redis's string2ull: a canonical integer that is
// not negative, or else whatever strtoull takes whole (leading blanks, a
// sign, leading zeros; a minus wraps around, as in C).
func parseUnsignedRedis(s []byte) (uint64, bool) {
	if v, ok := resp.ParseInt(s); ok {
		return uint64(v), v >= 0
	}
	i := 0
	for i < len(s) && (s[i] == ' ' || s[i] >= '\t' && s[i] <= '\r') {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	if i == len(s) {
		return 0, false
	}
	var v uint64
	for ; i < len(s); i++ {
		d := s[i]
		if d < '0' || d > '9' || v > (math.MaxUint64-uint64(d-'0'))/10 {
			return 0, false
		}
		v = v*10 + uint64(d-'0')
	}
	if neg {
		v = -v
	}
	return v, true
}

// parseTrimArgs reads XADD's options (up to the ID, whose index it
// returns) or XTRIM's, as Redis's streamParseAddOrTrimArgsOrReply.
type xaddArgs struct {
	trim       trimArgs
	noMkStream bool
	id         streamID
	idGiven    bool
	seqGiven   bool
	idIndex    int
}

func parseTrimArgs(c *call, xadd bool) (xaddArgs, resp.Value, bool) {
	var a xaddArgs
	limitGiven := false
	i := 2
loop:
	for ; i < len(c.args); i++ {
		more := len(c.args) - 1 - i
		opt := c.args[i]
		switch {
		case xadd && string(opt) == "*":
			break loop
		case equalFoldString(opt, "maxlen") && more > 0, equalFoldString(opt, "minid") && more > 0:
			if a.trim.strategy != trimNone {
				return a, resp.Err("ERR syntax error, MAXLEN and MINID options at the same time are not compatible"), false
			}
			a.trim.approx = false
			if more >= 2 && string(c.args[i+1]) == "~" {
				a.trim.approx = true
				i++
			} else if more >= 2 && string(c.args[i+1]) == "=" {
				i++
			}
			if equalFoldString(opt, "maxlen") {
				n, ok := resp.ParseInt(c.args[i+1])
				if !ok {
					return a, resp.Err(errNotInteger), false
				}
				if n < 0 {
					return a, resp.Err("ERR The MAXLEN argument must be >= 0."), false
				}
				a.trim.strategy, a.trim.maxLen = trimMaxLen, n
			} else {
				id, _, ok := parseStreamID(c.args[i+1], 0, true, false)
				if !ok {
					return a, replyInvalidStreamID, false
				}
				a.trim.strategy, a.trim.minID = trimMinID, id
			}
			i++
			a.trim.argIndex = i
		case equalFoldString(opt, "limit") && more > 0:
			n, ok := resp.ParseInt(c.args[i+1])
			if !ok {
				return a, resp.Err(errNotInteger), false
			}
			if n < 0 {
				return a, resp.Err("ERR The LIMIT argument must be >= 0."), false
			}
			a.trim.limit, limitGiven = n, true
			i++
		case xadd && equalFoldString(opt, "nomkstream"):
			a.noMkStream = true
		case xadd:
			id, seqGiven, ok := parseStreamID(opt, 0, true, true)
			if !ok {
				return a, replyInvalidStreamID, false
			}
			a.id, a.idGiven, a.seqGiven = id, true, seqGiven
			break loop
		default:
			return a, resp.Err(errSyntax), false
		}
	}
	a.idIndex = i // the ID's (XADD), or past the end
	if a.trim.limit != 0 && a.trim.strategy == trimNone {
		return a, resp.Err("ERR syntax error, LIMIT cannot be used without specifying a trimming strategy"), false
	}
	if !xadd && a.trim.strategy == trimNone {
		return a, resp.Err("ERR syntax error, XTRIM must be called with a trimming strategy"), false
	}
	if c.spec == nil {
		// From the AOF or a master: the trim was rewritten exact, and is
		// applied whole.
		a.trim.limit = 0
	} else if limitGiven {
		if !a.trim.approx {
			return a, resp.Err("ERR syntax error, LIMIT cannot be used without the special ~ option"), false
		}
	} else if a.trim.approx {
		// Redis bounds an approximate trim's work unless told otherwise.
		a.trim.limit = 100 * c.node.cfg.limits.streamNodeEntries
		if a.trim.limit <= 0 || a.trim.limit > 1_000_000 {
			a.trim.limit = 1_000_000
		}
	}
	return a, resp.Value{}, true
}

func equalFoldString(b []byte, s string) bool { return bytes.EqualFold(b, []byte(s)) }

// trimRewritten is args with an approximate trim made the exact one it
// came to: "=", and the stream's length or first ID.
func trimRewritten(args [][]byte, t trimArgs, s *streamObject) [][]byte {
	out := append([][]byte(nil), args...)
	out[t.argIndex-1] = argEquals
	if t.strategy == trimMaxLen {
		out[t.argIndex] = strconv.AppendInt(nil, int64(s.length), 10)
	} else {
		out[t.argIndex] = s.firstID.bytes() // 0-0 when the trim emptied it
	}
	return out
}

func xaddCommand(c *call) resp.Value {
	a, errReply, ok := parseTrimArgs(c, true)
	if !ok {
		return errReply
	}
	fieldsAt := a.idIndex + 1
	if n := len(c.args) - fieldsAt; n < 2 || n%2 == 1 {
		return errWrongArity("xadd")
	}
	if a.idGiven && a.seqGiven && a.id == streamIDMin {
		return resp.Err("ERR The ID specified in XADD must be greater than 0-0")
	}
	key := c.args[1]
	s, ok := c.getStream(key)
	if !ok {
		return replyWrongType
	}
	if s == nil {
		if a.noMkStream {
			return resp.NullBulk
		}
		s = newStream()
		c.db.set(string(key), s, false)
	}
	if s.lastID == streamIDMax {
		return resp.Err("ERR The stream has exhausted the last possible ID, unable to add more items")
	}
	var id streamID
	switch {
	case !a.idGiven:
		if now := uint64(max(c.nowMillis, 0)); now > s.lastID.ms {
			id = streamID{now, 0}
		} else {
			id, _ = s.lastID.next()
		}
	case !a.seqGiven:
		id = a.id
		if s.lastID.ms == a.id.ms {
			if s.lastID.seq == math.MaxUint64 {
				return resp.Err("ERR The ID specified in XADD is equal or smaller than the target stream top item")
			}
			id = streamID{a.id.ms, s.lastID.seq + 1}
		}
	default:
		id = a.id
	}
	if !s.lastID.less(id) {
		return resp.Err("ERR The ID specified in XADD is equal or smaller than the target stream top item")
	}
	valueBytes := 0
	for _, f := range c.args[fieldsAt:] {
		valueBytes += len(f)
	}
	if valueBytes > streamListpackBytesMax {
		return resp.Err("ERR Elements are too large to be stored")
	}
	s.append(id, append([][]byte(nil), c.args[fieldsAt:]...), c.nodeLimits())
	c.notify(notifyStream, "xadd", key)
	propagated := c.args
	if !a.idGiven || !a.seqGiven {
		propagated = append([][]byte(nil), c.args...)
		propagated[a.idIndex] = id.bytes()
	}
	if a.trim.strategy != trimNone {
		if s.trim(a.trim) > 0 {
			c.notify(notifyStream, "xtrim", key)
		}
		if a.trim.approx {
			propagated = trimRewritten(propagated, a.trim, s)
		}
	}
	c.propagate(propagated...)
	return resp.Bulk(id.bytes())
}

func xrangeCommand(c *call) resp.Value    { return xrangeGeneric(c, false) }
func xrevrangeCommand(c *call) resp.Value { return xrangeGeneric(c, true) }

// parseIntervalID reads a range end: an ID, or "(" and an ID for an open
// end.
func parseIntervalID(arg []byte, missingSeq uint64) (id streamID, exclusive, ok bool) {
	if len(arg) > 1 && arg[0] == '(' {
		id, _, ok = parseStreamID(arg[1:], missingSeq, true, false)
		return id, true, ok
	}
	id, _, ok = parseStreamID(arg, missingSeq, false, false)
	return id, false, ok
}

func xrangeGeneric(c *call, rev bool) resp.Value {
	startArg, endArg := c.args[2], c.args[3]
	if rev {
		startArg, endArg = endArg, startArg
	}
	start, exclusive, ok := parseIntervalID(startArg, 0)
	if !ok {
		return replyInvalidStreamID
	}
	if exclusive {
		if start, ok = start.next(); !ok {
			return resp.Err("ERR invalid start ID for the interval")
		}
	}
	end, exclusive, ok := parseIntervalID(endArg, math.MaxUint64)
	if !ok {
		return replyInvalidStreamID
	}
	if exclusive {
		if end, ok = end.prev(); !ok {
			return resp.Err("ERR invalid end ID for the interval")
		}
	}
	count := int64(-1)
	for j := 4; j < len(c.args); j++ {
		if equalFoldString(c.args[j], "count") && j+1 < len(c.args) {
			n, ok := resp.ParseInt(c.args[j+1])
			if !ok {
				return resp.Err(errNotInteger)
			}
			count = max(n, 0)
			j++
			continue
		}
		return resp.Err(errSyntax)
	}
	s, ok := c.getStream(c.args[1])
	if !ok {
		return replyWrongType
	}
	if s == nil {
		return resp.ArrayOf()
	}
	if count == 0 {
		return resp.Value{Kind: resp.NullArray}
	}
	return streamRangeReply(s, start, end, count, rev)
}

// streamRangeReply is the entries from start to end (at most count, -1:
// all) as [[id, [field, value, …]], …].
func streamRangeReply(s *streamObject, start, end streamID, count int64, rev bool) resp.Value {
	out := resp.Value{Kind: resp.Array, Elems: []resp.Value{}}
	s.rangeEntries(start, end, rev, func(e *streamEntry) bool {
		out.Elems = append(out.Elems, entryReply(e))
		return count < 0 || int64(len(out.Elems)) < count
	})
	return out
}

func entryReply(e *streamEntry) resp.Value {
	fields := make([]resp.Value, len(e.fields))
	for i, f := range e.fields {
		fields[i] = resp.Bulk(f)
	}
	return resp.ArrayOf(resp.Bulk(e.id.bytes()), resp.ArrayOf(fields...))
}

func xlenCommand(c *call) resp.Value {
	s, refusal := c.existingStream(c.args[1], resp.Int(0))
	if s == nil {
		return refusal
	}
	return resp.Int(int64(s.length))
}

func xdelCommand(c *call) resp.Value {
	ids := make([]streamID, 0, len(c.args)-2)
	for _, arg := range c.args[2:] {
		id, _, ok := parseStreamID(arg, 0, true, false)
		if !ok {
			return replyInvalidStreamID
		}
		ids = append(ids, id)
	}
	key := c.args[1]
	s, refusal := c.existingStream(key, resp.Int(0))
	if s == nil {
		return refusal
	}
	deleted := int64(0)
	for _, id := range ids {
		if s.delete(id) {
			deleted++
		}
	}
	if deleted > 0 {
		c.notify(notifyStream, "xdel", key)
		c.propagate(c.args...)
	}
	return resp.Int(deleted)
}

func xtrimCommand(c *call) resp.Value {
	key := c.args[1]
	s, refusal := c.existingStream(key, resp.Int(0))
	if s == nil {
		return refusal
	}
	a, errReply, ok := parseTrimArgs(c, false)
	if !ok {
		return errReply
	}
	deleted := s.trim(a.trim)
	if deleted > 0 {
		c.notify(notifyStream, "xtrim", key)
		if a.trim.approx {
			c.propagate(trimRewritten(c.args, a.trim, s)...)
		} else {
			c.propagate(c.args...)
		}
	}
	return resp.Int(deleted)
}

func xsetidCommand(c *call) resp.Value {
	id, _, ok := parseStreamID(c.args[2], 0, true, false)
	if !ok {
		return replyInvalidStreamID
	}
	entriesAdded := int64(-1)
	var maxDeleted streamID
	for i := 3; i < len(c.args); i += 2 {
		more := len(c.args) - 1 - i
		switch {
		case equalFoldString(c.args[i], "entriesadded") && more > 0:
			n, ok := resp.ParseInt(c.args[i+1])
			if !ok {
				return resp.Err(errNotInteger)
			}
			if n < 0 {
				return resp.Err("ERR entries_added must be positive")
			}
			entriesAdded = n
		case equalFoldString(c.args[i], "maxdeletedid") && more > 0:
			if maxDeleted, _, ok = parseStreamID(c.args[i+1], 0, true, false); !ok {
				return replyInvalidStreamID
			}
			if id.less(maxDeleted) {
				return resp.Err("ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id")
			}
		default:
			return resp.Err(errSyntax)
		}
	}
	key := c.args[1]
	s, refusal := c.existingStream(key, resp.Err("ERR no such key"))
	if s == nil {
		return refusal
	}
	if s.length > 0 {
		if last, _ := s.last(); id.less(last.id) {
			return resp.Err("ERR The ID specified in XSETID is smaller than the target stream top item")
		}
		if entriesAdded != -1 && int64(s.length) > entriesAdded {
			return resp.Err("ERR The entries_added specified in XSETID is smaller than the target stream length")
		}
	}
	s.lastID = id
	if entriesAdded != -1 {
		s.entriesAdded = uint64(entriesAdded)
	}
	if maxDeleted != streamIDMin {
		s.maxDeletedID = maxDeleted
	}
	c.notify(notifyStream, "xsetid", key)
	c.propagate(c.args...)
	return resp.OK
}
