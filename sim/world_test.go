package sim

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"

	"syslab/node"
)

func constant(d time.Duration) Latency { return Latency{Kind: "constant", Mean: d} }

func TestPingPong(t *testing.T) {
	const seed = 1
	w := New(Config{Seed: seed, Network: LinkConfig{Latency: constant(time.Millisecond)}})
	const rounds = 100
	w.AddNode("a", script(w, func(s *scriptNode) { s.env.Send("b", ping{0}) },
		func(s *scriptNode, from node.ID, msg node.Message) {
			if p := msg.(pong); p.n+1 < rounds {
				s.env.Send(from, ping{p.n + 1})
			}
		}))
	w.AddNode("b", script(w, nil, func(s *scriptNode, from node.ID, msg node.Message) {
		s.env.Send(from, pong{msg.(ping).n})
	}))
	w.Run(time.Second)
	a := scriptOf(w, "a")
	if len(a.received) != rounds {
		t.Fatalf("a received %d pongs, want %d", len(a.received), rounds)
	}
	for i, r := range a.received {
		wantAt := time.Duration(2*(i+1)) * time.Millisecond
		if r.atTrue != wantAt || r.msg.(pong).n != i {
			t.Fatalf("pong %d: got %v at %v, want pong{%d} at %v", i, r.msg, r.atTrue, i, wantAt)
		}
	}
	st := w.Stats()
	if st.MessagesSent != 2*rounds || st.MessagesDelivered != 2*rounds || st.MessagesDropped != 0 {
		t.Errorf("stats = %+v, want %d sent and delivered, none dropped", st, 2*rounds)
	}
	if w.Now() != time.Second || st.Virtual != time.Second {
		t.Errorf("Now = %v, Virtual = %v after Run(1s)", w.Now(), st.Virtual)
	}
}

// chatter is a scenario that exercises randomness everywhere: latency,
// loss, node randomness, a crash, a pause and a disk.
func chatter(seed uint64) *World { return chatterTo(seed, nil) }

func chatterTo(seed uint64, debug io.Writer) *World {
	w := New(Config{Seed: seed, Trace: debug, Log: debug, Network: LinkConfig{
		Latency: Latency{Kind: "uniform", Min: time.Millisecond, Max: 5 * time.Millisecond},
		Loss:    0.05, Unordered: true, Duplicate: 0.05, Reorder: 0.1,
		ReorderDelay: Latency{Kind: "exponential", Mean: 3 * time.Millisecond},
	}, Disk: DiskConfig{SyncLatency: Latency{Kind: "normal", Mean: time.Millisecond, StdDev: 300 * time.Microsecond}, TornWrites: true}})
	ids := []node.ID{"n1", "n2", "n3"}
	for _, id := range ids {
		w.AddNode(id, script(w, func(s *scriptNode) {
			var tick func()
			tick = func() {
				to := ids[s.env.Rand().IntN(len(ids))]
				s.env.Send(to, ping{s.env.Rand().IntN(1000)})
				s.env.After(time.Duration(1+s.env.Rand().IntN(10))*time.Millisecond, tick)
			}
			tick()
		}, func(s *scriptNode, from node.ID, msg node.Message) {
			s.env.Logf("got %v from %s", msg, from)
			if f, err := s.env.Disk().Open("log"); err == nil {
				f.Write([]byte("x"))
				if s.env.Rand().IntN(4) == 0 {
					f.Sync()
				}
			}
		}))
	}
	w.At(200*time.Millisecond, func() { w.Crash("n2") })
	w.At(300*time.Millisecond, func() { w.Restart("n2") })
	w.At(400*time.Millisecond, func() { w.Pause("n3") })
	w.At(450*time.Millisecond, func() { w.Resume("n3") })
	w.Run(time.Second)
	return w
}

func TestDeterminism(t *testing.T) {
	for _, seed := range []uint64{1, 2, 42} {
		a, b := chatter(seed), chatter(seed)
		if a.TraceHash() != b.TraceHash() {
			t.Errorf("seed %d: trace hashes differ between identical runs: %#x vs %#x", seed, a.TraceHash(), b.TraceHash())
		}
		if a.Stats().EventsProcessed != b.Stats().EventsProcessed {
			t.Errorf("seed %d: event counts differ", seed)
		}
		la, _ := a.Disk("n2").ReadFile("log")
		lb, _ := b.Disk("n2").ReadFile("log")
		if string(la) != string(lb) {
			t.Errorf("seed %d: disk content differs between identical runs", seed)
		}
	}
	var debug bytes.Buffer
	if traced := chatterTo(1, &debug); traced.TraceHash() != chatter(1).TraceHash() {
		t.Error("writing the trace and logs changed the trace hash")
	}
	if lines := strings.Count(debug.String(), "\n"); lines < 1000 || !strings.Contains(debug.String(), "n2: got") || !strings.Contains(debug.String(), " crash n2 ") {
		t.Errorf("trace and log output has %d lines and lacks expected ones:\n%.500s", lines, debug.String())
	}
	seen := map[uint64]uint64{}
	for _, seed := range []uint64{1, 2, 3, 4, 5} {
		h := chatter(seed).TraceHash()
		if other, dup := seen[h]; dup {
			t.Errorf("seeds %d and %d give the same trace hash %#x", other, seed, h)
		}
		seen[h] = seed
	}
}

func TestStreamsAreIndependentPerPurpose(t *testing.T) {
	w := New(Config{Seed: 7})
	a, b := w.Stream("workload"), w.Stream("workload")
	c := w.Stream("faults")
	same, differ := true, false
	for range 100 {
		x, y, z := a.Uint64(), b.Uint64(), c.Uint64()
		same = same && x == y
		differ = differ || x != z
	}
	if !same || !differ {
		t.Errorf("same purpose must repeat (got %v), different purposes must differ (got %v)", same, differ)
	}
}

// A fault on one node must not change the network samples of a link that
// does not touch it.
func TestFaultDoesNotReshuffleOtherLinks(t *testing.T) {
	run := func(withFault bool) []time.Duration {
		const seed = 11
		w := New(Config{Seed: seed, Network: LinkConfig{Latency: Latency{Kind: "uniform", Min: 0, Max: 10 * time.Millisecond}}})
		w.AddNode("a", script(w, nil, nil))
		w.AddNode("b", script(w, nil, nil))
		w.AddNode("c", script(w, nil, nil))
		for i := range 50 {
			w.At(time.Duration(i)*time.Millisecond, func() {
				w.Send("a", "b", ping{i})
				w.Send("a", "c", ping{i})
			})
		}
		if withFault {
			w.At(10*time.Millisecond, func() { w.Crash("c") })
		}
		w.Run(time.Second)
		var at []time.Duration
		for _, r := range scriptOf(w, "b").received {
			at = append(at, r.atTrue)
		}
		return at
	}
	plain, faulted := run(false), run(true)
	if len(plain) != 50 || len(faulted) != 50 {
		t.Fatalf("b received %d and %d messages, want 50", len(plain), len(faulted))
	}
	for i := range plain {
		if plain[i] != faulted[i] {
			t.Fatalf("message %d to b arrived at %v without the fault, %v with it", i, plain[i], faulted[i])
		}
	}
}

func TestCPUCostQueuesWork(t *testing.T) {
	const seed = 3
	w := New(Config{Seed: seed, Network: LinkConfig{Latency: constant(time.Millisecond)}})
	w.AddNode("server", func() node.Handler {
		return &costlyNode{scriptNode: scriptNode{world: w, onReceive: echo}, cost: 2 * time.Millisecond}
	})
	w.AddNode("client", script(w, func(s *scriptNode) {
		for i := range 5 {
			s.env.Send("server", ping{i})
		}
	}, nil), WithCPU(false))
	w.Run(time.Second)
	got := scriptOf(w, "client").received
	if len(got) != 5 {
		t.Fatalf("client got %d replies, want 5", len(got))
	}
	// All five arrive at 1ms; each costs 2ms, so reply i leaves at 1+2(i+1)
	// ms and arrives 1ms later: latency grows with the queue.
	for i, r := range got {
		want := time.Duration(2+2*(i+1)) * time.Millisecond
		if r.atTrue != want || r.msg.(ping).n != i {
			t.Errorf("reply %d = %v at %v, want ping{%d} at %v", i, r.msg, r.atTrue, i, want)
		}
	}
	srv := scriptOf(w, "server").received
	for i, r := range srv {
		want := time.Duration(1+2*i) * time.Millisecond
		if r.atTrue != want {
			t.Errorf("server started request %d at %v, want %v", i, r.atTrue, want)
		}
	}
}

func TestDiskLatencyChargedToCPU(t *testing.T) {
	const seed = 4
	w := New(Config{Seed: seed, Disk: DiskConfig{SyncLatency: constant(3 * time.Millisecond)}})
	var before, after time.Time
	w.AddNode("server", script(w, nil, func(s *scriptNode, from node.ID, msg node.Message) {
		f, err := s.env.Disk().Open("aof")
		if err != nil {
			t.Fatal(err)
		}
		before = s.env.Now()
		f.Write([]byte("set k v\n"))
		if err := f.Sync(); err != nil {
			t.Fatal(err)
		}
		after = s.env.Now()
		s.env.Send(from, msg)
	}))
	w.AddNode("client", script(w, nil, nil))
	w.At(time.Millisecond, func() { w.Send("client", "server", ping{1}) })
	w.At(time.Millisecond, func() { w.Send("client", "server", ping{2}) })
	w.Run(time.Second)
	if d := after.Sub(before); d != 3*time.Millisecond {
		t.Errorf("Env.Now advanced %v across Sync, want 3ms", d)
	}
	got := scriptOf(w, "client").received
	if len(got) != 2 || got[0].atTrue != 4*time.Millisecond || got[1].atTrue != 7*time.Millisecond {
		t.Errorf("replies %+v, want at 4ms and 7ms (each waits for its fsync)", got)
	}
}

func TestPauseQueuesMessagesAndTimers(t *testing.T) {
	const seed = 5
	w := New(Config{Seed: seed})
	timerAt := time.Duration(-1)
	w.AddNode("b", script(w, func(s *scriptNode) {
		s.env.After(20*time.Millisecond, func() { timerAt = s.world.Now() })
	}, nil))
	w.AddNode("a", script(w, nil, nil))
	w.At(10*time.Millisecond, func() { w.Pause("b") })
	for i := range 3 {
		w.At(time.Duration(15+i)*time.Millisecond, func() { w.Send("a", "b", ping{i}) })
	}
	w.At(50*time.Millisecond, func() { w.Resume("b") })
	w.Run(40 * time.Millisecond)
	if n := len(scriptOf(w, "b").received); n != 0 || timerAt >= 0 {
		t.Fatalf("paused node ran: %d messages, timer at %v", n, timerAt)
	}
	w.Run(time.Second)
	got := scriptOf(w, "b").received
	if len(got) != 3 {
		t.Fatalf("after resume b got %d messages, want 3", len(got))
	}
	for i, r := range got {
		if r.msg.(ping).n != i || r.atTrue != 50*time.Millisecond {
			t.Errorf("message %d = %v at %v, want ping{%d} at 50ms", i, r.msg, r.atTrue, i)
		}
	}
	if timerAt != 50*time.Millisecond {
		t.Errorf("timer ran at %v, want at resume (50ms)", timerAt)
	}
}

func TestInboxBoundDropsOverflow(t *testing.T) {
	const seed = 6
	w := New(Config{Seed: seed})
	w.AddNode("server", func() node.Handler {
		return &costlyNode{scriptNode: scriptNode{world: w}, cost: time.Second}
	}, WithInboxMax(5))
	w.AddNode("client", script(w, func(s *scriptNode) {
		for i := range 10 {
			s.env.Send("server", ping{i})
		}
	}, nil))
	w.Run(time.Minute)
	// The first runs at once; five wait; four find the inbox full.
	if got := len(scriptOf(w, "server").received); got != 6 {
		t.Errorf("server handled %d messages, want 6", got)
	}
	if st := w.Stats(); st.DroppedInboxFull != 4 {
		t.Errorf("DroppedInboxFull = %d, want 4", st.DroppedInboxFull)
	}
}

func TestClockSkewAndDrift(t *testing.T) {
	const seed = 8
	w := New(Config{Seed: seed})
	var firedAt time.Duration
	var startNow time.Time
	w.AddNode("n", script(w, nil, nil))
	w.Run(time.Second)
	w.SetClock("n", 5*time.Second, 1000) // +5s, running 0.1% fast
	w.At(time.Second, func() {
		s := scriptOf(w, "n")
		startNow = s.env.Now()
		s.env.After(10*time.Second, func() { firedAt = w.Now() })
	})
	w.Run(time.Minute)
	if want := Epoch.Add(6 * time.Second); !startNow.Equal(want) {
		t.Errorf("skewed clock reads %v, want %v", startNow, want)
	}
	// 10s on a clock running 0.1% fast is 10s/1.001 of true time.
	rate := 1.001
	want := time.Second + time.Duration(float64(10*time.Second)/rate)
	if diff := firedAt - want; diff < -time.Microsecond || diff > time.Microsecond {
		t.Errorf("10s timer on a fast clock fired at %v, want about %v", firedAt, want)
	}
	s := scriptOf(w, "n")
	w.SetClock("n", -time.Second, 0) // jump back between events
	if got, want := s.env.Now(), Epoch.Add(w.Now()-time.Second); !got.Equal(want) {
		t.Errorf("after a backward jump the clock reads %v, want %v", got, want)
	}
}

func TestTimerStop(t *testing.T) {
	const seed = 9
	w := New(Config{Seed: seed})
	fired := map[string]bool{}
	var stopped, late, twice bool
	var orphan node.Timer
	starts := 0
	w.AddNode("n", script(w, func(s *scriptNode) {
		if starts++; starts > 1 {
			return // the restarted incarnation sets no timers
		}
		a := s.env.After(10*time.Millisecond, func() { fired["a"] = true })
		b := s.env.After(5*time.Millisecond, func() { fired["b"] = true })
		orphan = s.env.After(time.Hour, func() { fired["orphan"] = true })
		stopped = a.Stop()
		twice = a.Stop()
		s.env.After(20*time.Millisecond, func() { late = b.Stop() })
	}, nil))
	w.At(30*time.Millisecond, func() { w.Crash("n") })
	w.At(31*time.Millisecond, func() { w.Restart("n") })
	w.Run(2 * time.Hour)
	if !stopped || twice || late {
		t.Errorf("Stop before firing = %v (want true), again = %v (want false), after firing = %v (want false)", stopped, twice, late)
	}
	if fired["a"] || !fired["b"] || fired["orphan"] {
		t.Errorf("fired = %v, want only b (a stopped, orphan died with its incarnation)", fired)
	}
	if orphan.Stop() {
		t.Error("Stop on a timer of a dead incarnation reported true")
	}
}

// A timer whose firing waits in a busy node's inbox can still be stopped.
func TestTimerStopWhileQueued(t *testing.T) {
	const seed = 10
	w := New(Config{Seed: seed})
	var timerRan bool
	var tm node.Timer
	w.AddNode("n", func() node.Handler {
		c := &costlyNode{cost: 10 * time.Millisecond}
		c.world = w
		c.onStart = func(s *scriptNode) { tm = s.env.After(time.Millisecond, func() { timerRan = true }) }
		c.onReceive = func(s *scriptNode, from node.ID, msg node.Message) {
			if msg.(ping).n == 2 {
				if !tm.Stop() {
					t.Error("Stop of a queued timer reported false")
				}
			}
		}
		return c
	})
	w.At(0, func() { w.Send("x", "n", ping{1}) })
	w.At(500*time.Microsecond, func() { w.Send("x", "n", ping{2}) })
	w.Run(time.Second)
	// ping1 runs 0..10ms; ping2 (0.5ms) queues before the timer (1ms), so
	// ping2 runs first and stops the timer waiting behind it.
	if timerRan {
		t.Error("stopped timer ran")
	}
}

func TestRestartGivesFreshMemoryAndRand(t *testing.T) {
	const seed = 12
	w := New(Config{Seed: seed})
	var draws []uint64
	w.AddNode("n", script(w, func(s *scriptNode) { draws = append(draws, s.env.Rand().Uint64()) }, nil))
	w.Send("x", "n", ping{1})
	w.Run(time.Millisecond)
	first := w.Handler("n")
	w.Restart("n") // up: killed, then started
	if w.Up("n") || w.Handler("n") != nil {
		t.Error("node is up before its start event ran")
	}
	w.Run(2 * time.Millisecond)
	if !w.Up("n") || w.Handler("n") == first || len(scriptOf(w, "n").received) != 0 {
		t.Error("restart did not give a fresh handler")
	}
	if len(draws) != 2 || draws[0] == draws[1] {
		t.Errorf("incarnations drew %v from Rand, want two different values", draws)
	}
}

func TestInvalidInputPanicsWithMessage(t *testing.T) {
	cases := []struct {
		name string
		fn   func()
	}{
		{"bad latency kind", func() { New(Config{Network: LinkConfig{Latency: Latency{Kind: "gaussian"}}}) }},
		{"loss above 1", func() { New(Config{Network: LinkConfig{Loss: 1.5}}) }},
		{"unknown node", func() { New(Config{}).Crash("nobody") }},
		{"At in the past", func() { w := New(Config{}); w.Run(time.Second); w.At(0, func() {}) }},
		{"drift too large", func() { w := New(Config{}); w.AddNode("n", script(w, nil, nil)); w.SetClock("n", 0, 2e6) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			defer func() {
				if r := recover(); r == nil {
					t.Error("no panic")
				}
			}()
			c.fn()
		})
	}
	if err := (Config{Network: LinkConfig{Latency: Latency{Kind: "uniform", Min: 5, Max: 1}}}).Validate(); err == nil {
		t.Error("Validate accepted uniform with max < min")
	}
}

func TestMetricsSnapshot(t *testing.T) {
	w := New(Config{Seed: 13})
	w.AddNode("n", script(w, func(s *scriptNode) {
		m := s.env.Metrics()
		m.Add(`cmd_total{cmd="get"}`, 2)
		m.Add(`cmd_total{cmd="get"}`, 3)
		m.Set("keys", 7)
		m.Set("keys", 4)
		m.Observe(`latency_seconds{op="get"}`, 0.5)
		m.Observe(`latency_seconds{op="get"}`, 1.5)
	}, nil))
	w.Run(time.Millisecond)
	got := w.MetricValues("n")
	want := map[string]float64{`cmd_total{cmd="get"}`: 5, "keys": 4,
		`latency_seconds_count{op="get"}`: 2, `latency_seconds_sum{op="get"}`: 2}
	if len(got) != len(want) {
		t.Errorf("MetricValues = %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	ms := w.Metrics("n")
	for i := 1; i < len(ms); i++ {
		if ms[i-1].Name >= ms[i].Name {
			t.Errorf("Metrics not sorted: %q before %q", ms[i-1].Name, ms[i].Name)
		}
	}
}

func TestRealClockFeedsOnlyStats(t *testing.T) {
	fake := Epoch
	tick := func() time.Time { fake = fake.Add(time.Second); return fake }
	withClock := New(Config{Seed: 14, RealClock: tick})
	plain := New(Config{Seed: 14})
	for _, w := range []*World{withClock, plain} {
		w.AddNode("n", script(w, func(s *scriptNode) { s.env.Send("n", ping{1}) }, nil))
		w.Run(time.Second)
	}
	st := withClock.Stats()
	if st.Real != time.Second || st.EventsPerSec != float64(st.EventsProcessed) {
		t.Errorf("Real = %v, EventsPerSec = %v, want 1s and %d", st.Real, st.EventsPerSec, st.EventsProcessed)
	}
	if withClock.TraceHash() != plain.TraceHash() {
		t.Error("the real clock changed the trace hash")
	}
}
