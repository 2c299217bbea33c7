package cache

import (
	"bufio"
	"bytes"
	"fmt"
	"runtime"
	"testing"

	"syslab/engines/cache/resp"
	"syslab/node"
)

// The server's hot path without the socket: a pipeline of hotpathBatch
// commands as redis-benchmark -P 16 sends them, parsed by resp.Reader the
// way engines/cache/server's readLoop gathers a batch (ReadCommand while
// CommandBuffered), handed to the node as one Commands message, and every
// reply the node sends encoded by resp.Writer into a buffer the way the
// server's writeQueued does. One b.N is one batch; ns/cmd and allocs/cmd
// divide by the batch. Run with
//
//	go test -run '^$' -bench '^BenchmarkHotPath' -count 6 ./engines/cache
//
// Commands and key names are redis-benchmark's (-r 100000, -d 3):
// key:__rand_int__ becomes key:000000012345, values are "xxx".
const (
	hotpathBatch = 16
	hotpathKeys  = 100_000
	// hotpathBatches distinct request batches are cycled through, so
	// keys vary as redis-benchmark's random ones do.
	hotpathBatches = 1024
)

// hotpathEnv is testEnv with the server's delivery: messages to a client
// queue up until the batch ends and are then written out.
type hotpathEnv struct {
	*testEnv
	queue  []node.Message
	errors int
}

func (e *hotpathEnv) Send(to node.ID, msg node.Message) { e.queue = append(e.queue, msg) }

// writeQueued encodes the queued replies as the server does and empties
// the queue.
func (e *hotpathEnv) writeQueued(w *resp.Writer) {
	for _, msg := range e.queue {
		var first resp.Value
		var more []resp.Value
		var protocol uint8
		switch m := msg.(type) {
		case Reply:
			if m.Silent {
				continue
			}
			first, more, protocol = m.Value, m.More, m.Protocol
		case Push:
			first, protocol = m.Value, m.Protocol
		}
		if first.Kind == resp.Error {
			e.errors++
		}
		w.Protocol = resp.RESP2
		if protocol == resp.RESP3 {
			w.Protocol = resp.RESP3
		}
		if err := w.WriteValue(first); err != nil {
			panic(err)
		}
		for _, v := range more {
			if err := w.WriteValue(v); err != nil {
				panic(err)
			}
		}
	}
	clear(e.queue)
	e.queue = e.queue[:0]
}

// benchmarkKey is redis-benchmark's __rand_int__ replacement: 12 digits.
func benchmarkKey(prefix string, i int) []byte {
	return fmt.Appendf(nil, "%s%012d", prefix, i)
}

// hotpathCommand returns the request redis-benchmark -t name sends, with
// rnd for __rand_int__.
func hotpathCommand(name string, rnd int) [][]byte {
	value := []byte("xxx")
	switch name {
	case "GET":
		return [][]byte{[]byte("GET"), benchmarkKey("key:", rnd)}
	case "SET":
		return [][]byte{[]byte("SET"), benchmarkKey("key:", rnd), value}
	case "INCR":
		return [][]byte{[]byte("INCR"), benchmarkKey("counter:", rnd)}
	case "LPUSH":
		return [][]byte{[]byte("LPUSH"), []byte("mylist"), value}
	case "RPOP":
		return [][]byte{[]byte("RPOP"), []byte("mylist")}
	case "SADD":
		return [][]byte{[]byte("SADD"), []byte("myset"), benchmarkKey("element:", rnd)}
	case "HSET":
		return [][]byte{[]byte("HSET"), []byte("myhash"), benchmarkKey("element:", rnd), value}
	}
	panic("no hot-path request for " + name)
}

func BenchmarkHotPathGet(b *testing.B)   { benchHotPath(b, "GET") }
func BenchmarkHotPathSet(b *testing.B)   { benchHotPath(b, "SET") }
func BenchmarkHotPathIncr(b *testing.B)  { benchHotPath(b, "INCR") }
func BenchmarkHotPathLpush(b *testing.B) { benchHotPath(b, "LPUSH") }
func BenchmarkHotPathRpop(b *testing.B)  { benchHotPath(b, "RPOP") }
func BenchmarkHotPathSadd(b *testing.B)  { benchHotPath(b, "SADD") }
func BenchmarkHotPathHset(b *testing.B)  { benchHotPath(b, "HSET") }

// hotpathListElements is how many elements RPOP's list is refilled to
// (outside the timer) before it could run empty.
const hotpathListElements = 100_000

func benchHotPath(b *testing.B, name string) {
	env := &hotpathEnv{testEnv: newTestEnv()}
	n := New(Config{})().(*Node)
	n.Start(env)
	var out bytes.Buffer
	w := resp.NewWriter(bufio.NewWriterSize(&out, 16<<10))
	load := func(args ...[]byte) {
		n.Receive("loader", Command{Args: args})
		env.queue = env.queue[:0]
	}
	// The data the earlier tests of a redis-benchmark run leave behind.
	switch name {
	case "GET":
		for i := range hotpathKeys {
			load([]byte("SET"), benchmarkKey("key:", i), []byte("xxx"))
		}
	case "RPOP":
		for range hotpathListElements {
			load([]byte("LPUSH"), []byte("mylist"), []byte("xxx"))
		}
	}
	// The requests, as bytes on the wire.
	rng := uint64(0x9e3779b97f4a7c15)
	wire := make([][]byte, hotpathBatches)
	for i := range wire {
		for range hotpathBatch {
			rng ^= rng << 13
			rng ^= rng >> 7
			rng ^= rng << 17
			wire[i] = resp.AppendCommand(wire[i], hotpathCommand(name, int(rng%hotpathKeys))...)
		}
	}
	h := &hotpathConn{node: n, env: env, out: &out, w: w, batch: make(Commands, 0, hotpathBatch)}
	h.br = bufio.NewReaderSize(&h.src, 16<<10)
	h.reader = resp.NewReader(h.br)
	popped := 0
	// refillMallocs and refillBytes are what the refills allocated: not
	// the commands'.
	var refillMallocs, refillBytes uint64

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if name == "RPOP" && popped+hotpathBatch > hotpathListElements {
			b.StopTimer()
			var m0, m1 runtime.MemStats
			runtime.ReadMemStats(&m0)
			for range popped {
				load([]byte("LPUSH"), []byte("mylist"), []byte("xxx"))
			}
			runtime.ReadMemStats(&m1)
			refillMallocs += m1.Mallocs - m0.Mallocs
			refillBytes += m1.TotalAlloc - m0.TotalAlloc
			popped = 0
			b.StartTimer()
		}
		if err := h.round(wire[i%hotpathBatches]); err != nil {
			b.Fatal(err)
		}
		popped += hotpathBatch
	}
	b.StopTimer()
	runtime.ReadMemStats(&after)
	if env.errors > 0 {
		b.Fatalf("%s: %d error replies", name, env.errors)
	}
	if name == "GET" && !bytes.Equal(out.Bytes(), bytes.Repeat([]byte("$3\r\nxxx\r\n"), hotpathBatch)) {
		b.Fatalf("GET batch answered %q", out.Bytes())
	}
	commands := float64(b.N) * hotpathBatch
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/commands, "ns/cmd")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs-refillMallocs)/commands, "allocs/cmd")
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc-refillBytes)/commands, "B/cmd")
}

// hotpathConn is one connection's side of the server's hot path.
type hotpathConn struct {
	node   *Node
	env    *hotpathEnv
	src    bytes.Reader
	br     *bufio.Reader
	reader *resp.Reader
	batch  Commands
	seq    uint64
	out    *bytes.Buffer
	w      *resp.Writer
}

// round parses one pipeline from wire, runs it and writes the replies
// into h.out. (A function of its own so callgrind can count it alone:
// --toggle-collect='*hotpathConn*round*'.)
func (h *hotpathConn) round(wire []byte) error {
	h.src.Reset(wire)
	h.br.Reset(&h.src)
	clear(h.batch)
	h.batch = h.batch[:0]
	for {
		args, err := h.reader.ReadCommand()
		if err != nil {
			return err
		}
		h.seq++
		h.batch = append(h.batch, Command{Seq: h.seq, Args: args})
		if !h.reader.CommandBuffered() {
			break
		}
	}
	h.node.Receive("conn-1", h.batch)
	if len(h.env.queue) != len(h.batch) {
		return fmt.Errorf("%d replies to %d commands", len(h.env.queue), len(h.batch))
	}
	h.out.Reset()
	h.env.writeQueued(h.w)
	return h.w.Flush()
}
