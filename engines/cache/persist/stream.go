package persist

// # Streams
//
// Redis keeps a stream's entries in a radix tree of listpack nodes: each
// node is keyed by the ID of the first entry ever put in it (its master
// ID) and holds up to stream-node-max-entries entries (100) in about
// stream-node-max-bytes (4096). An RDB file holds the nodes as they are in
// memory, then the stream's metadata and its consumer groups (rdb.go lists
// the value layout of types 15, 19 and 21).
//
// A node's listpack starts with a master entry and continues with the
// entries, each a run of listpack elements:
//
//	master:  live-count deleted-count field-count field… 0
//	entry:   flags ms-delta seq-delta field-count field value field value… lp-count
//	    or:  flags ms-delta seq-delta value value… lp-count      (flags has SAME_FIELDS)
//
// The master's fields are the first entry's field names; an entry whose
// field names are those, in that order, stores only its values. The
// deltas are from the master ID (as unsigned 64-bit wrap-around), so a
// small node stores small integers. lp-count is how many elements the
// entry took before it — flags, the two deltas, then either the values, or
// the field count, fields and values — so Redis can walk a node
// backwards; the master's closing 0 plays the same part. XDEL and XTRIM
// only set an entry's DELETED flag and move it from the live to the
// deleted count; a node goes away when its last live entry does.
//
// Writing lays the live entries into fresh nodes exactly as Redis's
// streamAppendItem would when they were added one by one with the default
// node limits, so a stream that never had entries deleted serializes to
// the bytes redis-server writes for it (with rdbcompression off: Redis
// LZF-compresses listpacks when it can, which this package never does).
// Loading keeps only live entries.
//
// A pending entry (an entry of a group's PEL) is written once, with its
// delivery time and count, in the group's PEL, and again, as a bare ID,
// in the PEL of the consumer that owns it.

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strconv"
)

// StreamID is a stream entry ID: milliseconds and sequence number.
type StreamID struct{ Ms, Seq uint64 }

// String prints the ID as Redis does: "ms-seq".
func (id StreamID) String() string { return string(appendStreamIDText(nil, id)) }

// compareStreamIDs orders IDs as Redis does: by milliseconds, then by
// sequence number.
func compareStreamIDs(a, b StreamID) int {
	return cmp.Or(cmp.Compare(a.Ms, b.Ms), cmp.Compare(a.Seq, b.Seq))
}

// StreamValue is a stream as snapshots hold it.
type StreamValue struct {
	Entries      []StreamEntry // in ID order
	LastID       StreamID      // last-generated-id
	FirstID      StreamID      // recorded-first-entry-id (7.0 metadata; 0-0 when empty)
	MaxDeletedID StreamID      // max-deleted-entry-id
	EntriesAdded uint64        // entries-added
	Groups       []StreamGroup // in the order written/read (the cache sorts by name)
}

// StreamEntry is one live entry.
type StreamEntry struct {
	ID     StreamID
	Fields [][]byte // field, value, field, value, …
}

// StreamGroup is a consumer group.
type StreamGroup struct {
	Name        []byte
	LastID      StreamID
	EntriesRead int64            // -1 when unknown (Redis's SCG_INVALID_ENTRIES_READ)
	Pending     []StreamPending  // the group's PEL, in ID order
	Consumers   []StreamConsumer // in the order written/read
}

// StreamPending is an entry of a group's PEL: delivered, not yet
// acknowledged.
type StreamPending struct {
	ID                 StreamID
	DeliveryTimeMillis int64
	DeliveryCount      uint64
	Consumer           []byte // the consumer that owns it (every pending entry is owned by exactly one consumer)
}

// StreamConsumer is a consumer of a group.
type StreamConsumer struct {
	Name           []byte
	SeenTimeMillis int64
	Pending        []StreamID // the IDs of the group PEL entries this consumer owns, in ID order
}

// StreamLoader is implemented by an RDBHandler that takes streams; loading
// a stream into a handler without it fails. The byte slices of a loaded
// stream may share memory with one another (entries that repeat their
// node's field names share those slices; a pending entry's Consumer is
// its consumer's Name): keep them, but do not write into them.
type StreamLoader interface {
	Stream(k RDBKey, s *StreamValue) error
}

const (
	// streamNodeEntriesMax and streamNodeBytesMax are Redis's defaults for
	// stream-node-max-entries and stream-node-max-bytes, the node split
	// rule of what this package writes.
	streamNodeEntriesMax = 100
	streamNodeBytesMax   = 4096

	// Entry flags.
	streamEntryDeleted    = 1 << 0
	streamEntrySameFields = 1 << 1

	// streamIDRawBytes is an ID as node keys and PELs store it: ms and
	// seq, 8 bytes each, big endian, so byte order is ID order.
	streamIDRawBytes = 16

	// streamEntriesReadUnknown is SCG_INVALID_ENTRIES_READ.
	streamEntriesReadUnknown = -1

	// Smallest encodings of what a stream value counts, bounding the
	// counts read from a file by the bytes left: a group is a name, two
	// ID lengths, a PEL count and a consumer count; a PEL entry a raw ID,
	// a delivery time and a count; a consumer a name, a seen time and a
	// PEL count.
	streamGroupBytesMin    = 5
	streamPendingBytesMin  = streamIDRawBytes + 8 + 1
	streamConsumerBytesMin = 1 + 8 + 1
)

// A node's live count is rewritten as entries are added; it stays one
// listpack byte (a 7-bit integer) only while a node holds at most 127
// entries, which the node size plan below assumes.
const _ = uint(lpUint7Max - streamNodeEntriesMax)

// WriteStream implements ValueWriter: the stream as RDB type 19.
func (w *RDBWriter) WriteStream(key []byte, s *StreamValue, expireAtMillis int64) {
	w.keyHeader(rdbTypeStream2, key, expireAtMillis)
	w.buf = appendStreamValue(w.buf, s, func(b []byte) []byte {
		w.buf = b
		w.maybeFlush()
		return w.buf
	})
	w.maybeFlush()
}

// WriteStream implements ValueWriter.
func (d *DumpEncoder) WriteStream(_ []byte, s *StreamValue, _ int64) {
	d.start(rdbTypeStream2)
	d.buf = appendStreamValue(d.buf, s, nil)
}

// WriteStream implements ValueWriter with the commands of Redis 7.0's
// rewriteStreamObject: an XADD per entry — or, for a stream without
// entries, an XADD that MAXLEN 0 trims away at once, which creates the
// key — then XSETID to restore the last ID, entries-added and
// max-deleted-entry-id; per group an XGROUP CREATE, then per consumer an
// XCLAIM … JUSTID FORCE per pending entry it owns, or XGROUP
// CREATECONSUMER when it owns none. recorded-first-entry-id and the
// consumers' seen times have no command and are not kept; nor, once
// replayed, is a pending entry whose stream entry was deleted: XCLAIM
// skips IDs the stream lacks, FORCE or not, so Redis's own rewrite loses
// them too.
func (w *AOFBaseWriter) WriteStream(key []byte, s *StreamValue, expireAtMillis int64) {
	checkStreamValue(s)
	var args [][]byte
	if len(s.Entries) == 0 {
		// Redis uses 0-1, the smallest ID XADD takes: the last ID may be
		// 0-0 (XGROUP CREATE … MKSTREAM), and XSETID sets it next.
		w.command([]byte("XADD"), key, []byte("MAXLEN"), []byte("0"), []byte("0-1"), []byte("x"), []byte("y"))
	}
	for _, e := range s.Entries {
		args = append(args[:0], []byte("XADD"), key, appendStreamIDText(nil, e.ID))
		args = append(args, e.Fields...)
		w.command(args...)
	}
	w.command([]byte("XSETID"), key, appendStreamIDText(nil, s.LastID),
		[]byte("ENTRIESADDED"), strconv.AppendInt(nil, int64(s.EntriesAdded), 10),
		[]byte("MAXDELETEDID"), appendStreamIDText(nil, s.MaxDeletedID))
	for _, g := range s.Groups {
		w.command([]byte("XGROUP"), []byte("CREATE"), key, g.Name, appendStreamIDText(nil, g.LastID),
			[]byte("ENTRIESREAD"), strconv.AppendInt(nil, g.EntriesRead, 10))
		for _, c := range g.Consumers {
			if len(c.Pending) == 0 {
				w.command([]byte("XGROUP"), []byte("CREATECONSUMER"), key, g.Name, c.Name)
				continue
			}
			for _, id := range c.Pending {
				p := g.Pending[findPending(g.Pending, id)]
				w.command([]byte("XCLAIM"), key, g.Name, c.Name, []byte("0"), appendStreamIDText(nil, id),
					[]byte("TIME"), strconv.AppendInt(nil, p.DeliveryTimeMillis, 10),
					[]byte("RETRYCOUNT"), strconv.AppendInt(nil, int64(p.DeliveryCount), 10),
					[]byte("JUSTID"), []byte("FORCE"))
			}
		}
	}
	w.expire(key, expireAtMillis)
}

// appendStreamIDText appends id as "ms-seq".
func appendStreamIDText(dst []byte, id StreamID) []byte {
	dst = strconv.AppendUint(dst, id.Ms, 10)
	return strconv.AppendUint(append(dst, '-'), id.Seq, 10)
}

func appendStreamIDRaw(dst []byte, id StreamID) []byte {
	return binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint64(dst, id.Ms), id.Seq)
}

func streamIDFromRaw(raw []byte) StreamID {
	return StreamID{Ms: binary.BigEndian.Uint64(raw), Seq: binary.BigEndian.Uint64(raw[8:])}
}

// findPending is the index of id in a PEL sorted by ID; checkStreamValue
// has made sure it is there.
func findPending(pel []StreamPending, id StreamID) int {
	i, _ := slices.BinarySearchFunc(pel, id, func(p StreamPending, id StreamID) int { return compareStreamIDs(p.ID, id) })
	return i
}

// checkStreamValue panics when s breaks what a stream always keeps true —
// the cache handed over a broken stream, and a file written from it would
// not load: entries in strictly increasing ID order, each with fields and
// values in pairs; PELs in strictly increasing ID order; every pending
// entry owned by exactly the one consumer that lists it.
func checkStreamValue(s *StreamValue) {
	for i, e := range s.Entries {
		if len(e.Fields) == 0 || len(e.Fields)%2 != 0 {
			panic(fmt.Sprintf("persist: stream entry %s has %d fields and values, not pairs", e.ID, len(e.Fields)))
		}
		if i > 0 && compareStreamIDs(s.Entries[i-1].ID, e.ID) >= 0 {
			panic(fmt.Sprintf("persist: stream entry %s after %s", e.ID, s.Entries[i-1].ID))
		}
	}
	for _, g := range s.Groups {
		for i := 1; i < len(g.Pending); i++ {
			if compareStreamIDs(g.Pending[i-1].ID, g.Pending[i].ID) >= 0 {
				panic(fmt.Sprintf("persist: group %q PEL has %s after %s", g.Name, g.Pending[i].ID, g.Pending[i-1].ID))
			}
		}
		owned := 0
		for _, c := range g.Consumers {
			for i, id := range c.Pending {
				if i > 0 && compareStreamIDs(c.Pending[i-1], id) >= 0 {
					panic(fmt.Sprintf("persist: consumer %q of group %q lists %s after %s", c.Name, g.Name, id, c.Pending[i-1]))
				}
				j := findPending(g.Pending, id)
				if j == len(g.Pending) || g.Pending[j].ID != id || string(g.Pending[j].Consumer) != string(c.Name) {
					panic(fmt.Sprintf("persist: consumer %q of group %q lists %s, which the group PEL does not give it", c.Name, g.Name, id))
				}
			}
			owned += len(c.Pending)
		}
		// Each listed ID is a distinct PEL entry naming its lister, so
		// equal counts mean every PEL entry is listed by its consumer.
		if owned != len(g.Pending) {
			panic(fmt.Sprintf("persist: group %q has %d pending entries, its consumers list %d", g.Name, len(g.Pending), owned))
		}
	}
}

// streamNode is a listpack node to write: its entries, and its size in
// bytes as the split rule measured it.
type streamNode struct {
	entries   []StreamEntry
	sizeBytes int
}

// planStreamNodes splits entries into nodes as Redis's streamAppendItem
// does when they are added one by one: a new node starts when the current
// one holds streamNodeEntriesMax entries, or when its listpack's bytes
// plus the new entry's field and value bytes reach streamNodeBytesMax (the
// first entry of a node goes in whatever its size).
func planStreamNodes(entries []StreamEntry) []streamNode {
	var nodes []streamNode
	start := 0 // of the last node
	for i, e := range entries {
		dataBytes := 0
		for _, f := range e.Fields {
			dataBytes += len(f)
		}
		if last := len(nodes) - 1; last < 0 || nodes[last].sizeBytes+dataBytes >= streamNodeBytesMax || i-start >= streamNodeEntriesMax {
			if last >= 0 {
				nodes[last].entries = entries[start:i]
			}
			nodes = append(nodes, streamNode{sizeBytes: streamMasterBytes(e)})
			start = i
		}
		nodes[len(nodes)-1].sizeBytes += streamEntryBytes(e, entries[start])
	}
	if len(nodes) > 0 {
		nodes[len(nodes)-1].entries = entries[start:]
	}
	return nodes
}

// streamMasterBytes is the size of a new node's listpack holding only the
// master entry made from first's field names (the live count is 1).
func streamMasterBytes(first StreamEntry) int {
	n := listpackHeaderBytes + 1 + // header and end byte
		listpackIntEntryBytes(1) + listpackIntEntryBytes(0) + // live and deleted counts
		listpackIntEntryBytes(int64(len(first.Fields)/2)) +
		listpackIntEntryBytes(0) // terminator
	for i := 0; i < len(first.Fields); i += 2 {
		n += listpackElementEntryBytes(first.Fields[i])
	}
	return n
}

// sameFields reports whether e's field names are first's, in order.
func sameFields(e, first StreamEntry) bool {
	if len(e.Fields) != len(first.Fields) {
		return false
	}
	for i := 0; i < len(e.Fields); i += 2 {
		if string(e.Fields[i]) != string(first.Fields[i]) {
			return false
		}
	}
	return true
}

// streamEntryShape is how e is laid out in a node whose first entry is
// first: its flags, its ID deltas, its field count and its lp-count.
func streamEntryShape(e, first StreamEntry) (flags, msDelta, seqDelta, fieldCount, lpCount int64) {
	fieldCount = int64(len(e.Fields) / 2)
	lpCount = 3 + fieldCount
	if sameFields(e, first) {
		flags = streamEntrySameFields
	} else {
		lpCount += 1 + fieldCount
	}
	return flags, int64(e.ID.Ms - first.ID.Ms), int64(e.ID.Seq - first.ID.Seq), fieldCount, lpCount
}

// streamEntryBytes is the size of e in a node whose first entry is first.
func streamEntryBytes(e, first StreamEntry) int {
	flags, msDelta, seqDelta, fieldCount, lpCount := streamEntryShape(e, first)
	n := listpackIntEntryBytes(flags) + listpackIntEntryBytes(msDelta) + listpackIntEntryBytes(seqDelta) +
		listpackIntEntryBytes(lpCount)
	from, step := 1, 2 // values only
	if flags&streamEntrySameFields == 0 {
		n += listpackIntEntryBytes(fieldCount)
		from, step = 0, 1 // fields and values
	}
	for i := from; i < len(e.Fields); i += step {
		n += listpackElementEntryBytes(e.Fields[i])
	}
	return n
}

// encodeStreamNode builds the listpack of one node in w.
func (w *listpackWriter) encodeStreamNode(entries []StreamEntry) []byte {
	first := entries[0]
	w.reset()
	w.appendInt(int64(len(entries)))
	w.appendInt(0)
	w.appendInt(int64(len(first.Fields) / 2))
	for i := 0; i < len(first.Fields); i += 2 {
		w.appendElement(first.Fields[i])
	}
	w.appendInt(0)
	for _, e := range entries {
		flags, msDelta, seqDelta, fieldCount, lpCount := streamEntryShape(e, first)
		w.appendInt(flags)
		w.appendInt(msDelta)
		w.appendInt(seqDelta)
		if flags&streamEntrySameFields != 0 {
			for i := 1; i < len(e.Fields); i += 2 {
				w.appendElement(e.Fields[i])
			}
		} else {
			w.appendInt(fieldCount)
			for _, f := range e.Fields {
				w.appendElement(f)
			}
		}
		w.appendInt(lpCount)
	}
	return w.finish()
}

// appendStreamValue appends s as the body of an RDB type 19 value. spill,
// when not nil, is called between nodes and groups with the bytes so far
// and returns the slice to continue on, so a writer can flush a long
// stream as it goes.
func appendStreamValue(dst []byte, s *StreamValue, spill func([]byte) []byte) []byte {
	checkStreamValue(s)
	if spill == nil {
		spill = func(b []byte) []byte { return b }
	}
	nodes := planStreamNodes(s.Entries)
	dst = appendRDBLength(dst, uint64(len(nodes)))
	var lp listpackWriter
	var key [streamIDRawBytes]byte
	for _, node := range nodes {
		blob := lp.encodeStreamNode(node.entries)
		// The split plan and the encoder measure the same bytes two ways;
		// a difference would make nodes that redis-server splits elsewhere.
		if len(blob) != node.sizeBytes {
			panic(fmt.Sprintf("persist: stream node at %s planned as %d bytes, encoded as %d", node.entries[0].ID, node.sizeBytes, len(blob)))
		}
		dst = appendRDBString(dst, appendStreamIDRaw(key[:0], node.entries[0].ID))
		dst = spill(appendRDBString(dst, blob))
	}
	dst = appendRDBLength(dst, uint64(len(s.Entries)))
	for _, id := range []StreamID{s.LastID, s.FirstID, s.MaxDeletedID} {
		dst = appendRDBLength(appendRDBLength(dst, id.Ms), id.Seq)
	}
	dst = appendRDBLength(dst, s.EntriesAdded)
	dst = appendRDBLength(dst, uint64(len(s.Groups)))
	for _, g := range s.Groups {
		dst = appendRDBString(dst, g.Name)
		dst = appendRDBLength(appendRDBLength(dst, g.LastID.Ms), g.LastID.Seq)
		dst = appendRDBLength(dst, uint64(g.EntriesRead)) // -1 as 2^64-1, as Redis writes it
		dst = appendRDBLength(dst, uint64(len(g.Pending)))
		for _, p := range g.Pending {
			dst = appendStreamIDRaw(dst, p.ID)
			dst = binary.LittleEndian.AppendUint64(dst, uint64(p.DeliveryTimeMillis))
			dst = appendRDBLength(dst, p.DeliveryCount)
		}
		dst = appendRDBLength(dst, uint64(len(g.Consumers)))
		for _, c := range g.Consumers {
			dst = appendRDBString(dst, c.Name)
			dst = binary.LittleEndian.AppendUint64(dst, uint64(c.SeenTimeMillis))
			dst = appendRDBLength(dst, uint64(len(c.Pending)))
			for _, id := range c.Pending {
				dst = appendStreamIDRaw(dst, id)
			}
		}
		dst = spill(dst)
	}
	return dst
}

// stream reads a stream value of type t (15, 19 or 21) and hands it to h.
func (r *rdbReader) stream(t byte, k RDBKey, h RDBHandler) error {
	s, err := r.streamValue(t)
	if err != nil {
		return err
	}
	loader, ok := h.(StreamLoader)
	if !ok {
		return &RDBError{OffsetBytes: int64(r.keyStart), Reason: "streams cannot be loaded here"}
	}
	return r.wrap(loader.Stream(k, s))
}

func (r *rdbReader) streamValue(t byte) (*StreamValue, error) {
	s := &StreamValue{}
	nodes, err := r.count(2) // two strings, a byte each at least
	if err != nil {
		return nil, err
	}
	var prevKey StreamID
	for i := range nodes {
		nodeStart := r.pos
		key, err := r.string()
		if err != nil {
			return nil, err
		}
		if len(key) != streamIDRawBytes {
			return nil, &RDBError{OffsetBytes: int64(nodeStart), Reason: fmt.Sprintf("stream node key of %d bytes is not an ID", len(key))}
		}
		master := streamIDFromRaw(key)
		if i > 0 && compareStreamIDs(prevKey, master) >= 0 {
			return nil, &RDBError{OffsetBytes: int64(nodeStart), Reason: fmt.Sprintf("stream node %s after node %s", master, prevKey)}
		}
		prevKey = master
		blob, err := r.string()
		if err != nil {
			return nil, err
		}
		before := len(s.Entries)
		if s.Entries, err = appendStreamNodeEntries(s.Entries, blob, master); err != nil {
			return nil, &RDBError{OffsetBytes: int64(nodeStart), Reason: fmt.Sprintf("stream node %s: %v", master, err)}
		}
		// Live entries only: XSETID may lower the last ID below deleted
		// entries still in a node, and later ones then come after them.
		for j := max(before, 1); j < len(s.Entries); j++ {
			if compareStreamIDs(s.Entries[j-1].ID, s.Entries[j].ID) >= 0 {
				return nil, &RDBError{OffsetBytes: int64(nodeStart), Reason: fmt.Sprintf("stream entry %s after %s", s.Entries[j].ID, s.Entries[j-1].ID)}
			}
		}
	}
	length, err := r.length()
	if err != nil {
		return nil, err
	}
	if length != uint64(len(s.Entries)) {
		return nil, r.fail("stream length %d, but its nodes hold %d live entries", length, len(s.Entries))
	}
	if s.LastID, err = r.streamIDLengths(); err != nil {
		return nil, err
	}
	if n := len(s.Entries); n > 0 && compareStreamIDs(s.Entries[n-1].ID, s.LastID) > 0 {
		return nil, r.fail("stream entry %s after the last generated ID %s", s.Entries[n-1].ID, s.LastID)
	}
	if t == rdbTypeStream {
		// Before 7.0: Redis 7 takes the first entry as recorded first,
		// nothing deleted, and every entry as added.
		if len(s.Entries) > 0 {
			s.FirstID = s.Entries[0].ID
		}
		s.EntriesAdded = length
	} else {
		if s.FirstID, err = r.streamIDLengths(); err != nil {
			return nil, err
		}
		if s.MaxDeletedID, err = r.streamIDLengths(); err != nil {
			return nil, err
		}
		if s.EntriesAdded, err = r.length(); err != nil {
			return nil, err
		}
	}
	groups, err := r.count(streamGroupBytesMin)
	if err != nil {
		return nil, err
	}
	s.Groups = make([]StreamGroup, 0, groups)
	names := make(map[string]bool, groups)
	for range groups {
		g, err := r.streamGroup(t, s)
		if err != nil {
			return nil, err
		}
		if names[string(g.Name)] {
			return nil, r.fail("stream group %q appears twice", g.Name)
		}
		names[string(g.Name)] = true
		s.Groups = append(s.Groups, g)
	}
	return s, nil
}

// streamIDLengths reads an ID written as two RDB lengths.
func (r *rdbReader) streamIDLengths() (StreamID, error) {
	ms, err := r.length()
	if err != nil {
		return StreamID{}, err
	}
	seq, err := r.length()
	return StreamID{Ms: ms, Seq: seq}, err
}

// streamGroup reads one consumer group of stream s (whose entries and
// metadata are read already).
func (r *rdbReader) streamGroup(t byte, s *StreamValue) (StreamGroup, error) {
	var g StreamGroup
	var err error
	if g.Name, err = r.string(); err != nil {
		return g, err
	}
	if g.LastID, err = r.streamIDLengths(); err != nil {
		return g, err
	}
	if t == rdbTypeStream {
		g.EntriesRead = estimateEntriesRead(s, g.LastID)
	} else {
		n, err := r.length()
		if err != nil {
			return g, err
		}
		if g.EntriesRead = int64(n); g.EntriesRead < streamEntriesReadUnknown {
			return g, r.fail("stream group %q has entries-read %d", g.Name, g.EntriesRead)
		}
	}
	pending, err := r.count(streamPendingBytesMin)
	if err != nil {
		return g, err
	}
	g.Pending = make([]StreamPending, 0, pending)
	for range pending {
		b, err := r.take(streamIDRawBytes + 8)
		if err != nil {
			return g, err
		}
		p := StreamPending{ID: streamIDFromRaw(b), DeliveryTimeMillis: int64(binary.LittleEndian.Uint64(b[streamIDRawBytes:]))}
		if p.DeliveryCount, err = r.length(); err != nil {
			return g, err
		}
		g.Pending = append(g.Pending, p)
	}
	// Redis writes a PEL in ID order; it loads one in any order into its
	// radix tree, so sort rather than refuse.
	byID := func(a, b StreamPending) int { return compareStreamIDs(a.ID, b.ID) }
	slices.SortStableFunc(g.Pending, byID)
	for i := 1; i < len(g.Pending); i++ {
		if g.Pending[i].ID == g.Pending[i-1].ID {
			return g, r.fail("stream group %q lists pending entry %s twice", g.Name, g.Pending[i].ID)
		}
	}

	consumers, err := r.count(streamConsumerBytesMin)
	if err != nil {
		return g, err
	}
	g.Consumers = make([]StreamConsumer, 0, consumers)
	names := make(map[string]bool, consumers)
	owned := make([]bool, len(g.Pending))
	for range consumers {
		var c StreamConsumer
		if c.Name, err = r.string(); err != nil {
			return g, err
		}
		if names[string(c.Name)] {
			return g, r.fail("stream group %q has consumer %q twice", g.Name, c.Name)
		}
		names[string(c.Name)] = true
		times := 8
		if t == rdbTypeStream3 {
			times += 8 // the active time of Redis 7.2, not kept
		}
		b, err := r.take(times)
		if err != nil {
			return g, err
		}
		c.SeenTimeMillis = int64(binary.LittleEndian.Uint64(b))
		n, err := r.count(streamIDRawBytes)
		if err != nil {
			return g, err
		}
		c.Pending = make([]StreamID, 0, n)
		for range n {
			b, err := r.take(streamIDRawBytes)
			if err != nil {
				return g, err
			}
			c.Pending = append(c.Pending, streamIDFromRaw(b))
		}
		slices.SortFunc(c.Pending, compareStreamIDs)
		for i, id := range c.Pending {
			if i > 0 && id == c.Pending[i-1] {
				return g, r.fail("consumer %q of stream group %q lists pending entry %s twice", c.Name, g.Name, id)
			}
			j, found := slices.BinarySearchFunc(g.Pending, id, func(p StreamPending, id StreamID) int { return compareStreamIDs(p.ID, id) })
			if !found {
				return g, r.fail("consumer %q of stream group %q owns %s, which is not in the group's PEL", c.Name, g.Name, id)
			}
			if owned[j] {
				return g, r.fail("pending entry %s of stream group %q is owned by %q and %q", id, g.Name, g.Pending[j].Consumer, c.Name)
			}
			owned[j] = true
			g.Pending[j].Consumer = c.Name
		}
		g.Consumers = append(g.Consumers, c)
	}
	for j, p := range g.Pending {
		if !owned[j] {
			return g, r.fail("pending entry %s of stream group %q has no consumer", p.ID, g.Name)
		}
	}
	return g, nil
}

// estimateEntriesRead is what Redis 7 takes as a group's entries-read
// when a file from before 7.0 does not say (its
// streamEstimateDistanceFromFirstEverEntry): exact when the group's last
// ID is the stream's last, or at or before the first entry of a stream
// nothing was deleted from; else unknown.
func estimateEntriesRead(s *StreamValue, groupLastID StreamID) int64 {
	if s.EntriesAdded == 0 {
		return 0
	}
	length := uint64(len(s.Entries))
	if length == 0 && compareStreamIDs(groupLastID, s.LastID) <= 0 {
		return int64(s.EntriesAdded)
	}
	switch c := compareStreamIDs(groupLastID, s.LastID); {
	case c == 0:
		return int64(s.EntriesAdded)
	case c > 0:
		return streamEntriesReadUnknown
	}
	if s.MaxDeletedID == (StreamID{}) || compareStreamIDs(s.MaxDeletedID, s.FirstID) < 0 {
		switch compareStreamIDs(groupLastID, s.FirstID) {
		case -1:
			return int64(s.EntriesAdded - length)
		case 0:
			return int64(s.EntriesAdded - length + 1)
		}
	}
	return streamEntriesReadUnknown
}

// appendStreamNodeEntries decodes the listpack of the node keyed master
// and appends its live entries to entries. It checks the node as Redis's
// streamValidateListpackIntegrity does, and also that the master entry's
// counts agree with the entries' DELETED flags.
func appendStreamNodeEntries(entries []StreamEntry, blob []byte, master StreamID) ([]StreamEntry, error) {
	lp, err := newListpackReader(blob)
	if err != nil {
		return entries, err
	}
	next := func(what string) (listpackEntry, error) {
		e, end, err := lp.next()
		if err == nil && end {
			err = fmt.Errorf("listpack ends before the %s", what)
		}
		return e, err
	}
	// countMax bounds any count the node states by the elements its bytes
	// can hold, before anything is allocated from it.
	countMax := int64(len(blob) / listpackEntryBytesMin)
	nextInt := func(what string) (int64, error) {
		e, err := next(what)
		if err != nil {
			return 0, err
		}
		v, ok := e.int64()
		if !ok {
			return 0, fmt.Errorf("the %s is not an integer", what)
		}
		return v, nil
	}
	nextCount := func(what string) (int64, error) {
		v, err := nextInt(what)
		if err == nil && (v < 0 || v > countMax) {
			err = fmt.Errorf("the %s %d is impossible in a listpack of %d bytes", what, v, len(blob))
		}
		return v, err
	}
	if blob[listpackHeaderBytes] == listpackEnd {
		// Redis drops a node with its last entry; it never writes one
		// empty.
		return entries, errors.New("empty listpack")
	}
	live, err := nextCount("master entry's live count")
	if err != nil {
		return entries, err
	}
	deleted, err := nextCount("master entry's deleted count")
	if err != nil {
		return entries, err
	}
	masterFieldCount, err := nextCount("master entry's field count")
	if err != nil {
		return entries, err
	}
	masterFields := make([][]byte, masterFieldCount)
	for i := range masterFields {
		e, err := next("master entry's fields")
		if err != nil {
			return entries, err
		}
		masterFields[i] = e.text()
	}
	if zero, err := nextInt("master entry's terminator"); err != nil || zero != 0 {
		if err == nil {
			err = fmt.Errorf("the master entry ends with %d, not 0", zero)
		}
		return entries, err
	}
	var liveSeen, deletedSeen int64
	for range live + deleted {
		flags, err := nextInt("entry's flags")
		if err != nil {
			return entries, err
		}
		msDelta, err := nextInt("entry's ms delta")
		if err != nil {
			return entries, err
		}
		seqDelta, err := nextInt("entry's seq delta")
		if err != nil {
			return entries, err
		}
		id := StreamID{Ms: master.Ms + uint64(msDelta), Seq: master.Seq + uint64(seqDelta)}
		same := flags&streamEntrySameFields != 0
		isDeleted := flags&streamEntryDeleted != 0
		fieldCount := masterFieldCount
		if !same {
			if fieldCount, err = nextCount("entry's field count"); err != nil {
				return entries, err
			}
		}
		var fields [][]byte
		if !isDeleted {
			fields = make([][]byte, 0, 2*fieldCount)
		}
		for j := range fieldCount {
			field := []byte(nil)
			if same {
				field = masterFields[j]
			} else {
				e, err := next("entry's fields")
				if err != nil {
					return entries, err
				}
				if !isDeleted {
					field = e.text()
				}
			}
			value, err := next("entry's values")
			if err != nil {
				return entries, err
			}
			if !isDeleted {
				fields = append(fields, field, value.text())
			}
		}
		lpCount, err := nextInt("entry's lp-count")
		if err != nil {
			return entries, err
		}
		want := 3 + fieldCount
		if !same {
			want += 1 + fieldCount
		}
		if lpCount != want {
			return entries, fmt.Errorf("entry %s has lp-count %d, its elements say %d", id, lpCount, want)
		}
		if isDeleted {
			deletedSeen++
			continue
		}
		if fieldCount == 0 {
			return entries, fmt.Errorf("entry %s has no fields", id)
		}
		liveSeen++
		entries = append(entries, StreamEntry{ID: id, Fields: fields})
	}
	if _, end, err := lp.next(); err != nil || !end {
		if err == nil {
			err = fmt.Errorf("listpack holds more than the %d live and %d deleted entries its master entry counts", live, deleted)
		}
		return entries, err
	}
	if liveSeen != live {
		return entries, fmt.Errorf("master entry counts %d live and %d deleted entries, their flags say %d and %d", live, deleted, liveSeen, deletedSeen)
	}
	return entries, nil
}
