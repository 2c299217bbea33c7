package cache

import (
	"strconv"
	"testing"

	"syslab/engines/cache/resp"
)

// SCAN over the 100k-key table, COUNT 100, cursor carried between calls.
func BenchmarkNodeScan(b *testing.B) {
	n, env, _ := benchNode(b)
	cursor := []byte("0")
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		n.Receive("bench", Command{Args: [][]byte{[]byte("SCAN"), cursor, []byte("COUNT"), []byte("100")}})
		cursor = env.lastReply.Value.Elems[0].Str
	}
}

// MGET of 10 keys.
func BenchmarkNodeMGet(b *testing.B) {
	n, env, _ := benchNode(b)
	args := [][]byte{[]byte("MGET")}
	for i := range 10 {
		args = append(args, []byte("key:"+strconv.Itoa(i*7919)))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		n.Receive("bench", Command{Args: args})
	}
	if env.lastReply.Value.Kind != resp.Array {
		b.Fatalf("MGET answered %v", env.lastReply.Value)
	}
}

// MULTI, two SETs, EXEC: the transaction round trip.
func BenchmarkNodeMultiExec(b *testing.B) {
	n, env, _ := benchNode(b)
	multi := Command{Args: [][]byte{[]byte("MULTI")}}
	set1 := Command{Args: [][]byte{[]byte("SET"), []byte("key:1"), []byte("v")}}
	set2 := Command{Args: [][]byte{[]byte("SET"), []byte("key:2"), []byte("v")}}
	exec := Command{Args: [][]byte{[]byte("EXEC")}}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		n.Receive("bench", multi)
		n.Receive("bench", set1)
		n.Receive("bench", set2)
		n.Receive("bench", exec)
	}
	if env.lastReply.Value.Kind != resp.Array {
		b.Fatalf("EXEC answered %v", env.lastReply.Value)
	}
}
