package cache

import (
	"bytes"
	"math"
	"sort"
	"strconv"
	"strings"

	"syslab/engines/cache/dict"
	"syslab/engines/cache/resp"
)

// zsetObject is the sorted set type: a dict from member to its skiplist
// node (for O(1) ZSCORE) plus the skiplist ordered by (score, member) (for
// ranges and ranks), as Redis's skiplist encoding.
//
// Redis keeps small sets in a listpack instead; one structure serves both
// here, and the encoding OBJECT ENCODING reports follows Redis 7.0's rule:
// a set starts as "listpack" and becomes "skiplist" for good once it holds
// more than zsetListpackEntriesMax members or any member longer than
// zsetListpackValueBytesMax (zset-max-listpack-entries / -value). What
// that changes that a client can see is ZSCAN: a listpack set is returned
// whole in one call, in order.
type zsetObject struct {
	members *dict.Dict[*skipNode]
	zsl     *skiplist
	// memberBytes is the sum of the members' lengths, for memoryBytes.
	memberBytes int
	// skiplistEncoded is sticky: Redis never converts back on deletes.
	skiplistEncoded bool
	// limits are the conversion thresholds (encoding.go); nil: defaults.
	limits *encodingLimits
}

const (
	zsetListpackEntriesMax    = 128
	zsetListpackValueBytesMax = 64
	// Memory estimates: an robj plus the listpack header, and per element
	// a listpack entry pair; or an robj, zset, dict and skiplist headers,
	// and per element a skiplist node with ~1.33 levels plus a dict entry.
	zsetListpackHeaderBytes   = 16 + 7
	zsetListpackEntryBytes    = 12
	zsetSkiplistHeaderBytes   = 16 + 16 + 96 + 32 + 32*16
	zsetSkiplistEntryBytes    = 48 + 24 + 8 + 24 + 16
	zrandmemberSparseFraction = 3 // ZRANDMEMBER: copy-and-remove when count*3 > size
)

func (*zsetObject) typeName() string { return "zset" }

func (z *zsetObject) encoding() string {
	if z.skiplistEncoded {
		return "skiplist"
	}
	return "listpack"
}

func (z *zsetObject) memoryBytes() int {
	if z.skiplistEncoded {
		return zsetSkiplistHeaderBytes + z.memberBytes + z.zsl.length*zsetSkiplistEntryBytes
	}
	return zsetListpackHeaderBytes + z.memberBytes + z.zsl.length*zsetListpackEntryBytes
}

func newZset(c *call) *zsetObject {
	rng := c.node.env.Rand()
	return &zsetObject{members: dict.New[*skipNode](rng.Uint64()), zsl: newSkiplist(rng), limits: &c.node.cfg.limits}
}

func (z *zsetObject) len() int { return z.zsl.length }

// insert adds a member the set does not hold.
func (z *zsetObject) insert(member string, score float64) {
	score += 0 // -0 becomes 0, as Redis stores it
	z.members.Set(member, z.zsl.insert(score, member))
	z.memberBytes += len(member)
	limits := limitsOrDefault(z.limits)
	if int64(z.zsl.length) > limits.zsetListpackEntries || int64(len(member)) > limits.zsetListpackValueBytes {
		z.skiplistEncoded = true
	}
}

// setScore changes the score of a member the set holds.
func (z *zsetObject) setScore(x *skipNode, score float64) {
	score += 0
	if y := z.zsl.updateScore(x, score); y != x {
		z.members.Set(y.member, y)
	}
}

func (z *zsetObject) remove(member string) bool {
	x, ok := z.members.Delete(member)
	if !ok {
		return false
	}
	z.zsl.delete(x.score, x.member)
	z.memberBytes -= len(member)
	return true
}

func (z *zsetObject) score(member []byte) (float64, bool) {
	x, ok := z.members.GetBytes(member)
	if !ok {
		return 0, false
	}
	return x.score, true
}

// getZset returns the sorted set at key, nil if absent, or ok=false for a
// key of another type.
func (c *call) getZset(key []byte) (z *zsetObject, ok bool) {
	return zsetOf(c.lookup(key))
}

// zsetOf is e's sorted set: nil for no entry, false for another type.
func zsetOf(e *entry) (z *zsetObject, ok bool) {
	if e == nil {
		return nil, true
	}
	z, ok = e.value.(*zsetObject)
	return z, ok
}

// deleteZsetIfEmpty keeps the rule that a key never holds an empty set.
func (c *call) deleteZsetIfEmpty(key []byte, z *zsetObject) {
	if z.len() == 0 {
		c.db.delete(string(key))
		c.notify(notifyGeneric, "del", key)
	}
}

// zaddEvent is the keyspace event of ZADD and ZINCRBY.
func zaddEvent(incr bool) string {
	if incr {
		return "zincr"
	}
	return "zadd"
}

// Sorted set commands. Blocking BZPOPMIN/BZPOPMAX/BZMPOP and ZMPOP are not
// here yet.
var zsetCommands = []commandSpec{
	{name: "zadd", arity: -4, flags: flagWrite | flagDenyOOM | flagFast, firstKey: 1, lastKey: 1, keyStep: 1, run: zaddCommand},
	{name: "zincrby", arity: 4, flags: flagWrite | flagDenyOOM | flagFast, firstKey: 1, lastKey: 1, keyStep: 1, run: zincrbyCommand},
	{name: "zrem", arity: -3, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, keyStep: 1, run: zremCommand},
	{name: "zscore", arity: 3, flags: flagReadonly | flagFast, firstKey: 1, lastKey: 1, keyStep: 1, run: zscoreCommand},
	{name: "zmscore", arity: -3, flags: flagReadonly | flagFast, firstKey: 1, lastKey: 1, keyStep: 1, run: zmscoreCommand},
	{name: "zcard", arity: 2, flags: flagReadonly | flagFast, firstKey: 1, lastKey: 1, keyStep: 1, run: zcardCommand},
	{name: "zcount", arity: 4, flags: flagReadonly | flagFast, firstKey: 1, lastKey: 1, keyStep: 1, run: zcountCommand},
	{name: "zlexcount", arity: 4, flags: flagReadonly | flagFast, firstKey: 1, lastKey: 1, keyStep: 1, run: zlexcountCommand},
	{name: "zrank", arity: 3, flags: flagReadonly | flagFast, firstKey: 1, lastKey: 1, keyStep: 1, run: zrankCommand},
	{name: "zrevrank", arity: 3, flags: flagReadonly | flagFast, firstKey: 1, lastKey: 1, keyStep: 1, run: zrevrankCommand},
	{name: "zrange", arity: -4, flags: flagReadonly, firstKey: 1, lastKey: 1, keyStep: 1, run: zrangeCommand},
	{name: "zrangestore", arity: -5, flags: flagWrite | flagDenyOOM, firstKey: 1, lastKey: 2, keyStep: 1, run: zrangestoreCommand},
	{name: "zrevrange", arity: -4, flags: flagReadonly, firstKey: 1, lastKey: 1, keyStep: 1, run: zrevrangeCommand},
	{name: "zrangebyscore", arity: -4, flags: flagReadonly, firstKey: 1, lastKey: 1, keyStep: 1, run: zrangebyscoreCommand},
	{name: "zrevrangebyscore", arity: -4, flags: flagReadonly, firstKey: 1, lastKey: 1, keyStep: 1, run: zrevrangebyscoreCommand},
	{name: "zrangebylex", arity: -4, flags: flagReadonly, firstKey: 1, lastKey: 1, keyStep: 1, run: zrangebylexCommand},
	{name: "zrevrangebylex", arity: -4, flags: flagReadonly, firstKey: 1, lastKey: 1, keyStep: 1, run: zrevrangebylexCommand},
	{name: "zremrangebyrank", arity: 4, flags: flagWrite, firstKey: 1, lastKey: 1, keyStep: 1, run: zremrangebyrankCommand},
	{name: "zremrangebyscore", arity: 4, flags: flagWrite, firstKey: 1, lastKey: 1, keyStep: 1, run: zremrangebyscoreCommand},
	{name: "zremrangebylex", arity: 4, flags: flagWrite, firstKey: 1, lastKey: 1, keyStep: 1, run: zremrangebylexCommand},
	{name: "zpopmin", arity: -2, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, keyStep: 1, run: zpopminCommand},
	{name: "zpopmax", arity: -2, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, keyStep: 1, run: zpopmaxCommand},
	{name: "zrandmember", arity: -2, flags: flagReadonly, firstKey: 1, lastKey: 1, keyStep: 1, run: zrandmemberCommand},
	{name: "zscan", arity: -3, flags: flagReadonly, firstKey: 1, lastKey: 1, keyStep: 1, run: zscanCommand},
	// The set-operation commands have movable keys: their legacy key spec
	// names only the destination (or nothing), as in Redis.
	{name: "zunionstore", arity: -4, flags: flagWrite | flagDenyOOM, firstKey: 1, lastKey: 1, keyStep: 1, movableKeys: destinationAndKeysAfterNumkeys(2), run: zunionstoreCommand},
	{name: "zinterstore", arity: -4, flags: flagWrite | flagDenyOOM, firstKey: 1, lastKey: 1, keyStep: 1, movableKeys: destinationAndKeysAfterNumkeys(2), run: zinterstoreCommand},
	{name: "zdiffstore", arity: -4, flags: flagWrite | flagDenyOOM, firstKey: 1, lastKey: 1, keyStep: 1, movableKeys: destinationAndKeysAfterNumkeys(2), run: zdiffstoreCommand},
	{name: "zunion", arity: -3, flags: flagReadonly, movableKeys: keysAfterNumkeys(1), run: zunionCommand},
	{name: "zinter", arity: -3, flags: flagReadonly, movableKeys: keysAfterNumkeys(1), run: zinterCommand},
	{name: "zdiff", arity: -3, flags: flagReadonly, movableKeys: keysAfterNumkeys(1), run: zdiffCommand},
	{name: "zintercard", arity: -3, flags: flagReadonly, movableKeys: keysAfterNumkeys(1), run: zintercardCommand},
}

// Redis's sorted-set error replies, word for word.
const (
	errNotFloat        = "ERR value is not a valid float"
	errNaNScore        = "ERR resulting score is not a number (NaN)"
	errMinMaxNotFloat  = "ERR min or max is not a float"
	errMinMaxNotString = "ERR min or max not valid string range item"
	errNotPositive     = "ERR value is out of range, must be positive"
)

func doubleReply(f float64) resp.Value { return resp.Value{Kind: resp.Double, Float: f} }

var replyEmptyArray = resp.Value{Kind: resp.Array, Elems: []resp.Value{}}

// parseScore reads a score argument as Redis's string2d (strtod): decimal
// or hexadecimal, inf/infinity with a sign, no surrounding space, no NaN,
// no overflow to infinity and no underflow to zero.
func parseScore(b []byte) (float64, bool) {
	if len(b) == 0 || isSpace(b[0]) {
		return 0, false
	}
	return parseStrtod(b, false)
}

// parseStrtod is C's strtod over the whole of b. loose keeps what strtod
// itself accepts but string2d refuses (leading space, overflow), as
// zslParseRange does for ZRANGEBYSCORE bounds.
func parseStrtod(b []byte, loose bool) (float64, bool) {
	s := string(b)
	if loose {
		s = strings.TrimLeft(s, " \t\n\v\f\r")
		if s == "" {
			return 0, true // strtod consumed nothing and stopped at the end
		}
	}
	if strings.ContainsRune(s, '_') {
		return 0, false
	}
	body := strings.TrimLeft(s, "+-")
	if len(s)-len(body) > 1 {
		return 0, false
	}
	if len(body) > 2 && body[0] == '0' && (body[1] == 'x' || body[1] == 'X') && !strings.ContainsAny(body, "pP") {
		s += "p0" // C accepts hexadecimal without a binary exponent; Go does not
	}
	f, err := strconv.ParseFloat(s, 64)
	if math.IsNaN(f) {
		return 0, false
	}
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange && loose {
			return f, true
		}
		return 0, false
	}
	if f == 0 && !loose && hasNonZeroDigit(body) {
		return 0, false // underflow: strtod sets ERANGE, string2d refuses
	}
	return f, true
}

func hasNonZeroDigit(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == 'e' || c == 'E' || c == 'p' || c == 'P':
			return false
		case c >= '1' && c <= '9':
			return true
		case c == 'x' || c == 'X':
			continue
		case (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'):
			return true
		}
	}
	return false
}

func isSpace(c byte) bool { return c == ' ' || (c >= '\t' && c <= '\r') }

// scoreRange is a ZRANGEBYSCORE interval; an exclusive end is written "(x".
type scoreRange struct {
	min, max     float64
	minEx, maxEx bool
}

func parseScoreBound(b []byte) (f float64, exclusive bool, ok bool) {
	if len(b) > 0 && b[0] == '(' {
		f, ok = parseStrtod(b[1:], true)
		return f, true, ok
	}
	if len(b) == 0 {
		return 0, false, false
	}
	f, ok = parseStrtod(b, true)
	return f, false, ok
}

func parseScoreRange(minArg, maxArg []byte) (scoreRange, bool) {
	var r scoreRange
	var ok1, ok2 bool
	r.min, r.minEx, ok1 = parseScoreBound(minArg)
	r.max, r.maxEx, ok2 = parseScoreBound(maxArg)
	return r, ok1 && ok2
}

func (r *scoreRange) aboveMin(f float64) bool {
	if r.minEx {
		return f > r.min
	}
	return f >= r.min
}

func (r *scoreRange) belowMax(f float64) bool {
	if r.maxEx {
		return f < r.max
	}
	return f <= r.max
}

func (r *scoreRange) empty() bool {
	return r.min > r.max || (r.min == r.max && (r.minEx || r.maxEx))
}

// lexBound is one end of a ZRANGEBYLEX interval: "-", "+", "[x" or "(x".
type lexBound struct {
	value     string
	infinite  int // -1 for "-", +1 for "+", 0 for a value
	exclusive bool
}

type lexRange struct{ min, max lexBound }

func parseLexBound(b []byte) (lexBound, bool) {
	if len(b) == 0 {
		return lexBound{}, false
	}
	switch b[0] {
	case '+':
		if len(b) == 1 {
			return lexBound{infinite: 1}, true
		}
	case '-':
		if len(b) == 1 {
			return lexBound{infinite: -1}, true
		}
	case '(':
		return lexBound{value: string(b[1:]), exclusive: true}, true
	case '[':
		return lexBound{value: string(b[1:])}, true
	}
	return lexBound{}, false
}

func parseLexRange(minArg, maxArg []byte) (lexRange, bool) {
	lo, ok1 := parseLexBound(minArg)
	hi, ok2 := parseLexBound(maxArg)
	return lexRange{lo, hi}, ok1 && ok2
}

func (r *lexRange) aboveMin(s string) bool {
	switch r.min.infinite {
	case -1:
		return true
	case 1:
		return false
	}
	if r.min.exclusive {
		return s > r.min.value
	}
	return s >= r.min.value
}

func (r *lexRange) belowMax(s string) bool {
	switch r.max.infinite {
	case 1:
		return true
	case -1:
		return false
	}
	if r.max.exclusive {
		return s < r.max.value
	}
	return s <= r.max.value
}

func (r *lexRange) empty() bool {
	if r.min.infinite == 1 || r.max.infinite == -1 {
		return true
	}
	if r.min.infinite == -1 || r.max.infinite == 1 {
		return false
	}
	return r.min.value > r.max.value || (r.min.value == r.max.value && (r.min.exclusive || r.max.exclusive))
}

// nodeRange is a score or lex range as the skiplist walk needs it: is a
// node past the lower end, short of the upper end, and can any be in it.
type nodeRange interface {
	empty() bool
	nodeAboveMin(n *skipNode) bool
	nodeBelowMax(n *skipNode) bool
}

func (r *scoreRange) nodeAboveMin(n *skipNode) bool { return r.aboveMin(n.score) }
func (r *scoreRange) nodeBelowMax(n *skipNode) bool { return r.belowMax(n.score) }
func (r *lexRange) nodeAboveMin(n *skipNode) bool   { return r.aboveMin(n.member) }
func (r *lexRange) nodeBelowMax(n *skipNode) bool   { return r.belowMax(n.member) }

// firstInRange and lastInRange locate the ends of a range in O(log n);
// nil when no member is in it.
func (z *zsetObject) firstInRange(r nodeRange) *skipNode {
	if r.empty() {
		return nil
	}
	x := z.zsl.firstWhere(func(n *skipNode) bool { return !r.nodeAboveMin(n) })
	if x == nil || !r.nodeBelowMax(x) {
		return nil
	}
	return x
}

func (z *zsetObject) lastInRange(r nodeRange) *skipNode {
	if r.empty() {
		return nil
	}
	x := z.zsl.lastWhere(func(n *skipNode) bool { return r.nodeBelowMax(n) })
	if x == nil || !r.nodeAboveMin(x) {
		return nil
	}
	return x
}

// ---- ZADD, ZINCRBY, ZREM ----

// zaddFlags are ZADD's options.
type zaddFlags struct{ nx, xx, gt, lt, ch, incr bool }

// zaddResult says what one zsetAdd did.
type zaddResult uint8

const (
	zaddNothing zaddResult = iota
	zaddAdded
	zaddUpdated
	zaddSame // present, allowed, score unchanged
)

// zsetAdd is Redis's zsetAdd: it adds or updates one member under the
// flags and returns what happened and the member's resulting score.
func (z *zsetObject) add(member []byte, score float64, f zaddFlags) (zaddResult, float64, bool) {
	x, exists := z.members.GetBytes(member)
	if exists {
		if f.nx {
			return zaddNothing, 0, true
		}
		current := x.score
		if f.incr {
			score += current
			if math.IsNaN(score) {
				return zaddNothing, 0, false
			}
		}
		if (f.lt && score >= current) || (f.gt && score <= current) {
			return zaddNothing, 0, true
		}
		if score != current {
			z.setScore(x, score)
			return zaddUpdated, score, true
		}
		return zaddSame, score, true
	}
	if f.xx {
		return zaddNothing, 0, true
	}
	z.insert(string(member), score)
	return zaddAdded, score, true
}

func zaddCommand(c *call) resp.Value {
	var f zaddFlags
	i := 2
flags:
	for ; i < len(c.args); i++ {
		switch strings.ToLower(string(c.args[i])) {
		case "nx":
			f.nx = true
		case "xx":
			f.xx = true
		case "gt":
			f.gt = true
		case "lt":
			f.lt = true
		case "ch":
			f.ch = true
		case "incr":
			f.incr = true
		default:
			break flags
		}
	}
	pairs := c.args[i:]
	if len(pairs) == 0 || len(pairs)%2 != 0 {
		return resp.Err(errSyntax)
	}
	if f.nx && f.xx {
		return resp.Err("ERR XX and NX options at the same time are not compatible")
	}
	if (f.gt && f.nx) || (f.lt && f.nx) || (f.gt && f.lt) {
		return resp.Err("ERR GT, LT, and/or NX options at the same time are not compatible")
	}
	if f.incr && len(pairs) > 2 {
		return resp.Err("ERR INCR option supports a single increment-element pair")
	}
	scores := make([]float64, len(pairs)/2)
	for j := range scores {
		var ok bool
		if scores[j], ok = parseScore(pairs[2*j]); !ok {
			return resp.Err(errNotFloat)
		}
	}
	key := c.args[1]
	z, ok := c.getZset(key)
	if !ok {
		return replyWrongType
	}
	if z == nil {
		if f.xx {
			if f.incr {
				return resp.NullBulk
			}
			return resp.Int(0)
		}
		z = newZset(c)
		c.db.set(string(key), z, false)
	}
	var added, updated int64
	var lastScore float64
	processed := false
	for j, score := range scores {
		result, newScore, ok := z.add(pairs[2*j+1], score, f)
		if !ok {
			if z.len() == 0 { // created for nothing: no event, nothing was there
				c.db.delete(string(key))
			}
			if added+updated > 0 {
				c.notify(notifyZset, zaddEvent(f.incr), key)
				c.propagate(c.args...)
			}
			return resp.Err(errNaNScore)
		}
		switch result {
		case zaddAdded:
			added++
		case zaddUpdated:
			updated++
		}
		if result != zaddNothing {
			processed, lastScore = true, newScore
		}
	}
	if z.len() == 0 {
		c.db.delete(string(key))
	}
	if added+updated > 0 {
		c.notify(notifyZset, zaddEvent(f.incr), key)
		c.propagate(c.args...)
	}
	switch {
	case f.incr && processed:
		return doubleReply(lastScore)
	case f.incr:
		return resp.NullBulk
	case f.ch:
		return resp.Int(added + updated)
	}
	return resp.Int(added)
}

func zincrbyCommand(c *call) resp.Value {
	increment, ok := parseScore(c.args[2])
	if !ok {
		return resp.Err(errNotFloat)
	}
	key := c.args[1]
	z, ok := c.getZset(key)
	if !ok {
		return replyWrongType
	}
	created := z == nil
	if created {
		z = newZset(c)
	}
	result, score, ok := z.add(c.args[3], increment, zaddFlags{incr: true})
	if !ok {
		return resp.Err(errNaNScore)
	}
	if created {
		c.db.set(string(key), z, false)
	}
	if result == zaddAdded || result == zaddUpdated {
		c.notify(notifyZset, "zincr", key)
		c.propagate(c.args...)
	}
	return doubleReply(score)
}

func zremCommand(c *call) resp.Value {
	key := c.args[1]
	z, ok := c.getZset(key)
	if !ok {
		return replyWrongType
	}
	if z == nil {
		return resp.Int(0)
	}
	var deleted int64
	for _, member := range c.args[2:] {
		if z.remove(string(member)) {
			deleted++
			if z.len() == 0 {
				break
			}
		}
	}
	if deleted > 0 {
		c.notify(notifyZset, "zrem", key)
		c.deleteZsetIfEmpty(key, z)
		c.propagate(c.args...)
	}
	return resp.Int(deleted)
}

// ---- point reads ----

func zscoreCommand(c *call) resp.Value {
	z, ok := c.getZset(c.args[1])
	if !ok {
		return replyWrongType
	}
	if z == nil {
		return resp.NullBulk
	}
	score, found := z.score(c.args[2])
	if !found {
		return resp.NullBulk
	}
	return doubleReply(score)
}

func zmscoreCommand(c *call) resp.Value {
	z, ok := c.getZset(c.args[1])
	if !ok {
		return replyWrongType
	}
	elems := make([]resp.Value, len(c.args)-2)
	for i, member := range c.args[2:] {
		elems[i] = resp.NullBulk
		if z != nil {
			if score, found := z.score(member); found {
				elems[i] = doubleReply(score)
			}
		}
	}
	return resp.ArrayOf(elems...)
}

func zcardCommand(c *call) resp.Value {
	z, ok := c.getZset(c.args[1])
	if !ok {
		return replyWrongType
	}
	if z == nil {
		return resp.Int(0)
	}
	return resp.Int(int64(z.len()))
}

func zcountCommand(c *call) resp.Value {
	r, ok := parseScoreRange(c.args[2], c.args[3])
	if !ok {
		return resp.Err(errMinMaxNotFloat)
	}
	return countInRange(c, &r)
}

func zlexcountCommand(c *call) resp.Value {
	r, ok := parseLexRange(c.args[2], c.args[3])
	if !ok {
		return resp.Err(errMinMaxNotString)
	}
	return countInRange(c, &r)
}

// countInRange answers ZCOUNT and ZLEXCOUNT: the members of key
// c.args[1] within r, from the ranks of its first and last.
func countInRange(c *call, r nodeRange) resp.Value {
	z, ok := c.getZset(c.args[1])
	if !ok {
		return replyWrongType
	}
	if z == nil {
		return resp.Int(0)
	}
	first := z.firstInRange(r)
	if first == nil {
		return resp.Int(0)
	}
	last := z.lastInRange(r)
	return resp.Int(int64(z.zsl.rankOf(last) - z.zsl.rankOf(first) + 1))
}

func zrankCommand(c *call) resp.Value    { return zrank(c, false) }
func zrevrankCommand(c *call) resp.Value { return zrank(c, true) }

func zrank(c *call, reverse bool) resp.Value {
	z, ok := c.getZset(c.args[1])
	if !ok {
		return replyWrongType
	}
	if z == nil {
		return resp.NullBulk
	}
	x, found := z.members.GetBytes(c.args[2])
	if !found {
		return resp.NullBulk
	}
	rank := z.zsl.rankOf(x)
	if reverse {
		return resp.Int(int64(z.len() - rank))
	}
	return resp.Int(int64(rank - 1))
}

// ---- ranges ----

type rangeKind uint8

const (
	rangeAuto rangeKind = iota // ZRANGE without BYSCORE/BYLEX: by rank
	rangeRank
	rangeScore
	rangeLex
)

// zrangeRequest is a parsed ZRANGE-family command.
type zrangeRequest struct {
	kind          rangeKind
	reverse       bool
	withScores    bool
	limited       bool
	offset, count int64 // LIMIT; count < 0 means all
	minArg        []byte
	maxArg        []byte
}

// parseZrange follows Redis 7's zrangeGenericCommand: options in any
// order from args[optsFrom]; the legacy commands fix the kind and
// direction, so BYSCORE or REV there is a syntax error.
func parseZrange(c *call, minArg, maxArg []byte, optsFrom int, kind rangeKind, reverse, store bool) (zrangeRequest, resp.Value, bool) {
	req := zrangeRequest{kind: kind, reverse: reverse, count: -1, minArg: minArg, maxArg: maxArg}
	directionSet := reverse
	args := c.args
	for j := optsFrom; j < len(args); j++ {
		opt := strings.ToLower(string(args[j]))
		remaining := len(args) - j - 1
		switch {
		case !store && opt == "withscores":
			req.withScores = true
		case opt == "limit" && remaining >= 2:
			offset, ok1 := resp.ParseInt(args[j+1])
			count, ok2 := resp.ParseInt(args[j+2])
			if !ok1 || !ok2 {
				return req, resp.Err(errNotInteger), false
			}
			req.limited, req.offset, req.count = true, offset, count
			j += 2
		case kind == rangeAuto && !directionSet && opt == "rev":
			req.reverse, directionSet = true, true
		case req.kind == rangeAuto && opt == "bylex":
			req.kind = rangeLex
		case req.kind == rangeAuto && opt == "byscore":
			req.kind = rangeScore
		default:
			return req, resp.Err(errSyntax), false
		}
	}
	if req.limited && (req.kind == rangeAuto || req.kind == rangeRank) {
		return req, resp.Err("ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX"), false
	}
	if req.withScores && req.kind == rangeLex {
		return req, resp.Err("ERR syntax error, WITHSCORES not supported in combination with BYLEX"), false
	}
	if req.reverse && kind == rangeAuto && (req.kind == rangeScore || req.kind == rangeLex) {
		req.minArg, req.maxArg = req.maxArg, req.minArg // ZRANGE k max min BYSCORE REV
	}
	return req, resp.Value{}, true
}

// parsedRange is the range of a request, parsed once its kind is known.
type parsedRange struct {
	start, end int64
	score      scoreRange
	lex        lexRange
}

func (req *zrangeRequest) parseRange() (parsedRange, resp.Value, bool) {
	var pr parsedRange
	switch req.kind {
	case rangeAuto, rangeRank:
		start, ok1 := resp.ParseInt(req.minArg)
		end, ok2 := resp.ParseInt(req.maxArg)
		if !ok1 || !ok2 {
			return pr, resp.Err(errNotInteger), false
		}
		pr.start, pr.end = start, end
	case rangeScore:
		r, ok := parseScoreRange(req.minArg, req.maxArg)
		if !ok {
			return pr, resp.Err(errMinMaxNotFloat), false
		}
		pr.score = r
	case rangeLex:
		r, ok := parseLexRange(req.minArg, req.maxArg)
		if !ok {
			return pr, resp.Err(errMinMaxNotString), false
		}
		pr.lex = r
	}
	return pr, resp.Value{}, true
}

// collect returns the nodes the request selects, in reply order.
func (z *zsetObject) collect(req *zrangeRequest, pr *parsedRange) []*skipNode {
	var out []*skipNode
	step := func(x *skipNode) *skipNode {
		if req.reverse {
			return x.backward
		}
		return x.levels[0].forward
	}
	switch req.kind {
	case rangeAuto, rangeRank:
		length := int64(z.len())
		start, end := pr.start, pr.end
		if start < 0 {
			start += length
		}
		if end < 0 {
			end += length
		}
		start = max(start, 0)
		if start > end || start >= length {
			return nil
		}
		end = min(end, length-1)
		rank := start + 1
		if req.reverse {
			rank = length - start
		}
		x := z.zsl.byRank(int(rank))
		out = make([]*skipNode, 0, end-start+1)
		for n := end - start + 1; n > 0 && x != nil; n-- {
			out = append(out, x)
			x = step(x)
		}
		return out
	case rangeScore:
		var x *skipNode
		inRange := func(n *skipNode) bool { return pr.score.belowMax(n.score) }
		if req.reverse {
			x = z.lastInRange(&pr.score)
			inRange = func(n *skipNode) bool { return pr.score.aboveMin(n.score) }
		} else {
			x = z.firstInRange(&pr.score)
		}
		return walkLimited(x, step, inRange, req.offset, req.count)
	default:
		var x *skipNode
		inRange := func(n *skipNode) bool { return pr.lex.belowMax(n.member) }
		if req.reverse {
			x = z.lastInRange(&pr.lex)
			inRange = func(n *skipNode) bool { return pr.lex.aboveMin(n.member) }
		} else {
			x = z.firstInRange(&pr.lex)
		}
		return walkLimited(x, step, inRange, req.offset, req.count)
	}
}

// walkLimited collects from x while inRange holds, skipping offset
// elements first and stopping after count (all when count < 0); a negative
// offset selects nothing, as in Redis.
func walkLimited(x *skipNode, step func(*skipNode) *skipNode, inRange func(*skipNode) bool, offset, count int64) []*skipNode {
	if offset < 0 {
		return nil
	}
	for ; x != nil && offset > 0; offset-- {
		x = step(x)
	}
	var out []*skipNode
	for ; x != nil && count != 0 && inRange(x); x = step(x) {
		out = append(out, x)
		count--
	}
	return out
}

// nodesReply renders members, with their scores as pairs if withScores.
func nodesReply(nodes []*skipNode, withScores bool) resp.Value {
	if !withScores {
		elems := make([]resp.Value, len(nodes))
		for i, x := range nodes {
			elems[i] = resp.BulkFromString(x.member)
		}
		return resp.Value{Kind: resp.Array, Elems: elems}
	}
	elems := make([]resp.Value, 0, 2*len(nodes))
	for _, x := range nodes {
		elems = append(elems, resp.BulkFromString(x.member), doubleReply(x.score))
	}
	return resp.Value{Kind: resp.Pairs, Elems: elems}
}

func zrangeGeneric(c *call, minArg, maxArg []byte, optsFrom int, kind rangeKind, reverse bool) resp.Value {
	req, errReply, ok := parseZrange(c, minArg, maxArg, optsFrom, kind, reverse, false)
	if !ok {
		return errReply
	}
	pr, errReply, ok := req.parseRange()
	if !ok {
		return errReply
	}
	z, ok := c.getZset(c.args[1])
	if !ok {
		return replyWrongType
	}
	if z == nil {
		return replyEmptyArray
	}
	return nodesReply(z.collect(&req, &pr), req.withScores)
}

func zrangeCommand(c *call) resp.Value {
	return zrangeGeneric(c, c.args[2], c.args[3], 4, rangeAuto, false)
}

func zrevrangeCommand(c *call) resp.Value {
	return zrangeGeneric(c, c.args[2], c.args[3], 4, rangeRank, true)
}

func zrangebyscoreCommand(c *call) resp.Value {
	return zrangeGeneric(c, c.args[2], c.args[3], 4, rangeScore, false)
}

// The ZREV…BY… commands take max before min.
func zrevrangebyscoreCommand(c *call) resp.Value {
	return zrangeGeneric(c, c.args[3], c.args[2], 4, rangeScore, true)
}

func zrangebylexCommand(c *call) resp.Value {
	return zrangeGeneric(c, c.args[2], c.args[3], 4, rangeLex, false)
}

func zrevrangebylexCommand(c *call) resp.Value {
	return zrangeGeneric(c, c.args[3], c.args[2], 4, rangeLex, true)
}

func zrangestoreCommand(c *call) resp.Value {
	req, errReply, ok := parseZrange(c, c.args[3], c.args[4], 5, rangeAuto, false, true)
	if !ok {
		return errReply
	}
	pr, errReply, ok := req.parseRange()
	if !ok {
		return errReply
	}
	src, ok := zsetOf(c.lookupRead(c.args[2]))
	if !ok {
		return replyWrongType
	}
	var nodes []*skipNode
	if src != nil {
		nodes = src.collect(&req, &pr)
	}
	result := newZset(c)
	for _, x := range nodes {
		result.insert(x.member, x.score)
	}
	return c.storeZset(c.args[1], result)
}

// storeZset replaces dst with z (deleting dst when z is empty), logs the
// command and answers z's size, as the *STORE commands do. The event of a
// stored result is the command's name (zunionstore, zrangestore, …).
func (c *call) storeZset(dst []byte, z *zsetObject) resp.Value {
	if z.len() == 0 {
		// Deleted unread, as Redis's dbDelete (see setOperationStore).
		if c.db.delete(string(dst)) {
			c.notify(notifyGeneric, "del", dst)
			c.propagate(c.args...)
		}
		return resp.Int(0)
	}
	c.expireBeforeOverwrite(dst)
	c.db.set(string(dst), z, false)
	if c.node.notifyFlags&notifyZset != 0 {
		c.notify(notifyZset, strings.ToLower(string(c.args[0])), dst)
	}
	c.propagate(c.args...)
	return resp.Int(int64(z.len()))
}

// ---- removal by range, pops ----

func zremrangeGeneric(c *call, kind rangeKind) resp.Value {
	req := zrangeRequest{kind: kind, count: -1, minArg: c.args[2], maxArg: c.args[3]}
	pr, errReply, ok := req.parseRange()
	if !ok {
		return errReply
	}
	key := c.args[1]
	z, ok := c.getZset(key)
	if !ok {
		return replyWrongType
	}
	if z == nil {
		return resp.Int(0)
	}
	nodes := z.collect(&req, &pr)
	for _, x := range nodes {
		z.remove(x.member)
	}
	if len(nodes) > 0 {
		c.notify(notifyZset, zremrangeEvents[kind], key)
		c.deleteZsetIfEmpty(key, z)
		c.propagate(c.args...)
	}
	return resp.Int(int64(len(nodes)))
}

// zremrangeEvents are the keyspace events of ZREMRANGEBY*.
var zremrangeEvents = [...]string{rangeRank: "zremrangebyrank", rangeScore: "zremrangebyscore", rangeLex: "zremrangebylex"}

func zremrangebyrankCommand(c *call) resp.Value  { return zremrangeGeneric(c, rangeRank) }
func zremrangebyscoreCommand(c *call) resp.Value { return zremrangeGeneric(c, rangeScore) }
func zremrangebylexCommand(c *call) resp.Value   { return zremrangeGeneric(c, rangeLex) }

var (
	cmdZpopmin = []byte("ZPOPMIN")
	cmdZpopmax = []byte("ZPOPMAX")
)

func zpopminCommand(c *call) resp.Value { return zpop(c, false) }
func zpopmaxCommand(c *call) resp.Value { return zpop(c, true) }

// zpop pops the lowest (or highest) members. Without a count it answers a
// flat [member, score]; with one, pairs (nested in RESP3). It is logged
// as ZPOPMIN/ZPOPMAX key <popped>, which replays to the same effect.
func zpop(c *call, highest bool) resp.Value {
	if len(c.args) > 3 {
		return resp.Err(errSyntax)
	}
	count := int64(1)
	if len(c.args) == 3 {
		n, ok := resp.ParseInt(c.args[2])
		if !ok || n < 0 {
			return resp.Err(errNotPositive)
		}
		count = n
	}
	key := c.args[1]
	z, ok := c.getZset(key)
	if !ok {
		return replyWrongType
	}
	if z == nil || count == 0 {
		return replyEmptyArray
	}
	elems := make([]resp.Value, 0, 2*min(count, int64(z.len())))
	var popped int64
	for ; popped < count && z.len() > 0; popped++ {
		x := z.zsl.first()
		if highest {
			x = z.zsl.tail
		}
		elems = append(elems, resp.BulkFromString(x.member), doubleReply(x.score))
		z.remove(x.member)
	}
	c.notify(notifyZset, zpopEvent(highest), key)
	c.deleteZsetIfEmpty(key, z)
	name := cmdZpopmin
	if highest {
		name = cmdZpopmax
	}
	c.propagate(name, key, strconv.AppendInt(nil, popped, 10))
	if len(c.args) == 2 {
		return resp.Value{Kind: resp.Array, Elems: elems}
	}
	return resp.Value{Kind: resp.Pairs, Elems: elems}
}

// ---- ZRANDMEMBER, ZSCAN ----

func zrandmemberCommand(c *call) resp.Value {
	if len(c.args) > 4 {
		return resp.Err(errSyntax)
	}
	withScores := false
	if len(c.args) == 4 {
		if !bytes.EqualFold(c.args[3], []byte("withscores")) {
			return resp.Err(errSyntax)
		}
		withScores = true
	}
	var count int64
	if len(c.args) >= 3 {
		n, ok := resp.ParseInt(c.args[2])
		if !ok {
			return resp.Err(errNotInteger)
		}
		if n == math.MinInt64 {
			return resp.Err("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807")
		}
		if withScores && (n < -randomPairsCountMax || n > randomPairsCountMax) {
			return replyValueOutOfRange
		}
		count = n
	}
	z, ok := c.getZset(c.args[1])
	if !ok {
		return replyWrongType
	}
	if len(c.args) == 2 {
		if z == nil {
			return resp.NullBulk
		}
		member, _, _ := z.members.Random(c.node.env.Rand())
		return resp.BulkFromString(member)
	}
	if z == nil || count == 0 {
		return replyEmptyArray
	}
	rng := c.node.env.Rand()
	var picked []*skipNode
	size := int64(z.len())
	switch {
	case count < 0: // repeats allowed
		picked = make([]*skipNode, 0, min(-count, randomPicksPreallocMax))
		budget, fits := c.replyBudget(-count) // outputlimits.go
		if !fits {
			return c.abandonReply()
		}
		size := int64(0)
		for range -count {
			_, x, _ := z.members.Random(rng)
			picked = append(picked, x)
			if size += int64(len(x.member)) + 2*replyElementOverheadBytes; size > budget {
				return c.abandonReply()
			}
		}
	case count >= size:
		for x := z.zsl.first(); x != nil; x = x.levels[0].forward {
			picked = append(picked, x)
		}
	case count*zrandmemberSparseFraction > size:
		// Most of the set: start from all of it and drop random members.
		for x := z.zsl.first(); x != nil; x = x.levels[0].forward {
			picked = append(picked, x)
		}
		for int64(len(picked)) > count {
			i := rng.IntN(len(picked))
			picked[i] = picked[len(picked)-1]
			picked = picked[:len(picked)-1]
		}
	default:
		// A few members: draw until count distinct ones came up.
		seen := make(map[*skipNode]bool, count)
		for int64(len(picked)) < count {
			_, x, _ := z.members.Random(rng)
			if !seen[x] {
				seen[x] = true
				picked = append(picked, x)
			}
		}
	}
	return nodesReply(picked, withScores)
}

// zscanCountDefault is SCAN's default COUNT; zscanStepsPerCount bounds
// the empty buckets one call may visit (Redis's maxiterations = count*10).
const (
	zscanCountDefault  = 10
	zscanStepsPerCount = 10
)

func zscanCommand(c *call) resp.Value {
	cursor, err := strconv.ParseUint(string(c.args[2]), 10, 64)
	if err != nil {
		return resp.Err("ERR invalid cursor")
	}
	count := int64(zscanCountDefault)
	var pattern []byte
	for j := 3; j < len(c.args); j += 2 {
		if j+1 >= len(c.args) {
			return resp.Err(errSyntax)
		}
		switch strings.ToLower(string(c.args[j])) {
		case "count":
			n, ok := resp.ParseInt(c.args[j+1])
			if !ok {
				return resp.Err(errNotInteger)
			}
			if n < 1 {
				return resp.Err(errSyntax)
			}
			count = n
		case "match":
			pattern = c.args[j+1]
		default:
			return resp.Err(errSyntax)
		}
	}
	z, ok := c.getZset(c.args[1])
	if !ok {
		return replyWrongType
	}
	elems := []resp.Value{}
	emit := func(member string, score float64) {
		if pattern != nil && !(len(pattern) == 1 && pattern[0] == '*') && !globMatch(pattern, []byte(member)) {
			return
		}
		elems = append(elems, resp.BulkFromString(member), resp.Bulk(resp.AppendDouble17(nil, score)))
	}
	next := uint64(0)
	switch {
	case z == nil:
	case !z.skiplistEncoded:
		// A listpack answers whole, in order, with cursor 0.
		for x := z.zsl.first(); x != nil; x = x.levels[0].forward {
			emit(x.member, x.score)
		}
	default:
		next = cursor
		for steps := count * zscanStepsPerCount; ; steps-- {
			next = z.members.Scan(next, func(member string, x *skipNode) { emit(member, x.score) })
			if next == 0 || steps <= 0 || int64(len(elems)/2) >= count {
				break
			}
		}
	}
	return resp.ArrayOf(resp.Bulk(strconv.AppendUint(nil, next, 10)), resp.Value{Kind: resp.Array, Elems: elems})
}

// ---- ZUNION, ZINTER, ZDIFF and their STORE forms ----

type setOp uint8

const (
	opUnion setOp = iota
	opInter
	opDiff
)

type aggregate uint8

const (
	aggregateSum aggregate = iota
	aggregateMin
	aggregateMax
)

func aggregateScores(a aggregate, target *float64, v float64) {
	switch a {
	case aggregateSum:
		*target += v
		if math.IsNaN(*target) { // inf + -inf
			*target = 0
		}
	case aggregateMin:
		*target = min(*target, v)
	case aggregateMax:
		*target = max(*target, v)
	}
}

// zsetOpSource is one input of a set operation; z is nil for a missing key.
type zsetOpSource struct {
	z      *zsetObject
	weight float64
}

// getZsetOperand reads an input of ZUNION/ZINTER/ZDIFF[STORE] and
// ZINTERCARD: as in Redis a plain set is accepted too, each member with
// score 1, so it is copied into a scratch sorted set here.
func (c *call) getZsetOperand(key []byte) (*zsetObject, bool) {
	e := c.lookupRead(key) // a read even for the *STORE forms
	if e == nil {
		return nil, true
	}
	switch v := e.value.(type) {
	case *zsetObject:
		return v, true
	case *setObject:
		z := newZset(c)
		v.each(func(member []byte) bool {
			z.insert(string(member), 1)
			return true
		})
		return z, true
	}
	return nil, false
}

func (s zsetOpSource) len() int {
	if s.z == nil {
		return 0
	}
	return s.z.len()
}

// zsetOp runs ZUNION/ZINTER/ZDIFF[STORE]. numkeysAt is the index of the
// numkeys argument; store says whether args[1] is a destination.
func zsetOp(c *call, op setOp, numkeysAt int, store bool) resp.Value {
	name := strings.ToLower(string(c.args[0]))
	numkeys, ok := resp.ParseInt(c.args[numkeysAt])
	if !ok {
		return resp.Err(errNotInteger)
	}
	if numkeys < 1 {
		return resp.Err("ERR at least 1 input key is needed for '" + name + "' command")
	}
	if numkeys > int64(len(c.args)-numkeysAt-1) {
		return resp.Err(errSyntax)
	}
	keys := c.args[numkeysAt+1 : numkeysAt+1+int(numkeys)]
	srcs := make([]zsetOpSource, len(keys))
	for i, key := range keys {
		z, ok := c.getZsetOperand(key)
		if !ok {
			return replyWrongType
		}
		srcs[i] = zsetOpSource{z: z, weight: 1}
	}
	agg := aggregateSum
	withScores := false
	for j := numkeysAt + 1 + int(numkeys); j < len(c.args); j++ {
		remaining := len(c.args) - j - 1
		switch opt := strings.ToLower(string(c.args[j])); {
		case op != opDiff && opt == "weights" && remaining >= int(numkeys):
			for i := range srcs {
				j++
				w, ok := parseStrtod(c.args[j], false)
				if !ok || len(c.args[j]) == 0 || isSpace(c.args[j][0]) {
					return resp.Err("ERR weight value is not a float")
				}
				srcs[i].weight = w
			}
		case op != opDiff && opt == "aggregate" && remaining >= 1:
			j++
			switch strings.ToLower(string(c.args[j])) {
			case "sum":
				agg = aggregateSum
			case "min":
				agg = aggregateMin
			case "max":
				agg = aggregateMax
			default:
				return resp.Err(errSyntax)
			}
		case !store && opt == "withscores":
			withScores = true
		default:
			return resp.Err(errSyntax)
		}
	}
	result := newZset(c)
	switch op {
	case opUnion:
		zsetUnion(result, srcs, agg)
	case opInter:
		zsetInter(result, srcs, agg)
	case opDiff:
		zsetDiff(result, srcs)
	}
	if store {
		return c.storeZset(c.args[1], result)
	}
	var nodes []*skipNode
	for x := result.zsl.first(); x != nil; x = x.levels[0].forward {
		nodes = append(nodes, x)
	}
	return nodesReply(nodes, withScores)
}

// weighted is w*score with NaN (0 * inf) taken as 0, as Redis does.
func weighted(w, score float64) float64 {
	v := w * score
	if math.IsNaN(v) {
		return 0
	}
	return v
}

// bySize orders sources smallest first (stable, so equal sizes keep the
// order given), as Redis does before a union or intersection.
func bySize(srcs []zsetOpSource) []zsetOpSource {
	sorted := append([]zsetOpSource(nil), srcs...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].len() < sorted[j].len() })
	return sorted
}

func zsetUnion(result *zsetObject, srcs []zsetOpSource, agg aggregate) {
	// Accumulate in a dict first and build the skiplist once, so each
	// member is inserted in order only once.
	scores := make(map[string]float64)
	var order []string // first-seen order; never range over the map
	for _, src := range bySize(srcs) {
		if src.z == nil {
			continue
		}
		for x := src.z.zsl.first(); x != nil; x = x.levels[0].forward {
			v := weighted(src.weight, x.score)
			if current, ok := scores[x.member]; ok {
				aggregateScores(agg, &current, v)
				scores[x.member] = current
				continue
			}
			scores[x.member] = v
			order = append(order, x.member)
		}
	}
	for _, member := range order {
		result.insert(member, scores[member])
	}
}

func zsetInter(result *zsetObject, srcs []zsetOpSource, agg aggregate) {
	sorted := bySize(srcs)
	if sorted[0].len() == 0 {
		return
	}
next:
	for x := sorted[0].z.zsl.first(); x != nil; x = x.levels[0].forward {
		score := weighted(sorted[0].weight, x.score)
		for _, other := range sorted[1:] {
			s, ok := other.z.members.Get(x.member)
			if !ok {
				continue next
			}
			aggregateScores(agg, &score, weighted(other.weight, s.score))
		}
		result.insert(x.member, score)
	}
}

func zsetDiff(result *zsetObject, srcs []zsetOpSource) {
	if srcs[0].z == nil {
		return
	}
next:
	for x := srcs[0].z.zsl.first(); x != nil; x = x.levels[0].forward {
		for _, other := range srcs[1:] {
			if other.z != nil {
				if _, ok := other.z.members.Get(x.member); ok {
					continue next
				}
			}
		}
		result.insert(x.member, x.score)
	}
}

func zunionstoreCommand(c *call) resp.Value { return zsetOp(c, opUnion, 2, true) }
func zinterstoreCommand(c *call) resp.Value { return zsetOp(c, opInter, 2, true) }
func zdiffstoreCommand(c *call) resp.Value  { return zsetOp(c, opDiff, 2, true) }
func zunionCommand(c *call) resp.Value      { return zsetOp(c, opUnion, 1, false) }
func zinterCommand(c *call) resp.Value      { return zsetOp(c, opInter, 1, false) }
func zdiffCommand(c *call) resp.Value       { return zsetOp(c, opDiff, 1, false) }

// zintercardCommand is ZINTERCARD numkeys key… [LIMIT n].
func zintercardCommand(c *call) resp.Value {
	numkeys, ok := resp.ParseInt(c.args[1])
	if !ok {
		return resp.Err(errNotInteger)
	}
	if numkeys < 1 {
		return resp.Err("ERR at least 1 input key is needed for 'zintercard' command")
	}
	if numkeys > int64(len(c.args)-2) {
		return resp.Err(errSyntax)
	}
	keys := c.args[2 : 2+numkeys]
	srcs := make([]zsetOpSource, len(keys))
	for i, key := range keys {
		z, ok := c.getZsetOperand(key)
		if !ok {
			return replyWrongType
		}
		srcs[i] = zsetOpSource{z: z, weight: 1}
	}
	var limit int64
	for j := 2 + int(numkeys); j < len(c.args); j++ {
		if bytes.EqualFold(c.args[j], []byte("limit")) && j+1 < len(c.args) {
			n, ok := resp.ParseInt(c.args[j+1])
			if !ok || n < 0 { // Redis words a non-number the same way
				return resp.Err("ERR LIMIT can't be negative")
			}
			limit = n
			j++
			continue
		}
		return resp.Err(errSyntax)
	}
	sorted := bySize(srcs)
	if sorted[0].len() == 0 {
		return resp.Int(0)
	}
	var n int64
next:
	for x := sorted[0].z.zsl.first(); x != nil; x = x.levels[0].forward {
		for _, other := range sorted[1:] {
			if _, ok := other.z.members.Get(x.member); !ok {
				continue next
			}
		}
		n++
		if limit > 0 && n >= limit {
			break
		}
	}
	return resp.Int(n)
}
