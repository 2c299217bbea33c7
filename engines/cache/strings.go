package cache

import (
	"bytes"
	"math"
	"strconv"

	"syslab/engines/cache/resp"
)

// stringObject is the string type. Its bytes are never modified in place:
// a command that changes a string stores a new one, so a reply or message
// that shares the old slice stays valid.
type stringObject struct {
	data []byte
}

func (*stringObject) typeName() string { return "string" }

// embstrBytesMax is the longest string Redis stores in one allocation with
// its object header (OBJ_ENCODING_EMBSTR_SIZE_LIMIT).
const embstrBytesMax = 44

func (s *stringObject) encoding() string {
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

// String commands: GET, SET, INCR, INCRBY, DECR, DECRBY.
var stringCommands = []commandSpec{
	{name: "get", arity: 2, flags: flagReadonly | flagFast, firstKey: 1, lastKey: 1, keyStep: 1, run: getCommand},
	{name: "set", arity: -3, flags: flagWrite | flagDenyOOM, firstKey: 1, lastKey: 1, keyStep: 1, run: setCommand},
	{name: "incr", arity: 2, flags: flagWrite | flagDenyOOM | flagFast, firstKey: 1, lastKey: 1, keyStep: 1, run: incrCommand},
	{name: "decr", arity: 2, flags: flagWrite | flagDenyOOM | flagFast, firstKey: 1, lastKey: 1, keyStep: 1, run: decrCommand},
	{name: "incrby", arity: 3, flags: flagWrite | flagDenyOOM | flagFast, firstKey: 1, lastKey: 1, keyStep: 1, run: incrbyCommand},
	{name: "decrby", arity: 3, flags: flagWrite | flagDenyOOM | flagFast, firstKey: 1, lastKey: 1, keyStep: 1, run: decrbyCommand},
}

// getString returns the string at key, nil if absent, or ok=false for a
// key of another type.
func (c *call) getString(key []byte) (s *stringObject, ok bool) {
	e := c.lookup(key)
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
	old, ok := c.getString(key)
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
	found := c.lookup(key) != nil
	if (o.nx && found) || (o.xx && !found) {
		if o.get {
			return reply
		}
		return resp.NullBulk
	}
	e := c.db.set(string(key), &stringObject{data: value}, o.keepTTL)
	switch {
	case o.expireArg != nil:
		c.db.setExpire(string(key), e, atMillis)
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
	c.db.set(string(key), &stringObject{data: strconv.AppendInt(nil, current, 10)}, true)
	c.propagate(c.args...)
	return resp.Int(current)
}
