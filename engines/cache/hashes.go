package cache

import (
	"bytes"
	"math/big"
	"math/rand/v2"
	"strconv"

	"syslab/engines/cache/dict"
	"syslab/engines/cache/resp"
)

// hashObject is the hash type, in one of Redis 7.0's two encodings:
//
//   - listpack: while it has at most hashListpackEntriesMax fields and no
//     field or value longer than hashListpackValueBytesMax, the pairs sit
//     in a slice in insertion order (an update keeps the field's place).
//     Replies list them in that order and HSCAN returns them all at once,
//     as Redis does.
//   - hashtable: otherwise, a dict.Dict whose order (seeded from the
//     node's random source) decides HGETALL and HSCAN order.
//
// Like Redis, a hash never converts back to listpack, and a key never holds
// an empty hash. Fields and values are the clients' argument slices,
// which the node owns and never modifies.
type hashObject struct {
	pairs  []hashPair         // listpack encoding; unused once fields is set
	fields *dict.Dict[[]byte] // hashtable encoding; nil while listpack
	seed   uint64             // the dict's seed, chosen when the hash is created
	bytes  int                // running memory estimate, see memoryBytes
	// limits are the conversion thresholds (encoding.go); nil: defaults.
	limits *encodingLimits
}

type hashPair struct{ field, value []byte }

// Redis 7.0's hash-max-listpack-entries and hash-max-listpack-value.
const (
	hashListpackEntriesMax    = 512
	hashListpackValueBytesMax = 64
)

// Memory estimate of a hash, after Redis's structures: a robj, then a
// listpack (a header and about two bytes of framing per element) or a dict
// (an entry and a bucket slot per field, two sds strings).
const (
	hashObjectBytes         = 16
	hashListpackHeaderBytes = 7
	hashListpackPairBytes   = 4
	hashDictBytes           = 56
	hashDictEntryBytes      = 24 + 8 + 2*4 // entry, bucket slot, two sds headers
)

func newHash(seed uint64) *hashObject {
	return &hashObject{seed: seed, bytes: hashObjectBytes + hashListpackHeaderBytes}
}

// newHash returns an empty hash for c's node with a fresh dict seed.
func (c *call) newHash() *hashObject {
	h := newHash(c.node.env.Rand().Uint64())
	h.limits = &c.node.cfg.limits
	return h
}

func (*hashObject) typeName() string { return "hash" }

func (h *hashObject) encoding() string {
	if h.fields == nil {
		return "listpack"
	}
	return "hashtable"
}

func (h *hashObject) memoryBytes() int { return h.bytes }

func (h *hashObject) len() int {
	if h.fields == nil {
		return len(h.pairs)
	}
	return h.fields.Len()
}

func (h *hashObject) convert() {
	h.fields = dict.New[[]byte](h.seed)
	h.bytes = hashObjectBytes + hashDictBytes
	for _, p := range h.pairs {
		h.fields.Set(string(p.field), p.value)
		h.bytes += hashDictEntryBytes + len(p.field) + len(p.value)
	}
	h.pairs = nil
}

func (h *hashObject) find(field []byte) int {
	for i := range h.pairs {
		if bytes.Equal(h.pairs[i].field, field) {
			return i
		}
	}
	return -1
}

func (h *hashObject) get(field []byte) ([]byte, bool) {
	if h.fields == nil {
		if i := h.find(field); i >= 0 {
			return h.pairs[i].value, true
		}
		return nil, false
	}
	return h.fields.GetBytes(field)
}

// set stores value under field and reports whether the field is new.
func (h *hashObject) set(field, value []byte) bool {
	if h.fields == nil {
		limits := limitsOrDefault(h.limits)
		if int64(len(field)) > limits.hashListpackValueBytes || int64(len(value)) > limits.hashListpackValueBytes {
			h.convert()
		} else {
			if i := h.find(field); i >= 0 {
				h.bytes += len(value) - len(h.pairs[i].value)
				h.pairs[i].value = value
				return false
			}
			h.pairs = append(h.pairs, hashPair{field, value})
			h.bytes += hashListpackPairBytes + len(field) + len(value)
			if int64(len(h.pairs)) > limits.hashListpackEntries {
				h.convert()
			}
			return true
		}
	}
	ref, _, added := h.fields.InsertBytes(field) // copies field only when new
	if added {
		h.bytes += hashDictEntryBytes + len(field) + len(value)
	} else {
		h.bytes += len(value) - len(*ref)
	}
	*ref = value
	return added
}

// remove deletes field and reports whether it was there.
func (h *hashObject) remove(field []byte) bool {
	if h.fields == nil {
		i := h.find(field)
		if i < 0 {
			return false
		}
		h.bytes -= hashListpackPairBytes + len(field) + len(h.pairs[i].value)
		h.pairs = append(h.pairs[:i], h.pairs[i+1:]...)
		return true
	}
	old, ok := h.fields.Delete(string(field))
	if ok {
		h.bytes -= hashDictEntryBytes + len(field) + len(old)
	}
	return ok
}

// each calls fn for every pair in the encoding's order until fn returns
// false. fn must not change the hash.
func (h *hashObject) each(fn func(field, value []byte) bool) {
	if h.fields == nil {
		for _, p := range h.pairs {
			if !fn(p.field, p.value) {
				return
			}
		}
		return
	}
	h.fields.Range(func(field string, value []byte) bool { return fn([]byte(field), value) })
}

// random returns a pair chosen (near-)uniformly; the hash must not be empty.
func (h *hashObject) random(r *rand.Rand) (field, value []byte) {
	if h.fields == nil {
		p := h.pairs[r.IntN(len(h.pairs))]
		return p.field, p.value
	}
	f, v, _ := h.fields.Random(r)
	return []byte(f), v
}

// Hash commands.
var hashCommands = []commandSpec{
	{name: "hset", arity: -4, flags: flagWrite | flagDenyOOM | flagFast, firstKey: 1, lastKey: 1, keyStep: 1, run: hsetCommand},
	{name: "hmset", arity: -4, flags: flagWrite | flagDenyOOM | flagFast, firstKey: 1, lastKey: 1, keyStep: 1, run: hmsetCommand},
	{name: "hsetnx", arity: 4, flags: flagWrite | flagDenyOOM | flagFast, firstKey: 1, lastKey: 1, keyStep: 1, run: hsetnxCommand},
	{name: "hget", arity: 3, flags: flagReadonly | flagFast, firstKey: 1, lastKey: 1, keyStep: 1, run: hgetCommand},
	{name: "hmget", arity: -3, flags: flagReadonly | flagFast, firstKey: 1, lastKey: 1, keyStep: 1, run: hmgetCommand},
	{name: "hgetall", arity: 2, flags: flagReadonly, firstKey: 1, lastKey: 1, keyStep: 1, run: hgetallCommand},
	{name: "hdel", arity: -3, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, keyStep: 1, run: hdelCommand},
	{name: "hexists", arity: 3, flags: flagReadonly | flagFast, firstKey: 1, lastKey: 1, keyStep: 1, run: hexistsCommand},
	{name: "hlen", arity: 2, flags: flagReadonly | flagFast, firstKey: 1, lastKey: 1, keyStep: 1, run: hlenCommand},
	{name: "hkeys", arity: 2, flags: flagReadonly, firstKey: 1, lastKey: 1, keyStep: 1, run: hkeysCommand},
	{name: "hvals", arity: 2, flags: flagReadonly, firstKey: 1, lastKey: 1, keyStep: 1, run: hvalsCommand},
	{name: "hstrlen", arity: 3, flags: flagReadonly | flagFast, firstKey: 1, lastKey: 1, keyStep: 1, run: hstrlenCommand},
	{name: "hincrby", arity: 4, flags: flagWrite | flagDenyOOM | flagFast, firstKey: 1, lastKey: 1, keyStep: 1, run: hincrbyCommand},
	{name: "hincrbyfloat", arity: 4, flags: flagWrite | flagDenyOOM | flagFast, firstKey: 1, lastKey: 1, keyStep: 1, run: hincrbyfloatCommand},
	{name: "hrandfield", arity: -2, flags: flagReadonly, firstKey: 1, lastKey: 1, keyStep: 1, run: hrandfieldCommand},
	{name: "hscan", arity: -3, flags: flagReadonly, firstKey: 1, lastKey: 1, keyStep: 1, run: hscanCommand},
}

// getHash returns the hash at key, nil if absent, or ok=false for a key of
// another type.
func (c *call) getHash(key []byte) (h *hashObject, ok bool) {
	e := c.lookup(key)
	if e == nil {
		return nil, true
	}
	h, ok = e.value.(*hashObject)
	return h, ok
}

// hashForWrite returns the hash at key, creating an empty one (not yet
// stored) when the key is absent; store reports whether the caller must
// store it.
func (c *call) hashForWrite(key []byte) (h *hashObject, store, ok bool) {
	h, ok = c.getHash(key)
	if !ok {
		return nil, false, false
	}
	if h == nil {
		return c.newHash(), true, true
	}
	return h, false, true
}

func hsetCommand(c *call) resp.Value {
	added, errReply, ok := hsetPairs(c, "hset")
	if !ok {
		return errReply
	}
	return resp.Int(added)
}

// hmsetCommand is HSET with Redis 2's reply (deprecated, still served).
func hmsetCommand(c *call) resp.Value {
	if _, errReply, ok := hsetPairs(c, "hmset"); !ok {
		return errReply
	}
	return resp.OK
}

// hsetPairs stores the field/value pairs of HSET and HMSET; the command
// is deterministic, so the AOF gets it as sent.
func hsetPairs(c *call, name string) (int64, resp.Value, bool) {
	if len(c.args)%2 == 1 {
		return 0, errWrongArity(name), false
	}
	key := c.args[1]
	h, store, ok := c.hashForWrite(key)
	if !ok {
		return 0, replyWrongType, false
	}
	var added int64
	for i := 2; i < len(c.args); i += 2 {
		if h.set(c.args[i], c.args[i+1]) {
			added++
		}
	}
	if store {
		c.db.set(string(key), h, false)
	}
	c.notify(notifyHash, "hset", key)
	c.propagate(c.args...)
	return added, resp.Value{}, true
}

func hsetnxCommand(c *call) resp.Value {
	key := c.args[1]
	h, store, ok := c.hashForWrite(key)
	if !ok {
		return replyWrongType
	}
	if _, exists := h.get(c.args[2]); exists {
		return resp.Int(0)
	}
	h.set(c.args[2], c.args[3])
	if store {
		c.db.set(string(key), h, false)
	}
	c.notify(notifyHash, "hset", key)
	c.propagate(c.args...)
	return resp.Int(1)
}

func hgetCommand(c *call) resp.Value {
	h, ok := c.getHash(c.args[1])
	if !ok {
		return replyWrongType
	}
	if h != nil {
		if value, found := h.get(c.args[2]); found {
			return resp.Bulk(value)
		}
	}
	return resp.NullBulk
}

func hmgetCommand(c *call) resp.Value {
	h, ok := c.getHash(c.args[1])
	if !ok {
		return replyWrongType
	}
	replies := make([]resp.Value, len(c.args)-2)
	for i, field := range c.args[2:] {
		replies[i] = resp.NullBulk
		if h != nil {
			if value, found := h.get(field); found {
				replies[i] = resp.Bulk(value)
			}
		}
	}
	return resp.ArrayOf(replies...)
}

// hashFlat lists fields and/or values in the encoding's order.
func (h *hashObject) flat(fields, values bool) []resp.Value {
	n := 0
	if fields {
		n += h.len()
	}
	if values {
		n += h.len()
	}
	out := make([]resp.Value, 0, n)
	h.each(func(field, value []byte) bool {
		if fields {
			out = append(out, resp.Bulk(field))
		}
		if values {
			out = append(out, resp.Bulk(value))
		}
		return true
	})
	return out
}

func hgetallCommand(c *call) resp.Value {
	h, ok := c.getHash(c.args[1])
	switch {
	case !ok:
		return replyWrongType
	case h == nil:
		return resp.Value{Kind: resp.Map, Elems: []resp.Value{}}
	}
	return resp.Value{Kind: resp.Map, Elems: h.flat(true, true)}
}

func hkeysCommand(c *call) resp.Value { return hashListReply(c, true, false) }
func hvalsCommand(c *call) resp.Value { return hashListReply(c, false, true) }

func hashListReply(c *call, fields, values bool) resp.Value {
	h, ok := c.getHash(c.args[1])
	switch {
	case !ok:
		return replyWrongType
	case h == nil:
		return resp.ArrayOf()
	}
	return resp.ArrayOf(h.flat(fields, values)...)
}

func hdelCommand(c *call) resp.Value {
	key := c.args[1]
	h, ok := c.getHash(key)
	switch {
	case !ok:
		return replyWrongType
	case h == nil:
		return resp.Int(0)
	}
	var removed int64
	emptied := false
	for _, field := range c.args[2:] {
		if h.remove(field) {
			removed++
			if h.len() == 0 {
				c.db.delete(string(key))
				emptied = true
				break
			}
		}
	}
	if removed > 0 {
		c.notify(notifyHash, "hdel", key)
		if emptied {
			c.notify(notifyGeneric, "del", key)
		}
		c.propagate(c.args...)
	}
	return resp.Int(removed)
}

func hexistsCommand(c *call) resp.Value {
	h, ok := c.getHash(c.args[1])
	if !ok {
		return replyWrongType
	}
	if h != nil {
		if _, found := h.get(c.args[2]); found {
			return resp.Int(1)
		}
	}
	return resp.Int(0)
}

func hlenCommand(c *call) resp.Value {
	h, ok := c.getHash(c.args[1])
	switch {
	case !ok:
		return replyWrongType
	case h == nil:
		return resp.Int(0)
	}
	return resp.Int(int64(h.len()))
}

func hstrlenCommand(c *call) resp.Value {
	h, ok := c.getHash(c.args[1])
	if !ok {
		return replyWrongType
	}
	if h != nil {
		if value, found := h.get(c.args[2]); found {
			return resp.Int(int64(len(value)))
		}
	}
	return resp.Int(0)
}

func hincrbyCommand(c *call) resp.Value {
	delta, ok := resp.ParseInt(c.args[3])
	if !ok {
		return resp.Err(errNotInteger)
	}
	key, field := c.args[1], c.args[2]
	h, store, ok := c.hashForWrite(key)
	if !ok {
		return replyWrongType
	}
	var current int64
	if old, found := h.get(field); found {
		if current, ok = resp.ParseInt(old); !ok {
			return resp.Err("ERR hash value is not an integer")
		}
	}
	if (delta < 0 && current < 0 && delta < -1<<63-current) ||
		(delta > 0 && current > 0 && delta > 1<<63-1-current) {
		return resp.Err(errOverflow)
	}
	current += delta
	h.set(field, strconv.AppendInt(nil, current, 10))
	if store {
		c.db.set(string(key), h, false)
	}
	c.notify(notifyHash, "hincrby", key)
	c.propagate(c.args...)
	return resp.Int(current)
}

// longDoublePrecisionBits is the mantissa of the x87 long double Redis
// computes INCRBYFLOAT and HINCRBYFLOAT in: big.Float at this precision
// rounds each parse and sum as the C code does, so 0.1 + 0.2 prints as
// "0.3" here as it does there, not as float64's 0.30000000000000004.
const longDoublePrecisionBits = 64

// longDoubleExpMax: values at or above 2^16384 overflow a long double.
const longDoubleExpMax = 16384

func isCSpace(b byte) bool {
	return b == ' ' || b == '\t' || b == '\n' || b == '\v' || b == '\f' || b == '\r'
}

var cmdHset = []byte("HSET")

// hincrbyfloatCommand computes in long double precision (see
// longDoublePrecisionBits) and propagates the result as an HSET, as Redis
// does, so a replay does not redo the float arithmetic.
func hincrbyfloatCommand(c *call) resp.Value {
	delta, ok := parseLongDouble(c.args[3])
	if !ok {
		return resp.Err("ERR value is not a valid float")
	}
	if delta.IsInf() {
		return resp.Err("ERR value is NaN or Infinity")
	}
	key, field := c.args[1], c.args[2]
	h, store, ok := c.hashForWrite(key)
	if !ok {
		return replyWrongType
	}
	current := new(big.Float).SetPrec(longDoublePrecisionBits)
	if old, found := h.get(field); found {
		if current, ok = parseLongDouble(old); !ok {
			return resp.Err("ERR hash value is not a float")
		}
	}
	sum := new(big.Float).SetPrec(longDoublePrecisionBits).SetMode(big.ToNearestEven).Add(current, delta)
	if sum.IsInf() || sum.MantExp(nil) > longDoubleExpMax {
		return resp.Err("ERR increment would produce NaN or Infinity")
	}
	text := []byte(formatLongDouble(sum))
	h.set(field, text)
	if store {
		c.db.set(string(key), h, false)
	}
	c.notify(notifyHash, "hincrbyfloat", key)
	c.propagate(cmdHset, key, field, text)
	return resp.Bulk(text)
}

// hrandfieldCommand follows SRANDMEMBER's count rules; WITHVALUES pairs
// each field with its value: one flat array in RESP2, an array of
// [field, value] arrays in RESP3 (resp.Pairs).
func hrandfieldCommand(c *call) resp.Value {
	key := c.args[1]
	if len(c.args) == 2 {
		h, ok := c.getHash(key)
		switch {
		case !ok:
			return replyWrongType
		case h == nil:
			return resp.NullBulk
		}
		field, _ := h.random(c.node.env.Rand())
		return resp.Bulk(field)
	}
	count, errReply, ok := parseRandomCount(c.args[2])
	if !ok {
		return errReply
	}
	if len(c.args) > 4 || (len(c.args) == 4 && !bytes.EqualFold(c.args[3], []byte("withvalues"))) {
		return resp.Err(errSyntax)
	}
	withValues := len(c.args) == 4
	if withValues && (count < -randomPairsCountMax || count > randomPairsCountMax) {
		return replyValueOutOfRange
	}
	h, ok := c.getHash(key)
	switch {
	case !ok:
		return replyWrongType
	case h == nil || count == 0:
		return resp.ArrayOf()
	}
	r := c.node.env.Rand()
	if count < 0 {
		out := make([]resp.Value, 0, min(-count, randomPicksPreallocMax))
		budget, fits := c.replyBudget(-count) // outputlimits.go
		if !fits {
			return c.abandonReply()
		}
		size := int64(0)
		for range -count {
			field, value := h.random(r)
			out = append(out, resp.Bulk(field))
			size += int64(len(field)) + replyElementOverheadBytes
			if withValues {
				out = append(out, resp.Bulk(value))
				size += int64(len(value)) + replyElementOverheadBytes
			}
			if size > budget {
				return c.abandonReply()
			}
		}
		return fieldsReply(out, withValues)
	}
	if count >= int64(h.len()) {
		return fieldsReply(h.flat(true, withValues), withValues)
	}
	fields := distinctSample(h.len(), int(count), r,
		func() []resp.Value { return h.flat(true, false) },
		func() []byte { field, _ := h.random(r); return field })
	if !withValues {
		return resp.ArrayOf(fields...)
	}
	out := make([]resp.Value, 0, 2*len(fields))
	for _, field := range fields {
		value, _ := h.get(field.Str)
		out = append(out, field, resp.Bulk(value))
	}
	return fieldsReply(out, true)
}

// fieldsReply shapes HRANDFIELD's answer: pairs when it carries values.
func fieldsReply(elems []resp.Value, withValues bool) resp.Value {
	if withValues {
		return resp.Value{Kind: resp.Pairs, Elems: elems}
	}
	return resp.ArrayOf(elems...)
}

func hscanCommand(c *call) resp.Value {
	cursor, ok := parseScanCursor(c.args[2])
	if !ok {
		return replyInvalidCursor
	}
	h, ok := c.getHash(c.args[1])
	switch {
	case !ok:
		return replyWrongType
	case h == nil:
		return replyEmptyScan
	}
	opts, errReply, ok := parseScanOptions(c.args[3:])
	if !ok {
		return errReply
	}
	var found []resp.Value
	keep := func(field, value []byte) {
		if opts.matches(field) {
			found = append(found, resp.Bulk(field), resp.Bulk(value))
		}
	}
	if h.fields == nil {
		h.each(func(field, value []byte) bool { keep(field, value); return true })
		return scanReply(0, found)
	}
	// COUNT bounds the work, not the matches; like Redis, a field and its
	// value count as two collected elements.
	var visited []hashPair
	bucketsLeft := opts.count * scanBucketsPerCountMax
	for {
		cursor = h.fields.Scan(cursor, func(field string, value []byte) {
			visited = append(visited, hashPair{[]byte(field), value})
		})
		bucketsLeft--
		if cursor == 0 || bucketsLeft <= 0 || 2*len(visited) >= opts.count {
			break
		}
	}
	for _, p := range visited {
		keep(p.field, p.value)
	}
	return scanReply(cursor, found)
}
