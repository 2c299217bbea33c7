package server

import (
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"syslab/engines/cache"
	"syslab/engines/cache/resp"
	"syslab/node"
)

// conn is one client connection. The event loop reads it, runs its
// commands and writes its output; the node appends to its output through
// deliver, from whichever goroutine runs the node.
type conn struct {
	loop *eventLoop
	fd   int
	id   node.ID

	// The fields up to mu belong to the loop.

	// in holds the bytes read and not yet parsed: in[inStart:].
	in      []byte
	inStart int
	// inPeakBytes, lastIOAt and reportedInBytes size the query buffer
	// (querybuf_linux.go): the most a read needed since the last cron
	// visit, the loop's round in which the connection last read or wrote,
	// and the capacity the node last heard.
	inPeakBytes     int
	lastIOAt        time.Time
	reportedInBytes int
	// cronRun is the loop's clients cron run that last visited it.
	cronRun uint64
	// unsent holds output handed to the loop and not yet written:
	// unsent[unsentStart:].
	unsent      []byte
	unsentStart int
	// sent is the Seq of the last command handed to the node.
	sent uint64
	// events is what the loop asks epoll about this socket now.
	events uint32
	// final, once set (QUIT, a protocol error), is the last reply: no
	// more input is parsed, and once every command before it is answered
	// it is written and the connection closed, as Redis's
	// CLIENT_CLOSE_AFTER_REPLY.
	final *resp.Value
	// closeWhenWritten closes the connection once unsent is written.
	closeWhenWritten bool
	closed           bool
	// forgotten is set once the node was told the client is gone.
	forgotten bool
	// batch is reused: the node keeps no reference to a Commands slice
	// once Receive has returned (it copies what it queues).
	batch cache.Commands
	// readTimes holds, when the server is metered, the time each command
	// not yet answered was read, in command order (replies come back in
	// command order): writing a reply takes one to measure its latency.
	readTimes []time.Time
	detach    func()

	// mu guards the node's side: deliver runs under the node's lock on
	// any goroutine and must never block for long.
	mu sync.Mutex
	// out is what the node sent since the loop last took it, encoded.
	out []byte
	// repliesOut counts the replies in out (for latency metrics).
	repliesOut int
	// scheduled is set while the connection waits in the loop's pending
	// list, so a burst of messages schedules it once.
	scheduled bool
	// killed is set by cache.CloseConnection (CLIENT KILL): what was
	// encoded before it is written, then the connection closes, and what
	// the node sends after it is dropped.
	killed bool
	// overflowed is set when the output passed a bound (its client
	// class's output buffer limits, or the adapter's own): the connection
	// is closed at once.
	overflowed bool
	// limits are the client's output buffer limits (cache.OutputLimits);
	// softSince is when its output reached the soft limit, zero while
	// under it.
	limits    cache.OutputLimits
	softSince time.Time
	// gone is set when the connection closed: deliveries are dropped.
	gone bool
	// unsentBytes mirrors len(unsent)-unsentStart for deliver's bounds.
	unsentBytes atomic.Int64
	// reportedOutBytes is the unsent output the node last heard of
	// (cache.OutputBuffer; loop only).
	reportedOutBytes int64
	// answered is the Seq of the last reply the node sent.
	answered atomic.Uint64
	// unauthenticated is set while the client has yet to AUTH
	// (cache.AuthRequired): its requests are held to Redis's bounds and
	// run one at a time, so the first after AUTH is no longer held.
	unauthenticated atomic.Bool
	// queryBufferBytesMax is the client-query-buffer-limit
	// (cache.QueryBufferLimit): a connection whose unparsed input grows
	// past it is closed.
	queryBufferBytesMax atomic.Int64
}

func newConn(l *eventLoop, fd int, id node.ID) *conn {
	c := &conn{loop: l, fd: fd, id: id, events: unix.EPOLLIN, batch: make(cache.Commands, 0, batchCommandsMax)}
	c.queryBufferBytesMax.Store(cache.QueryBufferBytesDefault)
	return c
}

// open introduces the connection to the node: its messages now reach
// deliver, and the node learns its addresses (CLIENT LIST, CLIENT KILL)
// before its first command.
func (c *conn) open(remoteAddr, localAddr string) {
	c.detach = c.loop.server.rt.AttachBorrowing(c.id, c.deliver)
	c.loop.handle(c.id, cache.Connected{Addr: remoteAddr, LocalAddr: localAddr})
}

// deliver is the node's way to this connection: it encodes msg at the end
// of the output and has the loop write it.
func (c *conn) deliver(msg node.Message) {
	c.mu.Lock()
	if c.gone || c.killed || c.overflowed {
		c.mu.Unlock()
		return
	}
	// The node lends (node.Lender) a *Reply or *Push it reuses: they are
	// encoded here and not kept.
	switch m := msg.(type) {
	case *cache.Reply:
		c.takeReply(m)
	case cache.Reply:
		c.takeReply(&m)
	case *cache.Push:
		c.takePush(m)
	case cache.Push:
		c.takePush(&m)
	case cache.AuthRequired:
		c.unauthenticated.Store(m.Required)
	case cache.OutputLimits:
		c.limits, c.softSince = m, time.Time{}
		c.mu.Unlock()
		return
	case cache.QueryBufferLimit:
		c.queryBufferBytesMax.Store(m.Bytes)
		c.mu.Unlock()
		return
	case cache.CloseConnection: // CLIENT KILL (kill.go)
		c.killed = true
	case cache.ShutdownRequested:
		c.killed = true
		c.loop.server.shutdownRequested()
	default:
		c.takeReplication(msg) // replicaconn_linux.go
	}
	schedule := !c.scheduled
	c.scheduled = true
	c.mu.Unlock()
	if schedule {
		c.loop.schedule(c)
	}
}

// takeReply encodes m into the output buffer; c.mu is held.
func (c *conn) takeReply(m *cache.Reply) {
	c.answered.Store(max(c.answered.Load(), m.Seq))
	c.repliesOut++
	if !m.Silent { // CLIENT REPLY OFF|SKIP: answered, not written
		c.out = appendMessage(c.out, m.Protocol, m.Value, m.More)
		c.checkOutputLimits()
	}
}

// takePush encodes m into the output buffer; c.mu is held.
func (c *conn) takePush(m *cache.Push) {
	c.out = appendMessage(c.out, m.Protocol, m.Value, nil)
	c.checkOutputLimits()
}

// checkOutputLimits marks the connection overflowed when its output
// reached its class's hard limit, or has stayed at or above the soft
// limit longer than the soft seconds, as Redis's
// checkClientOutputBufferLimits; and past replyBacklogBytesMax whatever
// the limits. A replica's connection is bounded by replicaconn_linux.go
// alone. c.mu is held.
func (c *conn) checkOutputLimits() {
	used := int64(len(c.out)) + c.unsentBytes.Load()
	l := c.limits
	switch {
	case used > replyBacklogBytesMax:
		c.overflowed = true
	case l.Replica:
	case l.HardBytes > 0 && used >= l.HardBytes:
		c.overflowed = true
	case l.SoftBytes > 0 && used >= l.SoftBytes:
		c.overSoftLimit(time.Now())
	default:
		c.softSince = time.Time{}
	}
}

// overSoftLimit notes that the output is at or above the soft limit at
// now, and marks the connection overflowed once that has lasted longer
// than the soft seconds. c.mu is held.
func (c *conn) overSoftLimit(now time.Time) {
	if c.softSince.IsZero() {
		c.softSince = now
		return
	}
	if now.Sub(c.softSince) > time.Duration(c.limits.SoftSeconds)*time.Second {
		c.overflowed = true
	}
}

// appendMessage encodes a reply (first, then more) in the protocol the
// node chose for it.
func appendMessage(dst []byte, protocol uint8, first resp.Value, more []resp.Value) []byte {
	version := resp.RESP2
	if protocol == resp.RESP3 {
		version = resp.RESP3
	}
	dst = resp.AppendValue(dst, first, version)
	for _, v := range more {
		dst = resp.AppendValue(dst, v, version)
	}
	return dst
}

// ready handles what epoll reported for the socket.
func (c *conn) ready(events uint32) {
	if events&(unix.EPOLLERR|unix.EPOLLHUP) != 0 && events&unix.EPOLLIN == 0 {
		c.close()
		return
	}
	if events&unix.EPOLLIN != 0 && c.events&unix.EPOLLIN != 0 {
		if !c.read() {
			return
		}
		c.parseAndRun()
	}
	if events&unix.EPOLLOUT != 0 && !c.closed {
		c.writeUnsent()
	}
}

// read takes what the socket holds, up to the free space of the input
// buffer; false if the connection closed.
func (c *conn) read() bool {
	if c.inStart == len(c.in) {
		c.in, c.inStart = c.in[:0], 0 // the capacity stays until the cron trims it
	}
	c.notePeak(len(c.in) - c.inStart)
	if cap(c.in)-len(c.in) < readChunkBytes {
		if c.inStart > 0 { // move the partial request to the front first
			c.in = c.in[:copy(c.in, c.in[c.inStart:])]
			c.inStart = 0
		}
		if cap(c.in)-len(c.in) < readChunkBytes {
			grown := make([]byte, len(c.in), 2*cap(c.in)+readChunkBytes)
			copy(grown, c.in)
			c.in = grown
		}
		c.reportQueryBuffer()
	}
	c.lastIOAt = c.loop.now
	n, err := rawRead(c.fd, c.in[len(c.in):cap(c.in)])
	switch {
	case n > 0:
		c.in = c.in[:len(c.in)+n]
		if c.loop.metered {
			c.loop.server.cfg.Metrics.Add(metricNetInput, float64(n))
		}
		if limit := c.queryBufferBytesMax.Load(); int64(len(c.in)-c.inStart) > limit {
			c.loop.server.logf("cache server: closing %s: its unparsed requests passed client-query-buffer-limit (%d bytes)", c.id, limit)
			c.close()
			return false
		}
		return true
	case err == nil: // n == 0: the client hung up
		c.close()
		return false
	case errors.Is(err, unix.EAGAIN), errors.Is(err, unix.EINTR):
		return true
	default:
		c.close()
		return false
	}
}

// parseAndRun runs the whole requests in the input buffer, a batch at a
// time, until none is left or the connection must stop reading.
func (c *conn) parseAndRun() {
	for !c.closed && c.final == nil {
		if c.sent-c.answered.Load() > inFlightMax-batchCommandsMax {
			c.setReading(false) // until replies catch up (flush)
			return
		}
		c.setReading(true)
		batch := c.batch[:0]
		var end *resp.Value
		unauthenticated, limit := c.unauthenticated.Load(), batchCommandsMax
		if unauthenticated {
			limit = 1 // each request runs (AUTH, maybe) before the next is checked
		}
		for len(batch) < limit {
			args, n, err := c.parseNext(unauthenticated)
			c.inStart += n
			if err != nil {
				// Redis answers a protocol error and closes the connection.
				var protocolErr *resp.ProtocolError
				reply := resp.Err("ERR Protocol error")
				if errors.As(err, &protocolErr) {
					reply = resp.Err(protocolErr.Error())
				}
				end = &reply
				break
			}
			if args == nil {
				break
			}
			if equalFold(args[0], "quit") { // any arguments: Redis 7.0 checks only the name
				end = &resp.OK
				break
			}
			c.sent++
			batch = append(batch, cache.Command{Seq: c.sent, Args: args})
		}
		if end == nil && len(batch) < limit && c.loop.joinRound(c, batch) {
			return // it runs with the round's other clients (eventloop_linux.go)
		}
		c.run(batch)
		clear(batch) // drop the arguments for the collector
		c.loop.reuseArgs()
		if end != nil {
			c.final = end
			c.setReading(false)
			c.loop.schedule(c) // the final reply may be due at once
			return
		}
		if len(batch) < limit {
			return // no whole request left
		}
	}
}

// parseNext parses the next request in the input buffer, held to Redis's
// bounds for a client that has not authenticated when unauthenticated.
func (c *conn) parseNext(unauthenticated bool) ([][]byte, int, error) {
	if unauthenticated {
		if err := resp.CheckUnauthenticated(c.in[c.inStart:]); err != nil {
			return nil, 0, err
		}
	}
	return resp.ParseCommandIn(c.in[c.inStart:], &c.loop.arena)
}

// run hands batch to the node.
func (c *conn) run(batch cache.Commands) {
	if len(batch) == 0 {
		return
	}
	c.noteReadTimes(batch)
	c.loop.giveNode(c.id, batch)
}

// noteReadTimes records, when the server is metered, when batch was read.
func (c *conn) noteReadTimes(batch cache.Commands) {
	if c.loop.metered {
		now := time.Now() // one clock read per batch
		for range batch {
			c.readTimes = append(c.readTimes, now)
		}
	}
}

// flush writes what the node sent since the last flush, and acts on what
// it means for the connection: a CLIENT KILL, a backlog past its bound,
// replies that let reading resume or the final reply go out.
func (c *conn) flush() {
	if c.closed {
		return
	}
	c.mu.Lock()
	c.scheduled = false
	out, replies, killed, overflowed := c.out, c.repliesOut, c.killed, c.overflowed
	c.repliesOut = 0
	if c.unsentStart == len(c.unsent) {
		c.out, c.unsent, c.unsentStart = c.unsent[:0], out, 0
	} else {
		c.unsent = append(c.unsent, out...)
		c.out = out[:0]
	}
	c.unsentBytes.Store(int64(len(c.unsent) - c.unsentStart))
	c.mu.Unlock()
	if overflowed {
		c.closeOverflowed()
		return
	}
	if killed {
		c.closeWhenWritten = true
	}
	if c.final != nil && !killed && c.answered.Load() >= c.sent {
		// Redis frees a client that said QUIT as it writes the final
		// reply: the node forgets it first, so whatever anyone does after
		// the client read its OK finds it gone (a tracking redirect to it
		// is broken, CLIENT LIST no longer shows it).
		c.forget()
		c.unsent = resp.AppendValue(c.unsent, *c.final, resp.RESP2)
		c.final = nil
		c.closeWhenWritten = true
	}
	if !c.writeUnsent() {
		return
	}
	c.reportOutput()
	c.observeReplies(replies)
	if c.final == nil && !c.closeWhenWritten && c.events&unix.EPOLLIN == 0 &&
		c.sent-c.answered.Load() <= inFlightMax-batchCommandsMax {
		// Replies caught up: run what is already buffered, then read on.
		c.parseAndRun()
	}
}

// writeUnsent writes as much of unsent as the socket takes, up to
// writeBytesPerFlushMax, and watches for writability while some is left;
// false if the connection closed.
func (c *conn) writeUnsent() bool {
	written := 0
	for c.unsentStart < len(c.unsent) && written < writeBytesPerFlushMax {
		chunk := c.unsent[c.unsentStart:min(len(c.unsent), c.unsentStart+writeBytesPerFlushMax-written)]
		n, err := rawWrite(c.fd, chunk)
		if n > 0 {
			c.unsentStart += n
			written += n
		}
		if err != nil {
			if errors.Is(err, unix.EAGAIN) {
				break
			}
			if errors.Is(err, unix.EINTR) {
				continue
			}
			c.close() // the client is gone
			return false
		}
	}
	if written > 0 {
		c.lastIOAt = c.loop.now
	}
	if written > 0 && c.loop.metered {
		c.loop.server.cfg.Metrics.Add(metricNetOutput, float64(written))
	}
	pending := len(c.unsent) - c.unsentStart
	c.unsentBytes.Store(int64(pending))
	if pending == 0 {
		c.unsent, c.unsentStart = c.unsent[:0], 0
		if cap(c.unsent) > idleBufferBytesMax {
			c.unsent = nil
		}
		if c.closeWhenWritten {
			c.close()
			return false
		}
	} else if c.unsentStart > len(c.unsent)/2 {
		c.unsent = c.unsent[:copy(c.unsent, c.unsent[c.unsentStart:])]
		c.unsentStart = 0
	}
	c.setWriting(pending > 0)
	return true
}

// closeOverflowed closes a connection whose output passed its limits.
func (c *conn) closeOverflowed() {
	c.loop.server.logf("cache server: closing %s: its unsent output passed its output buffer limits", c.id)
	c.close()
}

// outputReportStepBytes is the least change of unsent output the node is
// told of (besides emptying and starting to fill): a subscriber that
// falls behind is reported as it falls, not at every flush.
const outputReportStepBytes = 4 << 10

// reportOutput tells the node how much output the connection holds
// unsent (cache.OutputBuffer) when that changed by an eighth or
// outputReportStepBytes, or emptied, or started to fill.
func (c *conn) reportOutput() {
	pending, last := c.unsentBytes.Load(), c.reportedOutBytes
	if pending == last {
		return
	}
	if pending != 0 && last != 0 && max(pending-last, last-pending) < max(last/8, outputReportStepBytes) {
		return
	}
	c.reportedOutBytes = pending
	c.loop.handle(c.id, cache.OutputBuffer{Bytes: pending})
}

// checkIdleOutput is the clients cron's visit: a soft limit runs out even
// while nothing is added to the output (Redis checks in its clients cron
// too), and output that drained is reported.
func (c *conn) checkIdleOutput(now time.Time) {
	c.mu.Lock()
	l := c.limits
	if !l.Replica && l.SoftBytes > 0 && int64(len(c.out))+c.unsentBytes.Load() >= l.SoftBytes {
		c.overSoftLimit(now)
	}
	overflowed := c.overflowed
	c.mu.Unlock()
	if overflowed {
		c.closeOverflowed()
		return
	}
	c.reportOutput()
}

// observeReplies records the latency of replies written: each takes the
// read time of the oldest command not yet answered.
func (c *conn) observeReplies(replies int) {
	if !c.loop.metered || replies == 0 {
		return
	}
	n := min(replies, len(c.readTimes))
	now := time.Now()
	for _, at := range c.readTimes[:n] {
		c.loop.server.cfg.Metrics.Observe(metricCommandDuration, now.Sub(at).Seconds())
	}
	c.readTimes = append(c.readTimes[:0], c.readTimes[n:]...)
}

func (c *conn) setReading(on bool) { c.setEvent(unix.EPOLLIN, on) }
func (c *conn) setWriting(on bool) { c.setEvent(unix.EPOLLOUT, on) }

func (c *conn) setEvent(event uint32, on bool) {
	events := c.events &^ event
	if on {
		events |= event
	}
	if events != c.events && !c.closed {
		c.events = events
		c.loop.rewatch(c.fd, events)
	}
}

// close ends the connection and tells the node at once: a command of
// this client may be blocked (BLPOP …) and would otherwise be served to a
// client that is gone. Output not yet written is dropped.
func (c *conn) close() {
	if c.closed {
		return
	}
	c.closeSocket()
	c.loop.forget(c)
	c.forget()
}

// forget tells the node the client is gone, once.
func (c *conn) forget() {
	if !c.forgotten {
		c.forgotten = true
		c.loop.handle(c.id, cache.Disconnected{})
	}
}

// closeSocket closes the socket and stops deliveries.
func (c *conn) closeSocket() {
	c.closed = true
	c.mu.Lock()
	c.gone = true
	c.out = nil
	c.mu.Unlock()
	if c.detach != nil {
		c.detach()
	}
	unix.Close(c.fd) // closing also takes it out of the epoll set
	c.in, c.unsent = nil, nil
}
