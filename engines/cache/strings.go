package cache

import (
	"bytes"
	"math"
	"math/big"
	"math/rand/v2"
	"strconv"
	"strings"

	"syslab/engines/cache/resp"
)

// stringObject is the string type. Its bytes are never modified in place:
// a command that changes a string stores a new one, so a reply or message
// that shares the old slice stays valid.
type stringObject struct {
	data []byte
	// raw: a command wrote the value in place in Redis (APPEND to a key,
	// SETRANGE, SETBIT, BITOP, BITFIELD, the HLL commands), into a raw sds
	// that keeps that encoding whatever it holds, until a reload encodes
	// it afresh. Copies keep it.
	raw bool
	// unshared: written while integers were not shared (see
	// accessClock.sharesIntegers); only OBJECT REFCOUNT tells.
	unshared bool
}

// sharedInteger reports whether Redis would hold this value as one of its
// shared integer objects (0 to 9999, int-encoded, written while sharing).
func (s *stringObject) sharedInteger() bool {
	if s.raw || s.unshared {
		return false
	}
	n, ok := resp.ParseInt(s.data)
	return ok && n >= 0 && n < sharedIntegersMax
}

func (*stringObject) typeName() string { return "string" }

// embstrBytesMax is the longest string Redis stores in one allocation with
// its object header (OBJ_ENCODING_EMBSTR_SIZE_LIMIT).
const embstrBytesMax = 44

func (s *stringObject) encoding() string {
	if s.raw {
		return "raw"
	}
	if len(s.data) <= 20 {
		if _, err := strconv.ParseInt(string(s.data), 10, 64); err == nil {
			return "int"
		}
	}
	if len(s.data) <= embstrBytesMax {
		return "embstr"
	}
	return "raw"
}

// stringHeaderBytes approximates a Redis string object: a 16-byte robj
// plus an sds header.
const stringHeaderBytes = 19

func (s *stringObject) memoryBytes() int { return stringHeaderBytes + len(s.data) }

// copyObject shares nothing with s, although sharing would be safe while
// strings are never changed in place.
func (s *stringObject) copyObject(*rand.Rand) object {
	return &stringObject{data: bytes.Clone(s.data), raw: s.raw}
}

// stringValue returns the object to store data in, replacing old (nil
// when the key holds no string): old itself, rewritten, unless a snapshot
// is being written. A BGSAVE or AOF rewrite in progress is the only holder
// of value pointers beyond a command, and it relies on a changed string
// being a new object (snapshot.go, point 2); otherwise reusing the object
// spares an allocation on every overwrite, which is most of SET's garbage.
// The old bytes are never written over: a reply may still share them.
func (c *call) stringValue(old *stringObject, data []byte) *stringObject {
	if old == nil || c.node.bgSnapshot != nil {
		return &stringObject{data: data}
	}
	*old = stringObject{data: data}
	return old
}

// String commands (Redis's t_string.c).
var stringCommands = []commandSpec{
	{name: "get", arity: 2, flags: flagReadonly | flagFast, firstKey: 1, lastKey: 1, keyStep: 1, run: getCommand},
	{name: "set", arity: -3, flags: flagWrite | flagDenyOOM, firstKey: 1, lastKey: 1, keyStep: 1, run: setCommand},
	{name: "incr", arity: 2, flags: flagWrite | flagDenyOOM | flagFast, firstKey: 1, lastKey: 1, keyStep: 1, run: incrCommand},
	{name: "decr", arity: 2, flags: flagWrite | flagDenyOOM | flagFast, firstKey: 1, lastKey: 1, keyStep: 1, run: decrCommand},
	{name: "incrby", arity: 3, flags: flagWrite | flagDenyOOM | flagFast, firstKey: 1, lastKey: 1, keyStep: 1, run: incrbyCommand},
	{name: "decrby", arity: 3, flags: flagWrite | flagDenyOOM | flagFast, firstKey: 1, lastKey: 1, keyStep: 1, run: decrbyCommand},
	{name: "incrbyfloat", arity: 3, flags: flagWrite | flagDenyOOM | flagFast, firstKey: 1, lastKey: 1, keyStep: 1, run: incrbyfloatCommand},
	{name: "getset", arity: 3, flags: flagWrite | flagDenyOOM | flagFast, firstKey: 1, lastKey: 1, keyStep: 1, run: getsetCommand},
	{name: "getdel", arity: 2, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, keyStep: 1, run: getdelCommand},
	{name: "getex", arity: -2, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, keyStep: 1, run: getexCommand},
	{name: "mget", arity: -2, flags: flagReadonly | flagFast, firstKey: 1, lastKey: -1, keyStep: 1, run: mgetCommand},
	{name: "mset", arity: -3, flags: flagWrite | flagDenyOOM, firstKey: 1, lastKey: -1, keyStep: 2, run: msetCommand},
	{name: "msetnx", arity: -3, flags: flagWrite | flagDenyOOM, firstKey: 1, lastKey: -1, keyStep: 2, run: msetnxCommand},
	{name: "setnx", arity: 3, flags: flagWrite | flagDenyOOM | flagFast, firstKey: 1, lastKey: 1, keyStep: 1, run: setnxCommand},
	{name: "setex", arity: 4, flags: flagWrite | flagDenyOOM, firstKey: 1, lastKey: 1, keyStep: 1, run: setexCommand},
	{name: "psetex", arity: 4, flags: flagWrite | flagDenyOOM, firstKey: 1, lastKey: 1, keyStep: 1, run: psetexCommand},
	{name: "append", arity: 3, flags: flagWrite | flagDenyOOM | flagFast, firstKey: 1, lastKey: 1, keyStep: 1, run: appendCommand},
	{name: "strlen", arity: 2, flags: flagReadonly | flagFast, firstKey: 1, lastKey: 1, keyStep: 1, run: strlenCommand},
	{name: "getrange", arity: 4, flags: flagReadonly, firstKey: 1, lastKey: 1, keyStep: 1, run: getrangeCommand},
	{name: "substr", arity: 4, flags: flagReadonly, firstKey: 1, lastKey: 1, keyStep: 1, run: getrangeCommand},
	{name: "setrange", arity: 4, flags: flagWrite | flagDenyOOM, firstKey: 1, lastKey: 1, keyStep: 1, run: setrangeCommand},
	{name: "setbit", arity: 4, flags: flagWrite | flagDenyOOM, firstKey: 1, lastKey: 1, keyStep: 1, run: setbitCommand},
	{name: "lcs", arity: -3, flags: flagReadonly, firstKey: 1, lastKey: 2, keyStep: 1, run: lcsCommand},
	{name: "getbit", arity: 3, flags: flagReadonly | flagFast, firstKey: 1, lastKey: 1, keyStep: 1, run: getbitCommand},
}

// getString returns the string at key, nil if absent, or ok=false for a
// key of another type.
func (c *call) getString(key []byte) (s *stringObject, ok bool) {
	return stringOf(c.lookup(key))
}

// getStringBytes is a string key's bytes: nil for an absent key, false
// for another type (SETRANGE and SETBIT build on them).
func (c *call) getStringBytes(key []byte) (data []byte, ok bool) {
	s, ok := c.getString(key)
	if s == nil {
		return nil, ok
	}
	return s.data, true
}

// stringOf is getString for a key's entry (nil: absent).
func stringOf(e *entry) (s *stringObject, ok bool) {
	if e == nil {
		return nil, true
	}
	s, ok = e.value.(*stringObject)
	return s, ok
}

func getCommand(c *call) resp.Value {
	s, ok := c.getString(c.args[1])
	switch {
	case !ok:
		return replyWrongType
	case s == nil:
		return resp.NullBulk
	}
	return resp.Bulk(s.data)
}

// setOptions are SET's parsed flags.
type setOptions struct {
	nx, xx, get, keepTTL bool
	expireArg            []byte // the EX/PX/EXAT/PXAT argument, nil if none
	expireUnitMillis     int64  // 1000 for EX/EXAT, 1 for PX/PXAT
	expireAbsolute       bool   // EXAT/PXAT
}

// parseSetOptions follows Redis 7: options may come in any order and
// repeat, but NX excludes XX, and KEEPTTL and the four expiry forms exclude
// one another (a repeated EX is allowed and the last one wins).
func parseSetOptions(args [][]byte) (setOptions, bool) {
	var o setOptions
	for j := 0; j < len(args); j++ {
		opt := args[j]
		hasNext := j+1 < len(args)
		expireSet := o.expireArg != nil
		is := func(name string) bool { return bytes.EqualFold(opt, []byte(name)) }
		switch {
		case is("nx") && !o.xx:
			o.nx = true
		case is("xx") && !o.nx:
			o.xx = true
		case is("get"):
			o.get = true
		case is("keepttl") && !expireSet:
			o.keepTTL = true
		case hasNext && !o.keepTTL && (is("ex") || is("px") || is("exat") || is("pxat")):
			unit := int64(1)
			if is("ex") || is("exat") {
				unit = 1000
			}
			absolute := is("exat") || is("pxat")
			if expireSet && (unit != o.expireUnitMillis || absolute != o.expireAbsolute) {
				return o, false
			}
			o.expireArg, o.expireUnitMillis, o.expireAbsolute = args[j+1], unit, absolute
			j++
		default:
			return o, false
		}
	}
	return o, true
}

// expireAtMillis turns an expiry argument into absolute Unix milliseconds
// with Redis's checks: not an integer → not-an-integer error; zero,
// negative or overflowing → invalid expire time.
func expireAtMillis(arg []byte, unitMillis int64, absolute bool, nowMillis int64, command string) (int64, resp.Value, bool) {
	n, ok := resp.ParseInt(arg)
	if !ok {
		return 0, resp.Err(errNotInteger), false
	}
	if n <= 0 || n > math.MaxInt64/unitMillis {
		return 0, errInvalidExpire(command), false
	}
	ms := n * unitMillis
	if !absolute {
		if ms > math.MaxInt64-nowMillis {
			return 0, errInvalidExpire(command), false
		}
		ms += nowMillis
	}
	return ms, resp.Value{}, true
}

var (
	cmdSet     = []byte("SET")
	argPXAT    = []byte("PXAT")
	argKeepTTL = []byte("KEEPTTL")
)

func setCommand(c *call) resp.Value {
	key, value := c.args[1], c.args[2]
	o, ok := parseSetOptions(c.args[3:])
	if !ok {
		return resp.Err(errSyntax)
	}
	var atMillis int64
	if o.expireArg != nil {
		var errReply resp.Value
		if atMillis, errReply, ok = expireAtMillis(o.expireArg, o.expireUnitMillis, o.expireAbsolute, c.nowMillis, "set"); !ok {
			return errReply
		}
	}
	var current *entry
	if o.get {
		current = c.lookupRead(key) // SET … GET reads the old value as GET does
	} else {
		current = c.lookup(key)
	}
	old, ok := stringOf(current)
	if !ok && o.get {
		return replyWrongType
	}
	reply := resp.OK
	if o.get {
		reply = resp.NullBulk
		if old != nil {
			reply = resp.Bulk(old.data)
		}
	}
	// SET has always looked the key up twice (Redis does once unless
	// GET): the second access is kept, for the LFU counter it may bump.
	found := current != nil
	if found {
		c.db.access.touch(current)
	}
	if (o.nx && found) || (o.xx && !found) {
		if o.get {
			return reply
		}
		return resp.NullBulk
	}
	e := c.db.setBytes(key, c.stringValue(old, value), o.keepTTL)
	c.notify(notifyString, "set", key)
	switch {
	case o.expireArg != nil:
		c.db.setExpire(string(key), e, atMillis)
		c.notify(notifyGeneric, "expire", key)
		c.propagate(cmdSet, key, value, argPXAT, strconv.AppendInt(nil, atMillis, 10))
	case o.keepTTL:
		c.propagate(cmdSet, key, value, argKeepTTL)
	default:
		c.propagate(cmdSet, key, value)
	}
	return reply
}

func incrCommand(c *call) resp.Value { return incrBy(c, 1) }
func decrCommand(c *call) resp.Value { return incrBy(c, -1) }

func incrbyCommand(c *call) resp.Value {
	delta, ok := resp.ParseInt(c.args[2])
	if !ok {
		return resp.Err(errNotInteger)
	}
	return incrBy(c, delta)
}

func decrbyCommand(c *call) resp.Value {
	delta, ok := resp.ParseInt(c.args[2])
	if !ok {
		return resp.Err(errNotInteger)
	}
	if delta == math.MinInt64 {
		return resp.Err("ERR decrement would overflow")
	}
	return incrBy(c, -delta)
}

// incrBy adds delta to the integer at key (0 if absent), keeping its TTL.
func incrBy(c *call, delta int64) resp.Value {
	key := c.args[1]
	s, ok := c.getString(key)
	if !ok {
		return replyWrongType
	}
	var current int64
	if s != nil {
		if current, ok = resp.ParseInt(s.data); !ok {
			return resp.Err(errNotInteger)
		}
	}
	if (delta < 0 && current < 0 && delta < math.MinInt64-current) ||
		(delta > 0 && current > 0 && delta > math.MaxInt64-current) {
		return resp.Err(errOverflow)
	}
	current += delta
	c.db.setBytes(key, c.stringValue(s, strconv.AppendInt(nil, current, 10)), true)
	c.notify(notifyString, "incrby", key)
	c.propagate(c.args...)
	return resp.Int(current)
}

// stringBytesMax is proto-max-bulk-len: no command may build a longer
// string, so APPEND and SETRANGE refuse to.
const stringBytesMax = resp.BulkBytesMax

var (
	replyStringTooLong = resp.Err("ERR string exceeds maximum allowed size (proto-max-bulk-len)")
	replyEmptyBulk     = resp.Bulk([]byte{})
)

// getsetCommand is GETSET key value: SET … GET, logged as a plain SET.
func getsetCommand(c *call) resp.Value {
	key, value := c.args[1], c.args[2]
	old, ok := stringOf(c.lookupRead(key))
	if !ok {
		return replyWrongType
	}
	c.db.set(string(key), &stringObject{data: value}, false)
	c.notify(notifyString, "set", key)
	c.propagate(cmdSet, key, value)
	if old == nil {
		return resp.NullBulk
	}
	return resp.Bulk(old.data)
}

func getdelCommand(c *call) resp.Value {
	key := c.args[1]
	s, ok := stringOf(c.lookupRead(key))
	switch {
	case !ok:
		return replyWrongType
	case s == nil:
		return resp.NullBulk
	}
	c.db.delete(string(key))
	c.notify(notifyGeneric, "del", key)
	c.propagate(cmdDel, key)
	return resp.Bulk(s.data)
}

var cmdPersist = []byte("PERSIST")

// getexCommand is GETEX key [EX s | PX ms | EXAT ts | PXAT ts | PERSIST].
// The options parse like SET's (a repeated form is allowed, mixed forms
// are not); a missing key answers nil before the time is checked, as in
// Redis. An absolute time already past deletes the key.
func getexCommand(c *call) resp.Value {
	key := c.args[1]
	var expireArg []byte
	var unitMillis int64
	var absolute, persist bool
	for j := 2; j < len(c.args); j++ {
		opt := c.args[j]
		is := func(name string) bool { return bytes.EqualFold(opt, []byte(name)) }
		switch {
		case is("persist") && expireArg == nil:
			persist = true
		case j+1 < len(c.args) && !persist && (is("ex") || is("px") || is("exat") || is("pxat")):
			unit := int64(1)
			if is("ex") || is("exat") {
				unit = 1000
			}
			abs := is("exat") || is("pxat")
			if expireArg != nil && (unit != unitMillis || abs != absolute) {
				return resp.Err(errSyntax)
			}
			expireArg, unitMillis, absolute = c.args[j+1], unit, abs
			j++
		default:
			return resp.Err(errSyntax)
		}
	}
	s, ok := stringOf(c.lookupRead(key))
	switch {
	case !ok:
		return replyWrongType
	case s == nil:
		return resp.NullBulk
	}
	reply := resp.Bulk(s.data)
	switch {
	case expireArg != nil:
		at, errReply, ok := expireAtMillis(expireArg, unitMillis, absolute, c.nowMillis, "getex")
		if !ok {
			return errReply
		}
		if at <= c.nowMillis && !c.node.loading {
			c.db.delete(string(key))
			c.notify(notifyGeneric, "del", key)
			c.propagate(cmdDel, key)
			return reply
		}
		c.db.setExpire(string(key), c.lookup(key), at)
		c.notify(notifyGeneric, "expire", key)
		c.propagate(cmdPexpireat, key, strconv.AppendInt(nil, at, 10))
	case persist:
		if c.db.persist(string(key), c.lookup(key)) {
			c.notify(notifyGeneric, "persist", key)
			c.propagate(cmdPersist, key)
		}
	}
	return reply
}

func mgetCommand(c *call) resp.Value {
	values := make([]resp.Value, len(c.args)-1)
	for i, key := range c.args[1:] {
		values[i] = resp.NullBulk
		if e := c.lookup(key); e != nil {
			if s, ok := e.value.(*stringObject); ok {
				values[i] = resp.Bulk(s.data)
			}
		}
	}
	return resp.Value{Kind: resp.Array, Elems: values}
}

func msetCommand(c *call) resp.Value {
	if len(c.args)%2 == 0 {
		return errWrongArity("mset")
	}
	msetPairs(c)
	return resp.OK
}

// msetnxCommand sets all the pairs only if none of the keys exists.
func msetnxCommand(c *call) resp.Value {
	if len(c.args)%2 == 0 {
		return errWrongArity("msetnx")
	}
	for j := 1; j < len(c.args); j += 2 {
		if c.lookup(c.args[j]) != nil {
			return resp.Int(0)
		}
	}
	msetPairs(c)
	return resp.Int(1)
}

// msetPairs stores every key/value pair of the call (clearing TTLs) and
// logs the command as it came: it has no relative parts.
func msetPairs(c *call) {
	for j := 1; j < len(c.args); j += 2 {
		c.expireBeforeOverwrite(c.args[j])
		c.db.set(string(c.args[j]), &stringObject{data: c.args[j+1]}, false)
		c.notify(notifyString, "set", c.args[j])
	}
	c.propagate(c.args...)
}

func setnxCommand(c *call) resp.Value {
	key, value := c.args[1], c.args[2]
	if c.lookup(key) != nil {
		return resp.Int(0)
	}
	c.db.set(string(key), &stringObject{data: value}, false)
	c.notify(notifyString, "set", key)
	c.propagate(cmdSet, key, value)
	return resp.Int(1)
}

func setexCommand(c *call) resp.Value  { return setexGeneric(c, 1000, "setex") }
func psetexCommand(c *call) resp.Value { return setexGeneric(c, 1, "psetex") }

// setexGeneric is SETEX/PSETEX key time value, logged as SET … PXAT.
func setexGeneric(c *call, unitMillis int64, name string) resp.Value {
	key, value := c.args[1], c.args[3]
	at, errReply, ok := expireAtMillis(c.args[2], unitMillis, false, c.nowMillis, name)
	if !ok {
		return errReply
	}
	c.expireBeforeOverwrite(key)
	e := c.db.set(string(key), &stringObject{data: value}, false)
	c.db.setExpire(string(key), e, at)
	c.notify(notifyString, "set", key)
	c.notify(notifyGeneric, "expire", key)
	c.propagate(cmdSet, key, value, argPXAT, strconv.AppendInt(nil, at, 10))
	return resp.OK
}

// appendCommand stores a new string (strings are never changed in place)
// and keeps the TTL.
func appendCommand(c *call) resp.Value {
	key, suffix := c.args[1], c.args[2]
	s, ok := c.getString(key)
	if !ok {
		return replyWrongType
	}
	var data []byte
	if s == nil {
		data = bytes.Clone(suffix)
	} else {
		if len(s.data)+len(suffix) > stringBytesMax {
			return replyStringTooLong
		}
		data = make([]byte, 0, len(s.data)+len(suffix))
		data = append(append(data, s.data...), suffix...)
	}
	// Redis appends in place to a raw sds; a new key is encoded afresh.
	c.db.set(string(key), &stringObject{data: data, raw: s != nil}, true)
	c.notify(notifyString, "append", key)
	c.propagate(c.args...)
	return resp.Int(int64(len(data)))
}

func strlenCommand(c *call) resp.Value {
	s, ok := c.getString(c.args[1])
	switch {
	case !ok:
		return replyWrongType
	case s == nil:
		return resp.Int(0)
	}
	return resp.Int(int64(len(s.data)))
}

// getrangeCommand is GETRANGE (and SUBSTR) key start end with Redis's
// clamping: negative indexes count from the end, and a range that ends up
// empty answers "".
func getrangeCommand(c *call) resp.Value {
	start, end, ok := parseIntPair(c.args[2], c.args[3]) // bitops.go
	if !ok {
		return resp.Err(errNotInteger)
	}
	s, ok := c.getString(c.args[1])
	switch {
	case !ok:
		return replyWrongType
	case s == nil:
		return replyEmptyBulk
	}
	n := int64(len(s.data))
	if start < 0 && end < 0 && start > end {
		return replyEmptyBulk
	}
	start, end = clampRange(start, end, n) // bitops.go
	if start > end || n == 0 {
		return replyEmptyBulk
	}
	return resp.Bulk(s.data[start : end+1])
}

// setrangeCommand overwrites part of a string, zero-padding it if the
// offset lies past the end; the TTL is kept.
func setrangeCommand(c *call) resp.Value {
	key, patch := c.args[1], c.args[3]
	offset, ok := resp.ParseInt(c.args[2])
	if !ok {
		return resp.Err(errNotInteger)
	}
	if offset < 0 {
		return resp.Err("ERR offset is out of range")
	}
	old, ok := c.getStringBytes(key)
	if !ok {
		return replyWrongType
	}
	if len(patch) == 0 {
		return resp.Int(int64(len(old)))
	}
	// Compared as a subtraction: offset+len may overflow int64 (SETRANGE k
	// 9223372036854775807 A).
	if offset > stringBytesMax-int64(len(patch)) {
		return replyStringTooLong
	}
	data := make([]byte, max(int64(len(old)), offset+int64(len(patch))))
	copy(data, old)
	copy(data[offset:], patch)
	c.db.set(string(key), &stringObject{data: data, raw: true}, true) // written in place in Redis
	c.notify(notifyString, "setrange", key)
	c.propagate(c.args...)
	return resp.Int(int64(len(data)))
}

var replyBitOffset = resp.Err("ERR bit offset is not an integer or out of range")

// parseBitOffset reads SETBIT's and GETBIT's offset: bits, whose byte
// must lie within proto-max-bulk-len.
func parseBitOffset(arg []byte) (int64, bool) {
	offset, ok := resp.ParseInt(arg)
	if !ok || offset < 0 || offset>>3 >= stringBytesMax {
		return 0, false
	}
	return offset, true
}

// setbitCommand sets or clears one bit (bit 0 is the high bit of the
// first byte), zero-padding the string as needed, and answers the bit's
// old value. Like SETRANGE it builds a new string, since strings are
// shared with snapshots and copies; a call that changes nothing is not a
// write.
func setbitCommand(c *call) resp.Value {
	key := c.args[1]
	offset, ok := parseBitOffset(c.args[2])
	if !ok {
		return replyBitOffset
	}
	on, ok := resp.ParseInt(c.args[3])
	if !ok || on&^1 != 0 {
		return resp.Err("ERR bit is not an integer or out of range")
	}
	s, ok := c.getString(key)
	if !ok {
		return replyWrongType
	}
	var old []byte
	if s != nil {
		old = s.data
	}
	byteIndex, mask := offset>>3, byte(1)<<(7-offset&7)
	wasSet := byteIndex < int64(len(old)) && old[byteIndex]&mask != 0
	if byteIndex < int64(len(old)) && wasSet == (on == 1) { // the key exists and the bit is already so
		// Redis unshares the string into a raw sds before it looks, so
		// even this call leaves it raw; only the flag changes, the
		// bytes others may share stay as they are.
		s.raw = true
		return resp.Int(int64(boolInt(wasSet)))
	}
	data := make([]byte, max(int64(len(old)), byteIndex+1))
	copy(data, old)
	if on == 1 {
		data[byteIndex] |= mask
	} else {
		data[byteIndex] &^= mask
	}
	c.db.set(string(key), &stringObject{data: data, raw: true}, true) // written in place in Redis
	c.notify(notifyString, "setbit", key)
	c.propagate(c.args...)
	return resp.Int(int64(boolInt(wasSet)))
}

// getbitCommand answers one bit; past the end of the string, or of a
// missing key, it is 0.
func getbitCommand(c *call) resp.Value {
	offset, ok := parseBitOffset(c.args[2])
	if !ok {
		return replyBitOffset
	}
	s, ok := c.getString(c.args[1])
	switch {
	case !ok:
		return replyWrongType
	case s == nil || offset>>3 >= int64(len(s.data)):
		return resp.Int(0)
	}
	return resp.Int(int64(boolInt(s.data[offset>>3]&(byte(1)<<(7-offset&7)) != 0)))
}

// lcsCommand is LCS a b [LEN] [IDX] [MINMATCHLEN n] [WITHMATCHLEN]: the
// longest common subsequence of two strings (a missing key is ""), its
// length, or the matching ranges. It fills the classic (len(a)+1) ×
// (len(b)+1) table of prefix LCS lengths, bounded as in Redis by
// proto-max-bulk-len bytes of 32-bit cells, then walks back from the end:
// a match extends the current range (ranges come out last first), a
// mismatch closes it and steps toward the longer prefix LCS (toward a
// shorter b on a tie), exactly the order Redis reports them in.
func lcsCommand(c *call) resp.Value {
	var texts [2][]byte
	for i, key := range c.args[1:3] {
		s, ok := c.getString(key)
		if !ok {
			return resp.Err("ERR The specified keys must contain string values")
		}
		if s != nil {
			texts[i] = s.data
		}
	}
	var getLen, getIdx, withMatchLen bool
	var minMatchLen int64
	for j := 3; j < len(c.args); j++ {
		switch opt := strings.ToLower(string(c.args[j])); {
		case opt == "idx":
			getIdx = true
		case opt == "len":
			getLen = true
		case opt == "withmatchlen":
			withMatchLen = true
		case opt == "minmatchlen" && j+1 < len(c.args):
			n, ok := resp.ParseInt(c.args[j+1])
			if !ok {
				return resp.Err(errNotInteger)
			}
			minMatchLen = max(n, 0)
			j++
		default:
			return resp.Err(errSyntax)
		}
	}
	if getLen && getIdx {
		return resp.Err("ERR If you want both the length and indexes, please just use IDX.")
	}
	a, b := texts[0], texts[1]
	width := len(b) + 1
	if cells := int64(len(a)+1) * int64(width); cells*4 > stringBytesMax {
		return resp.Err("ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len")
	}
	table := make([]uint32, (len(a)+1)*width) // table[i*width+j] = LCS length of a[:i], b[:j]
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			if a[i-1] == b[j-1] {
				table[i*width+j] = table[(i-1)*width+j-1] + 1
			} else {
				table[i*width+j] = max(table[(i-1)*width+j], table[i*width+j-1])
			}
		}
	}
	total := table[len(a)*width+len(b)]
	if getLen {
		return resp.Int(int64(total))
	}
	common := make([]byte, total)
	var matches []resp.Value
	inRange := false
	var aStart, aEnd, bStart, bEnd int
	closeRange := func() {
		if length := int64(aEnd - aStart + 1); minMatchLen == 0 || length >= minMatchLen {
			match := []resp.Value{
				resp.ArrayOf(resp.Int(int64(aStart)), resp.Int(int64(aEnd))),
				resp.ArrayOf(resp.Int(int64(bStart)), resp.Int(int64(bEnd))),
			}
			if withMatchLen {
				match = append(match, resp.Int(length))
			}
			matches = append(matches, resp.ArrayOf(match...))
		}
		inRange = false
	}
	for i, j, k := len(a), len(b), int(total); i > 0 && j > 0; {
		if a[i-1] == b[j-1] {
			k--
			common[k] = a[i-1]
			if !inRange {
				inRange, aStart, aEnd, bStart, bEnd = true, i-1, i-1, j-1, j-1
			} else { // a match right after a match continues the range
				aStart, bStart = i-1, j-1
			}
			i, j = i-1, j-1
			if aStart == 0 || bStart == 0 {
				closeRange()
			}
			continue
		}
		if table[(i-1)*width+j] > table[i*width+j-1] {
			i--
		} else {
			j--
		}
		if inRange {
			closeRange()
		}
	}
	if !getIdx {
		return resp.Bulk(common)
	}
	if matches == nil {
		matches = []resp.Value{}
	}
	return resp.Value{Kind: resp.Map, Elems: []resp.Value{
		resp.BulkFromString("matches"), resp.ArrayOf(matches...),
		resp.BulkFromString("len"), resp.Int(int64(total)),
	}}
}

var replyNotFloat = resp.Err("ERR value is not a valid float")

// incrbyfloatCommand adds in the precision Redis uses, x87 long double
// (64-bit mantissa), so results print the same: 0.1 + 0.2 is 0.3 there, not
// 0.30000000000000004. It is logged as SET key result KEEPTTL, so replay
// does not depend on float arithmetic.
func incrbyfloatCommand(c *call) resp.Value {
	key := c.args[1]
	s, ok := c.getString(key)
	if !ok {
		return replyWrongType
	}
	current := new(big.Float).SetPrec(longDoubleMantissaBits)
	if s != nil {
		if current, ok = parseLongDouble(s.data); !ok {
			return replyNotFloat
		}
	}
	incr, ok := parseLongDouble(c.args[2])
	if !ok {
		return replyNotFloat
	}
	if current.IsInf() || incr.IsInf() || (current.Sign() != 0 && current.MantExp(nil) > longDoubleMaxExp) {
		return resp.Err("ERR increment would produce NaN or Infinity")
	}
	sum := new(big.Float).SetPrec(longDoubleMantissaBits).Add(current, incr)
	if sum.Sign() != 0 && sum.MantExp(nil) > longDoubleMaxExp {
		return resp.Err("ERR increment would produce NaN or Infinity")
	}
	text := formatLongDouble(sum)
	c.db.set(string(key), &stringObject{data: text}, true)
	c.notify(notifyString, "incrbyfloat", key)
	c.propagate(cmdSet, key, text, argKeepTTL)
	return resp.Bulk(text)
}

// x87 long double: 64-bit mantissa, values up to just under 2^16384, the
// smallest (subnormal) 2^-16445.
const (
	longDoubleMantissaBits = 64
	longDoubleMaxExp       = 16384
	longDoubleMinExp       = -16445
	// longDoubleBytesMax is Redis's MAX_LONG_DOUBLE_CHARS: longer input is
	// not a float.
	longDoubleBytesMax = 5 * 1024
)

// parseLongDouble accepts what Redis's string2ld does: strtold syntax
// (decimal or 0x hex, optional sign and exponent, inf/infinity) over the
// whole string, with no leading space, no NaN, and no overflow or
// underflow to zero.
func parseLongDouble(b []byte) (*big.Float, bool) {
	if len(b) == 0 || len(b) >= longDoubleBytesMax {
		return nil, false
	}
	text := string(b)
	body := strings.TrimLeft(text, "+-")
	if len(text)-len(body) > 1 {
		return nil, false
	}
	switch strings.ToLower(body) {
	case "inf", "infinity":
		return new(big.Float).SetInf(text[0] == '-'), true
	}
	base := 10
	if len(body) > 2 && body[0] == '0' && (body[1] == 'x' || body[1] == 'X') {
		base = 0
		if !validFloatSyntax(body[2:], true) {
			return nil, false
		}
	} else if !validFloatSyntax(body, false) {
		return nil, false
	}
	f, _, err := big.ParseFloat(text, base, longDoubleMantissaBits, big.ToNearestEven)
	if err != nil {
		return nil, false
	}
	if f.Sign() != 0 {
		if exp := f.MantExp(nil); exp > longDoubleMaxExp || exp < longDoubleMinExp {
			return nil, false
		}
	}
	return f, true
}

// validFloatSyntax checks digits[.digits][e|p[sign]digits] with at least
// one mantissa digit; hex mantissas take hex digits and a p exponent.
func validFloatSyntax(s string, hex bool) bool {
	isDigit := func(ch byte) bool {
		return ch >= '0' && ch <= '9' || hex && (ch|0x20 >= 'a' && ch|0x20 <= 'f')
	}
	i, digits := 0, 0
	for i < len(s) && isDigit(s[i]) {
		i, digits = i+1, digits+1
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && isDigit(s[i]) {
			i, digits = i+1, digits+1
		}
	}
	if digits == 0 {
		return false
	}
	if i == len(s) {
		return true
	}
	expMark := byte('e')
	if hex {
		expMark = 'p'
	}
	if s[i]|0x20 != expMark {
		return false
	}
	i++
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	expDigits := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i, expDigits = i+1, expDigits+1
	}
	return expDigits > 0 && i == len(s)
}

// formatLongDouble prints like Redis's ld2string in human mode: %.17Lf,
// trailing zeros (and a bare point) removed, -0 as 0.
func formatLongDouble(f *big.Float) []byte {
	text := f.Text('f', 17)
	if strings.IndexByte(text, '.') >= 0 {
		text = strings.TrimRight(text, "0")
		text = strings.TrimSuffix(text, ".")
	}
	if text == "-0" {
		text = "0"
	}
	return []byte(text)
}
