package cache

import (
	"bytes"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"

	"syslab/engines/cache/dict"
	"syslab/engines/cache/resp"
)

// setObject is the set type, in one of Redis 7.0's two encodings:
//
//   - intset: while every member is an integer in canonical form (what
//     Redis's string2ll accepts) and there are at most setIntsetEntriesMax
//     of them, members are kept as a sorted []int64. Replies list them in
//     ascending order and SSCAN returns them all at once, as Redis does.
//   - hashtable: otherwise, a dict.Dict whose order (seeded from the
//     node's random source) decides SMEMBERS and SSCAN order.
//
// Like Redis, a set never converts back from hashtable to intset, and a
// key never holds an empty set: commands delete the key instead.
type setObject struct {
	ints    []int64              // intset encoding; unused once members is set
	members *dict.Dict[struct{}] // hashtable encoding; nil while intset
	seed    uint64               // the dict's seed, chosen when the set is created
	bytes   int                  // running memory estimate, see memoryBytes
	// limits are the conversion thresholds (encoding.go); nil: defaults.
	limits *encodingLimits
}

// setIntsetEntriesMax is Redis 7.0's set-max-intset-entries default.
const setIntsetEntriesMax = 512

// Memory estimate of a set, after Redis's structures: a robj, then either
// an intset header and 8 bytes per member, or a dict with one entry and
// one bucket pointer per member plus the member's sds.
const (
	setObjectBytes       = 16
	setIntsetHeaderBytes = 8
	setIntsetEntryBytes  = 8
	setDictBytes         = 56
	setDictEntryBytes    = 24 + 8 // dictEntry plus its bucket slot
	setSdsHeaderBytes    = 4      // header and terminator of a short sds
	setEmptyIntsetBytes  = setObjectBytes + setIntsetHeaderBytes
)

func newSet(seed uint64) *setObject {
	return &setObject{seed: seed, bytes: setEmptyIntsetBytes}
}

// newSet returns an empty set for c's node with a fresh dict seed.
func (c *call) newSet() *setObject {
	s := newSet(c.node.env.Rand().Uint64())
	s.limits = &c.node.cfg.limits
	return s
}

func (*setObject) typeName() string { return "set" }

func (s *setObject) encoding() string {
	if s.members == nil {
		return "intset"
	}
	return "hashtable"
}

func (s *setObject) memoryBytes() int { return s.bytes }

func (s *setObject) len() int {
	if s.members == nil {
		return len(s.ints)
	}
	return s.members.Len()
}

// convert moves an intset into a hashtable.
func (s *setObject) convert() {
	s.members = dict.New[struct{}](s.seed)
	s.bytes = setObjectBytes + setDictBytes
	for _, n := range s.ints {
		member := strconv.FormatInt(n, 10)
		s.members.Set(member, struct{}{})
		s.bytes += setDictEntryBytes + setSdsHeaderBytes + len(member)
	}
	s.ints = nil
}

// add inserts member and reports whether it is new.
func (s *setObject) add(member []byte) bool {
	if s.members == nil {
		if n, ok := resp.ParseInt(member); ok {
			i, found := slices.BinarySearch(s.ints, n)
			if found {
				return false
			}
			s.ints = slices.Insert(s.ints, i, n)
			s.bytes += setIntsetEntryBytes
			if int64(len(s.ints)) > limitsOrDefault(s.limits).setIntsetEntries {
				s.convert()
			}
			return true
		}
		s.convert()
	}
	if _, _, added := s.members.InsertBytes(member); !added { // copies member only when new
		return false
	}
	s.bytes += setDictEntryBytes + setSdsHeaderBytes + len(member)
	return true
}

// remove deletes member and reports whether it was there.
func (s *setObject) remove(member []byte) bool {
	if s.members == nil {
		n, ok := resp.ParseInt(member)
		if !ok {
			return false
		}
		i, found := slices.BinarySearch(s.ints, n)
		if !found {
			return false
		}
		s.ints = slices.Delete(s.ints, i, i+1)
		s.bytes -= setIntsetEntryBytes
		return true
	}
	if _, ok := s.members.Delete(string(member)); !ok {
		return false
	}
	s.bytes -= setDictEntryBytes + setSdsHeaderBytes + len(member)
	return true
}

func (s *setObject) contains(member []byte) bool {
	if s.members == nil {
		n, ok := resp.ParseInt(member)
		if !ok {
			return false
		}
		_, found := slices.BinarySearch(s.ints, n)
		return found
	}
	_, ok := s.members.GetBytes(member)
	return ok
}

// each calls fn for every member in the encoding's order (ascending for
// an intset, dict order for a hashtable) until fn returns false. fn must
// not change the set.
func (s *setObject) each(fn func(member []byte) bool) {
	if s.members == nil {
		var buf [20]byte
		for _, n := range s.ints {
			if !fn(strconv.AppendInt(buf[:0], n, 10)) {
				return
			}
		}
		return
	}
	s.members.Range(func(member string, _ struct{}) bool { return fn([]byte(member)) })
}

// random returns a member chosen uniformly (near-uniformly for a
// hashtable: dict.Random picks a bucket, then a chain entry); the set must
// not be empty.
func (s *setObject) random(r *rand.Rand) []byte {
	if s.members == nil {
		return strconv.AppendInt(nil, s.ints[r.IntN(len(s.ints))], 10)
	}
	member, _, _ := s.members.Random(r)
	return []byte(member)
}

// memberValues lists the members as bulk strings, in encoding order.
func (s *setObject) memberValues() []resp.Value {
	values := make([]resp.Value, 0, s.len())
	s.each(func(member []byte) bool {
		values = append(values, resp.Bulk(bytes.Clone(member)))
		return true
	})
	return values
}

// Set commands.
var setCommands = []commandSpec{
	{name: "sadd", arity: -3, flags: flagWrite | flagDenyOOM | flagFast, firstKey: 1, lastKey: 1, keyStep: 1, run: saddCommand},
	{name: "srem", arity: -3, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, keyStep: 1, run: sremCommand},
	{name: "smembers", arity: 2, flags: flagReadonly, firstKey: 1, lastKey: 1, keyStep: 1, run: smembersCommand},
	{name: "sismember", arity: 3, flags: flagReadonly | flagFast, firstKey: 1, lastKey: 1, keyStep: 1, run: sismemberCommand},
	{name: "smismember", arity: -3, flags: flagReadonly | flagFast, firstKey: 1, lastKey: 1, keyStep: 1, run: smismemberCommand},
	{name: "scard", arity: 2, flags: flagReadonly | flagFast, firstKey: 1, lastKey: 1, keyStep: 1, run: scardCommand},
	{name: "spop", arity: -2, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, keyStep: 1, run: spopCommand},
	{name: "srandmember", arity: -2, flags: flagReadonly, firstKey: 1, lastKey: 1, keyStep: 1, run: srandmemberCommand},
	{name: "sinter", arity: -2, flags: flagReadonly, firstKey: 1, lastKey: -1, keyStep: 1, run: sinterCommand},
	{name: "sunion", arity: -2, flags: flagReadonly, firstKey: 1, lastKey: -1, keyStep: 1, run: sunionCommand},
	{name: "sdiff", arity: -2, flags: flagReadonly, firstKey: 1, lastKey: -1, keyStep: 1, run: sdiffCommand},
	{name: "sinterstore", arity: -3, flags: flagWrite | flagDenyOOM, firstKey: 1, lastKey: -1, keyStep: 1, run: sinterstoreCommand},
	{name: "sunionstore", arity: -3, flags: flagWrite | flagDenyOOM, firstKey: 1, lastKey: -1, keyStep: 1, run: sunionstoreCommand},
	{name: "sdiffstore", arity: -3, flags: flagWrite | flagDenyOOM, firstKey: 1, lastKey: -1, keyStep: 1, run: sdiffstoreCommand},
	// SINTERCARD's keys are counted by its numkeys argument (Redis flags it
	// movablekeys and reports 0 0 0 as its legacy key spec).
	{name: "sintercard", arity: -3, flags: flagReadonly, movableKeys: keysAfterNumkeys(1), run: sintercardCommand},
	{name: "smove", arity: 4, flags: flagWrite | flagFast, firstKey: 1, lastKey: 2, keyStep: 1, run: smoveCommand},
	{name: "sscan", arity: -3, flags: flagReadonly, firstKey: 1, lastKey: 1, keyStep: 1, run: sscanCommand},
}

// getSet returns the set at key, nil if absent, or ok=false for a key of
// another type.
func (c *call) getSet(key []byte) (s *setObject, ok bool) {
	return setOf(c.lookup(key))
}

// setOf is e's set: nil for no entry, false for another type.
func setOf(e *entry) (s *setObject, ok bool) {
	if e == nil {
		return nil, true
	}
	s, ok = e.value.(*setObject)
	return s, ok
}

var (
	cmdSrem = []byte("SREM")
	// setsReplyEmpty is the empty set (~0 in RESP3, *0 in RESP2).
	setsReplyEmpty = resp.Value{Kind: resp.Set, Elems: []resp.Value{}}
)

func saddCommand(c *call) resp.Value {
	key := c.args[1]
	s, ok := c.getSet(key)
	if !ok {
		return replyWrongType
	}
	if s == nil {
		s = c.newSet()
		c.db.set(string(key), s, false)
	}
	var added int64
	for _, member := range c.args[2:] {
		if s.add(member) {
			added++
		}
	}
	if added > 0 {
		c.notify(notifySet, "sadd", key)
		c.propagate(c.args...)
	}
	return resp.Int(added)
}

func sremCommand(c *call) resp.Value {
	key := c.args[1]
	s, ok := c.getSet(key)
	switch {
	case !ok:
		return replyWrongType
	case s == nil:
		return resp.Int(0)
	}
	var removed int64
	emptied := false
	for _, member := range c.args[2:] {
		if s.remove(member) {
			removed++
			if s.len() == 0 {
				c.db.delete(string(key))
				emptied = true
				break
			}
		}
	}
	if removed > 0 {
		c.notify(notifySet, "srem", key)
		if emptied {
			c.notify(notifyGeneric, "del", key)
		}
		c.propagate(c.args...)
	}
	return resp.Int(removed)
}

func smembersCommand(c *call) resp.Value {
	s, ok := c.getSet(c.args[1])
	switch {
	case !ok:
		return replyWrongType
	case s == nil:
		return setsReplyEmpty
	}
	return resp.Value{Kind: resp.Set, Elems: s.memberValues()}
}

func sismemberCommand(c *call) resp.Value {
	s, ok := c.getSet(c.args[1])
	switch {
	case !ok:
		return replyWrongType
	case s != nil && s.contains(c.args[2]):
		return resp.Int(1)
	}
	return resp.Int(0)
}

func smismemberCommand(c *call) resp.Value {
	s, ok := c.getSet(c.args[1])
	if !ok {
		return replyWrongType
	}
	replies := make([]resp.Value, len(c.args)-2)
	for i, member := range c.args[2:] {
		replies[i] = resp.Int(0)
		if s != nil && s.contains(member) {
			replies[i] = resp.Int(1)
		}
	}
	return resp.ArrayOf(replies...)
}

func scardCommand(c *call) resp.Value {
	s, ok := c.getSet(c.args[1])
	switch {
	case !ok:
		return replyWrongType
	case s == nil:
		return resp.Int(0)
	}
	return resp.Int(int64(s.len()))
}

// parseRandomCount reads the count of SRANDMEMBER and HRANDFIELD: any
// int64 but the one whose absolute value does not fit.
func parseRandomCount(arg []byte) (int64, resp.Value, bool) {
	n, ok := resp.ParseInt(arg)
	if !ok {
		return 0, resp.Err(errNotInteger), false
	}
	if n == math.MinInt64 {
		return 0, resp.Err("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"), false
	}
	return n, resp.Value{}, true
}

// randomPairsCountMax bounds the count of HRANDFIELD … WITHVALUES and
// ZRANDMEMBER … WITHSCORES, whose replies hold two elements per pick: as in
// Redis, a larger magnitude is "out of range" rather than an overflow.
const randomPairsCountMax = math.MaxInt64 / 2

var replyValueOutOfRange = resp.Err("ERR value is out of range")

// randomPicksPreallocMax caps what a negative count (picks with repeats)
// reserves up front: the count is a client's number, not a size we hold.
const randomPicksPreallocMax = 1 << 20

// spopPropagateBatch is how many popped members one SREM in the AOF
// carries, as in Redis, so a huge SPOP does not become one huge command.
const spopPropagateBatch = 1024

// spopCommand removes random members. The AOF gets the effect, not the
// draw: SREM of the members popped (DEL when the whole set went), so a
// replay does not depend on the random source.
func spopCommand(c *call) resp.Value {
	key := c.args[1]
	if len(c.args) > 3 {
		return resp.Err(errSyntax)
	}
	if len(c.args) == 2 {
		s, ok := c.getSet(key)
		switch {
		case !ok:
			return replyWrongType
		case s == nil:
			return resp.NullBulk
		}
		member := s.random(c.node.env.Rand())
		s.remove(member)
		c.notify(notifySet, "spop", key)
		if s.len() == 0 {
			c.db.delete(string(key))
			c.notify(notifyGeneric, "del", key)
		}
		c.propagate(cmdSrem, key, member)
		return resp.Bulk(member)
	}
	count, ok := resp.ParseInt(c.args[2])
	if !ok || count < 0 {
		return resp.Err("ERR value is out of range, must be positive")
	}
	s, ok := c.getSet(key)
	switch {
	case !ok:
		return replyWrongType
	case s == nil || count == 0:
		return setsReplyEmpty
	}
	c.notify(notifySet, "spop", key)
	if count >= int64(s.len()) {
		members := s.memberValues()
		c.db.delete(string(key))
		c.notify(notifyGeneric, "del", key)
		c.propagate(cmdDel, key)
		return resp.Value{Kind: resp.Set, Elems: members}
	}
	r := c.node.env.Rand()
	popped := make([]resp.Value, 0, count)
	batch := [][]byte{cmdSrem, key}
	for range count {
		member := s.random(r)
		s.remove(member)
		popped = append(popped, resp.Bulk(member))
		batch = append(batch, member)
		if len(batch)-2 == spopPropagateBatch {
			c.propagate(batch...)
			batch = [][]byte{cmdSrem, key}
		}
	}
	if len(batch) > 2 {
		c.propagate(batch...)
	}
	return resp.Value{Kind: resp.Set, Elems: popped}
}

// srandmemberCommand follows Redis: without a count one member (or nil);
// a negative count draws that many with repetition; a positive count
// draws distinct members, the whole set when it is not larger.
func srandmemberCommand(c *call) resp.Value {
	key := c.args[1]
	if len(c.args) > 3 {
		return resp.Err(errSyntax)
	}
	if len(c.args) == 2 {
		s, ok := c.getSet(key)
		switch {
		case !ok:
			return replyWrongType
		case s == nil:
			return resp.NullBulk
		}
		return resp.Bulk(s.random(c.node.env.Rand()))
	}
	count, errReply, ok := parseRandomCount(c.args[2])
	if !ok {
		return errReply
	}
	s, ok := c.getSet(key)
	switch {
	case !ok:
		return replyWrongType
	case s == nil || count == 0:
		return resp.ArrayOf()
	}
	r := c.node.env.Rand()
	if count < 0 {
		picks := make([]resp.Value, 0, min(-count, randomPicksPreallocMax))
		budget, fits := c.replyBudget(-count) // outputlimits.go
		if !fits {
			return c.abandonReply()
		}
		size := int64(0)
		for range -count {
			member := s.random(r)
			picks = append(picks, resp.Bulk(member))
			if size += int64(len(member)) + replyElementOverheadBytes; size > budget {
				return c.abandonReply()
			}
		}
		return resp.ArrayOf(picks...)
	}
	if count >= int64(s.len()) {
		return resp.ArrayOf(s.memberValues()...)
	}
	return resp.ArrayOf(distinctSample(s.len(), int(count), r, s.memberValues, func() []byte { return s.random(r) })...)
}

// distinctSample picks count distinct elements of a collection of size
// elements (count < size). When count is a large share of size it
// shuffles a copy of all elements (Redis's "case 3"); otherwise it draws
// until count distinct ones came up ("case 4"), in the order drawn.
// The Go map only answers "seen?": it never decides an order.
func distinctSample(size, count int, r *rand.Rand, all func() []resp.Value, draw func() []byte) []resp.Value {
	const sampleCopyFactor = 3 // Redis's SRANDMEMBER_SUB_STRATEGY_MUL
	if count*sampleCopyFactor > size {
		values := all()
		for i := range count {
			j := i + r.IntN(len(values)-i)
			values[i], values[j] = values[j], values[i]
		}
		return values[:count]
	}
	seen := make(map[string]struct{}, count)
	picks := make([]resp.Value, 0, count)
	for len(picks) < count {
		element := draw()
		if _, dup := seen[string(element)]; dup {
			continue
		}
		seen[string(element)] = struct{}{}
		picks = append(picks, resp.Bulk(element))
	}
	return picks
}

// setOperation is which of the three algebra commands runs.
type setOperation uint8

const (
	setInter setOperation = iota
	setUnion
	setDiff
)

// setStoreEvents are the keyspace events of the *STORE forms.
var setStoreEvents = [...]string{setInter: "sinterstore", setUnion: "sunionstore", setDiff: "sdiffstore"}

// readSets looks up the sets named by keys; a missing key reads as nil
// (the empty set). Every key is type-checked before any work, as in Redis.
func (c *call) readSets(keys [][]byte) ([]*setObject, bool) {
	sets := make([]*setObject, len(keys))
	for i, key := range keys {
		s, ok := setOf(c.lookupRead(key)) // a read even for the *STORE forms
		if !ok {
			return nil, false
		}
		sets[i] = s
	}
	return sets, true
}

// computeSetOperation builds the result of op over sets into a new set.
// Members are visited in each input's order, so the result's order is a
// function of the inputs and the seed.
func computeSetOperation(op setOperation, sets []*setObject, seed uint64) *setObject {
	result := newSet(seed)
	switch op {
	case setInter:
		for _, s := range sets {
			if s == nil {
				return result
			}
		}
		// Walk the smallest set and probe the others, as Redis does.
		order := slices.Clone(sets)
		slices.SortStableFunc(order, func(a, b *setObject) int { return a.len() - b.len() })
		order[0].each(func(member []byte) bool {
			for _, other := range order[1:] {
				if !other.contains(member) {
					return true
				}
			}
			result.add(member)
			return true
		})
	case setUnion:
		for _, s := range sets {
			if s != nil {
				s.each(func(member []byte) bool { result.add(member); return true })
			}
		}
	case setDiff:
		if sets[0] == nil {
			return result
		}
		sets[0].each(func(member []byte) bool {
			for _, other := range sets[1:] {
				if other != nil && other.contains(member) {
					return true
				}
			}
			result.add(member)
			return true
		})
	}
	return result
}

func sinterCommand(c *call) resp.Value { return setOperationReply(c, setInter) }
func sunionCommand(c *call) resp.Value { return setOperationReply(c, setUnion) }
func sdiffCommand(c *call) resp.Value  { return setOperationReply(c, setDiff) }

func setOperationReply(c *call, op setOperation) resp.Value {
	sets, ok := c.readSets(c.args[1:])
	if !ok {
		return replyWrongType
	}
	result := computeSetOperation(op, sets, c.node.env.Rand().Uint64())
	return resp.Value{Kind: resp.Set, Elems: result.memberValues()}
}

func sinterstoreCommand(c *call) resp.Value { return setOperationStore(c, setInter) }
func sunionstoreCommand(c *call) resp.Value { return setOperationStore(c, setUnion) }
func sdiffstoreCommand(c *call) resp.Value  { return setOperationStore(c, setDiff) }

// setOperationStore replaces the destination with the result (deleting it
// when the result is empty). The destination's type does not matter; its
// TTL goes. The command is deterministic, so the AOF gets it as sent.
func setOperationStore(c *call, op setOperation) resp.Value {
	dst := c.args[1]
	sets, ok := c.readSets(c.args[2:])
	if !ok {
		return replyWrongType
	}
	result := computeSetOperation(op, sets, c.node.env.Rand().Uint64())
	if result.len() == 0 {
		// Deleted unread, as Redis's dbDelete: an expired destination
		// still there is notified as deleted, not as expired.
		if c.db.delete(string(dst)) {
			c.notify(notifyGeneric, "del", dst)
			c.propagate(c.args...)
		}
		return resp.Int(0)
	}
	c.expireBeforeOverwrite(dst)
	c.db.set(string(dst), result, false)
	c.notify(notifySet, setStoreEvents[op], dst)
	c.propagate(c.args...)
	return resp.Int(int64(result.len()))
}

func sintercardCommand(c *call) resp.Value {
	numKeys, ok := resp.ParseInt(c.args[1])
	if !ok || numKeys < 1 {
		return resp.Err("ERR numkeys should be greater than 0")
	}
	if numKeys > int64(len(c.args)-2) {
		return resp.Err("ERR Number of keys can't be greater than number of args")
	}
	keys := c.args[2 : 2+numKeys]
	var limit int64
	for opts := c.args[2+numKeys:]; len(opts) > 0; opts = opts[2:] {
		if len(opts) < 2 || !bytes.EqualFold(opts[0], []byte("limit")) {
			return resp.Err(errSyntax)
		}
		if limit, ok = resp.ParseInt(opts[1]); !ok || limit < 0 {
			return resp.Err("ERR LIMIT can't be negative")
		}
	}
	sets, ok := c.readSets(keys)
	if !ok {
		return replyWrongType
	}
	for _, s := range sets {
		if s == nil {
			return resp.Int(0)
		}
	}
	order := slices.Clone(sets)
	slices.SortStableFunc(order, func(a, b *setObject) int { return a.len() - b.len() })
	var cardinality int64
	order[0].each(func(member []byte) bool {
		for _, other := range order[1:] {
			if !other.contains(member) {
				return true
			}
		}
		cardinality++
		return limit == 0 || cardinality < limit
	})
	return resp.Int(cardinality)
}

func smoveCommand(c *call) resp.Value {
	srcKey, dstKey, member := c.args[1], c.args[2], c.args[3]
	src, srcOK := c.getSet(srcKey)
	dst, dstOK := c.getSet(dstKey)
	switch {
	case srcOK && src == nil:
		return resp.Int(0)
	case !srcOK || !dstOK:
		return replyWrongType
	case src == dst:
		if src.contains(member) {
			return resp.Int(1)
		}
		return resp.Int(0)
	case !src.remove(member):
		return resp.Int(0)
	}
	c.notify(notifySet, "srem", srcKey)
	if src.len() == 0 {
		c.db.delete(string(srcKey))
		c.notify(notifyGeneric, "del", srcKey)
	}
	if dst == nil {
		dst = c.newSet()
		c.db.set(string(dstKey), dst, false)
	}
	if dst.add(member) {
		c.notify(notifySet, "sadd", dstKey)
	} else {
		c.modified = c.args[1:2] // the destination held it already
	}
	c.propagate(c.args...)
	return resp.Int(1)
}

func sscanCommand(c *call) resp.Value {
	cursor, ok := parseScanCursor(c.args[2])
	if !ok {
		return replyInvalidCursor
	}
	s, ok := c.getSet(c.args[1])
	switch {
	case !ok:
		return replyWrongType
	case s == nil:
		return replyEmptyScan
	}
	opts, errReply, ok := parseScanOptions(c.args[3:])
	if !ok {
		return errReply
	}
	var found []resp.Value
	keep := func(member []byte) {
		if opts.matches(member) {
			found = append(found, resp.Bulk(bytes.Clone(member)))
		}
	}
	if s.members == nil {
		s.each(func(member []byte) bool { keep(member); return true })
		return scanReply(0, found)
	}
	// Collect before filtering, as Redis does: COUNT bounds the work, not
	// the matches.
	var visited []string
	bucketsLeft := opts.count * scanBucketsPerCountMax
	for {
		cursor = s.members.Scan(cursor, func(member string, _ struct{}) { visited = append(visited, member) })
		bucketsLeft--
		if cursor == 0 || bucketsLeft <= 0 || len(visited) >= opts.count {
			break
		}
	}
	for _, member := range visited {
		keep([]byte(member))
	}
	return scanReply(cursor, found)
}
