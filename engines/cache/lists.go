package cache

import (
	"bytes"
	"strconv"

	"syslab/engines/cache/resp"
)

// listObject is the list type: a ring buffer of elements, so pushes and
// pops at either end are O(1) (amortized, when the buffer grows) and an
// index is O(1) too — better than Redis's quicklist for LINDEX/LSET, at the
// price of O(n) inserts and removals in the middle, which Redis pays as well.
//
// Elements are the clients' argument slices, never modified in place
// (LSET stores a new slice), so a reply that shares one stays valid.
type listObject struct {
	// ring has a power-of-two length; the elements are ring[head],
	// ring[head+1], … ring[head+n-1], indices modulo len(ring).
	ring [][]byte
	head int
	n    int
	// dataBytes is the sum of the element lengths, kept for memoryBytes.
	dataBytes int
}

const (
	listRingMin = 4
	// listHeaderBytes and listEntryOverheadBytes approximate Redis's
	// quicklist: the robj and quicklist header, and per element a
	// listpack entry header plus its share of node headers.
	listHeaderBytes        = 56
	listEntryOverheadBytes = 11
)

func newListObject() *listObject { return &listObject{ring: make([][]byte, listRingMin)} }

func (*listObject) typeName() string { return "list" }

// encoding is always "quicklist": Redis 7.0 — the version this node
// answers like — reports every list so, however small (7.2 introduced the
// plain listpack encoding for lists that fit list-max-listpack-size).
func (*listObject) encoding() string { return "quicklist" }

func (l *listObject) memoryBytes() int {
	return listHeaderBytes + l.dataBytes + l.n*listEntryOverheadBytes
}

func (l *listObject) len() int { return l.n }

func (l *listObject) slot(i int) int { return (l.head + i) & (len(l.ring) - 1) }

// at returns element i, 0 <= i < n.
func (l *listObject) at(i int) []byte { return l.ring[l.slot(i)] }

func (l *listObject) set(i int, elem []byte) {
	s := l.slot(i)
	l.dataBytes += len(elem) - len(l.ring[s])
	l.ring[s] = elem
}

func (l *listObject) grow() {
	ring := make([][]byte, len(l.ring)*2)
	for i := range l.n {
		ring[i] = l.at(i)
	}
	l.ring, l.head = ring, 0
}

// shrink halves the ring when it is at most a quarter full, so a list
// that was long once does not hold its peak memory forever.
func (l *listObject) shrink() {
	if len(l.ring) <= listRingMin || l.n*4 > len(l.ring) {
		return
	}
	ring := make([][]byte, len(l.ring)/2)
	for i := range l.n {
		ring[i] = l.at(i)
	}
	l.ring, l.head = ring, 0
}

func (l *listObject) push(elem []byte, left bool) {
	if l.n == len(l.ring) {
		l.grow()
	}
	if left {
		l.head = (l.head - 1) & (len(l.ring) - 1)
		l.ring[l.head] = elem
	} else {
		l.ring[l.slot(l.n)] = elem
	}
	l.n++
	l.dataBytes += len(elem)
}

// pop removes and returns the element at one end; the list must not be empty.
func (l *listObject) pop(left bool) []byte {
	var s int
	if left {
		s = l.head
		l.head = (l.head + 1) & (len(l.ring) - 1)
	} else {
		s = l.slot(l.n - 1)
	}
	elem := l.ring[s]
	l.ring[s] = nil
	l.n--
	l.dataBytes -= len(elem)
	l.shrink()
	return elem
}

// insert puts elem at index i (0 <= i <= n), moving the shorter side.
func (l *listObject) insert(i int, elem []byte) {
	if i == 0 || i == l.n {
		l.push(elem, i == 0)
		return
	}
	if l.n == len(l.ring) {
		l.grow()
	}
	if i < l.n/2 {
		l.head = (l.head - 1) & (len(l.ring) - 1)
		for j := 0; j < i; j++ {
			l.ring[l.slot(j)] = l.ring[l.slot(j+1)]
		}
	} else {
		for j := l.n; j > i; j-- {
			l.ring[l.slot(j)] = l.ring[l.slot(j-1)]
		}
	}
	l.ring[l.slot(i)] = elem
	l.n++
	l.dataBytes += len(elem)
}

// keep retains the elements for which keepIndex(i) is true, in order, and
// returns how many it removed. It is one O(n) pass (LREM, LTRIM).
func (l *listObject) keep(keepIndex func(i int, elem []byte) bool) int {
	out := 0
	for i := range l.n {
		elem := l.at(i)
		if keepIndex(i, elem) {
			l.ring[l.slot(out)] = elem
			out++
		} else {
			l.dataBytes -= len(elem)
		}
	}
	for i := out; i < l.n; i++ {
		l.ring[l.slot(i)] = nil
	}
	removed := l.n - out
	l.n = out
	for len(l.ring) > listRingMin && l.n*4 <= len(l.ring) {
		l.shrink()
	}
	return removed
}

// List commands.
var listCommands = []commandSpec{
	{name: "lpush", arity: -3, flags: flagWrite | flagDenyOOM | flagFast, firstKey: 1, lastKey: 1, keyStep: 1, run: lpushCommand},
	{name: "rpush", arity: -3, flags: flagWrite | flagDenyOOM | flagFast, firstKey: 1, lastKey: 1, keyStep: 1, run: rpushCommand},
	{name: "lpushx", arity: -3, flags: flagWrite | flagDenyOOM | flagFast, firstKey: 1, lastKey: 1, keyStep: 1, run: lpushxCommand},
	{name: "rpushx", arity: -3, flags: flagWrite | flagDenyOOM | flagFast, firstKey: 1, lastKey: 1, keyStep: 1, run: rpushxCommand},
	{name: "lpop", arity: -2, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, keyStep: 1, run: lpopCommand},
	{name: "rpop", arity: -2, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, keyStep: 1, run: rpopCommand},
	{name: "lrange", arity: 4, flags: flagReadonly, firstKey: 1, lastKey: 1, keyStep: 1, run: lrangeCommand},
	{name: "llen", arity: 2, flags: flagReadonly | flagFast, firstKey: 1, lastKey: 1, keyStep: 1, run: llenCommand},
	{name: "lindex", arity: 3, flags: flagReadonly, firstKey: 1, lastKey: 1, keyStep: 1, run: lindexCommand},
	{name: "lset", arity: 4, flags: flagWrite | flagDenyOOM, firstKey: 1, lastKey: 1, keyStep: 1, run: lsetCommand},
	{name: "linsert", arity: 5, flags: flagWrite | flagDenyOOM, firstKey: 1, lastKey: 1, keyStep: 1, run: linsertCommand},
	{name: "lrem", arity: 4, flags: flagWrite, firstKey: 1, lastKey: 1, keyStep: 1, run: lremCommand},
	{name: "ltrim", arity: 4, flags: flagWrite, firstKey: 1, lastKey: 1, keyStep: 1, run: ltrimCommand},
	{name: "lpos", arity: -3, flags: flagReadonly, firstKey: 1, lastKey: 1, keyStep: 1, run: lposCommand},
	{name: "lmove", arity: 5, flags: flagWrite | flagDenyOOM, firstKey: 1, lastKey: 2, keyStep: 1, run: lmoveCommand},
	{name: "rpoplpush", arity: 3, flags: flagWrite | flagDenyOOM, firstKey: 1, lastKey: 2, keyStep: 1, run: rpoplpushCommand},
	// LMPOP's keys are movable (after numkeys): no legacy key spec, as in Redis.
	{name: "lmpop", arity: -4, flags: flagWrite, movableKeys: keysAfterNumkeys(1), run: lmpopCommand},
	// The blocking family: see blocking.go.
	{name: "blpop", arity: -3, flags: flagWrite, firstKey: 1, lastKey: -2, keyStep: 1, run: blpopCommand},
	{name: "brpop", arity: -3, flags: flagWrite, firstKey: 1, lastKey: -2, keyStep: 1, run: brpopCommand},
	{name: "blmove", arity: 6, flags: flagWrite | flagDenyOOM, firstKey: 1, lastKey: 2, keyStep: 1, run: blmoveCommand},
	{name: "brpoplpush", arity: 4, flags: flagWrite | flagDenyOOM, firstKey: 1, lastKey: 2, keyStep: 1, run: brpoplpushCommand},
	{name: "blmpop", arity: -5, flags: flagWrite, movableKeys: keysAfterNumkeys(2), run: blmpopCommand},
}

var (
	cmdLpop  = []byte("LPOP")
	cmdRpop  = []byte("RPOP")
	cmdLmove = []byte("LMOVE")
	argLeft  = []byte("LEFT")
	argRight = []byte("RIGHT")
)

const (
	errNoSuchKey         = "ERR no such key"
	errIndexOutOfRange   = "ERR index out of range"
	errMustBePositive    = "ERR value is out of range, must be positive"
	errNumkeysPositive   = "ERR numkeys should be greater than 0"
	errCountPositive     = "ERR count should be greater than 0"
	errLposRankZero      = "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list"
	errLposCountNegativ  = "ERR COUNT can't be negative"
	errLposMaxlenNegativ = "ERR MAXLEN can't be negative"
)

// getList returns the list at key, nil if absent, or ok=false for a key of
// another type.
func (c *call) getList(key []byte) (l *listObject, ok bool) {
	e := c.lookup(key)
	if e == nil {
		return nil, true
	}
	l, ok = e.value.(*listObject)
	return l, ok
}

// popEndArg names an end for a propagated command.
func popEndArg(left bool) []byte {
	if left {
		return argLeft
	}
	return argRight
}

// parseEnd reads LEFT or RIGHT.
func parseEnd(arg []byte) (left, ok bool) {
	switch {
	case bytes.EqualFold(arg, argLeft):
		return true, true
	case bytes.EqualFold(arg, argRight):
		return false, true
	}
	return false, false
}

func lpushCommand(c *call) resp.Value  { return pushGeneric(c, true, false) }
func rpushCommand(c *call) resp.Value  { return pushGeneric(c, false, false) }
func lpushxCommand(c *call) resp.Value { return pushGeneric(c, true, true) }
func rpushxCommand(c *call) resp.Value { return pushGeneric(c, false, true) }

// pushGeneric is LPUSH/RPUSH, and with onlyExisting LPUSHX/RPUSHX. A push
// onto a key that clients are blocked on makes it ready: the node serves
// them after this command (see blocking.go), through onKeyModified.
func pushGeneric(c *call, left, onlyExisting bool) resp.Value {
	key := c.args[1]
	l, ok := c.getList(key)
	if !ok {
		return replyWrongType
	}
	if l == nil {
		if onlyExisting {
			return resp.Int(0)
		}
		l = newListObject()
		c.db.set(string(key), l, false)
	}
	for _, elem := range c.args[2:] {
		l.push(elem, left)
	}
	c.notify(notifyList, pushEvent(left), key)
	c.propagate(c.args...)
	return resp.Int(int64(l.len()))
}

// deleteIfEmpty keeps the rule that a key never holds an empty list.
func (c *call) deleteIfEmpty(key []byte, l *listObject) {
	if l.len() == 0 {
		c.db.delete(string(key))
		c.notify(notifyGeneric, "del", key)
	}
}

// pushEvent and popEvent name the keyspace events of a list end.
func pushEvent(left bool) string {
	if left {
		return "lpush"
	}
	return "rpush"
}

func popEvent(left bool) string {
	if left {
		return "lpop"
	}
	return "rpop"
}

func lpopCommand(c *call) resp.Value { return popGeneric(c, true) }
func rpopCommand(c *call) resp.Value { return popGeneric(c, false) }

// popGeneric is LPOP/RPOP key [count]. Without count the reply is one
// element or a null bulk; with count, an array (empty for count 0) or a
// null array when the key is missing.
func popGeneric(c *call, left bool) resp.Value {
	if len(c.args) > 3 {
		return errWrongArity(string(bytes.ToLower(c.args[0])))
	}
	count := int64(-1)
	if len(c.args) == 3 {
		n, ok := resp.ParseInt(c.args[2])
		if !ok || n < 0 {
			return resp.Err(errMustBePositive)
		}
		count = n
	}
	key := c.args[1]
	l, ok := c.getList(key)
	switch {
	case !ok:
		return replyWrongType
	case l == nil && count < 0:
		return resp.NullBulk
	case l == nil:
		return resp.Value{Kind: resp.NullArray}
	case count < 0:
		elem := l.pop(left)
		c.notify(notifyList, popEvent(left), key)
		c.deleteIfEmpty(key, l)
		c.propagate(c.args...)
		return resp.Bulk(elem)
	case count == 0:
		return resp.ArrayOf()
	}
	elems := popN(l, left, count)
	c.notify(notifyList, popEvent(left), key)
	c.deleteIfEmpty(key, l)
	c.propagate(c.args...)
	return resp.ArrayOf(elems...)
}

// popN pops min(count, len) elements from one end as bulk replies.
func popN(l *listObject, left bool, count int64) []resp.Value {
	n := int(min(count, int64(l.len())))
	elems := make([]resp.Value, n)
	for i := range elems {
		elems[i] = resp.Bulk(l.pop(left))
	}
	return elems
}

// listRange turns Redis's inclusive, possibly negative start and stop into
// a half-open [from, to) of a list of length n; from >= to means empty.
func listRange(start, stop int64, n int) (from, to int) {
	length := int64(n)
	if start < 0 {
		start += length
	}
	if stop < 0 {
		stop += length
	}
	start = max(start, 0)
	if start > stop || start >= length {
		return 0, 0
	}
	stop = min(stop, length-1)
	return int(start), int(stop) + 1
}

func lrangeCommand(c *call) resp.Value {
	start, ok1 := resp.ParseInt(c.args[2])
	stop, ok2 := resp.ParseInt(c.args[3])
	if !ok1 || !ok2 {
		return resp.Err(errNotInteger)
	}
	l, ok := c.getList(c.args[1])
	switch {
	case !ok:
		return replyWrongType
	case l == nil:
		return resp.ArrayOf()
	}
	from, to := listRange(start, stop, l.len())
	elems := make([]resp.Value, 0, max(to-from, 0))
	for i := from; i < to; i++ {
		elems = append(elems, resp.Bulk(l.at(i)))
	}
	return resp.ArrayOf(elems...)
}

func llenCommand(c *call) resp.Value {
	l, ok := c.getList(c.args[1])
	switch {
	case !ok:
		return replyWrongType
	case l == nil:
		return resp.Int(0)
	}
	return resp.Int(int64(l.len()))
}

// listIndex resolves a possibly negative index; ok=false when out of range.
func listIndex(index int64, n int) (int, bool) {
	if index < 0 {
		index += int64(n)
	}
	if index < 0 || index >= int64(n) {
		return 0, false
	}
	return int(index), true
}

// lindexCommand looks the key up before it parses the index, as Redis does.
func lindexCommand(c *call) resp.Value {
	l, ok := c.getList(c.args[1])
	switch {
	case !ok:
		return replyWrongType
	case l == nil:
		return resp.NullBulk
	}
	index, ok := resp.ParseInt(c.args[2])
	if !ok {
		return resp.Err(errNotInteger)
	}
	i, ok := listIndex(index, l.len())
	if !ok {
		return resp.NullBulk
	}
	return resp.Bulk(l.at(i))
}

func lsetCommand(c *call) resp.Value {
	l, ok := c.getList(c.args[1])
	switch {
	case !ok:
		return replyWrongType
	case l == nil:
		return resp.Err(errNoSuchKey)
	}
	index, ok := resp.ParseInt(c.args[2])
	if !ok {
		return resp.Err(errNotInteger)
	}
	i, ok := listIndex(index, l.len())
	if !ok {
		return resp.Err(errIndexOutOfRange)
	}
	l.set(i, c.args[3])
	c.notify(notifyList, "lset", c.args[1])
	c.propagate(c.args...)
	return resp.OK
}

func linsertCommand(c *call) resp.Value {
	var after bool
	switch {
	case bytes.EqualFold(c.args[2], []byte("after")):
		after = true
	case bytes.EqualFold(c.args[2], []byte("before")):
	default:
		return resp.Err(errSyntax)
	}
	l, ok := c.getList(c.args[1])
	switch {
	case !ok:
		return replyWrongType
	case l == nil:
		return resp.Int(0)
	}
	pivot := c.args[3]
	for i := range l.len() {
		if bytes.Equal(l.at(i), pivot) {
			if after {
				i++
			}
			l.insert(i, c.args[4])
			c.notify(notifyList, "linsert", c.args[1])
			c.propagate(c.args...)
			return resp.Int(int64(l.len()))
		}
	}
	return resp.Int(-1)
}

// lremCommand removes count occurrences from the head (count > 0), from
// the tail (count < 0) or all of them (0).
func lremCommand(c *call) resp.Value {
	count, ok := resp.ParseInt(c.args[2])
	if !ok {
		return resp.Err(errNotInteger)
	}
	key := c.args[1]
	l, ok := c.getList(key)
	switch {
	case !ok:
		return replyWrongType
	case l == nil:
		return resp.Int(0)
	}
	elem := c.args[3]
	var removed int
	switch {
	case count == 0:
		removed = l.keep(func(_ int, e []byte) bool { return !bytes.Equal(e, elem) })
	case count > 0:
		left := count
		removed = l.keep(func(_ int, e []byte) bool {
			if left > 0 && bytes.Equal(e, elem) {
				left--
				return false
			}
			return true
		})
	default:
		// From the tail: find the indices to drop first, then one pass.
		drop := make(map[int]bool)
		for i := l.len() - 1; i >= 0 && int64(len(drop)) < -count; i-- {
			if bytes.Equal(l.at(i), elem) {
				drop[i] = true
			}
		}
		removed = l.keep(func(i int, _ []byte) bool { return !drop[i] })
	}
	if removed > 0 {
		c.notify(notifyList, "lrem", key)
		c.deleteIfEmpty(key, l)
		c.propagate(c.args...)
	}
	return resp.Int(int64(removed))
}

func ltrimCommand(c *call) resp.Value {
	start, ok1 := resp.ParseInt(c.args[2])
	stop, ok2 := resp.ParseInt(c.args[3])
	if !ok1 || !ok2 {
		return resp.Err(errNotInteger)
	}
	key := c.args[1]
	l, ok := c.getList(key)
	switch {
	case !ok:
		return replyWrongType
	case l == nil:
		return resp.OK
	}
	from, to := listRange(start, stop, l.len())
	removed := l.keep(func(i int, _ []byte) bool { return i >= from && i < to })
	// Redis sends "ltrim" even when nothing was trimmed.
	c.notify(notifyList, "ltrim", key)
	if removed > 0 {
		c.deleteIfEmpty(key, l)
		c.propagate(c.args...)
	}
	return resp.OK
}

// lposCommand is LPOS key element [RANK rank] [COUNT num] [MAXLEN len].
// RANK picks the rank-th match (negative: from the tail); COUNT 0 means
// all matches; MAXLEN bounds how many elements are compared (0: all).
func lposCommand(c *call) resp.Value {
	rank, count, maxlen := int64(1), int64(-1), int64(0)
	opts := c.args[3:]
	for j := 0; j < len(opts); j++ {
		if j+1 >= len(opts) {
			return resp.Err(errSyntax)
		}
		v, ok := resp.ParseInt(opts[j+1])
		name := opts[j]
		switch {
		case bytes.EqualFold(name, []byte("rank")):
			if !ok {
				return resp.Err(errNotInteger)
			}
			if v == 0 {
				return resp.Err(errLposRankZero)
			}
			rank = v
		case bytes.EqualFold(name, []byte("count")):
			if !ok {
				return resp.Err(errNotInteger)
			}
			if v < 0 {
				return resp.Err(errLposCountNegativ)
			}
			count = v
		case bytes.EqualFold(name, []byte("maxlen")):
			if !ok {
				return resp.Err(errNotInteger)
			}
			if v < 0 {
				return resp.Err(errLposMaxlenNegativ)
			}
			maxlen = v
		default:
			return resp.Err(errSyntax)
		}
		j++
	}
	l, ok := c.getList(c.args[1])
	switch {
	case !ok:
		return replyWrongType
	case l == nil && count < 0:
		return resp.NullBulk
	case l == nil:
		return resp.ArrayOf()
	}
	fromTail := rank < 0
	if fromTail {
		rank = -rank // MinInt64 stays negative and then matches the first hit, as in Redis 7.0
	}
	elem := c.args[2]
	var found []resp.Value
	matches := int64(0)
	n := l.len()
	for k := 0; k < n && (maxlen == 0 || int64(k) < maxlen); k++ {
		i := k
		if fromTail {
			i = n - 1 - k
		}
		if !bytes.Equal(l.at(i), elem) {
			continue
		}
		matches++
		if matches < rank {
			continue
		}
		if count < 0 {
			return resp.Int(int64(i))
		}
		found = append(found, resp.Int(int64(i)))
		if count > 0 && int64(len(found)) == count {
			break
		}
	}
	if count < 0 {
		return resp.NullBulk
	}
	return resp.ArrayOf(found...)
}

func lmoveCommand(c *call) resp.Value {
	from, ok1 := parseEnd(c.args[3])
	to, ok2 := parseEnd(c.args[4])
	if !ok1 || !ok2 {
		return resp.Err(errSyntax)
	}
	return moveGeneric(c, from, to)
}

func rpoplpushCommand(c *call) resp.Value { return moveGeneric(c, false, true) }

// moveGeneric pops from args[1] at one end and pushes onto args[2] at the
// other end, atomically; RPOPLPUSH is RIGHT LEFT. A missing source answers
// a null bulk, and only then (the blocking forms block on it).
func moveGeneric(c *call, from, to bool) resp.Value {
	src, dst := c.args[1], c.args[2]
	l, ok := c.getList(src)
	switch {
	case !ok:
		return replyWrongType
	case l == nil:
		return resp.NullBulk
	}
	return moveFrom(c, src, l, dst, from, to)
}

// moveFrom does LMOVE's work once src is known to hold l, non-empty: it
// checks dst's type, moves one element and propagates the move as LMOVE.
// As in Redis, the push happens (and is notified) before the source is
// found empty and deleted: a one-element list rotated onto itself is
// never deleted, and a new destination's "new" comes first.
func moveFrom(c *call, src []byte, l *listObject, dst []byte, from, to bool) resp.Value {
	target, ok := c.getList(dst)
	if !ok {
		return replyWrongType
	}
	elem := l.pop(from)
	if target == nil {
		target = newListObject()
		c.db.set(string(dst), target, false)
	}
	target.push(elem, to)
	c.notify(notifyList, pushEvent(to), dst)
	c.notify(notifyList, popEvent(from), src)
	c.deleteIfEmpty(src, l)
	c.propagate(cmdLmove, src, dst, popEndArg(from), popEndArg(to))
	return resp.Bulk(elem)
}

// mpopArgs are the parsed arguments of LMPOP and BLMPOP.
type mpopArgs struct {
	keys  [][]byte
	left  bool
	count int64
}

// parseMpop reads numkeys key [key …] LEFT|RIGHT [COUNT count] from args.
func parseMpop(args [][]byte) (mpopArgs, resp.Value, bool) {
	keys, right, count, errReply, ok := parseMultiPop(args, argLeft, argRight)
	return mpopArgs{keys: keys, left: !right, count: count}, errReply, ok
}

// parseMultiPop reads numkeys key [key …] END [COUNT count], the shape
// LMPOP and ZMPOP (and their blocking forms) share: END is first or
// second (LEFT/RIGHT, MIN/MAX), and atSecond tells which. Errors come in
// Redis's order: numkeys, then END, then COUNT.
func parseMultiPop(args [][]byte, first, second []byte) (keys [][]byte, atSecond bool, count int64, errReply resp.Value, ok bool) {
	numkeys, isInt := resp.ParseInt(args[0])
	if !isInt || numkeys <= 0 {
		return nil, false, 0, resp.Err(errNumkeysPositive), false
	}
	if numkeys >= int64(len(args))-1 {
		return nil, false, 0, resp.Err(errSyntax), false
	}
	keys = args[1 : 1+numkeys]
	rest := args[1+numkeys:]
	switch {
	case bytes.EqualFold(rest[0], first):
	case bytes.EqualFold(rest[0], second):
		atSecond = true
	default:
		return nil, false, 0, resp.Err(errSyntax), false
	}
	count = 1
	countSeen := false
	for j := 1; j < len(rest); j++ {
		if !bytes.EqualFold(rest[j], []byte("count")) || countSeen || j+1 >= len(rest) {
			return nil, false, 0, resp.Err(errSyntax), false
		}
		n, isInt := resp.ParseInt(rest[j+1])
		if !isInt || n <= 0 {
			return nil, false, 0, resp.Err(errCountPositive), false
		}
		count, countSeen = n, true
		j++
	}
	return keys, atSecond, count, resp.Value{}, true
}

func lmpopCommand(c *call) resp.Value {
	m, errReply, ok := parseMpop(c.args[1:])
	if !ok {
		return errReply
	}
	return mpopGeneric(c, m)
}

// mpopGeneric pops from the first non-empty list of m.keys and answers
// [key, [elements…]]; with none, a null array, and only then (BLMPOP
// blocks on it). It is propagated as LPOP/RPOP key count.
func mpopGeneric(c *call, m mpopArgs) resp.Value {
	for _, key := range m.keys {
		l, ok := c.getList(key)
		if !ok {
			return replyWrongType
		}
		if l != nil {
			return mpopFrom(c, key, l, m.left, m.count)
		}
	}
	return resp.Value{Kind: resp.NullArray}
}

func mpopFrom(c *call, key []byte, l *listObject, left bool, count int64) resp.Value {
	elems := popN(l, left, count)
	c.notify(notifyList, popEvent(left), key)
	c.deleteIfEmpty(key, l)
	cmd := cmdRpop
	if left {
		cmd = cmdLpop
	}
	c.propagate(cmd, key, strconv.AppendInt(nil, int64(len(elems)), 10))
	return resp.ArrayOf(resp.Bulk(key), resp.ArrayOf(elems...))
}
