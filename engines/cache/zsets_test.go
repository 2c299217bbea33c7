package cache

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"syslab/engines/cache/persist"
	"syslab/engines/cache/resp"
)

// The skiplist against a sorted slice: after every random insert, delete
// and score update, order, ranks and byRank agree.
func TestSkiplistMatchesSortedSlice(t *testing.T) {
	type elem struct {
		score  float64
		member string
	}
	less := func(a, b elem) int {
		switch {
		case a.score < b.score || (a.score == b.score && a.member < b.member):
			return -1
		case a == b:
			return 0
		}
		return 1
	}
	rng := rand.New(rand.NewPCG(3, 4))
	zsl := newSkiplist(rand.New(rand.NewPCG(5, 6)))
	nodes := map[string]*skipNode{}
	var model []elem
	for step := range 5000 {
		member := "m" + strconv.Itoa(rng.IntN(400))
		score := float64(rng.IntN(30))
		x, present := nodes[member]
		switch {
		case !present:
			nodes[member] = zsl.insert(score, member)
			model = append(model, elem{score, member})
		case rng.IntN(2) == 0:
			if !zsl.delete(x.score, member) {
				t.Fatalf("step %d: delete of a present member failed", step)
			}
			delete(nodes, member)
			model = slices.DeleteFunc(model, func(e elem) bool { return e.member == member })
		default:
			nodes[member] = zsl.updateScore(x, score)
			for i := range model {
				if model[i].member == member {
					model[i].score = score
				}
			}
		}
		slices.SortFunc(model, less)
		if zsl.length != len(model) {
			t.Fatalf("step %d: length %d, want %d", step, zsl.length, len(model))
		}
		if step%97 != 0 {
			continue
		}
		i := 0
		for x := zsl.first(); x != nil; x = x.levels[0].forward {
			if (elem{x.score, x.member}) != model[i] {
				t.Fatalf("step %d: element %d is %v/%s, want %v", step, i, x.score, x.member, model[i])
			}
			if r := zsl.rankOf(x); r != i+1 {
				t.Fatalf("step %d: rank of %s = %d, want %d", step, x.member, r, i+1)
			}
			if y := zsl.byRank(i + 1); y != x {
				t.Fatalf("step %d: byRank(%d) is not %s", step, i+1, x.member)
			}
			if i > 0 && x.backward.member != model[i-1].member {
				t.Fatalf("step %d: backward link of %s broken", step, x.member)
			}
			i++
		}
		if len(model) > 0 && zsl.tail.member != model[len(model)-1].member {
			t.Fatalf("step %d: tail is %s", step, zsl.tail.member)
		}
	}
}

// Encodings follow Redis 7.0's defaults and never go back.
func TestZsetEncoding(t *testing.T) {
	n, env := startNode(t, Config{})
	encodingOf := func(key string) string {
		e := n.dbs[0].peek([]byte(key))
		if e == nil {
			return "(none)"
		}
		return e.value.encoding()
	}
	for i := range zsetListpackEntriesMax {
		do(n, env, "c", "ZADD z "+itoa(i)+" m"+itoa(i))
	}
	if got := encodingOf("z"); got != "listpack" {
		t.Fatalf("128 members: %s, want listpack", got)
	}
	small := n.dbs[0].peek([]byte("z")).value.memoryBytes()
	do(n, env, "c", "ZADD z 1000 one-more")
	if got := encodingOf("z"); got != "skiplist" {
		t.Fatalf("129 members: %s, want skiplist", got)
	}
	if big := n.dbs[0].peek([]byte("z")).value.memoryBytes(); big <= small {
		t.Fatalf("memoryBytes went from %d to %d when converting to a skiplist", small, big)
	}
	do(n, env, "c", "ZREMRANGEBYRANK z 0 100")
	if got := encodingOf("z"); got != "skiplist" {
		t.Fatalf("after deletes: %s, want skiplist (Redis does not convert back)", got)
	}
	do(n, env, "c", "ZADD long 1 "+strings.Repeat("x", 65))
	if got := encodingOf("long"); got != "skiplist" {
		t.Fatalf("65-byte member: %s, want skiplist", got)
	}
	do(n, env, "c", "ZADD edge 1 "+strings.Repeat("x", 64))
	if got := encodingOf("edge"); got != "listpack" {
		t.Fatalf("64-byte member: %s, want listpack", got)
	}
	// A stored result gets the encoding its own size calls for.
	do(n, env, "c", "ZRANGESTORE part z 0 9")
	if got := encodingOf("part"); got != "listpack" {
		t.Fatalf("ZRANGESTORE of 10 members: %s, want listpack", got)
	}
	if got := n.dbs[0].peek([]byte("z")).value.typeName(); got != "zset" {
		t.Fatalf("typeName %q", got)
	}
}

// ZSCAN of a skiplist-encoded set returns every member present throughout,
// with its score, and terminates.
func TestZscanBig(t *testing.T) {
	n, env := startNode(t, Config{})
	const members = 1000
	for i := range members {
		do(n, env, "c", "ZADD z "+itoa(i)+".5 m"+itoa(i))
	}
	seen := map[string]string{}
	cursor := "0"
	for calls := 0; ; calls++ {
		if calls > members {
			t.Fatal("ZSCAN did not terminate")
		}
		n.Receive("c", Command{Args: [][]byte{[]byte("ZSCAN"), []byte("z"), []byte(cursor), []byte("COUNT"), []byte("20")}})
		v := env.replies[len(env.replies)-1].Value
		cursor = string(v.Elems[0].Str)
		elems := v.Elems[1].Elems
		for i := 0; i < len(elems); i += 2 {
			seen[string(elems[i].Str)] = string(elems[i+1].Str)
		}
		if cursor == "0" {
			break
		}
	}
	if len(seen) != members {
		t.Fatalf("ZSCAN saw %d members, want %d", len(seen), members)
	}
	if seen["m7"] != "7.5" {
		t.Fatalf("ZSCAN score of m7 = %q, want 7.5", seen["m7"])
	}
	got := do(n, env, "c", "ZSCAN z 0 MATCH m99* COUNT 10000")
	if want := `["0" ["m99" "99.5"]]`; !strings.HasPrefix(got, `["0" [`) || strings.Count(got, `"m99`) != 11 {
		t.Fatalf("ZSCAN MATCH m99* = %s, want the 11 members m99, m990…m999 (like %s)", got, want)
	}
}

func TestZrandmember(t *testing.T) {
	n, env := startNode(t, Config{})
	for i := range 300 {
		do(n, env, "c", "ZADD z "+itoa(i)+" m"+itoa(i))
	}
	distinct := func(v resp.Value, step int) map[string]bool {
		set := map[string]bool{}
		for i := 0; i < len(v.Elems); i += step {
			set[string(v.Elems[i].Str)] = true
		}
		return set
	}
	for _, count := range []int{1, 5, 99, 100, 101, 250, 299, 300, 1000} {
		n.Receive("c", Command{Args: [][]byte{[]byte("ZRANDMEMBER"), []byte("z"), []byte(itoa(count)), []byte("WITHSCORES")}})
		v := env.replies[len(env.replies)-1].Value
		want := min(count, 300)
		if v.Kind != resp.Pairs || len(v.Elems) != 2*want || len(distinct(v, 2)) != want {
			t.Fatalf("ZRANDMEMBER z %d WITHSCORES: %d elements, %d distinct members, want %d distinct", count, len(v.Elems)/2, len(distinct(v, 2)), want)
		}
		for i := 0; i < len(v.Elems); i += 2 {
			if "m"+resp.FormatDouble17(v.Elems[i+1].Float) != string(v.Elems[i].Str) {
				t.Fatalf("member %s came with score %v", v.Elems[i].Str, v.Elems[i+1].Float)
			}
		}
	}
	n.Receive("c", Command{Args: [][]byte{[]byte("ZRANDMEMBER"), []byte("z"), []byte("-2000")}})
	v := env.replies[len(env.replies)-1].Value
	if len(v.Elems) != 2000 || len(distinct(v, 1)) == 2000 {
		t.Fatalf("ZRANDMEMBER -2000: %d elements, %d distinct; want 2000 with repeats", len(v.Elems), len(distinct(v, 1)))
	}
	// The same seed gives the same picks.
	n2, env2 := startNode(t, Config{})
	n3, env3 := startNode(t, Config{})
	for _, pair := range []struct {
		n   *Node
		env *testEnv
	}{{n2, env2}, {n3, env3}} {
		for i := range 300 {
			do(pair.n, pair.env, "c", "ZADD z "+itoa(i)+" m"+itoa(i))
		}
	}
	if a, b := do(n2, env2, "c", "ZRANDMEMBER z 7"), do(n3, env3, "c", "ZRANDMEMBER z 7"); a != b {
		t.Fatalf("same seed, different picks: %s vs %s", a, b)
	}
}

func TestGlobMatchForZscan(t *testing.T) {
	cases := []struct {
		pattern, s string
		want       bool
	}{
		{"*", "abc", true}, {"a*", "abc", true}, {"a*", "bac", false},
		{"*c", "abc", true}, {"a?c", "abc", true}, {"a?c", "ac", false},
		{"[abc]x", "bx", true}, {"[^abc]x", "bx", false}, {"[^abc]x", "dx", true},
		{"[a-c]", "b", true}, {"[c-a]", "b", true}, {"[a-c]", "d", false},
		{`a\*b`, "a*b", true}, {`a\*b`, "axb", false}, {"m99*", "m995", true},
		{"**a", "bba", true}, {"h[", "h", false}, {"a*b*c", "axxbyyc", true}, {"a*b*c", "axxbyy", false},
	}
	for _, tc := range cases {
		if got := globMatch([]byte(tc.pattern), []byte(tc.s)); got != tc.want {
			t.Errorf("globMatch(%q, %q) = %v, want %v", tc.pattern, tc.s, got, tc.want)
		}
	}
}

func TestZsetWrongTypeAndEmptyKeys(t *testing.T) {
	runScript(t, []step{
		{0, "SET s v", `"OK"`},
		{0, "ZADD s 1 a", "(error) " + errWrongType},
		{0, "ZINCRBY s 1 a", "(error) " + errWrongType},
		{0, "ZRANGEBYSCORE s 0 1", "(error) " + errWrongType},
		{0, "ZPOPMAX s", "(error) " + errWrongType},
		{0, "ZRANDMEMBER s", "(error) " + errWrongType},
		{0, "ZSCAN s 0", "(error) " + errWrongType},
		{0, "ZUNIONSTORE s 1 s", "(error) " + errWrongType},
		{0, "ZADD z 1 a", "(integer) 1"},
		{0, "GET z", "(error) " + errWrongType},
		{0, "ZREM z a", "(integer) 1"},
		{0, "EXISTS z", "(integer) 0"},
		{0, "ZADD z 1 a 2 b", "(integer) 2"},
		{0, "ZPOPMIN z 5", `["a" (double) 1 "b" (double) 2]`},
		{0, "EXISTS z", "(integer) 0"},
		{0, "ZADD z 1 a", "(integer) 1"},
		{0, "EXPIRE z 10", "(integer) 1"},
		{0, "ZADD z 2 b", "(integer) 1"},
		{0, "TTL z", "(integer) 10"}, // changing members keeps the TTL
		{0, "ZUNIONSTORE z 1 z", "(integer) 2"},
		{0, "TTL z", "(integer) -1"}, // a stored result replaces the key
	})
}

// Every sorted-set write replays from the AOF to the same state, in the
// simulator with a crash.
func TestSimZsetAOFRoundTrip(t *testing.T) {
	h := newSimHarness(t, 21, Config{AppendOnly: true, AppendFsync: FsyncAlways}, realDisk)
	for _, line := range []string{
		"ZADD z 1 a 2 b 3 c 4 d 5 e 6 f",
		"ZADD z XX CH INCR 0.5 a",
		"ZADD z GT 10 b 0 c",
		"ZINCRBY z 1.1 new",
		"ZREM z d nope",
		"ZPOPMIN z",
		"ZPOPMAX z 2",
		"ZADD src 1 x 2 y 3 z 0 l1 0 l2 0 l3",
		"ZRANGESTORE copy src 1 3",
		"ZREMRANGEBYRANK src 0 0",
		"ZREMRANGEBYSCORE src (2 3",
		"ZREMRANGEBYLEX src [l2 [l3",
		"ZUNIONSTORE u 2 z src WEIGHTS 2 3 AGGREGATE MAX",
		"ZINTERSTORE i 2 z u",
		"ZDIFFSTORE d 2 z src",
		"ZADD gone 1 x",
		"ZPOPMIN gone",
		"ZADD big 0 seed",
	} {
		if got := h.do(line); strings.HasPrefix(got, "(error)") {
			t.Fatalf("%s: %s", line, got)
		}
	}
	for i := range 200 {
		h.do("ZADD big " + itoa(i%17) + " m" + itoa(i))
	}
	checks := []string{
		"ZRANGE z 0 -1 WITHSCORES", "ZRANGE src 0 -1 WITHSCORES", "ZRANGE copy 0 -1 WITHSCORES",
		"ZRANGE u 0 -1 WITHSCORES", "ZRANGE i 0 -1 WITHSCORES", "ZRANGE d 0 -1 WITHSCORES",
		"EXISTS gone", "ZRANGE big 0 -1 WITHSCORES", "DBSIZE",
	}
	before := make([]string, len(checks))
	for i, line := range checks {
		before[i] = h.do(line)
	}
	h.w.Crash(cacheID)
	h.restart()
	for i, line := range checks {
		if got := h.do(line); got != before[i] {
			t.Fatalf("after replay %s = %s, want %s", line, got, before[i])
		}
	}
	aof, _ := h.w.Disk(cacheID).ReadFile(aofPath(persist.IncrName(1)))
	if !strings.Contains(string(aof), "ZPOPMAX\r\n$1\r\nz\r\n$1\r\n2") {
		t.Fatal("ZPOPMAX z 2 was not logged as ZPOPMAX with its count")
	}
}

func TestSimZsetDeterministic(t *testing.T) {
	sameSeedTwice(t, 99, func(h *simHarness) string {
		var replies strings.Builder
		for i := range 300 {
			replies.WriteString(h.do("ZADD z " + itoa(i*7%101) + " m" + itoa(i)))
			replies.WriteString(h.do("ZRANDMEMBER z 3 WITHSCORES"))
			if i%10 == 0 {
				replies.WriteString(h.do("ZSCAN z 0 COUNT 5"))
				replies.WriteString(h.do("ZPOPMIN z"))
			}
		}
		return replies.String()
	})
}

// Sorted-set speed on one key of zsetBenchMembers members (skiplist
// encoding). Run with
//
//	go test -run=^$ -bench=NodeZ -benchmem ./engines/cache
const zsetBenchMembers = 100_000

func benchZset(b *testing.B) (*Node, *testEnv, [][]byte) {
	n, env := startNode(b, Config{})
	env.discardReplies = true
	members := make([][]byte, zsetBenchMembers)
	for i := range members {
		members[i] = []byte("member:" + strconv.Itoa(i))
		n.Receive("bench", Command{Args: [][]byte{[]byte("ZADD"), []byte("z"), []byte(strconv.Itoa(i)), members[i]}})
	}
	return n, env, members
}

func benchCommands(b *testing.B, n *Node, env *testEnv, commands []Command) {
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		n.Receive("bench", commands[i%len(commands)])
	}
	b.StopTimer()
	if env.lastReply.Value.IsError() {
		b.Fatalf("%s answered %v", commands[0].Args[0], env.lastReply.Value)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}

func BenchmarkNodeZadd(b *testing.B) {
	n, env, members := benchZset(b)
	rng := rand.New(rand.NewPCG(1, 1))
	commands := make([]Command, len(members))
	for i := range commands {
		commands[i] = Command{Args: [][]byte{[]byte("ZADD"), []byte("z"), []byte(strconv.Itoa(rng.IntN(1_000_000))), members[i]}}
	}
	benchCommands(b, n, env, commands)
}

func BenchmarkNodeZscore(b *testing.B) {
	n, env, members := benchZset(b)
	commands := make([]Command, len(members))
	for i := range commands {
		commands[i] = Command{Args: [][]byte{[]byte("ZSCORE"), []byte("z"), members[i]}}
	}
	benchCommands(b, n, env, commands)
}

func BenchmarkNodeZrank(b *testing.B) {
	n, env, members := benchZset(b)
	commands := make([]Command, len(members))
	for i := range commands {
		commands[i] = Command{Args: [][]byte{[]byte("ZRANK"), []byte("z"), members[i]}}
	}
	benchCommands(b, n, env, commands)
}

// ZRANGEBYSCORE of 10 members with scores: the leaderboard read.
func BenchmarkNodeZrangebyscore(b *testing.B) {
	n, env, _ := benchZset(b)
	commands := make([]Command, 1000)
	for i := range commands {
		lo := strconv.Itoa(i * 97)
		commands[i] = Command{Args: [][]byte{[]byte("ZRANGEBYSCORE"), []byte("z"), []byte(lo), []byte("+inf"), []byte("WITHSCORES"), []byte("LIMIT"), []byte("0"), []byte("10")}}
	}
	benchCommands(b, n, env, commands)
}
