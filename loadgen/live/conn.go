package live

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"syslab/engines/cache/resp"
	"syslab/loadgen"
)

const (
	// writeBatchBytesMax bounds one write: calls waiting to be sent are
	// encoded together up to this size, then written with one syscall.
	writeBatchBytesMax = 64 << 10
	// readBufferBytes is each connection's read buffer.
	readBufferBytes = 64 << 10
	// recordBatchMax bounds how many completions a reader keeps before
	// taking the stats lock once for all of them.
	recordBatchMax = 256
)

// call is one operation on its way through a connection. The writer
// encodes it (twice for a read-modify-write: the GET, then the SET once the
// GET's reply is in); the reader matches it to its reply.
type call struct {
	kind       string // loadgen.Op*
	key        int
	valueBytes int
	// intended is when the schedule meant the operation to start, since
	// the run's start; in a closed loop it is when the worker issued it.
	intended time.Duration
	// sent is when its first command was handed to the socket.
	sent time.Duration
	// rmwWriting is set once a read-modify-write's GET was answered and
	// its SET is on the way.
	rmwWriting bool
}

// conn is one pipelined connection: a writer goroutine turns calls from
// send into commands, a reader goroutine matches replies, in order, to the
// calls in pending.
//
// Bound: inflight counts calls taken and not yet completed, at most
// inflightMax. A call is in exactly one of send, pending or a goroutine's
// hands, so neither channel (each with capacity inflightMax) can be full
// when something is put in it — the puts never block, and a full channel
// is a bug, reported by a panic.
type conn struct {
	id          int
	nc          net.Conn
	br          *bufio.Reader
	run         *runner
	send        chan *call
	pending     chan *call
	inflight    atomic.Int64
	inflightMax int64
	// late counts calls whose first command went out more than LateAfter
	// after their intended start.
	late atomic.Int64

	dead     chan struct{} // closed when the connection stops
	deadOnce sync.Once
	err      error // why it stopped; written before dead is closed
}

func newConn(id int, nc net.Conn, r *runner, inflightMax int) *conn {
	return &conn{
		id:          id,
		nc:          nc,
		br:          bufio.NewReaderSize(nc, readBufferBytes),
		run:         r,
		send:        make(chan *call, inflightMax),
		pending:     make(chan *call, inflightMax),
		inflightMax: int64(inflightMax),
		dead:        make(chan struct{}),
	}
}

// handshake sends AUTH and SELECT as the target asks, then PING, one at a
// time, before the run's goroutines start.
func (c *conn) handshake(t Target, timeout time.Duration) error {
	if err := c.nc.SetDeadline(time.Now().Add(timeout)); err != nil {
		return err
	}
	var cmds [][][]byte
	if t.Password != "" {
		if t.Username != "" {
			cmds = append(cmds, [][]byte{[]byte("AUTH"), []byte(t.Username), []byte(t.Password)})
		} else {
			cmds = append(cmds, [][]byte{[]byte("AUTH"), []byte(t.Password)})
		}
	}
	if t.DB != 0 {
		cmds = append(cmds, [][]byte{[]byte("SELECT"), []byte(strconv.Itoa(t.DB))})
	}
	cmds = append(cmds, [][]byte{[]byte("PING")})
	rr := resp.NewReader(c.br)
	for _, args := range cmds {
		if _, err := c.nc.Write(resp.AppendCommand(nil, args...)); err != nil {
			return err
		}
		v, err := rr.ReadReply()
		if err != nil {
			return fmt.Errorf("%s: %w", args[0], err)
		}
		if v.IsError() {
			return fmt.Errorf("%s: %s", args[0], v.Str)
		}
	}
	return c.nc.SetDeadline(time.Time{})
}

// tryAcquire takes an in-flight slot; false when the connection is full
// or stopped.
func (c *conn) tryAcquire() bool {
	if c.stopped() {
		return false
	}
	if c.inflight.Add(1) > c.inflightMax {
		c.inflight.Add(-1)
		return false
	}
	return true
}

// submit hands a call that holds a slot to the writer.
func (c *conn) submit(cl *call) {
	select {
	case c.send <- cl:
	default:
		panic(fmt.Sprintf("live: connection %d: send queue full with %d of %d slots taken", c.id, c.inflight.Load(), c.inflightMax))
	}
}

func (c *conn) stopped() bool {
	select {
	case <-c.dead:
		return true
	default:
		return false
	}
}

// stop ends the connection once; err nil means the run closed it.
func (c *conn) stop(err error) {
	c.deadOnce.Do(func() {
		c.err = err
		close(c.dead)
		c.nc.Close()
	})
}

func (c *conn) writeLoop() {
	buf := make([]byte, 0, writeBatchBytesMax+4096)
	for {
		var cl *call
		select {
		case cl = <-c.send:
		case <-c.dead:
			return
		}
		now := c.run.since()
		buf = buf[:0]
		for cl != nil {
			buf = c.run.appendCommand(buf, cl)
			if !cl.rmwWriting {
				cl.sent = now
				if c.run.openLoop && now-cl.intended > c.run.cfg.LateAfter {
					c.late.Add(1)
					c.run.metrics.late()
				}
			}
			select {
			case c.pending <- cl: // before the write: the reply may come at once
			default:
				panic(fmt.Sprintf("live: connection %d: pending queue full", c.id))
			}
			cl = nil
			if len(buf) < writeBatchBytesMax {
				select {
				case cl = <-c.send:
				default:
				}
			}
		}
		if _, err := c.nc.Write(buf); err != nil {
			c.stop(fmt.Errorf("write: %w", err))
			return
		}
	}
}

func (c *conn) readLoop() {
	rr := resp.NewReader(c.br)
	batch := make([]completion, 0, recordBatchMax)
	// next holds the closed loop's next operations, issued by the
	// answers read from one buffer-full and handed to the writer together
	// when the buffer is empty: one write for the lot, as a pipelining
	// client (redis-benchmark -P) sends its batch.
	next := make([]*call, 0, c.inflightMax)
	flush := func() {
		c.run.stats.record(batch)
		batch = batch[:0]
	}
	defer flush()
	for {
		if len(next) > 0 && c.br.Buffered() == 0 {
			for _, cl := range next {
				c.submit(cl)
			}
			next = next[:0]
		}
		if len(batch) > 0 && (c.br.Buffered() == 0 || len(batch) >= recordBatchMax) {
			flush()
		}
		v, err := rr.ReadReply()
		if err != nil {
			c.stop(fmt.Errorf("read: %w", err))
			return
		}
		now := c.run.since()
		var cl *call
		select {
		case cl = <-c.pending:
		default:
			c.stop(errors.New("a reply came with no request waiting for it"))
			return
		}
		if cl.kind == loadgen.OpRMW && !cl.rmwWriting && !v.IsError() {
			cl.rmwWriting = true
			c.submit(cl) // keeps its slot: the write half is the same operation
			continue
		}
		comp := completion{kind: cl.kind, at: now, latency: now - min(cl.intended, cl.sent), service: now - cl.sent}
		if v.IsError() {
			comp.errKind = serverErrorKind(v.Str)
		}
		batch = append(batch, comp)
		if !c.run.openLoop && now < time.Duration(c.run.closedUntil.Load()) {
			// Closed loop: the answer frees the slot for the next
			// operation, issued now on this connection.
			next = append(next, c.run.nextClosed(now, cl))
			continue
		}
		c.inflight.Add(-1)
	}
}

// serverErrorKind names an error reply by its code, the first word
// ("ERR", "WRONGTYPE", "OOM"), so the errors table stays short.
func serverErrorKind(msg []byte) string {
	code := msg
	for i, b := range msg {
		if b == ' ' {
			code = msg[:i]
			break
		}
	}
	const codeBytesMax = 32
	if len(code) > codeBytesMax {
		code = code[:codeBytesMax]
	}
	return "server " + string(code)
}
