package server

import (
	"bufio"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"syslab/engines/cache"
)

// killTestTimeout bounds each read in the CLIENT KILL test.
const killTestTimeout = 5 * time.Second

// killConn is a bare RESP connection for the kill test.
type killConn struct {
	t  *testing.T
	nc net.Conn
	r  *bufio.Reader
}

func dialKill(t *testing.T, s *Server) *killConn {
	t.Helper()
	nc, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	return &killConn{t: t, nc: nc, r: bufio.NewReader(nc)}
}

// do sends an inline command and returns the first line of its reply (and
// the body of a bulk reply).
func (c *killConn) do(line string) string {
	c.t.Helper()
	c.nc.SetDeadline(time.Now().Add(killTestTimeout))
	if _, err := c.nc.Write([]byte(line + "\r\n")); err != nil {
		c.t.Fatalf("write %q: %v", line, err)
	}
	head, err := c.r.ReadString('\n')
	if err != nil {
		c.t.Fatalf("read reply to %q: %v", line, err)
	}
	if head[0] == '$' {
		size, err := strconv.Atoi(strings.TrimSpace(head[1:]))
		if err != nil || size < 0 {
			c.t.Fatalf("reply to %q: bad bulk header %q", line, head)
		}
		body := make([]byte, size+2)
		if _, err := io.ReadFull(c.r, body); err != nil {
			c.t.Fatalf("read bulk reply to %q: %v", line, err)
		}
		return string(body[:size])
	}
	return strings.TrimSuffix(head, "\r\n")
}

// closedByServer reports whether the server closed the connection.
func (c *killConn) closedByServer() bool {
	c.nc.SetReadDeadline(time.Now().Add(killTestTimeout))
	_, err := c.r.ReadByte()
	return err == io.EOF
}

func TestClientKillClosesTheConnection(t *testing.T) {
	s := startServer(t, cache.Config{})
	killer, victim := dialKill(t, s), dialKill(t, s)
	victimID := strings.TrimPrefix(victim.do("CLIENT ID"), ":")
	// CLIENT LIST reports the victim's real address, as Redis does.
	if info := victim.do("CLIENT INFO"); !strings.Contains(info, " addr="+victim.nc.LocalAddr().String()+" ") ||
		!strings.Contains(info, " laddr="+s.Addr()+" ") {
		t.Fatalf("CLIENT INFO = %q, want addr=%s laddr=%s", info, victim.nc.LocalAddr(), s.Addr())
	}
	if got := killer.do("CLIENT KILL ID " + victimID); got != ":1" {
		t.Fatalf("CLIENT KILL ID = %q, want :1", got)
	}
	if !victim.closedByServer() {
		t.Fatal("the killed connection is still open")
	}
	// The old form by address, and killing oneself: the reply, then EOF.
	other := dialKill(t, s)
	// The node learns an address when the server starts serving the
	// connection, before its first command: after a reply it is known.
	if got := other.do("PING"); got != "+PONG" {
		t.Fatalf("PING = %q", got)
	}
	if got := killer.do("CLIENT KILL " + other.nc.LocalAddr().String()); got != "+OK" {
		t.Fatalf("CLIENT KILL addr = %q, want +OK", got)
	}
	if !other.closedByServer() {
		t.Fatal("the connection killed by address is still open")
	}
	if got := killer.do("CLIENT KILL SKIPME no"); got != ":1" {
		t.Fatalf("CLIENT KILL SKIPME no = %q, want :1", got)
	}
	if !killer.closedByServer() {
		t.Fatal("a client that killed itself is still connected")
	}
	// The server goes on serving.
	if got := dialKill(t, s).do("PING"); got != "+PONG" {
		t.Fatalf("PING after the kills = %q", got)
	}
}

// CLIENT REPLY OFF|SKIP|ON: the bytes redis-server 7.0.15 writes for the
// same input (checked by hand against it).
func TestClientReply(t *testing.T) {
	s := startServer(t, cache.Config{})
	input := "CLIENT REPLY OFF\r\nSET k v\r\nCLIENT REPLY ON\r\nGET k\r\nCLIENT REPLY SKIP\r\nGET k\r\nGET k\r\nCLIENT REPLY x\r\nQUIT\r\n"
	want := "+OK\r\n$1\r\nv\r\n$1\r\nv\r\n-ERR syntax error\r\n+OK\r\n"
	if got := rawExchange(t, s, input); got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}
