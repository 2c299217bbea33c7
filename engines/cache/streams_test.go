package cache

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"syslab/sim"
)

// Stream commands whose replies must be redis-server 7.0's byte for byte,
// in RESP2 and RESP3. IDs are given explicitly wherever a generated one
// would depend on the clock.
var streamCompareScript = []string{
	"XADD s 1-1 a 1 b 2", "XADD s 1-2 a 3 b 4", "XADD s 2 c 5", "XADD s 1-5 x y", "XADD s 0-0 x y",
	"XADD s 3-* f v", "XADD s 3-* f v", "XADD s NOMKSTREAM 10-1 f v", "XADD nos NOMKSTREAM 1-1 f v",
	"XADD s 11-1 f", "XADD s 11-1", "XADD s x-1 f v", "XADD s 12-1 MAXLEN 5 f v",
	"XADD s MAXLEN ~ x 13-1 f v", "XADD s MAXLEN -1 13-1 f v", "XADD s MAXLEN 5 MINID 1 13-1 f v",
	"XADD s LIMIT 5 13-1 f v", "XADD s MAXLEN 5 LIMIT 5 13-1 f v",
	"XLEN s", "XLEN nokey",
	"XRANGE s - +", "XRANGE s - + COUNT 2", "XRANGE s (1-1 +", "XRANGE s - (3", "XRANGE s 2 2",
	"XREVRANGE s + - COUNT 3", "XREVRANGE s (3 -", "XRANGE s - + COUNT 0", "XRANGE s x +", "XRANGE s - + COUNT",
	"XRANGE s (18446744073709551615-18446744073709551615 +", "XRANGE s - (0-0", "XRANGE nokey - +",
	"XRANGE s 3 +", "XRANGE s 1 1", "XRANGE s - + COUNT -5", "XRANGE s - + FOO 1",
	"XDEL s 1-2 999-1", "XDEL s bad", "XDEL nokey 1-1", "XLEN s",
	"XTRIM s MAXLEN 4", "XTRIM s MINID 3-1 LIMIT 1", "XTRIM s", "XTRIM s FOO", "XTRIM nokey MAXLEN 1",
	"XRANGE s - +",
	"XADD s MAXLEN = 2 20-1 a b", "XRANGE s - +",
	"XSETID s 30-1", "XSETID s 1-1", "XSETID s 40-1 ENTRIESADDED 1", "XSETID s 40-1 MAXDELETEDID 50-1",
	"XSETID s 40-1 ENTRIESADDED -1", "XSETID nokey 1-1", "XSETID s 40-1 FOO",
	"XINFO GROUPS s",
	"XGROUP CREATE s g 0", "XGROUP CREATE s g 0", "XGROUP CREATE nokey g 0", "XGROUP CREATE nokey2 g $ MKSTREAM",
	"XGROUP CREATE s g2 $ ENTRIESREAD 3", "XGROUP CREATE s g3 $ ENTRIESREAD -5", "XGROUP CREATE s g4 $ FOO",
	"XINFO GROUPS s",
	"XREADGROUP GROUP g alice COUNT 1 STREAMS s >", "XREADGROUP GROUP g alice STREAMS s >",
	"XREADGROUP GROUP g alice STREAMS s >", "XREADGROUP GROUP g alice STREAMS s 0",
	"XREADGROUP GROUP g alice COUNT 1 STREAMS s 0", "XREADGROUP GROUP g bob STREAMS s 0",
	"XREADGROUP GROUP nog alice STREAMS s >", "XREADGROUP GROUP g alice STREAMS s $",
	"XREADGROUP STREAMS s >", "XREADGROUP GROUP g alice STREAMS s", "XREADGROUP GROUP g alice STREAMS nokey >",
	"XPENDING s g", "XPENDING s nog", "XPENDING s g - + 10 bob", "XPENDING s g - +",
	"XACK s g 20-1 99-1", "XACK s nog 1-1", "XACK s g bad", "XPENDING s g",
	"XINFO GROUPS s",
	"XCLAIM s g bob 0 20-1 JUSTID", "XCLAIM s g bob 0 2-0 FORCE JUSTID", "XCLAIM s g bob 0 2-0 BADOPT",
	"XCLAIM s nog bob 0 2-0", "XCLAIM s g bob x 2-0",
	"XPENDING s g",
	"XAUTOCLAIM s g carol 0 0 COUNT 10 JUSTID", "XAUTOCLAIM s g carol 0 0 COUNT 0", "XAUTOCLAIM s nog carol 0 0",
	"XDEL s 3-0", "XAUTOCLAIM s g carol 0 0 COUNT 10", "XPENDING s g",
	"XGROUP SETID s g $", "XGROUP SETID s nog $", "XGROUP SETID s g 0 ENTRIESREAD 0",
	"XGROUP CREATECONSUMER s g dave", "XGROUP CREATECONSUMER s g dave", "XGROUP DELCONSUMER s g carol",
	"XGROUP DELCONSUMER s g nobody", "XGROUP DESTROY s g", "XGROUP DESTROY s g", "XGROUP FOO s g",
	"XINFO GROUPS s", "XINFO GROUPS nokey", "XINFO CONSUMERS s nog", "XINFO FOO s", "XINFO STREAM s FULL COUNT",
	"XGROUP CREATE s", "XGROUP DESTROY s g x", "XINFO GROUPS", "XINFO CONSUMERS s", "XINFO STREAM", "XINFO STREAM s FOO", "XGROUP HELP x",
	"XREAD COUNT 2 STREAMS s 0", "XREAD STREAMS s nokey 0 0", "XREAD STREAMS s $", "XREAD STREAMS s",
	"XREAD STREAMS s >", "XREAD GROUP g a STREAMS s 0", "XREAD NOACK STREAMS s 0", "XREAD COUNT x STREAMS s 0",
	"XREAD BLOCK x STREAMS s 0", "XREAD BLOCK -1 STREAMS s 0", "XREAD STREAMS s bad",
	"SET str x", "XADD str 1-1 a b", "XRANGE str - +", "XREAD STREAMS str 0", "XLEN str",
	"TYPE s", "OBJECT ENCODING s",
}

func TestStreamsAgreeWithRedis(t *testing.T) {
	forEachProtocol(t, Config{}, exact(streamCompareScript...))
}

// XREAD BLOCK and XREADGROUP BLOCK: waiters are served by the XADD that
// passes their IDs, in the order they blocked, each with the entries it
// waited for; one whose ID is not passed yet keeps waiting; a timeout
// answers nil; XGROUP DESTROY answers a group's waiters NOGROUP.
func TestStreamBlockingReads(t *testing.T) {
	b := newBlockingBench(t, "a", "b", "c", "g", "w")
	b.send("w", "XADD s 1-1 f 1")
	b.expect(`5001 "1-1"`)
	b.send("a", "XREAD BLOCK 0 STREAMS s $")
	b.send("b", "XREAD BLOCK 0 COUNT 1 STREAMS other s 0-0 5-0")
	b.send("c", "XREAD BLOCK 100 STREAMS s 1-1")
	b.expect()
	b.send("w", "XADD s 2-1 f 2")
	b.expect(`5002 "2-1"`, `1001 [["s" [["2-1" ["f" "2"]]]]]`, `3001 [["s" [["2-1" ["f" "2"]]]]]`)
	b.send("w", "XADD s 5-1 f 3")
	b.expect(`5003 "5-1"`, `2001 [["s" [["5-1" ["f" "3"]]]]]`)
	b.send("c", "XREAD BLOCK 100 STREAMS s $")
	b.env.Advance(200 * time.Millisecond)
	b.expect(`3002 (nil)`)

	b.send("w", "XGROUP CREATE s grp $")
	b.expect(`5004 "OK"`)
	b.send("g", "XREADGROUP GROUP grp alice BLOCK 0 STREAMS s >")
	b.send("a", "XREADGROUP GROUP grp bob BLOCK 0 NOACK STREAMS s >")
	b.expect()
	b.send("w", "XADD s 6-1 f 4")
	b.expect(`5005 "6-1"`, `4001 [["s" [["6-1" ["f" "4"]]]]]`)
	b.send("w", "XPENDING s grp")
	b.expect(`5006 [(integer) 1 "6-1" "6-1" [["alice" "1"]]]`)
	b.send("w", "XGROUP DESTROY s grp")
	b.expect(`5007 (integer) 1`, `1002 (error) NOGROUP the consumer group this client was blocked on no longer exists`)
	if b.n.BlockedClients() != 0 {
		t.Fatalf("%d clients still blocked", b.n.BlockedClients())
	}
	b.send("w", "MULTI")
	b.send("w", "XREAD BLOCK 0 STREAMS s $")
	b.send("w", "EXEC")
	b.expect(`5008 "OK"`, `5009 "QUEUED"`, `5010 [(nil)]`)
}

// What a replica and the AOF get of stream writes ends in the master's
// state: XADD's generated IDs, an approximate trim made exact, XREADGROUP
// deliveries as XCLAIMs and the group's position, acks, claims.
var radixCounts = regexp.MustCompile(`"radix-tree-(keys|nodes)" \(integer\) \d+ `)

func TestStreamsReplicateAndPersist(t *testing.T) {
	script := []string{
		"CONFIG SET stream-node-max-entries 10",
		"XGROUP CREATE s grp $ MKSTREAM",
	}
	for i := range 60 {
		script = append(script, "XADD s * n "+itoa(i))
	}
	script = append(script,
		"XADD s MAXLEN ~ 25 * n last", "XTRIM s MINID ~ 0-1",
		"XREADGROUP GROUP grp alice COUNT 5 STREAMS s >", "XREADGROUP GROUP grp bob NOACK COUNT 3 STREAMS s >",
		"XACK s grp 0-1", "XGROUP CREATECONSUMER s grp carol", "XAUTOCLAIM s grp carol 0 0 COUNT 2",
		"XDEL s 0-1", "XSETID s 99999999999999-1 ENTRIESADDED 100", "XGROUP CREATE s other 0")
	// Node counts are left out: a stream loaded from a snapshot (a full
	// sync, a restart) is split by the loading node's limits.
	state := func(do func(string) string) string {
		info := seenTime.ReplaceAllString(do("XINFO STREAM s FULL"), `"seen-time" *`)
		return do("XRANGE s - +") + "\n" + radixCounts.ReplaceAllString(info, "")
	}

	h := newReplHarness(t, 23, Config{})
	h.settle(2 * time.Second)
	for _, line := range script {
		if got := h.do(masterID, line, time.Second); strings.HasPrefix(got, "(error)") {
			t.Fatalf("%s: %s", line, got)
		}
	}
	h.settle(2 * time.Second)
	onMaster := state(func(line string) string { return h.do(masterID, line, time.Second) })
	onReplica := state(func(line string) string { return h.do(replicaID, line, time.Second) })
	if onReplica != onMaster {
		t.Fatalf("replica:\n%s\nmaster:\n%s", onReplica, onMaster)
	}
	// 61 entries in nodes of 10: whole nodes go while 25 remain.
	if !strings.Contains(onMaster, `"length" (integer) 31`) {
		t.Fatalf("the approximate trim left %s", onMaster)
	}

	a := newSimHarness(t, 23, Config{AppendOnly: true, AppendFsync: FsyncAlways, EnableDebugCommand: ProtectedYes}, realDisk)
	for _, line := range script {
		if got := a.do(line); strings.HasPrefix(got, "(error)") {
			t.Fatalf("%s: %s", line, got)
		}
	}
	before := state(a.do)
	a.w.Crash(cacheID)
	a.restart()
	if after := state(a.do); after != before {
		t.Fatalf("after a restart from the AOF:\n%s\nbefore:\n%s", after, before)
	}
}

// Redis's "XREAD: XADD + DEL + LPUSH should not awake client": a stream
// reader whose key became a list waits on, and is served by the next XADD.
func TestStreamReaderWaitsPastOtherTypes(t *testing.T) {
	b := newBlockingBench(t, "a", "w")
	b.send("a", "XREAD BLOCK 0 STREAMS s1 $")
	b.send("w", "MULTI")
	b.send("w", "XADD s1 1-1 old x")
	b.send("w", "DEL s1")
	b.send("w", "LPUSH s1 foo bar")
	b.send("w", "EXEC")
	b.send("w", "DEL s1")
	b.send("w", "XADD s1 2-1 new x")
	b.expect(`2001 "OK"`, `2002 "QUEUED"`, `2003 "QUEUED"`, `2004 "QUEUED"`, `2005 ["1-1" (integer) 1 (integer) 2]`,
		`2006 (integer) 1`, `2007 "2-1"`, `1001 [["s1" [["2-1" ["new" "x"]]]]]`)
}

// An XREADGROUP waiter whose key is deleted or replaced is answered
// UNBLOCKED; an XREAD waiter waits on.
func TestStreamGroupReaderUnblockedWhenKeyGoes(t *testing.T) {
	b := newBlockingBench(t, "a", "b", "w")
	b.send("w", "XGROUP CREATE s g $ MKSTREAM")
	b.send("a", "XREADGROUP GROUP g alice BLOCK 0 STREAMS s >")
	b.send("b", "XREAD BLOCK 0 STREAMS s $")
	b.send("w", "SET s x")
	b.expect(`3001 "OK"`, `3002 "OK"`, `1001 (error) UNBLOCKED the stream key no longer exists`)
	if b.n.BlockedClients() != 1 {
		t.Fatalf("%d blocked, want the XREAD waiter", b.n.BlockedClients())
	}
}

// FLUSHALL and SWAPDB take a waited-on stream away: its XREADGROUP
// waiters are answered.
func TestStreamGroupReaderUnblockedByFlushAndSwap(t *testing.T) {
	b := newBlockingBench(t, "a", "w")
	b.send("w", "XGROUP CREATE s g $ MKSTREAM")
	b.send("a", "XREADGROUP GROUP g alice BLOCK 0 STREAMS s >")
	b.send("w", "FLUSHALL")
	b.expect(`2001 "OK"`, `2002 "OK"`, `1001 (error) UNBLOCKED the stream key no longer exists`)
	b.send("w", "XGROUP CREATE s g $ MKSTREAM")
	b.send("a", "XREADGROUP GROUP g alice BLOCK 0 STREAMS s >")
	b.send("w", "SWAPDB 0 4")
	b.expect(`2003 "OK"`, `2004 "OK"`, `1002 (error) UNBLOCKED the stream key no longer exists`)
}

// Config.Settings apply CONFIG SET parameters at start (serve --set):
// stream node limits among them.
func TestConfigSettingsAtStart(t *testing.T) {
	n, env := startNode(t, Config{Settings: []string{"stream-node-max-entries 2", "STREAM-NODE-MAX-BYTES 1kb"}})
	if got := do(n, env, "c", "CONFIG GET stream-node-max-*"); got != `["stream-node-max-bytes" "1024" "stream-node-max-entries" "2"]` {
		t.Fatalf("CONFIG GET = %s", got)
	}
	for range 5 {
		do(n, env, "c", "XADD s * f v")
	}
	if got := do(n, env, "c", "XINFO STREAM s"); !strings.Contains(got, `"radix-tree-keys" (integer) 3`) {
		t.Fatalf("5 entries in nodes of 2: %s", got)
	}
	for _, setting := range []string{"no-such-setting 1", "maxmemory-policy allkeys-lru"} {
		if err := (Config{Settings: []string{setting}}).Validate(); err == nil || !strings.Contains(err.Error(), "not an encoding or stream-node setting") {
			t.Fatalf("setting %q: %v", setting, err)
		}
	}
	bad, badEnv := startNode(t, Config{Settings: []string{"stream-node-max-entries x"}})
	if got := do(bad, badEnv, "c", "PING"); !strings.Contains(got, "setting \"stream-node-max-entries x\"") {
		t.Fatalf("a node with a bad setting answers %s", got)
	}
}

// Same seed, same trace, with streams, consumer groups, blocking reads and
// functions in the run.
func TestSimStreamsDeterministic(t *testing.T) {
	run := func(last string) uint64 {
		h := newSimClients(t, 47, Config{AppendOnly: true, AppendFsync: FsyncAlways}, realDisk, sim.Latency{}, clientID, "reader")
		h.do(`FUNCTION LOAD "#!lua name=l\nredis.register_function('add', function(keys, args) return redis.call('xadd', keys[1], '*', 'n', args[1]) end)"`)
		h.do("XGROUP CREATE s g $ MKSTREAM")
		blocked := h.sendFrom("reader", "XREADGROUP GROUP g r BLOCK 0 COUNT 3 STREAMS s >")
		for i := range 30 {
			h.do("FCALL add 1 s " + itoa(i))
			if i%7 == 0 {
				h.do("XAUTOCLAIM s g other 0 0 COUNT 2")
			}
		}
		h.do("XTRIM s MAXLEN ~ 10")
		if got, ok := h.reply("reader", blocked); !ok || !strings.HasPrefix(got, `[["s" [[`) {
			t.Fatalf("the blocked reader got %q, %v", got, ok)
		}
		h.do(last)
		return h.w.TraceHash()
	}
	first := run("XLEN s")
	if again := run("XLEN s"); again != first {
		t.Fatalf("same seed, same commands: trace %x then %x", first, again)
	}
	if other := run("XADD s * n extra"); other == first {
		t.Fatal("a different last command left the same trace")
	}
}
