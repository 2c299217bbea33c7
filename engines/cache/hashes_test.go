package cache

import (
	"strconv"
	"strings"
	"testing"

	"syslab/engines/cache/persist"
	"syslab/engines/cache/resp"
)

// The replies below are what redis-server 7.0 answers (the comparison
// tests check many more against a live one when it is installed).
func TestHashCommands(t *testing.T) {
	runScript(t, []step{
		{0, "HSET h f1 v1 f2 v2", "(integer) 2"},
		{0, "HSET h f1 x f3 v3", "(integer) 1"},
		{0, "HGETALL h", `["f1" "x" "f2" "v2" "f3" "v3"]`}, // listpack: insertion order, updates in place
		{0, "HSET h f4", "(error) ERR wrong number of arguments for 'hset' command"},
		{0, "HMSET h f4 v4", `"OK"`},
		{0, "HSETNX h f4 y", "(integer) 0"},
		{0, "HMGET h f4 nope", `["v4" (nil)]`},
		{0, "HDEL h f1 f2 nope", "(integer) 2"},
		{0, "HKEYS h", `["f3" "f4"]`},
		{0, "HVALS h", `["v3" "v4"]`},
		{0, "HSTRLEN h f3", "(integer) 2"},
		{0, "HDEL h f3 f4", "(integer) 2"},
		{0, "EXISTS h", "(integer) 0"}, // an empty hash is deleted
		{0, "HINCRBY n i 5", "(integer) 5"},
		{0, "HINCRBY n i 9223372036854775807", "(error) ERR increment or decrement would overflow"},
		{0, "HSET n s abc", "(integer) 1"},
		{0, "HINCRBY n s 1", "(error) ERR hash value is not an integer"},
		{0, "HINCRBYFLOAT n s 1", "(error) ERR hash value is not a float"},
		{0, "HINCRBYFLOAT n f abc", "(error) ERR value is not a valid float"},
		{0, "HINCRBYFLOAT n f 0.1", `"0.1"`},
		{0, "HINCRBYFLOAT n f 0.2", `"0.3"`}, // long double, as Redis: not 0.30000000000000004
		{0, "HINCRBYFLOAT n g 5.0e3", `"5000"`},
		{0, "HINCRBYFLOAT n g inf", "(error) ERR value is NaN or Infinity"},
		{0, "HRANDFIELD nokey", "(nil)"},
		{0, "HRANDFIELD n 1 foo", "(error) ERR syntax error"},
		{0, "HSCAN n 0 MATCH [fg]", `["0" ["f" "0.3" "g" "5000"]]`},
		{0, "SET str v", `"OK"`},
		{0, "HGET str f", "(error) WRONGTYPE Operation against a key holding the wrong kind of value"},
	})
}

func TestHashEncodings(t *testing.T) {
	n, env := startNode(t, Config{})
	hash := func(key string) *hashObject { return n.dbs[0].peek([]byte(key)).value.(*hashObject) }
	do(n, env, "c", "HSET h "+words("f", 2*hashListpackEntriesMax))
	if got := hash("h").encoding(); got != "listpack" {
		t.Fatalf("%d fields: encoding %s, want listpack", hashListpackEntriesMax, got)
	}
	do(n, env, "c", "HSET h one-more v")
	if got := hash("h").encoding(); got != "hashtable" {
		t.Fatalf("%d fields: encoding %s, want hashtable", hashListpackEntriesMax+1, got)
	}
	do(n, env, "c", "HSET v f "+strings.Repeat("x", hashListpackValueBytesMax))
	if got := hash("v").encoding(); got != "listpack" {
		t.Fatalf("a %d-byte value: encoding %s, want listpack", hashListpackValueBytesMax, got)
	}
	do(n, env, "c", "HSET v f "+strings.Repeat("x", hashListpackValueBytesMax+1))
	if got := hash("v").encoding(); got != "hashtable" {
		t.Fatalf("a %d-byte value: encoding %s, want hashtable", hashListpackValueBytesMax+1, got)
	}
}

func TestHashMemoryIsRunningCount(t *testing.T) {
	n, env := startNode(t, Config{})
	recount := func(h *hashObject) int {
		if h.fields == nil {
			total := hashObjectBytes + hashListpackHeaderBytes
			for _, p := range h.pairs {
				total += hashListpackPairBytes + len(p.field) + len(p.value)
			}
			return total
		}
		total := hashObjectBytes + hashDictBytes
		h.fields.Range(func(f string, v []byte) bool { total += hashDictEntryBytes + len(f) + len(v); return true })
		return total
	}
	for i := range 400 {
		do(n, env, "c", "HSET h f"+strconv.Itoa(i%150)+" "+strings.Repeat("v", i%9))
		if i%4 == 0 {
			do(n, env, "c", "HDEL h f"+strconv.Itoa(i%37))
		}
		if i%5 == 0 {
			do(n, env, "c", "HINCRBY h counter 1")
		}
		e := n.dbs[0].peek([]byte("h"))
		if e == nil {
			continue
		}
		h := e.value.(*hashObject)
		if h.memoryBytes() != recount(h) {
			t.Fatalf("after step %d (%s): memoryBytes %d, recount %d", i, h.encoding(), h.memoryBytes(), recount(h))
		}
	}
}

func TestHrandfieldCounts(t *testing.T) {
	n, env := startNode(t, Config{})
	do(n, env, "c", "HSET small "+words("f", 10))
	do(n, env, "c", "HSET big "+words("f", 400))
	for _, key := range []string{"small", "big"} {
		size := map[string]int{"small": 5, "big": 200}[key]
		for _, count := range []int{1, 4, 60, 150, 500} {
			reply := n.execute("c", 0, [][]byte{[]byte("HRANDFIELD"), []byte(key), []byte(strconv.Itoa(count)), []byte("WITHVALUES")})
			want := min(count, size)
			fields := map[string]bool{}
			for i := 0; i < len(reply.Elems); i += 2 {
				fields[string(reply.Elems[i].Str)] = true
				// words("f", n) pairs f0 with f1, f2 with f3, …
				index, _ := strconv.Atoi(strings.TrimPrefix(string(reply.Elems[i].Str), "f"))
				if string(reply.Elems[i+1].Str) != "f"+strconv.Itoa(index+1) {
					t.Fatalf("HRANDFIELD %s WITHVALUES paired %s with %s", key, reply.Elems[i].Str, reply.Elems[i+1].Str)
				}
			}
			if len(reply.Elems) != 2*want || len(fields) != want {
				t.Fatalf("HRANDFIELD %s %d WITHVALUES: %d elements, %d distinct fields, want %d", key, count, len(reply.Elems), len(fields), want)
			}
		}
		reply := n.execute("c", 0, [][]byte{[]byte("HRANDFIELD"), []byte(key), []byte("-300")})
		if len(reply.Elems) != 300 {
			t.Fatalf("HRANDFIELD %s -300: %d elements", key, len(reply.Elems))
		}
	}
}

func TestHscanReturnsEveryField(t *testing.T) {
	n, env := startNode(t, Config{})
	do(n, env, "c", "HSET h "+words("f", 2000))
	seen := map[string]string{}
	cursor := "0"
	for calls := 0; ; calls++ {
		reply := n.execute("c", 0, [][]byte{[]byte("HSCAN"), []byte("h"), []byte(cursor), []byte("COUNT"), []byte("30")})
		elems := reply.Elems[1].Elems
		for i := 0; i < len(elems); i += 2 {
			seen[string(elems[i].Str)] = string(elems[i+1].Str)
		}
		if calls == 3 {
			do(n, env, "c", "HSET h "+words("g", 4000))
		}
		cursor = string(reply.Elems[0].Str)
		if cursor == "0" {
			break
		}
		if calls > 10000 {
			t.Fatal("HSCAN never finished")
		}
	}
	for i := 0; i < 2000; i += 2 {
		if seen["f"+strconv.Itoa(i)] != "f"+strconv.Itoa(i+1) {
			t.Fatalf("f%d was in the hash all along but HSCAN returned %q for it", i, seen["f"+strconv.Itoa(i)])
		}
	}
}

// HINCRBYFLOAT is logged as HSET of its result, so replay does not redo
// float arithmetic.
func TestSimHashesAOFRoundTrip(t *testing.T) {
	h := newSimHarness(t, 22, Config{AppendOnly: true, AppendFsync: FsyncAlways}, realDisk)
	for _, line := range []string{
		"HSET h a 1 b 2 c 3", "HMSET h d 4", "HSETNX h e 5", "HDEL h b", "HINCRBY h a 41",
		"HINCRBYFLOAT h f 0.1", "HINCRBYFLOAT h f 0.2", "HSET big " + words("f", 400), "HDEL big f0 f2",
		"HSET gone x y", "HDEL gone x",
	} {
		h.do(line)
	}
	aof, _ := h.w.Disk(cacheID).ReadFile(aofPath(persist.IncrName(1)))
	if strings.Contains(string(aof), "HINCRBYFLOAT") {
		t.Fatal("HINCRBYFLOAT reached the AOF as itself; it must be logged as HSET")
	}
	before := map[string]string{}
	for _, key := range []string{"h", "big", "gone"} {
		before[key] = sortedMembers(h.do("HGETALL " + key))
	}
	h.w.Crash(cacheID)
	h.restart()
	for key, want := range before {
		if got := sortedMembers(h.do("HGETALL " + key)); got != want {
			t.Fatalf("after replay HGETALL %s = %s, want %s", key, got, want)
		}
	}
	h.expect("HGET h f", `"0.3"`)
	h.expect("HGET h a", `"42"`)
}

func TestSimHashesDeterministic(t *testing.T) {
	sameSeedTwice(t, 43, func(h *simHarness) string {
		var out strings.Builder
		h.do("HSET h " + words("f", 600))
		for range 20 {
			out.WriteString(h.do("HRANDFIELD h 3 WITHVALUES"))
			out.WriteString(h.do("HRANDFIELD h -4"))
			out.WriteString(h.do("HSCAN h 0 COUNT 5"))
		}
		out.WriteString(h.do("HGETALL h"))
		return out.String()
	})
}

func TestLongDoubleFormatting(t *testing.T) {
	cases := []struct{ in, want string }{
		{"0", "0"}, {"-0", "0"}, {"1.5", "1.5"}, {"1e20", "100000000000000000000"}, {"3.0", "3"},
		{"1.23456789012345678901", "1.23456789012345679"}, {"-2.50", "-2.5"}, {"0x10", "16"},
	}
	for _, tc := range cases {
		f, ok := parseLongDouble([]byte(tc.in))
		if !ok {
			t.Fatalf("parseLongDouble(%q) failed", tc.in)
		}
		if got := string(formatLongDouble(f)); got != tc.want {
			t.Errorf("format(parse(%q)) = %q, want %q", tc.in, got, tc.want)
		}
	}
	for _, bad := range []string{"", " 1", "1 ", "abc", "nan", "1e5000", "0b101", "1_0", "--1"} {
		if _, ok := parseLongDouble([]byte(bad)); ok {
			t.Errorf("parseLongDouble(%q) accepted", bad)
		}
	}
}

func BenchmarkNodeHset(b *testing.B) {
	n, env := startNode(b, Config{})
	env.discardReplies = true
	commands := make([]Command, 1<<16)
	for i := range commands {
		// 1024 hashes of up to 64 fields each: listpack encoding, the common case.
		commands[i] = Command{Args: [][]byte{[]byte("HSET"), []byte("user:" + strconv.Itoa(i%1024)), []byte("field:" + strconv.Itoa(i/1024)), []byte("value-of-16-byte")}}
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		n.Receive("bench", commands[i%len(commands)])
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}

func BenchmarkNodeHget(b *testing.B) {
	n, env := startNode(b, Config{})
	for u := range 1024 {
		do(n, env, "c", "HSET user:"+strconv.Itoa(u)+" "+words("field:", 64))
	}
	env.discardReplies = true
	commands := make([]Command, 1<<16)
	for i := range commands {
		commands[i] = Command{Args: [][]byte{[]byte("HGET"), []byte("user:" + strconv.Itoa(i%1024)), []byte("field:" + strconv.Itoa(2*(i/1024%32)))}}
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		n.Receive("bench", commands[i%len(commands)])
	}
	if env.lastReply.Value.Kind != resp.BulkString {
		b.Fatalf("HGET answered %v", env.lastReply.Value)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}

// In RESP3, HRANDFIELD … WITHVALUES sends each field with its value as a
// two-element array, as Redis 7 does; RESP2 keeps one flat array.
func TestHrandfieldWithValuesShapePerProtocol(t *testing.T) {
	n, env := startNode(t, Config{})
	do(n, env, "c", "HSET h a 1 b 2")
	v := n.execute("c", 0, [][]byte{[]byte("HRANDFIELD"), []byte("h"), []byte("2"), []byte("WITHVALUES")})
	resp3 := string(resp.AppendValue(nil, v, resp.RESP3))
	resp2 := string(resp.AppendValue(nil, v, resp.RESP2))
	if !strings.HasPrefix(resp3, "*2\r\n*2\r\n$1\r\n") || strings.Count(resp3, "*2\r\n") != 3 {
		t.Errorf("RESP3 reply %q: want two [field value] arrays", resp3)
	}
	if !strings.HasPrefix(resp2, "*4\r\n$1\r\n") {
		t.Errorf("RESP2 reply %q: want one flat array of four", resp2)
	}
}
