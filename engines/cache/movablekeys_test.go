package cache

import (
	"slices"
	"strings"
	"testing"

	"syslab/node"
)

func TestMovableKeysAreFound(t *testing.T) {
	cases := []struct {
		line string
		want string // keys joined by spaces; "" for none
	}{
		{"LMPOP 2 a b LEFT", "a b"},
		{"LMPOP 1 a RIGHT COUNT 3", "a"},
		{"LMPOP 3 a LEFT", ""}, // numkeys beyond the arguments
		{"LMPOP 0 a LEFT", ""},
		{"LMPOP x a LEFT", ""},
		{"BLMPOP 0 2 a b LEFT", "a b"},
		{"BLMPOP 0 -1 a b LEFT", ""},
		{"SINTERCARD 3 a b c LIMIT 1", "a b c"},
		{"ZUNION 2 a b WEIGHTS 1 2", "a b"},
		{"ZINTER 1 a", "a"},
		{"ZDIFF 2 a b WITHSCORES", "a b"},
		{"ZINTERCARD 2 a b", "a b"},
		{"ZUNIONSTORE d 2 a b", "d a b"},
		{"ZINTERSTORE d 1 a WEIGHTS 2", "d a"},
		{"ZDIFFSTORE d 2 a b", "d a b"},
		{"ZUNIONSTORE d 3 a b", ""},
		{"ZUNIONSTORE d 0 a", ""},
		// Legacy key specs still work.
		{"MSET a 1 b 2", "a b"},
		{"BLPOP a b 0", "a b"},
		{"GET a", "a"},
	}
	for _, tc := range cases {
		args := splitLine(t, tc.line)
		spec := lookupCommand(args[0])
		var got []string
		for _, k := range spec.keys(args) {
			got = append(got, string(k))
		}
		if strings.Join(got, " ") != tc.want {
			t.Errorf("keys of %q = %q, want %q", tc.line, got, tc.want)
		}
	}
}

// Every reader of a command's keys sees movable keys: a WATCH is broken
// by LMPOP, ZUNIONSTORE and BLMPOP on the watched key.
func TestWatchSeesMovableKeyWrites(t *testing.T) {
	for _, write := range []string{"LMPOP 2 other k LEFT", "BLMPOP 0 2 other k RIGHT", "ZUNIONSTORE k 1 z", "ZINTERSTORE k 1 z", "ZDIFFSTORE k 1 z"} {
		n, env := startNode(t, Config{})
		expect := func(client node.ID, line, want string) {
			t.Helper()
			if got := do(n, env, client, line); got != want {
				t.Fatalf("%s: %s = %s, want %s", client, line, got, want)
			}
		}
		if strings.HasPrefix(write, "Z") {
			expect("a", "ZADD z 1 m", "(integer) 1")
		} else {
			expect("a", "RPUSH k x y", "(integer) 2")
		}
		expect("a", "WATCH k", `"OK"`)
		do(n, env, "b", write)
		expect("a", "MULTI", `"OK"`)
		expect("a", "PING", `"QUEUED"`)
		expect("a", "EXEC", "(nil)")
	}
}

// A tracking client that read keys with ZUNION or SINTERCARD is told when
// one of them changes.
func TestTrackingRemembersMovableKeys(t *testing.T) {
	n, env := startNode(t, Config{})
	do(n, env, "reader", "HELLO 3")
	do(n, env, "reader", "CLIENT TRACKING on")
	do(n, env, "writer", "ZADD z2 1 m")
	do(n, env, "writer", "SADD s2 m")
	do(n, env, "reader", "ZUNION 2 z1 z2")
	do(n, env, "reader", "SINTERCARD 2 s1 s2")
	before := len(env.pushes)
	do(n, env, "writer", "ZADD z2 2 m2")
	do(n, env, "writer", "SADD s1 m")
	invalidated := invalidatedKeys(env, "reader", before)
	if !slices.Equal(invalidated, []string{"z2", "s1"}) {
		t.Fatalf("invalidated %q, want [z2 s1]", invalidated)
	}
}

// Memory accounting follows a collection that a movable-key command
// changed in place.
func TestMemoryFollowsMovableKeyWrites(t *testing.T) {
	n, env := startNode(t, Config{})
	do(n, env, "a", "RPUSH k "+strings.Repeat("element ", 200))
	do(n, env, "a", "LMPOP 1 k LEFT COUNT 150")
	do(n, env, "a", "ZADD z 1 a 2 b 3 c")
	do(n, env, "a", "ZADD d 1 "+strings.Repeat("x", 500))
	do(n, env, "a", "ZINTERSTORE d 1 z")
	if got, want := n.keysMemoryBytes(), recount(n); got != want {
		t.Fatalf("accounted %d bytes, a recount finds %d", got, want)
	}
}

func BenchmarkMovableKeys(b *testing.B) {
	args := splitLine(b, "ZUNION 3 a b c WEIGHTS 1 2 3")
	spec := lookupCommand(args[0])
	b.ReportAllocs()
	for b.Loop() {
		if len(spec.keys(args)) != 3 {
			b.Fatal("wrong keys")
		}
	}
}

// MIGRATE is another helper's command; its key finder is here, checked
// against what redis-server's COMMAND GETKEYS answers.
func TestMigrateKeysAgreeWithRedis(t *testing.T) {
	real := startRedisServer(t).dial()
	for _, line := range []string{
		`MIGRATE h 1 k 0 5000`, `MIGRATE h 1 k 0 5000 COPY REPLACE`, `MIGRATE h 1 "" 0 5000 KEYS a b`,
		`MIGRATE h 1 "" 0 5000 AUTH keys KEYS a`, `MIGRATE h 1 "" 0 5000 AUTH2 u keys KEYS c d e`,
		`MIGRATE h 1 "" 0 5000 COPY KEYS a`, `MIGRATE h 1 k 0 5000 KEYS a`,
	} {
		args := splitLine(t, line)
		var want []string
		for _, v := range real.do(append([][]byte{[]byte("COMMAND"), []byte("GETKEYS")}, args...)...).Elems {
			want = append(want, string(v.Str))
		}
		var got []string
		for _, k := range migrateKeys(args) {
			got = append(got, string(k))
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: keys %q, Redis %q", line, got, want)
		}
	}
}
