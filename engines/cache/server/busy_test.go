package server

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"syslab/engines/cache"
	"syslab/engines/cache/resp"
	"syslab/live"
	"syslab/node"
)

// Redis's words for a timed-out script (replies compared with
// redis-server 7.0 by hand: the comparison harness cannot hold a script
// running while it asks the other server).
const (
	busyEval       = "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE."
	busyFunction   = "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE."
	scriptKilled   = "ERR Script killed by user with SCRIPT KILL..."
	scriptUnkilled = "UNKILLABLE Sorry the script already executed write commands against the dataset."
)

// startBusyScript runs command on a connection of its own and waits
// until the server answers other clients BUSY; the channel gets the
// command's outcome.
func startBusyScript(t *testing.T, s *Server, other *redis.Client, command ...any) <-chan error {
	t.Helper()
	ctx := context.Background()
	if err := other.ConfigSet(ctx, "lua-time-limit", "20").Err(); err != nil {
		t.Fatal(err)
	}
	caller := redis.NewClient(&redis.Options{Addr: s.Addr(), Protocol: 2, ReadTimeout: -1})
	t.Cleanup(func() { caller.Close() })
	done := make(chan error, 1)
	go func() { done <- caller.Do(ctx, command...).Err() }()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		err := other.Ping(ctx).Err()
		if err != nil && strings.HasPrefix(err.Error(), "BUSY") {
			return done
		}
		if time.Now().After(deadline) {
			t.Fatalf("no BUSY within 10 s of %v (last PING: %v)", command, err)
		}
	}
}

func wantError(t *testing.T, what string, err error, prefix string) {
	t.Helper()
	if err == nil || !strings.HasPrefix(err.Error(), prefix) {
		t.Fatalf("%s: %v, want %q…", what, err, prefix)
	}
}

// A script past lua-time-limit keeps the node, but other clients are
// served meanwhile: BUSY for their commands, and SCRIPT KILL stops it.
func TestTimedOutScriptIsKilledBySCRIPTKILL(t *testing.T) {
	s := startServer(t, cache.Config{})
	ctx := context.Background()
	c := newClient(t, s)
	done := startBusyScript(t, s, c, "EVAL", "local f = function() while true do end end while true do pcall(f) end", "0")

	wantError(t, "PING", c.Ping(ctx).Err(), busyEval)
	wantError(t, "GET", c.Get(ctx, "k").Err(), busyEval)
	wantError(t, "FUNCTION KILL of an EVAL", c.Do(ctx, "FUNCTION", "KILL").Err(), busyEval)
	wantError(t, "FUNCTION STATS during an EVAL", c.Do(ctx, "FUNCTION", "STATS").Err(), busyEval)
	// A new connection is served too (redis-cli's way).
	fresh := newClient(t, s)
	wantError(t, "PING on a new connection", fresh.Ping(ctx).Err(), busyEval)
	if err := c.Do(ctx, "SCRIPT", "KILL").Err(); err != nil {
		t.Fatalf("SCRIPT KILL: %v", err)
	}
	wantError(t, "the killed script's reply (pcall cannot catch it)", <-done, scriptKilled)
	if err := c.Ping(ctx).Err(); err != nil {
		t.Fatalf("PING after the kill: %v", err)
	}
	wantError(t, "SCRIPT KILL with none running", c.Do(ctx, "SCRIPT", "KILL").Err(), "NOTBUSY No scripts in execution right now.")
}

// A script that wrote cannot be undone, so it cannot be killed; SHUTDOWN
// NOSAVE (and only that SHUTDOWN) ends it with the server.
func TestScriptThatWroteIsUnkillable(t *testing.T) {
	s := startServer(t, cache.Config{})
	ctx := context.Background()
	c := newClient(t, s)
	startBusyScript(t, s, c, "EVAL", "redis.call('set', KEYS[1], 'y') while true do end", "1", "x")

	wantError(t, "SCRIPT KILL", c.Do(ctx, "SCRIPT", "KILL").Err(), scriptUnkilled)
	wantError(t, "SHUTDOWN", c.Do(ctx, "SHUTDOWN").Err(), busyEval)
	dialRaw(t, s).send(t, []string{"SHUTDOWN", "NOSAVE"}) // no reply: the connection closes
	select {
	case <-s.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("SHUTDOWN NOSAVE did not stop the server within 10 s")
	}
}

// FCALL times out the same way; FUNCTION KILL stops it, FUNCTION STATS
// names it, SCRIPT KILL refuses it.
func TestTimedOutFunctionIsKilledByFUNCTIONKILL(t *testing.T) {
	s := startServer(t, cache.Config{})
	ctx := context.Background()
	c := newClient(t, s)
	lib := "#!lua name=lib\nredis.register_function('spin', function() while true do end end)"
	if err := c.FunctionLoad(ctx, lib).Err(); err != nil {
		t.Fatal(err)
	}
	done := startBusyScript(t, s, c, "FCALL", "spin", "0")

	wantError(t, "PING", c.Ping(ctx).Err(), busyFunction)
	wantError(t, "SCRIPT KILL of a function", c.Do(ctx, "SCRIPT", "KILL").Err(), busyFunction)
	stats, err := c.Do(ctx, "FUNCTION", "STATS").Slice()
	if err != nil || len(stats) < 2 {
		t.Fatalf("FUNCTION STATS: %v, %v", stats, err)
	}
	running, ok := stats[1].([]any)
	if !ok || len(running) != 6 || running[0] != "name" || running[1] != "spin" || running[2] != "command" {
		t.Fatalf("FUNCTION STATS running_script: %#v", stats[1])
	}
	if command, ok := running[3].([]any); !ok || len(command) != 3 || command[0] != "FCALL" || command[1] != "spin" {
		t.Fatalf("running_script command: %#v", running[3])
	}
	if err := c.Do(ctx, "FUNCTION", "KILL").Err(); err != nil {
		t.Fatalf("FUNCTION KILL: %v", err)
	}
	wantError(t, "the killed function's reply", <-done, scriptKilled)
}

// What the script's caller pipelined behind it waits for it and is
// answered normally; a transaction that met BUSY is aborted.
func TestTimedOutScriptKeepsCommandOrder(t *testing.T) {
	s := startServer(t, cache.Config{})
	ctx := context.Background()
	c := newClient(t, s)
	if err := c.ConfigSet(ctx, "lua-time-limit", "20").Err(); err != nil {
		t.Fatal(err)
	}
	caller := dialRaw(t, s)
	caller.send(t, []string{"EVAL", "while true do end", "0"}, []string{"PING"})
	tx := dialRaw(t, s)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if err := c.Ping(ctx).Err(); err != nil && strings.HasPrefix(err.Error(), "BUSY") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no BUSY within 10 s")
		}
	}
	tx.send(t, []string{"MULTI"}, []string{"SET", "k", "v"}, []string{"EXEC"})
	tx.expect(t, resp.OK.String())
	tx.expect(t, resp.Err(busyEval).String())
	// EXEC itself meets BUSY: the transaction is discarded with its reason.
	tx.expect(t, resp.Err("EXECABORT Transaction discarded because of: "+busyEval).String())
	if err := c.Do(ctx, "SCRIPT", "KILL").Err(); err != nil {
		t.Fatalf("SCRIPT KILL: %v", err)
	}
	v, err := caller.rd.ReadReply()
	if err != nil || !strings.Contains(v.String(), "Script killed by user") {
		t.Fatalf("the script's reply: %v, %v", v, err)
	}
	caller.expect(t, resp.Simple("PONG").String())
	if n, err := c.Exists(ctx, "k").Result(); err != nil || n != 0 {
		t.Fatalf("EXISTS k after the aborted transaction: %d, %v", n, err)
	}
}

// Closing the server ends a timed-out script instead of waiting for it
// forever (Redis, told to shut down during one, stops it too) — also
// while one of the server's goroutines waits for the node, as the process
// reporter does each second.
func TestCloseEndsATimedOutScript(t *testing.T) {
	s := startServer(t, cache.Config{})
	c := newClient(t, s)
	startBusyScript(t, s, c, "EVAL", "while true do end", "0")
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.rt.Handle(processReporter, cache.ProcessStats{})
	}()
	closed := make(chan struct{})
	go func() {
		s.Close()
		close(closed)
	}()
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not return within 10 s of a script running forever")
	}
}

// Commands handed to the node in the same Round as the script's (read in
// the same turn of the loop) are answered BUSY once it times out, not held
// behind it where SCRIPT KILL could never reach. Driven through the live
// runtime directly, so that the round is certain: WhileBusy stands for
// the loop, and sends SCRIPT KILL the first time it is asked to serve.
func TestTimedOutScriptAnswersTheRestOfItsRound(t *testing.T) {
	var rt *live.Runtime
	served := 0
	rt, err := live.New(live.Config{Self: "node", Dir: t.TempDir(), WhileBusy: func(handling node.ID) bool {
		if served++; served == 1 {
			rt.HandleNested("admin", &cache.Command{Seq: 2, Args: [][]byte{[]byte("SCRIPT"), []byte("KILL")}})
		}
		return false
	}}, cache.New(cache.Config{}))
	if err != nil {
		t.Fatal(err)
	}
	if err := rt.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Stop() })
	var mu sync.Mutex
	replies := map[node.ID][]string{}
	for _, id := range []node.ID{"caller", "other", "admin"} {
		rt.Attach(id, func(msg node.Message) {
			if r, ok := msg.(cache.Reply); ok {
				mu.Lock()
				replies[id] = append(replies[id], r.Value.String())
				mu.Unlock()
			}
		})
	}
	args := func(words ...string) [][]byte {
		out := make([][]byte, len(words))
		for i, w := range words {
			out[i] = []byte(w)
		}
		return out
	}
	rt.Handle("admin", &cache.Command{Seq: 1, Args: args("CONFIG", "SET", "lua-time-limit", "1")})
	rt.Handle("caller", &cache.Round{
		{Client: "caller", Commands: cache.Commands{{Seq: 1, Args: args("EVAL", "while true do end", "0")}}},
		{Client: "other", Commands: cache.Commands{{Seq: 1, Args: args("PING")}}},
	})
	mu.Lock()
	defer mu.Unlock()
	if got, want := replies["other"], []string{resp.Err(busyEval).String()}; !slices.Equal(got, want) {
		t.Errorf("the round's other client got %q, want %q", got, want)
	}
	if got := replies["admin"]; len(got) != 2 || got[1] != resp.OK.String() {
		t.Errorf("admin got %q, want OK for CONFIG SET and for SCRIPT KILL", got)
	}
	if got := replies["caller"]; len(got) != 1 || !strings.Contains(got[0], "Script killed by user") {
		t.Errorf("the script's caller got %q, want the killed script's error", got)
	}
}
