package cache

import (
	"bufio"
	"bytes"
	"net"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"syslab/engines/cache/resp"
	"syslab/internal/realredis"
)

// The one harness for comparing the node with a real redis-server 7.0.
//
// Every test gets a private server on a unix socket in its own temporary
// directory: never a TCP port, since other processes share this machine.
// Without redis-server on PATH the test is skipped, loudly; under CI=true
// it fails instead, as CI must run the comparison.
//
//	startRedisServer(t) / startRedisServerIn(t, dir)  a server (dir: dump.rdb)
//	server.dial()                    a connection: do(args...), doLine(line)
//	server.dialRaw()                 a bare net.Conn (protocol transcripts)
//	newComparison(t, cfg, protocol)  a fresh node and a flushed server, both
//	                                 speaking protocol; check(line, mode) runs
//	                                 a command on both and compares the bytes
//	                                 a client would receive
//	compareWithRedis(t, lines)       check every line exactly, in RESP2 and RESP3

// redisStartTimeout bounds the wait for a started redis-server to answer
// PING (loading a dump.rdb included).
const redisStartTimeout = 10 * time.Second

// redisReplyTimeout bounds the wait for one reply from redis-server.
const redisReplyTimeout = 5 * time.Second

// redisServer is a redis-server child process owned by one test.
type redisServer struct {
	t      *testing.T
	socket string
}

// startRedisServer starts redis-server in a fresh temporary directory.
func startRedisServer(t *testing.T) *redisServer {
	t.Helper()
	return startRedisServerIn(t, t.TempDir())
}

// startRedisServerIn starts redis-server with dir as its working directory
// and dir/dump.rdb as its RDB file (loaded if present), without
// persistence of its own, and waits until it answers PING.
// Extra arguments are appended to the command line (--cluster-enabled yes).
func startRedisServerIn(t *testing.T, dir string, extra ...string) *redisServer {
	t.Helper()
	path := requireRedisServer(t)
	s := &redisServer{t: t, socket: filepath.Join(dir, "redis.sock")}
	cmd := exec.Command(path, append([]string{"--port", "0", "--unixsocket", s.socket, "--save", "", "--appendonly", "no",
		"--dir", dir, "--dbfilename", "dump.rdb"}, extra...)...)
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("start redis-server: %v", err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	// A starting process offers nothing to wait on but its socket: poll
	// it, then PING until loading is over (it answers LOADING meanwhile).
	deadline := time.Now().Add(redisStartTimeout)
	for {
		if conn, err := net.Dial("unix", s.socket); err == nil {
			c := s.wrap(conn)
			for c.doLine("PING").String() != `"PONG"` {
				if time.Now().After(deadline) {
					t.Fatalf("redis-server on %s did not finish loading\n%s", s.socket, logs.String())
				}
				time.Sleep(10 * time.Millisecond)
			}
			return s
		} else if time.Now().After(deadline) {
			t.Fatalf("redis-server did not listen on %s: %v\n%s", s.socket, err, logs.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// requireRedisServer returns the path of redis-server, or skips the test
// loudly (fails it under CI=true) when it is not installed.
func requireRedisServer(t *testing.T) string {
	t.Helper()
	return realredis.Require(t)
}

// dialRaw opens a connection closed when the test ends.
func (s *redisServer) dialRaw() net.Conn {
	s.t.Helper()
	conn, err := net.Dial("unix", s.socket)
	if err != nil {
		s.t.Fatalf("dial redis-server: %v", err)
	}
	s.t.Cleanup(func() { conn.Close() })
	return conn
}

// dial opens a RESP2 connection closed when the test ends.
func (s *redisServer) dial() *redisConn {
	s.t.Helper()
	return s.wrap(s.dialRaw())
}

func (s *redisServer) wrap(conn net.Conn) *redisConn {
	return &redisConn{t: s.t, conn: conn, reader: resp.NewReader(bufio.NewReader(conn))}
}

// redisConn is one client connection to a redisServer.
type redisConn struct {
	t      *testing.T
	conn   net.Conn
	reader *resp.Reader
}

// do sends one command and reads its reply.
func (c *redisConn) do(args ...[]byte) resp.Value {
	c.t.Helper()
	c.conn.SetDeadline(time.Now().Add(redisReplyTimeout))
	if _, err := c.conn.Write(resp.AppendCommand(nil, args...)); err != nil {
		c.t.Fatalf("write to redis-server: %v", err)
	}
	return c.read()
}

// read reads one more reply (the second confirmation of SUBSCRIBE a b).
func (c *redisConn) read() resp.Value {
	c.t.Helper()
	c.conn.SetDeadline(time.Now().Add(redisReplyTimeout))
	v, err := c.reader.ReadReply()
	if err != nil {
		c.t.Fatalf("read from redis-server: %v", err)
	}
	return v
}

// doLine runs a command written as redis-cli takes it (quotes allowed).
func (c *redisConn) doLine(line string) resp.Value {
	c.t.Helper()
	return c.do(splitLine(c.t, line)...)
}

func splitLine(t testing.TB, line string) [][]byte {
	t.Helper()
	args, ok := resp.SplitArgs([]byte(line))
	if !ok || len(args) == 0 {
		t.Fatalf("bad command line %q", line)
	}
	return args
}

// wire renders replies as the bytes a client of protocol receives: both
// sides of a comparison go through it, so they are rendered alike.
func wire(protocol int, values ...resp.Value) string {
	var b []byte
	for _, v := range values {
		b = resp.AppendValue(b, v, protocol)
	}
	return string(b)
}

// compareMode says how much of a reply must agree with Redis's.
type compareMode uint8

const (
	sameReply    compareMode = iota // byte for byte
	sameElements                    // same elements in any order (hashtable order differs)
	sameShape                       // random draws: same type and length
	// sameText compares replies as resp.Value.String renders them, blind
	// to the kind of a null and to status versus bulk string: only for a
	// known difference, named where it is used.
	sameText
)

// compareStep is one command of a comparison script.
type compareStep struct {
	command string
	mode    compareMode
}

func stepsOf(mode compareMode, commands ...string) []compareStep {
	steps := make([]compareStep, len(commands))
	for i, c := range commands {
		steps[i] = compareStep{c, mode}
	}
	return steps
}

func exact(commands ...string) []compareStep     { return stepsOf(sameReply, commands...) }
func unordered(commands ...string) []compareStep { return stepsOf(sameElements, commands...) }
func shapeOnly(commands ...string) []compareStep { return stepsOf(sameShape, commands...) }

// canonical renders v for mode: for sameElements the elements of the
// top-level array (or of a scan reply's element array) are sorted first;
// for sameShape only the type byte and the element count remain.
func canonical(v resp.Value, mode compareMode, protocol int) string {
	switch mode {
	case sameElements:
		if len(v.Elems) == 0 {
			break
		}
		v.Elems = slices.Clone(v.Elems)
		target := &v
		if len(v.Elems) == 2 && v.Elems[1].Kind == resp.Array && v.Elems[0].Kind == resp.BulkString {
			target = &v.Elems[1] // a scan reply: cursor, elements
			target.Elems = slices.Clone(target.Elems)
		}
		slices.SortFunc(target.Elems, func(a, b resp.Value) int { return bytes.Compare(a.Str, b.Str) })
	case sameShape:
		n := len(v.Elems)
		if v.Kind == resp.Pairs && protocol == resp.RESP3 {
			n /= 2 // sent as n/2 two-element arrays
		}
		return wire(protocol, v)[:1] + strconv.Itoa(n)
	case sameText:
		return v.String()
	}
	return wire(protocol, v)
}

// comparison runs the same commands on a fresh node and on a flushed
// redis-server, one client each, both speaking protocol.
type comparison struct {
	t        *testing.T
	protocol int
	real     *redisConn
	n        *Node
	env      *testEnv
}

// newComparison starts a redis-server for the comparison.
func newComparison(t *testing.T, cfg Config, protocol int) *comparison {
	t.Helper()
	return startRedisServer(t).compare(cfg, protocol)
}

// compare starts a node with cfg and flushes s: several comparisons can
// share one server, one after another.
func (s *redisServer) compare(cfg Config, protocol int) *comparison {
	s.t.Helper()
	n, env := startNode(s.t, cfg)
	c := &comparison{t: s.t, protocol: protocol, real: s.dial(), n: n, env: env}
	c.onRedis("FLUSHALL")
	if protocol != resp.RESP2 {
		hello := "HELLO " + strconv.Itoa(protocol)
		if v := c.onRedis(hello); v.IsError() {
			s.t.Fatalf("%s on redis-server: %s", hello, v)
		}
		if v := c.onNode(hello); len(v) != 1 || v[0].IsError() {
			s.t.Fatalf("%s on the node: %v", hello, v)
		}
	}
	return c
}

// onRedis runs a command on redis-server only.
func (c *comparison) onRedis(line string) resp.Value {
	c.t.Helper()
	return c.real.doLine(line)
}

// onNode runs a command on the node only and returns its replies (more
// than one for SUBSCRIBE a b); a command that blocks fails the test.
func (c *comparison) onNode(line string) []resp.Value {
	c.t.Helper()
	before := len(c.env.replies)
	c.n.Receive("client-1", Command{Seq: uint64(before), Args: splitLine(c.t, line)})
	if len(c.env.replies) == before {
		c.t.Fatalf("RESP%d %q: the node did not answer (it blocked)", c.protocol, line)
	}
	r := c.env.replies[len(c.env.replies)-1]
	if got := int(protocolOrRESP2(r.Protocol)); got != c.protocol {
		c.t.Fatalf("RESP%d %q: the node answered in RESP%d", c.protocol, line, got)
	}
	return append([]resp.Value{r.Value}, r.More...)
}

// check runs line on both sides and reports a reply that differs in mode.
func (c *comparison) check(line string, mode compareMode) {
	c.t.Helper()
	ours := c.onNode(line)
	theirs := []resp.Value{c.onRedis(line)}
	for len(theirs) < len(ours) {
		theirs = append(theirs, c.real.read())
	}
	var got, want string
	for i := range ours {
		got += canonical(ours[i], mode, c.protocol)
		want += canonical(theirs[i], mode, c.protocol)
	}
	if got != want {
		c.t.Errorf("RESP%d %q:\n got  %q\n want %q", c.protocol, line, got, want)
	}
}

func (c *comparison) run(steps []compareStep) {
	c.t.Helper()
	for _, s := range steps {
		c.check(s.command, s.mode)
	}
}

// forEachProtocol runs steps in a comparison per protocol, sharing one
// server.
func forEachProtocol(t *testing.T, cfg Config, steps []compareStep) {
	t.Helper()
	s := startRedisServer(t)
	for _, protocol := range []int{resp.RESP2, resp.RESP3} {
		s.compare(cfg, protocol).run(steps)
	}
}

// compareWithRedis checks that every command answers the same bytes on a
// fresh node and a flushed real Redis, in RESP2 and in RESP3. Commands
// whose replies depend on the clock or on random draws do not belong in it.
func compareWithRedis(t *testing.T, commands []string) {
	t.Helper()
	forEachProtocol(t, Config{}, exact(commands...))
}
