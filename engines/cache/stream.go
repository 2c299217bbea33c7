package cache

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
)

// The stream type (Redis 7.0's t_stream.c data structure; the commands
// are in streams.go and streamgroups.go).
//
// Entries are kept in nodes of up to stream-node-max-entries entries and
// about stream-node-max-bytes bytes, split where Redis splits its radix
// tree of listpacks: a node's byte size is counted as the listpack Redis
// would hold (stream_listpack.go), deleted entries included. Redis's
// approximate trimming (MAXLEN ~, MINID ~) removes whole nodes only, and
// its XINFO reports nodes, so following Redis's node boundaries is what
// makes those answers Redis's. Within a node the live entries are a
// sorted slice; XDEL removes an entry from it and counts it as deleted
// (its bytes stay in the node's size, as they stay in Redis's listpack);
// a node is dropped when its last live entry is deleted.
//
// IDs are "ms-seq", two unsigned 64-bit numbers, ordered by ms then seq.

// streamID is an entry ID.
type streamID struct{ ms, seq uint64 }

var (
	streamIDMin = streamID{}
	streamIDMax = streamID{math.MaxUint64, math.MaxUint64}
)

func (a streamID) compare(b streamID) int {
	switch {
	case a.ms < b.ms:
		return -1
	case a.ms > b.ms:
		return 1
	case a.seq < b.seq:
		return -1
	case a.seq > b.seq:
		return 1
	}
	return 0
}

func (a streamID) less(b streamID) bool { return a.compare(b) < 0 }

func (a streamID) String() string {
	return strconv.FormatUint(a.ms, 10) + "-" + strconv.FormatUint(a.seq, 10)
}

func (a streamID) bytes() []byte { return []byte(a.String()) }

// next is the ID after a; false when a is the last possible ID.
func (a streamID) next() (streamID, bool) {
	switch {
	case a.seq < math.MaxUint64:
		return streamID{a.ms, a.seq + 1}, true
	case a.ms < math.MaxUint64:
		return streamID{a.ms + 1, 0}, true
	}
	return streamID{}, false
}

// prev is the ID before a; false when a is 0-0.
func (a streamID) prev() (streamID, bool) {
	switch {
	case a.seq > 0:
		return streamID{a.ms, a.seq - 1}, true
	case a.ms > 0:
		return streamID{a.ms - 1, math.MaxUint64}, true
	}
	return streamID{}, false
}

// streamEntry is one entry: its ID and its fields and values alternating.
type streamEntry struct {
	id     streamID
	fields [][]byte
}

// streamNode is one of Redis's listpacks: a run of entries whose first
// added entry gave the node its master ID and master fields.
type streamNode struct {
	master       streamID
	masterFields [][]byte
	entries      []streamEntry // live entries, in ID order
	deleted      int           // entries deleted since they were added
	// bodyBytes is the listpack's size less its live and deleted counts
	// (whose encodings grow with them): header, master entry and every
	// entry ever appended.
	bodyBytes int
}

// listpackBytes is the node's size as Redis's listpack.
func (nd *streamNode) listpackBytes() int {
	return nd.bodyBytes + lpIntBytes(int64(len(nd.entries))) + lpIntBytes(int64(nd.deleted))
}

// streamObject is a stream value.
type streamObject struct {
	nodes  []*streamNode
	length int
	// lastID is the last ID generated or given (XADD, XSETID); firstID the
	// first live entry's (0-0 when empty); maxDeletedID the greatest ID
	// deleted by XDEL or trimming; entriesAdded counts every entry ever
	// added (Redis 7.0's metadata for consumer group lag).
	lastID, firstID, maxDeletedID streamID
	entriesAdded                  uint64
	groups                        []*streamGroup // by name
	// memBytes is the running estimate memoryBytes answers.
	memBytes int
}

// streamObjectBytes is the fixed part of memoryBytes.
const streamObjectBytes = 120

func newStream() *streamObject { return &streamObject{memBytes: streamObjectBytes} }

func (s *streamObject) typeName() string { return "stream" }
func (s *streamObject) encoding() string { return "stream" }
func (s *streamObject) memoryBytes() int { return s.memBytes }

// nodeLimits are stream-node-max-entries and stream-node-max-bytes.
type nodeLimits struct{ entries, bytes int64 }

// streamListpackBytesMax is Redis's STREAM_LISTPACK_MAX_SIZE: no node
// grows past it whatever stream-node-max-bytes says.
const streamListpackBytesMax = 1 << 30

// append adds an entry whose ID is greater than every entry's. It opens a
// new node where Redis would start a new listpack.
func (s *streamObject) append(id streamID, fields [][]byte, limits nodeLimits) {
	var nd *streamNode
	if len(s.nodes) > 0 {
		nd = s.nodes[len(s.nodes)-1]
		maxBytes := limits.bytes
		if maxBytes == 0 || maxBytes > streamListpackBytesMax {
			maxBytes = streamListpackBytesMax
		}
		valueBytes := 0
		for _, f := range fields {
			valueBytes += len(f)
		}
		if int64(nd.listpackBytes()+valueBytes) >= maxBytes ||
			limits.entries > 0 && int64(len(nd.entries)+nd.deleted) >= limits.entries {
			nd = nil
		}
	}
	sameFields := true
	if nd == nil {
		nd = &streamNode{master: id}
		nd.masterFields = make([][]byte, 0, len(fields)/2)
		for i := 0; i < len(fields); i += 2 {
			nd.masterFields = append(nd.masterFields, fields[i])
		}
		nd.bodyBytes = lpHeaderBytes + lpIntBytes(int64(len(nd.masterFields))) + lpIntBytes(0)
		for _, f := range nd.masterFields {
			nd.bodyBytes += lpStringBytes(f)
		}
		s.nodes = append(s.nodes, nd)
		s.memBytes += 64
	} else if len(fields)/2 == len(nd.masterFields) {
		for i, f := range nd.masterFields {
			if string(fields[2*i]) != string(f) {
				sameFields = false
				break
			}
		}
	} else {
		sameFields = false
	}
	nd.bodyBytes += streamEntryListpackBytes(id, nd.master, fields, sameFields)
	nd.entries = append(nd.entries, streamEntry{id: id, fields: fields})
	s.length++
	s.entriesAdded++
	s.lastID = id
	if s.length == 1 {
		s.firstID = id
	}
	s.memBytes += entryMemoryBytes(fields)
}

func entryMemoryBytes(fields [][]byte) int {
	n := 40 + 24*len(fields)
	for _, f := range fields {
		n += len(f)
	}
	return n
}

// find returns the node and index within it of the first live entry whose
// ID is at least id (nodes past the end: i == len(s.nodes)).
func (s *streamObject) find(id streamID) (nodeIndex, entryIndex int) {
	// The first node whose last live entry is at least id.
	nodeIndex, _ = slices.BinarySearchFunc(s.nodes, id, func(nd *streamNode, target streamID) int {
		if len(nd.entries) == 0 {
			return nd.master.compare(target) // an all-deleted node sorts at its master ID
		}
		return nd.entries[len(nd.entries)-1].id.compare(target)
	})
	for ; nodeIndex < len(s.nodes); nodeIndex++ {
		nd := s.nodes[nodeIndex]
		entryIndex, _ = slices.BinarySearchFunc(nd.entries, id, func(e streamEntry, target streamID) int { return e.id.compare(target) })
		if entryIndex < len(nd.entries) {
			return nodeIndex, entryIndex
		}
	}
	return len(s.nodes), 0
}

// lookup returns the live entry with ID id.
func (s *streamObject) lookup(id streamID) (*streamEntry, bool) {
	ni, ei := s.find(id)
	if ni < len(s.nodes) && s.nodes[ni].entries[ei].id == id {
		return &s.nodes[ni].entries[ei], true
	}
	return nil, false
}

// rangeEntries calls fn for the live entries from start to end inclusive,
// in ID order (or in reverse), until fn returns false.
func (s *streamObject) rangeEntries(start, end streamID, reverse bool, fn func(e *streamEntry) bool) {
	if end.less(start) {
		return
	}
	if !reverse {
		ni, ei := s.find(start)
		for ; ni < len(s.nodes); ni, ei = ni+1, 0 {
			nd := s.nodes[ni]
			for ; ei < len(nd.entries); ei++ {
				if end.less(nd.entries[ei].id) || !fn(&nd.entries[ei]) {
					return
				}
			}
		}
		return
	}
	// The last entry at most end: the one before the first past end.
	after, _ := end.next()
	ni, ei := len(s.nodes), 0
	if end != streamIDMax {
		ni, ei = s.find(after)
	}
	for {
		ei--
		for ei < 0 {
			ni--
			if ni < 0 {
				return
			}
			ei = len(s.nodes[ni].entries) - 1
		}
		e := &s.nodes[ni].entries[ei]
		if e.id.less(start) || !fn(e) {
			return
		}
	}
}

// first and last are the live edge entries.
func (s *streamObject) first() (*streamEntry, bool) {
	for _, nd := range s.nodes {
		if len(nd.entries) > 0 {
			return &nd.entries[0], true
		}
	}
	return nil, false
}

func (s *streamObject) last() (*streamEntry, bool) {
	for i := len(s.nodes) - 1; i >= 0; i-- {
		if nd := s.nodes[i]; len(nd.entries) > 0 {
			return &nd.entries[len(nd.entries)-1], true
		}
	}
	return nil, false
}

// delete removes the live entry id; false if there is none.
func (s *streamObject) delete(id streamID) bool {
	ni, ei := s.find(id)
	if ni == len(s.nodes) || s.nodes[ni].entries[ei].id != id {
		return false
	}
	nd := s.nodes[ni]
	s.memBytes -= entryMemoryBytes(nd.entries[ei].fields)
	nd.entries = slices.Delete(nd.entries, ei, ei+1)
	nd.deleted++
	s.length--
	if len(nd.entries) == 0 {
		s.nodes = slices.Delete(s.nodes, ni, ni+1)
		s.memBytes -= 64
	}
	if s.maxDeletedID.less(id) {
		s.maxDeletedID = id
	}
	s.refreshFirstID()
	return true
}

func (s *streamObject) refreshFirstID() {
	if e, ok := s.first(); ok {
		s.firstID = e.id
	} else {
		s.firstID = streamIDMin
	}
}

// trimStrategy is how XADD and XTRIM trim.
type trimStrategy uint8

const (
	trimNone trimStrategy = iota
	trimMaxLen
	trimMinID
)

// trimArgs are XADD's and XTRIM's trimming options.
type trimArgs struct {
	strategy trimStrategy
	approx   bool
	maxLen   int64
	minID    streamID
	// limit bounds the entries removed (0: no bound).
	limit int64
	// argIndex is where the threshold argument is (rewritten when an
	// approximate trim is propagated).
	argIndex int
}

// trim removes entries from the front as Redis's streamTrim does and
// returns how many. Whole nodes go while they may; an approximate trim
// stops at the first node that cannot go whole, an exact one trims that
// node's entries too (counting them as deleted in the node).
func (s *streamObject) trim(t trimArgs) int64 {
	if t.strategy == trimNone {
		return 0
	}
	var removed int64
	for len(s.nodes) > 0 {
		if t.strategy == trimMaxLen && int64(s.length) <= t.maxLen {
			break
		}
		nd := s.nodes[0]
		live := int64(len(nd.entries))
		if t.limit > 0 && removed+live > t.limit {
			break
		}
		var whole bool
		if t.strategy == trimMaxLen {
			whole = int64(s.length)-live >= t.maxLen
		} else {
			lastID := nd.master
			if live > 0 {
				lastID = nd.entries[live-1].id
			}
			whole = lastID.less(t.minID)
		}
		if whole {
			for _, e := range nd.entries {
				s.memBytes -= entryMemoryBytes(e.fields)
			}
			s.nodes = slices.Delete(s.nodes, 0, 1)
			s.memBytes -= 64
			s.length -= int(live)
			removed += live
			continue
		}
		if t.approx {
			break
		}
		cut := 0
		for cut < len(nd.entries) {
			if t.strategy == trimMaxLen && int64(s.length) <= t.maxLen ||
				t.strategy == trimMinID && !nd.entries[cut].id.less(t.minID) {
				break
			}
			s.memBytes -= entryMemoryBytes(nd.entries[cut].fields)
			s.length--
			cut++
		}
		nd.entries = slices.Delete(nd.entries, 0, cut)
		nd.deleted += cut
		removed += int64(cut)
		break
	}
	s.refreshFirstID()
	return removed
}

// radixTreeKeys is XINFO STREAM's radix-tree-keys: the nodes.
func (s *streamObject) radixTreeKeys() int { return len(s.nodes) }

// radixTreeNodes is XINFO STREAM's radix-tree-nodes: the nodes of the
// radix tree Redis keys its listpacks by (the 16-byte big-endian master
// IDs). Redis's tree is compressed: a run of bytes all keys below a point
// share is one node, a point where they part is one node, and each key
// ends in a node of its own. That count depends only on the set of keys,
// so it is computed here from the nodes' master IDs.
func (s *streamObject) radixTreeNodes() int {
	if len(s.nodes) == 0 {
		return 1 // the empty root
	}
	keys := make([][16]byte, len(s.nodes))
	for i, nd := range s.nodes {
		binary.BigEndian.PutUint64(keys[i][:8], nd.master.ms)
		binary.BigEndian.PutUint64(keys[i][8:], nd.master.seq)
	}
	return radixNodes(keys, 0)
}

// radixNodes counts the nodes of the compressed radix tree holding keys
// (sorted, distinct) from byte depth on.
func radixNodes(keys [][16]byte, depth int) int {
	if depth == 16 {
		return 1 // where a key ends
	}
	shared := 16 - depth
	if len(keys) > 1 {
		shared = 0
		for depth+shared < 16 && keys[0][depth+shared] == keys[len(keys)-1][depth+shared] {
			shared++
		}
	}
	if shared > 0 {
		return 1 + radixNodes(keys, depth+shared)
	}
	n := 1 // the node where the keys part
	for start := 0; start < len(keys); {
		end := start + 1
		for end < len(keys) && keys[end][depth] == keys[start][depth] {
			end++
		}
		n += radixNodes(keys[start:end], depth+1)
		start = end
	}
	return n
}

// copyObject is COPY's deep copy (copier).
func (s *streamObject) copyObject(*rand.Rand) object {
	out := &streamObject{length: s.length, lastID: s.lastID, firstID: s.firstID, maxDeletedID: s.maxDeletedID,
		entriesAdded: s.entriesAdded, memBytes: s.memBytes}
	out.nodes = make([]*streamNode, len(s.nodes))
	for i, nd := range s.nodes {
		c := *nd
		c.masterFields = slices.Clone(nd.masterFields)
		c.entries = make([]streamEntry, len(nd.entries))
		for j, e := range nd.entries {
			c.entries[j] = streamEntry{id: e.id, fields: slices.Clone(e.fields)}
		}
		out.nodes[i] = &c
	}
	for _, g := range s.groups {
		out.groups = append(out.groups, g.copyGroup())
	}
	return out
}

// group finds a consumer group by name.
func (s *streamObject) group(name []byte) *streamGroup {
	i, found := slices.BinarySearchFunc(s.groups, string(name), func(g *streamGroup, n string) int { return strings.Compare(g.name, n) })
	if !found {
		return nil
	}
	return s.groups[i]
}

// addGroup adds a group; false if one of that name exists.
func (s *streamObject) addGroup(g *streamGroup) bool {
	i, found := slices.BinarySearchFunc(s.groups, g.name, func(g *streamGroup, n string) int { return strings.Compare(g.name, n) })
	if found {
		return false
	}
	s.groups = slices.Insert(s.groups, i, g)
	s.memBytes += 100 + len(g.name)
	return true
}

// removeGroup drops a group; false if there is none of that name.
func (s *streamObject) removeGroup(name []byte) bool {
	i, found := slices.BinarySearchFunc(s.groups, string(name), func(g *streamGroup, n string) int { return strings.Compare(g.name, n) })
	if !found {
		return false
	}
	s.memBytes -= 100 + len(s.groups[i].name)
	s.groups = slices.Delete(s.groups, i, i+1)
	return true
}
