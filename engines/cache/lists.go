package cache

import (
	"bytes"
	"strconv"

	"syslab/engines/cache/resp"
)

// listObject is the list type: a deque of fixed-size blocks of element
// slots, as Redis's quicklist is a linked list of small listpacks, so that
// no push or pop ever moves the elements already there. A push that
// fills its end block allocates one more block (listBlockSlots slots) and
// a pop that empties one frees it; the only thing that grows by doubling
// is the ring of block references, listBlockSlots times shorter than the
// list. An earlier version kept one doubling ring of elements, and each
// doubling of a long list (LPUSH to a million elements copies 24-byte
// slots by the megabyte) stalled the whole single-threaded server for
// milliseconds: BenchmarkListPushGrowth measures the slowest push.
//
// Unlike the quicklist's linked nodes the blocks are found by arithmetic
// (the ring is indexed, every block but a lone one has the same size), so
// LINDEX and LSET stay O(1). Inserts and removals in the middle are O(n),
// as in Redis: LINSERT shifts the shorter side by one slot, LREM and
// LTRIM compact the list in one pass.
//
// A short list is one short block: a new list starts with
// listBlockSlotsMin slots, and its lone block doubles (copying at most
// listBlockSlots elements) until it is a full block, so that the many
// keys holding lists of a few elements do not each pay a full block.
//
// Elements are the clients' argument slices, never modified in place
// (LSET stores a new slice), so a reply that shares one stays valid.
type listObject struct {
	// blocks is a ring of power-of-two length holding the blocks in use,
	// blocks[first], blocks[first+1], … blocks[first+used-1] (indices
	// modulo len(blocks)); its other entries are nil. Laid end to end the
	// blocks in use hold element i in slot head+i: in block
	// (head+i)/listBlockSlots at slot (head+i)%listBlockSlots. What must
	// stay true (listObject.check in the tests asserts it):
	//   - n == 0 exactly when used == 0, and then blocks and spare are nil;
	//   - with used >= 2 every block has listBlockSlots slots; a lone block
	//     has a power of two between listBlockSlotsMin and listBlockSlots;
	//   - the first and the last block in use each hold an element;
	//   - every slot that holds no element is nil, so a popped element is
	//     not kept from the garbage collector.
	blocks [][][]byte
	first  int
	used   int
	head   int
	n      int
	// spare is one emptied full block kept for the next block needed, or
	// nil. A list used as a queue (LPUSH, RPOP) frees a block at one end
	// as often as it needs one at the other, and a list oscillating at a
	// block boundary would otherwise allocate a block every other push.
	// It is at most one block, so a drained list holds at most two blocks
	// (its last elements' and the spare), and nothing once it is empty.
	spare [][]byte
	// dataBytes is the sum of the element lengths, kept for memoryBytes.
	dataBytes int
}

const (
	// listBlockSlots is how many elements a block holds, a power of two
	// (listBlockShift is its log2). 128 slots of 24-byte slice headers are
	// 3 KiB, one Go size class: allocating and zeroing a block costs about
	// what a few pushes do, so the push that needs one is not a stall,
	// and it is spread over 128 pushes. The ring of blocks is 128 times
	// shorter than the list: at a million elements its doubling copies
	// 4096 block references (96 KiB), tens of microseconds. A larger block
	// would make the ring shorter still but make a drained list keep more
	// (a block and the spare).
	listBlockShift = 7
	listBlockSlots = 1 << listBlockShift
	// listBlockSlotsMin is the size of a new list's first block.
	listBlockSlotsMin = 4
	// listHeaderBytes and listEntryOverheadBytes approximate Redis's
	// quicklist: the robj and quicklist header, and per element a
	// listpack entry header plus its share of node headers.
	listHeaderBytes        = 56
	listEntryOverheadBytes = 11
)

// newListObject returns an empty list; it allocates its first block on
// the first push.
func newListObject() *listObject { return &listObject{} }

func (*listObject) typeName() string { return "list" }

// encoding is always "quicklist": Redis 7.0 — the version this node
// answers like — reports every list so, however small (7.2 introduced the
// plain listpack encoding for lists that fit list-max-listpack-size).
func (*listObject) encoding() string { return "quicklist" }

func (l *listObject) memoryBytes() int {
	return listHeaderBytes + l.dataBytes + l.n*listEntryOverheadBytes
}

func (l *listObject) len() int { return l.n }

// slotOf returns the slot holding element i, 0 <= i < n.
func (l *listObject) slotOf(i int) *[]byte {
	j := l.head + i
	block := l.blocks[(l.first+j>>listBlockShift)&(len(l.blocks)-1)]
	return &block[j&(listBlockSlots-1)]
}

// at returns element i, 0 <= i < n.
func (l *listObject) at(i int) []byte { return *l.slotOf(i) }

func (l *listObject) set(i int, elem []byte) {
	slot := l.slotOf(i)
	l.dataBytes += len(elem) - len(*slot)
	*slot = elem
}

// ringIndex is where the k-th block in use sits in the ring.
func (l *listObject) ringIndex(k int) int { return (l.first + k) & (len(l.blocks) - 1) }

// roomLeft and roomRight tell whether the blocks in use have a free slot
// before element 0 or after element n-1.
func (l *listObject) roomLeft() bool { return l.head > 0 }

func (l *listObject) roomRight() bool {
	if l.used == 0 {
		return false
	}
	slotsEnd := (l.used-1)*listBlockSlots + len(l.blocks[l.ringIndex(l.used-1)])
	return l.head+l.n < slotsEnd
}

func (l *listObject) push(elem []byte, left bool) {
	if left {
		if !l.roomLeft() {
			l.makeRoom(true)
		}
		l.head--
		l.n++
		l.blocks[l.first][l.head] = elem
	} else {
		if !l.roomRight() {
			l.makeRoom(false)
		}
		l.n++
		*l.slotOf(l.n - 1) = elem
	}
	l.dataBytes += len(elem)
}

// pop removes and returns the element at one end; the list must not be
// empty. It frees a block it empties, so the list never holds more than
// its elements need plus the spare.
func (l *listObject) pop(left bool) []byte {
	if l.n == 0 {
		panic("cache: pop from an empty list")
	}
	var slot *[]byte
	if left {
		slot = &l.blocks[l.first][l.head]
	} else {
		slot = l.slotOf(l.n - 1)
	}
	elem := *slot
	*slot = nil
	l.n--
	l.dataBytes -= len(elem)
	switch {
	case l.n == 0:
		l.release()
	case left:
		l.head++
		// With n > 0 left, a block ran out only if another follows it:
		// so it is a full block.
		if l.head == listBlockSlots {
			l.dropBlock(l.first)
			l.first = l.ringIndex(1)
			l.used--
			l.head = 0
			l.shrinkRing()
		}
	case l.head+l.n <= (l.used-1)*listBlockSlots:
		// The last block in use holds nothing any more.
		l.dropBlock(l.ringIndex(l.used - 1))
		l.used--
		l.shrinkRing()
	}
	return elem
}

// makeRoom gives the list a free slot at one end, where it has none: a
// first block for an empty list, a lone short block's elements moved to
// the middle of one twice as large (or of the same one, when they fill at
// most half of it), or a new block at that end.
func (l *listObject) makeRoom(left bool) {
	switch {
	case l.used == 0:
		l.blocks = [][][]byte{make([][]byte, listBlockSlotsMin)}
		l.first, l.used, l.head = 0, 1, listBlockSlotsMin/2
	case l.used == 1 && len(l.blocks[l.first]) < listBlockSlots:
		l.recentre()
	default:
		l.addBlock(left)
	}
}

// recentre moves a lone short block's elements to the middle of a block
// twice as large, or of the same block when they fill at most half of it.
// Either way at least a quarter of the block is then free at each end, so
// the copies cost O(1) per push, amortized.
func (l *listObject) recentre() {
	old := l.blocks[l.first]
	block := old
	if 2*l.n > len(old) {
		block = l.newBlock(2 * len(old))
	}
	head := (len(block) - l.n) / 2
	copy(block[head:head+l.n], old[l.head:l.head+l.n])
	clear(block[:head])
	clear(block[head+l.n:])
	l.blocks[l.first], l.head = block, head
}

// addBlock adds a full block at one end, doubling the ring when it is
// full; at the left end, element 0 stays where it is and head counts the
// new block's slots.
func (l *listObject) addBlock(left bool) {
	if l.used == len(l.blocks) {
		l.resizeRing(2 * len(l.blocks))
	}
	block := l.newBlock(listBlockSlots)
	if left {
		l.first = l.ringIndex(-1)
		l.blocks[l.first] = block
		l.head += listBlockSlots
	} else {
		l.blocks[l.ringIndex(l.used)] = block
	}
	l.used++
}

// newBlock returns a block of all-nil slots, the spare when it fits.
func (l *listObject) newBlock(slots int) [][]byte {
	if slots == listBlockSlots && l.spare != nil {
		block := l.spare
		l.spare = nil
		return block
	}
	return make([][]byte, slots)
}

// dropBlock takes the block at ring index r, all of whose slots are nil,
// out of the ring, keeping it as the spare if there is none. The caller
// updates first and used.
func (l *listObject) dropBlock(r int) {
	if l.spare == nil && len(l.blocks[r]) == listBlockSlots {
		l.spare = l.blocks[r]
	}
	l.blocks[r] = nil
}

// resizeRing moves the blocks in use to the front of a new ring of size
// entries (a power of two, at least used).
func (l *listObject) resizeRing(size int) {
	blocks := make([][][]byte, size)
	for k := range l.used {
		blocks[k] = l.blocks[l.ringIndex(k)]
	}
	l.blocks, l.first = blocks, 0
}

// shrinkRing halves the ring of blocks while at most a quarter of it is
// in use, so a list that was long once does not keep a ring sized for its
// peak; a quarter, not a half, so that a list whose length hovers at a
// doubling point does not resize its ring back and forth.
func (l *listObject) shrinkRing() {
	size := len(l.blocks)
	for size > 1 && l.used*4 <= size {
		size /= 2
	}
	if size != len(l.blocks) {
		l.resizeRing(size)
	}
}

// release drops every block of an emptied list, and the spare: an empty
// list holds nothing (and its key is about to be deleted, see
// deleteIfEmpty, unless an LMOVE pushes back onto it).
func (l *listObject) release() {
	l.blocks, l.spare = nil, nil
	l.first, l.used, l.head = 0, 0, 0
}

// insert puts elem at index i (0 <= i <= n), moving the shorter side by
// one slot.
func (l *listObject) insert(i int, elem []byte) {
	if i == 0 || i == l.n {
		l.push(elem, i == 0)
		return
	}
	if i < l.n/2 {
		if !l.roomLeft() {
			l.makeRoom(true)
		}
		l.head--
		l.n++
		for j := 0; j < i; j++ {
			*l.slotOf(j) = *l.slotOf(j + 1)
		}
	} else {
		if !l.roomRight() {
			l.makeRoom(false)
		}
		l.n++
		for j := l.n - 1; j > i; j-- {
			*l.slotOf(j) = *l.slotOf(j - 1)
		}
	}
	*l.slotOf(i) = elem
	l.dataBytes += len(elem)
}

// keep retains the elements for which keepIndex(i) is true, in order, and
// returns how many it removed. It is one O(n) pass (LREM, LTRIM) that
// moves the kept elements towards the front and then frees the blocks
// past the last one.
func (l *listObject) keep(keepIndex func(i int, elem []byte) bool) int {
	kept := 0
	for i := range l.n {
		elem := l.at(i)
		if keepIndex(i, elem) {
			*l.slotOf(kept) = elem
			kept++
		} else {
			l.dataBytes -= len(elem)
		}
	}
	for i := kept; i < l.n; i++ {
		*l.slotOf(i) = nil
	}
	removed := l.n - kept
	l.n = kept
	if kept == 0 {
		l.release()
		return removed
	}
	used := (l.head+kept-1)>>listBlockShift + 1
	for k := used; k < l.used; k++ {
		l.dropBlock(l.ringIndex(k))
	}
	l.used = used
	l.shrinkRing()
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
