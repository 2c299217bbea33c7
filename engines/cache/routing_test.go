package cache

import (
	"errors"
	"fmt"
	"testing"

	"syslab/engines/cache/cluster"
	"syslab/node"
)

// fakeRouter is a cluster state reduced to a table: slots not in routes
// are unassigned.
type fakeRouter struct {
	routes  map[int]cluster.Route
	serving error
	// otherSlots is the route of every slot not in routes (zero: unowned).
	otherSlots cluster.Route
}

func (f *fakeRouter) Route(slot int) cluster.Route {
	if r, ok := f.routes[slot]; ok {
		return r
	}
	return f.otherSlots
}
func (f *fakeRouter) Serving() error { return f.serving }

var (
	peerMe     = cluster.Peer{Name: "me", Addr: "10.0.0.1:7000", Bus: "cache-1"}
	peerOther  = cluster.Peer{Name: "other", Addr: "10.0.0.2:7001", Bus: "cache-2"}
	slotA      = cluster.KeySlot([]byte("a"))
	slotB      = cluster.KeySlot([]byte("b"))
	routeMine  = cluster.Route{Owner: peerMe, Mine: true}
	routeOther = cluster.Route{Owner: peerOther}
)

func TestRouting(t *testing.T) {
	movedA := fmt.Sprintf("(error) MOVED %d %s", slotA, peerOther.Addr)
	askA := fmt.Sprintf("(error) ASK %d %s", slotA, peerOther.Addr)
	migratingA := cluster.Route{Owner: peerMe, Mine: true, MigratingTo: peerOther}
	importingA := cluster.Route{Owner: peerOther, Importing: true}
	replicaA := cluster.Route{Owner: peerOther, ReplicaOfOwner: true}
	cases := []struct {
		name     string
		routes   map[int]cluster.Route
		serving  error
		readonly bool
		// setup runs without routing; steps run routed, each with its reply.
		setup []string
		steps [][2]string
	}{
		{name: "served when mine", routes: map[int]cluster.Route{slotA: routeMine},
			steps: [][2]string{{"SET {a}1 x", `"OK"`}, {"GET {a}1", `"x"`}}},
		{name: "moved when another owns it", routes: map[int]cluster.Route{slotA: routeOther},
			steps: [][2]string{{"GET {a}1", movedA}, {"SET {a}1 x", movedA}}},
		{name: "keys across slots", routes: map[int]cluster.Route{slotA: routeMine, slotB: routeMine},
			steps: [][2]string{{"MGET {a}1 {b}1", "(error) " + errCrossSlot}, {"MGET {a}1 {a}2", "[(nil) (nil)]"},
				{"ZUNIONSTORE {a}d 2 {a}1 {b}1", "(error) " + errCrossSlot},
				{"ZUNIONSTORE {b}d 2 {a}1 {a}2", "(error) " + errCrossSlot},
				{"LMPOP 2 {a}1 {b}1 LEFT", "(error) " + errCrossSlot},
				{"SINTERCARD 2 {a}1 {a}2", "(integer) 0"},
				{"MEMORY USAGE {b}1", "(nil)"}}},
		{name: "unassigned slot", routes: map[int]cluster.Route{},
			steps: [][2]string{{"GET {a}1", "(error) " + errSlotUnbound}, {"PING", `"PONG"`},
				{"MGET {a}1 {b}1", "(error) " + errSlotUnbound}}}, // reported at the first key, as Redis
		{name: "cluster down refuses keyed commands only", routes: map[int]cluster.Route{slotA: routeMine},
			serving: errors.New("CLUSTERDOWN The cluster is down"),
			steps:   [][2]string{{"GET {a}1", "(error) CLUSTERDOWN The cluster is down"}, {"PING", `"PONG"`}, {"DBSIZE", "(integer) 0"}}},
		{name: "cluster down without a code", routes: map[int]cluster.Route{slotA: routeMine},
			serving: errors.New("The cluster is down and only accepts read commands"),
			steps:   [][2]string{{"SET {a}1 x", "(error) CLUSTERDOWN The cluster is down and only accepts read commands"}}},
		{name: "migrating: present keys are served, a missing one is asked for", routes: map[int]cluster.Route{slotA: migratingA},
			setup: []string{"SET {a}1 x", "SET {a}2 y"},
			steps: [][2]string{{"GET {a}1", `"x"`}, {"GET {a}9", askA}, {"MGET {a}1 {a}2", `["x" "y"]`},
				{"MGET {a}1 {a}9", askA}, {"MGET {a}9 {a}9", askA},
				{"MIGRATE host 1 {a}9 0 10", `"NOKEY"`}}},
		{name: "importing needs ASKING, for one command", routes: map[int]cluster.Route{slotA: importingA},
			setup: []string{"SET {a}1 x"},
			steps: [][2]string{{"GET {a}1", movedA}, {"ASKING", `"OK"`}, {"GET {a}1", `"x"`}, {"GET {a}1", movedA},
				{"ASKING", `"OK"`}, {"PING", `"PONG"`}, {"GET {a}1", movedA},
				{"ASKING", `"OK"`}, {"ASKING", `"OK"`}, {"SET {a}2 y", `"OK"`},
				{"ASKING", `"OK"`}, {"MGET {a}1 {a}3", "(error) " + errTryAgain},
				{"ASKING", `"OK"`}, {"MGET {a}1 {a}2", `["x" "y"]`}}},
		{name: "ASKING lasts through a transaction", routes: map[int]cluster.Route{slotA: importingA},
			setup: []string{"SET {a}1 x"},
			steps: [][2]string{{"ASKING", `"OK"`}, {"MULTI", `"OK"`}, {"GET {a}1", `"QUEUED"`}, {"APPEND {a}1 y", `"QUEUED"`},
				{"EXEC", `["x" (integer) 2]`}, {"GET {a}1", movedA},
				// A key the slot has not received yet among them: TRYAGAIN.
				{"ASKING", `"OK"`}, {"MULTI", `"OK"`}, {"GET {a}1", `"QUEUED"`}, {"INCR {a}n", `"QUEUED"`},
				{"EXEC", "(error) " + errTryAgain}, {"EXEC", "(error) ERR EXEC without MULTI"}}},
		{name: "READONLY reads from a replica of the owner", routes: map[int]cluster.Route{slotA: replicaA}, readonly: true,
			setup: []string{"SET {a}1 x"},
			steps: [][2]string{{"GET {a}1", `"x"`}, {"SET {a}1 y", movedA},
				{"MULTI", `"OK"`}, {"GET {a}1", `"QUEUED"`}, {"EXEC", `["x"]`},
				{"MULTI", `"OK"`}, {"GET {a}1", `"QUEUED"`}, {"SET {a}1 y", movedA}, {"EXEC", "(error) EXECABORT Transaction discarded because of previous errors."}}},
		{name: "a replica redirects READWRITE clients", routes: map[int]cluster.Route{slotA: replicaA},
			steps: [][2]string{{"GET {a}1", movedA}}},
		{name: "transaction keys must share a slot", routes: map[int]cluster.Route{slotA: routeMine, slotB: routeMine},
			steps: [][2]string{{"MULTI", `"OK"`}, {"SET {a}1 x", `"QUEUED"`}, {"SET {b}1 y", `"QUEUED"`},
				{"EXEC", "(error) " + errCrossSlot}, {"EXEC", "(error) ERR EXEC without MULTI"}, {"GET {a}1", "(nil)"},
				{"MULTI", `"OK"`}, {"PING", `"QUEUED"`}, {"EXEC", `["PONG"]`}}},
		{name: "a redirected command dooms its transaction", routes: map[int]cluster.Route{slotA: routeOther},
			steps: [][2]string{{"MULTI", `"OK"`}, {"SET {a}1 x", movedA}, {"PING", `"QUEUED"`},
				{"EXEC", "(error) EXECABORT Transaction discarded because of previous errors."}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n, env := startNode(t, Config{})
			for _, line := range tc.setup {
				if got := do(n, env, "setup", line); got != `"OK"` {
					t.Fatalf("setup %s = %s", line, got)
				}
			}
			n.router = &fakeRouter{routes: tc.routes, serving: tc.serving}
			n.session("c").readonly = tc.readonly
			for i, s := range tc.steps {
				if got := do(n, env, "c", s[0]); got != s[1] {
					t.Fatalf("step %d %s = %s, want %s", i, s[0], got, s[1])
				}
			}
		})
	}
}

func TestAskingOutsideClusterMode(t *testing.T) {
	n, env := startNode(t, Config{})
	if got := do(n, env, "c", "ASKING"); got != "(error) "+errClusterNotOn {
		t.Fatalf("ASKING = %s, want %s", got, errClusterNotOn)
	}
}

// TestCommandKeysCoverMovableKeys: every command whose keys move with its
// arguments has a finder, so routing never misses a key.
func TestCommandKeysCoverMovableKeys(t *testing.T) {
	cases := []struct {
		line string
		want string
	}{
		{"LMPOP 2 a b LEFT", "[a b]"},
		{"BLMPOP 0 2 a b LEFT", "[a b]"},
		{"SINTERCARD 2 a b LIMIT 1", "[a b]"},
		{"ZUNION 2 a b WITHSCORES", "[a b]"},
		{"ZINTERSTORE d 2 a b", "[d a b]"},
		{"ZDIFFSTORE d 1 a", "[d a]"},
		{"ZINTERCARD 3 a b", "[]"}, // a bad count names no key
		{"MEMORY USAGE a", "[a]"},
		{"MEMORY STATS", "[]"},
		{"MIGRATE h 1 a 0 10", "[a]"},
		{"MIGRATE h 1 \"\" 0 10 COPY AUTH pw KEYS a b", "[a b]"},
		{"MIGRATE h 1 \"\" 0 10 AUTH2 u keys KEYS a", "[a]"},
		{"MSET a 1 b 2", "[a b]"},
		{"GET a", "[a]"},
	}
	for _, tc := range cases {
		args := splitLine(t, tc.line)
		keys := commandKeys(lookupCommand(args[0]), args)
		if got := fmt.Sprintf("%s", keys); got != tc.want {
			t.Errorf("%s: keys %s, want %s", tc.line, got, tc.want)
		}
	}
}

// BenchmarkRoutedGet measures what routing adds to a GET: compare with
// BenchmarkPlainGet (the same GET on a node that is not in cluster mode).
func BenchmarkRoutedGet(b *testing.B) {
	benchmarkGet(b, &fakeRouter{routes: map[int]cluster.Route{cluster.KeySlot([]byte("key:42")): routeMine}})
}

func BenchmarkPlainGet(b *testing.B) { benchmarkGet(b, nil) }

func benchmarkGet(b *testing.B, router slotRouter) {
	n, env := startNode(b, Config{})
	do(n, env, "c", "SET key:42 value")
	if router != nil {
		n.router = router
	}
	env.discardReplies = true
	get := Command{Args: [][]byte{[]byte("GET"), []byte("key:42")}}
	var client node.ID = "c"
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		n.Receive(client, get)
	}
	b.StopTimer()
	if got := env.lastReply.Value.String(); got != `"value"` {
		b.Fatalf("GET = %s", got)
	}
}

// BenchmarkRouteDecision is routing alone: the slot, the route and the
// decision for a GET the node serves.
func BenchmarkRouteDecision(b *testing.B) {
	n, _ := startNode(b, Config{})
	n.router = &fakeRouter{routes: map[int]cluster.Route{cluster.KeySlot([]byte("key:42")): routeMine}}
	s := n.session("c")
	spec := lookupCommand([]byte("get"))
	args := [][]byte{[]byte("GET"), []byte("key:42")}
	b.ReportAllocs()
	for range b.N {
		if _, refused := n.routeCommand(s, spec, args); refused {
			b.Fatal("refused")
		}
	}
}
