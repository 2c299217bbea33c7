package cache

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"syslab/engines/cache/resp"
)

// Replies that do not depend on order, time or randomness, compared with a
// real redis-server 7.
func TestKeyspaceCommandsAgreeWithRedis(t *testing.T) {
	compareWithRedis(t, []string{
		"SET a 1", "SET b hello", "TYPE a", "TYPE nokey",
		"RENAME nokey x", "RENAMENX nokey x", "RENAME a a", "RENAMENX a a", "RENAME a a2", "GET a2", "EXISTS a",
		"RENAMENX a2 b", "RENAMENX a2 c", "GET c", "RENAME c b", "GET b",
		"SET t v EX 100", "RENAME t t2", "TTL t2",
		"COPY b b", "COPY b b2", "GET b2", "COPY b b2", "COPY b b2 REPLACE", "COPY b b2 DB 99", "COPY b b2 DB x",
		"COPY b b2 FOO", "COPY b b2 DB", "COPY nokey z", "COPY b b DB 1", "COPY t2 t3", "TTL t3",
		"MOVE b 0", "MOVE b 99", "MOVE b x", "MOVE nokey 1", "MOVE b 1", "EXISTS b", "SELECT 1", "GET b", "GET b2",
		"SET b2 other", "SELECT 0", "MOVE b2 1", "SELECT 1", "GET b2", "SELECT 0",
		"PERSIST nokey", "PERSIST b2", "PERSIST t3", "TTL t3", "PERSIST t3",
		"EXPIRETIME nokey", "EXPIRETIME b2", "PEXPIRETIME b2", "EXPIREAT b2 4102444800", "EXPIRETIME b2", "PEXPIRETIME b2",
		"TOUCH b2 nokey b2", "UNLINK b2 nokey", "EXISTS b2",
		"SCAN x", "SCAN ' 1'", "SCAN 18446744073709551616", "SCAN 0 COUNT 0", "SCAN 0 COUNT -1", "SCAN 0 COUNT x",
		"SCAN 0 MATCH", "SCAN 0 foo bar", "SCAN 0 TYPE", "KEYS",
		"SWAPDB 0 99", "SWAPDB x 0", "SWAPDB 0 x", "SWAPDB 99 x", "SWAPDB 0 0",
		"FLUSHDB x", "FLUSHDB ASYNC", "DBSIZE", "RANDOMKEY", "SCAN 0", "KEYS *",
		"SET one 1", "SCAN 0", "SCAN 0 TYPE list", "SCAN 0 MATCH o*", "SCAN 0 MATCH x*", "KEYS o?e", "RANDOMKEY",
		"SWAPDB 0 1", "GET one", "GET b", "FLUSHDB SYNC", "SELECT 1", "GET one",
	})
}

func TestRenameKeepsTTLAndClearsTarget(t *testing.T) {
	runScript(t, []step{
		{0, "SET src v PX 5000", `"OK"`},
		{0, "SET dst w EX 100", `"OK"`},
		{0, "RENAME src dst", `"OK"`},
		{0, "PTTL dst", "(integer) 5000"},
		{0, "SET plain v", `"OK"`},
		{0, "RENAME plain dst", `"OK"`},
		{0, "TTL dst", "(integer) -1"},
		{0, "SET gone v PX 10", `"OK"`},
		{10 * time.Millisecond, "RENAME gone x", "(error) ERR no such key"},
	})
}

// A full SCAN returns every key once when nothing changes, and every key
// present throughout at least once while the table grows and shrinks.
func TestScanCoversKeysAcrossResizes(t *testing.T) {
	n, env := startNode(t, Config{})
	for i := range 1000 {
		do(n, env, "c", "SET stable:"+itoa(i)+" v")
	}
	seen := map[string]int{}
	cursor := "0"
	calls := 0
	for {
		reply := scanKeysReply(t, n, env, "SCAN "+cursor+" COUNT 7")
		for _, k := range reply.keys {
			seen[k]++
		}
		calls++
		// Churn between calls: grow the table a lot, then shrink it.
		switch calls {
		case 5:
			for i := range 5000 {
				do(n, env, "c", "SET churn:"+itoa(i)+" v")
			}
		case 40:
			for i := range 5000 {
				do(n, env, "c", "DEL churn:"+itoa(i))
			}
		}
		cursor = reply.cursor
		if cursor == "0" {
			break
		}
		if calls > 100000 {
			t.Fatal("SCAN never returned cursor 0")
		}
	}
	for i := range 1000 {
		if seen["stable:"+itoa(i)] == 0 {
			t.Fatalf("stable:%d, present for the whole scan, was never returned", i)
		}
	}

	// Without changes, every key exactly once.
	seen = map[string]int{}
	cursor = "0"
	for {
		reply := scanKeysReply(t, n, env, "SCAN "+cursor+" MATCH stable:1* COUNT 100")
		for _, k := range reply.keys {
			seen[k]++
			if !strings.HasPrefix(k, "stable:1") {
				t.Fatalf("MATCH stable:1* returned %q", k)
			}
		}
		if cursor = reply.cursor; cursor == "0" {
			break
		}
	}
	if len(seen) != 111 {
		t.Fatalf("SCAN MATCH stable:1* found %d keys, want 111", len(seen))
	}
	for k, times := range seen {
		if times != 1 {
			t.Fatalf("%s returned %d times by a scan of an unchanging table", k, times)
		}
	}
}

type scanResult struct {
	cursor string
	keys   []string
}

func scanKeysReply(t *testing.T, n *Node, env *testEnv, line string) scanResult {
	t.Helper()
	do(n, env, "c", line)
	v := env.replies[len(env.replies)-1].Value
	if v.Kind != resp.Array || len(v.Elems) != 2 {
		t.Fatalf("%s = %v", line, v)
	}
	r := scanResult{cursor: string(v.Elems[0].Str)}
	for _, k := range v.Elems[1].Elems {
		r.keys = append(r.keys, string(k.Str))
	}
	return r
}

func TestScanSkipsAndReclaimsExpiredKeys(t *testing.T) {
	n, env := startNode(t, Config{})
	do(n, env, "c", "SET live v")
	do(n, env, "c", "SET dying v PX 10")
	env.now = env.now.Add(20 * time.Millisecond) // no timers: only SCAN can reclaim it
	got := scanKeysReply(t, n, env, "SCAN 0 COUNT 100")
	if got.cursor != "0" || len(got.keys) != 1 || got.keys[0] != "live" {
		t.Fatalf("SCAN = %+v, want only live", got)
	}
	if n.dbs[0].size() != 1 {
		t.Fatalf("DBSIZE after SCAN = %d, want 1 (the expired key reclaimed)", n.dbs[0].size())
	}
	if got := do(n, env, "c", "KEYS *"); got != `["live"]` {
		t.Fatalf("KEYS * = %s", got)
	}
}

// The same seed and history give the same KEYS order, SCAN pages and
// RANDOMKEY choices.
func TestKeyOrderIsDeterministic(t *testing.T) {
	run := func() string {
		n, env := startNode(t, Config{})
		for i := range 200 {
			do(n, env, "c", "SET k"+itoa(i)+" v")
		}
		var out []string
		out = append(out, do(n, env, "c", "KEYS *"), do(n, env, "c", "SCAN 0 COUNT 5"))
		for range 5 {
			out = append(out, do(n, env, "c", "RANDOMKEY"))
		}
		return strings.Join(out, "\n")
	}
	if a, b := run(), run(); a != b {
		t.Fatalf("two runs disagree:\n%s\n---\n%s", a, b)
	}
}

func TestRandomkeyNeverReturnsExpired(t *testing.T) {
	n, env := startNode(t, Config{})
	for i := range 50 {
		do(n, env, "c", "SET dead"+itoa(i)+" v PX 5")
	}
	do(n, env, "c", "SET alive v")
	env.now = env.now.Add(time.Second)
	for range 20 {
		if got := do(n, env, "c", "RANDOMKEY"); got != `"alive"` {
			t.Fatalf("RANDOMKEY = %s, want alive", got)
		}
	}
	if got := do(n, env, "c", "DEL alive"); got != "(integer) 1" {
		t.Fatal(got)
	}
	if got := do(n, env, "c", "RANDOMKEY"); got != "(nil)" {
		t.Fatalf("RANDOMKEY on an expired-only db = %s", got)
	}
}

func TestMemoryAccounting(t *testing.T) {
	n, env := startNode(t, Config{})
	if n.keysMemoryBytes() != 0 {
		t.Fatalf("empty node uses %d bytes", n.keysMemoryBytes())
	}
	do(n, env, "c", "SET k "+strings.Repeat("x", 100))
	one := n.keysMemoryBytes()
	if one < 100 {
		t.Fatalf("one 100-byte value accounts for %d bytes", one)
	}
	do(n, env, "c", "COPY k k2 DB 3")
	do(n, env, "c", "RENAME k k3")
	if got := n.keysMemoryBytes(); got != 2*one+2 { // k2 and k3 are a byte longer than k
		t.Fatalf("after COPY and RENAME: %d bytes, want %d", got, 2*one+2)
	}
	do(n, env, "c", "SET k3 short")
	do(n, env, "c", "FLUSHDB")
	do(n, env, "c", "SELECT 3")
	do(n, env, "c", "DEL k2")
	if got := n.keysMemoryBytes(); got != 0 {
		t.Fatalf("after deleting everything: %d bytes", got)
	}
}

// Key commands replay from the AOF to the same state.
func TestSimKeyCommandsSurviveRestart(t *testing.T) {
	want := survivesRestart(t, 21, []string{
		"SET a 1", "SET t v EX 100", "RENAME t t2", "RENAMENX a b", "COPY b c DB 2", "COPY t2 t3", "PERSIST t3",
		"SET m moved", "MOVE m 5", "UNLINK c", "SELECT 4", "SET in4 x", "SWAPDB 4 6", "SELECT 0",
		"SET f 1", "SELECT 7", "SET g 1", "FLUSHDB", "SELECT 0",
	}, dumpAll)
	if !strings.Contains(want, "db2 c=1") || !strings.Contains(want, "db6 in4=x") || !strings.Contains(want, "db5 m=moved") {
		t.Fatalf("unexpected state:\n%s", want)
	}
}

// dumpAll renders every database's keys, values and TTLs, sorted.
func dumpAll(h *simHarness) string {
	var lines []string
	for db := range 16 {
		h.do("SELECT " + itoa(db))
		keys := h.do("KEYS *")
		for _, k := range strings.Fields(strings.Trim(keys, "[]")) {
			k = strings.Trim(k, `"`)
			lines = append(lines, "db"+itoa(db)+" "+k+"="+strings.Trim(h.do("GET "+k), `"`)+" ttl="+h.do("TTL "+k))
		}
	}
	h.do("SELECT 0")
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// A resize of the keyspace's table that writes stop driving is finished by
// the cron (Redis's activerehashing), a bounded slice per tick.
func TestCronFinishesAnIdleKeyspaceResize(t *testing.T) {
	n, env := startNode(t, Config{})
	ks := n.dbs[0]
	for i := 0; !ks.dict.Rehashing() || ks.dict.Len() < 5000; i++ {
		do(n, env, "c", fmt.Sprintf("SET key:%d v", i))
	}
	keys := ks.dict.Len()
	env.Advance(time.Second) // ten ticks at hz 10
	if ks.dict.Rehashing() {
		t.Fatal("the keyspace is still being resized after a second of cron ticks")
	}
	if got := do(n, env, "c", "DBSIZE"); got != fmt.Sprintf("(integer) %d", keys) {
		t.Fatalf("DBSIZE = %s, want %d", got, keys)
	}
	if got := do(n, env, "c", "GET key:0"); got != `"v"` {
		t.Fatalf("GET key:0 = %s", got)
	}
}
