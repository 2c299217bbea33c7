package cache

import (
	"strconv"
	"testing"
)

// Per-command benchmarks for the families `make calibrate` did not time
// (lists, counters): one command per iteration through Node.Receive,
// replies discarded, as bench_test.go. cmd/syslab/calibrate.go maps each
// to its command. Run with
//
//	go test -run=^$ -bench='^BenchmarkNode(Lpush|Rpush|Lpop|Rpop|Llen|Lindex|Incr|Zincrby)$' ./engines/cache

// listBenchKeys lists share the load, listBenchElements elements each.
const (
	listBenchKeys     = 1000
	listBenchElements = 1000
)

func listKey(i int) []byte { return []byte("list:" + strconv.Itoa(i%listBenchKeys)) }

// benchLists returns a node with listBenchKeys lists of listBenchElements
// 16-byte elements.
func benchLists(b *testing.B) (*Node, *testEnv) {
	n, env := startNode(b, Config{})
	env.discardReplies = true
	refillLists(n)
	return n, env
}

// refillLists pushes every list back to listBenchElements elements.
func refillLists(n *Node) {
	for i := range listBenchKeys {
		key := listKey(i)
		have := 0
		if e := n.dbs[0].lookup(key, 0); e != nil {
			have = e.value.(*listObject).len()
		}
		for j := have; j < listBenchElements; j++ {
			n.Receive("bench", Command{Args: [][]byte{[]byte("RPUSH"), key, []byte("value-of-16-byte")}})
		}
	}
}

func BenchmarkNodeLpush(b *testing.B) { benchListCommand(b, "LPUSH", true) }
func BenchmarkNodeRpush(b *testing.B) { benchListCommand(b, "RPUSH", true) }
func BenchmarkNodeLpop(b *testing.B)  { benchListCommand(b, "LPOP", false) }
func BenchmarkNodeRpop(b *testing.B)  { benchListCommand(b, "RPOP", false) }
func BenchmarkNodeLlen(b *testing.B)  { benchListCommand(b, "LLEN", false) }

func BenchmarkNodeLindex(b *testing.B) {
	n, env := benchLists(b)
	commands := make([]Command, listBenchKeys)
	for i := range commands {
		commands[i] = Command{Args: [][]byte{[]byte("LINDEX"), listKey(i), []byte(strconv.Itoa(listBenchElements / 2))}}
	}
	benchCommands(b, n, env, commands)
}

// benchListCommand times name over the lists, round robin. Pops refill
// the lists outside the timer before one could run empty, so every pop
// takes an element.
func benchListCommand(b *testing.B, name string, withValue bool) {
	n, env := benchLists(b)
	commands := make([]Command, listBenchKeys)
	for i := range commands {
		commands[i] = Command{Args: [][]byte{[]byte(name), listKey(i)}}
		if withValue {
			commands[i].Args = append(commands[i].Args, []byte("value-of-16-byte"))
		}
	}
	pops := name == "LPOP" || name == "RPOP"
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if pops && i > 0 && i%(listBenchKeys*(listBenchElements-1)) == 0 {
			b.StopTimer()
			refillLists(n)
			b.StartTimer()
		}
		n.Receive("bench", commands[i%listBenchKeys])
	}
	b.StopTimer()
	if v := env.lastReply.Value; v.IsError() || v.Kind == 0 || (pops && v.Kind != 0 && len(v.Str) == 0) {
		b.Fatalf("%s answered %v", name, v)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}

func BenchmarkNodeIncr(b *testing.B) {
	n, env, _ := benchNode(b)
	commands := make([]Command, benchKeys)
	for i := range commands {
		commands[i] = Command{Args: [][]byte{[]byte("INCR"), []byte("counter:" + strconv.Itoa(i))}}
	}
	benchCommands(b, n, env, commands)
}

func BenchmarkNodeZincrby(b *testing.B) {
	n, env, members := benchZset(b)
	commands := make([]Command, len(members))
	for i := range commands {
		commands[i] = Command{Args: [][]byte{[]byte("ZINCRBY"), []byte("z"), []byte("1"), members[i]}}
	}
	benchCommands(b, n, env, commands)
}
