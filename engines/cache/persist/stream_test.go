package persist

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
)

// streamText renders a stream, every field of it, so tests compare text
// and a failure shows the difference.
func streamText(s *StreamValue) string {
	var b strings.Builder
	fmt.Fprintf(&b, "last %s first %s max-deleted %s added %d\n", s.LastID, s.FirstID, s.MaxDeletedID, s.EntriesAdded)
	for _, e := range s.Entries {
		fmt.Fprintf(&b, "%s %q\n", e.ID, e.Fields)
	}
	for _, g := range s.Groups {
		fmt.Fprintf(&b, "group %q last %s read %d\n", g.Name, g.LastID, g.EntriesRead)
		for _, p := range g.Pending {
			fmt.Fprintf(&b, "  pending %s at %d count %d by %q\n", p.ID, p.DeliveryTimeMillis, p.DeliveryCount, p.Consumer)
		}
		for _, c := range g.Consumers {
			fmt.Fprintf(&b, "  consumer %q seen %d owns %v\n", c.Name, c.SeenTimeMillis, c.Pending)
		}
	}
	return b.String()
}

// Stream makes the test dump (rdb_test.go) a StreamLoader.
func (d *dump) Stream(k RDBKey, s *StreamValue) error {
	return d.add(k, "stream", []string{streamText(s)}, false)
}

// streamRecorder keeps the streams a load hands over, by key.
type streamRecorder struct {
	nopHandler
	streams map[string]*StreamValue
	keys    []RDBKey
}

func (h *streamRecorder) Stream(k RDBKey, s *StreamValue) error {
	if h.streams == nil {
		h.streams = map[string]*StreamValue{}
	}
	h.streams[string(k.Key)] = s
	h.keys = append(h.keys, k)
	return nil
}

func bs(s ...string) [][]byte {
	out := make([][]byte, len(s))
	for i, x := range s {
		out[i] = []byte(x)
	}
	return out
}

// manyEntriesStream has n entries spread over many nodes: most share the
// field names "sensor" and "reading" (stored once per node), every tenth
// has others; values are small, 13/16/24/32/64-bit integers, strings that
// look like integers but are not canonical, and every tenth from the
// seventh is 1200 bytes so nodes also split on size; IDs put some entries
// below their node's sequence number (a negative delta) and the last ones
// far from their master (64-bit deltas).
func manyEntriesStream(n int) *StreamValue {
	const baseMs = 1700000000000
	s := &StreamValue{}
	for i := range n {
		var fields [][]byte
		switch {
		case i%10 == 3:
			fields = bs("temp", strconv.Itoa(i*37-500), "loc", "room-"+strconv.Itoa(i))
		case i%10 == 7:
			fields = bs("sensor", "s7", "reading", strings.Repeat(string(rune('a'+i%26)), 1200))
		case i%25 == 11:
			fields = bs("n", "9223372036854775807", "m", "-9223372036854775808", "z", "-0", "lead", "007", "e", "", "plus", "+5", "big", "18446744073709551616")
		default:
			fields = bs("sensor", "s"+strconv.Itoa(i%3), "reading", strconv.Itoa(i*i*1000-70000))
		}
		id := StreamID{Ms: baseMs + uint64(i/3), Seq: uint64(i%3)*7 + uint64(i%5)}
		if i >= n-2 {
			id = StreamID{Ms: baseMs + 1<<40 + uint64(i), Seq: 1<<63 + uint64(i)}
		}
		s.Entries = append(s.Entries, StreamEntry{ID: id, Fields: fields})
	}
	s.FirstID = s.Entries[0].ID
	s.LastID = StreamID{Ms: s.Entries[n-1].ID.Ms + 5}
	s.MaxDeletedID = StreamID{Ms: baseMs + 1, Seq: 3}
	s.EntriesAdded = uint64(n) + 17
	return s
}

// emptyStream has no entries left, but its metadata and a group with an
// idle consumer.
func emptyStream() *StreamValue {
	last := StreamID{Ms: 1700000000999, Seq: 5}
	return &StreamValue{
		LastID: last, MaxDeletedID: last, EntriesAdded: 42,
		Groups: []StreamGroup{{Name: []byte("g"), LastID: last, EntriesRead: 42,
			Consumers: []StreamConsumer{{Name: []byte("idle"), SeenTimeMillis: 1700000000500}}}},
	}
}

// groupsStream has three groups: one with pending entries spread over
// two consumers (one of them pending on an entry since deleted) and a
// consumer with none, one with nothing, one whose name and consumer's name
// are integers (RDB stores them integer-encoded).
func groupsStream() *StreamValue {
	s := &StreamValue{LastID: StreamID{12, 0}, FirstID: StreamID{1, 1}, MaxDeletedID: StreamID{11, 0}, EntriesAdded: 12}
	for i := uint64(1); i <= 10; i++ {
		s.Entries = append(s.Entries, StreamEntry{ID: StreamID{i, 1}, Fields: bs("k", "v"+strconv.FormatUint(i, 10))})
	}
	alice, bob, seven := []byte("alice"), []byte("bob"), []byte("7")
	const t0 = 1700000000000
	s.Groups = []StreamGroup{
		{Name: []byte("g1"), LastID: StreamID{7, 1}, EntriesRead: 7,
			Pending: []StreamPending{
				{ID: StreamID{1, 1}, DeliveryTimeMillis: t0 + 1, DeliveryCount: 1, Consumer: alice},
				{ID: StreamID{2, 1}, DeliveryTimeMillis: t0 + 2, DeliveryCount: 3, Consumer: bob},
				{ID: StreamID{4, 1}, DeliveryTimeMillis: t0 + 4, DeliveryCount: 2, Consumer: alice},
				{ID: StreamID{11, 0}, DeliveryTimeMillis: t0 + 11, DeliveryCount: 1, Consumer: bob},
			},
			Consumers: []StreamConsumer{
				{Name: alice, SeenTimeMillis: t0 + 40, Pending: []StreamID{{1, 1}, {4, 1}}},
				{Name: bob, SeenTimeMillis: t0 + 41, Pending: []StreamID{{2, 1}, {11, 0}}},
				{Name: []byte("carol"), SeenTimeMillis: t0 + 42},
			}},
		{Name: []byte("empty-group"), EntriesRead: -1},
		{Name: []byte("12345"), LastID: StreamID{10, 1}, EntriesRead: 10,
			Pending:   []StreamPending{{ID: StreamID{10, 1}, DeliveryTimeMillis: t0 + 10, DeliveryCount: 1 << 40, Consumer: seven}},
			Consumers: []StreamConsumer{{Name: seven, SeenTimeMillis: -1, Pending: []StreamID{{10, 1}}}}},
	}
	return s
}

var streamCases = []struct {
	name string
	make func() *StreamValue
}{
	{"many entries", func() *StreamValue { return manyEntriesStream(350) }},
	{"empty with metadata", emptyStream},
	{"groups", groupsStream},
	{"one entry", func() *StreamValue {
		return &StreamValue{Entries: []StreamEntry{{ID: StreamID{1, 1}, Fields: bs("f", "v")}}, LastID: StreamID{1, 1}, FirstID: StreamID{1, 1}, EntriesAdded: 1}
	}},
}

func TestStreamRoundTrip(t *testing.T) {
	for _, c := range streamCases {
		t.Run(c.name, func(t *testing.T) {
			want := streamText(c.make())

			var buf bytes.Buffer
			w := NewRDBWriter(&buf, RDBHeader{})
			w.SelectDB(0, 1, 1)
			w.WriteStream([]byte("s"), c.make(), 4102444800000)
			if err := w.Finish(); err != nil {
				t.Fatal(err)
			}
			var fromFile streamRecorder
			if err := LoadRDB(buf.Bytes(), &fromFile); err != nil {
				t.Fatal(err)
			}
			if got := streamText(fromFile.streams["s"]); got != want {
				t.Fatalf("RDB round trip:\n%s\nwant:\n%s", got, want)
			}
			if fromFile.keys[0].ExpireAtMillis != 4102444800000 {
				t.Fatalf("expiry %d", fromFile.keys[0].ExpireAtMillis)
			}

			var d DumpEncoder
			d.WriteStream([]byte("s"), c.make(), 0)
			payload := d.Payload()
			if payload[0] != rdbTypeStream2 {
				t.Fatalf("payload type %d", payload[0])
			}
			var fromPayload streamRecorder
			if err := LoadDumpPayload(payload, []byte("s"), &fromPayload); err != nil {
				t.Fatal(err)
			}
			if got := streamText(fromPayload.streams["s"]); got != want {
				t.Fatalf("DUMP round trip:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

// The many-entries stream spreads over nodes as Redis would split them:
// by count and by size, with entries that reuse their node's field names
// and entries that do not.
func TestStreamNodeSplit(t *testing.T) {
	s := manyEntriesStream(350)
	nodes := planStreamNodes(s.Entries)
	bySize, byCount, same, explicit := 0, 0, 0, 0
	total := 0
	for i, n := range nodes {
		total += len(n.entries)
		if len(n.entries) > streamNodeEntriesMax {
			t.Fatalf("node %d holds %d entries", i, len(n.entries))
		}
		if len(n.entries) == streamNodeEntriesMax {
			byCount++
		} else if i < len(nodes)-1 {
			bySize++
		}
		for _, e := range n.entries {
			if sameFields(e, n.entries[0]) {
				same++
			} else {
				explicit++
			}
		}
	}
	if total != len(s.Entries) || bySize == 0 || same == 0 || explicit == 0 {
		t.Fatalf("%d nodes, %d entries (want %d), %d split by size, %d by count, %d same-fields, %d explicit",
			len(nodes), total, len(s.Entries), bySize, byCount, same, explicit)
	}
	// 100 entries of a few bytes each make a full node by count.
	small := &StreamValue{}
	for i := range 250 {
		small.Entries = append(small.Entries, StreamEntry{ID: StreamID{uint64(i + 1), 0}, Fields: bs("f", "1")})
	}
	if nodes := planStreamNodes(small.Entries); len(nodes) != 3 || len(nodes[0].entries) != 100 || len(nodes[2].entries) != 50 {
		t.Fatalf("250 small entries in %d nodes", len(nodes))
	}
}

func TestListpackWriterEncodings(t *testing.T) {
	var w listpackWriter
	w.reset()
	elems := []string{"0", "127", "128", "-1", "-4096", "4095", "-4097", "32767", "-32768", "32768",
		"8388607", "-8388608", "8388608", "2147483647", "-2147483648", "2147483648",
		"9223372036854775807", "-9223372036854775808",
		"", "-0", "007", "+1", " 1", "9223372036854775808", "abc", strings.Repeat("x", 63), strings.Repeat("y", 64),
		strings.Repeat("z", 4095), strings.Repeat("w", 4096), strings.Repeat("v", 20000)} // 3-byte back length
	for _, e := range elems {
		w.appendElement([]byte(e))
	}
	blob := bytes.Clone(w.finish())
	got, err := parseListpack(blob)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(strs(got), ",") != strings.Join(elems, ",") {
		t.Fatalf("listpack reads back %.200q", strs(got))
	}
	// Encodings as Redis picks them, by first byte.
	r, _ := newListpackReader(blob)
	wantFirst := []byte{0x00, 0x7f, 0xC0, 0xDF, 0xD0, 0xCF, lpEncInt16, lpEncInt16, lpEncInt16, lpEncInt24,
		lpEncInt24, lpEncInt24, lpEncInt32, lpEncInt32, lpEncInt32, lpEncInt64, lpEncInt64, lpEncInt64}
	for i, first := range wantFirst {
		if blob[r.pos] != first {
			t.Errorf("%q encoded with 0x%02x, want 0x%02x", elems[i], blob[r.pos], first)
		}
		r.next()
	}
	// The rest are strings; the 32-bit string length's first byte is 0xF0.
	for i := len(wantFirst); i < len(elems); i++ {
		e, _, _ := r.next()
		if e.isInt {
			t.Errorf("%q stored as an integer", elems[i])
		}
	}
	// A listpack of more than 65535 entries says "unknown" in its header.
	w.reset()
	for range 70000 {
		w.appendInt(1)
	}
	big := w.finish()
	if binary.LittleEndian.Uint16(big[4:]) != listpackCountUnknown {
		t.Fatal("count of a big listpack not 65535")
	}
	if got, err := parseListpack(big); err != nil || len(got) != 70000 {
		t.Fatalf("big listpack: %d entries, %v", len(got), err)
	}
}

func TestListpackBackLengthChecked(t *testing.T) {
	var w listpackWriter
	w.reset()
	w.appendElement([]byte(strings.Repeat("x", 200))) // two-byte back length
	w.appendInt(1)
	blob := bytes.Clone(w.finish())
	if _, err := parseListpack(blob); err != nil {
		t.Fatal(err)
	}
	bad := bytes.Clone(blob)
	bad[listpackHeaderBytes+2+200] ^= 0x01
	if _, err := parseListpack(bad); err == nil || !strings.Contains(err.Error(), "back length") {
		t.Fatalf("a wrong back length: %v", err)
	}
}

func TestStreamWithoutLoader(t *testing.T) {
	var buf bytes.Buffer
	w := NewRDBWriter(&buf, RDBHeader{})
	w.SelectDB(0, 1, 0)
	w.WriteStream([]byte("s"), groupsStream(), 0)
	w.Finish()
	err := LoadRDB(buf.Bytes(), nopHandler{})
	var rdbErr *RDBError
	if !errors.As(err, &rdbErr) || !strings.Contains(err.Error(), "streams cannot be loaded here") {
		t.Fatalf("loading a stream into a handler without StreamLoader: %v", err)
	}
}

func TestAOFBaseWritesStreams(t *testing.T) {
	var buf bytes.Buffer
	w := NewAOFBaseWriter(&buf)
	s := groupsStream()
	s.Entries = s.Entries[:2]
	s.Entries[1].Fields = bs("a", "1", "b", "2")
	w.WriteStream([]byte("s"), s, 4102444800000)
	w.WriteStream([]byte("e"), emptyStream(), 0)
	if err := w.Finish(); err != nil {
		t.Fatal(err)
	}
	disk := newMemDisk()
	f, _ := disk.Create("base.aof")
	f.Write(buf.Bytes())
	var cmds []string
	if _, err := LoadAOF(disk, "base.aof", 16, func(db int, args [][]byte) error {
		cmds = append(cmds, string(bytes.Join(args, []byte(" "))))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"XADD s 1-1 k v1",
		"XADD s 2-1 a 1 b 2",
		"XSETID s 12-0 ENTRIESADDED 12 MAXDELETEDID 11-0",
		"XGROUP CREATE s g1 7-1 ENTRIESREAD 7",
		"XCLAIM s g1 alice 0 1-1 TIME 1700000000001 RETRYCOUNT 1 JUSTID FORCE",
		"XCLAIM s g1 alice 0 4-1 TIME 1700000000004 RETRYCOUNT 2 JUSTID FORCE",
		"XCLAIM s g1 bob 0 2-1 TIME 1700000000002 RETRYCOUNT 3 JUSTID FORCE",
		"XCLAIM s g1 bob 0 11-0 TIME 1700000000011 RETRYCOUNT 1 JUSTID FORCE",
		"XGROUP CREATECONSUMER s g1 carol",
		"XGROUP CREATE s empty-group 0-0 ENTRIESREAD -1",
		"XGROUP CREATE s 12345 10-1 ENTRIESREAD 10",
		"XCLAIM s 12345 7 0 10-1 TIME 1700000000010 RETRYCOUNT 1099511627776 JUSTID FORCE",
		"PEXPIREAT s 4102444800000",
		"XADD e MAXLEN 0 0-1 x y",
		"XSETID e 1700000000999-5 ENTRIESADDED 42 MAXDELETEDID 1700000000999-5",
		"XGROUP CREATE e g 1700000000999-5 ENTRIESREAD 42",
		"XGROUP CREATECONSUMER e g idle",
	}
	if got := strings.Join(cmds, "\n"); got != strings.Join(want, "\n") {
		t.Fatalf("commands:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
	}
}

// A stream the cache got wrong is a bug, caught before it reaches a file.
func TestWriteStreamPanicsOnBrokenStream(t *testing.T) {
	cases := map[string]func(s *StreamValue){
		"odd fields":         func(s *StreamValue) { s.Entries[0].Fields = bs("f") },
		"no fields":          func(s *StreamValue) { s.Entries[0].Fields = nil },
		"IDs out of order":   func(s *StreamValue) { s.Entries[1].ID = s.Entries[0].ID },
		"unowned pending":    func(s *StreamValue) { s.Groups[0].Consumers[1].Pending = s.Groups[0].Consumers[1].Pending[:1] },
		"pending of another": func(s *StreamValue) { s.Groups[0].Consumers[0].Pending[0] = StreamID{2, 1} },
		"pending not in PEL": func(s *StreamValue) { s.Groups[0].Consumers[2].Pending = []StreamID{{3, 1}} },
		"PEL out of order":   func(s *StreamValue) { s.Groups[0].Pending[0].ID = StreamID{5, 0} },
		"consumer PEL unsort": func(s *StreamValue) {
			c := &s.Groups[0].Consumers[0]
			c.Pending[0], c.Pending[1] = c.Pending[1], c.Pending[0]
		},
	}
	for name, breakIt := range cases {
		t.Run(name, func(t *testing.T) {
			s := groupsStream()
			breakIt(s)
			defer func() {
				if recover() == nil {
					t.Fatal("no panic")
				}
			}()
			var d DumpEncoder
			d.WriteStream(nil, s, 0)
		})
	}
}

// streamBytes builds a stream value by hand, for the shapes the writer
// never makes: old and new types, and corruption.
type streamBytes struct{ b []byte }

func (s *streamBytes) len(ns ...uint64) *streamBytes {
	for _, n := range ns {
		s.b = appendRDBLength(s.b, n)
	}
	return s
}
func (s *streamBytes) str(x []byte) *streamBytes { s.b = appendRDBString(s.b, x); return s }
func (s *streamBytes) rawID(ms, seq uint64) *streamBytes {
	s.b = appendStreamIDRaw(s.b, StreamID{ms, seq})
	return s
}
func (s *streamBytes) millis(t int64) *streamBytes {
	s.b = binary.LittleEndian.AppendUint64(s.b, uint64(t))
	return s
}

// lpStr is a listpack element stored as a string even when it reads as
// an integer.
type lpStr string

// lpOf builds a listpack: ints and strings as Redis encodes them, lpStr
// as strings.
func lpOf(elems ...any) []byte {
	var w listpackWriter
	w.reset()
	for _, e := range elems {
		switch v := e.(type) {
		case int:
			w.appendInt(int64(v))
		case string:
			w.appendElement([]byte(v))
		case lpStr:
			start := len(w.buf)
			w.buf = append(append(w.buf, lpEncString6|byte(len(v))), v...)
			w.buf = appendListpackBacklen(w.buf, len(w.buf)-start)
			w.entries++
		}
	}
	return bytes.Clone(w.finish())
}

// nodeKey is a node's master ID as its RDB key.
func nodeKey(ms, seq uint64) []byte { return appendStreamIDRaw(nil, StreamID{ms, seq}) }

// twoEntryNode holds 5-0 {f: a} and 5-1 {f: 1, g: b}, the second with its
// own field names.
var twoEntryNode = lpOf(2, 0, 1, "f", 0,
	streamEntrySameFields, 0, 0, "a", 4,
	0, 0, 1, 2, "f", "1", "g", "b", 8)

func payloadOf(valueType byte, body []byte) []byte {
	return appendFooter(append([]byte{valueType}, body...))
}

// Redis 5 and 6 write type 15: no first ID, max deleted ID, entries-added
// or entries-read. Redis 7.2 writes type 21: a consumer's active time after
// its seen time. Both load into the same StreamValue.
func TestStreamOldAndNewTypes(t *testing.T) {
	group := func(b *streamBytes, name string, lastMs, lastSeq uint64, entriesRead bool, activeTime bool) {
		b.str([]byte(name)).len(lastMs, lastSeq)
		if entriesRead {
			b.len(2)
		}
		b.len(1).rawID(5, 0).millis(1000).len(3) // PEL: 5-0
		b.len(1).str([]byte("c")).millis(2000)
		if activeTime {
			b.millis(2500)
		}
		b.len(1).rawID(5, 0)
	}
	v15 := (&streamBytes{}).len(1).str(nodeKey(5, 0)).str(twoEntryNode).len(2, 5, 1)
	v15.len(4)
	group(v15, "at-last", 5, 1, false, false)
	group(v15, "before-first", 4, 0, false, false)
	group(v15, "at-first", 5, 0, false, false)
	group(v15, "beyond-last", 9, 0, false, false)

	v21 := (&streamBytes{}).len(1).str(nodeKey(5, 0)).str(twoEntryNode).len(2, 5, 1, 5, 0, 0, 0, 2)
	v21.len(1)
	group(v21, "g", 5, 1, true, true)

	entries := `5-0 ["f" "a"]
5-1 ["f" "1" "g" "b"]
`
	groupText := func(name, last string, read int) string {
		return fmt.Sprintf("group %q last %s read %d\n  pending 5-0 at 1000 count 3 by \"c\"\n  consumer \"c\" seen 2000 owns [5-0]\n", name, last, read)
	}
	cases := []struct {
		name      string
		valueType byte
		body      []byte
		want      string
	}{
		{"type 15", rdbTypeStream, v15.b, "last 5-1 first 5-0 max-deleted 0-0 added 2\n" + entries +
			groupText("at-last", "5-1", 2) + groupText("before-first", "4-0", 0) +
			groupText("at-first", "5-0", 1) + groupText("beyond-last", "9-0", -1)},
		{"type 21", rdbTypeStream3, v21.b, "last 5-1 first 5-0 max-deleted 0-0 added 2\n" + entries + groupText("g", "5-1", 2)},
	}
	for _, c := range cases {
		var h streamRecorder
		if err := LoadDumpPayload(payloadOf(c.valueType, c.body), []byte("s"), &h); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got := streamText(h.streams["s"]); got != c.want {
			t.Errorf("%s loads as:\n%s\nwant:\n%s", c.name, got, c.want)
		}
	}
}

// Deleted entries stay in their node with the DELETED flag; loading
// drops them. Counts stored as strings read as integers, as Redis reads
// them.
func TestStreamLoadSkipsDeletedEntries(t *testing.T) {
	node := lpOf(lpStr("1"), 2, 1, "f", 0,
		streamEntrySameFields|streamEntryDeleted, 0, 0, "a", 4,
		streamEntrySameFields, 0, 1, "b", 4,
		streamEntryDeleted, 1, 0, 1, "x", "y", 6)
	body := (&streamBytes{}).len(1).str(nodeKey(7, 0)).str(node).len(1, 8, 0, 7, 1, 8, 0, 3, 0).b
	var h streamRecorder
	if err := LoadDumpPayload(payloadOf(rdbTypeStream2, body), []byte("s"), &h); err != nil {
		t.Fatal(err)
	}
	want := "last 8-0 first 7-1 max-deleted 8-0 added 3\n7-1 [\"f\" \"b\"]\n"
	if got := streamText(h.streams["s"]); got != want {
		t.Fatalf("loaded:\n%s\nwant:\n%s", got, want)
	}
}

func TestStreamCorruption(t *testing.T) {
	// meta is a valid tail after one node of twoEntryNode: length 2, last
	// 5-1, first 5-0, max deleted 0-0, added 2.
	meta := func(b *streamBytes) *streamBytes { return b.len(2, 5, 1, 5, 0, 0, 0, 2) }
	oneNode := func() *streamBytes { return (&streamBytes{}).len(1).str(nodeKey(5, 0)).str(twoEntryNode) }
	withGroup := func(pel func(b *streamBytes)) []byte {
		b := meta(oneNode()).len(1).str([]byte("g")).len(5, 1, 2)
		pel(b)
		return b.b
	}
	badBacklen := bytes.Clone(twoEntryNode)
	badBacklen[len(badBacklen)-2] = 9
	cases := []struct {
		name string
		body []byte
		want string
	}{
		{"node key not an ID", meta((&streamBytes{}).len(1).str([]byte("short")).str(twoEntryNode)).len(0).b, "node key of 5 bytes"},
		{"empty node", meta((&streamBytes{}).len(1).str(nodeKey(5, 0)).str(lpOf())).len(0).b, "empty listpack"},
		{"bad back length", meta((&streamBytes{}).len(1).str(nodeKey(5, 0)).str(badBacklen)).len(0).b, "back length"},
		{"listpack cut", meta((&streamBytes{}).len(1).str(nodeKey(5, 0)).str(twoEntryNode[:20])).len(0).b, "listpack header says"},
		{"live count too high", meta((&streamBytes{}).len(1).str(nodeKey(5, 0)).str(lpOf(3, 0, 1, "f", 0, 2, 0, 0, "a", 4, 2, 0, 1, "b", 4))).len(0).b, "listpack ends before"},
		{"live count too low", meta((&streamBytes{}).len(1).str(nodeKey(5, 0)).str(lpOf(1, 0, 1, "f", 0, 2, 0, 0, "a", 4, 2, 0, 1, "b", 4))).len(0).b, "holds more than"},
		{"deleted flags disagree", meta((&streamBytes{}).len(1).str(nodeKey(5, 0)).str(lpOf(1, 1, 1, "f", 0, 2, 0, 0, "a", 4, 2, 0, 1, "b", 4))).len(0).b, "their flags say"},
		{"count not an integer", meta((&streamBytes{}).len(1).str(nodeKey(5, 0)).str(lpOf("two", 0, 1, "f", 0, 2, 0, 0, "a", 4))).len(0).b, "not an integer"},
		{"negative count", meta((&streamBytes{}).len(1).str(nodeKey(5, 0)).str(lpOf(-1, 0, 1, "f", 0, 2, 0, 0, "a", 4))).len(0).b, "impossible"},
		{"huge field count", meta((&streamBytes{}).len(1).str(nodeKey(5, 0)).str(lpOf(1, 0, 1000000, "f", 0))).len(0).b, "impossible"},
		{"no terminator", meta((&streamBytes{}).len(1).str(nodeKey(5, 0)).str(lpOf(1, 0, 1, "f", 7, 2, 0, 0, "a", 4))).len(0).b, "not 0"},
		{"wrong lp-count", meta((&streamBytes{}).len(1).str(nodeKey(5, 0)).str(lpOf(1, 0, 1, "f", 0, 2, 0, 0, "a", 5))).len(0).b, "lp-count 5"},
		{"entry without fields", meta((&streamBytes{}).len(1).str(nodeKey(5, 0)).str(lpOf(1, 0, 0, 0, 2, 0, 0, 3))).len(0).b, "no fields"},
		{"IDs going back", meta((&streamBytes{}).len(1).str(nodeKey(5, 0)).str(lpOf(2, 0, 1, "f", 0, 2, 0, 1, "a", 4, 2, 0, 0, "b", 4))).len(0).b, "entry 5-0 after 5-1"},
		{"nodes going back", (&streamBytes{}).len(2).str(nodeKey(5, 0)).str(twoEntryNode).str(nodeKey(4, 0)).str(twoEntryNode).len(4, 5, 1, 5, 0, 0, 0, 4, 0).b, "node 4-0 after node 5-0"},
		{"length disagrees", oneNode().len(3, 5, 1, 5, 0, 0, 0, 3, 0).b, "stream length 3"},
		{"entry after last ID", oneNode().len(2, 5, 0, 5, 0, 0, 0, 2, 0).b, "after the last generated ID"},
		{"duplicate group", meta(oneNode()).len(2).str([]byte("g")).len(0, 0, 0, 0, 0).str([]byte("g")).len(0, 0, 0, 0, 0).b, "group \"g\" appears twice"},
		{"entries-read below -1", meta(oneNode()).len(1).str([]byte("g")).len(0, 0, 1<<64-2, 0, 0).b, "entries-read -2"},
		{"pending twice", withGroup(func(b *streamBytes) { b.len(2).rawID(5, 0).millis(1).len(1).rawID(5, 0).millis(1).len(1) }), "lists pending entry 5-0 twice"},
		{"owner not in PEL", withGroup(func(b *streamBytes) { b.len(0, 1).str([]byte("c")).millis(1).len(1).rawID(5, 0) }), "not in the group's PEL"},
		{"owned twice", withGroup(func(b *streamBytes) {
			b.len(1).rawID(5, 0).millis(1).len(1).len(2)
			b.str([]byte("c")).millis(1).len(1).rawID(5, 0)
			b.str([]byte("d")).millis(1).len(1).rawID(5, 0)
		}), "owned by \"c\" and \"d\""},
		{"pending without consumer", withGroup(func(b *streamBytes) { b.len(1).rawID(5, 0).millis(1).len(1).len(0) }), "has no consumer"},
		{"duplicate consumer", withGroup(func(b *streamBytes) { b.len(0, 2).str([]byte("c")).millis(1).len(0).str([]byte("c")).millis(1).len(0) }), "consumer \"c\" twice"},
		{"huge PEL count", withGroup(func(b *streamBytes) { b.len(1 << 40) }), "larger than the rest"},
		{"cut in a consumer", withGroup(func(b *streamBytes) { b.len(0, 1).str([]byte("a-consumer")).b = append(b.b, 1, 2, 3) }), "unexpected end"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := LoadDumpPayload(payloadOf(rdbTypeStream2, c.body), []byte("s"), &streamRecorder{})
			var rdbErr *RDBError
			if !errors.Is(err, ErrDumpFormat) || !errors.As(err, &rdbErr) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want a format error containing %q", err, c.want)
			}
		})
	}
}

// Redis writes PELs in ID order but loads them in any; so does this.
func TestStreamPELOrderFromFileIsNotTrusted(t *testing.T) {
	node := lpOf(2, 0, 1, "f", 0, 2, 0, 0, "a", 4, 2, 1, 0, "b", 4)
	b := (&streamBytes{}).len(1).str(nodeKey(5, 0)).str(node).len(2, 6, 0, 5, 0, 0, 0, 2)
	b.len(1).str([]byte("g")).len(6, 0, 2)
	b.len(2).rawID(6, 0).millis(2).len(1).rawID(5, 0).millis(1).len(1)
	b.len(1).str([]byte("c")).millis(9).len(2).rawID(6, 0).rawID(5, 0)
	var h streamRecorder
	if err := LoadDumpPayload(payloadOf(rdbTypeStream2, b.b), []byte("s"), &h); err != nil {
		t.Fatal(err)
	}
	g := h.streams["s"].Groups[0]
	if g.Pending[0].ID != (StreamID{5, 0}) || g.Consumers[0].Pending[0] != (StreamID{5, 0}) || string(g.Pending[1].Consumer) != "c" {
		t.Fatalf("group loaded as %+v", g)
	}
}

// streamSampleRDB is a file holding the test streams, a fuzzing seed.
func streamSampleRDB(t testing.TB) []byte {
	var buf bytes.Buffer
	w := NewRDBWriter(&buf, RDBHeader{})
	w.SelectDB(0, len(streamCases), 0)
	for _, c := range streamCases {
		s := c.make()
		if len(s.Entries) > 30 {
			s.Entries = s.Entries[:30] // keep the seed small
			s.LastID = s.Entries[29].ID
		}
		w.WriteStream([]byte(c.name), s, 0)
	}
	if err := w.Finish(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// A stream value that loads encodes to one that loads to the same
// stream; one that does not load gives an error, never a panic. The input
// is a payload's value (type byte and body): the target adds the footer,
// so mutations reach the stream parser instead of failing the checksum.
func FuzzStreamDumpPayload(f *testing.F) {
	valueOf := func(payload []byte) []byte { return payload[:len(payload)-dumpFooterBytes] }
	for _, c := range streamCases {
		s := c.make()
		if len(s.Entries) > 30 {
			s.Entries = s.Entries[:30]
			s.LastID = s.Entries[29].ID
		}
		var d DumpEncoder
		d.WriteStream(nil, s, 0)
		f.Add(valueOf(d.Payload()))
	}
	f.Add(append([]byte{rdbTypeStream2}, (&streamBytes{}).len(1).str(nodeKey(5, 0)).str(twoEntryNode).len(2, 5, 1, 5, 0, 0, 0, 2, 0).b...))
	f.Add(append([]byte{rdbTypeStream}, (&streamBytes{}).len(1).str(nodeKey(5, 0)).str(twoEntryNode).len(2, 5, 1, 0).b...))
	f.Fuzz(checkStreamValueLoads)
}

// checkStreamValueLoads loads a payload's value (type byte and body):
// it either fails with a format error or, for a stream, gives one that
// encodes to a payload that loads to the same stream.
func checkStreamValueLoads(t *testing.T, value []byte) {
	t.Helper()
	var h streamRecorder
	err := LoadDumpPayload(appendFooter(bytes.Clone(value)), []byte("s"), &h)
	if err != nil {
		var rdbErr *RDBError
		if !errors.Is(err, ErrDumpFormat) || !errors.As(err, &rdbErr) {
			t.Fatalf("error %v is not a format error with an RDBError", err)
		}
		return
	}
	s := h.streams["s"]
	if s == nil {
		return // another type
	}
	var d DumpEncoder
	d.WriteStream(nil, s, 0)
	var again streamRecorder
	if err := LoadDumpPayload(d.Payload(), []byte("s"), &again); err != nil {
		t.Fatalf("re-encoded stream does not load: %v", err)
	}
	if a, b := streamText(s), streamText(again.streams["s"]); a != b {
		t.Fatalf("stream changed on re-encoding:\n%s\nbecame:\n%s", a, b)
	}
}

// Every byte of a stream value changed a few ways, and every prefix of
// it, load or fail cleanly: what the fuzz target checks, walked
// exhaustively over small streams on every test run.
func TestStreamValueMutations(t *testing.T) {
	small := manyEntriesStream(30)
	small.LastID = small.Entries[29].ID
	for _, e := range small.Entries {
		if v := e.Fields[len(e.Fields)-1]; len(v) > 70 {
			e.Fields[len(e.Fields)-1] = v[:70] // still a 12-bit length
		}
	}
	for _, s := range []*StreamValue{groupsStream(), small, emptyStream()} {
		var d DumpEncoder
		d.WriteStream(nil, s, 0)
		value := d.Payload()
		value = value[:len(value)-dumpFooterBytes]
		for i := range value {
			orig := value[i]
			for _, b := range []byte{0x00, 0xFF, orig ^ 0x01, orig + 1, 0x80} {
				value[i] = b
				checkStreamValueLoads(t, value)
			}
			value[i] = orig
			checkStreamValueLoads(t, value[:i])
		}
	}
}
