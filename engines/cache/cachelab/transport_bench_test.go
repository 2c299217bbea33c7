package cachelab

import (
	"strconv"
	"syscall"
	"testing"
	"time"

	"syslab/engines/cache"
	"syslab/engines/cache/resp"
	"syslab/lab/engine"
	"syslab/live"
	"syslab/node"
)

// BenchmarkLiveGetRoundTrip is what one GET costs a live run beyond the
// cache's own work: a lab-style client runtime and a cache node runtime in
// this process, on loopback TCP, with a window of GETs in flight. Besides
// wall time per GET it reports cpu-ns/op, the process's CPU time (user +
// system, both runtimes) per GET: unlike wall time it does not grow when
// other processes take the machine's cores, so `make calibrate` prices
// the transport from it.
func BenchmarkLiveGetRoundTrip(b *testing.B) {
	cl, err := New().Build(engine.Spec{Nodes: []node.ID{"cache-1"}})
	if err != nil {
		b.Fatal(err)
	}
	for name, c := range cl.Codecs {
		live.RegisterValueCodec(name, cl.Messages[name], c.Encode, c.Decode)
	}
	dir := b.TempDir()
	server, err := live.New(live.Config{Self: "cache-1", Listen: "127.0.0.1:0", Dir: dir + "/server"}, cl.Factories["cache-1"])
	if err != nil {
		b.Fatal(err)
	}
	driver := &getDriver{done: make(chan struct{}, 1)}
	client, err := live.New(live.Config{Self: "client-1", Listen: "127.0.0.1:0", Dir: dir + "/client"}, func() node.Handler { return driver })
	if err != nil {
		b.Fatal(err)
	}
	server.SetPeer("client-1", client.Addr())
	client.SetPeer("cache-1", server.Addr())
	defer server.Stop()
	defer client.Stop()
	if err := server.Start(); err != nil {
		b.Fatal(err)
	}
	if err := client.Start(); err != nil {
		b.Fatal(err)
	}
	run := func(n int) {
		client.Do(func(node.Handler) { driver.begin(n) })
		select {
		case <-driver.done:
		case <-time.After(time.Minute):
			b.Fatalf("%d GETs not answered within a minute", n)
		}
	}
	run(1000) // dial and warm up
	cpuBefore := processCPU(b)
	b.ResetTimer()
	run(b.N)
	b.StopTimer()
	b.ReportMetric(float64(processCPU(b)-cpuBefore)/float64(b.N), "cpu-ns/op")
	if driver.lastKind != "bulk" {
		b.Fatalf("GET answered %s", driver.lastKind)
	}
}

// getDriverWindowGets is how many GETs the driver keeps in flight: a few
// lab clients' worth, so the server's loop is rarely idle.
const getDriverWindowGets = 1

type getDriver struct {
	env            node.Env
	left, inFlight int
	seq            uint64
	lastKind       string
	done           chan struct{}
}

func (d *getDriver) Start(env node.Env) { d.env = env }

func (d *getDriver) begin(n int) {
	d.left = n
	for d.inFlight < getDriverWindowGets && d.left > 0 {
		d.send()
	}
}

func (d *getDriver) send() {
	d.seq++
	d.left--
	d.inFlight++
	key := "key:" + strconv.Itoa(int(d.seq%100))
	if d.seq <= 100 {
		d.env.Send("cache-1", cache.Command{Seq: d.seq, Args: [][]byte{[]byte("SET"), []byte(key), []byte("value-of-16-byte")}})
		return
	}
	d.env.Send("cache-1", cache.Command{Seq: d.seq, Args: [][]byte{[]byte("GET"), []byte(key)}})
}

func (d *getDriver) Receive(_ node.ID, m node.Message) {
	r, ok := m.(cache.Reply)
	if !ok {
		return
	}
	d.lastKind = "other"
	if r.Value.Kind == resp.BulkString {
		d.lastKind = "bulk"
	}
	d.inFlight--
	if d.left > 0 {
		d.send()
	} else if d.inFlight == 0 {
		d.done <- struct{}{}
	}
}

// processCPU is the user plus system CPU time this process has used.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatalf("getrusage: %v", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
