package cache

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"syslab/engines/cache/resp"
	"syslab/node"
)

func TestPauseAndMemoryErrorsAgreeWithRedis(t *testing.T) {
	compareWithRedis(t, []string{
		"CLIENT PAUSE -1", "CLIENT PAUSE x", "CLIENT PAUSE 10 foo", "CLIENT PAUSE 10 all x",
		"CLIENT PAUSE 99999999999999999999", "CLIENT PAUSE 0", "CLIENT PAUSE 0 WRITE", "CLIENT UNPAUSE",
		"CLIENT UNPAUSE x", "CLIENT PAUSE",
		"MEMORY foo", "MEMORY STATS x", "MEMORY DOCTOR x", "MEMORY HELP x", "OBJECT HELP x",
	})
}

// MEMORY STATS has Redis 7.0's fields, in its order.
func TestMemoryStatsFieldsAreRedisFields(t *testing.T) {
	var names func(v resp.Value) []string
	names = func(v resp.Value) []string {
		var out []string
		for i := 0; i+1 < len(v.Elems); i += 2 {
			out = append(out, string(v.Elems[i].Str))
			if v.Elems[i+1].Kind == resp.Map {
				out = append(out, names(v.Elems[i+1])...)
			}
		}
		return out
	}
	c := newComparison(t, Config{}, resp.RESP3)
	for _, line := range []string{"SET a b", "SET c d EX 100"} {
		c.onRedis(line)
		c.onNode(line)
	}
	ours, theirs := names(c.onNode("MEMORY STATS")[0]), names(c.onRedis("MEMORY STATS"))
	if !slices.Equal(ours, theirs) {
		t.Fatalf("MEMORY STATS fields\n got  %v\n want %v", ours, theirs)
	}
	// And of the same types: integers, doubles, a map per database.
	var kinds func(v resp.Value) []string
	kinds = func(v resp.Value) []string {
		var out []string
		for i := 0; i+1 < len(v.Elems); i += 2 {
			out = append(out, string(v.Elems[i].Str)+":"+strconv.Itoa(int(v.Elems[i+1].Kind)))
			if v.Elems[i+1].Kind == resp.Map {
				out = append(out, kinds(v.Elems[i+1])...)
			}
		}
		return out
	}
	if ours, theirs := kinds(c.onNode("MEMORY STATS")[0]), kinds(c.onRedis("MEMORY STATS")); !slices.Equal(ours, theirs) {
		t.Fatalf("MEMORY STATS types (field:kind)\n got  %v\n want %v", ours, theirs)
	}
	// INFO memory has Redis's fields in Redis's order.
	infoNames := func(info string) []string {
		var out []string
		for _, line := range strings.Split(info, "\r\n") {
			if name, _, ok := strings.Cut(line, ":"); ok {
				out = append(out, name)
			}
		}
		return out
	}
	ours, theirs = infoNames(string(c.onNode("INFO memory")[0].Str)), infoNames(string(c.onRedis("INFO memory").Str))
	if !slices.Equal(ours, theirs) {
		t.Fatalf("INFO memory fields\n got  %v\n want %v", ours, theirs)
	}
}

// Without a report from its adapter (in the simulator) a node gives its
// own accounting as allocator and RSS figures, with ratios of 1; with one
// it reports the process's figures and the ratios between them.
func TestMemoryStatsReportsTheProcessFigures(t *testing.T) {
	n, env := startNode(t, Config{})
	do(n, env, "c", "SET k v")
	stats := func() map[string]string {
		before := len(env.replies)
		n.Receive("c", Command{Seq: 1, Args: splitLine(t, "MEMORY STATS")})
		v := env.replies[before].Value
		m := map[string]string{}
		for i := 0; i+1 < len(v.Elems); i += 2 {
			m[string(v.Elems[i].Str)] = v.Elems[i+1].String()
		}
		return m
	}
	used := strconv.FormatInt(n.usedMemoryBytes(), 10)
	estimate := stats()
	for field, want := range map[string]string{
		"total.allocated": "(integer) " + used, "allocator.allocated": "(integer) " + used,
		"allocator.resident": "(integer) " + used, "fragmentation": "(double) 1", "fragmentation.bytes": "(integer) 0",
	} {
		if got := estimate[field]; got != want {
			t.Errorf("without a process report, %s = %s, want %s", field, got, want)
		}
	}
	if info := do(n, env, "c", "INFO memory"); !strings.Contains(info, `mem_allocator:model\r\n`) {
		t.Errorf("INFO memory does not say its figures are the model's: %s", info)
	}
	n.Receive("adapter", ProcessStats{HeapObjectsBytes: 1000, HeapInUseBytes: 1500, RuntimeHeldBytes: 3000,
		RSSBytes: 6000, TotalSystemBytes: 1 << 30, Allocator: "go1.26.0"})
	measured := stats()
	for field, want := range map[string]string{
		"total.allocated": "(integer) " + used, "allocator.allocated": "(integer) 1000", "allocator.active": "(integer) 1500",
		"allocator.resident": "(integer) 3000", "allocator-fragmentation.ratio": "(double) 1.5",
		"allocator-fragmentation.bytes": "(integer) 500", "allocator-rss.ratio": "(double) 2", "allocator-rss.bytes": "(integer) 1500",
		"rss-overhead.ratio": "(double) 2", "rss-overhead.bytes": "(integer) 3000",
		"fragmentation.bytes": "(integer) " + strconv.FormatInt(6000-n.usedMemoryBytes(), 10),
	} {
		if got := measured[field]; got != want {
			t.Errorf("with a process report, %s = %s, want %s", field, got, want)
		}
	}
	info := do(n, env, "c", "INFO memory")
	for _, line := range []string{"used_memory_rss:6000", "allocator_frag_ratio:1.50", "total_system_memory_human:1.00G", "mem_allocator:go1.26.0"} {
		if !strings.Contains(info, line+`\r\n`) {
			t.Errorf("INFO memory lacks %s: %s", line, info)
		}
	}
	// The peak, sampled every cron tick as Redis 7.0 does, stays when
	// memory shrinks.
	do(n, env, "c", "SET big "+strings.Repeat("x", 10000))
	peak := n.usedMemoryBytes()
	env.Advance(time.Second)
	do(n, env, "c", "DEL big")
	if got := stats()["peak.allocated"]; got != "(integer) "+strconv.FormatInt(peak, 10) {
		t.Errorf("peak.allocated = %s after a 10 kB key came and went, want %d", got, peak)
	}
}

// replyLog collects the answers to commands sent with distinct seqs.
type replyLog struct {
	t   *testing.T
	n   *Node
	env *testEnv
}

func (l replyLog) send(client node.ID, seq uint64, line string) {
	l.n.Receive(client, Command{Seq: seq, Args: splitLine(l.t, line)})
}

// answered lists, in order, the seqs answered so far.
func (l replyLog) answered() []uint64 {
	var seqs []uint64
	for _, r := range l.env.replies {
		seqs = append(seqs, r.Seq)
	}
	return seqs
}

func TestClientPauseHoldsCommands(t *testing.T) {
	n, env := startNode(t, Config{})
	l := replyLog{t, n, env}
	l.send("admin", 1, "CLIENT PAUSE 1000 WRITE")
	l.send("writer", 2, "SET k v")
	l.send("writer", 3, "GET k") // behind its held write, so held too
	l.send("reader", 4, "GET k") // a read: WRITE mode lets it through
	// PFCOUNT reads, but may write the cached count and replicate it, so
	// Redis holds it as it holds PUBLISH.
	l.send("counter", 41, "PFCOUNT h")
	l.send("publisher", 42, "PUBLISH ch m")
	if got := l.answered(); !slices.Equal(got, []uint64{1, 4}) {
		t.Fatalf("during the WRITE pause, answered %v, want [1 4]", got)
	}
	env.Advance(time.Second)
	if got := l.answered(); !slices.Equal(got, []uint64{1, 4, 2, 3, 41, 42}) {
		t.Fatalf("after the pause, answered %v, want [1 4 2 3 41 42]", got)
	}
	if got := env.replies[3].Value.String(); got != `"v"` {
		t.Fatalf("the held GET answered %s", got)
	}

	// ALL holds reads too; UNPAUSE (itself answered first) ends it early.
	l.send("admin", 5, "CLIENT PAUSE 60000 ALL")
	l.send("reader", 6, "GET k")
	l.send("admin", 7, "CLIENT UNPAUSE") // held as well: a pause ALL holds everything
	if got := l.answered()[6:]; !slices.Equal(got, []uint64{5}) {
		t.Fatalf("during the ALL pause, answered %v, want [5]", got)
	}
	env.Advance(time.Minute)
	if got := l.answered()[6:]; !slices.Equal(got, []uint64{5, 6, 7}) {
		t.Fatalf("after the ALL pause, answered %v, want [5 6 7]", got)
	}
	l.send("admin", 8, "CLIENT PAUSE 60000 WRITE")
	l.send("writer", 9, "DEL k")
	l.send("admin", 10, "CLIENT UNPAUSE")
	env.Advance(0)
	if got := l.answered()[9:]; !slices.Equal(got, []uint64{8, 10, 9}) {
		t.Fatalf("CLIENT UNPAUSE: answered %v, want [8 10 9]", got)
	}
}

func TestDebugSleepHoldsEveryCommand(t *testing.T) {
	n, env := startNode(t, Config{EnableDebugCommand: ProtectedYes})
	l := replyLog{t, n, env}
	l.send("sleeper", 1, "DEBUG SLEEP 0.5")
	l.send("other", 2, "PING")
	if got := l.answered(); len(got) != 0 {
		t.Fatalf("during DEBUG SLEEP, answered %v", got)
	}
	env.Advance(499 * time.Millisecond)
	if got := l.answered(); len(got) != 0 {
		t.Fatalf("before the sleep ended, answered %v", got)
	}
	env.Advance(time.Millisecond)
	if got := l.answered(); !slices.Equal(got, []uint64{1, 2}) {
		t.Fatalf("after DEBUG SLEEP, answered %v, want [1 2]", got)
	}
	if got := do(n, env, "c", "DEBUG SLEEP 0"); got != `"OK"` {
		t.Fatalf("DEBUG SLEEP 0 = %s", got)
	}
}

func TestDebugSetActiveExpire(t *testing.T) {
	n, env := startNode(t, Config{EnableDebugCommand: ProtectedYes})
	do(n, env, "c", "DEBUG SET-ACTIVE-EXPIRE 0")
	do(n, env, "c", "SET k v PX 100")
	env.Advance(2 * time.Second)
	if got := n.dbs[0].size(); got != 1 {
		t.Fatalf("with active expiry off, %d keys left, want the expired one kept", got)
	}
	do(n, env, "c", "DEBUG SET-ACTIVE-EXPIRE 1")
	env.Advance(2 * time.Second)
	if got := n.dbs[0].size(); got != 0 {
		t.Fatalf("with active expiry on again, %d keys left", got)
	}
}

// The introspection errors go-redis and redis-cli users meet.
func TestIntrospectionErrorsAgreeWithRedis(t *testing.T) {
	compareWithRedis(t, []string{
		"SWAPDB 0 x", "SWAPDB 0 99", "SWAPDB -1 0", "SWAPDB 0 1", "LASTSAVE x", "TIME x",
		"OBJECT foo k", "OBJECT encoding", "OBJECT ENCODING nokey", "SET k v", "OBJECT ENCODING k",
		"MEMORY USAGE", "MEMORY USAGE nokey", "MEMORY USAGE k SAMPLES x", "MEMORY USAGE k SAMPLES -1", "MEMORY USAGE k x y",
	})
}

// A pause script runs on redis-server and on the node alike, with the same
// expectations, so it checks the node against Redis 7.0's behaviour and
// against the test's own reading of it. Clients are numbered; 0 is the
// admin connection that pauses and unpauses.
type pauseStep struct {
	client int
	// send is a command. Its reply is read at once and compared with want,
	// unless heldBlocked > 0: then the command must be held, and INFO's
	// blocked_clients must reach heldBlocked.
	send        string
	want        string
	heldBlocked int
	// read, when set, reads the reply of the client's held command (want).
	read bool
	// untilNil repeats send until it answers nil: on redis-server the
	// wall clock lets a PX 1 key expire; the node's clock is moved 10 ms.
	untilNil bool
}

// pauseRunner is one side of a pause script.
type pauseRunner interface {
	send(client int, line string)
	// next is the client's next reply; ok is false when there is none yet
	// (the node only: redis-server's side waits for it).
	next(client int) (v resp.Value, ok bool)
	blockedClients() int
	elapse()
}

func runPauseScript(t *testing.T, name string, r pauseRunner, steps []pauseStep) {
	t.Helper()
	for i, s := range steps {
		where := func() string {
			return name + " step " + strconv.Itoa(i) + " client " + strconv.Itoa(s.client) + " " + s.send
		}
		switch {
		case s.read:
			v, ok := r.next(s.client)
			if !ok || v.String() != s.want {
				t.Fatalf("%s: held command answered %v (answered: %v), want %s", where(), v, ok, s.want)
			}
		case s.untilNil:
			r.elapse()
			var v resp.Value
			for range 500 {
				r.send(s.client, s.send)
				v, _ = r.next(s.client)
				if v.Kind == resp.Null || v.Kind == resp.NullArray {
					break
				}
				r.elapse()
			}
			if v.String() != "(nil)" {
				t.Fatalf("%s: never answered nil, last %v", where(), v)
			}
		case s.heldBlocked > 0:
			r.send(s.client, s.send)
			if !waitFor(func() bool { return r.blockedClients() == s.heldBlocked }) {
				t.Fatalf("%s: blocked_clients = %d, want %d", where(), r.blockedClients(), s.heldBlocked)
			}
		default:
			r.send(s.client, s.send)
			if v, ok := r.next(s.client); !ok || v.String() != s.want {
				t.Fatalf("%s = %v (answered: %v), want %s", where(), v, ok, s.want)
			}
		}
	}
}

// waitFor polls cond until it holds or redisReplyTimeout passed; the node's
// side holds or fails at once.
func waitFor(cond func() bool) bool {
	deadline := time.Now().Add(redisReplyTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(5 * time.Millisecond)
	}
	return true
}

func infoField(info, name string) string {
	for _, line := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, name+":"); ok {
			return v
		}
	}
	return ""
}

type nodePauseRunner struct {
	t    *testing.T
	n    *Node
	env  *testEnv
	sent map[int]uint64 // commands sent per client
	read map[int]uint64 // replies taken per client
}

// Client c's commands carry seqs c·1e6+1, +2, … so replies map back to it.
func (r *nodePauseRunner) send(client int, line string) {
	r.sent[client]++
	r.n.Receive(node.ID("client-"+strconv.Itoa(client)), Command{Seq: uint64(client)*1e6 + r.sent[client], Args: splitLine(r.t, line)})
}

func (r *nodePauseRunner) next(client int) (resp.Value, bool) {
	r.env.Advance(0) // what is due now, such as the end of an UNPAUSEd pause
	want := uint64(client)*1e6 + r.read[client] + 1
	for _, reply := range r.env.replies {
		if reply.Seq == want {
			r.read[client]++
			return reply.Value, true
		}
	}
	return resp.Value{}, false
}

func (r *nodePauseRunner) blockedClients() int {
	before := len(r.env.replies)
	r.n.Receive("info", Command{Seq: 0, Args: splitLine(r.t, "INFO clients")})
	info := string(r.env.replies[before].Value.Str)
	r.env.replies = r.env.replies[:before]
	v, _ := strconv.Atoi(infoField(info, "blocked_clients"))
	return v
}

func (r *nodePauseRunner) elapse() { r.env.Advance(10 * time.Millisecond) }

type redisPauseRunner struct {
	server  *redisServer
	clients map[int]*redisConn
	info    *redisConn
}

func (r *redisPauseRunner) conn(client int) *redisConn {
	if r.clients[client] == nil {
		r.clients[client] = r.server.dial()
	}
	return r.clients[client]
}

func (r *redisPauseRunner) send(client int, line string) {
	c := r.conn(client)
	c.conn.SetDeadline(time.Now().Add(redisReplyTimeout))
	if _, err := c.conn.Write(resp.AppendCommand(nil, splitLine(c.t, line)...)); err != nil {
		c.t.Fatalf("write to redis-server: %v", err)
	}
}

func (r *redisPauseRunner) next(client int) (resp.Value, bool) { return r.conn(client).read(), true }

func (r *redisPauseRunner) blockedClients() int {
	v, _ := strconv.Atoi(infoField(string(r.info.doLine("INFO clients").Str), "blocked_clients"))
	return v
}

func (r *redisPauseRunner) elapse() { time.Sleep(2 * time.Millisecond) }

// runPauseScriptBoth runs steps on redis-server 7.0 and on a node.
func runPauseScriptBoth(t *testing.T, steps []pauseStep) *Node {
	t.Helper()
	server := startRedisServer(t)
	server.dial().doLine("CONFIG SET enable-debug-command yes") // ignored where it is immutable
	runPauseScript(t, "redis-server", &redisPauseRunner{server: server, clients: map[int]*redisConn{}, info: server.dial()}, steps)
	n, env := startNode(t, Config{})
	runPauseScript(t, "node", &nodePauseRunner{t: t, n: n, env: env, sent: map[int]uint64{}, read: map[int]uint64{}}, steps)
	return n
}

// What CLIENT PAUSE WRITE holds and what it lets through, as redis-server
// 7.0.15 does: malformed commands are answered at once, reads and
// read-only transactions run, writes, PUBLISH, a write sent inside MULTI
// and an EXEC with a queued write wait — and the dataset stands still:
// keys past their TTL read as missing but are neither deleted (DBSIZE,
// expired_keys) until the pause ends.
func TestClientPauseWriteAgreesWithRedis(t *testing.T) {
	steps := []pauseStep{
		{client: 0, send: "SET a 1", want: `"OK"`},
		{client: 4, send: "MULTI", want: `"OK"`},
		{client: 4, send: "SET q 1", want: `"QUEUED"`},
		// The keys expire during the pause, which starts at EXEC's end.
		{client: 0, send: "MULTI", want: `"OK"`},
		{client: 0, send: "SET k1 v PX 1", want: `"QUEUED"`},
		{client: 0, send: "SET k2 v PX 1", want: `"QUEUED"`},
		{client: 0, send: "CLIENT PAUSE 100000 WRITE", want: `"QUEUED"`},
		{client: 0, send: "EXEC", want: `["OK" "OK" "OK"]`},
		{client: 1, send: "SET x", want: "(error) ERR wrong number of arguments for 'set' command"},
		{client: 1, send: "NOSUCH", want: "(error) ERR unknown command 'NOSUCH', with args beginning with: "},
		{client: 1, send: "GET a", want: `"1"`},
		{client: 1, send: "MULTI", want: `"OK"`},
		{client: 1, send: "GET a", want: `"QUEUED"`},
		{client: 1, send: "PING", want: `"QUEUED"`},
		{client: 1, send: "EXEC", want: `["1" "PONG"]`},
		{client: 1, send: "GET k1", untilNil: true},
		{client: 1, send: "GET k2", untilNil: true},
		{client: 1, send: "EXISTS k1 k2", want: "(integer) 0"},
		{client: 1, send: "PTTL k1", want: "(integer) -2"},
		{client: 1, send: "KEYS k*", want: "[]"},
		{client: 1, send: "DBSIZE", want: "(integer) 3"},
		{client: 2, send: "PUBLISH ch m", heldBlocked: 1},
		{client: 3, send: "MULTI", want: `"OK"`},
		{client: 3, send: "SET y 1", heldBlocked: 2},
		{client: 3, send: "GET a", heldBlocked: 2}, // behind its held SET
		{client: 4, send: "EXEC", heldBlocked: 3},
		{client: 5, send: "SET z 1", heldBlocked: 4},
		{client: 1, send: "DBSIZE", want: "(integer) 3"},
		{client: 0, send: "CLIENT UNPAUSE", want: `"OK"`},
		{client: 2, read: true, want: "(integer) 0"},
		{client: 3, read: true, want: `"QUEUED"`},
		{client: 3, read: true, want: `"QUEUED"`},
		{client: 3, send: "EXEC", want: `["OK" "1"]`},
		{client: 4, read: true, want: `["OK"]`},
		{client: 5, read: true, want: `"OK"`},
		// Unpaused, the first access deletes what expired.
		{client: 1, send: "DBSIZE", want: "(integer) 6"},
		{client: 1, send: "GET k1", want: "(nil)"},
		{client: 1, send: "DBSIZE", want: "(integer) 5"},
	}
	n := runPauseScriptBoth(t, steps)
	if got := n.stats.ExpiredKeys; got != 1 {
		t.Fatalf("expired_keys = %d after one expired key was read unpaused, want 1", got)
	}
}

// A pause keeps the dataset still: the active expiry cycle does not run,
// and neither does eviction — nor is anything refused for memory then.
// Both resume when the pause ends.
func TestClientPauseStopsActiveExpiryAndEviction(t *testing.T) {
	n, env := startNode(t, Config{})
	for _, line := range []string{"SET t1 v PX 50", "SET t2 v PX 50", "SET p1 v", "SET p2 v", "CONFIG SET maxmemory-policy allkeys-random"} {
		do(n, env, "admin", line)
	}
	do(n, env, "admin", "CLIENT PAUSE 10000 WRITE")
	env.Advance(5 * time.Second) // fifty cron ticks
	if got := n.dbs[0].size(); got != 4 || n.stats.ExpiredKeys != 0 {
		t.Fatalf("during the pause: %d keys, %d expired; want all 4 kept, none expired", got, n.stats.ExpiredKeys)
	}
	do(n, env, "admin", "CONFIG SET maxmemory 1")
	if got := do(n, env, "reader", "GET p1"); got != `"v"` {
		t.Fatalf("GET during the pause over maxmemory = %s", got)
	}
	if n.stats.EvictedKeys != 0 || n.dbs[0].size() != 4 {
		t.Fatalf("during the pause %d keys were evicted", n.stats.EvictedKeys)
	}
	env.Advance(5 * time.Second) // the pause ends; the cycle runs again
	if n.stats.ExpiredKeys != 2 {
		t.Fatalf("after the pause the cycle expired %d keys, want 2", n.stats.ExpiredKeys)
	}
	do(n, env, "reader", "GET p1") // the next command makes room
	if n.stats.EvictedKeys != 2 || n.dbs[0].size() != 0 {
		t.Fatalf("after the pause: %d evicted, %d keys left; want 2 and 0", n.stats.EvictedKeys, n.dbs[0].size())
	}
	if got := do(n, env, "reader", "INFO stats"); !strings.Contains(got, `evicted_keys:2\r\n`) {
		t.Fatalf("INFO stats does not report the evictions: %s", got)
	}
}

// Two places where Redis 7.0.15 itself fails under a pause: RANDOMKEY over
// expired volatile keys never returns (the server hangs), and a write to an
// expired key inside the transaction that paused fails an assertion (the
// server crashes). The node answers both.
func TestClientPauseEdgesRedisGetsWrong(t *testing.T) {
	n, env := startNode(t, Config{})
	do(n, env, "c", "DEBUG SET-ACTIVE-EXPIRE 0") // so a and b are still there
	do(n, env, "c", "SET a v PX 10")
	do(n, env, "c", "SET b v PX 10")
	env.Advance(20 * time.Millisecond)
	do(n, env, "c", "CLIENT PAUSE 100000 WRITE")
	if got := do(n, env, "c", "RANDOMKEY"); got != `"a"` && got != `"b"` {
		t.Fatalf("RANDOMKEY over expired keys during a pause = %s, want one of them", got)
	}
	do(n, env, "c", "CLIENT UNPAUSE")
	env.Advance(0)
	do(n, env, "c", "SET k 41 PX 10")
	env.Advance(20 * time.Millisecond)
	for _, s := range []struct{ line, want string }{
		{"MULTI", `"OK"`},
		{"CLIENT PAUSE 100000 WRITE", `"QUEUED"`},
		{"GET k", `"QUEUED"`},
		{"INCR k", `"QUEUED"`},
		{"PTTL k", `"QUEUED"`},
		{"EXEC", `["OK" (nil) (integer) 1 (integer) -1]`},
	} {
		if got := do(n, env, "c", s.line); got != s.want {
			t.Fatalf("%s = %s, want %s", s.line, got, s.want)
		}
	}
}

// CLIENT LIST shows a held client as blocked, with the command it waits
// to run; DEBUG SLEEP holds even what would be refused at once.
func TestHeldClientsInClientListAndDebugSleep(t *testing.T) {
	n, env := startNode(t, Config{EnableDebugCommand: ProtectedYes})
	l := replyLog{t, n, env}
	l.send("admin", 1, "CLIENT PAUSE 1000 WRITE")
	l.send("writer", 2, "SET k v")
	list := do(n, env, "admin", "CLIENT LIST")
	if !strings.Contains(list, "flags=b db=0") || !strings.Contains(list, "cmd=set ") {
		t.Fatalf("CLIENT LIST does not show the held writer as blocked in SET:\n%s", list)
	}
	env.Advance(time.Second)
	l.send("sleeper", 10, "DEBUG SLEEP 1")
	l.send("other", 11, "NOSUCH")
	if got := l.answered(); slices.Contains(got, 11) {
		t.Fatalf("an unknown command was answered during DEBUG SLEEP: %v", got)
	}
	env.Advance(time.Second)
	if got := l.answered(); !slices.Contains(got, 11) {
		t.Fatalf("after DEBUG SLEEP the unknown command is still unanswered: %v", got)
	}
}

// DEBUG SLEEP inside EXEC: the commands after it run at the later time (a
// key with PX 1 has expired for the GET after it, and its lazy expiry is
// broadcast even to a NOLOOP client, as tracking.tcl checks against
// Redis), EXEC answers at once, and other clients wait out the sleep.
func TestDebugSleepInsideExecMovesTheTransactionsClock(t *testing.T) {
	w := newNodeWorld(t)
	var last map[string]string
	for _, s := range parseScript(
		"c: SUBSCRIBE __redis__:invalidate",
		"a: CLIENT TRACKING ON BCAST REDIRECT {id:c} NOLOOP",
		"a: MULTI",
		"a: SET mykey v PX 1",
		"a: SET mykeyother v",
		"a: DEBUG SLEEP 0.1",
		"a: GET mykey",
		"a: EXEC",
	) {
		last = w.run(s.client, scriptArgs(w, s.command))
	}
	if want := "*4\r\n+OK\r\n+OK\r\n+OK\r\n$-1\r\n"; last["a"] != want {
		t.Fatalf("EXEC answered %q, want %q", last["a"], want)
	}
	if want := "*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n*1\r\n$5\r\nmykey\r\n"; last["c"] != want {
		t.Fatalf("the redirect client got %q, want only the expired key: %q", last["c"], want)
	}
	if got := w.run("b", [][]byte{[]byte("PING")}); got["b"] != "" {
		t.Fatalf("another client was answered during the sleep: %q", got["b"])
	}
	w.env.Advance(100 * time.Millisecond)
	if w.n.pause.sleeping || len(w.n.pause.held) != 0 {
		t.Fatal("the sleep did not end, or left commands held")
	}
}

// DEBUG PAUSE-CRON 1 stops the cron's expiry cycle; 0 restarts it.
func TestDebugPauseCron(t *testing.T) {
	n, env := startNode(t, Config{EnableDebugCommand: ProtectedYes})
	do(n, env, "c", "DEBUG PAUSE-CRON 1")
	do(n, env, "c", "SET k v PX 10")
	env.Advance(2 * time.Second)
	if n.dbs[0].size() != 1 {
		t.Fatal("the expiry cycle ran with the cron paused")
	}
	do(n, env, "c", "DEBUG PAUSE-CRON 0")
	env.Advance(2 * time.Second)
	if n.dbs[0].size() != 0 {
		t.Fatal("the expiry cycle did not resume")
	}
}

// CLIENT UNPAUSE ends the pause for the very next command, as Redis's
// unpauseClients: a read right after it expires keys again (only the
// held commands wait for the next event).
func TestUnpauseTakesEffectAtOnce(t *testing.T) {
	n, env := startNode(t, Config{})
	do(n, env, "c", "SET k v PX 10")
	do(n, env, "c", "CLIENT PAUSE 100000 WRITE")
	env.now = env.now.Add(time.Second) // k is past its TTL; no timer runs
	if got := do(n, env, "c", "GET k"); got != "(nil)" {
		t.Fatalf("GET during the pause: %s", got)
	}
	do(n, env, "c", "CLIENT UNPAUSE")
	do(n, env, "c", "GET k")
	if got := nodeInfo(n, env, "stats", "expired_keys"); got != "1" {
		t.Fatalf("expired_keys %s after UNPAUSE and a GET, want 1", got)
	}
}
