// Package faultproxy is a TCP proxy that injects faults between two
// endpoints, for live-mode fault schedules: latency and jitter, a black
// hole that accepts bytes and never delivers them, partitions, connection
// resets and a bandwidth cap. Faults change at runtime and apply to both
// directions of every proxied connection.
//
// It is a few hundred lines of our own rather than toxiproxy embedded:
// toxiproxy's library is built around its HTTP API server and toxic
// registry, pulls in a logging and metrics stack, and still lacks a
// partition that refuses new connections — the one fault the lab uses most.
package faultproxy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"sync"
	"time"
)

const (
	// chunkBytesMax is the most one read moves through the proxy at once.
	chunkBytesMax = 32 << 10
	// pipeChunksMax bounds the chunks in flight per direction of a
	// connection (at most pipeChunksMax*chunkBytesMax bytes buffered);
	// beyond it the proxy stops reading and TCP pushes back on the sender.
	pipeChunksMax = 64
	// dialTimeout bounds connecting to the target.
	dialTimeout = 2 * time.Second
	// bandwidthQuantum is the pacing granularity of SetBandwidth: writes
	// are cut so none carries more than this much time's worth of bytes.
	bandwidthQuantum = 20 * time.Millisecond
)

// Proxy forwards connections accepted on its listen address to target.
type Proxy struct {
	target   string
	listener net.Listener
	closing  chan struct{}
	workers  sync.WaitGroup

	startOnce sync.Once
	closeOnce sync.Once

	mu          sync.Mutex // guards the fault settings and conns
	latency     time.Duration
	jitter      time.Duration
	drop        bool
	partitioned bool
	bytesPerSec int64
	rng         *rand.Rand // jitter samples; a proxy need not be reproducible
	conns       map[*proxiedConn]struct{}
}

// New binds listen (port 0 picks a free one; see Addr) and will forward to
// target once started.
func New(listen, target string) (*Proxy, error) {
	if target == "" {
		return nil, errors.New("faultproxy: empty target address")
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return nil, fmt.Errorf("faultproxy: listen %s: %w", listen, err)
	}
	return &Proxy{
		target:   target,
		listener: ln,
		closing:  make(chan struct{}),
		rng:      rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64())),
		conns:    map[*proxiedConn]struct{}{},
	}, nil
}

// Addr is the address clients connect to.
func (p *Proxy) Addr() string { return p.listener.Addr().String() }

// Start accepts and forwards connections until Close.
func (p *Proxy) Start() error {
	select {
	case <-p.closing:
		return errors.New("faultproxy: Start after Close")
	default:
	}
	p.startOnce.Do(func() {
		p.workers.Add(1)
		go p.acceptLoop()
	})
	return nil
}

// Close stops accepting, closes every proxied connection and waits for
// the proxy's goroutines to end.
func (p *Proxy) Close() error {
	p.closeOnce.Do(func() {
		close(p.closing)
		p.listener.Close()
		p.closeConns(false)
		p.workers.Wait()
	})
	return nil
}

// SetLatency delays every chunk by latency plus a uniform sample in
// [-jitter, +jitter] (never below zero). Order within a connection is
// kept, as TCP would: a chunk never overtakes the one before it.
func (p *Proxy) SetLatency(latency, jitter time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.latency, p.jitter = max(latency, 0), max(jitter, 0)
}

// SetDrop turns the black hole on or off: while on, connections stay open
// and bytes are accepted from both sides but never delivered.
func (p *Proxy) SetDrop(drop bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.drop = drop
}

// Partition resets every proxied connection and resets new ones as soon
// as they are accepted, until Heal. Clients see "connection reset by
// peer" — the fastest failure a partition can show, which is what a
// fault schedule wants to time.
func (p *Proxy) Partition() {
	p.mu.Lock()
	p.partitioned = true
	p.mu.Unlock()
	p.closeConns(true)
}

// Heal ends a partition: new connections are forwarded again.
func (p *Proxy) Heal() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.partitioned = false
}

// ResetAll resets (RST, not FIN) every proxied connection; new ones are
// accepted as usual.
func (p *Proxy) ResetAll() { p.closeConns(true) }

// SetBandwidth caps each direction of each connection at bytesPerSec;
// 0 removes the cap.
func (p *Proxy) SetBandwidth(bytesPerSec int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.bytesPerSec = max(bytesPerSec, 0)
}

func (p *Proxy) closeConns(reset bool) {
	p.mu.Lock()
	conns := make([]*proxiedConn, 0, len(p.conns))
	for c := range p.conns {
		conns = append(conns, c)
	}
	p.mu.Unlock()
	for _, c := range conns {
		c.close(reset)
	}
}

func (p *Proxy) acceptLoop() {
	defer p.workers.Done()
	for {
		client, err := p.listener.Accept()
		if err != nil {
			return // closed by Close; nothing else stops a TCP listener
		}
		p.mu.Lock()
		partitioned := p.partitioned
		p.mu.Unlock()
		if partitioned {
			resetConn(client)
			continue
		}
		p.workers.Add(1)
		go p.forward(client)
	}
}

// forward dials the target for one client and pumps both directions.
func (p *Proxy) forward(client net.Conn) {
	defer p.workers.Done()
	ctx, cancel := context.WithTimeout(context.Background(), dialTimeout)
	go func() {
		select {
		case <-p.closing:
			cancel()
		case <-ctx.Done():
		}
	}()
	var d net.Dialer
	server, err := d.DialContext(ctx, "tcp", p.target)
	cancel()
	if err != nil {
		resetConn(client) // the target refused: so does the proxy
		return
	}
	c := &proxiedConn{proxy: p, client: client, server: server}
	p.mu.Lock()
	select {
	case <-p.closing:
		p.mu.Unlock()
		c.close(false)
		return
	default:
	}
	if p.partitioned { // partitioned while we dialled
		p.mu.Unlock()
		c.close(true)
		return
	}
	p.conns[c] = struct{}{}
	p.mu.Unlock()

	var pipes sync.WaitGroup
	pipes.Add(2)
	go func() { defer pipes.Done(); c.pipe(client, server) }()
	go func() { defer pipes.Done(); c.pipe(server, client) }()
	pipes.Wait()
	c.close(false)
}

// chunk is bytes read from one side, due for the other at a given time.
type chunk struct {
	data []byte
	due  time.Time
}

// delay samples the delay of a chunk read now and whether to drop it.
func (p *Proxy) delay() (time.Duration, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	d := p.latency
	if p.jitter > 0 {
		d += time.Duration(p.rng.Int64N(int64(2*p.jitter)+1)) - p.jitter
	}
	return max(d, 0), p.drop
}

func (p *Proxy) bandwidth() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.bytesPerSec
}

// proxiedConn is one client connection and its connection to the target.
type proxiedConn struct {
	proxy          *Proxy
	client, server net.Conn
	closeOnce      sync.Once
}

func (c *proxiedConn) close(reset bool) {
	c.closeOnce.Do(func() {
		if reset {
			resetConn(c.client)
			resetConn(c.server)
		} else {
			c.client.Close()
			c.server.Close()
		}
		c.proxy.mu.Lock()
		delete(c.proxy.conns, c)
		c.proxy.mu.Unlock()
	})
}

// pipe moves bytes from src to dst: a reader stamps each chunk with its
// due time and a writer delivers it then, so latency does not slow the
// reader and throughput stays that of the link.
func (c *proxiedConn) pipe(src, dst net.Conn) {
	chunks := make(chan chunk, pipeChunksMax)
	readErr := make(chan error, 1)
	go func() {
		defer close(chunks)
		var lastDue time.Time
		for {
			buf := make([]byte, chunkBytesMax)
			n, err := src.Read(buf)
			if n > 0 {
				delay, drop := c.proxy.delay()
				if !drop {
					due := time.Now().Add(delay)
					if due.Before(lastDue) {
						due = lastDue // jitter must not reorder a stream
					}
					lastDue = due
					select {
					case chunks <- chunk{data: buf[:n], due: due}:
					case <-c.proxy.closing:
						readErr <- net.ErrClosed
						return
					}
				}
			}
			if err != nil {
				readErr <- err
				return
			}
		}
	}()

	wait := time.NewTimer(0)
	defer wait.Stop()
	var nextFree time.Time // bandwidth pacing: when the link is free again
	for ch := range chunks {
		for data := ch.data; len(data) > 0; {
			piece := data
			due := ch.due
			if bps := c.proxy.bandwidth(); bps > 0 {
				piece = data[:min(len(data), max(1, int(bps*int64(bandwidthQuantum)/int64(time.Second))))]
				start := time.Now()
				for _, t := range []time.Time{nextFree, ch.due} {
					if t.After(start) {
						start = t
					}
				}
				nextFree = start.Add(time.Duration(int64(len(piece)) * int64(time.Second) / bps))
				due = nextFree
			}
			if d := time.Until(due); d > 0 {
				wait.Reset(d)
				select {
				case <-wait.C:
				case <-c.proxy.closing:
					return
				}
			}
			if _, err := dst.Write(piece); err != nil {
				c.close(false)
				for range chunks { // let the reader finish
				}
				return
			}
			data = data[len(piece):]
		}
	}
	if err := <-readErr; errors.Is(err, io.EOF) {
		// Pass a clean half-close on so request/response protocols that
		// shut down their write side still work through the proxy.
		if tcp, ok := dst.(*net.TCPConn); ok {
			tcp.CloseWrite()
			return
		}
	}
	c.close(false)
}

// resetConn closes with SO_LINGER 0, which sends RST instead of FIN.
func resetConn(conn net.Conn) {
	if tcp, ok := conn.(*net.TCPConn); ok {
		tcp.SetLinger(0)
	}
	conn.Close()
}
