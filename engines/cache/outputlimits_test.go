package cache

import (
	"testing"

	"syslab/node"
)

// CONFIG GET/SET client-output-buffer-limit answer as redis-server's:
// the format, the class names (replica is slave), units, and each error.
func TestOutputLimitsConfigAgreesWithRedis(t *testing.T) {
	compareWithRedis(t, []string{
		"CONFIG GET client-output-buffer-limit",
		`CONFIG SET client-output-buffer-limit "wrong number"`,
		`CONFIG SET client-output-buffer-limit "invalid_class 10mb 10mb 60"`,
		`CONFIG SET client-output-buffer-limit "master 10mb 10mb 60"`,
		`CONFIG SET client-output-buffer-limit "normal 10mbs 10mb 60"`,
		`CONFIG SET client-output-buffer-limit "replica 10mb 10mbs 60"`,
		`CONFIG SET client-output-buffer-limit "pubsub 10mb 10mb 60s"`,
		`CONFIG SET client-output-buffer-limit "pubsub 10mb 10mb -1"`,
		"CONFIG GET client-output-buffer-limit",
		`CONFIG SET client-output-buffer-limit "normal 1mb 2mb 60 replica 3mb 4mb 70 pubsub 5mb 6mb 80"`,
		"CONFIG GET client-output-buffer-limit",
		`CONFIG SET client-output-buffer-limit "PUBSUB 1k 2KB 3 Slave 4g 5 6"`,
		"CONFIG GET client-output-buffer-limit",
		`CONFIG SET client-output-buffer-limit ""`,
		"CONFIG GET client-output-buffer-limit",
		// Back to the defaults: the next protocol's pass shares the server.
		`CONFIG SET client-output-buffer-limit "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60"`,
	})
}

// A connected client hears its class's limits when it connects, when a
// subscription makes it a pubsub client and its last unsubscribe a normal
// one again, and when CONFIG SET changes its class's limits; a simulated
// client, without a connection, hears nothing.
func TestOutputLimitsFollowTheClientsClass(t *testing.T) {
	n, env := startNode(t, Config{})
	limitsSentTo := func(client node.ID, from int) []OutputLimits {
		var got []OutputLimits
		for i, m := range env.messages[from:] {
			if l, ok := m.(OutputLimits); ok && env.messageTo[from+i] == client {
				got = append(got, l)
			}
		}
		return got
	}
	n.Receive("conn-1", Connected{Addr: "10.0.0.1:5000"})
	if got := limitsSentTo("conn-1", 0); len(got) != 1 || got[0] != (OutputLimits{}) {
		t.Fatalf("on connect: %+v, want the normal class's (none)", got)
	}
	mark := len(env.messages)
	do(n, env, "conn-1", "SUBSCRIBE ch")
	do(n, env, "conn-1", "SUBSCRIBE other")
	want := OutputLimits{HardBytes: 32 << 20, SoftBytes: 8 << 20, SoftSeconds: 60}
	if got := limitsSentTo("conn-1", mark); len(got) != 1 || got[0] != want {
		t.Fatalf("after SUBSCRIBE: %+v, want the pubsub class's once", got)
	}
	mark = len(env.messages)
	do(n, env, "admin", `CONFIG SET client-output-buffer-limit "pubsub 1mb 0 0"`)
	if got := limitsSentTo("conn-1", mark); len(got) != 1 || got[0] != (OutputLimits{HardBytes: 1 << 20}) {
		t.Fatalf("after CONFIG SET: %+v", got)
	}
	if got := limitsSentTo("admin", 0); len(got) != 0 {
		t.Fatalf("a simulated client heard limits: %+v", got)
	}
	mark = len(env.messages)
	do(n, env, "conn-1", "UNSUBSCRIBE")
	if got := limitsSentTo("conn-1", mark); len(got) != 1 || got[0] != (OutputLimits{}) {
		t.Fatalf("after UNSUBSCRIBE: %+v, want the normal class's", got)
	}
	n.Receive("conn-1", OutputBuffer{Bytes: 12345})
	if got := do(n, env, "admin", "CLIENT LIST ID 1"); !contains(got, "omem=12345 tot-mem=12345 ") {
		t.Fatalf("CLIENT LIST after an OutputBuffer report: %s", got)
	}
	if got := do(n, env, "admin", "INFO clients"); !contains(got, "client_recent_max_output_buffer:12345") {
		t.Fatalf("INFO clients: %s", got)
	}
}

// A random-members command asked for more than a client may hold stops
// early: a connected client is closed unanswered, as Redis closes it
// mid-run; a client without a connection gets an error. Neither makes the
// node build the whole reply.
func TestHugeRandomCountStopsAtTheOutputLimit(t *testing.T) {
	n, env := startNode(t, Config{})
	do(n, env, "admin", "HSET h a b")
	do(n, env, "admin", "SADD s m")
	do(n, env, "admin", "ZADD z 1 m")
	for _, line := range []string{"HRANDFIELD h -999999999", "SRANDMEMBER s -999999999", "ZRANDMEMBER z -999999999"} {
		if got := do(n, env, "admin", line); got != "(error) ERR the reply would pass the client's output buffer limit" {
			t.Errorf("%s from a simulated client = %s", line, got)
		}
	}
	n.Receive("conn-1", Connected{Addr: "10.0.0.1:5000"})
	do(n, env, "admin", `CONFIG SET client-output-buffer-limit "normal 1000000 0 0"`)
	replies := len(env.replies)
	do(n, env, "conn-1", "HRANDFIELD h -999999999")
	if last := env.replies[len(env.replies)-1]; len(env.replies) != replies+1 || !last.Silent {
		t.Fatalf("the connected client's reply: %+v, want one, not written", last)
	}
	if len(env.closed) == 0 || env.closed[len(env.closed)-1] != "conn-1" {
		t.Fatalf("the connected client was not closed: %v", env.closed)
	}
	if got := do(n, env, "admin", "HRANDFIELD h -3"); got != `["a" "a" "a"]` {
		t.Fatalf("a small count: %s", got)
	}
}

// Config sets the limits a node starts with, over Redis's defaults, and
// Validate refuses what CONFIG SET would.
func TestOutputLimitsFromConfig(t *testing.T) {
	n, env := startNode(t, Config{ClientOutputBufferLimit: "pubsub 64mb 16mb 90"})
	if got := do(n, env, "c", "CONFIG GET client-output-buffer-limit"); got != `["client-output-buffer-limit" "normal 0 0 0 slave 268435456 67108864 60 pubsub 67108864 16777216 90"]` {
		t.Fatalf("CONFIG GET = %s", got)
	}
	err := Config{ClientOutputBufferLimit: "pubsub 1x 2 3"}.Validate()
	if err == nil || !contains(err.Error(), "Error in hard, soft or soft_seconds setting") {
		t.Fatalf("Validate of a bad limit: %v", err)
	}
}

// Without a class limit, a count whose reply values alone would take
// more than the 1 GB bound is refused before anything is built; a large
// count under it is served.
func TestRandomCountBoundedByNodeMemory(t *testing.T) {
	n, env := startNode(t, Config{})
	do(n, env, "admin", "SADD s m")
	if got := do(n, env, "admin", "SRANDMEMBER s -20000000"); got != "(error) ERR the reply would pass the client's output buffer limit" {
		t.Fatalf("SRANDMEMBER s -20000000 = %.80s", got)
	}
	if got := do(n, env, "admin", "SRANDMEMBER s -100000"); !contains(got, `"m" "m"`) {
		t.Fatalf("SRANDMEMBER s -100000 = %.80s", got)
	}
}
