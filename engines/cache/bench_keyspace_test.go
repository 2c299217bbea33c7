package cache

import (
	"fmt"
	"runtime"
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

// The heap one key takes: 1M keys of 16 bytes with 16-byte values (the
// shape of scripts/bench-cache.sh's memory test), loaded with SET as a
// client would send them, each argument its own allocation as the RESP
// reader makes it. Reports live heap per key (HeapInuse after a GC,
// less the heap before loading); b.N is ignored.
func BenchmarkKeyspaceMemory(b *testing.B) {
	const keys = 1_000_000
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		n, env := startNode(b, Config{})
		env.discardReplies = true
		set := []byte("SET")
		for i := range keys {
			key := fmt.Appendf(make([]byte, 0, 16), "key:%012d", i)
			value := fmt.Appendf(make([]byte, 0, 16), "val:%012d", i)
			n.Receive("bench", Command{Args: [][]byte{set, key, value}})
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapInuse-before.HeapInuse)/keys, "heapB/key")
		b.ReportMetric(float64(after.HeapObjects-before.HeapObjects)/keys, "objects/key")
		runtime.KeepAlive(n)
	}
}
