package server

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"syslab/engines/cache"
	"syslab/engines/cache/resp"
	"syslab/node"
)

// A standalone replica's link to its master, over Redis's replication
// protocol. The node asks for the stream with a cache.ReplSync to
// "host:port" (REPLICAOF host port); the runtime has no route to that
// name, so the message comes here (routeUnroutable) and this adapter does
// what a Redis replica does on its socket:
//
//	PING                         → +PONG (or -NOAUTH: AUTH follows)
//	AUTH [masteruser] masterauth → +OK
//	REPLCONF listening-port N    → +OK
//	REPLCONF capa eof capa psync2 → +OK
//	PSYNC replid offset+1 | ? -1 → +FULLRESYNC replid offset, then the RDB
//	                               ($len, or $EOF:<mark> … <mark>)
//	                             | +CONTINUE [replid]
//
// then reads the command stream. What it reads goes to the node as the
// messages a node master would send (ReplFullResync, ReplRDBChunk,
// ReplContinue, ReplStream), so the node's replica logic — offsets,
// loading the snapshot, applying the stream, acks — is the one the
// simulator checks. The node's acks (cache.ReplAck) are written back as
// REPLCONF ACK. The stream is handed over in whole commands, and a
// MULTI … EXEC block in one piece, so a transaction applies in one event.
//
// Errors that stand for a log line of Redis's replica use its words
// ("Unable to AUTH to MASTER", …): tools and Redis's own tests wait for
// them in the log.
//
// Each ReplSync is a new attempt: the previous connection is closed, and a
// connection that fails reports cache.ReplLinkBroken for its attempt,
// after which the node tries again from its cron. Timeouts are the
// node's: a silent master is noticed by repl-timeout there, and its next
// ReplSync replaces this connection.

const (
	// masterDialTimeout bounds connecting to the master.
	masterDialTimeout = 10 * time.Second
	// masterHandshakeTimeout bounds each step of the handshake, and the
	// wait for the snapshot's first byte (Redis's repl-timeout).
	masterHandshakeTimeout = 60 * time.Second
	// masterReadChunkBytes is how much of the stream one read takes.
	masterReadChunkBytes = 64 << 10
	// masterPendingBytesMax bounds the stream bytes held while a command
	// (or a MULTI … EXEC block) is incomplete: one command's worth, as
	// Redis bounds a query buffer (client-query-buffer-limit 1gb).
	masterPendingBytesMax = 1 << 30
	// masterRDBBytesMax bounds a snapshot received from a master.
	masterRDBBytesMax = 16 << 30
	// rdbEOFMarkBytes is the length of a diskless transfer's end mark.
	rdbEOFMarkBytes = 40
	// replIDBytes is the length of a replication id.
	replIDBytes = 40
)

// masterLink is the server's one link to a master; the node follows one
// master at a time.
type masterLink struct {
	mu      sync.Mutex
	current *linkAttempt
	// stopped is set when the server closes: no attempt starts after it,
	// so the server's WaitGroup is never added to while it is waited on.
	stopped bool
}

// linkAttempt is one connection to the master, for one PSYNC attempt.
type linkAttempt struct {
	master node.ID
	sync   cache.ReplSync
	// mu guards conn and closed: the attempt's goroutine sets conn once
	// dialed, a newer attempt closes it.
	mu     sync.Mutex
	conn   net.Conn
	closed bool
	// acks carries the offsets to acknowledge to the writer; only the
	// newest matters, so a full channel drops the older one.
	acks chan int64
}

// startReplicaLink replaces the current link attempt with one for m.
func (s *Server) startReplicaLink(master node.ID, m cache.ReplSync) {
	a := &linkAttempt{master: master, sync: m, acks: make(chan int64, 1)}
	s.link.mu.Lock()
	if s.link.stopped {
		s.link.mu.Unlock()
		return
	}
	old := s.link.current
	s.link.current = a
	s.wg.Add(1)
	s.link.mu.Unlock()
	if old != nil {
		old.close()
	}
	go func() {
		defer s.wg.Done()
		s.runReplicaLink(a)
	}()
}

// stopReplicaLink ends the link to master, if that is the current one.
func (s *Server) stopReplicaLink(master node.ID) {
	s.link.mu.Lock()
	a := s.link.current
	if a != nil && a.master == master {
		s.link.current = nil
	}
	s.link.mu.Unlock()
	if a != nil && a.master == master {
		a.close()
	}
}

// ackMaster queues a REPLCONF ACK on the current link.
func (s *Server) ackMaster(master node.ID, offset int64) {
	s.link.mu.Lock()
	a := s.link.current
	s.link.mu.Unlock()
	if a == nil || a.master != master {
		return
	}
	for {
		select {
		case a.acks <- offset:
			return
		default:
		}
		select { // full: drop the older offset, then try again
		case <-a.acks:
		default:
		}
	}
}

// closeReplicaLink closes the current link when the server stops.
func (s *Server) closeReplicaLink() {
	s.link.mu.Lock()
	a := s.link.current
	s.link.current, s.link.stopped = nil, true
	s.link.mu.Unlock()
	if a != nil {
		a.close()
	}
}

func (a *linkAttempt) close() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.closed = true
	if a.conn != nil {
		a.conn.Close()
	}
}

// adopt records the attempt's connection; false if the attempt was
// closed meanwhile (the caller closes conn).
func (a *linkAttempt) adopt(conn net.Conn) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return false
	}
	a.conn = conn
	return true
}

func (a *linkAttempt) isClosed() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.closed
}

// runReplicaLink is one attempt: connect, handshake, transfer, stream.
func (s *Server) runReplicaLink(a *linkAttempt) {
	err := s.followMaster(a)
	if a.isClosed() {
		return // replaced or stopped: nobody waits for this attempt
	}
	why := "connection with the master lost"
	if err != nil {
		why = err.Error()
	}
	s.rt.Handle(a.master, cache.ReplLinkBroken{Attempt: a.sync.Attempt, Why: why})
}

// followMaster runs the attempt until its connection ends.
func (s *Server) followMaster(a *linkAttempt) error {
	conn, err := net.DialTimeout("tcp", string(a.master), masterDialTimeout)
	if err != nil {
		return fmt.Errorf("Error condition on socket for SYNC: %w", err)
	}
	if !a.adopt(conn) {
		conn.Close()
		return nil
	}
	defer conn.Close()
	br := bufio.NewReaderSize(conn, masterReadChunkBytes)
	m := a.sync

	// PING first: a master that needs a password answers NOAUTH, which is
	// fine here; AUTH follows.
	if err := writeCommand(conn, "PING"); err != nil {
		return err
	}
	line, err := readStatusLine(conn, br)
	if err != nil {
		return fmt.Errorf("reading PING's reply: %w", err)
	}
	if line[0] == '-' && !strings.HasPrefix(line, "-NOAUTH") && !strings.HasPrefix(line, "-NOPERM") && !strings.HasPrefix(line, "-ERR operation not permitted") {
		return fmt.Errorf("error reply to PING from master: %q", line)
	}

	var out []byte
	replies := 0
	if m.MasterAuth != "" {
		if m.MasterUser != "" {
			out = resp.AppendCommand(out, []byte("AUTH"), []byte(m.MasterUser), []byte(m.MasterAuth))
		} else {
			out = resp.AppendCommand(out, []byte("AUTH"), []byte(m.MasterAuth))
		}
		replies++
	}
	_, port, _ := net.SplitHostPort(s.Addr())
	out = resp.AppendCommand(out, []byte("REPLCONF"), []byte("listening-port"), []byte(port))
	out = resp.AppendCommand(out, []byte("REPLCONF"), []byte("capa"), []byte("eof"), []byte("capa"), []byte("psync2"))
	replies += 2
	if err := writeWithin(conn, out, masterHandshakeTimeout); err != nil {
		return err
	}
	for i := range replies {
		line, err := readStatusLine(conn, br)
		if err != nil {
			return fmt.Errorf("reading the handshake's replies: %w", err)
		}
		switch {
		case line[0] != '-':
		case i == 0 && m.MasterAuth != "":
			return fmt.Errorf("Unable to AUTH to MASTER: %s", line)
		default: // an old master without this REPLCONF: go on, as Redis does
			s.logf("cache server: master %s: REPLCONF: %s", a.master, line)
		}
	}

	replID, offset := "?", "-1"
	if m.ReplID != "?" {
		replID, offset = m.ReplID, strconv.FormatInt(m.Offset+1, 10)
	}
	if err := writeCommand(conn, "PSYNC", replID, offset); err != nil {
		return err
	}
	answer, err := readPSYNCAnswer(conn, br, m)
	if err != nil {
		return err
	}
	if answer.full {
		s.logf("cache server: MASTER <-> REPLICA sync: received %d bytes from master %s", len(answer.payload), a.master)
		if !s.rt.Handle(a.master, cache.ReplFullResync{ReplID: answer.replID, Offset: answer.offset, Attempt: m.Attempt, Chunks: 1, Bytes: len(answer.payload)}) {
			return nil
		}
		s.rt.Handle(a.master, cache.ReplRDBChunk{Attempt: m.Attempt, Index: 0, Data: answer.payload})
	} else {
		s.rt.Handle(a.master, cache.ReplContinue{ReplID: answer.replID, Attempt: m.Attempt})
	}

	conn.SetDeadline(time.Time{}) // the node watches for silence (repl-timeout)
	streamEnded := make(chan struct{})
	defer close(streamEnded)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		writeAcks(conn, a.acks, streamEnded)
	}()
	return s.readStream(a, br, answer.replID, answer.offset)
}

// psyncAnswer is what a master answered PSYNC: a full sync (the stream
// starts at offset of history replID, after payload) or a continuation
// (the stream goes on from the offset asked, under replID).
type psyncAnswer struct {
	full    bool
	replID  string
	offset  int64
	payload []byte
}

// readPSYNCAnswer reads the master's answer to the PSYNC m asked, with
// the snapshot when it is a full sync.
func readPSYNCAnswer(conn net.Conn, br *bufio.Reader, m cache.ReplSync) (psyncAnswer, error) {
	line, err := readStatusLine(conn, br)
	if err != nil {
		return psyncAnswer{}, fmt.Errorf("reading PSYNC's reply: %w", err)
	}
	switch {
	case strings.HasPrefix(line, "+FULLRESYNC "):
		fields := strings.Fields(line)
		if len(fields) != 3 || len(fields[1]) != replIDBytes {
			return psyncAnswer{}, fmt.Errorf("bad reply to PSYNC from master: %q", line)
		}
		offset, err := strconv.ParseInt(fields[2], 10, 64)
		if err != nil || offset < 0 {
			return psyncAnswer{}, fmt.Errorf("bad offset in master's reply: %q", line)
		}
		payload, err := readSnapshot(conn, br)
		if err != nil {
			return psyncAnswer{}, err
		}
		return psyncAnswer{full: true, replID: fields[1], offset: offset, payload: payload}, nil
	case line == "+CONTINUE", strings.HasPrefix(line, "+CONTINUE "):
		if m.ReplID == "?" {
			return psyncAnswer{}, fmt.Errorf("master continued a sync that asked for a full one: %q", line)
		}
		answer := psyncAnswer{replID: m.ReplID, offset: m.Offset}
		if fields := strings.Fields(line); len(fields) == 2 {
			if len(fields[1]) != replIDBytes {
				return psyncAnswer{}, fmt.Errorf("bad reply to PSYNC from master: %q", line)
			}
			answer.replID = fields[1] // the master's history changed (PSYNC2)
		}
		return answer, nil
	case strings.HasPrefix(line, "-NOMASTERLINK"), strings.HasPrefix(line, "-LOADING"):
		return psyncAnswer{}, fmt.Errorf("Master is currently unable to PSYNC but should be in the future: %s", line)
	}
	return psyncAnswer{}, fmt.Errorf("Unexpected reply to PSYNC from master: %q", line)
}

// readStream hands the master's command stream to the node, whole
// commands at a time, until the connection ends.
func (s *Server) readStream(a *linkAttempt, br *bufio.Reader, replID string, offset int64) error {
	var pending []byte
	chunk := make([]byte, masterReadChunkBytes)
	for {
		n, err := br.Read(chunk)
		pending = append(pending, chunk[:n]...)
		if whole, perr := wholeCommands(pending); perr != nil {
			return fmt.Errorf("the master's stream is not RESP: %w", perr)
		} else if whole > 0 {
			data := bytes.Clone(pending[:whole])
			if !s.rt.Handle(a.master, cache.ReplStream{ReplID: replID, Offset: offset, Data: data}) {
				return nil
			}
			offset += int64(whole)
			pending = append(pending[:0], pending[whole:]...)
		}
		if len(pending) > masterPendingBytesMax {
			return fmt.Errorf("the master sent %d bytes without ending a command", len(pending))
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				return errors.New("connection with the master lost")
			}
			return err
		}
	}
}

// wholeCommands is the length of the longest prefix of buf made of whole
// commands that leaves no MULTI open.
func wholeCommands(buf []byte) (int, error) {
	whole, pos, inMulti := 0, 0, false
	for pos < len(buf) {
		args, n, err := resp.ParseCommand(buf[pos:])
		if err != nil {
			return whole, err
		}
		pos += n
		if args == nil {
			break // incomplete (n counted only blank lines)
		}
		switch {
		case equalFold(args[0], "multi"):
			inMulti = true
		case equalFold(args[0], "exec"):
			inMulti = false
		}
		if !inMulti {
			whole = pos
		}
	}
	return whole, nil
}

// equalFold reports whether b, ASCII case aside, is lower (a lower-case
// command name), without allocating: the event loop asks it of every
// request (QUIT), the master link of every streamed command.
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

// writeAcks writes REPLCONF ACK for each offset the node acks, until the
// stream ends (done).
func writeAcks(conn net.Conn, acks <-chan int64, done <-chan struct{}) {
	for {
		var offset int64
		select {
		case offset = <-acks:
		case <-done:
			return
		}
		cmd := resp.AppendCommand(nil, []byte("REPLCONF"), []byte("ACK"), strconv.AppendInt(nil, offset, 10))
		if err := writeWithin(conn, cmd, masterHandshakeTimeout); err != nil {
			return
		}
	}
}

// readSnapshot reads the RDB that follows +FULLRESYNC: "$<len>\r\n" and
// that many bytes, or "$EOF:<40-byte mark>\r\n", the bytes, and the mark
// (a diskless transfer). Newlines before it are the master's keepalives
// while it prepares the snapshot.
func readSnapshot(conn net.Conn, br *bufio.Reader) ([]byte, error) {
	line, err := readStatusLine(conn, br)
	if err != nil {
		return nil, fmt.Errorf("reading the snapshot's size: %w", err)
	}
	if line[0] == '-' {
		return nil, fmt.Errorf("master aborted the sync: %s", line)
	}
	if line[0] != '$' {
		return nil, fmt.Errorf("Bad protocol from MASTER, the first byte is not '$' (we received %q), are you sure the host and port are right?", line)
	}
	conn.SetReadDeadline(time.Time{}) // a big snapshot takes what it takes; the node times the attempt
	if mark, ok := strings.CutPrefix(line, "$EOF:"); ok {
		if len(mark) != rdbEOFMarkBytes {
			return nil, fmt.Errorf("bad EOF mark from master: %q", line)
		}
		var payload []byte
		chunk := make([]byte, masterReadChunkBytes)
		for !bytes.HasSuffix(payload, []byte(mark)) {
			n, err := br.Read(chunk)
			payload = append(payload, chunk[:n]...)
			if len(payload) > masterRDBBytesMax {
				return nil, fmt.Errorf("the master's snapshot passed %d bytes", masterRDBBytesMax)
			}
			if err != nil && !bytes.HasSuffix(payload, []byte(mark)) {
				return nil, fmt.Errorf("reading the snapshot: %w", err)
			}
		}
		return payload[:len(payload)-len(mark)], nil
	}
	size, err := strconv.ParseInt(line[1:], 10, 64)
	if err != nil || size < 0 || size > masterRDBBytesMax {
		return nil, fmt.Errorf("bad snapshot size from master: %q", line)
	}
	// Grown as the bytes arrive, not allocated from the announced size.
	payload, err := io.ReadAll(io.LimitReader(br, size))
	if err == nil && int64(len(payload)) < size {
		err = io.ErrUnexpectedEOF
	}
	if err != nil {
		return nil, fmt.Errorf("reading the snapshot: %w", err)
	}
	return payload, nil
}

// readStatusLine reads the next non-empty reply line, without its CRLF,
// within the handshake timeout. A line longer than the reader's buffer
// (64 KiB) is an error: no handshake reply is that long.
func readStatusLine(conn net.Conn, br *bufio.Reader) (string, error) {
	conn.SetReadDeadline(time.Now().Add(masterHandshakeTimeout))
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return "", err
		}
		if text := strings.TrimRight(string(line), "\r\n"); text != "" {
			return text, nil
		}
	}
}

func writeCommand(conn net.Conn, args ...string) error {
	var out []byte
	parts := make([][]byte, len(args))
	for i, a := range args {
		parts[i] = []byte(a)
	}
	out = resp.AppendCommand(out, parts...)
	return writeWithin(conn, out, masterHandshakeTimeout)
}
