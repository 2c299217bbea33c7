package lab

import (
	"fmt"
	"hash/fnv"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"syslab/live"
	"syslab/live/faultproxy"
	"syslab/node"
	"syslab/sim"
)

// liveWorld runs every node as a live runtime in this process: real TCP
// between nodes, real files with fsync, the wall clock. Every link to a
// server goes through its own fault proxy, so partitions and one-way
// cuts are real refused and reset connections.
//
// What live mode cannot do in one process, it says: a crash is a process
// crash (kill -9: the page cache survives, so unsynced writes are not
// lost as on power loss), and clock skew and disk errors are not applied.
//
// A run whose schedule can cut no link (no partition, one-way or random
// fault) links nodes directly: a proxy would only add a hop of its own —
// two goroutine hand-offs and a copy each way, ~50µs of p50 on a loaded
// lab machine — that no real deployment has.
type liveWorld struct {
	seed    uint64
	proxied bool // links go through fault proxies
	start   time.Time
	dataDir string
	ownDir  bool // dataDir is ours to remove

	mu      sync.Mutex // serialises world actions and guards the maps
	servers map[node.ID]*liveServer
	clients map[node.ID]*live.Runtime
	// proxies[from][to] carries from's connection to server to.
	proxies map[node.ID]map[node.ID]*faultproxy.Proxy
	closed  bool

	timersMu      sync.Mutex
	timers        []*time.Timer
	timersStopped bool

	// begun is set by Begin; clients added before it wait in pending.
	begun   bool
	pending []*live.Runtime
}

type liveServer struct {
	factory node.Factory
	dir     string
	addr    string // fixed at first start, reused by restarts
	rt      *live.Runtime
	paused  chan struct{} // closed to resume; nil when running
}

func newLiveWorld(seed uint64, dataDir string, proxied bool) (*liveWorld, error) {
	w := &liveWorld{
		seed:    seed,
		proxied: proxied,
		servers: map[node.ID]*liveServer{},
		clients: map[node.ID]*live.Runtime{},
		proxies: map[node.ID]map[node.ID]*faultproxy.Proxy{},
	}
	if dataDir == "" {
		dir, err := os.MkdirTemp("", "syslab-live-")
		if err != nil {
			return nil, err
		}
		dataDir, w.ownDir = dir, true
	}
	w.dataDir = dataDir
	w.start = time.Now()
	return w, nil
}

func (w *liveWorld) Now() time.Duration { return time.Since(w.start) }

// Begin restarts the clock and starts the clients added so far, so the
// time spent starting servers and dialling links is not part of the run.
func (w *liveWorld) Begin() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.start = time.Now()
	w.begun = true
	for _, rt := range w.pending {
		if err := rt.Start(); err != nil {
			fmt.Fprintf(os.Stderr, "syslab: live client failed to start: %v\n", err)
		}
	}
	w.pending = nil
}

// At may be called from inside a world action (a fault scheduling its own
// undo), so it takes only the timers' lock, never the actions' lock.
func (w *liveWorld) At(t time.Duration, fn func()) {
	w.timersMu.Lock()
	defer w.timersMu.Unlock()
	if w.timersStopped {
		return
	}
	timer := time.AfterFunc(max(t-w.Now(), 0), func() {
		w.mu.Lock()
		defer w.mu.Unlock()
		if !w.closed {
			fn()
		}
	})
	w.timers = append(w.timers, timer)
}

func (w *liveWorld) Run(until time.Duration) {
	if d := until - w.Now(); d > 0 {
		time.Sleep(d)
	}
}

// Stream derives a source from the seed and purpose as the simulator does,
// so a live run draws the same workload as a sim run of the same seed.
func (w *liveWorld) Stream(purpose string) *rand.Rand {
	h := fnv.New64a()
	io.WriteString(h, purpose)
	return rand.New(rand.NewPCG(w.seed, h.Sum64()))
}

func (w *liveWorld) AddServer(id node.ID, f node.Factory) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	dir := filepath.Join(w.dataDir, string(id))
	s := &liveServer{factory: f, dir: dir, addr: "127.0.0.1:0"}
	w.servers[id] = s
	if err := w.startServer(id, s); err != nil {
		return err
	}
	// Every node that can already talk gets a proxied link to the new one,
	// and the new one a link to every server.
	for from := range w.servers {
		if from != id {
			if err := w.link(from, id); err != nil {
				return err
			}
			if err := w.link(id, from); err != nil {
				return err
			}
		}
	}
	for cid := range w.clients {
		if err := w.link(cid, id); err != nil {
			return err
		}
		s.rt.SetPeer(cid, w.clients[cid].Addr())
	}
	return nil
}

func (w *liveWorld) startServer(id node.ID, s *liveServer) error {
	rt, err := live.New(live.Config{Self: id, Listen: s.addr, Dir: s.dir}, s.factory)
	if err != nil {
		return fmt.Errorf("live node %s: %w", id, err)
	}
	s.addr = rt.Addr()
	for cid, c := range w.clients {
		rt.SetPeer(cid, c.Addr())
	}
	for to, p := range w.proxies[id] {
		rt.SetPeer(to, p.Addr())
	}
	if !w.proxied {
		for to, other := range w.servers {
			if to != id && other.addr != "127.0.0.1:0" {
				rt.SetPeer(to, other.addr)
			}
		}
	}
	s.rt = rt
	return rt.Start()
}

// link makes from reach server to through a fresh proxy, or directly when
// the world has no proxies.
func (w *liveWorld) link(from, to node.ID) error {
	if !w.proxied {
		w.setPeer(from, to, w.servers[to].addr)
		return nil
	}
	p, err := faultproxy.New("127.0.0.1:0", w.servers[to].addr)
	if err != nil {
		return err
	}
	if err := p.Start(); err != nil {
		return err
	}
	if w.proxies[from] == nil {
		w.proxies[from] = map[node.ID]*faultproxy.Proxy{}
	}
	w.proxies[from][to] = p
	w.setPeer(from, to, p.Addr())
	return nil
}

// setPeer tells node from (a server or a client) where to reach to.
func (w *liveWorld) setPeer(from, to node.ID, addr string) {
	if s, ok := w.servers[from]; ok && s.rt != nil {
		s.rt.SetPeer(to, addr)
	}
	if c, ok := w.clients[from]; ok {
		c.SetPeer(to, addr)
	}
}

func (w *liveWorld) AddClient(id node.ID, h node.Handler) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	rt, err := live.New(live.Config{Self: id, Listen: "127.0.0.1:0", Dir: filepath.Join(w.dataDir, string(id))},
		func() node.Handler { return h })
	if err != nil {
		return err
	}
	w.clients[id] = rt
	for sid, s := range w.servers {
		if err := w.link(id, sid); err != nil {
			return err
		}
		if s.rt != nil {
			s.rt.SetPeer(id, rt.Addr())
		}
	}
	if !w.begun {
		w.pending = append(w.pending, rt)
		return nil
	}
	return rt.Start()
}

func (w *liveWorld) Up(id node.ID) bool {
	s := w.servers[id]
	return s != nil && s.rt != nil
}

func (w *liveWorld) Paused(id node.ID) bool {
	s := w.servers[id]
	return s != nil && s.paused != nil
}

// Crash is a process crash in live mode; see liveWorld.
func (w *liveWorld) Crash(id node.ID) { w.Kill(id) }

func (w *liveWorld) Kill(id node.ID) {
	s := w.servers[id]
	if s == nil || s.rt == nil {
		return
	}
	w.Resume(id) // a paused loop cannot stop
	s.rt.Kill()
	s.rt = nil
}

func (w *liveWorld) Restart(id node.ID) {
	s := w.servers[id]
	if s == nil {
		return
	}
	if s.rt != nil {
		w.Kill(id)
	}
	if err := w.startServer(id, s); err != nil {
		// The port may be taken meanwhile: the node stays down, and the
		// run's checks will see its clients time out.
		fmt.Fprintf(os.Stderr, "syslab: live restart of %s failed: %v\n", id, err)
		s.rt = nil
	}
}

// Pause blocks the node's event loop, as SIGSTOP or a long GC pause would.
func (w *liveWorld) Pause(id node.ID) {
	s := w.servers[id]
	if s == nil || s.rt == nil || s.paused != nil {
		return
	}
	s.paused = make(chan struct{})
	resume, rt := s.paused, s.rt
	go rt.Do(func(node.Handler) { <-resume })
}

func (w *liveWorld) Resume(id node.ID) {
	s := w.servers[id]
	if s == nil || s.paused == nil {
		return
	}
	close(s.paused)
	s.paused = nil
}

func (w *liveWorld) Partition(groups ...[]node.ID) {
	group := map[node.ID]int{}
	for i, g := range groups {
		for _, id := range g {
			group[id] = i
		}
	}
	for from, links := range w.proxies {
		for to, p := range links {
			gf, okf := group[from]
			gt, okt := group[to]
			if okf && okt && gf != gt {
				p.Partition()
			}
		}
	}
}

func (w *liveWorld) Block(from, to node.ID) {
	if p := w.proxies[from][to]; p != nil {
		p.Partition()
	}
}

func (w *liveWorld) Heal() {
	for _, links := range w.proxies {
		for _, p := range links {
			p.Heal()
		}
	}
}

func (w *liveWorld) SetClock(node.ID, time.Duration, float64) bool { return false }
func (w *liveWorld) SetDiskFault(node.ID, sim.DiskFault) bool      { return false }
func (w *liveWorld) Events() uint64                                { return 0 }
func (w *liveWorld) NodeMetrics(node.ID) map[string]float64        { return nil }
func (w *liveWorld) TraceHash() string                             { return "" }

func (w *liveWorld) Close() {
	w.timersMu.Lock()
	w.timersStopped = true
	for _, t := range w.timers {
		t.Stop()
	}
	w.timersMu.Unlock()
	w.mu.Lock()
	w.closed = true
	ids := make([]node.ID, 0, len(w.servers))
	for id := range w.servers {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	for _, id := range ids {
		w.Resume(id)
		if rt := w.servers[id].rt; rt != nil {
			rt.Stop()
		}
	}
	for _, c := range w.clients {
		c.Stop()
	}
	for _, links := range w.proxies {
		for _, p := range links {
			p.Close()
		}
	}
	w.mu.Unlock()
	if w.ownDir {
		os.RemoveAll(w.dataDir)
	}
}
