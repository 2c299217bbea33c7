package live

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"syslab/node"
)

// waitDeadline bounds every wait in these tests; they poll or block on a
// condition, never sleep a guessed time.
const waitDeadline = 10 * time.Second

// pinger is the kind of handler a sim test uses: it pings its peer with
// increasing sequence numbers, resending on a timer until the matching
// pong arrives (so it survives lost messages and reconnects), and reports
// each completed round trip to an attached probe endpoint.
type pinger struct {
	env      node.Env
	peer     node.ID // "" = only answer pings
	probe    node.ID
	rounds   int
	next     int
	resend   time.Duration
	stopped  *bool
	lastFrom node.ID
}

func (p *pinger) Start(env node.Env) {
	p.env = env
	if p.peer != "" {
		p.sendPing()
	}
}

func (p *pinger) sendPing() {
	if p.next >= p.rounds {
		return
	}
	p.env.Send(p.peer, gobPing{Seq: p.next, Note: "ping"})
	seq := p.next
	p.env.After(p.resend, func() {
		if p.next == seq { // no pong yet: the network lost something
			p.sendPing()
		}
	})
}

func (p *pinger) Receive(from node.ID, msg node.Message) {
	p.lastFrom = from
	switch m := msg.(type) {
	case gobPing:
		p.env.Send(from, binPong{Seq: uint64(m.Seq)})
	case binPong:
		if int(m.Seq) != p.next {
			return // a duplicate answer to a resent ping
		}
		p.next++
		p.env.Send(p.probe, p.next)
		p.sendPing()
	}
}

func (p *pinger) Stop() {
	if p.stopped != nil {
		*p.stopped = true
	}
}

// probe collects what a runtime sends to an attached endpoint.
type probe struct {
	ch chan node.Message
}

func attachProbe(r *Runtime, id node.ID) *probe {
	p := &probe{ch: make(chan node.Message, 1024)}
	r.Attach(id, func(m node.Message) {
		select {
		case p.ch <- m:
		default:
			panic("probe buffer full")
		}
	})
	return p
}

func (p *probe) next(t *testing.T) node.Message {
	t.Helper()
	select {
	case m := <-p.ch:
		return m
	case <-time.After(waitDeadline):
		t.Fatal("nothing delivered before the deadline")
		return nil
	}
}

// waitUntil polls cond until it holds or the deadline passes.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitDeadline)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func newRuntime(t *testing.T, cfg Config, f node.Factory) *Runtime {
	t.Helper()
	if cfg.Dir == "" {
		cfg.Dir = t.TempDir()
	}
	r, err := New(cfg, f)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Stop)
	return r
}

func TestPingPongOverTCP(t *testing.T) {
	const rounds = 200
	var aStopped, bStopped bool
	a := newRuntime(t, Config{Self: "a", Listen: "127.0.0.1:0"}, func() node.Handler {
		return &pinger{peer: "b", probe: "probe", rounds: rounds, resend: time.Second, stopped: &aStopped}
	})
	b := newRuntime(t, Config{Self: "b", Listen: "127.0.0.1:0"}, func() node.Handler {
		return &pinger{stopped: &bStopped}
	})
	a.SetPeer("b", b.Addr())
	b.SetPeer("a", a.Addr())
	pr := attachProbe(a, "probe")
	if err := b.Start(); err != nil {
		t.Fatal(err)
	}
	if err := a.Start(); err != nil {
		t.Fatal(err)
	}
	for want := 1; want <= rounds; want++ {
		if got := pr.next(t); got != want {
			t.Fatalf("probe got %v, want round %d", got, want)
		}
	}
	var from node.ID
	b.Do(func(h node.Handler) { from = h.(*pinger).lastFrom })
	if from != "a" {
		t.Errorf("b saw pings from %q, want a", from)
	}
	a.Stop()
	b.Stop()
	if !aStopped || !bStopped {
		t.Errorf("Stopper called: a %v, b %v; want both", aStopped, bStopped)
	}
	if s := a.Stats(); s.MessagesSent < rounds || s.MessagesReceived < rounds {
		t.Errorf("a stats %+v: want at least %d sent and received", s, rounds)
	}
}

// A peer that goes away and comes back at the same address is redialled;
// the pinger's own resend covers what was lost meanwhile.
func TestPeerRestartIsRedialled(t *testing.T) {
	a := newRuntime(t, Config{Self: "a", Listen: "127.0.0.1:0"}, func() node.Handler {
		return &pinger{peer: "b", probe: "probe", rounds: 1 << 30, resend: 20 * time.Millisecond}
	})
	b1 := newRuntime(t, Config{Self: "b", Listen: "127.0.0.1:0"}, func() node.Handler { return &pinger{} })
	bAddr := b1.Addr()
	a.SetPeer("b", bAddr)
	b1.SetPeer("a", a.Addr())
	pr := attachProbe(a, "probe")
	b1.Start()
	a.Start()
	pr.next(t)
	b1.Stop()

	b2 := newRuntime(t, Config{Self: "b", Listen: bAddr, Peers: map[node.ID]string{"a": a.Addr()}}, func() node.Handler { return &pinger{} })
	b2.Start()
	// Drain what arrived before the restart, then require progress after it.
	var before int
	for len(pr.ch) > 0 {
		before = (<-pr.ch).(int)
	}
	for {
		if got := pr.next(t).(int); got > before+10 {
			break
		}
	}
	if b2.Stats().MessagesReceived == 0 {
		t.Fatal("the restarted peer received nothing")
	}
}

// timerNode exposes its env to tests through Do.
type timerNode struct{ env node.Env }

func (n *timerNode) Start(env node.Env)            { n.env = env }
func (n *timerNode) Receive(node.ID, node.Message) {}

func TestTimers(t *testing.T) {
	r := newRuntime(t, Config{Self: "n"}, func() node.Handler { return &timerNode{} })
	pr := attachProbe(r, "probe")
	r.Start()

	var fired, cancelled node.Timer
	r.Do(func(h node.Handler) {
		env := h.(*timerNode).env
		fired = env.After(time.Millisecond, func() { env.Send("probe", "fired") })
		cancelled = env.After(time.Hour, func() { env.Send("probe", "must not fire") })
		if !cancelled.Stop() {
			t.Error("Stop of a pending timer = false, want true")
		}
		if cancelled.Stop() {
			t.Error("second Stop = true, want false")
		}
	})
	if got := pr.next(t); got != "fired" {
		t.Fatalf("probe got %v, want fired", got)
	}
	r.Do(func(node.Handler) {
		if fired.Stop() {
			t.Error("Stop after firing = true, want false")
		}
	})
}

// The race the per-timer state exists for: AfterFunc has fired and queued
// its event, but the loop is still busy when the handler stops the timer.
// Stop must report true and the callback must never run.
func TestTimerStopAfterFireQueued(t *testing.T) {
	r := newRuntime(t, Config{Self: "n"}, func() node.Handler { return &timerNode{} })
	pr := attachProbe(r, "probe")
	r.Start()
	r.Do(func(h node.Handler) {
		env := h.(*timerNode).env
		tm := env.After(0, func() { env.Send("probe", "must not run") })
		deadline := time.Now().Add(waitDeadline)
		for len(r.inbox) == 0 { // the loop is busy with us: the event waits
			if time.Now().After(deadline) {
				t.Fatal("AfterFunc never queued its event")
			}
		}
		if !tm.Stop() {
			t.Error("Stop with the firing queued but not run = false, want true")
		}
		env.Send("probe", "after stop")
	})
	r.Do(func(node.Handler) {}) // the queued timer event has been processed
	if got := pr.next(t); got != "after stop" {
		t.Fatalf("probe got %v first, want only 'after stop'", got)
	}
	if len(pr.ch) != 0 {
		t.Fatalf("stopped timer ran: %v", <-pr.ch)
	}
}

func TestStopCancelsTimersAndDropsLateEvents(t *testing.T) {
	r := newRuntime(t, Config{Self: "n"}, func() node.Handler { return &timerNode{} })
	pr := attachProbe(r, "probe")
	r.Start()
	r.Do(func(h node.Handler) {
		env := h.(*timerNode).env
		env.After(time.Hour, func() { env.Send("probe", "late") })
	})
	r.Stop()
	r.Deliver("x", "after stop") // must return, not block or panic
	r.Do(func(node.Handler) { t.Error("Do ran after Stop") })
	if n := len(r.timers); n != 0 {
		t.Errorf("%d timers left pending after Stop", n)
	}
	if len(pr.ch) != 0 {
		t.Errorf("probe got %v", <-pr.ch)
	}
}

func TestSendRouting(t *testing.T) {
	var logBuf syncBuffer
	r := newRuntime(t, Config{Self: "n", Log: &logBuf, InboxMessagesMax: 4}, func() node.Handler { return &timerNode{} })
	r.Start()
	r.Do(func(h node.Handler) {
		env := h.(*timerNode).env
		env.Send("nobody", "lost")
		// The inbox holds 4: the fifth send to self is dropped, because
		// the loop cannot wait for itself.
		for i := range 5 {
			env.Send("n", gobPing{Seq: i})
		}
	})
	waitUntil(t, "self sends received", func() bool {
		return r.Stats().MessagesReceived == 4
	})
	if s := r.Stats(); s.MessagesDropped != 2 {
		t.Errorf("dropped %d, want 2 (unknown destination + full inbox)", s.MessagesDropped)
	}
	if !strings.Contains(logBuf.String(), "unknown node nobody") {
		t.Errorf("log does not name the unknown destination:\n%s", logBuf.String())
	}
}

// Deliver reaches the handler with its from; replies go to the attached
// endpoint of that name.
func TestDeliverRepliesToAttached(t *testing.T) {
	r := newRuntime(t, Config{Self: "n"}, func() node.Handler { return &pinger{} })
	pr := attachProbe(r, "probe")
	r.Start()
	r.Deliver("probe", gobPing{Seq: 9})
	if got := pr.next(t); got != (binPong{Seq: 9}) {
		t.Fatalf("probe got %v, want binPong{9}", got)
	}
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// diskNode appends a record and syncs it each time it starts, so the
// number of records counts its incarnations.
type diskNode struct {
	records []byte
	err     error
}

func (n *diskNode) Start(env node.Env) {
	f, err := env.Disk().Open("journal")
	if err != nil {
		n.err = err
		return
	}
	if _, err := f.Write([]byte{'x'}); err != nil {
		n.err = err
		return
	}
	if err := f.Sync(); err != nil {
		n.err = err
		return
	}
	n.records, n.err = env.Disk().ReadFile("journal")
	// f stays open on purpose: Stop must close it.
}

func (n *diskNode) Receive(node.ID, node.Message) {}

func TestRestartSeesSyncedData(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	for incarnation := 1; incarnation <= 3; incarnation++ {
		r := newRuntime(t, Config{Self: "n", Dir: dir}, func() node.Handler { return &diskNode{} })
		if err := r.Start(); err != nil {
			t.Fatal(err)
		}
		var records []byte
		var err error
		r.Do(func(h node.Handler) { records, err = h.(*diskNode).records, h.(*diskNode).err })
		if err != nil || len(records) != incarnation {
			t.Fatalf("incarnation %d: journal %q, err %v", incarnation, records, err)
		}
		r.Stop()
		if n := len(r.disk.open); n != 0 {
			t.Fatalf("%d files left open after Stop", n)
		}
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	f := func() node.Handler { return &timerNode{} }
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"no self", Config{Dir: "d"}},
		{"no dir", Config{Self: "n"}},
		{"self as peer", Config{Self: "n", Dir: "d", Peers: map[node.ID]string{"n": "x:1"}}},
		{"peer without address", Config{Self: "n", Dir: "d", Peers: map[node.ID]string{"m": ""}}},
		{"negative inbox", Config{Self: "n", Dir: "d", InboxMessagesMax: -1}},
		{"bad listen address", Config{Self: "n", Dir: "d", Listen: "not an address"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := New(tc.cfg, f); err == nil {
				t.Fatal("New accepted it")
			}
		})
	}
}

// panicNode panics on the message "boom".
type panicNode struct{}

func (panicNode) Start(node.Env) {}
func (panicNode) Receive(from node.ID, msg node.Message) {
	if msg == "boom" {
		var m map[string]int
		m["x"]++ // a real bug: write to a nil map
	}
}

// A handler panic must crash the process loudly and name the message that
// caused it. The crash runs in a child process of this test binary.
func TestHandlerPanicCrashesNamingTheMessage(t *testing.T) {
	if os.Getenv("LIVE_PANIC_CHILD") == "1" {
		r, err := New(Config{Self: "crashy", Dir: t.TempDir()}, func() node.Handler { return panicNode{} })
		if err != nil {
			t.Fatal(err)
		}
		r.Start()
		r.Deliver("client-9", "boom")
		r.Do(func(node.Handler) {}) // never returns: the process dies first
		t.Fatal("survived a handler panic")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestHandlerPanicCrashesNamingTheMessage$")
	cmd.Env = append(os.Environ(), "LIVE_PANIC_CHILD=1")
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		t.Fatalf("child did not fail: %v\n%s", err, out)
	}
	for _, want := range []string{"live node crashy", "message string from client-9: boom", "assignment to entry in nil map", "panicNode.Receive"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("crash output lacks %q:\n%s", want, out)
		}
	}
}

func BenchmarkDeliverToHandler(b *testing.B) {
	r, err := New(Config{Self: "n", Dir: b.TempDir()}, func() node.Handler { return &timerNode{} })
	if err != nil {
		b.Fatal(err)
	}
	r.Start()
	defer r.Stop()
	b.ReportAllocs()
	for b.Loop() {
		r.Deliver("c", "x")
	}
	r.Do(func(node.Handler) {})
}

func BenchmarkPingPongRoundTrip(b *testing.B) {
	a, _ := New(Config{Self: "a", Listen: "127.0.0.1:0", Dir: b.TempDir()}, func() node.Handler {
		return &pinger{peer: "b", probe: "probe", rounds: 1 << 30, resend: time.Minute}
	})
	bb, _ := New(Config{Self: "b", Listen: "127.0.0.1:0", Dir: b.TempDir()}, func() node.Handler { return &pinger{} })
	a.SetPeer("b", bb.Addr())
	bb.SetPeer("a", a.Addr())
	done := make(chan node.Message, 1<<16)
	a.Attach("probe", func(m node.Message) { done <- m })
	defer a.Stop()
	defer bb.Stop()
	bb.Start()
	a.Start()
	<-done
	for b.Loop() {
		<-done
	}
}

func TestDetachStopsDelivery(t *testing.T) {
	r := newRuntime(t, Config{Self: "n"}, func() node.Handler { return &timerNode{} })
	pr := attachProbe(r, "probe")
	detachOld := r.Attach("other", func(node.Message) { t.Error("replaced endpoint got a message") })
	r.Attach("other", func(node.Message) {}) // replaces: detachOld must not remove it
	detachOld()
	r.Start()
	r.Do(func(h node.Handler) {
		env := h.(*timerNode).env
		env.Send("other", "kept")
		env.Send("probe", "one")
	})
	if got := pr.next(t); got != "one" {
		t.Fatalf("probe got %v", got)
	}
	if d := r.Stats().MessagesDropped; d != 0 {
		t.Fatalf("dropped %d, want 0: a stale detach removed the newer endpoint", d)
	}
}

func TestLifecycleEdges(t *testing.T) {
	r := newRuntime(t, Config{Self: "n", Listen: "127.0.0.1:0"}, func() node.Handler { return &timerNode{} })
	r.Do(func(node.Handler) { t.Error("Do ran before Start") })
	r.Stop() // never started: releases the listener, does not hang
	if err := r.Start(); err == nil {
		t.Fatal("Start after Stop succeeded")
	}
	r.Stop() // idempotent

	nilFactory := newRuntime(t, Config{Self: "m"}, func() node.Handler { return nil })
	if err := nilFactory.Start(); err == nil {
		t.Fatal("Start with a Factory returning nil succeeded")
	}
}

// Kill is a process crash: the handler is not told, unlike Stop.
func TestKillSkipsTheStopper(t *testing.T) {
	var stopped bool
	r := newRuntime(t, Config{Self: "k"}, func() node.Handler { return &pinger{stopped: &stopped} })
	if err := r.Start(); err != nil {
		t.Fatal(err)
	}
	r.Kill()
	r.Stop() // after Kill, a no-op
	if stopped {
		t.Fatal("Kill called the handler's Stop")
	}
}
