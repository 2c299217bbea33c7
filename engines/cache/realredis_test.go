package cache

import (
	"bufio"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"syslab/engines/cache/resp"
)

// realRedis is a redis-server 7 child process the tests compare the node
// with, reached over a unix socket so parallel test runs never fight over
// a port.
type realRedis struct {
	conn   net.Conn
	reader *resp.Reader
	writer *bufio.Writer
}

// startRealRedis starts redis-server, or skips loudly when it is not
// installed (and fails under CI=true, where it must be).
func startRealRedis(t *testing.T) *realRedis {
	t.Helper()
	path, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("redis-server is not on PATH; CI must install it (apt-get install redis-server)")
		}
		t.Skip("SKIPPED: redis-server is not on PATH, so replies are not compared with real Redis")
	}
	dir := t.TempDir()
	socket := filepath.Join(dir, "redis.sock")
	cmd := exec.Command(path, "--port", "0", "--unixsocket", socket, "--save", "", "--appendonly", "no", "--dir", dir)
	if err := cmd.Start(); err != nil {
		t.Fatalf("start redis-server: %v", err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	deadline := time.Now().Add(5 * time.Second)
	for {
		conn, err := net.Dial("unix", socket)
		if err == nil {
			r := &realRedis{conn: conn, reader: resp.NewReader(bufio.NewReader(conn)), writer: bufio.NewWriter(conn)}
			t.Cleanup(func() { conn.Close() })
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("redis-server did not listen on %s: %v", socket, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// do sends one command and returns the reply rendered like do() renders ours.
func (r *realRedis) do(t *testing.T, args ...[]byte) string {
	t.Helper()
	r.writer.Write(resp.AppendCommand(nil, args...))
	if err := r.writer.Flush(); err != nil {
		t.Fatalf("write to redis-server: %v", err)
	}
	v, err := r.reader.ReadReply()
	if err != nil {
		t.Fatalf("read from redis-server: %v", err)
	}
	return v.String()
}

func (r *realRedis) doLine(t *testing.T, line string) string {
	t.Helper()
	args, ok := resp.SplitArgs([]byte(line))
	if !ok {
		t.Fatalf("bad command %q", line)
	}
	return r.do(t, args...)
}

// compareWithRedis runs the same commands on a fresh node and on a flushed
// real Redis and reports every reply that differs. Commands whose replies
// depend on the clock or on random choices do not belong in it.
func compareWithRedis(t *testing.T, commands []string) {
	t.Helper()
	real := startRealRedis(t)
	real.doLine(t, "FLUSHALL")
	n, env := startNode(t, Config{})
	for _, line := range commands {
		want := real.doLine(t, line)
		got := do(n, env, "client-1", line)
		if got != want {
			t.Errorf("%s: node answered %s, redis-server %s", line, got, want)
		}
	}
}
