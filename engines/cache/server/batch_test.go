package server

import (
	"bufio"
	"net"
	"strconv"
	"strings"
	"testing"

	"syslab/engines/cache"
	"syslab/engines/cache/resp"
	"syslab/node"
)

// rawConn is a client that writes RESP bytes as given and reads replies.
type rawConn struct {
	nc net.Conn
	rd *resp.Reader
}

func dialRaw(t *testing.T, s *Server) *rawConn {
	t.Helper()
	nc, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	return &rawConn{nc: nc, rd: resp.NewReader(bufio.NewReader(nc))}
}

func (c *rawConn) send(t *testing.T, commands ...[]string) {
	t.Helper()
	var out []byte
	for _, cmd := range commands {
		args := make([][]byte, len(cmd))
		for i, a := range cmd {
			args[i] = []byte(a)
		}
		out = resp.AppendCommand(out, args...)
	}
	if _, err := c.nc.Write(out); err != nil {
		t.Fatal(err)
	}
}

func (c *rawConn) expect(t *testing.T, want string) {
	t.Helper()
	v, err := c.rd.ReadReply()
	if err != nil {
		t.Fatalf("reading a reply (want %s): %v", want, err)
	}
	if got := v.String(); got != want {
		t.Fatalf("reply %s, want %s", got, want)
	}
}

// A pipeline that arrives behind a blocked command waits in the node; the
// write of another client releases the lot, and the blocked client gets
// every reply, in order.
func TestPipelineBehindBlockedCommandIsAnsweredInOrder(t *testing.T) {
	s := startServer(t, cache.Config{})
	blocked := func() int {
		n := -1
		s.rt.Do(func(h node.Handler) { n = h.(*cache.Node).BlockedClients() })
		return n
	}
	waiter, pusher := dialRaw(t, s), dialRaw(t, s)
	waiter.send(t, []string{"BLPOP", "q", "0"}, []string{"PING"}, []string{"INCR", "n"})
	waitFor(t, func() bool { return blocked() == 1 })
	pusher.send(t, []string{"RPUSH", "q", "x"}, []string{"INCR", "m"})
	pusher.expect(t, resp.Int(1).String())
	pusher.expect(t, resp.Int(1).String())
	waiter.expect(t, resp.ArrayOf(resp.BulkFromString("q"), resp.BulkFromString("x")).String())
	waiter.expect(t, resp.Simple("PONG").String())
	waiter.expect(t, resp.Int(1).String())
}

// A pipeline deeper than the in-flight bound, sent in one write and read
// only afterwards, is answered completely and in order: the reader holds
// back without losing or reordering anything.
func TestDeepPipelineIsAnsweredInOrder(t *testing.T) {
	s := startServer(t, cache.Config{})
	c := dialRaw(t, s)
	const depth = inFlightMax*2 + batchCommandsMax + 7
	var pipeline []byte
	for range depth {
		pipeline = resp.AppendCommand(pipeline, []byte("INCR"), []byte("counter"))
	}
	go func() { // the write may block until we read: the server pushes back
		if _, err := c.nc.Write(pipeline); err != nil {
			t.Error(err)
		}
	}()
	for i := 1; i <= depth; i++ {
		c.expect(t, resp.Int(int64(i)).String())
	}
	c.send(t, []string{"GET", "counter"})
	c.expect(t, resp.BulkFromString(strconv.Itoa(depth)).String())
}

// Commands held by CLIENT PAUSE run as sent when the pause ends, though
// other clients' requests were parsed into the same memory meanwhile
// (the node keeps its own copy of a held command's argument list).
func TestCommandsHeldByPauseRunAsSent(t *testing.T) {
	s := startServer(t, cache.Config{})
	admin, writer, reader := dialRaw(t, s), dialRaw(t, s), dialRaw(t, s)
	admin.send(t, []string{"CLIENT", "PAUSE", "100000", "WRITE"})
	admin.expect(t, resp.OK.String())
	writer.send(t, []string{"SET", "a", "1"}, []string{"SET", "b", "2"}, []string{"GET", "a"})
	waitFor(t, func() bool { // a client whose commands are held counts as blocked
		admin.send(t, []string{"INFO", "clients"})
		v, err := admin.rd.ReadReply()
		return err == nil && strings.Contains(string(v.Str), "blocked_clients:1\r\n")
	})
	for range 3 { // reads run during a write pause
		reader.send(t, []string{"GET", "zzzzzz"}, []string{"EXISTS", "yyyyyy", "xxxxxx", "wwwwww"})
		reader.expect(t, resp.NullBulk.String())
		reader.expect(t, resp.Int(0).String())
	}
	admin.send(t, []string{"CLIENT", "UNPAUSE"})
	admin.expect(t, resp.OK.String())
	writer.expect(t, resp.OK.String())
	writer.expect(t, resp.OK.String())
	writer.expect(t, resp.BulkFromString("1").String())
	reader.send(t, []string{"MGET", "a", "b"})
	reader.expect(t, resp.ArrayOf(resp.BulkFromString("1"), resp.BulkFromString("2")).String())
}
