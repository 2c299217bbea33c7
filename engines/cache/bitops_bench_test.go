package cache

import (
	"strconv"
	"strings"
	"testing"
)

// Per-command benchmarks of the bit commands on 1 KiB strings, one
// command per iteration through Node.Receive as bench_test.go. Run with
//
//	go test -run=^$ -bench='^BenchmarkNodeBit' ./engines/cache

// bitBenchBytes is the length of the benchmarked strings.
const bitBenchBytes = 1024

func benchBitStrings(b *testing.B) (*Node, *testEnv) {
	n, env := startNode(b, Config{})
	env.discardReplies = true
	value := strings.Repeat("\x5a\x00\xff\x13", bitBenchBytes/4)
	for _, key := range []string{"a", "b"} {
		n.Receive("bench", Command{Args: [][]byte{[]byte("SET"), []byte(key), []byte(value)}})
	}
	return n, env
}

func benchBitCommand(b *testing.B, lines ...string) {
	n, env := benchBitStrings(b)
	commands := make([]Command, len(lines))
	for i, line := range lines {
		commands[i] = Command{Args: splitLine(b, line)}
	}
	benchCommands(b, n, env, commands)
}

func BenchmarkNodeBitcount(b *testing.B) { benchBitCommand(b, "BITCOUNT a", "BITCOUNT a 3 -5 BIT") }
func BenchmarkNodeBitpos(b *testing.B)   { benchBitCommand(b, "BITPOS a 1 2", "BITPOS a 0 9 -1 BIT") }
func BenchmarkNodeBitop(b *testing.B)    { benchBitCommand(b, "BITOP XOR d a b", "BITOP NOT d a") }

func BenchmarkNodeBitfield(b *testing.B) {
	var lines []string
	for i := range 64 {
		lines = append(lines, "BITFIELD a INCRBY u12 #"+strconv.Itoa(i)+" 5 GET i7 "+strconv.Itoa(i*13))
	}
	benchBitCommand(b, lines...)
}

func BenchmarkNodeBitfieldRO(b *testing.B) {
	benchBitCommand(b, "BITFIELD_RO a GET u12 #10 GET i64 3", "BITFIELD_RO b GET u1 8000")
}
