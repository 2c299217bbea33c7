package cache

import (
	"testing"
	"time"
)

// A BCAST client hears of a write before the node answers anything it
// sends next, as Redis flushes BCAST invalidations in beforeSleep: the
// invalidation goes out when the write's message is done, not on a later
// timer (Redis's unit/tracking: switching from default mode to BCAST).
func TestBcastInvalidationPrecedesTheNextReply(t *testing.T) {
	n, env := startNode(t, Config{})
	do(n, env, "b", "SET key1 1")
	do(n, env, "a", "HELLO 3")
	do(n, env, "a", "CLIENT TRACKING ON")
	do(n, env, "a", "GET key1")
	do(n, env, "a", "CLIENT TRACKING OFF")
	do(n, env, "a", "CLIENT TRACKING ON BCAST")
	pushesBefore := len(env.pushes)
	do(n, env, "b", "INCR key1") // no timer runs between the two commands
	if got := len(env.pushes) - pushesBefore; got != 1 {
		t.Fatalf("after INCR: %d pushes, want the one invalidation", got)
	}
	if p := env.pushes[len(env.pushes)-1]; p.to != "a" || p.push.Value.String() != `["invalidate" ["key1"]]` {
		t.Fatalf("push to %s: %s", p.to, p.push.Value.String())
	}
	if got := do(n, env, "a", "PING"); got != `"PONG"` {
		t.Fatalf("PING = %s", got)
	}
	env.Advance(0) // nothing is left for a later timer to send
	if got := len(env.pushes) - pushesBefore; got != 1 {
		t.Fatalf("after the timer: %d pushes, want still 1", got)
	}
}

// A key the active expiry cycle deletes (a timer's work, not a message's)
// still reaches BCAST clients, by a timer of its own.
func TestBcastInvalidationForAnExpiredKey(t *testing.T) {
	n, env := startNode(t, Config{})
	do(n, env, "a", "HELLO 3")
	do(n, env, "a", "CLIENT TRACKING ON BCAST")
	do(n, env, "b", "SET gone 1 PX 50")
	pushesBefore := len(env.pushes)
	env.Advance(2 * time.Second) // cron ticks run the active expiry cycle
	if got := len(env.pushes) - pushesBefore; got != 1 {
		t.Fatalf("after expiry: %d pushes, want 1", got)
	}
	if p := env.pushes[len(env.pushes)-1]; p.to != "a" || p.push.Value.String() != `["invalidate" ["gone"]]` {
		t.Fatalf("push to %s: %s", p.to, p.push.Value.String())
	}
}
