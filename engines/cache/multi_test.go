package cache

import (
	"strings"
	"testing"
	"time"

	"syslab/engines/cache/persist"
	"syslab/node"
)

func TestTransactionsAgreeWithRedis(t *testing.T) {
	compareWithRedis(t, []string{
		"EXEC", "DISCARD", "UNWATCH",
		"MULTI", "MULTI", "SET a 1", "EXEC",
		"MULTI", "WATCH a", "SET a 2", "EXEC", "GET a",
		"MULTI", "FOO", "SET a", "SET a 3", "EXEC", "GET a",
		"MULTI", "SET a 3", "INCR a", "GETRANGE a x 1", "GET a", "EXEC",
		"MULTI", "EXEC",
		"MULTI", "SELECT 1", "SET z 1", "EXEC", "GET z", "SELECT 0", "GET z",
		"MULTI", "SET a 1 EX 0", "GET a", "EXEC",
		"MULTI", "DISCARD", "EXEC",
		"WATCH a", "SET a 5", "MULTI", "GET a", "EXEC", // our own write after WATCH aborts too
		"WATCH a b", "MULTI", "GET a", "EXEC",
		"WATCH a", "UNWATCH", "SET a 6", "MULTI", "GET a", "EXEC",
		"WATCH nokey", "MULTI", "SET nokey 1", "EXEC", "GET nokey",
	})
}

func TestWatchSeesOtherClientsAndExpiry(t *testing.T) {
	n, env := startNode(t, Config{})
	expect := func(client, line, want string) {
		t.Helper()
		if got := do(n, env, nodeIDOf(client), line); got != want {
			t.Fatalf("%s: %s = %s, want %s", client, line, got, want)
		}
	}
	expect("a", "SET k 1", `"OK"`)
	expect("a", "WATCH k", `"OK"`)
	expect("b", "SET k 2", `"OK"`)
	expect("a", "MULTI", `"OK"`)
	expect("a", "SET k 3", `"QUEUED"`)
	expect("a", "EXEC", "(nil)")
	expect("a", "GET k", `"2"`)

	// A write in another database does not touch the watch.
	expect("a", "WATCH k", `"OK"`)
	expect("b", "SELECT 1", `"OK"`)
	expect("b", "SET k other-db", `"OK"`)
	expect("a", "MULTI", `"OK"`)
	expect("a", "INCR k", `"QUEUED"`)
	expect("a", "EXEC", "[(integer) 3]")

	// Expiry of a watched key, even unobserved, aborts.
	expect("a", "SET t v PX 100", `"OK"`)
	expect("a", "WATCH t", `"OK"`)
	env.now = env.now.Add(200 * time.Millisecond)
	expect("a", "MULTI", `"OK"`)
	expect("a", "PING", `"QUEUED"`)
	expect("a", "EXEC", "(nil)")

	// FLUSHALL by anyone aborts.
	expect("a", "WATCH k", `"OK"`)
	expect("b", "FLUSHALL", `"OK"`)
	expect("a", "MULTI", `"OK"`)
	expect("a", "EXEC", "(nil)")

	// A disconnected client's watches are gone.
	expect("c", "WATCH k", `"OK"`)
	n.Receive("c", Disconnected{})
	if len(n.watchers) != 0 {
		t.Fatalf("watchers left after disconnect: %v", n.watchers)
	}
	if _, ok := n.sessions["c"]; ok {
		t.Fatal("the disconnected client's session is still there")
	}
}

// Stale keys (expired but not yet deleted) under WATCH, flushes and
// SWAPDB that touch only the watched keys that exist, SMOVE that leaves
// its destination as it was: the cases of Redis
// 7.0's unit/multi ("Delete WATCHed stale keys should not fail EXEC",
// "FLUSHDB does not touch non affected keys", "SWAPDB does not touch
// watched stale keys", …), on virtual time instead of sleeps.
func TestWatchSeesOnlyRealChangesAsRedis(t *testing.T) {
	cases := []struct {
		name  string
		setup []string // run by client a, then 2ms pass
		watch []string // run by client a after the 2ms
		ok    bool     // EXEC succeeds
	}{
		{"stale key deleted by lazy expiry", []string{"SET x foo PX 1"}, []string{"WATCH x", "EXISTS x"}, true},
		{"stale key deleted by DEL", []string{"SET x foo PX 1"}, []string{"WATCH x", "DEL x"}, true},
		{"stale key overwritten", []string{"SET x foo PX 1"}, []string{"WATCH x", "SET x bar"}, false},
		{"FLUSHDB with a stale key", []string{"SET x foo PX 1"}, []string{"WATCH x", "FLUSHDB"}, true},
		{"FLUSHALL with a missing key", nil, []string{"WATCH x", "FLUSHALL"}, true},
		{"FLUSHDB with a missing key", nil, []string{"WATCH x", "FLUSHDB"}, true},
		{"FLUSHDB with a live key", []string{"SET x 30"}, []string{"WATCH x", "FLUSHDB"}, false},
		{"FLUSHDB of another database", []string{"SET x 30"}, []string{"WATCH x", "SELECT 1", "FLUSHDB", "SELECT 0"}, true},
		{"SWAPDB stale key with no key", []string{"SET x foo PX 1"}, []string{"WATCH x", "SWAPDB 0 1"}, true},
		{"SWAPDB no key with stale key", []string{"SELECT 1", "SET x foo PX 1", "SELECT 0"}, []string{"WATCH x", "SWAPDB 0 1"}, true},
		{"SWAPDB stale key with stale key", []string{"SET x foo PX 1", "SELECT 1", "SET x bar PX 1", "SELECT 0"},
			[]string{"WATCH x", "SWAPDB 0 1"}, true},
		{"SWAPDB live key with no key", []string{"SET x 30"}, []string{"WATCH x", "SWAPDB 0 1"}, false},
		{"SWAPDB no key with live key", []string{"SELECT 1", "SET x 30", "SELECT 0"}, []string{"WATCH x", "SWAPDB 0 1"}, false},
		// unit/type/set "SMOVE only notify dstset when the addition is successful".
		{"SMOVE into a set holding the member", []string{"SADD src a b", "SADD dst a"}, []string{"WATCH dst", "SMOVE src dst a"}, true},
		{"SMOVE of a new member", []string{"SADD src a b", "SADD dst a"}, []string{"WATCH dst", "SMOVE src dst b"}, false},
		{"SMOVE out of the source", []string{"SADD src a b", "SADD dst a"}, []string{"WATCH src", "SMOVE src dst a"}, false},
		{"SWAPDB stale key with live key", []string{"SET x foo PX 1", "SELECT 1", "SET x 30", "SELECT 0"},
			[]string{"WATCH x", "SWAPDB 0 1"}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n, env := startNode(t, Config{})
			for _, line := range append([]string{"DEBUG SET-ACTIVE-EXPIRE 0"}, tc.setup...) {
				do(n, env, "a", line)
			}
			env.now = env.now.Add(2 * time.Millisecond)
			for _, line := range tc.watch {
				do(n, env, "a", line)
			}
			do(n, env, "a", "MULTI")
			do(n, env, "a", "PING")
			got := do(n, env, "a", "EXEC")
			if want := map[bool]string{true: `["PONG"]`, false: "(nil)"}[tc.ok]; got != want {
				t.Fatalf("EXEC = %s, want %s", got, want)
			}
		})
	}
}

func nodeIDOf(name string) node.ID { return node.ID(name) }

// The AOF holds a transaction's writes between MULTI and EXEC; reads and
// failed commands add nothing, and a tail cut inside a transaction is
// dropped whole on restart.
func TestSimTransactionInAOF(t *testing.T) {
	h := newSimHarness(t, 23, Config{AppendOnly: true, AppendFsync: FsyncAlways}, realDisk)
	for _, line := range []string{"MULTI", "SET a 1", "GET a", "SELECT 2", "SET b 2 EX 100", "SELECT 0", "EXEC"} {
		h.do(line)
	}
	for _, line := range []string{"MULTI", "GET a", "EXEC"} { // read-only: nothing logged
		h.do(line)
	}
	aof, _ := h.w.Disk(cacheID).ReadFile(aofPath(persist.IncrName(1)))
	text := strings.ReplaceAll(string(aof), "\r\n", " ")
	if strings.Count(text, "MULTI") != 1 || strings.Count(text, "EXEC") != 1 ||
		strings.Index(text, "MULTI") > strings.Index(text, "SET") || strings.Index(text, "EXEC") < strings.LastIndex(text, "PXAT") {
		t.Fatalf("AOF does not wrap the transaction: %q", text)
	}
	// A crash that kept only the start of the next transaction.
	f, _ := h.w.Disk(cacheID).Open(aofPath(persist.IncrName(1)))
	f.Write([]byte("*1\r\n$5\r\nMULTI\r\n*3\r\n$3\r\nSET\r\n$1\r\nc\r\n$1\r\n3\r\n"))
	f.Sync()
	h.restart()
	h.expect("GET a", `"1"`)
	h.expect("GET c", "(nil)")
	h.expect("SELECT 2", `"OK"`)
	h.expect("TTL b", "(integer) 100")
	if n := h.w.Handler(cacheID).(*Node); n.Stats().AOFTruncated == 0 {
		t.Fatal("the unfinished transaction was not cut away")
	}
}

// A blocking pop inside a transaction cannot wait: it answers null at once.
func TestBlockingPopInsideExecDoesNotBlock(t *testing.T) {
	n, env := startNode(t, Config{})
	do(n, env, "a", "MULTI")
	do(n, env, "a", "BLPOP nothing 0")
	if got := do(n, env, "a", "EXEC"); got != "[(nil)]" {
		t.Fatalf("EXEC with BLPOP on an empty list = %s, want one null", got)
	}
}
