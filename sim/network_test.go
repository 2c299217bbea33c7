package sim

import (
	"testing"
	"time"

	"syslab/node"
)

// reach sends one message along each (from, to) pair and reports which
// arrived.
func reach(w *World, pairs [][2]node.ID) map[[2]node.ID]bool {
	before := map[node.ID]int{}
	for _, id := range w.Nodes() {
		before[id] = len(scriptOf(w, id).received)
	}
	for i, p := range pairs {
		w.Send(p[0], p[1], ping{i})
	}
	w.Run(w.Now() + time.Second)
	got := map[[2]node.ID]bool{}
	for _, id := range w.Nodes() {
		for _, r := range scriptOf(w, id).received[before[id]:] {
			got[pairs[r.msg.(ping).n]] = true
		}
	}
	return got
}

func TestPartitionBlockAndHeal(t *testing.T) {
	const seed = 21
	all := [][2]node.ID{{"a", "b"}, {"b", "a"}, {"a", "c"}, {"c", "a"}, {"b", "c"}, {"c", "b"}}
	cases := []struct {
		name    string
		fault   func(w *World)
		blocked [][2]node.ID
	}{
		{"none", func(w *World) {}, nil},
		{"symmetric partition, c unnamed", func(w *World) { w.Partition([]node.ID{"a"}, []node.ID{"b"}) }, [][2]node.ID{{"a", "b"}, {"b", "a"}}},
		{"partition isolating c", func(w *World) { w.Partition([]node.ID{"a", "b"}, []node.ID{"c"}) }, [][2]node.ID{{"a", "c"}, {"c", "a"}, {"b", "c"}, {"c", "b"}}},
		{"one-way block", func(w *World) { w.Block("a", "b") }, [][2]node.ID{{"a", "b"}}},
		{"healed", func(w *World) {
			w.Partition([]node.ID{"a"}, []node.ID{"b", "c"})
			w.Block("c", "b")
			w.Heal()
		}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := New(Config{Seed: seed, Network: LinkConfig{Latency: constant(time.Millisecond)}})
			for _, id := range []node.ID{"a", "b", "c"} {
				w.AddNode(id, script(w, nil, nil))
			}
			w.Run(0)
			c.fault(w)
			got := reach(w, all)
			isBlocked := map[[2]node.ID]bool{}
			for _, p := range c.blocked {
				isBlocked[p] = true
			}
			for _, p := range all {
				if got[p] == isBlocked[p] {
					t.Errorf("%s -> %s delivered = %v, want %v", p[0], p[1], got[p], !isBlocked[p])
				}
			}
		})
	}
}

func TestPartitionDropsMessagesInFlight(t *testing.T) {
	const seed = 22
	w := New(Config{Seed: seed, Network: LinkConfig{Latency: constant(10 * time.Millisecond)}})
	w.AddNode("a", script(w, nil, nil))
	w.AddNode("b", script(w, nil, nil))
	w.Send("a", "b", ping{1})
	w.At(5*time.Millisecond, func() { w.Partition([]node.ID{"a"}, []node.ID{"b"}) })
	w.At(6*time.Millisecond, func() { w.Heal() })
	w.Run(time.Second)
	if n := len(scriptOf(w, "b").received); n != 0 {
		t.Errorf("b received %d messages; the one in flight when the partition started must be dropped", n)
	}
	if st := w.Stats(); st.DroppedPartition != 1 {
		t.Errorf("DroppedPartition = %d, want 1", st.DroppedPartition)
	}
}

// order sends count messages a->b at 100µs intervals over a link with a
// wide latency spread and returns the order b received them in.
func order(seed uint64, link LinkConfig, count int) []int {
	w := New(Config{Seed: seed, Network: link})
	w.AddNode("a", script(w, nil, nil))
	w.AddNode("b", script(w, nil, nil))
	for i := range count {
		w.At(time.Duration(i)*100*time.Microsecond, func() { w.Send("a", "b", ping{i}) })
	}
	w.Run(time.Minute)
	var got []int
	for _, r := range scriptOf(w, "b").received {
		got = append(got, r.msg.(ping).n)
	}
	return got
}

func inversions(seq []int) int {
	n := 0
	for i := 1; i < len(seq); i++ {
		if seq[i] < seq[i-1] {
			n++
		}
	}
	return n
}

func TestFIFOByDefaultReorderWhenUnordered(t *testing.T) {
	const seed = 23
	spread := Latency{Kind: "uniform", Min: 0, Max: 10 * time.Millisecond}
	fifo := order(seed, LinkConfig{Latency: spread}, 500)
	if len(fifo) != 500 || inversions(fifo) != 0 {
		t.Errorf("FIFO link: %d delivered with %d inversions, want 500 in order", len(fifo), inversions(fifo))
	}
	loose := order(seed, LinkConfig{Latency: spread, Unordered: true}, 500)
	if len(loose) != 500 || inversions(loose) == 0 {
		t.Errorf("unordered link: %d delivered with %d inversions, want 500 with some out of order", len(loose), inversions(loose))
	}
	// Reorder holds some back far enough that many later ones overtake.
	held := order(seed, LinkConfig{Unordered: true, Reorder: 0.1, ReorderDelay: constant(5 * time.Millisecond)}, 500)
	if inversions(held) < 20 {
		t.Errorf("Reorder 0.1 with a constant base latency gave %d inversions, want about 50", inversions(held))
	}
}

func TestLossAndDuplicate(t *testing.T) {
	const seed, count = 24, 4000
	cases := []struct {
		name     string
		link     LinkConfig
		min, max int // delivered, roughly count·(1-loss)·(1+dup) ± 4 sigma
	}{
		{"ideal", LinkConfig{}, count, count},
		{"loss 0.3", LinkConfig{Loss: 0.3}, 2680, 2920},
		{"duplicate 0.2 unordered", LinkConfig{Duplicate: 0.2, Unordered: true}, 4700, 4900},
		{"duplicate ignored when FIFO", LinkConfig{Duplicate: 0.2}, count, count},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := len(order(seed, c.link, count))
			if got < c.min || got > c.max {
				t.Errorf("delivered %d of %d, want within [%d, %d]", got, count, c.min, c.max)
			}
		})
	}
}

func TestMessagesToDownOrRestartedNodesAreDropped(t *testing.T) {
	const seed = 25
	w := New(Config{Seed: seed, Network: LinkConfig{Latency: constant(10 * time.Millisecond)}})
	w.AddNode("a", script(w, nil, nil))
	w.AddNode("b", script(w, nil, nil))
	w.Run(0)
	w.Send("a", "b", ping{1})                                       // b restarts while it is in flight
	w.At(5*time.Millisecond, func() { w.Restart("b") })             // new incarnation at 5ms
	w.At(20*time.Millisecond, func() { w.Kill("b") })               // down
	w.At(21*time.Millisecond, func() { w.Send("a", "b", ping{2}) }) // arrives while down
	w.At(22*time.Millisecond, func() { w.Send("a", "nobody", ping{3}) })
	w.Run(time.Second)
	st := w.Stats()
	if st.DroppedDown != 2 || st.DroppedUnknown != 1 || st.MessagesDelivered != 0 {
		t.Errorf("stats %+v: want 2 dropped (down/restarted), 1 unknown, none delivered", st)
	}
}

func TestSetLinkOverridesOneDirection(t *testing.T) {
	const seed = 26
	w := New(Config{Seed: seed, Network: LinkConfig{Latency: constant(time.Millisecond)}})
	w.AddNode("a", script(w, nil, nil))
	w.AddNode("b", script(w, nil, nil))
	w.SetLink("a", "b", LinkConfig{Latency: constant(50 * time.Millisecond)})
	w.Send("a", "b", ping{1})
	w.Send("b", "a", ping{2})
	w.Run(time.Second)
	if got := scriptOf(w, "b").received[0].atTrue; got != 50*time.Millisecond {
		t.Errorf("a->b arrived at %v, want 50ms", got)
	}
	if got := scriptOf(w, "a").received[0].atTrue; got != time.Millisecond {
		t.Errorf("b->a arrived at %v, want 1ms", got)
	}
}

func TestLatencyDistributions(t *testing.T) {
	const samples = 20000
	cases := []struct {
		lat        Latency
		meanLo     time.Duration
		meanHi     time.Duration
		minAllowed time.Duration
		maxAllowed time.Duration
	}{
		{Latency{}, 0, 0, 0, 0},
		{Latency{Kind: "uniform", Min: time.Millisecond, Max: 3 * time.Millisecond}, 1950 * time.Microsecond, 2050 * time.Microsecond, time.Millisecond, 3 * time.Millisecond},
		{Latency{Kind: "normal", Mean: 10 * time.Millisecond, StdDev: time.Millisecond}, 9950 * time.Microsecond, 10050 * time.Microsecond, 0, time.Hour},
		{Latency{Kind: "exponential", Mean: time.Millisecond}, 950 * time.Microsecond, 1050 * time.Microsecond, 0, time.Hour},
		{Latency{Kind: "exponential", Mean: time.Millisecond, Max: 2 * time.Millisecond}, 0, time.Millisecond, 0, 2 * time.Millisecond},
		{Latency{Kind: "lognormal", Mean: 5 * time.Millisecond, StdDev: 5 * time.Millisecond}, 4700 * time.Microsecond, 5300 * time.Microsecond, 0, time.Hour},
		{Latency{Kind: "normal", Mean: 0, StdDev: time.Millisecond}, 350 * time.Microsecond, 450 * time.Microsecond, 0, time.Hour}, // clamped at 0
	}
	r := newStream(27, "latency-test")
	for _, c := range cases {
		d := c.lat.compile()
		var sum time.Duration
		for range samples {
			v := d.sample(r)
			if v < c.minAllowed || v > c.maxAllowed {
				t.Fatalf("%+v: sample %v outside [%v, %v]", c.lat, v, c.minAllowed, c.maxAllowed)
			}
			sum += v
		}
		if mean := sum / samples; mean < c.meanLo || mean > c.meanHi {
			t.Errorf("%+v: mean %v, want within [%v, %v]", c.lat, mean, c.meanLo, c.meanHi)
		}
	}
}
