package cache

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"syslab/engines/cache/persist"
	"syslab/engines/cache/resp"
)

func TestSortKeysAreFound(t *testing.T) {
	cases := []struct {
		line string
		want string // keys joined by spaces
	}{
		{"SORT k", "k"},
		{"SORT k STORE d", "k d"},
		{"SORT k store a BY w_* STORE b", "k b"}, // the last STORE, as the command uses it
		{"SORT k GET store x", "k"},              // a pattern spelled "store"
		{"SORT k BY store x", "k"},
		{"SORT k LIMIT store x 1", "k"}, // LIMIT's arguments are skipped
		{"SORT k STORE", "k"},           // STORE without a destination
		{"SORT k DESC ALPHA STORE d LIMIT 0 1", "k d"},
		{"SORT_RO k", "k"},
		{"SORT_RO k STORE d", "k"}, // SORT_RO has no STORE
	}
	for _, tc := range cases {
		args := splitLine(t, tc.line)
		var got []string
		for _, k := range lookupCommand(args[0]).keys(args) {
			got = append(got, string(k))
		}
		if strings.Join(got, " ") != tc.want {
			t.Errorf("keys of %q = %q, want %q", tc.line, got, tc.want)
		}
	}
}

// The pure parts: LIMIT's clamping and the numeric weights.
func TestSortWindowClampsAsRedis(t *testing.T) {
	cases := []struct {
		offset, count int64
		length        int
		start, end    int
	}{
		{0, -1, 5, 0, 4},
		{1, 2, 5, 1, 2},
		{-3, 2, 5, 0, 1},
		{2, -7, 5, 2, 4},
		{4, 9, 5, 4, 4},
		{5, 1, 5, 4, 3}, // past the end: empty
		{1 << 62, 1 << 62, 5, 4, 3},
		{0, 0, 5, 0, -1},
		{0, -1, 0, -1, -2}, // nothing to sort
		{3, 3, 0, -1, -2},
	}
	for _, tc := range cases {
		if start, end := sortWindow(tc.offset, tc.count, tc.length); start != tc.start || end != tc.end {
			t.Errorf("LIMIT %d %d of %d = [%d, %d], want [%d, %d]", tc.offset, tc.count, tc.length, start, end, tc.start, tc.end)
		}
	}
}

func TestSortWeightReadsAsStrtod(t *testing.T) {
	good := map[string]float64{"": 0, "1": 1, " 2": 2, "\t-3.5": -3.5, "+7": 7, "0x10": 16, "1e3": 1000, "inf": inf, "-Infinity": -inf,
		"1\x00junk": 1, "2.2250738585072014e-308": 0x1p-1022, "0": 0, "-0": 0}
	for text, want := range good {
		if got, ok := sortWeight([]byte(text)); !ok || got != want {
			t.Errorf("sortWeight(%q) = %v, %v; want %v", text, got, ok, want)
		}
	}
	for _, text := range []string{" ", "a", "1 ", "nan", "-nan", "1e400", "1e-400", "1e-310", "2.225073858507201e-308", "1_0", "--1", "0x"} {
		if got, ok := sortWeight([]byte(text)); ok {
			t.Errorf("sortWeight(%q) = %v, accepted", text, got)
		}
	}
}

var inf = func() float64 { f, _ := parseStrtod([]byte("inf"), false); return f }()

// Only the destination of SORT … STORE changes: a WATCH on it is broken
// (also when an empty result deletes it), a WATCH on the source or on a
// destination left as it was is not, and SORT without STORE breaks none.
func TestSortStoreSignalsOnlyTheDestination(t *testing.T) {
	cases := []struct {
		watch, sort string
		broken      bool
	}{
		{"dst", "SORT src STORE dst", true},
		{"src", "SORT src STORE dst", false},
		{"w_1", "SORT src BY w_* GET w_* STORE dst", false},
		{"src", "SORT src", false},
		{"dst", "SORT src LIMIT 0 0 STORE dst", true},    // deletes dst
		{"none", "SORT src LIMIT 0 0 STORE none", false}, // nothing to delete
		{"dst", "SORT src BY w_* STORE dst FOO", false},  // a syntax error runs nothing
		{"dst", "SORT_RO src GET #", false},
	}
	for _, tc := range cases {
		n, env := startNode(t, Config{})
		for _, line := range []string{"RPUSH src 2 1 3", "RPUSH dst old", "MSET w_1 3 w_2 2 w_3 1"} {
			do(n, env, "b", line)
		}
		do(n, env, "a", "WATCH "+tc.watch)
		do(n, env, "b", tc.sort)
		do(n, env, "a", "MULTI")
		do(n, env, "a", "PING")
		got := do(n, env, "a", "EXEC")
		if want := map[bool]string{true: "(nil)", false: `["PONG"]`}[tc.broken]; got != want {
			t.Errorf("WATCH %s, %s: EXEC = %s, want %s", tc.watch, tc.sort, got, want)
		}
	}
}

// SORT_RO is a read: a tracking client that ran it hears when the source
// changes. SORT is a write, which Redis does not track. SORT … STORE
// invalidates the destination for a client that read it.
func TestSortAndTracking(t *testing.T) {
	n, env := startNode(t, Config{})
	do(n, env, "reader", "HELLO 3")
	do(n, env, "reader", "CLIENT TRACKING on")
	do(n, env, "writer", "RPUSH ro 2 1")
	do(n, env, "writer", "RPUSH rw 2 1")
	do(n, env, "writer", "RPUSH dst x")
	do(n, env, "reader", "SORT_RO ro")
	do(n, env, "reader", "SORT rw")
	do(n, env, "reader", "LRANGE dst 0 -1")
	before := len(env.pushes)
	do(n, env, "writer", "RPUSH ro 3")
	do(n, env, "writer", "RPUSH rw 3")
	do(n, env, "writer", "SORT rw STORE dst")
	invalidated := invalidatedKeys(env, "reader", before)
	if !slices.Equal(invalidated, []string{"ro", "dst"}) {
		t.Fatalf("invalidated %q, want [ro dst]", invalidated)
	}
}

// A client blocked on the destination is served by SORT … STORE, as by a
// push.
func TestSortStoreServesBlockedClients(t *testing.T) {
	b := newBlockingBench(t, "a", "b")
	b.send("b", "RPUSH src 3 1 2")
	b.send("a", "BLPOP dst 0")
	b.send("b", "SORT src STORE dst")
	b.expect("2001 (integer) 3", "2002 (integer) 3", `1001 ["dst" "1"]`)
	b.send("b", "LRANGE dst 0 -1")
	b.expect(`2003 ["2" "3"]`)
}

// SORT … STORE goes into the AOF as sent and replays into the same list,
// a set's nosort order included (it is sorted ALPHA so it does not depend
// on hash order); a SORT without STORE writes nothing.
func TestSimSortStoreReplaysFromAOF(t *testing.T) {
	h := newSimHarness(t, 5, Config{AppendOnly: true, AppendFsync: FsyncAlways}, realDisk)
	for _, line := range []string{"SADD s b c a 10 9", "MSET w_a 3 w_b 1 w_c 2", "RPUSH l c a b",
		"SORT s BY nosort STORE d1", "SORT l BY w_* GET # GET w_* STORE d2", "SORT l", "SORT_RO l ALPHA"} {
		h.do(line)
	}
	h.expect("LRANGE d1 0 -1", `["10" "9" "a" "b" "c"]`)
	h.expect("LRANGE d2 0 -1", `["b" "1" "c" "2" "a" "3"]`)
	aof, _ := h.w.Disk(cacheID).ReadFile(aofPath(persist.IncrName(1)))
	if got := strings.Count(string(aof), "SORT"); got != 2 {
		t.Fatalf("the AOF holds %d SORTs, want the 2 that stored:\n%q", got, aof)
	}
	h.restart()
	h.expect("LRANGE d1 0 -1", `["10" "9" "a" "b" "c"]`)
	h.expect("LRANGE d2 0 -1", `["b" "1" "c" "2" "a" "3"]`)
}

// A replica refuses SORT, which may write, and answers SORT_RO: the
// reason SORT_RO exists. What SORT … STORE stored on the master reaches
// the replica.
func TestSortOnReplica(t *testing.T) {
	h := newReplHarness(t, 3, Config{})
	h.do(masterID, "RPUSH l 3 1 2", time.Second)
	h.do(masterID, "SORT l DESC STORE d", time.Second)
	h.settle(2 * time.Second)
	if got := h.do(replicaID, "SORT l", time.Second); got != "(error) READONLY You can't write against a read only replica." {
		t.Fatalf("SORT on a replica = %s", got)
	}
	if got := h.do(replicaID, "SORT_RO l", time.Second); got != `["1" "2" "3"]` {
		t.Fatalf("SORT_RO on a replica = %s", got)
	}
	if got := h.do(replicaID, "LRANGE d 0 -1", time.Second); got != `["3" "2" "1"]` {
		t.Fatalf("the stored list on the replica = %s", got)
	}
}

// Whatever order a node's hash tables give a set, SORT's output is the
// same on every node: numeric and ALPHA orders are total, and elements
// whose ALPHA BY weights tie are ordered by their bytes. A replica, or an
// AOF replayed after a restart, stores the list the master stored.
func TestSortIsIndependentOfSeed(t *testing.T) {
	var outputs []string
	for _, seed := range []uint64{1, 2, 3} {
		env := newTestEnv()
		env.rng = rand.New(rand.NewPCG(seed, seed))
		n := New(Config{})().(*Node)
		n.Start(env)
		var numbers, words []string
		for i := range 300 {
			numbers = append(numbers, itoa((i*7919)%1000))
			words = append(words, "m"+itoa((i*7919)%1000))
		}
		do(n, env, "a", "SADD s "+strings.Join(numbers, " ")) // an intset
		do(n, env, "a", "SADD h "+strings.Join(words, " "))   // a hashtable
		do(n, env, "a", "RPUSH l "+strings.Join(numbers, " "))
		do(n, env, "a", "MSET w_m1 b w_m2 b w_m3 a")
		var out string
		for _, line := range []string{"SORT s", "SORT s ALPHA DESC LIMIT 10 20", "SORT l BY nokey_*", "SORT h ALPHA",
			"SORT h BY nokey_* ALPHA", "SORT h BY w_* ALPHA DESC LIMIT 0 20", "SORT h BY nosort STORE d", "LRANGE d 0 -1",
			"SORT h BY nokey_* ALPHA STORE d", "LRANGE d 0 -1"} {
			out += do(n, env, "a", line) + "\n"
		}
		outputs = append(outputs, out)
	}
	if outputs[0] != outputs[1] || outputs[1] != outputs[2] {
		t.Fatalf("SORT answered differently under different seeds:\n%s\n%s\n%s", outputs[0], outputs[1], outputs[2])
	}
}

// SORT of a 1000-element list: by the elements, ALPHA, by string and
// hash-field weights, and the nosort window that skips sorting.
func BenchmarkSort(b *testing.B) {
	n, env := startNode(b, Config{})
	var elems []string
	for i := range 1000 {
		v := itoa((i * 7919) % 100000)
		elems = append(elems, v)
		do(n, env, "bench", "SET w_"+v+" "+itoa(i))
		do(n, env, "bench", "HSET h_"+v+" f "+itoa(i))
	}
	do(n, env, "bench", "RPUSH l "+strings.Join(elems, " "))
	env.discardReplies = true
	for _, line := range []string{"SORT l", "SORT l ALPHA", "SORT l BY w_*", "SORT l BY h_*->f LIMIT 0 10",
		"SORT l BY nosort LIMIT 10 10", "SORT l BY w_* GET # GET w_* STORE d"} {
		args := splitLine(b, line)
		b.Run(line, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				n.Receive("bench", Command{Args: args})
			}
		})
	}
}

// FuzzSort runs arbitrary SORT options over lists, sets, sorted sets and
// weights of every kind: the node must answer, never panic; SORT_RO must
// answer what SORT does when there is no STORE; and a SORT … STORE that
// answers n leaves a list of n elements (or no key for 0).
func FuzzSort(f *testing.F) {
	for _, seed := range []string{
		"l", "l DESC ALPHA", "l LIMIT 1 2", "l LIMIT -1 -1", "s BY w_*", "h BY w_* ALPHA", "z BY nosort DESC LIMIT 1 1",
		"l BY h_*->f GET # GET w_* GET h_*->f", "l STORE d", "s BY nosort STORE d", "l GET # STORE d LIMIT 0 0",
		"l BY #", "l GET *->", "l BY w_*->", "l LIMIT 9223372036854775807 -9223372036854775808", "str", "l FOO",
		"z BY nosort LIMIT 2 9", "l BY \"w_\x00*\"", "l STORE a STORE b", "l BY nosort BY w_*",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, line string) {
		opts, ok := resp.SplitArgs([]byte(line))
		if !ok || len(opts) == 0 || len(opts) > 32 {
			return
		}
		n, env := startNode(t, Config{})
		for _, setup := range []string{"RPUSH l 3 1 2 10 a '' 1.5 -inf", "SADD s 5 3 9 1", "SADD h b a c 10", "ZADD z 1 c 2 a 3 b 0 1",
			"MSET w_1 3 w_2 x w_3 '' w_a 1 w_b 2", "HSET h_1 f 2", "HSET h_2 f ''", "SET str v"} {
			do(n, env, "setup", setup)
		}
		run := func(name string) Reply {
			args := append([][]byte{[]byte(name)}, opts...)
			n.Receive("fuzz", Command{Seq: uint64(len(env.replies)), Args: args})
			return env.replies[len(env.replies)-1]
		}
		stores := slices.ContainsFunc(opts, func(o []byte) bool { return strings.EqualFold(string(o), "store") })
		ro := run("SORT_RO")
		sorted := run("SORT")
		if !stores && sorted.Value.String() != ro.Value.String() {
			t.Fatalf("SORT %s = %s, SORT_RO = %s", line, sorted.Value, ro.Value)
		}
		if stores && sorted.Value.Kind == resp.Integer {
			dst := sortKeys(append([][]byte{[]byte("SORT")}, opts...))[1]
			n.Receive("check", Command{Args: [][]byte{[]byte("LLEN"), dst}})
			if llen := env.replies[len(env.replies)-1].Value; llen.Int != sorted.Value.Int {
				t.Fatalf("SORT %s = %s, then LLEN = %s", line, sorted.Value, llen)
			}
		}
	})
}

// An empty key may reach a command as a nil slice (a parser's choice):
// STORE "" still stores, into the key "".
func TestSortStoreIntoTheEmptyKey(t *testing.T) {
	n, env := startNode(t, Config{})
	do(n, env, "a", "RPUSH l 2 1")
	n.Receive("a", Command{Args: [][]byte{[]byte("SORT"), []byte("l"), []byte("STORE"), nil}})
	if got := env.replies[len(env.replies)-1].Value.String(); got != "(integer) 2" {
		t.Fatalf("SORT l STORE nil = %s", got)
	}
	if got := do(n, env, "a", "LRANGE '' 0 -1"); got != `["1" "2"]` {
		t.Fatalf("LRANGE '' = %s", got)
	}
	if keys := sortKeys([][]byte{[]byte("SORT"), []byte("l"), []byte("STORE"), nil}); len(keys) != 2 {
		t.Fatalf("sortKeys named %q", keys)
	}
}

// SORT … STORE notifies the destination as Redis does: sortstore when it
// stores a list, del when an empty result deletes it.
func TestSortStoreNotificationsAgreeWithRedis(t *testing.T) {
	nc := newNotifyComparison(t, "KEA")
	nc.run(sameReply, "RPUSH sl 3 1 2", "SORT sl STORE sd", "SORT sl LIMIT 0 1 STORE sd", "SORT nosuch STORE sd",
		"SORT nosuch STORE sd", "SORT_RO sl", "SORT sl")
}
