package server

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"syslab/engines/cache"
	"syslab/node"
)

func startServer(t *testing.T, cfg cache.Config) *Server {
	t.Helper()
	s, err := Start(Config{Addr: "127.0.0.1:0", Dir: t.TempDir(), Cache: cfg})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func newClient(t *testing.T, s *Server) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: s.Addr(), Protocol: 2})
	t.Cleanup(func() { c.Close() })
	return c
}

func TestGoRedis(t *testing.T) {
	s := startServer(t, cache.Config{AppendOnly: true, AppendFsync: cache.FsyncAlways})
	ctx := context.Background()
	c := newClient(t, s)
	if err := c.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if got, err := c.Get(ctx, "k").Result(); err != nil || got != "v" {
		t.Fatalf("GET = %q, %v", got, err)
	}
	if _, err := c.Get(ctx, "missing").Result(); !errors.Is(err, redis.Nil) {
		t.Fatalf("GET missing err = %v, want redis.Nil", err)
	}
	if n, err := c.Incr(ctx, "n").Result(); err != nil || n != 1 {
		t.Fatalf("INCR = %d, %v", n, err)
	}
	if ok, err := c.Expire(ctx, "k", 100*time.Second).Result(); err != nil || !ok {
		t.Fatalf("EXPIRE = %v, %v", ok, err)
	}
	if ttl, err := c.TTL(ctx, "k").Result(); err != nil || ttl != 100*time.Second {
		t.Fatalf("TTL = %v, %v", ttl, err)
	}
	if err := c.Do(ctx, "INCR", "k").Err(); err == nil || err.Error() != "ERR value is not an integer or out of range" {
		t.Fatalf("INCR on a string: %v", err)
	}
	if err := c.Do(ctx, "NOPE", "x").Err(); err == nil || !strings.HasPrefix(err.Error(), "ERR unknown command 'NOPE'") {
		t.Fatalf("unknown command: %v", err)
	}
	// redis-cli --stat and exporters read the connection count.
	other := newClient(t, s)
	if err := other.Ping(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	if info := c.Info(ctx, "stats").Val(); !strings.Contains(info, "total_connections_received:2\r\n") {
		t.Fatalf("after two connections, INFO stats:\n%s", info)
	}
}

func TestPipeline(t *testing.T) {
	s := startServer(t, cache.Config{})
	ctx := context.Background()
	c := newClient(t, s)
	const commands = 3000 // more than inFlightMax: exercises backpressure
	pipe := c.Pipeline()
	for range commands {
		pipe.Incr(ctx, "counter")
	}
	results, err := pipe.Exec(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range results {
		if got := r.(*redis.IntCmd).Val(); got != int64(i+1) {
			t.Fatalf("reply %d = %d: replies out of order", i, got)
		}
	}
}

// rawExchange sends input on a fresh connection and returns everything the
// server writes until it closes the connection (or the deadline passes).
func rawExchange(t *testing.T, s *Server, input string) string {
	t.Helper()
	nc, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := nc.Write([]byte(input)); err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(bufio.NewReader(nc))
	if err != nil {
		t.Fatalf("server did not close the connection: %v (read %q)", err, out)
	}
	return string(out)
}

func TestProtocolErrorsCloseTheConnection(t *testing.T) {
	s := startServer(t, cache.Config{})
	cases := []struct{ input, want string }{
		{"*1\r\n$4\r\nPING\r\n*abc\r\n", "+PONG\r\n-ERR Protocol error: invalid multibulk length\r\n"},
		{"*1\r\nx\r\n", "-ERR Protocol error: expected '$', got 'x'\r\n"},
		{"*1\r\n$abc\r\n", "-ERR Protocol error: invalid bulk length\r\n"},
		{"SET \"a\r\n", "-ERR Protocol error: unbalanced quotes in request\r\n"},
		{"PING\r\nQUIT\r\nPING\r\n", "+PONG\r\n+OK\r\n"},
		// Redis 7.0 quits on the name alone, arguments or MULTI or not
		// (what redis-server 7.0.15 wrote for each).
		{"QUIT extra\r\nPING\r\n", "+OK\r\n"},
		{"MULTI\r\nQUIT\r\nPING\r\n", "+OK\r\n+OK\r\n"},
	}
	for _, tc := range cases {
		if got := rawExchange(t, s, tc.input); got != tc.want {
			t.Errorf("%q: server wrote %q, want %q", tc.input, got, tc.want)
		}
	}
	// The server is still up.
	if err := newClient(t, s).Ping(context.Background()).Err(); err != nil {
		t.Fatalf("PING after malformed clients: %v", err)
	}
}

func TestInlineCommands(t *testing.T) {
	s := startServer(t, cache.Config{})
	got := rawExchange(t, s, "SET k \"hello world\"\r\nGET k\r\nQUIT\r\n")
	if want := "+OK\r\n$11\r\nhello world\r\n+OK\r\n"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestDataSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	cfg := Config{Addr: "127.0.0.1:0", Dir: dir, Cache: cache.Config{AppendOnly: true, AppendFsync: cache.FsyncEverysec}}
	s, err := Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	c := redis.NewClient(&redis.Options{Addr: s.Addr(), Protocol: 2})
	if err := c.Set(ctx, "durable", "yes", time.Hour).Err(); err != nil {
		t.Fatal(err)
	}
	c.Close()
	s.Close() // graceful: flushes and syncs the AOF
	s, err = Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c = redis.NewClient(&redis.Options{Addr: s.Addr(), Protocol: 2})
	defer c.Close()
	if got, err := c.Get(ctx, "durable").Result(); err != nil || got != "yes" {
		t.Fatalf("after restart GET = %q, %v", got, err)
	}
}

func TestRedisCLI(t *testing.T) {
	path, err := exec.LookPath("redis-cli")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("redis-cli is not on PATH, and CI=true requires it")
		}
		t.Skip("SKIPPED: redis-cli not on PATH — install redis-tools to run this compatibility test")
	}
	s := startServer(t, cache.Config{})
	_, port, _ := net.SplitHostPort(s.Addr())
	run := func(args ...string) string {
		out, err := exec.Command(path, append([]string{"-p", port}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("redis-cli %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	if got := run("SET", "k", "v"); got != "OK" {
		t.Fatalf("redis-cli SET = %q", got)
	}
	if got := run("GET", "k"); got != "v" {
		t.Fatalf("redis-cli GET = %q", got)
	}
	if got := run("INCRBY", "n", "5"); got != "5" {
		t.Fatalf("redis-cli INCRBY = %q", got)
	}
	// redis-cli --eval: a script file, its keys, a comma, its arguments.
	script := filepath.Join(t.TempDir(), "bump.lua")
	if err := os.WriteFile(script, []byte("return redis.call('incrby', KEYS[1], ARGV[1])\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := run("--eval", script, "n", ",", "10"); got != "15" {
		t.Fatalf("redis-cli --eval = %q", got)
	}
}

func TestInvalidConfig(t *testing.T) {
	_, err := Start(Config{Addr: "127.0.0.1:0", Dir: t.TempDir(), Cache: cache.Config{Hz: -1}})
	if err == nil || !strings.Contains(err.Error(), "hz -1") {
		t.Fatalf("Start with a bad config: %v", err)
	}
}

// go-redis asks for RESP3 with HELLO 3 by default, and gets it.
func TestGoRedisDefaultOptions(t *testing.T) {
	s := startServer(t, cache.Config{})
	c := redis.NewClient(&redis.Options{Addr: s.Addr()})
	defer c.Close()
	ctx := context.Background()
	if err := c.Set(ctx, "a", "1", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if got, err := c.Get(ctx, "a").Result(); err != nil || got != "1" {
		t.Fatalf("GET = %q, %v", got, err)
	}
}

// A client that hangs up while blocked is forgotten at once: its waiter
// must not swallow the next push, and the server must not hang on it.
func TestBlockedClientHangsUp(t *testing.T) {
	s := startServer(t, cache.Config{})
	ctx := context.Background()
	blocked := func() int {
		n := -1
		s.rt.Do(func(h node.Handler) { n = h.(*cache.Node).BlockedClients() })
		return n
	}
	nc, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := nc.Write([]byte("*3\r\n$5\r\nBLPOP\r\n$4\r\njobs\r\n$1\r\n0\r\n")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return blocked() == 1 })
	nc.Close()
	waitFor(t, func() bool { return blocked() == 0 })
	c := newClient(t, s)
	if err := c.RPush(ctx, "jobs", "j").Err(); err != nil {
		t.Fatal(err)
	}
	if n, err := c.LLen(ctx, "jobs").Result(); err != nil || n != 1 {
		t.Fatalf("LLEN after the blocked client left = %d, %v; want 1", n, err)
	}
	// A live blocked client is served: go-redis's BLPOP.
	done := make(chan []string, 1)
	other := newClient(t, s)
	go func() {
		v, _ := other.BLPop(ctx, 5*time.Second, "fresh").Result()
		done <- v
	}()
	waitFor(t, func() bool { return blocked() == 1 })
	if err := c.RPush(ctx, "fresh", "f").Err(); err != nil {
		t.Fatal(err)
	}
	if v := <-done; len(v) != 2 || v[0] != "fresh" || v[1] != "f" {
		t.Fatalf("BLPOP = %v, want [fresh f]", v)
	}
}

// waitFor polls cond until it holds, failing after a real-time deadline.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// With requirepass, go-redis logs in with the password it is given (it
// sends HELLO … AUTH, or AUTH) and is refused without it.
func TestGoRedisWithPassword(t *testing.T) {
	s := startServer(t, cache.Config{RequirePass: "s3cret"})
	ctx := context.Background()
	for _, protocol := range []int{2, 3} {
		c := redis.NewClient(&redis.Options{Addr: s.Addr(), Protocol: protocol, Password: "s3cret"})
		if err := c.Set(ctx, "k", "v", 0).Err(); err != nil {
			t.Fatalf("RESP%d with the password: %v", protocol, err)
		}
		c.Close()
		anon := redis.NewClient(&redis.Options{Addr: s.Addr(), Protocol: protocol, MaxRetries: -1})
		if err := anon.Get(ctx, "k").Err(); err == nil || !strings.Contains(err.Error(), "NOAUTH") {
			t.Errorf("RESP%d without the password: %v, want NOAUTH", protocol, err)
		}
		anon.Close()
		wrong := redis.NewClient(&redis.Options{Addr: s.Addr(), Protocol: protocol, Password: "guess", MaxRetries: -1})
		if err := wrong.Get(ctx, "k").Err(); err == nil || !strings.Contains(err.Error(), "WRONGPASS") {
			t.Errorf("RESP%d with a wrong password: %v, want WRONGPASS", protocol, err)
		}
		wrong.Close()
	}
}

// Until a client authenticates, a request may carry at most 10 arguments
// of at most 16 KiB, as in Redis 7.0; after AUTH, big requests pass, even
// pipelined right behind the AUTH.
func TestUnauthenticatedRequestsAreBounded(t *testing.T) {
	s := startServer(t, cache.Config{RequirePass: "pw"})
	for _, tc := range []struct{ input, want string }{
		{"*100\r\n", "-ERR Protocol error: unauthenticated multibulk length\r\n"},
		{"*1\r\n$100000000\r\n", "-ERR Protocol error: unauthenticated bulk length\r\n"},
		{"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$20000\r\n", "-ERR Protocol error: unauthenticated bulk length\r\n"},
	} {
		if got := rawExchange(t, s, tc.input); got != tc.want {
			t.Errorf("%q: %q, want %q", tc.input, got, tc.want)
		}
	}
	big := strings.Repeat("x", 20000)
	input := "*2\r\n$4\r\nAUTH\r\n$2\r\npw\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$20000\r\n" + big + "\r\n*1\r\n$4\r\nQUIT\r\n"
	if got := rawExchange(t, s, input); got != "+OK\r\n+OK\r\n+OK\r\n" {
		t.Fatalf("AUTH then a 20 KB SET: %q", got)
	}
}
