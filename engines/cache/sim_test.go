package cache

import (
	"strings"
	"testing"
	"time"

	"syslab/engines/cache/persist"
	"syslab/engines/cache/resp"
	"syslab/node"
	"syslab/sim"
)

// recorder is a client node: it remembers each reply by Seq and when it
// arrived (in world time).
type recorder struct {
	w       *sim.World
	replies map[uint64]resp.Value
	ackedAt map[uint64]time.Duration
}

func (r *recorder) Start(node.Env) {}
func (r *recorder) Receive(_ node.ID, msg node.Message) {
	reply, ok := msg.(Reply)
	if !ok {
		return // pushes: see pubsub_test.go
	}
	r.replies[reply.Seq] = reply.Value
	r.ackedAt[reply.Seq] = r.w.Now()
}

const (
	cacheID  node.ID = "cache-1"
	clientID node.ID = "client-1"
)

// simHarness is a simulated world of one cache node and recording
// clients; its seed names the run.
type simHarness struct {
	t       *testing.T
	w       *sim.World
	first   node.ID   // the client send and do speak for
	client  *recorder // first's replies
	clients map[node.ID]*recorder
	seq     uint64 // unique across clients
}

// newSimHarness is a world with one client, clientID, on instant links.
func newSimHarness(t *testing.T, seed uint64, cfg Config, disk sim.DiskConfig) *simHarness {
	t.Helper()
	return newSimClients(t, seed, cfg, disk, sim.Latency{}, clientID)
}

// newSimClients is a world with the given clients, every link of the
// given latency.
func newSimClients(t *testing.T, seed uint64, cfg Config, disk sim.DiskConfig, latency sim.Latency, clients ...node.ID) *simHarness {
	t.Helper()
	w := sim.New(sim.Config{Seed: seed, Disk: disk, Network: sim.LinkConfig{Latency: latency}})
	h := &simHarness{t: t, w: w, first: clients[0], clients: map[node.ID]*recorder{}}
	w.AddNode(cacheID, New(cfg))
	for _, id := range clients {
		rec := &recorder{w: w, replies: map[uint64]resp.Value{}, ackedAt: map[uint64]time.Duration{}}
		h.clients[id] = rec
		w.AddNode(id, func() node.Handler { return rec })
	}
	h.client = h.clients[h.first]
	w.Run(0)
	return h
}

// send issues a command from the first client now and returns its Seq.
func (h *simHarness) send(line string) uint64 {
	h.t.Helper()
	return h.sendFrom(h.first, line)
}

// sendFrom issues a command from client now and returns its Seq.
func (h *simHarness) sendFrom(client node.ID, line string) uint64 {
	h.t.Helper()
	args, ok := resp.SplitArgs([]byte(line))
	if !ok {
		h.t.Fatalf("bad command %q", line)
	}
	h.seq++
	h.w.Send(client, cacheID, Command{Seq: h.seq, Args: args})
	return h.seq
}

// reply is client's reply to seq, if it has arrived.
func (h *simHarness) reply(client node.ID, seq uint64) (string, bool) {
	v, ok := h.clients[client].replies[seq]
	return v.String(), ok
}

func (h *simHarness) runFor(d time.Duration) { h.w.Run(h.w.Now() + d) }

// await runs the world until the first client has the reply to seq
// (within a virtual-time deadline).
func (h *simHarness) await(seq uint64, line string) resp.Value {
	h.t.Helper()
	deadline := h.w.Now() + time.Second
	for h.w.Now() < deadline {
		if v, ok := h.client.replies[seq]; ok {
			return v
		}
		h.runFor(time.Millisecond)
	}
	h.t.Fatalf("%q: no reply within 1s of virtual time", line)
	return resp.Value{}
}

// do issues a command and waits for its reply, rendered like redis-cli.
func (h *simHarness) do(line string) string {
	h.t.Helper()
	return h.await(h.send(line), line).String()
}

func (h *simHarness) expect(line, want string) {
	h.t.Helper()
	if got := h.do(line); got != want {
		h.t.Fatalf("%s = %s, want %s", line, got, want)
	}
}

// sameSeedTwice runs script in two worlds of the same seed, each an
// append-only node (everysec) on realDisk, and fails unless both runs
// return the same text and write the same AOF. It returns one run's
// text followed by its AOF.
func sameSeedTwice(t *testing.T, seed uint64, script func(h *simHarness) string) string {
	t.Helper()
	run := func() string {
		h := newSimHarness(t, seed, Config{AppendOnly: true, AppendFsync: FsyncEverysec}, realDisk)
		out := script(h)
		h.runFor(2 * time.Second)
		aof, _ := h.w.Disk(cacheID).ReadFile(firstIncrName)
		return out + string(aof)
	}
	a, b := run(), run()
	if a != b {
		t.Fatalf("seed %d: two runs answered or logged differently", seed)
	}
	return a
}

// survivesRestart runs lines on an append-only node (always), crashes and
// restarts it, and fails unless dump renders the same state before and
// after. It returns that state.
func survivesRestart(t *testing.T, seed uint64, lines []string, dump func(h *simHarness) string) string {
	t.Helper()
	h := newSimHarness(t, seed, Config{AppendOnly: true, AppendFsync: FsyncAlways}, realDisk)
	for _, line := range lines {
		h.do(line)
	}
	want := dump(h)
	h.w.Crash(cacheID)
	h.restart()
	if got := dump(h); got != want {
		t.Fatalf("state after restart:\n%s\nwant:\n%s", got, want)
	}
	return want
}

// writeLoad sends SET key:i i every interval until end and returns the
// Seq of each key index.
func (h *simHarness) writeLoad(interval, end time.Duration) map[int]uint64 {
	seqByKey := map[int]uint64{}
	for i := 0; h.w.Now() < end; i++ {
		seqByKey[i] = h.send("SET key:" + itoa(i) + " " + itoa(i))
		h.w.Run(h.w.Now() + interval)
	}
	return seqByKey
}

func (h *simHarness) restart() {
	h.w.Restart(cacheID)
	h.w.Run(h.w.Now() + time.Millisecond)
}

// firstIncrName is the incremental AOF file a fresh node appends to.
var firstIncrName = aofPath(persist.IncrName(1))

var realDisk = sim.DiskConfig{
	SyncLatency: sim.Latency{Kind: "constant", Mean: 2 * time.Millisecond},
	TornWrites:  true,
}

// With appendfsync always, a crash loses no acknowledged write.
func TestSimAlwaysLosesNoAckedWrite(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3, 4, 5} {
		h := newSimHarness(t, seed, Config{AppendOnly: true, AppendFsync: FsyncAlways}, realDisk)
		crashAt := 1500*time.Millisecond + time.Duration(seed)*37*time.Millisecond
		seqByKey := h.writeLoad(time.Millisecond, crashAt)
		h.w.Crash(cacheID)
		h.restart()
		acked := 0
		for i, seq := range seqByKey {
			if v, ok := h.client.replies[seq]; !ok || v.String() != `"OK"` {
				continue
			}
			acked++
			if got := h.do("GET key:" + itoa(i)); got != `"`+itoa(i)+`"` {
				t.Fatalf("seed %d: acked SET key:%d lost after crash: GET = %s", seed, i, got)
			}
		}
		if acked < 100 {
			t.Fatalf("seed %d: only %d writes acked; the test proves nothing", seed, acked)
		}
	}
}

// With everysec, a crash loses at most the writes of the last second.
func TestSimEverysecLosesAtMostOneSecond(t *testing.T) {
	lostSomething := false
	for _, seed := range []uint64{1, 2, 3} {
		h := newSimHarness(t, seed, Config{AppendOnly: true, AppendFsync: FsyncEverysec}, realDisk)
		crashAt := 3500*time.Millisecond + time.Duration(seed)*1137*time.Millisecond
		seqByKey := h.writeLoad(time.Millisecond, crashAt)
		h.w.Crash(cacheID)
		h.restart()
		for i, seq := range seqByKey {
			if _, ok := h.client.ackedAt[seq]; !ok {
				continue
			}
			if got := h.do("GET key:" + itoa(i)); got != `"`+itoa(i)+`"` {
				lostSomething = true
				if age := crashAt - h.client.ackedAt[seq]; age > time.Second+10*time.Millisecond {
					t.Fatalf("seed %d: SET key:%d acked %v before the crash was lost", seed, i, age)
				}
			}
		}
	}
	if !lostSomething {
		t.Fatal("everysec never lost a write in a crash: is it syncing on every write?")
	}
}

func TestSimExpiryOnVirtualTime(t *testing.T) {
	h := newSimHarness(t, 7, Config{}, sim.DiskConfig{})
	h.expect("SET k v EX 5", `"OK"`)
	h.expect("SET idle v PX 300", `"OK"`)
	h.w.Run(h.w.Now() + 4900*time.Millisecond)
	h.expect("GET k", `"v"`)
	h.w.Run(h.w.Now() + 200*time.Millisecond)
	h.expect("GET k", "(nil)")
	h.expect("DBSIZE", "(integer) 0") // idle was never read: active expiry took it
}

func TestSimAOFReplayAfterRestart(t *testing.T) {
	h := newSimHarness(t, 8, Config{AppendOnly: true, AppendFsync: FsyncAlways}, realDisk)
	for _, line := range []string{
		"SET a 1", "INCRBY a 41", "SET b x EX 100", "SET c y", "EXPIRE c 1", "SELECT 3", "SET d in-db-3", "SET gone v", "DEL gone",
	} {
		h.do(line)
	}
	h.w.Run(h.w.Now() + 2*time.Second) // c expires (active cycle logs DEL)
	h.w.Crash(cacheID)
	h.restart()
	h.expect("GET a", `"42"`)
	h.expect("TTL b", "(integer) 98")
	h.expect("EXISTS c", "(integer) 0")
	h.expect("GET gone", "(nil)")
	h.expect("SELECT 3", `"OK"`)
	h.expect("GET d", `"in-db-3"`)
	h.expect("SELECT 0", `"OK"`)
	h.w.Run(h.w.Now() + 100*time.Second)
	h.w.Restart(cacheID)
	h.w.Run(h.w.Now() + time.Millisecond)
	h.expect("GET b", "(nil)") // the TTL was absolute: it ran out while the node was down too
}

func TestSimTornTailIsTruncated(t *testing.T) {
	h := newSimHarness(t, 9, Config{AppendOnly: true, AppendFsync: FsyncAlways}, realDisk)
	h.expect("SET a 1", `"OK"`)
	f, err := h.w.Disk(cacheID).Open(firstIncrName)
	if err != nil {
		t.Fatal(err)
	}
	good := f.Size()
	f.Write([]byte("*3\r\n$3\r\nSET\r\n$1\r\nb\r\n$5\r\nhal"))
	f.Sync()
	h.restart()
	h.expect("GET a", `"1"`)
	h.expect("GET b", "(nil)")
	node := h.w.Handler(cacheID).(*Node)
	if node.Stats().AOFTruncated == 0 {
		t.Fatal("the torn tail was not reported")
	}
	h.expect("SET c 3", `"OK"`)
	h.restart()
	h.expect("GET c", `"3"`)
	if size := f.Size(); size <= good {
		t.Fatalf("AOF is %d bytes, want more than %d after the next write", size, good)
	}
}

func TestSimCorruptAOFRefusesService(t *testing.T) {
	h := newSimHarness(t, 10, Config{AppendOnly: true, AppendFsync: FsyncAlways}, realDisk)
	h.expect("SET a 1", `"OK"`)
	f, _ := h.w.Disk(cacheID).Open(firstIncrName)
	f.Write([]byte("garbage\r\n*2\r\n$3\r\nGET\r\n$1\r\na\r\n"))
	f.Sync()
	before, _ := h.w.Disk(cacheID).ReadFile(firstIncrName)
	h.restart()
	for _, line := range []string{"GET a", "SET a 2", "PING"} {
		got := h.do(line)
		if !strings.Contains(got, "Bad file format reading the append only file appendonly.aof.1.incr.aof at offset") {
			t.Fatalf("%s on a node with a corrupt AOF = %s", line, got)
		}
	}
	// A pipelined batch from a connected client too (the node reads ahead
	// a batch's keys: there are none).
	h.w.Send(h.first, cacheID, Connected{Addr: "127.0.0.1:5000"})
	h.seq += 2
	h.w.Send(h.first, cacheID, Commands{
		{Seq: h.seq - 1, Args: [][]byte{[]byte("GET"), []byte("a")}},
		{Seq: h.seq, Args: [][]byte{[]byte("GET"), []byte("b")}},
	})
	if got := h.await(h.seq, "GET b").String(); !strings.Contains(got, "Bad file format") {
		t.Fatalf("pipelined GET on a node with a corrupt AOF = %s", got)
	}
	after, _ := h.w.Disk(cacheID).ReadFile(firstIncrName)
	if string(after) != string(before) {
		t.Fatal("the node changed a corrupt AOF instead of leaving it for the operator")
	}
}

func TestSimDiskFullGivesMisconf(t *testing.T) {
	for _, policy := range []string{FsyncAlways, FsyncEverysec, FsyncNo} {
		t.Run(policy, func(t *testing.T) {
			h := newSimHarness(t, 11, Config{AppendOnly: true, AppendFsync: policy}, realDisk)
			h.expect("SET a 1", `"OK"`)
			h.w.SetDiskFault(cacheID, sim.DiskFault{Full: true})
			const misconf = "(error) MISCONF Errors writing to the AOF file: "
			if got := h.do("SET b 2"); !strings.HasPrefix(got, misconf) {
				t.Fatalf("SET on a full disk = %s, want MISCONF", got)
			}
			if got := h.do("SET c 3"); !strings.HasPrefix(got, misconf) {
				t.Fatalf("later SET on a full disk = %s, want MISCONF", got)
			}
			h.expect("GET a", `"1"`) // reads still work
			h.w.SetDiskFault(cacheID, sim.DiskFault{})
			h.w.Run(h.w.Now() + 1100*time.Millisecond) // background retry
			h.expect("SET d 4", `"OK"`)
			h.w.Kill(cacheID)
			h.restart()
			h.expect("GET a", `"1"`)
			h.expect("GET d", `"4"`)
			h.expect("GET c", "(nil)") // refused, never applied
		})
	}
}

func TestSimSyncErrorUnderAlwaysIsNotAcked(t *testing.T) {
	h := newSimHarness(t, 12, Config{AppendOnly: true, AppendFsync: FsyncAlways}, realDisk)
	h.w.SetDiskFault(cacheID, sim.DiskFault{SyncErrorRate: 1})
	if got := h.do("SET a 1"); !strings.HasPrefix(got, "(error) MISCONF") {
		t.Fatalf("SET with failing fsync = %s, want MISCONF", got)
	}
	h.w.SetDiskFault(cacheID, sim.DiskFault{})
	h.expect("SET b 2", `"OK"`) // the retry before it synced
	h.w.Crash(cacheID)
	h.restart()
	h.expect("GET b", `"2"`)
}

func TestSimDeterministic(t *testing.T) {
	sameSeedTwice(t, 42, func(h *simHarness) string {
		for i := range 300 {
			h.send("SET key:" + itoa(i) + " v PX " + itoa(50+i))
			h.runFor(3 * time.Millisecond)
		}
		return ""
	})
}
