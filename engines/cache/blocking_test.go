package cache

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"syslab/engines/cache/persist"
	"syslab/engines/cache/resp"
	"syslab/node"
	"syslab/sim"
)

// blockingBench drives a node by hand with several clients. The testEnv
// does not record a reply's recipient, so each client numbers its
// commands from its own base (client index × 1000): the Seq says who.
type blockingBench struct {
	t    *testing.T
	n    *Node
	env  *testEnv
	next map[node.ID]uint64
	base map[node.ID]uint64
}

func newBlockingBench(t *testing.T, clients ...node.ID) *blockingBench {
	n, env := startNode(t, Config{EnableDebugCommand: ProtectedYes})
	b := &blockingBench{t: t, n: n, env: env, next: map[node.ID]uint64{}, base: map[node.ID]uint64{}}
	for i, c := range clients {
		b.base[c] = uint64(i+1) * 1000
		b.next[c] = b.base[c]
	}
	return b
}

// send delivers a command and returns its Seq.
func (b *blockingBench) send(client node.ID, line string) uint64 {
	b.t.Helper()
	args, ok := resp.SplitArgs([]byte(line))
	if !ok {
		b.t.Fatalf("bad command %q", line)
	}
	b.next[client]++
	b.n.Receive(client, Command{Seq: b.next[client], Args: args})
	return b.next[client]
}

// replies returns and forgets the replies sent so far, as "seq reply".
func (b *blockingBench) replies() []string {
	var out []string
	for _, r := range b.env.replies {
		out = append(out, strconv.FormatUint(r.Seq, 10)+" "+r.Value.String())
	}
	b.env.replies = nil
	return out
}

func (b *blockingBench) expect(want ...string) {
	b.t.Helper()
	got := b.replies()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		b.t.Fatalf("replies:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// Waiters on a key are served in the order they blocked, one element
// each, after the push that made the key ready has been answered.
func TestBlockingServesWaitersInOrder(t *testing.T) {
	b := newBlockingBench(t, "a", "b", "c", "d")
	b.send("a", "BLPOP k 0")
	b.send("b", "BLPOP k other 0")
	b.send("c", "BRPOP k 0")
	b.expect()
	if b.n.BlockedClients() != 3 {
		t.Fatalf("BlockedClients = %d, want 3", b.n.BlockedClients())
	}
	b.send("d", "RPUSH k x y")
	b.expect(`4001 (integer) 2`, `1001 ["k" "x"]`, `2001 ["k" "y"]`)
	b.send("d", "EXISTS k")
	b.expect(`4002 (integer) 0`)
	b.send("d", "RPUSH other z") // b no longer waits on other
	b.expect(`4003 (integer) 1`)
	b.send("d", "LPUSH k 1 2 3")
	b.expect(`4004 (integer) 3`, `3001 ["k" "1"]`)
	b.send("d", "LRANGE k 0 -1")
	b.expect(`4005 ["3" "2"]`)
	if b.n.BlockedClients() != 0 || len(b.n.blocking.waiting) != 0 {
		t.Fatalf("bookkeeping left: %d blocked, %d keys waited on", b.n.BlockedClients(), len(b.n.blocking.waiting))
	}
}

// SWAPDB brings a list into the database a client waits on: it is served,
// as in Redis's unit/type/list "SWAPDB awakes blocked client".
func TestBlockingSwapDBServesWaiter(t *testing.T) {
	b := newBlockingBench(t, "a", "d")
	b.send("d", "SELECT 1")
	b.send("d", "RPUSH k hello")
	b.send("d", "RPUSH other x")
	b.expect(`2001 "OK"`, `2002 (integer) 1`, `2003 (integer) 1`)
	b.send("a", "BRPOP nothere k 0")
	b.expect()
	b.send("d", "SWAPDB 1 0")
	b.expect(`2004 "OK"`, `1001 ["k" "hello"]`)
	b.send("d", "EXISTS k")
	b.expect(`2005 (integer) 0`)
}

// Redis's unit/type/list "BRPOPLPUSH with multiple blocked clients": the
// first waiter's destination has the wrong type, so it gets WRONGTYPE and
// the element goes on to the next waiter. (Against the live server this
// test depends on the order two connections' commands reach the node.)
func TestBlockingWrongTypeDestinationPassesElementOn(t *testing.T) {
	b := newBlockingBench(t, "a", "b", "d")
	b.send("d", "SET target1 nolist")
	b.expect(`3001 "OK"`)
	b.send("a", "BRPOPLPUSH blist target1 0")
	b.send("b", "BRPOPLPUSH blist target2 0")
	b.send("d", "LPUSH blist foo")
	b.expect(`3002 (integer) 1`, `1001 (error) WRONGTYPE Operation against a key holding the wrong kind of value`, `2001 "foo"`)
	b.send("d", "LRANGE target2 0 -1")
	b.expect(`3003 ["foo"]`)
}

func TestBlockingTimeout(t *testing.T) {
	b := newBlockingBench(t, "a", "d")
	b.send("a", "BLPOP k 1.5")
	b.env.Advance(1499 * time.Millisecond)
	b.expect()
	b.env.Advance(time.Millisecond)
	got := b.env.replies
	if len(got) != 1 || got[0].Seq != 1001 || got[0].Value.Kind != resp.NullArray {
		t.Fatalf("after the timeout got %v, want one null array for 1001", got)
	}
	b.env.replies = nil
	b.send("d", "RPUSH k x")
	b.send("d", "LLEN k")
	b.expect(`2001 (integer) 1`, `2002 (integer) 1`) // nobody took it
	// Served before the timeout: the timer must not answer again.
	b.send("a", "BLMOVE k2 dst LEFT LEFT 0.5")
	b.send("d", "RPUSH k2 v")
	b.expect(`2003 (integer) 1`, `1002 "v"`)
	b.env.Advance(time.Second)
	b.expect()
	// 0 waits forever.
	b.send("a", "BRPOPLPUSH k3 dst 0")
	b.env.Advance(24 * time.Hour)
	b.expect()
}

func TestBlockingDisconnectForgetsWaiter(t *testing.T) {
	b := newBlockingBench(t, "a", "b", "d")
	b.send("a", "BLPOP k 0")
	b.send("a", "PING") // queued behind it
	b.send("b", "BLPOP k 0")
	b.n.Receive("a", Disconnected{})
	b.send("d", "RPUSH k x y")
	b.expect(`3001 (integer) 2`, `2001 ["k" "x"]`)
	b.send("d", "LLEN k")
	b.expect(`3002 (integer) 1`)
	if len(b.n.blocking.queued) != 0 || b.n.BlockedClients() != 0 {
		t.Fatal("a disconnected client left state behind")
	}
}

// Commands a blocked client pipelined run after its blocked command, in
// order, with ready keys served between them.
func TestBlockingQueuesLaterCommands(t *testing.T) {
	b := newBlockingBench(t, "a", "b", "d")
	b.send("a", "BLPOP k 0")
	b.send("a", "RPUSH j mine")
	b.send("a", "LLEN j")
	b.send("b", "BLPOP j 0")
	b.expect()
	b.send("d", "LPUSH k x")
	b.expect(`3001 (integer) 1`, `1001 ["k" "x"]`, `1002 (integer) 1`, `2001 ["j" "mine"]`, `1003 (integer) 0`)
	// Two pipelined blocking pops: the second runs once the first is
	// served and finds the rest at once.
	b.send("a", "BLPOP q 0")
	b.send("a", "BLPOP q 0")
	b.send("a", "BLPOP q 0")
	b.send("d", "RPUSH q 1 2")
	b.expect(`3002 (integer) 2`, `1004 ["q" "1"]`, `1005 ["q" "2"]`)
	b.send("a", "PING")
	b.expect() // still behind the third BLPOP
	b.env.Advance(time.Hour)
	b.send("d", "RPUSH q 3")
	b.expect(`3003 (integer) 1`, `1006 ["q" "3"]`, `1007 "PONG"`)
}

func TestBlockingQueueIsBounded(t *testing.T) {
	b := newBlockingBench(t, "a")
	b.send("a", "BLPOP k 0")
	for range queuedCommandsMax + 1 {
		b.send("a", "PING")
	}
	got := b.env.replies
	if len(got) != queuedCommandsMax+2 {
		t.Fatalf("got %d replies, want %d", len(got), queuedCommandsMax+2)
	}
	if got[0].Seq != 1001 || !strings.Contains(got[0].Value.String(), "commands pipelined behind a blocked command") {
		t.Fatalf("first reply %d %s, want the cancelled BLPOP", got[0].Seq, got[0].Value)
	}
	for i, r := range got[1:] {
		if r.Seq != uint64(1002+i) || r.Value.String() != `"PONG"` {
			t.Fatalf("reply %d: %d %s, want %d PONG", i+1, r.Seq, r.Value, 1002+i)
		}
	}
}

func TestBlockingMoveChainsAndTypes(t *testing.T) {
	b := newBlockingBench(t, "a", "b", "c", "d")
	b.send("a", "BLMOVE src mid RIGHT LEFT 0")
	b.send("b", "BRPOPLPUSH mid dst 0")
	b.send("c", "BLMPOP 0 2 none dst LEFT COUNT 5")
	b.send("d", "RPUSH src x")
	// src → mid (a), mid → dst (b), dst popped by c.
	b.expect(`4001 (integer) 1`, `1001 "x"`, `2001 "x"`, `3001 ["dst" ["x"]]`)
	b.send("d", "DBSIZE")
	b.expect(`4002 (integer) 0`)
	// A destination of another type, found when serving: WRONGTYPE, and
	// the element stays where it was (Redis 7.0).
	b.send("d", "SET str v")
	b.send("a", "BLMOVE s2 str LEFT LEFT 0")
	b.send("d", "RPUSH s2 y")
	b.expect(`4003 "OK"`, `4004 (integer) 1`, "1002 (error) "+errWrongType)
	b.send("d", "LLEN s2")
	b.expect(`4005 (integer) 1`)
	// A waited key set to another type keeps its waiters waiting.
	b.send("a", "BLPOP w 0")
	b.send("d", "SET w v")
	b.send("d", "DEL w")
	b.send("d", "RPUSH w z")
	b.expect(`4006 "OK"`, `4007 (integer) 1`, `4008 (integer) 1`, `1003 ["w" "z"]`)
}

func TestBlockingIsPerDatabase(t *testing.T) {
	b := newBlockingBench(t, "a", "d")
	b.send("a", "SELECT 1")
	b.send("a", "BLPOP k 0")
	b.send("d", "RPUSH k in-db-0")
	b.expect(`1001 "OK"`, `2001 (integer) 1`)
	b.send("d", "SELECT 1")
	b.send("d", "RPUSH k in-db-1")
	b.expect(`2002 "OK"`, `2003 (integer) 1`, `1002 ["k" "in-db-1"]`)
}

func TestParseTimeout(t *testing.T) {
	cases := []struct {
		arg    string
		millis int64
		err    string
	}{
		{"0", 0, ""}, {"-0", 0, ""}, {"1", 1000, ""}, {"1.5", 1500, ""}, {"+0.01", 10, ""}, {"1e-2", 10, ""},
		{"0.0001", 1, ""}, {".5", 500, ""}, {"0x10", 16000, ""},
		{"-1", 0, errTimeoutNegative}, {"-0.5", 0, errTimeoutNegative}, {"inf", 0, errTimeoutNegative},
		{"1e400", 0, errTimeoutNegative}, {"9999999999999999", 0, errTimeoutNegative},
		{"abc", 0, errTimeoutNotFloat}, {"nan", 0, errTimeoutNotFloat}, {" 1", 0, errTimeoutNotFloat},
		{"1 ", 0, errTimeoutNotFloat}, {"", 0, errTimeoutNotFloat}, {"1_0", 0, errTimeoutNotFloat},
	}
	for _, tc := range cases {
		ms, errReply, ok := parseTimeout([]byte(tc.arg))
		switch {
		case tc.err != "" && (ok || string(errReply.Str) != tc.err):
			t.Errorf("parseTimeout(%q) = %d %v, want error %q", tc.arg, ms, errReply, tc.err)
		case tc.err == "" && (!ok || ms != tc.millis):
			t.Errorf("parseTimeout(%q) = %d %v, want %d ms", tc.arg, ms, errReply, tc.millis)
		}
	}
}

// The simulator: several clients over a network of constant 1 ms
// latency, virtual time.

var oneMillisecondLinks = sim.Latency{Kind: "constant", Mean: time.Millisecond}

func TestSimBlockingTwoClients(t *testing.T) {
	s := newSimClients(t, 21, Config{}, realDisk, oneMillisecondLinks, "consumer", "producer", "late")
	pop := s.sendFrom("consumer", "BLPOP jobs 0")
	second := s.sendFrom("late", "BLPOP jobs 0")
	s.runFor(500 * time.Millisecond)
	if _, ok := s.reply("consumer", pop); ok {
		t.Fatal("BLPOP answered before anything was pushed")
	}
	push := s.sendFrom("producer", "RPUSH jobs j1")
	s.runFor(10 * time.Millisecond)
	if got, _ := s.reply("producer", push); got != "(integer) 1" {
		t.Fatalf("RPUSH = %s", got)
	}
	if got, _ := s.reply("consumer", pop); got != `["jobs" "j1"]` {
		t.Fatalf("first waiter got %s, want j1", got)
	}
	if _, ok := s.reply("late", second); ok {
		t.Fatal("the second waiter was served with nothing left")
	}
	// The timeout path, in virtual time.
	timed := s.sendFrom("producer", "BRPOP empty 2")
	s.runFor(1990 * time.Millisecond)
	if _, ok := s.reply("producer", timed); ok {
		t.Fatal("BRPOP timed out early")
	}
	s.runFor(20 * time.Millisecond)
	if got, ok := s.reply("producer", timed); !ok || got != "(nil)" {
		t.Fatalf("BRPOP after its timeout = %s (answered %v), want (nil)", got, ok)
	}
	// A disconnect forgets the second waiter: the next push stays.
	s.w.Send("late", cacheID, Disconnected{})
	s.runFor(5 * time.Millisecond)
	s.sendFrom("producer", "RPUSH jobs j2")
	llen := s.sendFrom("producer", "LLEN jobs")
	s.runFor(10 * time.Millisecond)
	if got, _ := s.reply("producer", llen); got != "(integer) 1" {
		t.Fatalf("LLEN after the waiter disconnected = %s, want 1", got)
	}
}

// Served blocking pops reach the AOF as their non-blocking twins, so a
// restart rebuilds the same lists.
func TestSimBlockingAOFRoundTrip(t *testing.T) {
	s := newSimClients(t, 22, Config{AppendOnly: true, AppendFsync: FsyncAlways}, realDisk, oneMillisecondLinks, "a", "b", "p")
	s.sendFrom("a", "BLPOP q 0")
	s.sendFrom("b", "BLMOVE src dst LEFT RIGHT 0")
	s.sendFrom("a", "BLMPOP 0 1 m RIGHT COUNT 2") // queued behind a's BLPOP
	s.runFor(10 * time.Millisecond)
	for _, line := range []string{"RPUSH q 1 2 3", "RPUSH src x y", "RPUSH m a b c", "LPUSH l a b c d", "LREM l 1 b", "LTRIM l 0 1", "LSET l 0 z", "LINSERT l AFTER z n", "LPOP l"} {
		s.sendFrom("p", line)
		s.runFor(10 * time.Millisecond)
	}
	want := listsSnapshot(t, s)
	t.Logf("before the crash: %s", want)
	aof, _ := s.w.Disk(cacheID).ReadFile(aofPath(persist.IncrName(1)))
	for _, blockingName := range []string{"BLPOP", "BLMOVE", "BLMPOP"} {
		if strings.Contains(string(aof), blockingName) {
			t.Fatalf("the AOF holds %s; replay must never block:\n%q", blockingName, aof)
		}
	}
	s.w.Crash(cacheID)
	s.w.Restart(cacheID)
	s.runFor(time.Millisecond)
	if got := listsSnapshot(t, s); got != want {
		t.Fatalf("after restart:\n%s\nwant:\n%s", got, want)
	}
}

// listsSnapshot renders every list the AOF test touches.
func listsSnapshot(t *testing.T, s *simHarness) string {
	var out []string
	for _, key := range []string{"q", "src", "dst", "m", "l"} {
		seq := s.sendFrom("a", "LRANGE "+key+" 0 -1")
		s.runFor(5 * time.Millisecond)
		got, ok := s.reply("a", seq)
		if !ok {
			t.Fatalf("LRANGE %s: no reply", key)
		}
		out = append(out, key+"="+got)
	}
	return strings.Join(out, " ")
}

// Same seed, same interleaving of blocked clients, same AOF bytes.
func TestSimBlockingDeterministic(t *testing.T) {
	run := func() string {
		s := newSimClients(t, 23, Config{AppendOnly: true, AppendFsync: FsyncEverysec}, realDisk, oneMillisecondLinks, "c1", "c2", "c3", "p")
		for i := range 200 {
			client := []node.ID{"c1", "c2", "c3"}[i%3]
			s.sendFrom(client, "BLMPOP 0.05 2 k"+itoa(i%4)+" k"+itoa((i+1)%4)+" LEFT COUNT 2")
			if i%2 == 0 {
				s.sendFrom("p", "RPUSH k"+itoa(i%4)+" v"+itoa(i)+" w"+itoa(i))
			}
			s.runFor(3 * time.Millisecond)
		}
		s.runFor(2 * time.Second)
		aof, _ := s.w.Disk(cacheID).ReadFile(aofPath(persist.IncrName(1)))
		return string(aof)
	}
	if a, b := run(), run(); a != b || !strings.Contains(a, "LPOP") {
		t.Fatal("two runs with the same seed wrote different AOFs (or served nothing)")
	}
}

// A client served while blocked gets the invalidation its own move causes
// after its reply, as Redis 7.0 sends it (tracking.tcl "Unblocked BLMOVE
// gets notification after response").
func TestUnblockedClientInvalidationFollowsReply(t *testing.T) {
	w := newNodeWorld(t)
	var last map[string]string
	for _, s := range parseScript(
		"b: RPUSH list2 a",
		"a: HELLO 3",
		"a: CLIENT TRACKING ON",
		"a: LRANGE list2 0 -1",
		"a: BLMOVE list1 list2 LEFT LEFT 0",
		"b: RPUSH list1 foo",
	) {
		last = w.run(s.client, scriptArgs(w, s.command))
	}
	if want := "$3\r\nfoo\r\n>2\r\n$10\r\ninvalidate\r\n*1\r\n$5\r\nlist2\r\n"; last["a"] != want {
		t.Fatalf("the served client received %q, want its reply, then the invalidation: %q", last["a"], want)
	}
}

// A transaction that pushes to a waited-on key, gives it a short TTL and
// then sleeps (DEBUG SLEEP) leaves the waiter blocked: Redis serves
// waiters after the transaction, when the sleep has outlasted the TTL.
func TestBlockingWaiterNotServedAnExpiredKeyAfterSleepInExec(t *testing.T) {
	b := newBlockingBench(t, "waiter", "c")
	b.send("c", "DEBUG SET-ACTIVE-EXPIRE 0")
	b.send("waiter", "BRPOP k 0")
	for _, line := range []string{"MULTI", "RPUSH k hello", "PEXPIRE k 100", "DEBUG SLEEP 0.2", "EXEC"} {
		b.send("c", line)
	}
	b.expect("2001 \"OK\"", "2002 \"OK\"", "2003 \"QUEUED\"", "2004 \"QUEUED\"", "2005 \"QUEUED\"",
		"2006 [(integer) 1 (integer) 1 \"OK\"]")
	b.env.Advance(300 * time.Millisecond)
	b.send("c", "CLIENT UNBLOCK 2") // the waiter, second to connect
	b.expect("1001 (nil)", "2007 (integer) 1")
}

// As Redis 7.0: a blocked command counts as a call when it blocks, but
// its SLOWLOG entry and latency histogram wait until it is answered (with
// the serving's time added); a timeout adds nothing; an UNBLOCKED error
// is a failed call, logged too.
func TestBlockedCommandStatisticsWhenAnswered(t *testing.T) {
	b := newBlockingBench(t, "waiter", "c")
	b.send("c", "CONFIG SET slowlog-log-slower-than 0")
	b.send("waiter", "BLPOP l 0")
	b.send("c", "SLOWLOG RESET")
	slowlogHasBlpop := func() bool {
		b.t.Helper()
		b.send("c", "SLOWLOG GET 100")
		return strings.Contains(b.env.replies[len(b.env.replies)-1].Value.String(), `"BLPOP"`)
	}
	infoLine := func(name string) string {
		b.send("c", "INFO commandstats latencystats")
		for _, line := range strings.Split(string(b.env.replies[len(b.env.replies)-1].Value.Str), "\r\n") {
			if strings.HasPrefix(line, name+":") {
				return line
			}
		}
		return ""
	}
	if slowlogHasBlpop() {
		t.Fatal("SLOWLOG holds the BLPOP while it is still blocked")
	}
	if got := infoLine("cmdstat_blpop"); !strings.Contains(got, "calls=1,") {
		t.Fatalf("while blocked: %q, want calls=1", got)
	}
	if got := infoLine("latency_percentiles_usec_blpop"); got != "" {
		t.Fatalf("while blocked the latency histogram has %q, want nothing yet", got)
	}
	b.send("c", "RPUSH l x")
	if !slowlogHasBlpop() {
		t.Fatal("SLOWLOG lacks the BLPOP once it was served")
	}
	if got := infoLine("latency_percentiles_usec_blpop"); got == "" {
		t.Fatal("the served BLPOP is not in the latency histogram")
	}

	b.send("c", "SLOWLOG RESET")
	b.send("waiter", "BLPOP l 0.1")
	b.env.Advance(200 * time.Millisecond)
	if slowlogHasBlpop() {
		t.Fatal("a BLPOP that timed out was logged")
	}
	b.send("waiter", "BLPOP l 0")
	b.send("c", "CLIENT UNBLOCK 2 ERROR") // the waiter, second to send a command
	if got := infoLine("cmdstat_blpop"); !strings.Contains(got, "calls=3,") || !strings.Contains(got, "failed_calls=1") {
		t.Fatalf("after CLIENT UNBLOCK ERROR: %q, want calls=3 and failed_calls=1", got)
	}
	if !slowlogHasBlpop() {
		t.Fatal("SLOWLOG lacks the BLPOP answered UNBLOCKED")
	}
}
