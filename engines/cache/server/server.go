// Package server serves a cache node over TCP with the Redis protocol
// (RESP2 and RESP3), on top of the live runtime. It is the only package of
// the cache that touches sockets: each connection becomes an endpoint of
// the node ("conn-17"), its commands are delivered as cache.Command
// messages, and the node's cache.Reply and cache.Push messages are written
// back in the order the node sent them, each in the protocol version it
// carries (the node decides it: HELLO 3 switches a client to RESP3).
package server

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"syslab/engines/cache"
	"syslab/engines/cache/resp"
	"syslab/live"
	"syslab/node"
)

// Config is a cache server.
type Config struct {
	// Addr is the TCP address to listen on ("127.0.0.1:6379"; port 0 picks one).
	Addr string
	// Dir holds the node's files (the AOF).
	Dir string
	// Cache configures the node.
	Cache cache.Config
	// Log receives the node's and the server's log lines; nil discards.
	Log io.Writer
	// Metrics receives the node's metrics and the server's own (see the
	// metric names below); nil records nothing. It must be safe for
	// concurrent use: connections record from their own goroutines.
	Metrics node.Metrics
	// BusAddr is the node-to-node TCP address to listen on, which the
	// cluster bus and replication between cluster nodes travel over
	// ("127.0.0.1:17000"); "" runs a standalone server with none. A node
	// with a bus is named by it (its node.ID is BusAddr, or BusID when
	// the listen address is not the one peers dial) and dials the peers
	// it learns by their IDs, which are bus addresses too.
	BusAddr string
	// BusID is the node's name on the bus when it differs from BusAddr
	// (listening on 0.0.0.0 but announced as 10.0.0.5:17000); "" means
	// BusAddr.
	BusID node.ID
}

// self is the node's ID in its live runtime.
func (c Config) self() node.ID {
	switch {
	case c.BusID != "":
		return c.BusID
	case c.BusAddr != "":
		return node.ID(c.BusAddr)
	}
	return standaloneNodeID
}

// The server's own metrics, beside the node's cache_* ones. Their names
// follow Redis's INFO fields where there is one.
const (
	// metricConnectedClients is a gauge: connections open now.
	metricConnectedClients = "cache_connected_clients"
	// metricConnectionsReceived counts accepted connections.
	metricConnectionsReceived = "cache_connections_received_total"
	// metricNetInput and metricNetOutput count bytes read from and written
	// to clients (INFO's total_net_input_bytes, total_net_output_bytes).
	metricNetInput  = "cache_net_input_bytes_total"
	metricNetOutput = "cache_net_output_bytes_total"
	// metricCommandDuration is a histogram of seconds from the moment a
	// command was read off the socket to the moment its reply was handed
	// to the kernel: queueing behind the node's loop, the command itself
	// and the write. A blocking command (BLPOP) includes its wait.
	metricCommandDuration = "cache_command_duration_seconds"
)

const (
	// standaloneNodeID names a cache node without a bus inside its live
	// runtime.
	standaloneNodeID node.ID = "cache"
	// inFlightMax bounds the commands one connection may have sent to the
	// node without having read their replies (pipelining depth). Reading
	// from the socket pauses at the bound, so a client that never reads
	// cannot make the server buffer without end.
	inFlightMax = 1024
	// connBufferBytes sizes each connection's read and write buffers.
	connBufferBytes = 16 << 10
	// pushQueueMax bounds the pushes (Pub/Sub messages, invalidations)
	// waiting to be written to one connection. Pushes are not paced by
	// the client's requests, so a subscriber that reads slower than
	// publishers publish would otherwise grow the queue without end; like
	// Redis's client-output-buffer-limit for pubsub clients, the server
	// closes the connection of a client that falls that far behind.
	pushQueueMax = 8192
)

// Server is a running cache server.
type Server struct {
	cfg Config
	// metered is false when Config.Metrics is nil: connections then skip
	// reading the clock for latencies nobody records.
	metered  bool
	rt       *live.Runtime
	listener net.Listener
	nextConn atomic.Uint64
	mu       sync.Mutex
	conns    map[*conn]struct{}
	closed   bool
	// closing is closed by Close so connections stop waiting for replies
	// the stopping node will never send.
	closing chan struct{}
	wg      sync.WaitGroup
}

// Run serves until ctx is done, then shuts down gracefully (the AOF is
// flushed and synced). It is what `syslab serve cache` runs.
func Run(ctx context.Context, cfg Config) error {
	s, err := Start(cfg)
	if err != nil {
		return err
	}
	s.logf("cache server listening on %s", s.Addr())
	<-ctx.Done()
	return s.Close()
}

// Start boots the node and starts listening.
func Start(cfg Config) (*Server, error) {
	if err := cfg.Cache.Validate(); err != nil {
		return nil, err
	}
	metered := cfg.Metrics != nil
	if !metered {
		cfg.Metrics = node.NopMetrics{}
	}
	if cfg.BusAddr != "" {
		registerBusMessages()
	}
	rt, err := live.New(live.Config{
		Self:     cfg.self(),
		Listen:   cfg.BusAddr,
		DialByID: cfg.BusAddr != "",
		Dir:      cfg.Dir,
		Log:      cfg.Log,
		Metrics:  cfg.Metrics,
	}, cache.New(cfg.Cache))
	if err != nil {
		return nil, fmt.Errorf("cache server: %w", err)
	}
	if err := rt.Start(); err != nil {
		return nil, fmt.Errorf("cache server: %w", err)
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		rt.Stop()
		return nil, fmt.Errorf("cache server: %w", err)
	}
	s := &Server{cfg: cfg, metered: metered, rt: rt, listener: ln, conns: make(map[*conn]struct{}), closing: make(chan struct{})}
	cfg.Metrics.Set(metricConnectedClients, 0)
	s.wg.Add(1)
	go s.acceptLoop()
	return s, nil
}

// Addr is the address the server listens on.
func (s *Server) Addr() string { return s.listener.Addr().String() }

// Close stops accepting, closes every connection and stops the node.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	close(s.closing)
	err := s.listener.Close()
	for c := range s.conns {
		c.netConn.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	s.rt.Stop()
	return err
}

func (s *Server) logf(format string, args ...any) {
	if s.cfg.Log != nil {
		fmt.Fprintf(s.cfg.Log, format+"\n", args...)
	}
}

func (s *Server) acceptLoop() {
	defer s.wg.Done()
	for {
		nc, err := s.listener.Accept()
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				s.logf("cache server: accept: %v", err)
			}
			return
		}
		if s.metered {
			nc = &meteredConn{Conn: nc, metrics: s.cfg.Metrics}
		}
		c := &conn{
			server:  s,
			id:      node.ID("conn-" + strconv.FormatUint(s.nextConn.Add(1), 10)),
			netConn: nc,
			out:     make(chan node.Message, inFlightMax+pushQueueMax),
			slots:   make(chan struct{}, inFlightMax),
		}
		if s.metered {
			c.started = make(chan time.Time, inFlightMax)
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			nc.Close()
			return
		}
		s.conns[c] = struct{}{}
		// Set under mu, so concurrent accepts and hang-ups publish
		// the gauge in the order they changed it.
		s.cfg.Metrics.Add(metricConnectionsReceived, 1)
		s.cfg.Metrics.Set(metricConnectedClients, float64(len(s.conns)))
		s.mu.Unlock()
		s.wg.Add(1)
		go c.serve()
	}
}

// conn is one client connection. Its reader goroutine parses commands and
// delivers them; its writer goroutine writes the replies the node sends
// back. The node is one FIFO loop, so replies come back in command order.
type conn struct {
	server  *Server
	id      node.ID
	netConn net.Conn
	// out carries the node's replies and pushes to the writer, in the
	// order the node sent them. It has room for inFlightMax replies plus
	// pushQueueMax pushes: a command is only delivered after taking a slot,
	// and a push beyond pushQueueMax closes the connection instead of
	// being queued, so the node's loop never blocks sending here.
	out chan node.Message
	// pushesQueued counts the pushes in out.
	pushesQueued atomic.Int64
	// slots holds one token per command delivered and not yet answered.
	slots chan struct{}
	// started carries, when the server is metered, the time each
	// delivered command was read, in command order: the writer takes one
	// per reply (replies come back in command order) to measure latency.
	// It has a slot per in-flight command, so sending never blocks.
	started chan time.Time
	// writeMu guards w, shared by the writer and the reader's final words.
	writeMu sync.Mutex
	w       *resp.Writer
}

// deliver runs on the node's loop: it must never block.
func (c *conn) deliver(msg node.Message) {
	switch msg.(type) {
	case cache.Reply:
		c.out <- msg // a slot was taken for it: there is room
	case cache.Push:
		if c.pushesQueued.Add(1) > pushQueueMax {
			c.pushesQueued.Add(-1)
			c.server.logf("cache server: %s fell %d pushes behind; closing it", c.id, pushQueueMax)
			c.netConn.Close()
			return
		}
		c.out <- msg
	}
}

func (c *conn) serve() {
	defer c.server.wg.Done()
	c.w = resp.NewWriter(bufio.NewWriterSize(c.netConn, connBufferBytes))
	detach := c.server.rt.Attach(c.id, c.deliver)
	stopWriter, writerDone := make(chan struct{}), make(chan struct{})
	go c.writeLoop(stopWriter, writerDone)
	final := c.readLoop()
	// A client that hung up is told to the node at once: a command of its
	// may be blocked (BLPOP …) and would otherwise never be answered, so
	// waiting for every reply would hang, and the node would pop an
	// element for a client that is gone. Replies still in flight to it
	// are dropped. A client that said QUIT (or sent bad protocol) is still
	// there: it gets every reply, then the final one, as in Redis.
	drained := false
	if final == nil {
		c.server.rt.Deliver(c.id, cache.Disconnected{})
	} else {
		drained = c.drain()
	}
	if drained {
		c.writeMu.Lock()
		if c.w.WriteValue(*final) == nil {
			c.w.Flush()
		}
		c.writeMu.Unlock()
	}
	c.netConn.Close()
	detach()
	close(stopWriter)
	<-writerDone
	if final != nil {
		c.server.rt.Deliver(c.id, cache.Disconnected{})
	}
	c.server.mu.Lock()
	delete(c.server.conns, c)
	c.server.cfg.Metrics.Set(metricConnectedClients, float64(len(c.server.conns)))
	c.server.mu.Unlock()
}

// readLoop delivers commands until the connection ends; it returns the
// reply to send before closing, if any (QUIT, a protocol error).
func (c *conn) readLoop() *resp.Value {
	reader := resp.NewReader(bufio.NewReaderSize(c.netConn, connBufferBytes))
	var seq uint64
	for {
		args, err := reader.ReadCommand()
		var readAt time.Time
		if c.started != nil {
			readAt = time.Now()
		}
		if err != nil {
			var protocolErr *resp.ProtocolError
			if errors.As(err, &protocolErr) {
				// Redis answers a protocol error and closes the connection.
				reply := resp.Err(protocolErr.Error())
				return &reply
			}
			return nil
		}
		if len(args) == 1 && equalFold(args[0], "quit") {
			return &resp.OK
		}
		select {
		case c.slots <- struct{}{}: // blocks at inFlightMax: backpressure on the client
		case <-c.server.closing:
			return nil
		}
		seq++
		if c.started != nil {
			c.started <- readAt
		}
		c.server.rt.Deliver(c.id, cache.Command{Seq: seq, Args: args})
	}
}

// drain waits until every delivered command was answered and written; false
// if the server is closing (the node may never answer).
func (c *conn) drain() bool {
	for range inFlightMax {
		select {
		case c.slots <- struct{}{}:
		case <-c.server.closing:
			return false
		}
	}
	return true
}

func (c *conn) writeLoop(stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	failed := false
	// unflushed holds the read times of replies written to the buffer but
	// not yet flushed: their latency ends at the flush.
	var unflushed []time.Time
	for {
		var msg node.Message
		select {
		case msg = <-c.out:
		case <-stop:
			return
		}
		var values []resp.Value
		var protocol uint8
		reply, isReply := msg.(cache.Reply)
		if isReply {
			values, protocol = append([]resp.Value{reply.Value}, reply.More...), reply.Protocol
			if c.started != nil {
				if at := <-c.started; !failed {
					unflushed = append(unflushed, at)
				}
			}
		} else {
			push := msg.(cache.Push)
			values, protocol = []resp.Value{push.Value}, push.Protocol
			c.pushesQueued.Add(-1)
		}
		if !failed {
			c.writeMu.Lock()
			c.w.Protocol = resp.RESP2
			if protocol == resp.RESP3 {
				c.w.Protocol = resp.RESP3
			}
			var err error
			for _, v := range values {
				if err = c.w.WriteValue(v); err != nil {
					break
				}
			}
			flushed := false
			if err == nil && len(c.out) == 0 {
				err = c.w.Flush() // flush once per burst of pipelined replies
				flushed = err == nil
			}
			c.writeMu.Unlock()
			if flushed && len(unflushed) > 0 {
				now := time.Now()
				for _, at := range unflushed {
					c.server.cfg.Metrics.Observe(metricCommandDuration, now.Sub(at).Seconds())
				}
				unflushed = unflushed[:0]
			}
			if err != nil {
				failed = true // client gone; keep draining so the node never blocks
				unflushed = nil
				c.netConn.Close()
			}
		}
		if isReply {
			<-c.slots
		}
	}
}

// meteredConn counts the bytes a connection reads and writes.
type meteredConn struct {
	net.Conn
	metrics node.Metrics
}

func (m *meteredConn) Read(p []byte) (int, error) {
	n, err := m.Conn.Read(p)
	if n > 0 {
		m.metrics.Add(metricNetInput, float64(n))
	}
	return n, err
}

func (m *meteredConn) Write(p []byte) (int, error) {
	n, err := m.Conn.Write(p)
	if n > 0 {
		m.metrics.Add(metricNetOutput, float64(n))
	}
	return n, err
}

func equalFold(b []byte, lower string) bool {
	if len(b) != len(lower) {
		return false
	}
	for i := range b {
		ch := b[i]
		if ch >= 'A' && ch <= 'Z' {
			ch += 'a' - 'A'
		}
		if ch != lower[i] {
			return false
		}
	}
	return true
}
