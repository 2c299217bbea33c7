package cache

import (
	"fmt"
	"testing"

	"syslab/engines/cache/resp"
	"syslab/node"
)

func commandsOf(t *testing.T, lines ...string) Commands {
	t.Helper()
	var cs Commands
	for i, line := range lines {
		args, ok := resp.SplitArgs([]byte(line))
		if !ok {
			t.Fatalf("bad command %q", line)
		}
		cs = append(cs, Command{Seq: uint64(i + 1), Args: args})
	}
	return cs
}

// A Round runs each client's commands in turn, in that client's database,
// as separate Commands messages would: more clients than one prefetch
// stretch covers, some pipelined, some in another database.
func TestRoundRunsEachClientInTurn(t *testing.T) {
	n, env := startNode(t, Config{})
	const clients = 40 // more than dict.PrefetchKeysMax
	for i := range clients {
		if i%3 == 0 {
			do(n, env, node.ID(fmt.Sprint("c", i)), "SELECT 2")
		}
	}
	env.replies = nil
	var round Round
	for i := range clients {
		key := fmt.Sprint("k", i)
		lines := []string{"SET " + key + " v" + fmt.Sprint(i)}
		if i%4 == 0 {
			lines = append(lines, "APPEND "+key+" !", "GET "+key)
		}
		round = append(round, ClientCommands{Client: node.ID(fmt.Sprint("c", i)), Commands: commandsOf(t, lines...)})
	}
	n.Receive("c0", round)
	var want []string
	for i := range clients {
		want = append(want, `"OK"`)
		if i%4 == 0 {
			want = append(want, fmt.Sprintf("(integer) %d", len(fmt.Sprint("v", i))+1), fmt.Sprintf(`"v%d!"`, i))
		}
	}
	if len(env.replies) != len(want) {
		t.Fatalf("%d replies, want %d", len(env.replies), len(want))
	}
	for i, r := range env.replies {
		if got := r.Value.String(); got != want[i] {
			t.Fatalf("reply %d = %s, want %s", i, got, want[i])
		}
	}
	for i := range clients {
		db := 0
		if i%3 == 0 {
			db = 2
		}
		if _, ok := n.dbs[db].dict.Get(fmt.Sprint("k", i)); !ok {
			t.Errorf("k%d is not in database %d", i, db)
		}
	}
}
