package cache

import (
	"strconv"
	"testing"

	"syslab/engines/cache/resp"
)

// The core's own speed, without network or disk: what cost.go's constants
// should be calibrated against. Run with
//
//	go test -run=^$ -bench=Node -benchmem ./engines/cache
const benchKeys = 100_000

func benchNode(b *testing.B) (*Node, *testEnv, []Command) {
	n, env := startNode(b, Config{})
	env.discardReplies = true
	for i := range benchKeys {
		key := []byte("key:" + strconv.Itoa(i))
		n.Receive("bench", Command{Args: [][]byte{[]byte("SET"), key, []byte("value-of-16-byte")}})
	}
	return n, env, nil
}

func BenchmarkNodeGet(b *testing.B) {
	n, env, _ := benchNode(b)
	commands := make([]Command, benchKeys)
	for i := range commands {
		commands[i] = Command{Args: [][]byte{[]byte("GET"), []byte("key:" + strconv.Itoa(i))}}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		n.Receive("bench", commands[i%benchKeys])
	}
	b.StopTimer()
	if env.lastReply.Value.Kind != resp.BulkString {
		b.Fatalf("GET answered %v", env.lastReply.Value)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}

func BenchmarkNodeSet(b *testing.B) {
	n, env, _ := benchNode(b)
	commands := make([]Command, benchKeys)
	for i := range commands {
		commands[i] = Command{Args: [][]byte{[]byte("SET"), []byte("key:" + strconv.Itoa(i)), []byte("value-of-16-byte")}}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		n.Receive("bench", commands[i%benchKeys])
	}
	b.StopTimer()
	if env.lastReply.Value.Kind != resp.SimpleString {
		b.Fatalf("SET answered %v", env.lastReply.Value)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}
