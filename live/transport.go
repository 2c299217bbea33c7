package live

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"strconv"
	"sync"
	"time"

	"syslab/node"
)

// peerLink carries frames from this node to one peer over one outbound TCP
// connection (each direction of a pair of nodes has its own connection, so
// there is no dial race to settle). It dials lazily when the first frame
// is queued and redials with capped exponential backoff after a failure.
// Frames wait in a bounded queue; when it is full new frames are dropped,
// and a frame whose write failed is lost — the node contract already says
// the network may lose messages, so nothing retries at this level.
type peerLink struct {
	r     *Runtime
	id    node.ID
	queue chan []byte // encoded frames, bounded by Config.PeerQueueMessagesMax

	mu   sync.Mutex
	addr string
	conn net.Conn // current connection, closed by Stop and setAddr
}

func (r *Runtime) newPeerLink(id node.ID, addr string) *peerLink {
	return &peerLink{r: r, id: id, addr: addr, queue: make(chan []byte, r.cfg.PeerQueueMessagesMax)}
}

// dialedPeerLocked adds a link to the peer whose ID is its address, for
// Config.DialByID; nil when id is not host:port or the bound is reached.
// The caller holds r.mu and the runtime has started (Send runs on the loop).
func (r *Runtime) dialedPeerLocked(id node.ID) *peerLink {
	if !isTCPAddress(string(id)) {
		return nil
	}
	if r.dialedPeers >= dialedPeersMax {
		r.logf("send to %s: already dialling %d peers by ID (dialedPeersMax), dropped", id, r.dialedPeers)
		return nil
	}
	r.dialedPeers++
	link := r.newPeerLink(id, string(id))
	r.peers[id] = link
	r.goroutines.Add(1)
	go link.run()
	return link
}

// isTCPAddress reports whether s is host:port with a non-empty host and a
// port from 1 to 65535, the shape of a node ID that DialByID may dial.
func isTCPAddress(s string) bool {
	host, port, err := net.SplitHostPort(s)
	if err != nil || host == "" {
		return false
	}
	p, err := strconv.Atoi(port)
	return err == nil && p >= 1 && p <= 65535
}

func (l *peerLink) enqueue(frame []byte) bool {
	select {
	case l.queue <- frame:
		return true
	default:
		return false
	}
}

func (l *peerLink) setAddr(addr string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.addr == addr {
		return
	}
	l.addr = addr
	if l.conn != nil {
		l.conn.Close() // the writer sees the error and redials the new address
	}
}

func (l *peerLink) closeConn() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.conn != nil {
		l.conn.Close()
	}
}

func (l *peerLink) run() {
	defer l.r.goroutines.Done()
	var (
		conn        net.Conn
		w           *bufio.Writer
		redialDelay = redialDelayMin
		failing     bool // log a dial failure once per outage, not per retry
	)
	defer func() {
		if conn != nil {
			conn.Close()
		}
	}()
	for {
		var frame []byte
		select {
		case <-l.r.stopping:
			return
		case frame = <-l.queue:
		}
		if conn == nil {
			l.mu.Lock()
			addr := l.addr
			l.mu.Unlock()
			c, err := l.dial(addr)
			if err != nil {
				l.r.stats.dropped.Add(1)
				if !failing {
					l.r.logf("peer %s at %s unreachable, retrying: %v", l.id, addr, err)
					failing = true
				}
				if !l.wait(redialDelay) {
					return
				}
				redialDelay = min(2*redialDelay, redialDelayMax)
				continue
			}
			if failing {
				l.r.logf("peer %s at %s reachable again", l.id, addr)
			}
			failing, redialDelay = false, redialDelayMin
			l.mu.Lock()
			if l.addr != addr { // moved while we dialled
				l.mu.Unlock()
				c.Close()
				l.r.stats.dropped.Add(1)
				continue
			}
			conn, w = c, bufio.NewWriterSize(c, peerBufferBytes)
			l.conn = c
			l.mu.Unlock()
		}
		conn.SetWriteDeadline(time.Now().Add(writeTimeout))
		_, err := w.Write(frame)
		if err == nil && len(l.queue) == 0 {
			// Flush only when nothing else is waiting: batches bursts
			// into few syscalls without holding a lone message back.
			err = w.Flush()
		}
		if err != nil {
			l.r.stats.dropped.Add(1)
			l.r.logf("peer %s: write failed, will redial: %v", l.id, err)
			l.mu.Lock()
			conn.Close()
			conn, w, l.conn = nil, nil, nil
			l.mu.Unlock()
			continue
		}
		l.r.stats.sent.Add(1)
	}
}

// dial connects to addr, giving up at dialTimeout or when the runtime
// stops, so Stop never waits out a slow dial.
func (l *peerLink) dial(addr string) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), dialTimeout)
	defer cancel()
	go func() {
		select {
		case <-l.r.stopping:
			cancel()
		case <-ctx.Done():
		}
	}()
	var d net.Dialer
	return d.DialContext(ctx, "tcp", addr)
}

// wait sleeps d unless the runtime stops first; false if it stopped.
func (l *peerLink) wait(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-l.r.stopping:
		return false
	}
}

func (r *Runtime) acceptLoop() {
	defer r.goroutines.Done()
	for {
		conn, err := r.listener.Accept()
		if err != nil {
			select {
			case <-r.stopping:
			default:
				r.logf("peer listener stopped: %v", err)
			}
			return
		}
		r.mu.Lock()
		select {
		case <-r.stopping:
			r.mu.Unlock()
			conn.Close()
			return
		default:
		}
		r.inbound[conn] = struct{}{}
		r.goroutines.Add(1)
		r.mu.Unlock()
		go r.readPeer(conn)
	}
}

// readPeer decodes frames from one inbound connection into the inbox. It
// blocks while the inbox is full, which stops reading the socket and so
// pushes back on the sending node through TCP flow control.
func (r *Runtime) readPeer(conn net.Conn) {
	defer r.goroutines.Done()
	defer func() {
		r.mu.Lock()
		delete(r.inbound, conn)
		r.mu.Unlock()
		conn.Close()
	}()
	br := bufio.NewReaderSize(conn, peerBufferBytes)
	for {
		from, to, msg, err := Decode(br)
		if err != nil {
			if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
				r.logf("peer connection from %s closed: %v", conn.RemoteAddr(), err)
			}
			return
		}
		if to != r.cfg.Self {
			// Logged before counted: whoever sees the count sees the line.
			r.logf("frame for %s from %s arrived at %s: dropped", to, from, r.cfg.Self)
			r.stats.dropped.Add(1)
			continue
		}
		if !r.post(event{kind: eventMessage, from: from, msg: msg}) {
			return
		}
	}
}
