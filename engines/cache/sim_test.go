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

type simHarness struct {
	t      *testing.T
	w      *sim.World
	client *recorder
	seq    uint64
}

func newSimHarness(t *testing.T, seed uint64, cfg Config, disk sim.DiskConfig) *simHarness {
	t.Helper()
	w := sim.New(sim.Config{Seed: seed, Disk: disk, Network: sim.LinkConfig{Latency: sim.Latency{}}})
	rec := &recorder{w: w, replies: map[uint64]resp.Value{}, ackedAt: map[uint64]time.Duration{}}
	w.AddNode(cacheID, New(cfg))
	w.AddNode(clientID, func() node.Handler { return rec })
	w.Run(0)
	return &simHarness{t: t, w: w, client: rec}
}

// send issues a command now and returns its Seq.
func (h *simHarness) send(line string) uint64 {
	args, ok := resp.SplitArgs([]byte(line))
	if !ok {
		h.t.Fatalf("bad command %q", line)
	}
	h.seq++
	h.w.Send(clientID, cacheID, Command{Seq: h.seq, Args: args})
	return h.seq
}

// do issues a command and runs the world until its reply arrives (within
// a virtual-time deadline).
func (h *simHarness) do(line string) string {
	h.t.Helper()
	seq := h.send(line)
	deadline := h.w.Now() + time.Second
	for h.w.Now() < deadline {
		if v, ok := h.client.replies[seq]; ok {
			return v.String()
		}
		h.w.Run(h.w.Now() + time.Millisecond)
	}
	h.t.Fatalf("%q: no reply within 1s of virtual time", line)
	return ""
}

func (h *simHarness) expect(line, want string) {
	h.t.Helper()
	if got := h.do(line); got != want {
		h.t.Fatalf("%s = %s, want %s", line, got, want)
	}
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
var firstIncrName = persist.IncrName(1)

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
	run := func() string {
		h := newSimHarness(t, 42, Config{AppendOnly: true, AppendFsync: FsyncEverysec}, realDisk)
		for i := range 300 {
			h.send("SET key:" + itoa(i) + " v PX " + itoa(50+i))
			h.w.Run(h.w.Now() + 3*time.Millisecond)
		}
		h.w.Run(h.w.Now() + 500*time.Millisecond)
		aof, _ := h.w.Disk(cacheID).ReadFile(firstIncrName)
		return string(aof)
	}
	if a, b := run(), run(); a != b {
		t.Fatal("two runs with the same seed wrote different AOFs")
	}
}
