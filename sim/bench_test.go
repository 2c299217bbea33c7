package sim

import (
	"testing"
	"time"

	"syslab/node"
)

// bouncer returns every message to its sender; the first node serves the
// first ball. Messages are pointers so sending one allocates nothing.
type bouncer struct {
	env   node.Env
	serve node.ID
	balls int
}

type ball struct{ hits int }

func (b *bouncer) Start(env node.Env) {
	b.env = env
	for range b.balls {
		env.Send(b.serve, &ball{})
	}
}

func (b *bouncer) Receive(from node.ID, msg node.Message) {
	msg.(*ball).hits++
	b.env.Send(from, msg)
}

func benchWorld(link LinkConfig, balls int) *World {
	w := New(Config{Seed: 1, Network: link})
	w.AddNode("a", func() node.Handler { return &bouncer{serve: "b", balls: balls} })
	w.AddNode("b", func() node.Handler { return &bouncer{} })
	return w
}

func benchmarkPingPong(b *testing.B, link LinkConfig, balls int) {
	w := benchWorld(link, balls)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if !w.Step() {
			b.Fatal("queue ran dry")
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkPingPong is the headline figure: events per second of the world
// loop with two nodes bouncing one message over a constant-latency link.
func BenchmarkPingPong(b *testing.B) {
	benchmarkPingPong(b, LinkConfig{Latency: constant(time.Millisecond)}, 1)
}

// BenchmarkPingPongJitter adds random latency and many messages in flight,
// so the heap holds a few hundred events.
func BenchmarkPingPongJitter(b *testing.B) {
	benchmarkPingPong(b, LinkConfig{Latency: Latency{Kind: "uniform", Min: 100 * time.Microsecond, Max: 2 * time.Millisecond}}, 500)
}
