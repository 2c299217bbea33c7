package cache

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"syslab/engines/cache/resp"
	"syslab/node"
	"syslab/sim"
)

func TestGlobMatchForPatterns(t *testing.T) {
	cases := []struct {
		pattern, s string
		want       bool
	}{
		// stringmatchlen never matches an empty string against "*"; KEYS
		// and SCAN special-case the lone "*" pattern before calling it.
		{"*", "", false}, {"*", "abc", true}, {"a*", "abc", true}, {"a*c", "abc", true},
		{"a*d", "abc", false}, {"?", "a", true}, {"?", "", false}, {"??", "a", false},
		{"h[ae]llo", "hello", true}, {"h[ae]llo", "hillo", false}, {"h[^e]llo", "hallo", true},
		{"h[^e]llo", "hello", false}, {"h[a-b]llo", "hbllo", true}, {"h[b-a]llo", "hbllo", true},
		{"h[a-b]llo", "hcllo", false}, {`h\*llo`, "h*llo", true}, {`h\*llo`, "hello", false},
		{"[]", "a", false}, {"[abc", "b", true}, {"[abc", "bx", false}, {`[\]]`, "]", true},
		{`\`, `\`, true}, {"a**b", "ab", true}, {"**", "x", true}, {"a*", "", false},
		{"*a", "ba", true}, {"news.*", "news.art", true}, {"news.*", "new", false},
		{"", "", true}, {"", "a", false}, {"a[", "a", false},
		{strings.Repeat("a*", 30) + "b", strings.Repeat("a", 60), false}, // no exponential backtracking
	}
	for _, tc := range cases {
		if got := globMatch([]byte(tc.pattern), []byte(tc.s)); got != tc.want {
			t.Errorf("globMatch(%q, %q) = %v, want %v", tc.pattern, tc.s, got, tc.want)
		}
	}
}

// Fan-out follows subscription order, whatever the clients' names.
func TestPublishOrderIsSubscriptionOrder(t *testing.T) {
	n, env := startNode(t, Config{})
	for _, c := range []node.ID{"z", "m", "a"} {
		do(n, env, c, "SUBSCRIBE ch")
	}
	do(n, env, "p2", "PSUBSCRIBE c*")
	do(n, env, "p1", "PSUBSCRIBE *h")
	env.pushes = nil
	if got := do(n, env, "pub", "PUBLISH ch hi"); got != "(integer) 5" {
		t.Fatalf("PUBLISH = %s", got)
	}
	var order []string
	for _, p := range env.pushes {
		order = append(order, string(p.to))
	}
	if got := strings.Join(order, ","); got != "z,m,a,p2,p1" {
		t.Fatalf("delivery order %s, want z,m,a,p2,p1", got)
	}
	// A disconnected subscriber is forgotten.
	n.Receive("m", Disconnected{})
	if got := do(n, env, "pub", "PUBSUB NUMSUB ch"); got != `["ch" (integer) 2]` {
		t.Fatalf("NUMSUB after disconnect = %s", got)
	}
}

// The tracking table is bounded by tracking-table-max-keys: before each
// command (and in the cron) random keys are invalidated early and
// forgotten, at most 100 per try and 100 more for each try in a row that
// ended over the bound, as Redis does.
func TestTrackingTableIsBounded(t *testing.T) {
	n, env := startNode(t, Config{})
	do(n, env, "a", "HELLO 3")
	do(n, env, "a", "CLIENT TRACKING ON")
	for i := range 250 {
		n.rememberKey([]byte("k"+itoa(i)), n.session("a").id)
	}
	if got := do(n, env, "admin", "CONFIG SET tracking-table-max-keys 5"); got != `"OK"` {
		t.Fatalf("CONFIG SET tracking-table-max-keys = %s", got)
	}
	if got := n.tracking.keys.Len(); got != 250 {
		t.Fatalf("the new bound applied at once: %d keys left, want 250 until the next command", got)
	}
	do(n, env, "admin", "PING") // effort 100: 150 left, over the bound
	if got := n.tracking.keys.Len(); got != 150 {
		t.Fatalf("after one try %d keys left, want 150", got)
	}
	env.Advance(time.Second) // the cron tries again with effort 200
	if got := n.tracking.keys.Len(); got != 5 || len(env.pushes) != 245 {
		t.Fatalf("after the cron: %d keys left and %d invalidations, want 5 and 245", got, len(env.pushes))
	}
	if got := do(n, env, "admin", "INFO stats"); !strings.Contains(got, `tracking_total_keys:5\r\ntracking_total_items:5\r\n`) {
		t.Fatalf("INFO stats tracking fields wrong: %s", got)
	}
	do(n, env, "a", "CLIENT TRACKING OFF")
	if n.tracking.keys != nil || n.tracking.items != 0 {
		t.Fatal("the table outlived its last tracking client")
	}
}

// pushRecorder is a sim client that records replies and pushes in order.
type pushRecorder struct{ log []string }

func (r *pushRecorder) Start(node.Env) {}
func (r *pushRecorder) Receive(_ node.ID, msg node.Message) {
	switch m := msg.(type) {
	case Reply:
		r.log = append(r.log, fmt.Sprintf("reply %d %s%v", m.Seq, m.Value, m.More))
	case Push:
		r.log = append(r.log, "push "+m.Value.String())
	}
}

// In the simulator: pub/sub and invalidations between two clients, the
// same transcript for the same seed, and a restart forgets subscriptions
// and tracking (they live in memory, like Redis's) while the data written
// with AOF on comes back.
func TestSimPubSubAndTracking(t *testing.T) {
	run := func() string {
		w := sim.New(sim.Config{Seed: 5, Network: sim.LinkConfig{Latency: sim.Latency{Kind: "constant", Mean: time.Millisecond}}})
		a, b := &pushRecorder{}, &pushRecorder{}
		w.AddNode(cacheID, New(Config{AppendOnly: true, AppendFsync: FsyncAlways}))
		w.AddNode("a", func() node.Handler { return a })
		w.AddNode("b", func() node.Handler { return b })
		w.Run(0)
		seq := uint64(0)
		send := func(from node.ID, line string) {
			args, _ := resp.SplitArgs([]byte(line))
			seq++
			w.Send(from, cacheID, Command{Seq: seq, Args: args})
			w.Run(w.Now() + 10*time.Millisecond)
		}
		send("a", "HELLO 3")
		send("a", "CLIENT TRACKING ON")
		send("a", "SUBSCRIBE news")
		send("b", "SET k v1")
		send("a", "GET k")
		send("b", "SET k v2")
		send("b", "PUBLISH news hello")
		w.Crash(cacheID)
		w.Restart(cacheID)
		w.Run(w.Now() + 10*time.Millisecond)
		send("b", "PUBLISH news after-restart")
		send("a", "GET k")
		return strings.Join(a.log, "\n") + "\n--\n" + strings.Join(b.log, "\n")
	}
	got := run()
	// Sequence numbers: 1-3 a's setup, 4 b SET, 5 a GET, 6 b SET (the
	// invalidation), 7 PUBLISH, 8 PUBLISH after the restart (nobody is
	// subscribed any more), 9 GET of the value the AOF kept.
	want := `reply 1 ["server" "redis" "version" "7.0.15" "proto" (integer) 3 "id" (integer) 1 "mode" "standalone" "role" "master" "modules" []][]
reply 2 "OK"[]
reply 3 ["subscribe" "news" (integer) 1][]
reply 5 "v1"[]
push ["invalidate" ["k"]]
push ["message" "news" "hello"]
reply 9 "v2"[]
--
reply 4 "OK"[]
reply 6 "OK"[]
reply 7 (integer) 1[]
reply 8 (integer) 0[]`
	if got != want {
		t.Fatalf("transcript:\n%s\nwant:\n%s", got, want)
	}
	if again := run(); again != got {
		t.Fatalf("same seed, different transcripts:\n%s\n---\n%s", got, again)
	}
}
