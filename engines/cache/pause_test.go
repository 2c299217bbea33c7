package cache

import (
	"slices"
	"testing"
	"time"

	"syslab/engines/cache/resp"
	"syslab/node"
)

func TestPauseAndMemoryErrorsAgreeWithRedis(t *testing.T) {
	compareWithRedis(t, []string{
		"CLIENT PAUSE -1", "CLIENT PAUSE x", "CLIENT PAUSE 10 foo", "CLIENT PAUSE 10 all x",
		"CLIENT PAUSE 99999999999999999999", "CLIENT PAUSE 0", "CLIENT PAUSE 0 WRITE", "CLIENT UNPAUSE",
		"CLIENT UNPAUSE x", "CLIENT PAUSE",
		"MEMORY foo", "MEMORY STATS x", "MEMORY DOCTOR x", "MEMORY HELP x", "OBJECT HELP x",
	})
}

// MEMORY STATS has Redis 7.0's fields, in its order.
func TestMemoryStatsFieldsAreRedisFields(t *testing.T) {
	var names func(v resp.Value) []string
	names = func(v resp.Value) []string {
		var out []string
		for i := 0; i+1 < len(v.Elems); i += 2 {
			out = append(out, string(v.Elems[i].Str))
			if v.Elems[i+1].Kind == resp.Map {
				out = append(out, names(v.Elems[i+1])...)
			}
		}
		return out
	}
	c := newComparison(t, Config{}, resp.RESP3)
	for _, line := range []string{"SET a b", "SET c d EX 100"} {
		c.onRedis(line)
		c.onNode(line)
	}
	ours, theirs := names(c.onNode("MEMORY STATS")[0]), names(c.onRedis("MEMORY STATS"))
	if !slices.Equal(ours, theirs) {
		t.Fatalf("MEMORY STATS fields\n got  %v\n want %v", ours, theirs)
	}
}

// replyLog collects the answers to commands sent with distinct seqs.
type replyLog struct {
	t   *testing.T
	n   *Node
	env *testEnv
}

func (l replyLog) send(client node.ID, seq uint64, line string) {
	l.n.Receive(client, Command{Seq: seq, Args: splitLine(l.t, line)})
}

// answered lists, in order, the seqs answered so far.
func (l replyLog) answered() []uint64 {
	var seqs []uint64
	for _, r := range l.env.replies {
		seqs = append(seqs, r.Seq)
	}
	return seqs
}

func TestClientPauseHoldsCommands(t *testing.T) {
	n, env := startNode(t, Config{})
	l := replyLog{t, n, env}
	l.send("admin", 1, "CLIENT PAUSE 1000 WRITE")
	l.send("writer", 2, "SET k v")
	l.send("writer", 3, "GET k") // behind its held write, so held too
	l.send("reader", 4, "GET k") // a read: WRITE mode lets it through
	if got := l.answered(); !slices.Equal(got, []uint64{1, 4}) {
		t.Fatalf("during the WRITE pause, answered %v, want [1 4]", got)
	}
	env.Advance(time.Second)
	if got := l.answered(); !slices.Equal(got, []uint64{1, 4, 2, 3}) {
		t.Fatalf("after the pause, answered %v, want [1 4 2 3]", got)
	}
	if got := env.replies[3].Value.String(); got != `"v"` {
		t.Fatalf("the held GET answered %s", got)
	}

	// ALL holds reads too; UNPAUSE (itself answered first) ends it early.
	l.send("admin", 5, "CLIENT PAUSE 60000 ALL")
	l.send("reader", 6, "GET k")
	l.send("admin", 7, "CLIENT UNPAUSE") // held as well: a pause ALL holds everything
	if got := l.answered()[4:]; !slices.Equal(got, []uint64{5}) {
		t.Fatalf("during the ALL pause, answered %v, want [5]", got)
	}
	env.Advance(time.Minute)
	if got := l.answered()[4:]; !slices.Equal(got, []uint64{5, 6, 7}) {
		t.Fatalf("after the ALL pause, answered %v, want [5 6 7]", got)
	}
	l.send("admin", 8, "CLIENT PAUSE 60000 WRITE")
	l.send("writer", 9, "DEL k")
	l.send("admin", 10, "CLIENT UNPAUSE")
	env.Advance(0)
	if got := l.answered()[7:]; !slices.Equal(got, []uint64{8, 10, 9}) {
		t.Fatalf("CLIENT UNPAUSE: answered %v, want [8 10 9]", got)
	}
}

func TestDebugSleepHoldsEveryCommand(t *testing.T) {
	n, env := startNode(t, Config{})
	l := replyLog{t, n, env}
	l.send("sleeper", 1, "DEBUG SLEEP 0.5")
	l.send("other", 2, "PING")
	if got := l.answered(); len(got) != 0 {
		t.Fatalf("during DEBUG SLEEP, answered %v", got)
	}
	env.Advance(499 * time.Millisecond)
	if got := l.answered(); len(got) != 0 {
		t.Fatalf("before the sleep ended, answered %v", got)
	}
	env.Advance(time.Millisecond)
	if got := l.answered(); !slices.Equal(got, []uint64{1, 2}) {
		t.Fatalf("after DEBUG SLEEP, answered %v, want [1 2]", got)
	}
	if got := do(n, env, "c", "DEBUG SLEEP 0"); got != `"OK"` {
		t.Fatalf("DEBUG SLEEP 0 = %s", got)
	}
}

func TestDebugSetActiveExpire(t *testing.T) {
	n, env := startNode(t, Config{})
	do(n, env, "c", "DEBUG SET-ACTIVE-EXPIRE 0")
	do(n, env, "c", "SET k v PX 100")
	env.Advance(2 * time.Second)
	if got := n.dbs[0].size(); got != 1 {
		t.Fatalf("with active expiry off, %d keys left, want the expired one kept", got)
	}
	do(n, env, "c", "DEBUG SET-ACTIVE-EXPIRE 1")
	env.Advance(2 * time.Second)
	if got := n.dbs[0].size(); got != 0 {
		t.Fatalf("with active expiry on again, %d keys left", got)
	}
}

// The introspection errors go-redis and redis-cli users meet.
func TestIntrospectionErrorsAgreeWithRedis(t *testing.T) {
	compareWithRedis(t, []string{
		"SWAPDB 0 x", "SWAPDB 0 99", "SWAPDB -1 0", "SWAPDB 0 1", "LASTSAVE x", "TIME x",
		"OBJECT foo k", "OBJECT encoding", "OBJECT ENCODING nokey", "SET k v", "OBJECT ENCODING k",
		"MEMORY USAGE", "MEMORY USAGE nokey", "MEMORY USAGE k SAMPLES x", "MEMORY USAGE k SAMPLES -1", "MEMORY USAGE k x y",
	})
}
