package cache

import (
	"strings"
	"testing"
	"time"

	"syslab/sim"
)

// subscriberMessages returns the "channel message" pairs pushed to client
// since pushes[from:].
func subscriberMessages(env *testEnv, client string, from int) []string {
	var out []string
	for _, p := range env.pushes[from:] {
		if string(p.to) == client {
			out = append(out, renderMessage(p.push.Value))
		}
	}
	return out
}

func TestEvictionIsNotifiedAndConfigSetMaxmemoryEvictsAtOnce(t *testing.T) {
	n, env := startNode(t, Config{NotifyKeyspaceEvents: "Ee", MaxMemoryPolicy: PolicyAllKeysLRU})
	do(n, env, "sub", "SUBSCRIBE __keyevent@0__:evicted")
	for i := range 4 {
		do(n, env, "c", "SET k:"+pad4(i)+" 0123456789abcdef")
	}
	from := len(env.pushes)
	if got := do(n, env, "c", "CONFIG SET maxmemory "+itoa(int(startupMemoryBytes+2*oneKeyBytes))); got != `"OK"` {
		t.Fatalf("CONFIG SET maxmemory = %s", got)
	}
	// Evicted by CONFIG SET itself, before any other command ran.
	if used := n.usedMemoryBytes(); used > n.cfg.MaxMemoryBytes {
		t.Fatalf("used memory %d over the new limit %d right after CONFIG SET", used, n.cfg.MaxMemoryBytes)
	}
	msgs := subscriberMessages(env, "sub", from)
	if int64(len(msgs)) != n.stats.EvictedKeys || len(msgs) < 2 {
		t.Fatalf("%d keys evicted, subscriber got %q", n.stats.EvictedKeys, msgs)
	}
	for _, m := range msgs {
		if !strings.HasPrefix(m, "__keyevent@0__:evicted k:") {
			t.Fatalf("unexpected message %q", m)
		}
	}
}

func TestActiveExpiryIsNotified(t *testing.T) {
	n, env := startNode(t, Config{NotifyKeyspaceEvents: "Kx"})
	do(n, env, "sub", "PSUBSCRIBE __keyspace@*")
	do(n, env, "c", "SELECT 3")
	do(n, env, "c", "SET k v PX 100")
	from := len(env.pushes)
	env.Advance(2 * time.Second) // the cron's expiry cycle, nobody reading
	if got := subscriberMessages(env, "sub", from); strings.Join(got, ",") != "__keyspace@3__:k expired" {
		t.Fatalf("subscriber got %q", got)
	}
}

// A node with notifications off sends no push for any change, so its
// messages (and a simulation's trace) are those of a node without the
// feature; turning them on is what makes pushes appear.
func TestNotificationsOffSendNothing(t *testing.T) {
	n, env := startNode(t, Config{})
	do(n, env, "sub", "PSUBSCRIBE *")
	from := len(env.pushes)
	for _, line := range []string{"SET a 1", "LPUSH l x", "LPOP l", "EXPIRE a 1", "GET nokey", "RENAME a b"} {
		do(n, env, "c", line)
	}
	env.Advance(2 * time.Second)
	if got := subscriberMessages(env, "sub", from); len(got) != 0 {
		t.Fatalf("notifications off, subscriber got %q", got)
	}
	do(n, env, "c", "CONFIG SET notify-keyspace-events KEA")
	do(n, env, "c", "SET a 1")
	if got := subscriberMessages(env, "sub", from); len(got) != 2 {
		t.Fatalf("notifications on, subscriber got %q", got)
	}
}

func TestNotifyKeyspaceEventsConfigValidates(t *testing.T) {
	if err := (Config{NotifyKeyspaceEvents: "KEA"}).Validate(); err != nil {
		t.Fatalf("KEA: %v", err)
	}
	err := (Config{NotifyKeyspaceEvents: "KEQ"}).Validate()
	if err == nil || !strings.Contains(err.Error(), "notify-keyspace-events") {
		t.Fatalf("KEQ: %v", err)
	}
}

func TestNotifyFlagsFormat(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", ""}, {"KEA", "AKE"}, {"Ag", "A"}, {"Eg$lshzxetdnm", "AEm"}, {"KExm", "xKEm"},
		{"nK", "nK"}, {"AKEmn", "AKEm"}, {"gg", "g"}, {"d", "d"}, {"t", "t"}, {"$lz", "$lz"},
	} {
		flags, ok := parseNotifyFlags(c.in)
		if !ok {
			t.Fatalf("%q did not parse", c.in)
		}
		if got := formatNotifyFlags(flags); got != c.want {
			t.Errorf("%q formats as %q, want %q", c.in, got, c.want)
		}
	}
	for _, bad := range []string{"a", "K E", "KEQ", "\x00", "é"} {
		if _, ok := parseNotifyFlags(bad); ok {
			t.Errorf("%q parsed", bad)
		}
	}
}

// FuzzNotifyFlags checks the notify-keyspace-events parser: it accepts
// exactly the strings of Redis's letters, and its canonical spelling
// parses back to itself.
func FuzzNotifyFlags(f *testing.F) {
	for _, seed := range []string{"", "KEA", "AKEmn", "Kx", "g$lshzxetdnm", "KEQ", "K E", "AAAA", "\xff"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		flags, ok := parseNotifyFlags(s)
		valid := strings.Trim(s, "KEg$lshzxetmdnA") == ""
		if ok != valid {
			t.Fatalf("%q: parsed %v, but valid is %v", s, ok, valid)
		}
		if !ok {
			return
		}
		canonical := formatNotifyFlags(flags)
		again, ok := parseNotifyFlags(canonical)
		if !ok || formatNotifyFlags(again) != canonical {
			t.Fatalf("%q: canonical %q does not round-trip", s, canonical)
		}
		if flags&notifyAll != notifyAll && again != flags {
			t.Fatalf("%q: canonical %q parses to %b, want %b", s, canonical, again, flags)
		}
	})
}

// With notifications on, the pushes are part of the simulation's trace:
// the same seed must give the same trace, expiry and random eviction
// included.
func TestSimKeyspaceNotificationsDeterministic(t *testing.T) {
	run := func(flags string) uint64 {
		cfg := Config{NotifyKeyspaceEvents: flags, MaxMemoryPolicy: PolicyAllKeysRandom, MaxMemoryBytes: startupMemoryBytes + 40*oneKeyBytes}
		h := newSimClients(t, 41, cfg, realDisk, sim.Latency{}, clientID, "subscriber")
		h.sendFrom("subscriber", "PSUBSCRIBE __key*__:*")
		for i := range 60 {
			h.do("SET k:" + pad4(i) + " 0123456789abcdef PX " + itoa(50+i*10))
		}
		h.do("RPUSH l a b c")
		h.do("LMOVE l l2 LEFT RIGHT")
		h.runFor(2 * time.Second) // active expiry
		return h.w.TraceHash()
	}
	on := run("KEA")
	if again := run("KEA"); again != on {
		t.Fatalf("same seed, notifications on: trace %x then %x", on, again)
	}
	if off := run(""); off == on {
		t.Fatal("the trace with notifications on equals the one with them off: no push was traced")
	}
}
