package cache

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"syslab/engines/cache/resp"
)

// Reading a batch's keys and members ahead is only a hint: a node that
// gets pipelined batches answers exactly as one that gets the same
// commands one by one — over strings, an intset, big sets and hashes,
// missing keys, short commands and keys of the wrong type.
func TestBatchesAnswerAsSingleCommands(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	var script [][][]byte
	add := func(args ...string) {
		cmd := make([][]byte, len(args))
		for i, a := range args {
			cmd[i] = []byte(a)
		}
		script = append(script, cmd)
	}
	for range 4000 {
		m := fmt.Sprint("m", rng.IntN(900))
		switch rng.IntN(10) {
		case 0:
			add("SET", fmt.Sprint("s", rng.IntN(50)), m)
		case 1:
			add("GET", fmt.Sprint("s", rng.IntN(60)))
		case 2:
			add("SADD", "bigset", m)
		case 3:
			add("SISMEMBER", "bigset", m)
		case 4:
			add("HSET", "bighash", m, "v")
		case 5:
			add("HGET", "bighash", m)
		case 6:
			add("SADD", "ints", fmt.Sprint(rng.IntN(100)))
		case 7:
			add("SREM", "bigset", m)
		case 8:
			add("PING")
		case 9:
			add("GET", "bigset") // the wrong type
		}
	}
	single, singleEnv := startNode(t, Config{})
	for i, args := range script {
		single.Receive("client-1", Command{Seq: uint64(i), Args: args})
	}
	batched, batchedEnv := startNode(t, Config{})
	for start := 0; start < len(script); {
		size := min(1+rng.IntN(40), len(script)-start)
		batch := make(Commands, size)
		for j := range batch {
			batch[j] = Command{Seq: uint64(start + j), Args: script[start+j]}
		}
		batched.Receive("client-1", batch)
		start += size
	}
	render := func(replies []Reply) []string {
		out := make([]string, len(replies))
		for i, r := range replies {
			out[i] = fmt.Sprint(r.Seq, " ", string(resp.AppendValue(nil, r.Value, resp.RESP2)))
		}
		return out
	}
	got, want := render(batchedEnv.replies), render(singleEnv.replies)
	if !slices.Equal(got, want) {
		for i := range min(len(got), len(want)) {
			if got[i] != want[i] {
				t.Fatalf("reply %d: batched %q, one by one %q", i, got[i], want[i])
			}
		}
		t.Fatalf("%d replies batched, %d one by one", len(got), len(want))
	}
}
