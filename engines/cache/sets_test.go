package cache

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"syslab/engines/cache/persist"
	"syslab/engines/cache/resp"
)

// The replies below are what redis-server 7.0 answers (the comparison
// tests check many more against a live one when it is installed).
func TestSetCommands(t *testing.T) {
	runScript(t, []step{
		{0, "SADD s 3 1 2 2", "(integer) 3"},
		{0, "SMEMBERS s", `["1" "2" "3"]`}, // intset: ascending
		{0, "SISMEMBER s 2", "(integer) 1"},
		{0, "SISMEMBER s 02", "(integer) 0"},
		{0, "SMISMEMBER s 1 x 3", "[(integer) 1 (integer) 0 (integer) 1]"},
		{0, "SCARD s", "(integer) 3"},
		{0, "SREM s 1 1 9", "(integer) 1"},
		{0, "SREM s 2 3", "(integer) 2"},
		{0, "EXISTS s", "(integer) 0"}, // an empty set is deleted
		{0, "SADD a 1 2 3", "(integer) 3"},
		{0, "SADD b 2 3 4", "(integer) 3"},
		{0, "SINTER a b", `["2" "3"]`},
		{0, "SUNION a b", `["1" "2" "3" "4"]`},
		{0, "SDIFF a b", `["1"]`},
		{0, "SINTER a missing", `[]`},
		{0, "SINTERSTORE d a b", "(integer) 2"},
		{0, "SDIFFSTORE d a a", "(integer) 0"},
		{0, "EXISTS d", "(integer) 0"},
		{0, "SINTERCARD 2 a b", "(integer) 2"},
		{0, "SINTERCARD 2 a b LIMIT 1", "(integer) 1"},
		{0, "SINTERCARD 3 a b", "(error) ERR Number of keys can't be greater than number of args"},
		{0, "SMOVE a b 1", "(integer) 1"},
		{0, "SMOVE a b 1", "(integer) 0"},
		{0, "SMEMBERS b", `["1" "2" "3" "4"]`},
		{0, "SPOP a -1", "(error) ERR value is out of range, must be positive"},
		{0, "SRANDMEMBER a -9223372036854775808", "(error) ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"},
		{0, "SET str v", `"OK"`},
		{0, "SADD str x", "(error) WRONGTYPE Operation against a key holding the wrong kind of value"},
		{0, "SUNIONSTORE str a", "(integer) 2"}, // the destination's old type does not matter
		{0, "SSCAN b 0 MATCH [13]", `["0" ["1" "3"]]`},
		{0, "SSCAN b 0 COUNT 0", "(error) ERR syntax error"},
		{0, "SSCAN b x", "(error) ERR invalid cursor"},
	})
}

func TestSetEncodings(t *testing.T) {
	n, env := startNode(t, Config{})
	set := func(key string) *setObject { return n.dbs[0].peek([]byte(key)).value.(*setObject) }
	do(n, env, "c", "SADD s "+words("", setIntsetEntriesMax))
	if got := set("s").encoding(); got != "intset" {
		t.Fatalf("%d integers: encoding %s, want intset", setIntsetEntriesMax, got)
	}
	do(n, env, "c", "SADD s 512")
	if got := set("s").encoding(); got != "hashtable" {
		t.Fatalf("%d integers: encoding %s, want hashtable", setIntsetEntriesMax+1, got)
	}
	do(n, env, "c", "SADD t 1 2")
	do(n, env, "c", "SADD t x")
	do(n, env, "c", "SREM t x")
	if got := set("t").encoding(); got != "hashtable" {
		t.Fatalf("after a string member left: encoding %s, want hashtable (no way back)", got)
	}
}

// memoryBytes is a running count; it must equal a recount from scratch
// through every encoding change.
func TestSetMemoryIsRunningCount(t *testing.T) {
	n, env := startNode(t, Config{})
	recount := func(s *setObject) int {
		if s.members == nil {
			return setEmptyIntsetBytes + setIntsetEntryBytes*len(s.ints)
		}
		total := setObjectBytes + setDictBytes
		s.members.Range(func(m string, _ struct{}) bool { total += setDictEntryBytes + setSdsHeaderBytes + len(m); return true })
		return total
	}
	for i := range 700 {
		do(n, env, "c", "SADD s "+strconv.Itoa(i*7%1000))
		if i%3 == 0 {
			do(n, env, "c", "SREM s "+strconv.Itoa(i))
		}
		if i == 600 {
			do(n, env, "c", "SADD s member-"+strconv.Itoa(i))
		}
		e := n.dbs[0].peek([]byte("s"))
		if e == nil {
			continue // the last member went: the key is gone
		}
		s := e.value.(*setObject)
		if s.memoryBytes() != recount(s) {
			t.Fatalf("after step %d (%s): memoryBytes %d, recount %d", i, s.encoding(), s.memoryBytes(), recount(s))
		}
	}
}

// SRANDMEMBER with a positive count never repeats; with a negative count
// it returns exactly |count| members, repeats allowed.
func TestSrandmemberCounts(t *testing.T) {
	n, env := startNode(t, Config{})
	do(n, env, "c", "SADD s "+words("m", 50))
	do(n, env, "c", "SADD i 1 2 3 4 5 6 7 8 9 10")
	for _, key := range []string{"s", "i"} {
		for _, count := range []int{1, 3, 9, 16, 40} {
			reply := n.execute("c", 0, [][]byte{[]byte("SRANDMEMBER"), []byte(key), []byte(strconv.Itoa(count))})
			size := map[string]int{"s": 50, "i": 10}[key]
			want := min(count, size)
			got := map[string]bool{}
			for _, v := range reply.Elems {
				got[string(v.Str)] = true
			}
			if len(reply.Elems) != want || len(got) != want {
				t.Fatalf("SRANDMEMBER %s %d: %d elements, %d distinct, want %d distinct", key, count, len(reply.Elems), len(got), want)
			}
		}
		reply := n.execute("c", 0, [][]byte{[]byte("SRANDMEMBER"), []byte(key), []byte("-200")})
		if len(reply.Elems) != 200 {
			t.Fatalf("SRANDMEMBER %s -200: %d elements", key, len(reply.Elems))
		}
	}
}

// A full SSCAN returns every member at least once even when the set grows
// and shrinks between calls (dict.Scan's guarantee), and COUNT bounds each
// call's work.
func TestSscanReturnsEveryMember(t *testing.T) {
	n, env := startNode(t, Config{})
	do(n, env, "c", "SADD s "+words("m", 1000))
	seen := map[string]bool{}
	cursor := "0"
	for calls := 0; ; calls++ {
		reply := n.execute("c", 0, [][]byte{[]byte("SSCAN"), []byte("s"), []byte(cursor), []byte("COUNT"), []byte("20")})
		if len(reply.Elems[1].Elems) > 200 {
			t.Fatalf("one SSCAN COUNT 20 call returned %d members", len(reply.Elems[1].Elems))
		}
		for _, v := range reply.Elems[1].Elems {
			seen[string(v.Str)] = true
		}
		if calls == 5 {
			do(n, env, "c", "SADD s "+words("extra", 3000)) // the table grows
		}
		if calls == 40 {
			do(n, env, "c", "SREM s "+words("extra", 3000)) // and shrinks
		}
		cursor = string(reply.Elems[0].Str)
		if cursor == "0" {
			break
		}
		if calls > 10000 {
			t.Fatal("SSCAN never finished")
		}
	}
	for i := range 1000 {
		if !seen["m"+strconv.Itoa(i)] {
			t.Fatalf("m%d was in the set all along but SSCAN never returned it", i)
		}
	}
}

// SPOP is logged as the SREM of what it popped (or DEL of a whole set), so
// replaying the AOF gives the same set whatever the random source does.
func TestSimSetsAOFRoundTrip(t *testing.T) {
	h := newSimHarness(t, 21, Config{AppendOnly: true, AppendFsync: FsyncAlways}, realDisk)
	for _, line := range []string{
		"SADD s " + words("m", 100), "SPOP s", "SPOP s 30", "SREM s m1 m2 m3",
		"SADD i 1 2 3 4 5", "SPOP i 10", // whole set: DEL
		"SADD a 1 2 3", "SADD b 3 4", "SUNIONSTORE u a b", "SINTERSTORE n a b", "SMOVE a b 1", "SDIFFSTORE d a b",
		"SADD tmp x", "SPOP tmp",
	} {
		h.do(line)
	}
	before := map[string]string{}
	for _, key := range []string{"s", "i", "a", "b", "u", "n", "d", "tmp"} {
		before[key] = sortedMembers(h.do("SMEMBERS " + key))
	}
	aof, _ := h.w.Disk(cacheID).ReadFile(aofPath(persist.IncrName(1)))
	if strings.Contains(string(aof), "SPOP") {
		t.Fatal("SPOP reached the AOF as itself; it must be logged as SREM/DEL")
	}
	h.w.Crash(cacheID)
	h.restart()
	if loaded := h.w.Handler(cacheID).(*Node).Stats().AOFLoaded; loaded < 10 {
		t.Fatalf("replayed %d commands; the test proves nothing", loaded)
	}
	for key, want := range before {
		if got := sortedMembers(h.do("SMEMBERS " + key)); got != want {
			t.Fatalf("after replay SMEMBERS %s = %s, want %s", key, got, want)
		}
	}
}

func sortedMembers(reply string) string {
	fields := strings.Fields(strings.Trim(reply, "[]"))
	slices.Sort(fields)
	return strings.Join(fields, " ")
}

// Same seed, same SPOP/SRANDMEMBER draws and same SMEMBERS order.
func TestSimSetsDeterministic(t *testing.T) {
	sameSeedTwice(t, 42, func(h *simHarness) string {
		var out strings.Builder
		h.do("SADD s " + words("member", 300))
		for range 20 {
			out.WriteString(h.do("SPOP s 3"))
			out.WriteString(h.do("SRANDMEMBER s -4"))
			out.WriteString(h.do("SSCAN s 0 COUNT 5"))
		}
		out.WriteString(h.do("SMEMBERS s"))
		return out.String()
	})
}

func BenchmarkNodeSadd(b *testing.B) {
	n, env := startNode(b, Config{})
	env.discardReplies = true
	commands := make([]Command, 1<<16)
	for i := range commands {
		commands[i] = Command{Args: [][]byte{[]byte("SADD"), []byte("set:" + strconv.Itoa(i%64)), []byte("member:" + strconv.Itoa(i))}}
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		n.Receive("bench", commands[i%len(commands)])
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}

func BenchmarkNodeSismember(b *testing.B) {
	n, env := startNode(b, Config{})
	do(n, env, "c", "SADD s "+words("member:", 10000))
	env.discardReplies = true
	commands := make([]Command, 10000)
	for i := range commands {
		commands[i] = Command{Args: [][]byte{[]byte("SISMEMBER"), []byte("s"), []byte("member:" + strconv.Itoa(i*7%20000))}}
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		n.Receive("bench", commands[i%len(commands)])
	}
	if env.lastReply.Value.Kind != resp.Integer {
		b.Fatalf("SISMEMBER answered %v", env.lastReply.Value)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}
