// Package server serves a cache node over TCP with the Redis protocol
// (RESP2 and RESP3), on top of the live runtime. It is the only package of
// the cache that touches sockets: each connection becomes an endpoint of
// the node ("conn-17"). Its reader goroutine runs its commands on the node
// directly, under the node's lock (live.Runtime.Handle), as one
// cache.Commands per pipeline that arrived in one read, and writes the
// replies the node sent back with one flush; the node's other messages to
// it (a released BLPOP's reply, cache.Push) are written by its writer
// goroutine. Every message goes out in the order the node sent it, each
// in the protocol version it carries (the node decides it: HELLO 3
// switches a client to RESP3).
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
	// to the kernel: waiting for the node's lock, the command itself and
	// the write (one clock read per batch: a pipeline's commands share
	// their read time). A blocking command (BLPOP) includes its wait.
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
	// batchCommandsMax bounds the commands parsed from one connection and
	// run on the node as one message (cache.Commands). Commands are
	// gathered only while whole ones sit in the read buffer, so a batch
	// never waits on the socket; the bound keeps one client's pipeline
	// from holding the node's lock for long.
	batchCommandsMax = 128
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
	s.wg.Add(2)
	go s.acceptLoop()
	go s.reportProcessStats() // process.go
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
			server:   s,
			id:       node.ID("conn-" + strconv.FormatUint(s.nextConn.Add(1), 10)),
			netConn:  nc,
			wake:     make(chan struct{}, 1),
			progress: make(chan struct{}, 1),
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

// conn is one client connection. Its reader goroutine parses commands, a
// batch per read, runs them on the node itself (live.Runtime.Handle: the
// node's lock instead of a hop through its inbox) and writes their replies
// with one flush. What the node sends the connection at other times — the
// reply to a blocked command (BLPOP) another client's write released,
// Pub/Sub messages, invalidations — is written by its writer goroutine.
// Both write under writeMu, taking the queue in the order the node sent
// it, so the client sees replies and pushes in that order.
type conn struct {
	server  *Server
	id      node.ID
	netConn net.Conn

	// queueMu guards the fields below it. deliver appends to queue from
	// whichever goroutine runs the node and never blocks: replies are
	// bounded by inFlightMax (the reader holds commands back beyond it)
	// and pushes by pushQueueMax (the connection is closed beyond it).
	queueMu      sync.Mutex
	queue        []node.Message
	pushesQueued int
	// handling is set while the reader runs a batch on the node and is
	// about to write what it queued: deliver then leaves the writer be.
	handling bool
	// readTimes holds, when the server is metered, the time each command
	// not yet answered was read, in command order (replies come back in
	// command order): writing a reply takes one to measure its latency.
	readTimes []time.Time
	// wake tells the writer goroutine that queue is not empty (one token:
	// a wake-up per burst, not per message).
	wake chan struct{}

	// sent is the Seq of the last command delivered (reader only);
	// answered the Seq of the last reply written, or dropped after a
	// write failed. progress wakes a reader waiting for answered to catch
	// up (blocked commands hold it back).
	sent     uint64
	answered atomic.Uint64
	progress chan struct{}

	// writeMu guards the writer and the scratch below; whoever holds it
	// takes the whole queue, so writes keep the node's order.
	writeMu     sync.Mutex
	w           *resp.Writer
	writeTaken  []node.Message // the queue taken, reused
	writeTimes  []time.Time    // read times of the replies taken, reused
	writeFailed bool
}

// deliver is the node's way to this connection; it runs with the node's
// lock held, on any goroutine, and must never block.
func (c *conn) deliver(msg node.Message) {
	c.queueMu.Lock()
	if isPushLike(msg) {
		if c.pushesQueued >= pushQueueMax {
			c.queueMu.Unlock()
			c.server.logf("cache server: %s fell %d pushes behind; closing it", c.id, pushQueueMax)
			c.netConn.Close()
			return
		}
		c.pushesQueued++
	}
	c.queue = append(c.queue, msg)
	wakeWriter := !c.handling
	c.queueMu.Unlock()
	if wakeWriter {
		select {
		case c.wake <- struct{}{}:
		default: // the writer is already due to look
		}
	}
}

func (c *conn) serve() {
	defer c.server.wg.Done()
	c.w = resp.NewWriter(bufio.NewWriterSize(c.netConn, connBufferBytes))
	detach := c.server.rt.Attach(c.id, c.deliver)
	// The node learns the addresses (CLIENT LIST, CLIENT KILL) before the
	// first command; Handle runs it in order with the commands.
	c.server.rt.Handle(c.id, connectedMessage(c.netConn))
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
		c.server.rt.Handle(c.id, cache.Disconnected{})
	} else {
		drained = c.waitAnswered(0)
		// Redis frees a client that said QUIT as it writes the final OK:
		// the node forgets it first, so whatever anyone does after the
		// client read its OK finds it gone (a tracking redirect to it is
		// broken, CLIENT LIST no longer shows it).
		c.server.rt.Handle(c.id, cache.Disconnected{})
	}
	if drained {
		c.writeMu.Lock()
		if !c.writeFailed && c.w.WriteValue(*final) == nil {
			c.w.Flush()
		}
		c.writeMu.Unlock()
	}
	c.netConn.Close()
	detach()
	close(stopWriter)
	<-writerDone
	c.server.mu.Lock()
	delete(c.server.conns, c)
	c.server.cfg.Metrics.Set(metricConnectedClients, float64(len(c.server.conns)))
	c.server.mu.Unlock()
}

// readLoop runs commands until the connection ends; it returns the reply
// to send before closing, if any (QUIT, a protocol error).
//
// Commands are handled in batches: after each command parsed, the next
// joins the batch only if it is already whole in the read buffer; the
// batch runs as soon as reading on would wait on the socket, so a
// pipeline that arrived in one read takes the node's lock once and its
// replies go out in one write, and a lone request runs at once.
func (c *conn) readLoop() *resp.Value {
	reader := resp.NewReader(bufio.NewReaderSize(c.netConn, connBufferBytes))
	// batch is reused: the node keeps no reference to a Commands slice
	// once Receive has returned (it copies what it queues).
	batch := make(cache.Commands, 0, batchCommandsMax)
	for {
		// Backpressure on the client: stop reading while a full batch
		// more would exceed inFlightMax unanswered commands.
		if !c.waitAnswered(inFlightMax - batchCommandsMax) {
			return nil
		}
		clear(batch) // drop the last batch's arguments for the collector
		batch = batch[:0]
		var readAt time.Time
		for {
			args, err := reader.ReadCommand()
			if err != nil {
				c.handleBatch(batch, readAt)
				var protocolErr *resp.ProtocolError
				if errors.As(err, &protocolErr) {
					// Redis answers a protocol error and closes the connection.
					reply := resp.Err(protocolErr.Error())
					return &reply
				}
				return nil
			}
			if len(batch) == 0 && c.server.metered {
				readAt = time.Now() // one clock read per batch
			}
			if len(args) == 1 && equalFold(args[0], "quit") {
				c.handleBatch(batch, readAt)
				return &resp.OK
			}
			c.sent++
			batch = append(batch, cache.Command{Seq: c.sent, Args: args})
			if len(batch) == batchCommandsMax || !reader.CommandBuffered() {
				break
			}
		}
		c.handleBatch(batch, readAt)
	}
}

// handleBatch runs batch on the node and writes what the node queued for
// this connection meanwhile: its replies, and any push that came before.
func (c *conn) handleBatch(batch cache.Commands, readAt time.Time) {
	if len(batch) == 0 {
		return
	}
	c.queueMu.Lock()
	c.handling = true
	if c.server.metered {
		for range batch {
			c.readTimes = append(c.readTimes, readAt)
		}
	}
	c.queueMu.Unlock()
	if len(batch) == 1 {
		c.server.rt.Handle(c.id, batch[0])
	} else {
		c.server.rt.Handle(c.id, batch)
	}
	c.writeQueued(true)
}

// waitAnswered waits until at most unanswered delivered commands await
// their reply; false if the server is closing (the node may never answer).
func (c *conn) waitAnswered(unanswered uint64) bool {
	for c.sent-c.answered.Load() > unanswered {
		select {
		case <-c.progress:
		case <-c.server.closing:
			return false
		}
	}
	return true
}

// writeLoop writes what the node sends while the reader is not handling
// a batch.
func (c *conn) writeLoop(stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	for {
		select {
		case <-c.wake:
		case <-stop:
			return
		}
		c.writeQueued(false)
	}
}

// writeQueued takes everything queued and writes it with one flush; the
// reader (endOfBatch) also ends its batch, under the same lock, so a
// message queued after it wakes the writer goroutine instead.
func (c *conn) writeQueued(endOfBatch bool) {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	c.queueMu.Lock()
	// Take the queue, leaving the node an empty slice with the capacity
	// of the one taken last time: two slices alternate.
	taken := c.queue
	c.queue = c.writeTaken[:0]
	replies := 0
	for _, msg := range taken {
		if isPushLike(msg) {
			c.pushesQueued--
		} else {
			replies++
		}
	}
	times := c.writeTimes[:0]
	if c.server.metered {
		n := min(replies, len(c.readTimes))
		times = append(times, c.readTimes[:n]...)
		c.readTimes = append(c.readTimes[:0], c.readTimes[n:]...)
	}
	if endOfBatch {
		c.handling = false
	}
	c.queueMu.Unlock()

	var answered uint64
	if !c.writeFailed {
		err := c.writeMessages(taken, &answered)
		if err == nil && len(taken) > 0 {
			err = c.w.Flush() // one flush, one write(2), per batch of replies
		}
		if err != nil {
			c.writeFailed = true // client gone; keep taking so the node never blocks
			c.netConn.Close()
		} else if len(times) > 0 {
			now := time.Now()
			for _, at := range times {
				c.server.cfg.Metrics.Observe(metricCommandDuration, now.Sub(at).Seconds())
			}
		}
	}
	if c.writeFailed {
		for _, msg := range taken {
			if r, ok := msg.(cache.Reply); ok {
				answered = max(answered, r.Seq)
			}
		}
	}
	clear(taken) // drop references to reply values before reuse
	c.writeTaken = taken
	c.writeTimes = times[:0]
	if answered > c.answered.Load() {
		c.answered.Store(answered)
		select {
		case c.progress <- struct{}{}:
		default:
		}
	}
}

// errKilled ends a connection's writes after CLIENT KILL closed it.
var errKilled = errors.New("cache server: connection killed by CLIENT KILL")

// isPushLike reports whether msg travels to the writer outside the reply
// order, bounded by pushQueueMax: a push, or the order to close.
func isPushLike(msg node.Message) bool {
	switch msg.(type) {
	case cache.Push, cache.CloseConnection:
		return true
	}
	return false
}

// writeMessages encodes msgs, each in the protocol it carries, and notes
// the Seq of the last reply written.
func (c *conn) writeMessages(msgs []node.Message, answered *uint64) error {
	for _, msg := range msgs {
		var first resp.Value
		var more []resp.Value
		var protocol uint8
		switch m := msg.(type) {
		case cache.Reply:
			*answered = max(*answered, m.Seq)
			if m.Silent { // CLIENT REPLY OFF|SKIP: answered, not written
				continue
			}
			first, more, protocol = m.Value, m.More, m.Protocol
		case cache.Push:
			first, protocol = m.Value, m.Protocol
		case cache.CloseConnection: // CLIENT KILL (kill.go)
			closeAfterFlush(c.w, c.netConn)
			return errKilled
		}
		c.w.Protocol = resp.RESP2
		if protocol == resp.RESP3 {
			c.w.Protocol = resp.RESP3
		}
		if err := c.w.WriteValue(first); err != nil {
			return err
		}
		for _, v := range more {
			if err := c.w.WriteValue(v); err != nil {
				return err
			}
		}
	}
	return nil
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
