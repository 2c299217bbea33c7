package cache

import (
	"bytes"
	"math/rand/v2"
	"strconv"
	"testing"

	"syslab/engines/cache/resp"
)

// The deque against a plain slice under random operations, across ring
// growth, wrap-around and shrinking.
func TestListObjectMatchesSliceModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	l := newListObject()
	var model [][]byte
	for step := range 20000 {
		elem := []byte(strconv.Itoa(step))
		switch op := rng.IntN(10); {
		case op < 3:
			l.push(elem, true)
			model = append([][]byte{elem}, model...)
		case op < 6:
			l.push(elem, false)
			model = append(model, elem)
		case op < 8 && len(model) > 0:
			left := op == 6
			got := l.pop(left)
			var want []byte
			if left {
				want, model = model[0], model[1:]
			} else {
				want, model = model[len(model)-1], model[:len(model)-1]
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("step %d: pop(left=%v) = %s, want %s", step, left, got, want)
			}
		case op == 8:
			i := rng.IntN(len(model) + 1)
			l.insert(i, elem)
			model = append(model[:i], append([][]byte{elem}, model[i:]...)...)
		case op == 9 && len(model) > 0:
			// Drop every element whose value is divisible by 7.
			l.keep(func(_ int, e []byte) bool { n, _ := strconv.Atoi(string(e)); return n%7 != 0 })
			kept := model[:0]
			for _, e := range model {
				if n, _ := strconv.Atoi(string(e)); n%7 != 0 {
					kept = append(kept, e)
				}
			}
			model = kept
		}
		if l.len() != len(model) {
			t.Fatalf("step %d: len %d, want %d", step, l.len(), len(model))
		}
	}
	dataBytes := 0
	for i, e := range model {
		if !bytes.Equal(l.at(i), e) {
			t.Fatalf("element %d = %s, want %s", i, l.at(i), e)
		}
		dataBytes += len(e)
	}
	if l.dataBytes != dataBytes {
		t.Fatalf("dataBytes = %d, want %d", l.dataBytes, dataBytes)
	}
	for l.len() > 0 {
		l.pop(true)
	}
	if len(l.ring) != listRingMin || l.dataBytes != 0 {
		t.Fatalf("emptied list keeps a ring of %d and %d bytes", len(l.ring), l.dataBytes)
	}
}

func TestListTypeEncodingAndMemory(t *testing.T) {
	n, env := startNode(t, Config{})
	do(n, env, "c", "RPUSH l a bb ccc")
	e := n.dbs[0].lookup([]byte("l"), 0)
	l := e.value.(*listObject)
	if l.typeName() != "list" || l.encoding() != "quicklist" {
		t.Fatalf("type %s encoding %s, want list quicklist (what Redis 7.0 reports)", l.typeName(), l.encoding())
	}
	if got, want := l.memoryBytes(), listHeaderBytes+6+3*listEntryOverheadBytes; got != want {
		t.Fatalf("memoryBytes = %d, want %d", got, want)
	}
	do(n, env, "c", "LSET l 0 aaaa")
	if got, want := l.memoryBytes(), listHeaderBytes+9+3*listEntryOverheadBytes; got != want {
		t.Fatalf("after LSET memoryBytes = %d, want %d", got, want)
	}
}

// Every command that empties a list deletes its key.
func TestListEmptyKeysAreDeleted(t *testing.T) {
	for _, emptying := range []string{
		"LPOP l", "RPOP l 5", "LREM l 0 a", "LTRIM l 1 0", "LMOVE l other LEFT LEFT", "RPOPLPUSH l other",
		"LMPOP 1 l LEFT", "BLPOP l 0", "BRPOP l 0", "BLMOVE l other LEFT RIGHT 0", "BLMPOP 0 1 l RIGHT",
	} {
		n, env := startNode(t, Config{})
		do(n, env, "c", "RPUSH l a")
		do(n, env, "c", emptying)
		if got := do(n, env, "c", "EXISTS l"); got != "(integer) 0" {
			t.Errorf("after %s the key exists: %s", emptying, got)
		}
	}
}

func TestListWrongType(t *testing.T) {
	runScript(t, []step{
		{0, "RPUSH l a", "(integer) 1"},
		{0, "GET l", "(error) " + errWrongType},
		{0, "INCR l", "(error) " + errWrongType},
		{0, "SET l v", `"OK"`},
		{0, "LLEN l", "(error) " + errWrongType},
	})
}

func BenchmarkNodeListPushPop(b *testing.B) {
	n, env := startNode(b, Config{})
	env.discardReplies = true
	push := Command{Args: [][]byte{[]byte("LPUSH"), []byte("queue"), []byte("value-of-16-byte")}}
	pop := Command{Args: [][]byte{[]byte("RPOP"), []byte("queue")}}
	for range 1000 {
		n.Receive("bench", push)
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if i%2 == 0 {
			n.Receive("bench", push)
		} else {
			n.Receive("bench", pop)
		}
	}
	b.StopTimer()
	if env.lastReply.Value.IsError() {
		b.Fatalf("answered %v", env.lastReply.Value)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}

func BenchmarkNodeListRange100(b *testing.B) {
	n, env := startNode(b, Config{})
	env.discardReplies = true
	for i := range 10000 {
		n.Receive("bench", Command{Args: [][]byte{[]byte("RPUSH"), []byte("l"), []byte("element-" + strconv.Itoa(i))}})
	}
	lrange := Command{Args: [][]byte{[]byte("LRANGE"), []byte("l"), []byte("5000"), []byte("5099")}}
	b.ReportAllocs()
	for b.Loop() {
		n.Receive("bench", lrange)
	}
	b.StopTimer()
	if len(env.lastReply.Value.Elems) != 100 {
		b.Fatalf("LRANGE answered %v", env.lastReply.Value)
	}
}

// A blocked pop served by a push: the path a job queue takes per job.
func BenchmarkNodeBlockingPopServed(b *testing.B) {
	n, env := startNode(b, Config{})
	env.discardReplies = true
	blpop := Command{Args: [][]byte{[]byte("BLPOP"), []byte("jobs"), []byte("0")}}
	push := Command{Args: [][]byte{[]byte("RPUSH"), []byte("jobs"), []byte("job")}}
	b.ReportAllocs()
	for b.Loop() {
		n.Receive("worker", blpop)
		n.Receive("producer", push)
	}
	b.StopTimer()
	if env.lastReply.Value.Kind != resp.Array || n.BlockedClients() != 0 {
		b.Fatalf("served %v, %d still blocked", env.lastReply.Value, n.BlockedClients())
	}
}
