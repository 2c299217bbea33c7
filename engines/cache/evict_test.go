package cache

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"syslab/engines/cache/persist"
	"syslab/engines/cache/resp"
	"syslab/sim"
)

// recount is the used memory computed from scratch, to check the running
// total against.
func recount(n *Node) int64 {
	var total int64
	for _, ks := range n.dbs {
		ks.dict.RangeRef(func(k string, e *entry) bool {
			total += entryBytes(k, e)
			return true
		})
	}
	return total
}

func TestMemoryAccountingMatchesRecount(t *testing.T) {
	n, env := startNode(t, Config{})
	key := func(k string, valueBytes int, volatile bool) int64 {
		b := int64(keyOverheadBytes + len(k) + stringHeaderBytes + valueBytes)
		if volatile {
			b += volatileOverheadBytes
		}
		return b
	}
	steps := []struct {
		command string
		want    int64
	}{
		{"SET a hello", key("a", 5, false)},
		{"SET a hi", key("a", 2, false)}, // overwrite: the delta only
		{"SET bb x EX 100", key("a", 2, false) + key("bb", 1, true)},
		{"INCR n", key("a", 2, false) + key("bb", 1, true) + key("n", 1, false)},
		{"INCRBY n 99", key("a", 2, false) + key("bb", 1, true) + key("n", 3, false)},
		{"EXPIRE a 50", key("a", 2, true) + key("bb", 1, true) + key("n", 3, false)},
		{"SET a hi", key("a", 2, false) + key("bb", 1, true) + key("n", 3, false)}, // TTL dropped
		{"DEL a n", key("bb", 1, true)},
		{"SELECT 2", key("bb", 1, true)},
		{"SET other v", key("bb", 1, true) + key("other", 1, false)},
		{"FLUSHALL", 0},
		{"SET c v PX 10", key("c", 1, true)},
	}
	for _, s := range steps {
		do(n, env, "client-1", s.command)
		if got := n.keysMemoryBytes(); got != s.want {
			t.Fatalf("after %q used memory %d, want %d", s.command, got, s.want)
		}
		if got := recount(n); got != s.want {
			t.Fatalf("after %q a recount gives %d, want %d", s.command, got, s.want)
		}
	}
	env.Advance(time.Second) // the active cycle expires c
	if got := n.keysMemoryBytes(); got != 0 {
		t.Fatalf("after expiry used memory %d, want 0", got)
	}
}

// An empty node reports Redis 7.0's start-up memory, as an empty Redis
// does; maxmemory counts it, and INFO and MEMORY STATS split used memory
// the way Redis does (start-up is overhead, keys are net of it).
func TestUsedMemoryStartsAtRedisStartupMemory(t *testing.T) {
	n, env := startNode(t, Config{})
	info := do(n, env, "c", "INFO memory")
	for _, line := range []string{"used_memory:876192", "used_memory_startup:876192", "used_memory_dataset:0", "mem_replication_backlog:0"} {
		if !strings.Contains(info, line+`\r\n`) {
			t.Errorf("an empty node's INFO memory lacks %s: %s", line, info)
		}
	}
	do(n, env, "c", "SET k:0000 0123456789abcdef")
	stats := do(n, env, "c", "MEMORY STATS")
	for _, want := range []string{`"startup.allocated" (integer) 876192`, `"keys.bytes-per-key" (integer) ` + itoa(int(oneKeyBytes))} {
		if !strings.Contains(stats, want) {
			t.Errorf("MEMORY STATS lacks %s: %s", want, stats)
		}
	}
	// As in Redis, a write is refused when memory is already over the
	// limit as it starts: the second key may go over, the third is refused.
	do(n, env, "c", "CONFIG SET maxmemory "+itoa(int(startupMemoryBytes+2*oneKeyBytes-1)))
	if got := do(n, env, "c", "SET k:0001 0123456789abcdef"); got != `"OK"` {
		t.Fatalf("a second key while under maxmemory: %s", got)
	}
	if got := do(n, env, "c", "SET k:0002 0123456789abcdef"); !strings.HasPrefix(got, "(error) OOM") {
		t.Fatalf("a third key once over maxmemory: %s", got)
	}
}

// growingObject is a collection stand-in that changes size in place, as a
// list does under LPUSH.
type growingObject struct{ sizeBytes int }

func (*growingObject) typeName() string   { return "list" }
func (*growingObject) encoding() string   { return "listpack" }
func (g *growingObject) memoryBytes() int { return g.sizeBytes }

func TestReaccountAfterInPlaceChange(t *testing.T) {
	n, _ := startNode(t, Config{})
	ks := n.dbs[0]
	g := &growingObject{sizeBytes: 100}
	ks.set("list", g, false)
	before := n.keysMemoryBytes()
	g.sizeBytes = 350
	ks.reaccount([]byte("list"))
	if got := n.keysMemoryBytes() - before; got != 250 {
		t.Fatalf("growing the value by 250 bytes moved used memory by %d", got)
	}
	ks.delete("list")
	if got := n.keysMemoryBytes(); got != 0 {
		t.Fatalf("used memory %d after deleting the only key", got)
	}
}

// oneKeyBytes is what SET k:NNNN <16 bytes> costs.
var oneKeyBytes = int64(keyOverheadBytes + len("k:0000") + stringHeaderBytes + 16)

func TestNoEvictionRefusesDenyOOMCommands(t *testing.T) {
	n, env := startNode(t, Config{MaxMemoryBytes: startupMemoryBytes + 3*oneKeyBytes})
	for i := range 4 {
		if got := do(n, env, "c", "SET k:000"+itoa(i)+" 0123456789abcdef"); got != `"OK"` {
			t.Fatalf("SET %d = %s", i, got)
		}
	}
	const oom = "(error) OOM command not allowed when used memory > 'maxmemory'."
	for _, s := range []step{
		{0, "SET k:0009 0123456789abcdef", oom},
		{0, "INCR counter", oom},
		{0, "SET k:0000 x", oom}, // would shrink, but SET is denyoom: Redis refuses it too
		{0, "GET k:0000", `"0123456789abcdef"`},
		{0, "EXPIRE k:0000 100", "(integer) 1"},
		{0, "PING", `"PONG"`},
		{0, "DBSIZE", "(integer) 4"},
		{0, "DEL k:0000 k:0001", "(integer) 2"},
		{0, "SET k:0009 0123456789abcdef", `"OK"`},
	} {
		if got := do(n, env, "c", s.command); got != s.want {
			t.Fatalf("%q = %s, want %s", s.command, got, s.want)
		}
	}
	if n.stats.EvictedKeys != 0 {
		t.Fatalf("noeviction evicted %d keys", n.stats.EvictedKeys)
	}
}

// fill writes count keys of 16-byte values and returns their names.
func fill(t *testing.T, n *Node, env *testEnv, count int, suffix string) {
	t.Helper()
	for i := range count {
		k := "k:" + pad4(i)
		if got := do(n, env, "c", "SET "+k+" 0123456789abcdef"+suffix); got != `"OK"` {
			t.Fatalf("SET %s = %s", k, got)
		}
		if used := n.usedMemoryBytes(); used > n.cfg.MaxMemoryBytes+oneKeyBytes+volatileOverheadBytes {
			t.Fatalf("after SET %s used memory %d is over the limit %d by more than one key", k, used, n.cfg.MaxMemoryBytes)
		}
	}
}

func pad4(i int) string { s := "000" + itoa(i); return s[len(s)-4:] }

func TestAllKeysPoliciesStayUnderTheLimit(t *testing.T) {
	for _, policy := range []string{PolicyAllKeysLRU, PolicyAllKeysLFU, PolicyAllKeysRandom} {
		t.Run(policy, func(t *testing.T) {
			n, env := startNode(t, Config{MaxMemoryBytes: startupMemoryBytes + 100*oneKeyBytes, MaxMemoryPolicy: policy})
			fill(t, n, env, 1000, "")
			do(n, env, "c", "PING") // a command after the last SET evicts for it
			if used := n.usedMemoryBytes(); used > n.cfg.MaxMemoryBytes {
				t.Fatalf("used %d > maxmemory %d", used, n.cfg.MaxMemoryBytes)
			}
			if got := do(n, env, "c", "DBSIZE"); got != "(integer) 100" {
				t.Fatalf("DBSIZE = %s, want 100 keys of equal size", got)
			}
			if n.stats.EvictedKeys != 900 {
				t.Fatalf("evicted %d keys, want 900", n.stats.EvictedKeys)
			}
		})
	}
}

func TestVolatilePoliciesEvictOnlyKeysWithTTL(t *testing.T) {
	for _, policy := range []string{PolicyVolatileLRU, PolicyVolatileLFU, PolicyVolatileRandom, PolicyVolatileTTL} {
		t.Run(policy, func(t *testing.T) {
			n, env := startNode(t, Config{MaxMemoryBytes: startupMemoryBytes + 10*oneKeyBytes, MaxMemoryPolicy: policy})
			for i := range 5 {
				do(n, env, "c", "SET p:"+pad4(i)[2:]+" 0123456789abcdef") // persistent, same size as k:NNNN
			}
			for i := range 20 {
				if got := do(n, env, "c", "SET k:"+pad4(i)+" 0123456789abcdef EX 1000"); got != `"OK"` {
					t.Fatalf("SET k:%d = %s", i, got)
				}
			}
			for i := range 5 {
				if got := do(n, env, "c", "EXISTS p:"+pad4(i)[2:]); got != "(integer) 1" {
					t.Fatalf("persistent key p:%d was evicted by %s", i, policy)
				}
			}
			// Only persistent keys left over the limit: nothing to evict.
			do(n, env, "c", "FLUSHALL")
			for i := range 11 {
				do(n, env, "c", "SET p:"+pad4(i)[2:]+" 0123456789abcdef")
			}
			if got := do(n, env, "c", "SET one-more v"); !strings.HasPrefix(got, "(error) OOM") {
				t.Fatalf("with no volatile key to evict, SET = %s, want OOM", got)
			}
		})
	}
}

func TestLRUKeepsRecentlyReadKeys(t *testing.T) {
	n, env := startNode(t, Config{MaxMemoryBytes: startupMemoryBytes + 200*oneKeyBytes, MaxMemoryPolicy: PolicyAllKeysLRU, MaxMemorySamples: 10})
	fill(t, n, env, 200, "")
	// Keep reading the first 50 keys while 200 new keys push the others out.
	for i := range 200 {
		env.Advance(time.Millisecond)
		do(n, env, "c", "GET k:"+pad4(i%50))
		do(n, env, "c", "SET n:"+pad4(i)[1:]+" 0123456789abcdef")
	}
	kept := 0
	for i := range 50 {
		if do(n, env, "c", "EXISTS k:"+pad4(i)) == "(integer) 1" {
			kept++
		}
	}
	// Exact LRU keeps all 50; sampling 10 of 200 keys misses a few, and
	// random eviction would keep about half.
	if kept < 40 {
		t.Fatalf("LRU kept %d of the 50 hot keys, want nearly all", kept)
	}
}

func TestLFUKeepsFrequentlyReadKeys(t *testing.T) {
	n, env := startNode(t, Config{MaxMemoryBytes: startupMemoryBytes + 200*oneKeyBytes, MaxMemoryPolicy: PolicyAllKeysLFU, MaxMemorySamples: 10})
	fill(t, n, env, 200, "")
	for range 20 {
		for i := range 20 {
			do(n, env, "c", "GET k:"+pad4(i))
		}
	}
	for i := range 300 {
		do(n, env, "c", "SET n:"+pad4(i)[1:]+" 0123456789abcdef")
	}
	for i := range 20 {
		if got := do(n, env, "c", "EXISTS k:"+pad4(i)); got != "(integer) 1" {
			t.Fatalf("LFU evicted k:%d, read 20 times, in favour of keys never read", i)
		}
	}
}

func TestVolatileTTLEvictsSoonestExpiringFirst(t *testing.T) {
	n, env := startNode(t, Config{MaxMemoryBytes: startupMemoryBytes + 20*(oneKeyBytes+volatileOverheadBytes), MaxMemoryPolicy: PolicyVolatileTTL, MaxMemorySamples: 20})
	for i := range 20 {
		do(n, env, "c", "SET k:"+pad4(i)+" 0123456789abcdef EX "+itoa(1000+i)) // k:0000 expires first
	}
	do(n, env, "c", "SET k:0099 0123456789abcdef EX 5000")
	do(n, env, "c", "PING")
	if got := do(n, env, "c", "EXISTS k:0000"); got != "(integer) 0" {
		t.Fatal("volatile-ttl kept the key closest to expiring")
	}
	if n.stats.EvictedKeys != 1 {
		t.Fatalf("evicted %d keys, want 1", n.stats.EvictedKeys)
	}
}

func TestLFUCounter(t *testing.T) {
	// redis.conf's table for lfu-log-factor 10: about 10 after 100 hits,
	// 18 after 1000, 142 after 100k, saturated (255) after 1M.
	rng := rand.New(rand.NewPCG(3, 4))
	counter := uint8(lfuInitVal)
	want := map[int][2]uint8{100: {7, 13}, 1000: {14, 24}, 100_000: {120, 165}, 1_000_000: {255, 255}}
	for hits := 1; hits <= 1_000_000; hits++ {
		counter = lfuLogIncr(counter, rng)
		if w, ok := want[hits]; ok && (counter < w[0] || counter > w[1]) {
			t.Fatalf("counter after %d hits = %d, want %d..%d", hits, counter, w[0], w[1])
		}
	}
	e := &entry{lfu: 10, lfuDecrMinutes: 100}
	if got := lfuDecayed(e, 103*millisPerMinute); got != 7 {
		t.Fatalf("decay after 3 minutes = %d, want 7", got)
	}
	if got := lfuDecayed(e, 1000*millisPerMinute); got != 0 {
		t.Fatalf("decay after 900 minutes = %d, want 0", got)
	}
	if got := lfuLogIncr(255, rng); got != 255 {
		t.Fatalf("the counter saturates at 255, got %d", got)
	}
}

func TestKeyspaceHitsAndMisses(t *testing.T) {
	n, env := startNode(t, Config{})
	for _, line := range []string{"SET a 1", "GET a", "GET b", "EXISTS a b", "TTL a", "SET c 1 NX", "INCR a", "DEL a"} {
		do(n, env, "c", line)
	}
	// Reads: GET a (hit), GET b (miss), EXISTS a (hit) b (miss), TTL a (hit).
	if n.stats.KeyspaceHits != 3 || n.stats.KeyspaceMisses != 2 {
		t.Fatalf("hits %d misses %d, want 3 and 2", n.stats.KeyspaceHits, n.stats.KeyspaceMisses)
	}
}

func TestMaxMemoryConfigValidation(t *testing.T) {
	for _, c := range []struct {
		cfg  Config
		want string
	}{
		{Config{MaxMemoryBytes: -1}, "maxmemory -1: must not be negative"},
		{Config{MaxMemoryPolicy: "allkeys-lr"}, `maxmemory-policy "allkeys-lr": must be one of noeviction, allkeys-lru`},
		{Config{MaxMemorySamples: 65}, "maxmemory-samples 65: must be between 1 and 64"},
		{Config{MaxMemoryBytes: 1 << 30, MaxMemoryPolicy: PolicyVolatileTTL, MaxMemorySamples: 64}, ""},
	} {
		err := c.cfg.Validate()
		if (err == nil) != (c.want == "") || (err != nil && !strings.Contains(err.Error(), c.want)) {
			t.Errorf("Validate(%+v) = %v, want %q", c.cfg, err, c.want)
		}
	}
}

// Evictions are logged as DELs, so a restart replays to the same keyspace.
func TestSimEvictionAOFRoundTrip(t *testing.T) {
	cfg := Config{AppendOnly: true, AppendFsync: FsyncAlways, MaxMemoryBytes: startupMemoryBytes + 50*oneKeyBytes, MaxMemoryPolicy: PolicyAllKeysLRU}
	h := newSimHarness(t, 13, cfg, realDisk)
	for i := range 200 {
		h.expect("SET k:"+pad4(i)+" 0123456789abcdef", `"OK"`)
		if i%3 == 0 {
			h.do("GET k:" + pad4(i/2))
		}
	}
	h.do("PING")
	before := survivors(h, 200)
	if len(before) != 50 {
		t.Fatalf("%d keys survive, want 50", len(before))
	}
	h.w.Crash(cacheID)
	h.restart()
	if after := survivors(h, 200); strings.Join(after, " ") != strings.Join(before, " ") {
		t.Fatalf("after restart the keys are\n%v\nwant\n%v", after, before)
	}
	aof, _ := h.w.Disk(cacheID).ReadFile(aofPath(persist.IncrName(1)))
	if dels := strings.Count(string(aof), "$3\r\nDEL\r\n"); dels != 150 {
		t.Fatalf("the AOF holds %d DELs, want one per evicted key (150)", dels)
	}
}

func survivors(h *simHarness, count int) []string {
	var keys []string
	for i := range count {
		if h.do("EXISTS k:"+pad4(i)) == "(integer) 1" {
			keys = append(keys, pad4(i))
		}
	}
	return keys
}

func TestSimEvictionDeterministic(t *testing.T) {
	run := func(seed uint64) string {
		h := newSimHarness(t, seed, Config{MaxMemoryBytes: startupMemoryBytes + 40*oneKeyBytes, MaxMemoryPolicy: PolicyAllKeysRandom}, sim.DiskConfig{})
		for i := range 120 {
			h.do("SET k:" + pad4(i) + " 0123456789abcdef")
		}
		return strings.Join(survivors(h, 120), " ")
	}
	if a, b := run(5), run(5); a != b {
		t.Fatalf("same seed, different survivors:\n%s\n%s", a, b)
	}
	if a, b := run(5), run(6); a == b {
		t.Fatal("allkeys-random chose the same victims under two seeds")
	}
}

// The OOM refusal, compared with a real redis-server 7: each is given a
// key and then maxmemory 1, which start-up memory alone is over.
func TestNoEvictionMatchesRealRedis(t *testing.T) {
	for _, protocol := range []int{resp.RESP2, resp.RESP3} {
		c := newComparison(t, Config{}, protocol)
		for _, line := range []string{"SET k:0000 0123456789abcdef", "CONFIG SET maxmemory 1"} {
			c.onNode(line)
			c.onRedis(line)
		}
		c.run(exact("SET k:0009 v", "INCR n", "DECRBY n 3", "GET k:0000", "GET missing", "EXPIRE k:0000 100", "TTL k:0000", "DEL k:0000", "SET k:0000 v", "PING"))
	}
}

// BenchmarkNodeSetEvicting writes new keys into a full node: every SET
// evicts one key first (the pool sampling is the cost measured).
func BenchmarkNodeSetEvicting(b *testing.B) {
	for _, policy := range []string{PolicyAllKeysLRU, PolicyAllKeysLFU, PolicyAllKeysRandom} {
		b.Run(policy, func(b *testing.B) {
			perKey := int64(keyOverheadBytes + len("key:0000000") + stringHeaderBytes + 16)
			n, env := startNode(b, Config{MaxMemoryBytes: startupMemoryBytes + 50_000*perKey, MaxMemoryPolicy: policy})
			env.discardReplies = true
			commands := make([]Command, 200_000)
			for i := range commands {
				key := "key:" + strings.Repeat("0", 7-len(itoa(i))) + itoa(i)
				commands[i] = Command{Args: [][]byte{[]byte("SET"), []byte(key), []byte("value-of-16-byte")}}
			}
			for _, c := range commands[:100_000] {
				n.Receive("bench", c)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				n.Receive("bench", commands[i%len(commands)])
			}
			b.StopTimer()
			if n.stats.EvictedKeys == 0 || n.usedMemoryBytes() > n.cfg.MaxMemoryBytes+perKey {
				b.Fatalf("evicted %d, used %d of %d", n.stats.EvictedKeys, n.usedMemoryBytes(), n.cfg.MaxMemoryBytes)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
		})
	}
}

// BenchmarkNodeGetLFU is GET with the LFU counter updated on each access.
func BenchmarkNodeGetLFU(b *testing.B) {
	n, env := startNode(b, Config{MaxMemoryBytes: 1 << 30, MaxMemoryPolicy: PolicyAllKeysLFU})
	env.discardReplies = true
	commands := make([]Command, benchKeys)
	for i := range commands {
		key := []byte("key:" + itoa(i))
		n.Receive("bench", Command{Args: [][]byte{[]byte("SET"), key, []byte("value-of-16-byte")}})
		commands[i] = Command{Args: [][]byte{[]byte("GET"), key}}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		n.Receive("bench", commands[i%benchKeys])
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}

func TestEvictionTimeLimitFollowsRedis(t *testing.T) {
	for _, tc := range []struct {
		tenacity int
		want     time.Duration
	}{
		{0, 0}, {1, 50 * time.Microsecond}, {10, 500 * time.Microsecond},
		{11, 575 * time.Microsecond}, {100, -1},
	} {
		if got := evictionTimeLimit(tc.tenacity); got != tc.want {
			t.Errorf("evictionTimeLimit(%d) = %v, want %v", tc.tenacity, got, tc.want)
		}
	}
	if got := evictionTimeLimit(99); got < 100*time.Second || got > 150*time.Second {
		t.Errorf("evictionTimeLimit(99) = %v, want about two minutes", got)
	}
}

// With maxmemory-eviction-tenacity 0 a command evicts 16 keys and leaves
// the rest to a timer, which gets memory under the limit between other
// work; commands are not refused meanwhile. At 100 one command evicts all
// it must.
func TestEvictionTenacitySpreadsLargeEvictions(t *testing.T) {
	evictedAfterShrink := func(tenacity string) (atOnce, total int64, reply string) {
		n, env := startNode(t, Config{MaxMemoryPolicy: PolicyAllKeysRandom})
		for i := range 1000 {
			do(n, env, "c", fmt.Sprintf("SET key:%d %0100d", i, i))
		}
		do(n, env, "c", "CONFIG SET maxmemory-eviction-tenacity "+tenacity)
		do(n, env, "c", fmt.Sprintf("CONFIG SET maxmemory %d", n.maxmemoryCountedBytes()-50_000))
		atOnce = n.stats.EvictedKeys
		reply = do(n, env, "c", "SET another value")
		env.Advance(0)
		if n.maxmemoryCountedBytes() > n.cfg.MaxMemoryBytes {
			t.Errorf("tenacity %s: used memory %d still over maxmemory %d after the timers ran", tenacity, n.maxmemoryCountedBytes(), n.cfg.MaxMemoryBytes)
		}
		return atOnce, n.stats.EvictedKeys, reply
	}
	atOnce, total, reply := evictedAfterShrink("0")
	if atOnce != evictionsPerTimeCheck || total <= atOnce || reply != `"OK"` {
		t.Errorf("tenacity 0: %d keys evicted at once, %d in all, SET answered %s; want %d at once, the rest later, OK",
			atOnce, total, reply, evictionsPerTimeCheck)
	}
	atOnce, total, _ = evictedAfterShrink("100")
	if atOnce <= evictionsPerTimeCheck || total != atOnce {
		t.Errorf("tenacity 100: %d keys evicted at once, %d in all; want all of them at once", atOnce, total)
	}
	n, env := startNode(t, Config{})
	for line, want := range map[string]string{
		"CONFIG GET maxmemory-eviction-tenacity":     `["maxmemory-eviction-tenacity" "10"]`,
		"CONFIG SET maxmemory-eviction-tenacity 101": "(error) ERR CONFIG SET failed (possibly related to argument 'maxmemory-eviction-tenacity') - argument must be between 0 and 100 inclusive",
	} {
		if got := do(n, env, "c", line); got != want {
			t.Errorf("%s = %s, want %s", line, got, want)
		}
	}
}
