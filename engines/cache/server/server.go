// Package server serves a cache node over TCP with the Redis protocol
// (RESP2 and RESP3), on top of the live runtime. It is the only package of
// the cache that touches sockets.
//
// It is built the way Redis is: one event loop (eventloop_linux.go) waits
// on every socket with epoll, reads what a readable connection sent,
// parses the whole requests in it and runs them on the node as one
// cache.Commands, under the node's lock (live.Runtime.Handle), on the
// loop's own thread. The node's replies are encoded into the connection's
// output buffer as the node sends them (conn.deliver), and the loop writes
// every buffer that grew with one write(2) before it waits again. A
// request costs one read, one write and a share of one epoll_wait, with no
// goroutine to park or wake; that is the difference with a
// goroutine-per-connection server, whose context switches cost more CPU
// than the commands themselves.
//
// Each connection is an endpoint of the node ("conn-17"). What the node
// sends a connection outside its own commands (a released BLPOP's reply,
// Pub/Sub messages, invalidations, a timer's work) arrives from the live
// runtime's goroutine: it is encoded the same way and the loop is woken to
// write it. Every message goes out in the order the node sent it, each in
// the protocol version it carries (the node decides it: HELLO 3 switches a
// client to RESP3).
package server

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"sync"
	"sync/atomic"

	"syslab/engines/cache"
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
	// concurrent use: the event loop and the runtime record at once.
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
	// IOThreads is how many event loops serve the connections (Redis's
	// io-threads): each reads, parses and writes for its share of them on
	// its own thread, while the commands still run one at a time under
	// the node's lock. 0 means 1, Redis's default.
	IOThreads int
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
	// to the kernel: the command itself, the commands read with it and the
	// write (one clock read per batch: a pipeline's commands share their
	// read time). A blocking command (BLPOP) includes its wait.
	metricCommandDuration = "cache_command_duration_seconds"
)

const (
	// standaloneNodeID names a cache node without a bus inside its live
	// runtime.
	standaloneNodeID node.ID = "cache"
	// inFlightMax bounds the commands one connection may have sent to the
	// node without the node having answered them (blocked commands, a
	// CLIENT PAUSE). Parsing that connection's input stops at the bound,
	// and reading its socket with it, so a client cannot make the server
	// queue commands without end.
	inFlightMax = 1024
	// batchCommandsMax bounds the commands run on the node as one message
	// (cache.Commands): a pipeline longer than that takes the node's lock
	// once per batch, so other work interleaves.
	batchCommandsMax = 128
	// readChunkBytes is the free space a connection's input buffer has
	// before each read, Redis's PROTO_IOBUF_LEN: one read takes a 16 KiB
	// pipeline whole.
	readChunkBytes = 16 << 10
	// writeBytesPerFlushMax bounds what one flush writes to one
	// connection before the loop serves the others (Redis's
	// NET_MAX_WRITES_PER_EVENT); the rest waits for the socket to be
	// writable again.
	writeBytesPerFlushMax = 1 << 20
	// replyBacklogBytesMax bounds the output a connection may have pending
	// whatever its client-output-buffer-limit (the node's, per client
	// class: cache.OutputLimits). Redis leaves normal clients unlimited by
	// default; a client that sends requests without reading a gigabyte of
	// replies is closed instead.
	replyBacklogBytesMax = 1 << 30
	// idleBufferBytesMax is the capacity an empty output buffer may keep
	// between uses; a larger one (after a big reply) is given back. (Input
	// buffers are resized by the clients cron: querybuf_linux.go.)
	idleBufferBytesMax = 64 << 10
)

// ioThreadsMax bounds Config.IOThreads, as Redis caps io-threads.
const ioThreadsMax = 128

// Server is a running cache server.
type Server struct {
	cfg Config
	rt  *live.Runtime
	// loops serve the client connections; the first also accepts them
	// and hands each new one to the loops in turn.
	loops []*eventLoop
	addr  string
	// nextConnID numbers connections ("conn-17") across loops.
	nextConnID atomic.Uint64
	// connectedMu guards connsByID, the open connections by node ID
	// (for WhileBusy), and orders the updates of the connected-clients
	// gauge from the loops, so the last one published is the true count.
	connectedMu sync.Mutex
	connsByID   map[node.ID]*conn
	// closing is closed by Close; the process reporter (process.go)
	// stops on it, and wg waits for it.
	closing   chan struct{}
	closeOnce sync.Once
	wg        sync.WaitGroup
	// migrating counts MIGRATE transfers to RESP targets in flight
	// (migrate.go).
	migrating atomic.Int64
	// link is a standalone replica's connection to its master
	// (masterlink.go).
	link masterLink
	// shutdown is closed when a client's SHUTDOWN succeeded (Done).
	shutdown     chan struct{}
	shutdownOnce sync.Once
}

// Done is closed once a client's SHUTDOWN has succeeded: the node saved
// what it had to and serves no more; the owner should Close the server
// and exit, as redis-server does. Run does so.
func (s *Server) Done() <-chan struct{} { return s.shutdown }

func (s *Server) shutdownRequested() {
	s.shutdownOnce.Do(func() {
		// As redis-server exits at once: a client connecting from now on
		// is refused, not accepted and then hung up on.
		if len(s.loops) > 0 {
			s.loops[0].stopListening()
		}
		close(s.shutdown)
	})
}

// connectionOpened and connectionClosed keep connsByID and the
// connected-clients gauge.
func (s *Server) connectionOpened(c *conn) {
	s.connectedMu.Lock()
	if s.connsByID == nil {
		s.connsByID = make(map[node.ID]*conn)
	}
	s.connsByID[c.id] = c
	s.cfg.Metrics.Set(metricConnectedClients, float64(len(s.connsByID)))
	s.connectedMu.Unlock()
}

func (s *Server) connectionClosed(c *conn) {
	s.connectedMu.Lock()
	delete(s.connsByID, c.id)
	s.cfg.Metrics.Set(metricConnectedClients, float64(len(s.connsByID)))
	s.connectedMu.Unlock()
}

// serveWhileBusy is live.Config.WhileBusy: the loop of the connection
// whose command holds the node serves its other connections (busy_linux.go).
func (s *Server) serveWhileBusy(handling node.ID) (stopping bool) {
	s.connectedMu.Lock()
	c := s.connsByID[handling]
	s.connectedMu.Unlock()
	if c == nil {
		return false
	}
	return c.loop.serveWhileBusy()
}

// Run serves until ctx is done, then shuts down gracefully (the AOF is
// flushed and synced). It is what `syslab serve cache` runs.
func Run(ctx context.Context, cfg Config) error {
	s, err := Start(cfg)
	if err != nil {
		return err
	}
	s.logf("cache server listening on %s", s.Addr())
	// redis-server's words: tools that start a server and wait for its
	// log (testcontainers' Redis module, Redis's own test harness) look
	// for this line.
	s.logf("* Ready to accept connections tcp")
	select {
	case <-ctx.Done():
	case <-s.Done():
		s.logf("cache server: SHUTDOWN by a client; exiting")
	}
	return s.Close()
}

// Start boots the node and starts listening.
func Start(cfg Config) (*Server, error) {
	if err := cfg.Cache.Validate(); err != nil {
		return nil, err
	}
	if cfg.IOThreads < 0 || cfg.IOThreads > ioThreadsMax {
		return nil, fmt.Errorf("cache server: io-threads %d: want 1 to %d", cfg.IOThreads, ioThreadsMax)
	}
	if cfg.Cache.Dir == "" {
		// CONFIG GET dir shows the absolute path, as Redis's getcwd.
		if abs, err := filepath.Abs(cfg.Dir); err == nil {
			cfg.Cache.Dir = abs
		}
	}
	metered := cfg.Metrics != nil
	if !metered {
		cfg.Metrics = node.NopMetrics{}
	}
	if cfg.BusAddr != "" {
		registerBusMessages()
	} else {
		// No peers to name: MIGRATE's host:port is a RESP server
		// (migrate.go).
		cfg.Cache.PeersByAddress = true
	}
	s := &Server{cfg: cfg, closing: make(chan struct{}), shutdown: make(chan struct{})}
	rt, err := live.New(live.Config{
		Self:       cfg.self(),
		Listen:     cfg.BusAddr,
		DialByID:   cfg.BusAddr != "",
		Dir:        cfg.Dir,
		Log:        cfg.Log,
		Metrics:    cfg.Metrics,
		Unroutable: s.routeUnroutable,
		WhileBusy:  s.serveWhileBusy,
	}, cache.New(cfg.Cache))
	if err != nil {
		return nil, fmt.Errorf("cache server: %w", err)
	}
	s.rt = rt
	if err := rt.Start(); err != nil {
		return nil, fmt.Errorf("cache server: %w", err)
	}
	if err := s.startLoops(max(cfg.IOThreads, 1), metered); err != nil {
		rt.Stop()
		return nil, fmt.Errorf("cache server: %w", err)
	}
	cfg.Metrics.Set(metricConnectedClients, 0)
	s.wg.Add(1)
	go s.reportProcessStats() // process.go
	return s, nil
}

// Addr is the address the server listens on.
func (s *Server) Addr() string { return s.addr }

// Close stops accepting, closes every connection and stops the node.
func (s *Server) Close() error {
	s.closeOnce.Do(func() { close(s.closing) })
	// The loops first: one may be inside the node running a script that
	// only a stopping loop ends (busy_linux.go), while the goroutines wg
	// counts (the process reporter, the replica link) wait for the node.
	for _, l := range s.loops {
		l.stop()
	}
	s.closeReplicaLink()
	s.wg.Wait()
	s.rt.Stop()
	return nil
}

func (s *Server) logf(format string, args ...any) {
	if s.cfg.Log != nil {
		fmt.Fprintf(s.cfg.Log, format+"\n", args...)
	}
}
