package live

import (
	crand "crypto/rand"
	"fmt"
	"math/rand/v2"
	"net"
	"reflect"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"syslab/node"
)

// Runtime runs one node for real.
type Runtime struct {
	cfg      Config
	factory  node.Factory
	listener net.Listener // nil when Config.Listen is ""

	inbox    chan event
	stopping chan struct{} // closed by Stop: producers give up, the loop exits
	loopDone chan struct{} // closed when the loop goroutine has returned

	startOnce sync.Once
	stopOnce  sync.Once
	// graceful is set by Stop and cleared by Kill before stopping closes;
	// the loop reads it after, so the channel close orders the two.
	graceful bool
	started  atomic.Bool
	// createdAt is the origin of liveEnv.Elapsed (a monotonic reading).
	createdAt time.Time
	startErr  error

	logMu sync.Mutex // one Logf line at a time

	mu        sync.Mutex // guards the maps below
	peers     map[node.ID]*peerLink
	endpoints map[node.ID]*endpoint
	inbound   map[net.Conn]struct{}
	// dialedPeers counts the links Config.DialByID added, bounded by
	// dialedPeersMax.
	dialedPeers int

	goroutines sync.WaitGroup // every goroutine but the loop
	stats      counters

	// handlerMu is held whenever the handler runs — Start, Receive, a
	// timer's callback, a Do call, Stop — whether on the loop goroutine or
	// on a caller of Handle. It is what keeps the contract's promise that
	// calls never overlap once handling is no longer confined to the loop.
	handlerMu sync.Mutex
	// handlerStarted is closed once Handler.Start has returned: Handle
	// waits for it, so nothing reaches the handler before Start.
	handlerStarted chan struct{}
	// handlerStopped is set, under handlerMu, when the loop has shut the
	// handler down (or Start panicked): Handle then delivers nothing.
	handlerStopped bool

	// Guarded by handlerMu once Start has run.
	env     *liveEnv
	handler node.Handler
	disk    *dirDisk
	timers  map[*timer]struct{}
	current *event // what the handler is running, named if it panics
	handled event  // the event of the Handle call in progress
	// handledFrom is the endpoint of the Handle call's caller, looked up
	// once per call: replies to it are lent without the endpoints lock.
	// lentTo and lentEP are the last other destination a loan of the
	// event looked up (liveEnv.Lend); both are cleared when it ends.
	handledFrom *endpoint
	lentTo      node.ID
	lentEP      *endpoint
	// eventNow is the clock reading of the message or timer being
	// handled, zero outside one: every env.Now() during one event returns
	// it (liveEnv.Now).
	eventNow time.Time
}

type eventKind uint8

const (
	eventMessage eventKind = iota + 1
	eventTimer
	eventDo
)

// event is one entry of the inbox. Kept small: the inbox allocates
// InboxMessagesMax of them up front.
type event struct {
	kind  eventKind
	from  node.ID
	msg   node.Message
	timer *timer
	do    *doCall
}

type doCall struct {
	fn   func(node.Handler)
	done chan struct{}
}

type endpoint struct {
	deliver func(node.Message)
	// borrows: deliver keeps nothing of a message once it returns, so the
	// endpoint takes loans (node.Lender).
	borrows bool
}

// New checks cfg and binds the peer listener, so Addr is known (port 0
// picks a free one) before any runtime starts. Nothing runs until Start.
func New(cfg Config, f node.Factory) (*Runtime, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if f == nil {
		return nil, fmt.Errorf("live node %s: nil Factory", cfg.Self)
	}
	r := &Runtime{
		cfg:       cfg,
		factory:   f,
		createdAt: time.Now(),
		inbox:     make(chan event, cfg.InboxMessagesMax),
		stopping:  make(chan struct{}),
		loopDone:  make(chan struct{}),

		handlerStarted: make(chan struct{}),
		peers:          map[node.ID]*peerLink{},
		endpoints:      map[node.ID]*endpoint{},
		inbound:        map[net.Conn]struct{}{},
		timers:         map[*timer]struct{}{},
	}
	for id, addr := range cfg.Peers {
		r.peers[id] = r.newPeerLink(id, addr)
	}
	if cfg.Listen != "" {
		r.listener, err = net.Listen("tcp", cfg.Listen)
		if err != nil {
			return nil, fmt.Errorf("live node %s: listen: %w", cfg.Self, err)
		}
	}
	return r, nil
}

// Addr is the bound node-to-node address, "" without a listener.
func (r *Runtime) Addr() string {
	if r.listener == nil {
		return ""
	}
	return r.listener.Addr().String()
}

// SetPeer adds a peer or changes its address; an open connection to the
// old address is closed so the next message dials the new one. Safe at
// any time, from any goroutine.
func (r *Runtime) SetPeer(id node.ID, addr string) {
	if id == r.cfg.Self || addr == "" {
		panic(fmt.Sprintf("live node %s: SetPeer(%q, %q): a peer needs another ID and an address", r.cfg.Self, id, addr))
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if link, ok := r.peers[id]; ok {
		link.setAddr(addr)
		return
	}
	link := r.newPeerLink(id, addr)
	r.peers[id] = link
	if r.started.Load() {
		r.goroutines.Add(1)
		go link.run()
	}
}

// Start opens the disk, starts the listener and the loop, and calls
// Handler.Start on the loop before anything else the loop runs.
func (r *Runtime) Start() error {
	r.startOnce.Do(func() { r.startErr = r.start() })
	return r.startErr
}

func (r *Runtime) start() error {
	select {
	case <-r.stopping:
		return fmt.Errorf("live node %s: Start after Stop", r.cfg.Self)
	default:
	}
	disk, err := openDirDisk(r.cfg.Dir)
	if err != nil {
		return fmt.Errorf("live node %s: %w", r.cfg.Self, err)
	}
	r.disk = disk
	var seed [32]byte
	crand.Read(seed[:]) // never fails since Go 1.24
	r.env = &liveEnv{r: r, rng: rand.New(rand.NewChaCha8(seed))}
	r.handler = r.factory()
	if r.handler == nil {
		return fmt.Errorf("live node %s: Factory returned nil", r.cfg.Self)
	}

	r.mu.Lock()
	r.started.Store(true)
	for _, link := range r.peers {
		r.goroutines.Add(1)
		go link.run()
	}
	r.mu.Unlock()
	if r.listener != nil {
		r.goroutines.Add(1)
		go r.acceptLoop()
	}
	go r.loop()
	return nil
}

// Deliver injects a message from a local endpoint (a client connection)
// into the loop. It blocks while the inbox is full and returns without
// delivering once the runtime is stopping.
func (r *Runtime) Deliver(from node.ID, msg node.Message) {
	r.post(event{kind: eventMessage, from: from, msg: msg})
}

// Attach routes messages the node sends to id into deliver, which runs
// where the handler runs (the loop goroutine, or a Handle caller's) with
// the handler lock held, so it must not block long. detach undoes it (only this
// registration, if id was attached again since).
func (r *Runtime) Attach(id node.ID, deliver func(node.Message)) (detach func()) {
	return r.attach(id, &endpoint{deliver: deliver})
}

// AttachBorrowing is Attach for a deliver that keeps nothing of a message
// once it returns (it copies or encodes what it needs): the node may then
// lend it messages (node.Lender) and reuse their memory.
func (r *Runtime) AttachBorrowing(id node.ID, deliver func(node.Message)) (detach func()) {
	return r.attach(id, &endpoint{deliver: deliver, borrows: true})
}

func (r *Runtime) attach(id node.ID, ep *endpoint) (detach func()) {
	if id == r.cfg.Self || ep.deliver == nil {
		panic(fmt.Sprintf("live node %s: Attach(%q) needs another ID and a deliver func", r.cfg.Self, id))
	}
	r.mu.Lock()
	r.endpoints[id] = ep
	r.mu.Unlock()
	return func() {
		r.mu.Lock()
		if r.endpoints[id] == ep {
			delete(r.endpoints, id)
		}
		r.mu.Unlock()
	}
}

// Do runs fn with the handler on the loop and waits for it. It returns
// without running fn if the runtime is not running. Calling it from the
// loop (inside the handler) deadlocks.
func (r *Runtime) Do(fn func(h node.Handler)) {
	if !r.started.Load() {
		return
	}
	call := &doCall{fn: fn, done: make(chan struct{})}
	if !r.post(event{kind: eventDo, do: call}) {
		return
	}
	select {
	case <-call.done:
	case <-r.loopDone:
	}
}

// Stop shuts the node down gracefully: the loop finishes the event in
// hand, calls node.Stopper if the handler implements it, cancels timers;
// then sockets and files the node left open are closed. Events still
// queued are dropped. It must not be called from the loop.
func (r *Runtime) Stop() { r.stop(true) }

// Kill ends the node as kill -9 ends a process: the loop stops after the
// event in hand and the handler is not told (no node.Stopper). What it had
// written to its files stays, as the page cache survives a process crash;
// what it had not written is gone with its memory.
func (r *Runtime) Kill() { r.stop(false) }

func (r *Runtime) stop(graceful bool) {
	r.stopOnce.Do(func() {
		r.graceful = graceful
		close(r.stopping)
		if r.started.Load() {
			<-r.loopDone
		}
		if r.listener != nil {
			r.listener.Close()
		}
		r.mu.Lock()
		for conn := range r.inbound {
			conn.Close()
		}
		for _, link := range r.peers {
			link.closeConn()
		}
		r.mu.Unlock()
		r.goroutines.Wait()
		if r.disk != nil {
			r.disk.closeAll()
		}
	})
}

// post queues ev, blocking while the inbox is full; false if stopping.
func (r *Runtime) post(ev event) bool {
	select {
	case <-r.stopping:
		return false
	default:
	}
	select {
	case r.inbox <- ev:
		return true
	case <-r.stopping:
		return false
	}
}

func (r *Runtime) loop() {
	defer close(r.loopDone)
	defer r.crashOnPanic()

	r.handlerMu.Lock()
	r.current = &event{kind: eventDo} // names Handler.Start if it panics
	r.handler.Start(r.env)
	r.current = nil
	r.handlerMu.Unlock()
	close(r.handlerStarted)
	for {
		select {
		case <-r.stopping:
			r.handlerMu.Lock()
			r.shutdownOnLoop()
			r.handlerStopped = true
			r.handlerMu.Unlock()
			return
		case ev := <-r.inbox:
			r.handlerMu.Lock()
			r.current, r.eventNow = &ev, time.Now()
			r.run(ev)
			r.current, r.eventNow = nil, time.Time{}
			r.lentTo, r.lentEP = "", nil
			r.handlerMu.Unlock()
		}
	}
}

// Handle runs the handler's Receive for msg from a local endpoint on the
// calling goroutine, under the same lock the loop holds while it runs the
// handler, and returns when Receive has. It is Deliver without the hop
// through the inbox: a server adapter that calls it from each connection's
// goroutine saves two goroutine wake-ups per request, and messages the
// node sends to the caller's endpoint during Receive have reached its
// deliver func when Handle returns. Calls never overlap with each other
// or with the loop's events, so the handler stays single-threaded, but
// the order between two goroutines' calls is the order they got the lock.
//
// It waits for Handler.Start, and returns false without delivering once
// the runtime is stopping. The caller may reuse msg after Handle returns
// only if the handler is documented not to keep it. Calling it from the
// handler (inside Receive or a timer) deadlocks.
func (r *Runtime) Handle(from node.ID, msg node.Message) bool {
	select {
	case <-r.handlerStarted:
	case <-r.stopping:
		return false
	}
	r.handlerMu.Lock()
	defer r.handlerMu.Unlock()
	if r.handlerStopped {
		return false
	}
	select {
	case <-r.stopping:
		return false // Stop or Kill: as with the loop, no new event runs
	default:
	}
	r.handled = event{kind: eventMessage, from: from, msg: msg}
	r.current = &r.handled // a field, not a local: no allocation per call
	r.eventNow = time.Now()
	r.mu.Lock()
	r.handledFrom = r.endpoints[from]
	r.mu.Unlock()
	defer r.crashOnPanic()
	r.stats.received.Add(1)
	r.handler.Receive(from, msg)
	r.current, r.handled, r.handledFrom, r.eventNow = nil, event{}, nil, time.Time{}
	r.lentTo, r.lentEP = "", nil
	return true
}

func (r *Runtime) run(ev event) {
	switch ev.kind {
	case eventMessage:
		r.stats.received.Add(1)
		r.handler.Receive(ev.from, ev.msg)
	case eventTimer:
		t := ev.timer
		if t.state != timerPending {
			return // stopped after its AfterFunc had already queued it
		}
		t.state = timerFired
		delete(r.timers, t)
		t.fn()
	case eventDo:
		ev.do.fn(r.handler)
		close(ev.do.done)
	default:
		panic(fmt.Sprintf("live node %s: unknown event kind %d", r.cfg.Self, ev.kind))
	}
}

func (r *Runtime) shutdownOnLoop() {
	r.current = &event{kind: eventDo}
	if s, ok := r.handler.(node.Stopper); ok && r.graceful {
		s.Stop()
	}
	r.current = nil
	for t := range r.timers {
		t.state = timerStopped
		t.t.Stop()
	}
	clear(r.timers)
}

// crashOnPanic lets a handler panic take the process down, as a crash of
// a real server would, but first says which event caused it: the bare
// panic would only show the loop's stack.
func (r *Runtime) crashOnPanic() {
	p := recover()
	if p == nil {
		return
	}
	panic(fmt.Sprintf("live node %s: handler panicked while handling %s: %v\n\npanic site:\n%s",
		r.cfg.Self, describeEvent(r.current), p, debug.Stack()))
}

func describeEvent(ev *event) string {
	switch {
	case ev == nil:
		return "no event (runtime bug)"
	case ev.kind == eventMessage:
		return fmt.Sprintf("message %T from %s: %.200v", ev.msg, ev.from, ev.msg)
	case ev.kind == eventTimer:
		name := "?"
		if fn := runtime.FuncForPC(reflect.ValueOf(ev.timer.fn).Pointer()); fn != nil {
			name = fn.Name()
		}
		return fmt.Sprintf("timer %s set for %v", name, ev.timer.delay)
	default:
		return "Start, Stop or a Do call"
	}
}

// Stats are the runtime's own transport counters.
type Stats struct {
	MessagesReceived uint64 // handed to Handler.Receive
	MessagesSent     uint64 // written to a peer socket
	MessagesDropped  uint64 // lost in this runtime: full queues, unknown destinations, dead links
}

type counters struct {
	received, sent, dropped atomic.Uint64
}

// Stats returns the counters so far.
func (r *Runtime) Stats() Stats {
	return Stats{
		MessagesReceived: r.stats.received.Load(),
		MessagesSent:     r.stats.sent.Load(),
		MessagesDropped:  r.stats.dropped.Load(),
	}
}

func (r *Runtime) logf(format string, args ...any) {
	line := fmt.Sprintf("%s %s "+format+"\n", append([]any{time.Now().Format("15:04:05.000000"), r.cfg.Self}, args...)...)
	r.logMu.Lock()
	defer r.logMu.Unlock()
	r.cfg.Log.Write([]byte(line))
}
