package persist

import (
	"bufio"
	"bytes"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"syslab/engines/cache/resp"
)

// Streams exchanged with a real redis-server 7.0, both ways, compared
// with what Redis itself reports (XINFO STREAM FULL, XRANGE, XPENDING).

// redisConn speaks RESP to the redis-server realRedis started, for the
// replies redis-cli would flatten (XINFO STREAM FULL) or mangle (DUMP's
// binary payload).
type redisConn struct {
	t    *testing.T
	conn net.Conn
	r    *resp.Reader
}

// redisReplyTimeout bounds the wait for a pipeline's replies.
const redisReplyTimeout = 30 * time.Second

func dialRealRedis(t *testing.T, dir string) *redisConn {
	t.Helper()
	conn, err := net.Dial("unix", filepath.Join(dir, "redis.sock"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &redisConn{t: t, conn: conn, r: resp.NewReader(bufio.NewReader(conn))}
}

// pipeline sends the commands at once and returns their replies, failing
// the test on an error reply.
func (c *redisConn) pipeline(cmds [][][]byte) []resp.Value {
	c.t.Helper()
	var buf []byte
	for _, cmd := range cmds {
		buf = resp.AppendCommand(buf, cmd...)
	}
	c.conn.SetDeadline(time.Now().Add(redisReplyTimeout))
	if _, err := c.conn.Write(buf); err != nil {
		c.t.Fatal(err)
	}
	replies := make([]resp.Value, len(cmds))
	for i := range cmds {
		v, err := c.r.ReadReply()
		if err != nil {
			c.t.Fatalf("reading the reply to %q: %v", bytes.Join(cmds[i], []byte(" ")), err)
		}
		if v.Kind == resp.Error {
			c.t.Fatalf("redis answered %q with %s", bytes.Join(cmds[i], []byte(" ")), v.Str)
		}
		replies[i] = v
	}
	return replies
}

func (c *redisConn) do(args ...string) resp.Value {
	c.t.Helper()
	return c.pipeline([][][]byte{bs(args...)})[0]
}

// replyMap reads a RESP2 map reply (a flat array of keys and values).
func replyMap(v resp.Value) map[string]resp.Value {
	m := map[string]resp.Value{}
	for i := 0; i+1 < len(v.Elems); i += 2 {
		m[string(v.Elems[i].Str)] = v.Elems[i+1]
	}
	return m
}

func replyID(t *testing.T, v resp.Value) StreamID {
	t.Helper()
	ms, seq, ok := strings.Cut(string(v.Str), "-")
	a, err1 := strconv.ParseUint(ms, 10, 64)
	b, err2 := strconv.ParseUint(seq, 10, 64)
	if !ok || err1 != nil || err2 != nil {
		t.Fatalf("stream ID %q", v.Str)
	}
	return StreamID{a, b}
}

func replyStrings(v resp.Value) [][]byte {
	out := make([][]byte, len(v.Elems))
	for i, e := range v.Elems {
		out[i] = e.Str
	}
	return out
}

// streamFromRedis is the stream at key as XINFO STREAM FULL reports it.
func streamFromRedis(c *redisConn, key string) *StreamValue {
	t := c.t
	t.Helper()
	m := replyMap(c.do("XINFO", "STREAM", key, "FULL", "COUNT", "0"))
	s := &StreamValue{
		LastID:       replyID(t, m["last-generated-id"]),
		FirstID:      replyID(t, m["recorded-first-entry-id"]),
		MaxDeletedID: replyID(t, m["max-deleted-entry-id"]),
		EntriesAdded: uint64(m["entries-added"].Int),
	}
	for _, e := range m["entries"].Elems {
		s.Entries = append(s.Entries, StreamEntry{ID: replyID(t, e.Elems[0]), Fields: replyStrings(e.Elems[1])})
	}
	for _, gv := range m["groups"].Elems {
		gm := replyMap(gv)
		g := StreamGroup{Name: gm["name"].Str, LastID: replyID(t, gm["last-delivered-id"]), EntriesRead: gm["entries-read"].Int}
		if gm["entries-read"].Kind == resp.Null {
			g.EntriesRead = streamEntriesReadUnknown
		}
		for _, p := range gm["pending"].Elems {
			g.Pending = append(g.Pending, StreamPending{ID: replyID(t, p.Elems[0]), Consumer: p.Elems[1].Str,
				DeliveryTimeMillis: p.Elems[2].Int, DeliveryCount: uint64(p.Elems[3].Int)})
		}
		for _, cv := range gm["consumers"].Elems {
			cm := replyMap(cv)
			consumer := StreamConsumer{Name: cm["name"].Str, SeenTimeMillis: cm["seen-time"].Int}
			for _, p := range cm["pending"].Elems {
				consumer.Pending = append(consumer.Pending, replyID(t, p.Elems[0]))
			}
			g.Consumers = append(g.Consumers, consumer)
		}
		s.Groups = append(s.Groups, g)
	}
	return s
}

// byName orders a stream's groups and consumers by name, as Redis lists
// them, so streams written in another order compare.
func byName(s *StreamValue) *StreamValue {
	slices.SortFunc(s.Groups, func(a, b StreamGroup) int { return bytes.Compare(a.Name, b.Name) })
	for _, g := range s.Groups {
		slices.SortFunc(g.Consumers, func(a, b StreamConsumer) int { return bytes.Compare(a.Name, b.Name) })
	}
	return s
}

func xadd(key string, e StreamEntry) [][]byte {
	return append([][]byte{[]byte("XADD"), []byte(key), []byte(e.ID.String())}, e.Fields...)
}

func redisCmd(args ...string) [][]byte { return bs(args...) }

// Redis builds streams with XADD, XDEL, XTRIM and consumer groups, saves
// them; the file loads here as XINFO STREAM FULL describes the streams,
// and so does each stream's DUMP payload.
func TestStreamRDBFromRealRedis(t *testing.T) {
	dir := t.TempDir()
	realRedis(t, dir, "dump.rdb")
	c := dialRealRedis(t, dir)

	var cmds [][][]byte
	many := manyEntriesStream(300).Entries
	for _, e := range many {
		cmds = append(cmds, xadd("s:many", e))
	}
	// Tombstones: the first entry, a run inside a node, one entry of a
	// node's own field set.
	for _, i := range []int{0, 5, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 150, 203} {
		cmds = append(cmds, redisCmd("XDEL", "s:many", many[i].ID.String()))
	}
	cmds = append(cmds,
		redisCmd("XGROUP", "CREATE", "s:many", "g1", "0"),
		redisCmd("XREADGROUP", "GROUP", "g1", "alice", "COUNT", "5", "STREAMS", "s:many", ">"),
		redisCmd("XREADGROUP", "GROUP", "g1", "bob", "COUNT", "3", "STREAMS", "s:many", ">"),
		redisCmd("XREADGROUP", "GROUP", "g1", "alice", "COUNT", "2", "STREAMS", "s:many", ">"),
		redisCmd("XGROUP", "CREATECONSUMER", "s:many", "g1", "carol"),
		redisCmd("XACK", "s:many", "g1", many[2].ID.String()),
		redisCmd("XGROUP", "CREATE", "s:many", "g2", "$"),
		redisCmd("XGROUP", "CREATE", "s:many", "123", many[100].ID.String()),
		redisCmd("XREADGROUP", "GROUP", "123", "42", "COUNT", "4", "STREAMS", "s:many", ">"),
		// A pending entry whose stream entry is deleted.
		redisCmd("XDEL", "s:many", many[7].ID.String()),

		redisCmd("XADD", "s:empty", "5-5", "f", "v"),
		redisCmd("XDEL", "s:empty", "5-5"),
		redisCmd("XGROUP", "CREATE", "s:empty", "g", "0"),
		redisCmd("XGROUP", "CREATECONSUMER", "s:empty", "g", "idle"),
		redisCmd("XGROUP", "CREATE", "s:mkstream", "g", "$", "MKSTREAM"),
		redisCmd("XADD", "s:ttl", "1-1", "a", "b"),
		redisCmd("PEXPIREAT", "s:ttl", "4102444800000"),
	)
	for i := range 250 {
		cmds = append(cmds, redisCmd("XADD", "s:trimmed", strconv.Itoa(i+1)+"-0", "n", strconv.Itoa(i)))
	}
	cmds = append(cmds, redisCmd("XTRIM", "s:trimmed", "MAXLEN", "120"))
	c.pipeline(cmds)
	keys := []string{"s:many", "s:empty", "s:mkstream", "s:ttl", "s:trimmed"}

	if got := c.do("SAVE"); string(got.Str) != "OK" {
		t.Fatalf("SAVE = %q", got.Str)
	}
	data, err := os.ReadFile(filepath.Join(dir, "dump.rdb"))
	if err != nil {
		t.Fatal(err)
	}
	var h streamRecorder
	if err := LoadRDB(data, &h); err != nil {
		t.Fatalf("loading Redis's dump.rdb: %v", err)
	}
	if len(h.streams) != len(keys) {
		t.Fatalf("loaded %d streams, want %d", len(h.streams), len(keys))
	}
	for _, k := range h.keys {
		if string(k.Key) == "s:ttl" && k.ExpireAtMillis != 4102444800000 {
			t.Errorf("s:ttl expires at %d", k.ExpireAtMillis)
		}
	}
	for _, key := range keys {
		want := streamText(streamFromRedis(c, key))
		if got := streamText(h.streams[key]); got != want {
			t.Errorf("%s loads from Redis's file as:\n%.3000s\nXINFO says:\n%.3000s", key, got, want)
		}
		payload := c.do("DUMP", key).Str
		var fromPayload streamRecorder
		if err := LoadDumpPayload(payload, []byte(key), &fromPayload); err != nil {
			t.Fatalf("loading Redis's DUMP of %s: %v", key, err)
		}
		if got := streamText(fromPayload.streams[key]); got != want {
			t.Errorf("%s loads from Redis's DUMP as:\n%.3000s\nXINFO says:\n%.3000s", key, got, want)
		}
	}
	if h.streams["s:many"] != nil && len(h.streams["s:many"].Groups) != 3 {
		t.Errorf("s:many has %d groups", len(h.streams["s:many"].Groups))
	}
}

// Streams written here load in Redis as they were written: XINFO STREAM
// FULL, XRANGE and XPENDING agree, the radix tree has the nodes planned,
// and what Redis saves from them loads back here the same.
func TestStreamRDBLoadsInRealRedis(t *testing.T) {
	dir := t.TempDir()
	var buf bytes.Buffer
	w := NewRDBWriter(&buf, RDBHeader{CtimeSeconds: 1767225600})
	w.SelectDB(0, len(streamCases), 1)
	for i, c := range streamCases {
		expireAtMillis := int64(0)
		if i == 0 {
			expireAtMillis = 4102444800000
		}
		w.WriteStream([]byte(c.name), c.make(), expireAtMillis)
	}
	if err := w.Finish(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ours.rdb"), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	realRedis(t, dir, "ours.rdb")
	c := dialRealRedis(t, dir)

	for _, sc := range streamCases {
		want := byName(sc.make())
		if got := streamText(streamFromRedis(c, sc.name)); got != streamText(want) {
			t.Errorf("%s: Redis has:\n%.3000s\nwe wrote:\n%.3000s", sc.name, got, streamText(want))
		}
		info := replyMap(c.do("XINFO", "STREAM", sc.name))
		if got, want := info["radix-tree-keys"].Int, int64(len(planStreamNodes(want.Entries))); got != want {
			t.Errorf("%s: Redis has %d nodes, we wrote %d", sc.name, got, want)
		}
		if got := c.do("XRANGE", sc.name, "-", "+"); len(got.Elems) != len(want.Entries) {
			t.Errorf("%s: XRANGE gives %d entries, want %d", sc.name, len(got.Elems), len(want.Entries))
		} else {
			for i, e := range got.Elems {
				if id := replyID(t, e.Elems[0]); id != want.Entries[i].ID || !slices.EqualFunc(replyStrings(e.Elems[1]), want.Entries[i].Fields, bytes.Equal) {
					t.Errorf("%s: XRANGE entry %d is %s %q, want %s %q", sc.name, i, id, replyStrings(e.Elems[1]), want.Entries[i].ID, want.Entries[i].Fields)
					break
				}
			}
		}
		for _, g := range want.Groups {
			summary := c.do("XPENDING", sc.name, string(g.Name))
			if summary.Elems[0].Int != int64(len(g.Pending)) {
				t.Errorf("%s %s: XPENDING counts %d, want %d", sc.name, g.Name, summary.Elems[0].Int, len(g.Pending))
			}
			owned := map[string]int{}
			for _, p := range g.Pending {
				owned[string(p.Consumer)]++
			}
			for _, pair := range summary.Elems[3].Elems {
				if n, _ := strconv.Atoi(string(pair.Elems[1].Str)); n != owned[string(pair.Elems[0].Str)] {
					t.Errorf("%s %s: XPENDING gives %s %d pending, want %d", sc.name, g.Name, pair.Elems[0].Str, n, owned[string(pair.Elems[0].Str)])
				}
			}
			detail := c.do("XPENDING", sc.name, string(g.Name), "-", "+", "1000")
			if len(detail.Elems) != len(g.Pending) {
				t.Errorf("%s %s: XPENDING lists %d, want %d", sc.name, g.Name, len(detail.Elems), len(g.Pending))
				continue
			}
			for i, d := range detail.Elems {
				p := g.Pending[i]
				if replyID(t, d.Elems[0]) != p.ID || !bytes.Equal(d.Elems[1].Str, p.Consumer) || uint64(d.Elems[3].Int) != p.DeliveryCount {
					t.Errorf("%s %s: XPENDING entry %d is %q, want %s by %s count %d", sc.name, g.Name, i, replyStrings(d), p.ID, p.Consumer, p.DeliveryCount)
				}
			}
		}
	}
	if got := c.do("PEXPIRETIME", streamCases[0].name); got.Int != 4102444800000 {
		t.Errorf("PEXPIRETIME = %d", got.Int)
	}

	if got := c.do("SAVE"); string(got.Str) != "OK" {
		t.Fatalf("SAVE = %q", got.Str)
	}
	saved, err := os.ReadFile(filepath.Join(dir, "ours.rdb"))
	if err != nil {
		t.Fatal(err)
	}
	var h streamRecorder
	if err := LoadRDB(saved, &h); err != nil {
		t.Fatalf("loading what Redis saved: %v", err)
	}
	for _, sc := range streamCases {
		if got, want := streamText(h.streams[sc.name]), streamText(byName(sc.make())); got != want {
			t.Errorf("%s: Redis re-saved it as:\n%.3000s\nwant:\n%.3000s", sc.name, got, want)
		}
	}
}

// A DUMP payload made here is byte for byte Redis's DUMP of the same
// stream when Redis does not compress (rdbcompression no; with it on,
// Redis LZF-compresses listpacks and node keys are the only strings left
// alike), and RESTOREs there. Redis's payload of a stream with deleted
// entries differs — its nodes keep the tombstones — so that one is
// compared by what it loads as.
func TestStreamDumpPayloadMatchesRealRedis(t *testing.T) {
	dir := t.TempDir()
	realRedis(t, dir, "dump.rdb")
	c := dialRealRedis(t, dir)
	c.do("CONFIG", "SET", "rdbcompression", "no")

	var cmds [][][]byte
	for _, e := range manyEntriesStream(350).Entries {
		cmds = append(cmds, xadd("plain", e))
	}
	cmds = append(cmds, redisCmd("XADD", "single", "1-1", "f", "v"))
	for i := range 250 {
		cmds = append(cmds, redisCmd("XADD", "deleted", strconv.Itoa(i+1)+"-0", "n", strconv.Itoa(i)))
	}
	cmds = append(cmds, redisCmd("XDEL", "deleted", "1-0", "7-0", "150-0"))
	c.pipeline(cmds)

	for _, key := range []string{"plain", "single"} {
		s := streamFromRedis(c, key)
		var d DumpEncoder
		d.WriteStream([]byte(key), s, 0)
		ours := d.Payload()
		theirs := c.do("DUMP", key).Str
		if !bytes.Equal(ours, theirs) {
			at := 0
			for at < min(len(ours), len(theirs)) && ours[at] == theirs[at] {
				at++
			}
			t.Errorf("%s: our DUMP payload (%d bytes) differs from Redis's (%d bytes) from byte %d", key, len(ours), len(theirs), at)
		}
		c.do("RESTORE", key+":restored", "0", string(ours))
		if got, want := streamText(streamFromRedis(c, key+":restored")), streamText(s); got != want {
			t.Errorf("%s: RESTOREd as:\n%.2000s\nwant:\n%.2000s", key, got, want)
		}
	}

	want := streamFromRedis(c, "deleted")
	var h streamRecorder
	if err := LoadDumpPayload(c.do("DUMP", "deleted").Str, []byte("deleted"), &h); err != nil {
		t.Fatal(err)
	}
	if got := streamText(h.streams["deleted"]); got != streamText(want) {
		t.Errorf("Redis's DUMP with tombstones loads as:\n%.2000s\nwant:\n%.2000s", got, streamText(want))
	}
}

// An AOF base's stream commands, replayed by Redis, rebuild the stream —
// all but what Redis's own AOF rewrite loses too: consumers' seen times
// (XCLAIM and XGROUP CREATECONSUMER set them to now), and pending entries
// whose stream entry was deleted (Redis 7.0's XCLAIM skips an ID the
// stream no longer has, FORCE or not).
func TestStreamAOFBaseReplaysInRealRedis(t *testing.T) {
	dir := t.TempDir()
	realRedis(t, dir, "dump.rdb")
	c := dialRealRedis(t, dir)

	cases := map[string]*StreamValue{"many": manyEntriesStream(120), "empty": emptyStream(), "groups": groupsStream()}
	var buf bytes.Buffer
	w := NewAOFBaseWriter(&buf)
	for _, name := range []string{"many", "empty", "groups"} {
		w.WriteStream([]byte(name), cases[name], 0)
	}
	if err := w.Finish(); err != nil {
		t.Fatal(err)
	}
	var cmds [][][]byte
	for rest := buf.Bytes(); len(rest) > 0; {
		args, n, err := resp.ParseCommand(rest)
		if err != nil || n == 0 {
			t.Fatalf("our AOF base does not parse: %v", err)
		}
		cmds = append(cmds, slices.Clone(args))
		rest = rest[n:]
	}
	c.pipeline(cmds)

	noSeenTimes := func(s *StreamValue) string {
		for _, g := range s.Groups {
			for i := range g.Consumers {
				g.Consumers[i].SeenTimeMillis = 0
			}
		}
		return streamText(byName(s))
	}
	withoutDeletedPending := func(s *StreamValue) *StreamValue {
		for gi := range s.Groups {
			g := &s.Groups[gi]
			live := func(id StreamID) bool {
				_, found := slices.BinarySearchFunc(s.Entries, id, func(e StreamEntry, id StreamID) int { return compareStreamIDs(e.ID, id) })
				return found
			}
			g.Pending = slices.DeleteFunc(g.Pending, func(p StreamPending) bool { return !live(p.ID) })
			for ci := range g.Consumers {
				g.Consumers[ci].Pending = slices.DeleteFunc(g.Consumers[ci].Pending, func(id StreamID) bool { return !live(id) })
			}
		}
		return s
	}
	for name, s := range cases {
		if got, want := noSeenTimes(streamFromRedis(c, name)), noSeenTimes(withoutDeletedPending(s)); got != want {
			t.Errorf("%s replayed as:\n%.3000s\nwant:\n%.3000s", name, got, want)
		}
	}
}
