package cache

import (
	"strconv"
	"testing"

	"syslab/engines/cache/resp"
	"syslab/node"
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

// BenchmarkPublish fans one message out to 100 channel subscribers and
// 10 pattern subscribers.
func BenchmarkPublish(b *testing.B) {
	n, env := startNode(b, Config{})
	env.discardReplies = true
	for i := range 100 {
		n.Receive(node.ID("sub-"+itoa(i)), Command{Args: [][]byte{[]byte("SUBSCRIBE"), []byte("news")}})
	}
	for i := range 10 {
		n.Receive(node.ID("psub-"+itoa(i)), Command{Args: [][]byte{[]byte("PSUBSCRIBE"), []byte("n*" + itoa(i))}})
	}
	cmd := Command{Args: [][]byte{[]byte("PUBLISH"), []byte("news"), []byte("hello")}}
	b.ReportAllocs()
	for b.Loop() {
		env.pushes = env.pushes[:0]
		n.Receive("pub", cmd)
	}
}

// BenchmarkTrackedGetSet is a tracking client reading a key another client
// then writes: remember, invalidate, push.
func BenchmarkTrackedGetSet(b *testing.B) {
	n, env := startNode(b, Config{})
	env.discardReplies = true
	n.Receive("a", Command{Args: [][]byte{[]byte("HELLO"), []byte("3")}})
	n.Receive("a", Command{Args: [][]byte{[]byte("CLIENT"), []byte("TRACKING"), []byte("ON")}})
	get := Command{Args: [][]byte{[]byte("GET"), []byte("k")}}
	set := Command{Args: [][]byte{[]byte("SET"), []byte("k"), []byte("v")}}
	b.ReportAllocs()
	for b.Loop() {
		env.pushes = env.pushes[:0]
		n.Receive("a", get)
		n.Receive("b", set)
	}
}
