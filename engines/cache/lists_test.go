package cache

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"syslab/engines/cache/resp"
)

// check returns what is wrong with l's layout (see listObject's field
// comments), or nil.
func (l *listObject) check() error {
	if l.n == 0 {
		if l.blocks != nil || l.spare != nil || l.used != 0 || l.head != 0 || l.dataBytes != 0 {
			return fmt.Errorf("empty list holds a ring of %d, %d blocks in use, spare %v, head %d, %d bytes",
				len(l.blocks), l.used, l.spare != nil, l.head, l.dataBytes)
		}
		return nil
	}
	ring := len(l.blocks)
	if ring&(ring-1) != 0 || l.used < 1 || l.used > ring || l.first < 0 || l.first >= ring {
		return fmt.Errorf("ring of %d with %d blocks in use from %d", ring, l.used, l.first)
	}
	if ring > 1 && l.used*4 <= ring {
		return fmt.Errorf("ring of %d for %d blocks in use was not shrunk", ring, l.used)
	}
	for r := range ring {
		if (r-l.first)&(ring-1) >= l.used && l.blocks[r] != nil {
			return fmt.Errorf("ring entry %d is not in use but holds a block", r)
		}
	}
	for k := range l.used {
		block := l.blocks[l.ringIndex(k)]
		size := len(block)
		if l.used >= 2 && size != listBlockSlots ||
			size&(size-1) != 0 || size < listBlockSlotsMin || size > listBlockSlots {
			return fmt.Errorf("block %d of %d has %d slots", k, l.used, size)
		}
		for s, elem := range block {
			pos := k*listBlockSlots + s
			if holds := pos >= l.head && pos < l.head+l.n; holds != (elem != nil) {
				return fmt.Errorf("block %d slot %d (element %d of %d): holds %q", k, s, pos-l.head, l.n, elem)
			}
		}
	}
	if l.head >= len(l.blocks[l.first]) || l.head+l.n <= (l.used-1)*listBlockSlots {
		return fmt.Errorf("%d elements from slot %d leave an end block of %d empty", l.n, l.head, l.used)
	}
	if l.spare != nil {
		if len(l.spare) != listBlockSlots || slices.ContainsFunc(l.spare, func(e []byte) bool { return e != nil }) {
			return fmt.Errorf("spare of %d slots is not an empty full block", len(l.spare))
		}
	}
	return nil
}

// checkAgainst compares l with model, its layout and dataBytes included.
func (l *listObject) checkAgainst(model [][]byte) error {
	if err := l.check(); err != nil {
		return err
	}
	if l.len() != len(model) {
		return fmt.Errorf("len %d, want %d", l.len(), len(model))
	}
	dataBytes := 0
	for i, want := range model {
		if got := l.at(i); !bytes.Equal(got, want) {
			return fmt.Errorf("element %d = %q, want %q", i, got, want)
		}
		dataBytes += len(want)
	}
	if l.dataBytes != dataBytes {
		return fmt.Errorf("dataBytes = %d, want %d", l.dataBytes, dataBytes)
	}
	return nil
}

// listOpWeights are how often a random list operation is drawn.
type listOpWeights struct {
	pushLeft, pushRight, popLeft, popRight, insert, set, keep int
}

// listPhase is a run of random operations with one mix.
type listPhase struct {
	steps   int
	weights listOpWeights
}

// The deque against a plain slice under random pushes and pops at both
// ends, inserts, sets and compactions, crossing block boundaries many
// times, growing to thousands of elements and draining back to empty;
// the layout is checked after every operation.
func TestListObjectMatchesSliceModel(t *testing.T) {
	balanced := listOpWeights{pushLeft: 4, pushRight: 4, popLeft: 4, popRight: 4, insert: 2, set: 1, keep: 1}
	growing := listOpWeights{pushLeft: 5, pushRight: 5, popLeft: 2, popRight: 2, insert: 2, set: 1}
	draining := listOpWeights{pushLeft: 2, pushRight: 2, popLeft: 5, popRight: 5, insert: 1, set: 1}
	for _, tc := range []struct {
		name   string
		seed   uint64
		phases []listPhase
	}{
		{"balanced", 1, []listPhase{{20000, balanced}}},
		{"grow to thousands then drain", 2, []listPhase{{12000, growing}, {30000, draining}}},
		{"grow and drain twice", 3, []listPhase{{8000, growing}, {20000, draining}, {8000, growing}, {20000, draining}}},
		{"queue LPUSH RPOP", 4, []listPhase{{3000, listOpWeights{pushLeft: 3, popRight: 1}}, {20000, listOpWeights{pushLeft: 1, popRight: 1}}}},
		{"queue RPUSH LPOP", 5, []listPhase{{3000, listOpWeights{pushRight: 3, popLeft: 1}}, {20000, listOpWeights{pushRight: 1, popLeft: 1}}}},
		{"stack at the left", 6, []listPhase{{20000, listOpWeights{pushLeft: 1, popLeft: 1}}}},
		{"stack at the right", 7, []listPhase{{20000, listOpWeights{pushRight: 1, popRight: 1}}}},
		{"inserts", 8, []listPhase{{4000, listOpWeights{insert: 1}}, {8000, listOpWeights{insert: 1, popLeft: 1, popRight: 1}}}},
		{"compactions", 9, []listPhase{{3000, growing}, {20000, listOpWeights{pushLeft: 10, pushRight: 10, keep: 1, set: 2}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(tc.seed, 0))
			l := newListObject()
			var model [][]byte
			step := 0
			for _, phase := range tc.phases {
				for range phase.steps {
					op := randomListOp(t, rng, l, &model, phase.weights, step)
					if err := l.checkAgainst(model); err != nil {
						t.Fatalf("step %d (%s): %v", step, op, err)
					}
					step++
				}
			}
			for l.len() > 0 {
				left := rng.IntN(2) == 0
				got := l.pop(left)
				var want []byte
				if left {
					want, model = model[0], model[1:]
				} else {
					want, model = model[len(model)-1], model[:len(model)-1]
				}
				if !bytes.Equal(got, want) {
					t.Fatalf("draining: pop(left=%v) = %q, want %q", left, got, want)
				}
			}
			if err := l.check(); err != nil {
				t.Fatalf("emptied: %v", err)
			}
		})
	}
}

// randomListOp applies one operation drawn by weights to l and to model
// and names it; a pop is checked against the model here.
func randomListOp(t *testing.T, rng *rand.Rand, l *listObject, model *[][]byte, w listOpWeights, step int) string {
	t.Helper()
	// Elements of varied lengths, so dataBytes is tested too.
	elem := []byte(strconv.Itoa(step) + strings.Repeat("x", rng.IntN(4)))
	m := *model
	defer func() { *model = m }()
	pick := rng.IntN(w.pushLeft + w.pushRight + w.popLeft + w.popRight + w.insert + w.set + w.keep)
	switch {
	case pick < w.pushLeft:
		l.push(elem, true)
		m = slices.Insert(m, 0, elem)
		return "push left"
	case pick < w.pushLeft+w.pushRight:
		l.push(elem, false)
		m = append(m, elem)
		return "push right"
	case pick < w.pushLeft+w.pushRight+w.popLeft+w.popRight:
		if len(m) == 0 {
			return "no pop from an empty list"
		}
		left := pick < w.pushLeft+w.pushRight+w.popLeft
		got := l.pop(left)
		var want []byte
		if left {
			want, m = m[0], m[1:]
		} else {
			want, m = m[len(m)-1], m[:len(m)-1]
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("step %d: pop(left=%v) = %q, want %q", step, left, got, want)
		}
		return fmt.Sprintf("pop left=%v", left)
	case pick < w.pushLeft+w.pushRight+w.popLeft+w.popRight+w.insert:
		i := rng.IntN(len(m) + 1)
		l.insert(i, elem)
		m = slices.Insert(m, i, elem)
		return fmt.Sprintf("insert at %d", i)
	case pick < w.pushLeft+w.pushRight+w.popLeft+w.popRight+w.insert+w.set:
		if len(m) == 0 {
			return "no set in an empty list"
		}
		i := rng.IntN(len(m))
		l.set(i, elem)
		m[i] = elem
		return fmt.Sprintf("set %d", i)
	default:
		// Keep a random share (none, all, or in between), or a random
		// range as LTRIM does.
		keepIt := make([]bool, len(m))
		share := []float64{0, 0.1, 0.5, 0.9, 1}[rng.IntN(5)]
		from, to := rng.IntN(len(m)+1), rng.IntN(len(m)+1)
		trim := rng.IntN(3) == 0
		for i := range keepIt {
			if trim {
				keepIt[i] = i >= from && i < to
			} else {
				keepIt[i] = rng.Float64() < share
			}
		}
		next := 0
		removed := l.keep(func(i int, e []byte) bool {
			if i != next || !bytes.Equal(e, m[i]) {
				t.Fatalf("step %d: keep asked about element %d %q, want %d %q", step, i, e, next, m[next])
			}
			next++
			return keepIt[i]
		})
		if next != len(m) {
			t.Fatalf("step %d: keep asked about %d of %d elements", step, next, len(m))
		}
		var kept [][]byte
		for i, e := range m {
			if keepIt[i] {
				kept = append(kept, e)
			}
		}
		if removed != len(m)-len(kept) {
			t.Fatalf("step %d: keep removed %d, want %d", step, removed, len(m)-len(kept))
		}
		m = kept
		return fmt.Sprintf("keep %d of %d", len(kept), len(keepIt))
	}
}

// A list that was long does not keep its peak memory: draining it frees
// its blocks and shrinks its ring, an LTRIM to a few elements too, and an
// empty list holds nothing.
func TestListObjectFreesBlocks(t *testing.T) {
	const long = 100 * listBlockSlots
	elem := []byte("x")
	for _, tc := range []struct {
		name  string
		empty func(l *listObject, leave int)
	}{
		{"pop left", func(l *listObject, leave int) {
			for l.len() > leave {
				l.pop(true)
			}
		}},
		{"pop right", func(l *listObject, leave int) {
			for l.len() > leave {
				l.pop(false)
			}
		}},
		{"trim", func(l *listObject, leave int) {
			from := l.len()/2 - leave/2
			l.keep(func(i int, _ []byte) bool { return i >= from && i < from+leave })
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := newListObject()
			for i := range long {
				l.push(elem, i%2 == 0)
			}
			if l.used < long/listBlockSlots || len(l.blocks) < l.used {
				t.Fatalf("%d elements in %d blocks, ring of %d", long, l.used, len(l.blocks))
			}
			tc.empty(l, 3)
			if err := l.check(); err != nil {
				t.Fatal(err)
			}
			// Three elements may straddle two blocks.
			if l.len() != 3 || l.used > 2 || len(l.blocks) > 4 {
				t.Fatalf("drained to %d elements: %d blocks in use, ring of %d", l.len(), l.used, len(l.blocks))
			}
			tc.empty(l, 0)
			if err := l.check(); err != nil {
				t.Fatal(err)
			}
			if l.blocks != nil || l.spare != nil {
				t.Fatalf("empty list holds a ring of %d, spare %v", len(l.blocks), l.spare != nil)
			}
		})
	}
}

// Compaction to every length from one to three blocks' worth, kept from
// the front, the back and the middle: the blocks past the last kept
// element are freed wherever it ends, a block boundary included.
func TestListObjectKeepToEveryLength(t *testing.T) {
	const long = 4 * listBlockSlots
	for kept := 1; kept <= 3*listBlockSlots; kept++ {
		for _, from := range []int{0, long - kept, (long - kept) / 2} {
			l := newListObject()
			var model [][]byte
			for i := range long {
				elem := []byte(strconv.Itoa(i))
				l.push(elem, false)
				model = append(model, elem)
			}
			l.keep(func(i int, _ []byte) bool { return i >= from && i < from+kept })
			if err := l.checkAgainst(model[from : from+kept]); err != nil {
				t.Fatalf("kept %d from %d: %v", kept, from, err)
			}
		}
	}
}

// A short list costs a short block, not a full one.
func TestListObjectShortListHasShortBlock(t *testing.T) {
	l := newListObject()
	for _, e := range []string{"a", "b", "c"} {
		l.push([]byte(e), false)
	}
	if err := l.check(); err != nil {
		t.Fatal(err)
	}
	if l.used != 1 || len(l.blocks[l.first]) > 2*listBlockSlotsMin {
		t.Fatalf("3 elements in %d blocks, the first of %d slots", l.used, len(l.blocks[l.first]))
	}
}

// A list used as a queue, LPUSH at one end and RPOP at the other, reuses
// the block it frees at one end for the next one it needs at the other:
// in the steady state no push or pop allocates.
func TestListObjectQueueReusesSpare(t *testing.T) {
	l := newListObject()
	elem := []byte("job")
	for range 10 * listBlockSlots {
		l.push(elem, true)
	}
	allocs := testing.AllocsPerRun(20, func() {
		for range 3 * listBlockSlots {
			l.push(elem, true)
			l.pop(false)
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per %d pushes and pops, want 0", allocs, 3*listBlockSlots)
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
