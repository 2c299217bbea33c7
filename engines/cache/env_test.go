package cache

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"syslab/engines/cache/resp"
	"syslab/node"
)

// testEnv is a hand-driven node.Env for unit tests of command logic: the
// clock moves only when the test says so, timers fire in Advance, replies
// are collected. Durability is tested in the simulator (sim_test.go).
type testEnv struct {
	now     time.Time
	rng     *rand.Rand
	timers  []*testTimer
	replies []Reply
	// pushes are the Push messages sent, to any client, in order.
	pushes []sentPush
	// closed are the clients the node asked to disconnect (CLIENT KILL).
	closed []node.ID
	logs   []string
	// messages are what the node sent that is neither a Reply nor a Push;
	// messageTo[i] is where messages[i] went.
	messages  []node.Message
	messageTo []node.ID
	// lastReply is kept even when discardReplies is set (benchmarks).
	lastReply      Reply
	discardReplies bool
}

type sentPush struct {
	to   node.ID
	push Push
}

type testTimer struct {
	at      time.Time
	fn      func()
	stopped bool
}

func (t *testTimer) Stop() bool { was := !t.stopped; t.stopped = true; return was }

func newTestEnv() *testEnv {
	return &testEnv{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), rng: rand.New(rand.NewPCG(1, 2))}
}

func (e *testEnv) Self() node.ID   { return "cache-test" }
func (e *testEnv) Now() time.Time  { return e.now }
func (e *testEnv) Disk() node.Disk { return nil }
func (e *testEnv) Rand() *rand.Rand {
	return e.rng
}
func (e *testEnv) Logf(format string, args ...any) {
	e.logs = append(e.logs, fmt.Sprintf(format, args...))
}
func (e *testEnv) Metrics() node.Metrics { return node.NopMetrics{} }
func (e *testEnv) Send(to node.ID, msg node.Message) {
	if p, ok := msg.(Push); ok {
		e.pushes = append(e.pushes, sentPush{to: to, push: p})
		return
	}
	if _, ok := msg.(CloseConnection); ok {
		e.closed = append(e.closed, to)
		return
	}
	reply, ok := msg.(Reply)
	if !ok {
		e.messages = append(e.messages, msg) // to another node (MigrateAck…)
		e.messageTo = append(e.messageTo, to)
		return
	}
	e.lastReply = reply
	if !e.discardReplies {
		e.replies = append(e.replies, e.lastReply)
	}
}
func (e *testEnv) After(d time.Duration, fn func()) node.Timer {
	t := &testTimer{at: e.now.Add(d), fn: fn}
	e.timers = append(e.timers, t)
	return t
}

// Advance moves the clock by d, firing due timers in time order.
func (e *testEnv) Advance(d time.Duration) {
	end := e.now.Add(d)
	for {
		sort.SliceStable(e.timers, func(i, j int) bool { return e.timers[i].at.Before(e.timers[j].at) })
		if len(e.timers) == 0 || e.timers[0].at.After(end) {
			break
		}
		t := e.timers[0]
		e.timers = e.timers[1:]
		if t.stopped {
			continue
		}
		e.now = t.at
		t.fn()
	}
	e.now = end
}

// startNode starts a node with cfg on a fresh testEnv.
func startNode(t testing.TB, cfg Config) (*Node, *testEnv) {
	t.Helper()
	env := newTestEnv()
	n := New(cfg)().(*Node)
	n.Start(env)
	return n, env
}

// do runs one command given as space-separated words and returns the reply
// rendered like redis-cli.
func do(n *Node, env *testEnv, client node.ID, line string) string {
	args, ok := resp.SplitArgs([]byte(line))
	if !ok {
		panic("bad test command " + line)
	}
	n.Receive(client, Command{Seq: uint64(len(env.replies)), Args: args})
	return env.replies[len(env.replies)-1].Value.String()
}

// script is a sequence of commands with expected replies; "+" after the
// offset means advance the clock first.
type step struct {
	advance time.Duration
	command string
	want    string
}

func runScript(t *testing.T, steps []step) {
	t.Helper()
	n, env := startNode(t, Config{EnableDebugCommand: ProtectedYes})
	for i, s := range steps {
		env.Advance(s.advance)
		got := do(n, env, "client-1", s.command)
		if got != s.want {
			t.Fatalf("step %d %q = %s, want %s", i, s.command, got, s.want)
		}
	}
}

func TestUnknownAndArity(t *testing.T) {
	long := strings.Repeat("x", 200)
	cases := []step{
		{0, "foo a b", `(error) ERR unknown command 'foo', with args beginning with: 'a' 'b' `},
		{0, "foo", `(error) ERR unknown command 'foo', with args beginning with: `},
		{0, "foo " + long, `(error) ERR unknown command 'foo', with args beginning with: '` + strings.Repeat("x", 128) + `' `},
		{0, "GET", `(error) ERR wrong number of arguments for 'get' command`},
		{0, "gEt a b", `(error) ERR wrong number of arguments for 'get' command`},
		{0, "SET k", `(error) ERR wrong number of arguments for 'set' command`},
		{0, "PING a b", `(error) ERR wrong number of arguments for 'ping' command`},
		{0, "ping", `"PONG"`},
		{0, "PING hi", `"hi"`},
		{0, "ECHO hey", `"hey"`},
	}
	runScript(t, cases)
}

// invalidatedKeys lists the keys of the invalidation pushes (RESP3
// tracking) sent to client from env.pushes[since:] on, in order.
func invalidatedKeys(env *testEnv, client node.ID, since int) []string {
	var keys []string
	for _, p := range env.pushes[since:] {
		if p.to != client {
			continue
		}
		for _, k := range p.push.Value.Elems[1].Elems {
			keys = append(keys, string(k.Str))
		}
	}
	return keys
}

// sleepFor runs DEBUG SLEEP for d on client c and lets the virtual
// clock pass it, so the sleeper's reply comes.
func sleepFor(t *testing.T, n *Node, env *testEnv, d time.Duration) {
	t.Helper()
	before := len(env.replies)
	n.Receive("c", Command{Seq: uint64(before), Args: splitLine(t, "DEBUG SLEEP "+strconv.FormatFloat(d.Seconds(), 'f', -1, 64))})
	env.Advance(d)
	if len(env.replies) != before+1 || env.replies[before].Value.String() != `"OK"` {
		t.Fatalf("DEBUG SLEEP %v: replies %v", d, env.replies[before:])
	}
}
