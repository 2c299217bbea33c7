package cache

import (
	"bytes"
	"math"

	"syslab/engines/cache/resp"
	"syslab/node"
)

// Keyspace-wide commands (Redis's db.c): deleting, renaming, copying and
// moving keys, listing them (KEYS, SCAN, RANDOMKEY), and whole databases
// (DBSIZE, FLUSHDB, FLUSHALL, SWAPDB).
var keyspaceCommands = []commandSpec{
	{name: "del", arity: -2, flags: flagWrite, firstKey: 1, lastKey: -1, keyStep: 1, run: delCommand},
	{name: "unlink", arity: -2, flags: flagWrite | flagFast, firstKey: 1, lastKey: -1, keyStep: 1, run: delCommand},
	{name: "exists", arity: -2, flags: flagReadonly | flagFast, firstKey: 1, lastKey: -1, keyStep: 1, run: existsCommand},
	{name: "touch", arity: -2, flags: flagReadonly | flagFast, firstKey: 1, lastKey: -1, keyStep: 1, run: touchCommand},
	{name: "type", arity: 2, flags: flagReadonly | flagFast, firstKey: 1, lastKey: 1, keyStep: 1, run: typeCommand},
	{name: "rename", arity: 3, flags: flagWrite, firstKey: 1, lastKey: 2, keyStep: 1, run: renameCommand},
	{name: "renamenx", arity: 3, flags: flagWrite | flagFast, firstKey: 1, lastKey: 2, keyStep: 1, run: renamenxCommand},
	{name: "copy", arity: -3, flags: flagWrite | flagDenyOOM, firstKey: 1, lastKey: 2, keyStep: 1, run: copyCommand},
	{name: "move", arity: 3, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, keyStep: 1, run: moveCommand},
	{name: "keys", arity: 2, flags: flagReadonly, run: keysCommand},
	{name: "scan", arity: -2, flags: flagReadonly, run: scanCommand},
	{name: "randomkey", arity: 1, flags: flagReadonly, run: randomkeyCommand},
	{name: "dbsize", arity: 1, flags: flagReadonly | flagFast, run: dbsizeCommand},
	{name: "flushdb", arity: -1, flags: flagWrite, run: flushdbCommand},
	{name: "flushall", arity: -1, flags: flagWrite, run: flushallCommand},
	{name: "swapdb", arity: 3, flags: flagWrite | flagFast, run: swapdbCommand},
}

var (
	cmdDel           = []byte("DEL")
	replyNoSuchKey   = resp.Err("ERR no such key")
	replySameObjects = resp.Err("ERR source and destination objects are the same")
)

// delCommand is DEL and UNLINK: a single-threaded node has no background
// thread to hand a big value to, so both free at once.
func delCommand(c *call) resp.Value {
	var deleted int64
	for _, key := range c.args[1:] {
		if c.lookup(key) == nil {
			continue // absent or just expired (and logged as such)
		}
		c.db.delete(string(key))
		c.notify(notifyGeneric, "del", key)
		c.propagate(cmdDel, key)
		deleted++
	}
	return resp.Int(deleted)
}

// existsCommand counts a key once per time it is named, as Redis does;
// looking is not an access (the idle time runs on).
func existsCommand(c *call) resp.Value { return countExisting(c, c.lookupNoTouch) }

// touchCommand counts the keys that exist, as EXISTS, but reads them as
// an access: their idle time restarts and the LFU counter may grow.
func touchCommand(c *call) resp.Value { return countExisting(c, c.lookup) }

func countExisting(c *call, lookup func(key []byte) *entry) resp.Value {
	var found int64
	for _, key := range c.args[1:] {
		if lookup(key) != nil {
			found++
		}
	}
	return resp.Int(found)
}

func typeCommand(c *call) resp.Value {
	e := c.lookupNoTouch(c.args[1])
	if e == nil {
		return resp.Simple("none")
	}
	return resp.Simple(e.value.typeName())
}

func renameCommand(c *call) resp.Value   { return renameGeneric(c, false) }
func renamenxCommand(c *call) resp.Value { return renameGeneric(c, true) }

// renameGeneric moves the value and its (absolute) expiry to the new
// name; the command is logged as it came, since it has no relative parts.
func renameGeneric(c *call, nx bool) resp.Value {
	src, dst := c.args[1], c.args[2]
	e := c.lookup(src)
	if e == nil {
		return replyNoSuchKey
	}
	if bytes.Equal(src, dst) {
		if nx {
			return resp.Int(0)
		}
		return resp.OK
	}
	if c.lookup(dst) != nil {
		if nx {
			return resp.Int(0)
		}
		c.db.delete(string(dst))
	}
	value, expireAt := e.value, e.expireAtMillis
	c.db.delete(string(src))
	moved := c.db.setMoved(string(dst), value)
	if expireAt != noExpiry {
		c.db.setExpire(string(dst), moved, expireAt)
	}
	c.notify(notifyGeneric, "rename_from", src)
	c.notify(notifyGeneric, "rename_to", dst)
	c.propagate(c.args...)
	if nx {
		return resp.Int(1)
	}
	return resp.OK
}

// parseInt32 reads an integer argument as Redis's getIntFromObject does.
func parseInt32(arg []byte) (int64, bool) {
	n, ok := resp.ParseInt(arg)
	return n, ok && n >= math.MinInt32 && n <= math.MaxInt32
}

// parseDBIndex reads a database number and checks it names one of the
// node's databases; errText is the reply for a non-integer.
func (c *call) parseDBIndex(arg []byte, errText string) (int, resp.Value, bool) {
	n, ok := parseInt32(arg)
	if !ok {
		return 0, resp.Err(errText), false
	}
	if !c.validDBIndex(n) {
		return 0, resp.Err(errDBOutOfRange), false
	}
	return int(n), resp.Value{}, true
}

func (c *call) validDBIndex(n int64) bool { return n >= 0 && n < int64(len(c.node.dbs)) }

// copyCommand is COPY source destination [DB db] [REPLACE]: a deep copy
// with the source's expiry, through the value type's copier.
func copyCommand(c *call) resp.Value {
	src, dst := c.args[1], c.args[2]
	dstIndex, replace := c.dbIndex, false
	for j := 3; j < len(c.args); j++ {
		switch {
		case bytes.EqualFold(c.args[j], []byte("replace")):
			replace = true
		case bytes.EqualFold(c.args[j], []byte("db")) && j+1 < len(c.args):
			index, errReply, ok := c.parseDBIndex(c.args[j+1], errNotInteger)
			if !ok {
				return errReply
			}
			dstIndex = index
			j++
		default:
			return resp.Err(errSyntax)
		}
	}
	if dstIndex == c.dbIndex && bytes.Equal(src, dst) {
		return replySameObjects
	}
	e := c.lookupRead(src)
	if e == nil {
		return resp.Int(0)
	}
	target := c.node.dbs[dstIndex]
	if target.lookup(dst, c.nowMillis) != nil {
		if !replace {
			return resp.Int(0)
		}
		target.delete(string(dst))
	}
	cp, ok := e.value.(copier)
	if !ok {
		panic("cache: COPY of a " + e.value.typeName() + " value: the type does not implement copier")
	}
	copied := target.set(string(dst), cp.copyObject(c.node.env.Rand()), false)
	if e.expireAtMillis != noExpiry {
		target.setExpire(string(dst), copied, e.expireAtMillis)
	}
	c.node.notifyKeyspaceEvent(notifyGeneric, "copy_to", dst, dstIndex)
	c.propagate(c.args...)
	if dstIndex != c.dbIndex {
		c.node.keyModified(dstIndex, dst)
	}
	return resp.Int(1)
}

func moveCommand(c *call) resp.Value {
	key := c.args[1]
	dstIndex, errReply, ok := c.parseDBIndex(c.args[2], errNotInteger)
	if !ok {
		return errReply
	}
	if dstIndex == c.dbIndex {
		return replySameObjects
	}
	e := c.lookup(key)
	if e == nil {
		return resp.Int(0)
	}
	target := c.node.dbs[dstIndex]
	if target.lookup(key, c.nowMillis) != nil {
		return resp.Int(0)
	}
	value, expireAt := e.value, e.expireAtMillis
	c.db.delete(string(key))
	moved := target.setMoved(string(key), value)
	if expireAt != noExpiry {
		target.setExpire(string(key), moved, expireAt)
	}
	c.notify(notifyGeneric, "move_from", key)
	c.node.notifyKeyspaceEvent(notifyGeneric, "move_to", key, dstIndex)
	c.propagate(c.args...)
	c.node.keyModified(dstIndex, key)
	return resp.Int(1)
}

// keysCommand lists the live keys matching the pattern in dict order. Like
// Redis 7.0 it skips expired keys without deleting them.
func keysCommand(c *call) resp.Value {
	pattern := c.args[1]
	all := matchesAll(pattern)
	var keys []resp.Value
	c.db.dict.RangeRef(func(key string, e *entry) bool {
		if e.expireAtMillis != noExpiry && e.expireAtMillis <= c.nowMillis && !c.node.loading {
			return true
		}
		if all || globMatch(pattern, []byte(key)) {
			keys = append(keys, resp.BulkFromString(key))
		}
		return true
	})
	return resp.Value{Kind: resp.Array, Elems: keys}
}

// scanCountDefault is SCAN's COUNT when none is given, and scanEffortFactor
// bounds the buckets one call visits to COUNT times it, so a sparse table
// cannot make one SCAN walk the whole dict.
const (
	scanCountDefault = 10
	scanEffortFactor = 10
)

var replyInvalidCursor = resp.Err("ERR invalid cursor")

// parseScanCursor reads a cursor as Redis's strtoul does: decimal, an
// optional sign (a negative one wraps around), no leading space, nothing
// after the digits, no overflow. The empty string is cursor 0.
func parseScanCursor(arg []byte) (uint64, bool) {
	negative := false
	digits := arg
	if len(digits) > 0 && (digits[0] == '+' || digits[0] == '-') {
		negative = digits[0] == '-'
		digits = digits[1:]
		if len(digits) == 0 {
			return 0, false
		}
	}
	var cursor uint64
	for _, ch := range digits {
		if ch < '0' || ch > '9' {
			return 0, false
		}
		d := uint64(ch - '0')
		if cursor > (math.MaxUint64-d)/10 {
			return 0, false
		}
		cursor = cursor*10 + d
	}
	if negative {
		cursor = -cursor
	}
	return cursor, true
}

// scanCommand is SCAN cursor [MATCH pattern] [COUNT count] [TYPE type].
// The cursor is dict.Scan's reverse-binary bucket cursor, so every key
// present for the whole scan is returned at least once however the table
// resizes between calls. Filters apply after the buckets are collected,
// so a call may return fewer keys than COUNT, even none, with a cursor
// that is not 0.
func scanCommand(c *call) resp.Value {
	cursor, ok := parseScanCursor(c.args[1])
	if !ok {
		return replyInvalidCursor
	}
	count := int64(scanCountDefault)
	var pattern, typeName []byte
	for j := 2; j < len(c.args); j += 2 {
		if j+1 >= len(c.args) {
			return resp.Err(errSyntax)
		}
		opt, arg := c.args[j], c.args[j+1]
		switch {
		case bytes.EqualFold(opt, []byte("count")):
			n, ok := resp.ParseInt(arg)
			if !ok {
				return resp.Err(errNotInteger)
			}
			if n < 1 {
				return resp.Err(errSyntax)
			}
			count = n
		case bytes.EqualFold(opt, []byte("match")):
			pattern = arg
			if matchesAll(pattern) {
				pattern = nil
			}
		case bytes.EqualFold(opt, []byte("type")):
			typeName = arg
		default:
			return resp.Err(errSyntax)
		}
	}
	var collected []string
	effort := count * scanEffortFactor
	for {
		cursor = c.db.dict.Scan(cursor, func(key string, _ entry) { collected = append(collected, key) })
		effort--
		if cursor == 0 || effort <= 0 || int64(len(collected)) >= count {
			break
		}
	}
	keys := make([]resp.Value, 0, len(collected))
	for _, key := range collected {
		if pattern != nil && !globMatch(pattern, []byte(key)) {
			continue
		}
		e := c.db.lookupNoTouch([]byte(key), c.nowMillis) // expires it if due, as Redis does
		if e == nil {
			continue
		}
		if typeName != nil && !bytes.EqualFold(typeName, []byte(e.value.typeName())) {
			continue
		}
		keys = append(keys, resp.BulkFromString(key))
	}
	return resp.ArrayOf(resp.Bulk(appendUint(nil, cursor)), resp.Value{Kind: resp.Array, Elems: keys})
}

func appendUint(dst []byte, v uint64) []byte {
	var buf [20]byte
	i := len(buf)
	for {
		i--
		buf[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			break
		}
	}
	return append(dst, buf[i:]...)
}

// randomKeyExpiredTriesMax bounds RANDOMKEY's draws of expired keys that
// a pause keeps (pause.go) when every key has a TTL: they could all be
// expired, and the loop would never end (it does not in Redis 7.0.15).
const randomKeyExpiredTriesMax = 100

// randomkeyCommand samples the dict until it finds a live key, deleting
// the expired ones it meets (each try removes one, so it ends). During a
// pause expired keys stay, so after randomKeyExpiredTriesMax of them in a
// database of volatile keys it answers the last one, as Redis does on a
// replica.
func randomkeyCommand(c *call) resp.Value {
	allVolatile := c.db.volatile.len() == c.db.size()
	tries := 0
	for {
		key, e := c.db.dict.RandomRef(c.node.env.Rand())
		if e == nil {
			return resp.NullBulk
		}
		if c.db.expireIfNeeded(key, e, c.nowMillis) {
			if tries++; allVolatile && tries >= randomKeyExpiredTriesMax {
				return resp.BulkFromString(key)
			}
			continue
		}
		return resp.BulkFromString(key)
	}
}

func dbsizeCommand(c *call) resp.Value { return resp.Int(int64(c.db.size())) }

// parseFlushMode reads FLUSHDB's and FLUSHALL's optional ASYNC or SYNC.
// Either way the keys are gone before the reply (a single-threaded node
// has no background thread to hand them to); the mode only says whether
// the process takes the memory back before replying (node.Reclaimer).
// Without one, the flush is synchronous, as Redis's default
// lazyfree-lazy-user-flush no has it.
func parseFlushMode(args [][]byte) (async, ok bool) {
	switch {
	case len(args) == 0:
		return false, true
	case len(args) > 1:
		return false, false
	case bytes.EqualFold(args[0], []byte("async")):
		return true, true
	case bytes.EqualFold(args[0], []byte("sync")):
		return false, true
	}
	return false, false
}

func flushdbCommand(c *call) resp.Value {
	async, ok := parseFlushMode(c.args[1:])
	if !ok {
		return resp.Err(errSyntax)
	}
	c.node.touchWatchedKeysInDB(c.dbIndex, -1, c.nowMillis)
	dropped := c.db.flush()
	c.propagate([]byte("FLUSHDB"))
	c.node.flushed(c.dbIndex)
	c.node.reclaim(dropped, !async)
	return resp.OK
}

func flushallCommand(c *call) resp.Value {
	async, ok := parseFlushMode(c.args[1:])
	if !ok {
		return resp.Err(errSyntax)
	}
	var dropped int64
	for i, ks := range c.node.dbs {
		c.node.touchWatchedKeysInDB(i, -1, c.nowMillis)
		dropped += ks.flush()
	}
	c.propagate([]byte("FLUSHALL"))
	c.node.flushed(-1)
	c.node.saveAfterFlushAll()
	c.node.reclaim(dropped, !async)
	return resp.OK
}

// emptyAllDatabases drops every key, as a reload or a full sync does
// before loading: WATCHers see their keys touched and the flush listeners
// (tracking, blocked clients) are told. The memory is taken back before
// the load refills it.
func (n *Node) emptyAllDatabases(nowMillis int64) {
	var dropped int64
	for i, ks := range n.dbs {
		n.touchWatchedKeysInDB(i, -1, nowMillis)
		dropped += ks.flush()
	}
	n.flushed(-1)
	n.reclaim(dropped, true)
}

// reclaim tells an environment that can take memory back (node.Reclaimer,
// live mode) that droppedBytes of keys were just let go of; wait says the
// command's reply may wait for it.
func (n *Node) reclaim(droppedBytes int64, wait bool) {
	if r, ok := n.env.(node.Reclaimer); ok && droppedBytes > 0 {
		r.Reclaim(droppedBytes, wait)
	}
}

// swapdbCommand exchanges two databases' contents; clients keep their
// selected index and so see the other data, as in Redis.
func swapdbCommand(c *call) resp.Value {
	first, ok := parseInt32(c.args[1])
	if !ok {
		return resp.Err("ERR invalid first DB index")
	}
	second, ok := parseInt32(c.args[2])
	if !ok {
		return resp.Err("ERR invalid second DB index")
	}
	if !c.validDBIndex(first) || !c.validDBIndex(second) {
		return resp.Err(errDBOutOfRange)
	}
	if first != second {
		c.node.touchWatchedKeysInDB(int(first), int(second), c.nowMillis)
		c.node.touchWatchedKeysInDB(int(second), int(first), c.nowMillis)
		if s := c.node.bgSnapshot; s != nil {
			s.databasesSwapped(int(first), int(second), len(c.node.dbs))
		}
		c.node.dbs[first].swapContents(c.node.dbs[second])
	}
	c.propagate(c.args...)
	c.node.flushed(int(first))
	c.node.flushed(int(second))
	if first != second {
		c.node.signalDBAsReady(int(first))
		c.node.signalDBAsReady(int(second))
	}
	return resp.OK
}
