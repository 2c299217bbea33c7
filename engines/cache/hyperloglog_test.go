package cache

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
	"time"

	"syslab/engines/cache/persist"
	"syslab/engines/cache/resp"
)

func TestHLLNewIsAnEmptySparseHLL(t *testing.T) {
	data := hllNew()
	want := "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x7f\xff"
	if string(data) != want {
		t.Fatalf("hllNew = %q, want %q", data, want)
	}
	if card, ok := hllCount(data); !ok || card != 0 {
		t.Fatalf("count of an empty HLL = %d, %v", card, ok)
	}
	dense, ok := hllToDense(data)
	if !ok || len(dense) != hllDenseBytes || !hllIsValid(dense) {
		t.Fatalf("hllToDense of an empty HLL: %d bytes, ok %v", len(dense), ok)
	}
	if card, _ := hllCount(dense); card != 0 {
		t.Fatalf("count of an empty dense HLL = %d", card)
	}
}

// Every register of a dense HLL can be set to every value without
// touching its neighbours, the last register included.
func TestHLLDenseRegistersAreIndependent(t *testing.T) {
	regs := make([]byte, hllDenseBytes-hllHeaderBytes)
	for _, i := range []int{0, 1, 2, 3, 4, 5, 1000, hllRegisters - 2, hllRegisters - 1} {
		for _, v := range []uint8{1, 17, 51, hllRegisterMax} {
			hllDenseSet(regs, i, v)
			if got := hllDenseGet(regs, i); got != v {
				t.Fatalf("register %d = %d after setting %d", i, got, v)
			}
			for _, j := range []int{i - 1, i + 1} {
				if j >= 0 && j < hllRegisters && hllDenseGet(regs, j) != 0 {
					t.Fatalf("setting register %d changed register %d", i, j)
				}
			}
			hllDenseSet(regs, i, 0)
		}
	}
	if !bytes.Equal(regs, make([]byte, len(regs))) {
		t.Fatal("registers not all zero after clearing each")
	}
	for i := 0; i < hllRegisters; i++ {
		hllDenseSet(regs, i, uint8(i*7%(hllRegisterMax+1)))
	}
	var all [hllRegisters]uint8
	hllDenseUnpack(regs, &all)
	for i, v := range all {
		if v != hllDenseGet(regs, i) || v != uint8(i*7%(hllRegisterMax+1)) {
			t.Fatalf("register %d unpacked as %d, reads %d", i, v, hllDenseGet(regs, i))
		}
	}
}

// A run length above 32 does not fit a VAL opcode: the HLL turns dense,
// keeping its header, with the register set.
func TestHLLSparsePromotesOnLargeValue(t *testing.T) {
	data := hllNew()
	data, _ = hllSparseSet(data, 7, 3, hllSparseBytesDefault)
	data, result := hllSparseSet(data, 100, hllValMax+1, hllSparseBytesDefault)
	if result != 1 || data[4] != hllEncodingDense || len(data) != hllDenseBytes {
		t.Fatalf("result %d, encoding %d, %d bytes", result, data[4], len(data))
	}
	regs := data[hllHeaderBytes:]
	if hllDenseGet(regs, 7) != 3 || hllDenseGet(regs, 100) != hllValMax+1 || hllCacheValid(data) {
		t.Fatalf("registers 7 and 100 = %d, %d; cache valid %v", hllDenseGet(regs, 7), hllDenseGet(regs, 100), hllCacheValid(data))
	}
}

// Sparse and dense encodings of the same registers count alike and merge
// alike, for random sets of sizes across the estimator's regimes.
func TestHLLSparseAndDenseAgree(t *testing.T) {
	for _, n := range []int{1, 10, 100, 1000, 5000} {
		sparse := hllNew()
		for i := 0; i < n; i++ {
			sparse, _ = hllAdd(sparse, []byte("e"+strconv.Itoa(i)), 1<<40)
		}
		if sparse[4] != hllEncodingSparse {
			t.Fatalf("n=%d: promoted with an unbounded sparse size", n)
		}
		dense, ok := hllToDense(sparse)
		if !ok {
			t.Fatalf("n=%d: sparse body rejected", n)
		}
		cs, _ := hllCount(sparse)
		cd, _ := hllCount(dense)
		if cs != cd {
			t.Fatalf("n=%d: sparse counts %d, dense %d", n, cs, cd)
		}
		if diff := float64(cs) - float64(n); diff*diff > float64(n*n)/100 { // within 10%
			t.Fatalf("n=%d: estimate %d", n, cs)
		}
		var a, b [hllRegisters]uint8
		if !hllMergeInto(&a, sparse) || !hllMergeInto(&b, dense) || a != b {
			t.Fatalf("n=%d: sparse and dense merge differently", n)
		}
	}
}

// Which commands break a WATCH: PFADD that changes a register, PFCOUNT
// that stores its cache, PFMERGE's destination; not a PFADD that changes
// nothing, a PFCOUNT answered from the cache or of several keys, nor
// PFMERGE's sources.
func TestHLLWatch(t *testing.T) {
	cases := []struct {
		watch, command string
		broken         bool
	}{
		{"h", "PFADD h new", true},
		{"h", "PFADD h a", false},
		{"h", "PFCOUNT h", false}, // the setup left the cache valid
		{"stale", "PFCOUNT stale", true},
		{"stale", "PFCOUNT stale h", false},
		{"dst", "PFMERGE dst h", true},
		{"h", "PFMERGE dst h", false},
		{"new", "PFADD new", true},
		{"s", "PFADD s a", false}, // not an HLL: refused
	}
	for _, tc := range cases {
		n, env := startNode(t, Config{})
		for _, line := range []string{"PFADD h a b", "PFCOUNT h", "PFADD stale x", "PFADD dst z", "SET s v"} {
			do(n, env, "b", line)
		}
		do(n, env, "a", "WATCH "+tc.watch)
		do(n, env, "b", tc.command)
		do(n, env, "a", "MULTI")
		do(n, env, "a", "PING")
		got := do(n, env, "a", "EXEC")
		if want := map[bool]string{true: "(nil)", false: `["PONG"]`}[tc.broken]; got != want {
			t.Errorf("WATCH %s, %s: EXEC = %s, want %s", tc.watch, tc.command, got, want)
		}
	}
}

// A replica ends with the master's exact bytes, cached cardinalities
// included: PFADD and PFMERGE travel as themselves, and so does a PFCOUNT
// that stored a cache.
func TestHLLReplicates(t *testing.T) {
	h := newReplHarness(t, 7, Config{})
	var adds []string
	for i := 0; i < 3000; i += 500 {
		var b strings.Builder
		b.WriteString("PFADD big")
		for j := i; j < i+500; j++ {
			b.WriteString(" " + strconv.Itoa(j))
		}
		adds = append(adds, b.String())
	}
	for _, line := range append(adds, "PFADD small a b c", "PFCOUNT small", "PFMERGE m small", "PFMERGE d small big",
		"PFCOUNT d", "PFCOUNT big", "PFCOUNT m big") {
		h.do(masterID, line, time.Second)
	}
	h.settle(2 * time.Second)
	h.datasetsEqual()
	if got := h.do(replicaID, "PFCOUNT d", time.Second); got != h.do(masterID, "PFCOUNT d", time.Second) {
		t.Fatalf("PFCOUNT d on the replica = %s", got)
	}
}

// hllFuzzReply reports whether v is an answer an HLL command may give.
func hllFuzzReply(v resp.Value) bool {
	if v.IsError() {
		msg := string(v.Str)
		return msg == string(replyNotHLL.Str) || msg == string(replyCorruptHLL.Str)
	}
	return v.Kind == resp.Integer || v.Kind == resp.SimpleString
}

// FuzzHLLDecode gives arbitrary string values to PFCOUNT, PFADD,
// PFMERGE and PFDEBUG, with an arbitrary hll-sparse-max-bytes: they never panic,
// answer a count, OK, PFDEBUG's output or one of Redis's two HLL
// errors, and what they
// store is still an HLL.
func FuzzHLLDecode(f *testing.F) {
	header := "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80"
	dense := "HYLL\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80" + strings.Repeat("\x00", hllDenseBytes-hllHeaderBytes)
	for _, seed := range []string{
		string(hllNew()), header, header + "\x7f", header + "\x7f\xfe", header + "\x7f\xff\x00", header + "\x7f\xff\x83",
		header + "\x3f\xff\x40", header + "\x83\x83\x7f\xf7", header + "\x40\x00\x7f\xfe", header + "\x40\x10\xff\xff\x8f",
		header + "\xff\xff\xff\xff", header + strings.Repeat("\x80", 16384), dense, dense[:len(dense)-1],
		strings.Replace(dense, "\x00\x00\x00\x00", "\xff\xff\xff\xff", 5), "HYLL", "", "hello",
	} {
		f.Add([]byte(seed), []byte("a"), uint16(3000))
		f.Add([]byte(seed), []byte("element"), uint16(0))
	}
	f.Fuzz(func(t *testing.T, value, element []byte, sparseBytesMax uint16) {
		n, env := startNode(t, Config{})
		run := func(args ...[]byte) resp.Value {
			before := len(env.replies)
			n.Receive("fuzz", Command{Seq: uint64(before), Args: args})
			if len(env.replies) != before+1 {
				t.Fatalf("%q: no reply", args)
			}
			return env.replies[len(env.replies)-1].Value
		}
		run([]byte("CONFIG"), []byte("SET"), []byte("hll-sparse-max-bytes"), []byte(strconv.Itoa(int(sparseBytesMax))))
		for _, args := range [][][]byte{
			{[]byte("SET"), []byte("k"), value},
			{[]byte("PFCOUNT"), []byte("k")},
			{[]byte("PFCOUNT"), []byte("k"), []byte("nokey")},
			{[]byte("PFDEBUG"), []byte("DECODE"), []byte("k")},
			{[]byte("PFDEBUG"), []byte("ENCODING"), []byte("k")},
			{[]byte("PFMERGE"), []byte("d"), []byte("k")},
			{[]byte("PFADD"), []byte("k"), element, []byte("b"), []byte("c")},
			{[]byte("PFMERGE"), []byte("k")},
			{[]byte("PFCOUNT"), []byte("k")},
			{[]byte("PFMERGE"), []byte("d")},
			{[]byte("PFCOUNT"), []byte("d")},
			{[]byte("PFDEBUG"), []byte("TODENSE"), []byte("k")},
			{[]byte("PFDEBUG"), []byte("GETREG"), []byte("k")},
		} {
			v := run(args...)
			if string(args[0]) == "PFDEBUG" && (v.Kind == resp.BulkString || v.Kind == resp.Array ||
				string(v.Str) == "ERR HLL encoding is not sparse") {
				continue
			}
			if string(args[0]) != "SET" && !hllFuzzReply(v) {
				t.Fatalf("%q answered %s", args, v)
			}
		}
		for _, key := range []string{"d"} {
			if v := run([]byte("GET"), []byte(key)); v.Kind == resp.BulkString && !hllIsValid(v.Str) {
				t.Fatalf("%s holds %q, not an HLL", key, v.Str)
			}
		}
	})
}

// A tracking client that read HLLs hears of the changes that matter: a
// PFADD that changed a register and PFMERGE's destination; not a PFADD
// that changed nothing nor a PFCOUNT answered from the cache.
func TestHLLTracking(t *testing.T) {
	n, env := startNode(t, Config{})
	for _, line := range []string{"PFADD h a b", "PFCOUNT h", "PFADD dst z", "PFCOUNT dst"} {
		do(n, env, "writer", line)
	}
	do(n, env, "reader", "HELLO 3")
	do(n, env, "reader", "CLIENT TRACKING on")
	do(n, env, "reader", "PFCOUNT h")
	do(n, env, "reader", "PFCOUNT dst")
	before := len(env.pushes)
	for _, line := range []string{"PFCOUNT h", "PFADD h a", "PFMERGE dst h", "PFADD h new"} {
		do(n, env, "writer", line)
	}
	var invalidated []string
	for _, p := range env.pushes[before:] {
		if p.to != "reader" {
			continue
		}
		for _, k := range p.push.Value.Elems[1].Elems {
			invalidated = append(invalidated, string(k.Str))
		}
	}
	if strings.Join(invalidated, " ") != "dst h" {
		t.Fatalf("invalidated %q, want [dst h]", invalidated)
	}
}

// PFADD and PFMERGE go into the AOF as sent, and so does a PFCOUNT that
// stored its cache (not one answered from it): replaying them rebuilds
// the same bytes, caches included.
func TestSimHLLReplaysFromAOF(t *testing.T) {
	h := newSimHarness(t, 5, Config{AppendOnly: true, AppendFsync: FsyncAlways}, realDisk)
	for _, line := range []string{"PFADD a x y z", "PFCOUNT a", "PFCOUNT a", "PFADD b 1 2 3 4", "PFMERGE m a b",
		"PFCOUNT m", "PFCOUNT a b", "PFADD a x"} {
		h.do(line)
	}
	want := map[string]string{}
	for _, key := range []string{"a", "b", "m"} {
		want[key] = h.do("GET " + key)
	}
	aof, _ := h.w.Disk(cacheID).ReadFile(aofPath(persist.IncrName(1)))
	if got := strings.Count(string(aof), "PFCOUNT"); got != 2 {
		t.Fatalf("the AOF holds %d PFCOUNTs, want the 2 that stored a cache:\n%q", got, aof)
	}
	h.restart()
	for _, key := range []string{"a", "b", "m"} {
		h.expect("GET "+key, want[key])
	}
}

// A dense HLL dumped by Redis (its payload LZF-compressed) restores here
// to the same bytes and count, and ours restores there.
func TestHLLDumpRestoresAcrossRedis(t *testing.T) {
	c := newComparison(t, Config{}, 2)
	for _, line := range hllAddLines("h", "", 0, 5000, 1000) {
		c.onNode(line)
		c.onRedis(line)
	}
	escape := func(b []byte) string {
		var s strings.Builder
		for _, ch := range b {
			s.WriteString(`\x` + strconv.FormatUint(uint64(ch)>>4, 16) + strconv.FormatUint(uint64(ch)&15, 16))
		}
		return `"` + s.String() + `"`
	}
	theirs := escape(c.onRedis("DUMP h").Str)
	ours := escape(c.onNode("DUMP h")[0].Str)
	for _, line := range []string{"RESTORE fromredis 0 " + theirs, "RESTORE fromnode 0 " + ours,
		"GET fromredis", "GET fromnode", "PFCOUNT fromredis", "PFCOUNT fromnode", "PFCOUNT h fromnode"} {
		c.check(line, sameReply)
	}
}

// PFADD that changes the HLL and every PFMERGE notify pfadd, as Redis
// 7.0 does; PFCOUNT, even when it refreshes the cached count, does not.
func TestHLLNotificationsAgreeWithRedis(t *testing.T) {
	nc := newNotifyComparison(t, "KEA")
	nc.run(sameReply, "PFADD h a b c", "PFADD h a", "PFADD h", "PFADD fresh", "PFCOUNT h", "PFCOUNT h fresh",
		"PFADD h2 x", "PFMERGE dst h h2", "PFMERGE dst", "PFMERGE nokey", "SET s notanhll", "PFADD s a")
}
