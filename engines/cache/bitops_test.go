package cache

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

// fitSigned and fitUnsigned at the limits of the widths BITFIELD's
// overflow modes care about.
func TestBitfieldOverflowArithmetic(t *testing.T) {
	type result struct {
		value      int64
		overflowed bool
	}
	signed := []struct {
		value, incr int64
		width       int
		mode        overflowMode
		want        result
	}{
		{127, 1, 8, overflowWrap, result{-128, true}},
		{127, 1, 8, overflowSat, result{127, true}},
		{127, 1, 8, overflowFail, result{0, true}},
		{-128, -1, 8, overflowWrap, result{127, true}},
		{-128, -1, 8, overflowSat, result{-128, true}},
		{-128, 255, 8, overflowWrap, result{127, false}},
		{100, -228, 8, overflowSat, result{-128, false}},
		{100, -229, 8, overflowSat, result{-128, true}},
		{300, 0, 8, overflowWrap, result{44, true}}, // a SET out of range
		{-129, 0, 8, overflowWrap, result{127, true}},
		{-129, 0, 8, overflowSat, result{-128, true}},
		{math.MaxInt64, 0, 8, overflowSat, result{127, true}},
		{0, 0, 1, overflowWrap, result{0, false}},
		{-1, 1, 1, overflowWrap, result{0, false}},
		{0, 1, 1, overflowWrap, result{-1, true}},
		{0, 1, 1, overflowSat, result{0, true}},
		{math.MaxInt64, 1, 64, overflowWrap, result{math.MinInt64, true}},
		{math.MaxInt64, 1, 64, overflowSat, result{math.MaxInt64, true}},
		{math.MinInt64, -1, 64, overflowWrap, result{math.MaxInt64, true}},
		{math.MinInt64, -1, 64, overflowSat, result{math.MinInt64, true}},
		{math.MinInt64, math.MaxInt64, 64, overflowFail, result{-1, false}},
		{math.MaxInt64, math.MinInt64, 64, overflowFail, result{-1, false}},
		{-1, math.MinInt64, 64, overflowSat, result{math.MinInt64, true}},
		{0, math.MinInt64, 64, overflowSat, result{math.MinInt64, false}},
	}
	for _, tc := range signed {
		if v, o := fitSigned(tc.value, tc.incr, tc.width, tc.mode); (result{v, o}) != tc.want {
			t.Errorf("fitSigned(%d, %d, i%d, %d) = %d, %v; want %+v", tc.value, tc.incr, tc.width, tc.mode, v, o, tc.want)
		}
	}
	unsigned := []struct {
		value uint64
		incr  int64
		width int
		mode  overflowMode
		want  result
	}{
		{255, 1, 8, overflowWrap, result{0, true}},
		{255, 1, 8, overflowSat, result{255, true}},
		{0, -1, 8, overflowWrap, result{255, true}},
		{0, -1, 8, overflowSat, result{0, true}},
		{0, math.MinInt64, 8, overflowSat, result{0, true}},
		{0, math.MinInt64, 8, overflowWrap, result{0, true}},
		{10, math.MaxInt64, 8, overflowWrap, result{9, true}},
		{256, 0, 8, overflowWrap, result{0, true}},
		{math.MaxUint64, 0, 8, overflowSat, result{255, true}}, // SET u8 -1: above, not below
		{math.MaxUint64, 0, 8, overflowWrap, result{255, true}},
		{1 << 63, 0, 63, overflowSat, result{math.MaxInt64, true}},
		{math.MaxInt64, 1, 63, overflowWrap, result{0, true}},
		{math.MaxInt64, -math.MaxInt64, 63, overflowFail, result{0, false}},
		{0, math.MaxInt64, 63, overflowFail, result{math.MaxInt64, false}},
		{1, 1, 1, overflowSat, result{1, true}},
	}
	for _, tc := range unsigned {
		if v, o := fitUnsigned(tc.value, tc.incr, tc.width, tc.mode); (result{v, o}) != tc.want {
			t.Errorf("fitUnsigned(%d, %d, u%d, %d) = %d, %v; want %+v", tc.value, tc.incr, tc.width, tc.mode, v, o, tc.want)
		}
	}
}

// Fields written then read back at every offset within a byte and every
// width give the same value, and leave the bits around them alone.
func TestBitfieldRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for width := 1; width <= 64; width++ {
		for offset := int64(0); offset < 16; offset++ {
			data := make([]byte, 12)
			for i := range data {
				data[i] = byte(rng.Uint32())
			}
			before := slices.Clone(data)
			value := rng.Uint64()
			writeBitfield(data, offset, width, value)
			op := bitfieldOp{signed: width == 64, width: width, offset: offset}
			got := uint64(readBitfield(data, op))
			if width < 64 {
				value &= 1<<width - 1
			}
			if got != value {
				t.Fatalf("u%d at %d: wrote %#x, read %#x", width, offset, value, got)
			}
			for bit := int64(0); bit < int64(len(data))*8; bit++ {
				if bit >= offset && bit < offset+int64(width) {
					continue
				}
				if mask := byte(0x80) >> (bit & 7); data[bit>>3]&mask != before[bit>>3]&mask {
					t.Fatalf("u%d at %d changed bit %d", width, offset, bit)
				}
			}
		}
	}
}

// countBits and findBit agree with a bit-by-bit reading on every range of
// some random strings, some of them long runs of zeros or ones.
func TestCountAndFindBitsMatchNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	bitAt := func(data []byte, i int64) byte { return data[i>>3] >> (7 - i&7) & 1 }
	for round := 0; round < 30; round++ {
		data := make([]byte, 1+rng.IntN(40))
		run := round%3 == 0 // all zeros or all ones, with a stray byte or two
		for i := range data {
			switch {
			case run && rng.IntN(16) != 0:
				data[i] = byte(round % 2 * 0xff)
			case rng.IntN(3) == 0:
				data[i] = 0
			case rng.IntN(2) == 0:
				data[i] = 0xff
			default:
				data[i] = byte(rng.Uint32())
			}
		}
		total := int64(len(data)) * 8
		for first := int64(0); first < total; first++ {
			var ones int64
			want := [2]int64{-1, -1}
			for last := first; last < total; last++ {
				b := bitAt(data, last)
				ones += int64(b)
				if want[b] < 0 {
					want[b] = last
				}
				if got := countBits(data, first, last); got != ones {
					t.Fatalf("%x bits %d..%d: counted %d, want %d", data, first, last, got, ones)
				}
				for bit := range 2 {
					if got := findBit(data, byte(bit), first, last); got != want[bit] {
						t.Fatalf("%x bits %d..%d: first %d at %d, want %d", data, first, last, bit, got, want[bit])
					}
				}
			}
		}
	}
}

// A WATCHed key is touched by what changes it, as Redis signals it: a
// BITFIELD write that changed a field or created or grew the string (not
// one OVERFLOW FAIL refused on a string long enough), BITOP's destination
// only, and not a read.
func TestBitopsWritesTouchWatchedKeys(t *testing.T) {
	cases := []struct {
		name, watch, command string
		touched              bool
	}{
		{"BITFIELD SET", "f", "BITFIELD f SET u8 0 1", true},
		{"BITFIELD INCRBY refused", "f", "BITFIELD f OVERFLOW FAIL INCRBY u8 0 300", false},
		// The string grows, so it is stored and logged, and that touches
		// the key; Redis grows it in memory without either.
		{"BITFIELD INCRBY refused past the end", "f", "BITFIELD f OVERFLOW FAIL INCRBY u8 24 300", true},
		{"BITFIELD SET to the same value", "f", "BITFIELD f SET u8 0 97", false},
		{"BITFIELD GET", "f", "BITFIELD f GET u8 0", false},
		{"BITFIELD_RO", "f", "BITFIELD_RO f GET u8 0", false},
		{"BITFIELD with an error", "f", "BITFIELD f SET u8 0 x", false},
		{"BITFIELD creating a key", "new", "BITFIELD new SET u8 0 0", true},
		{"BITOP destination", "d", "BITOP OR d f g", true},
		{"BITOP source", "f", "BITOP OR d f g", false},
		{"BITOP deleting the destination", "d", "BITOP AND d nokey", true},
		{"BITOP of nothing to no destination", "nod", "BITOP AND nod nokey", false},
		{"BITCOUNT", "f", "BITCOUNT f", false},
		{"BITPOS", "f", "BITPOS f 1", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n, env := startNode(t, Config{})
			do(n, env, "a", "SET f abc")
			do(n, env, "a", "SET g xyz")
			do(n, env, "a", "SET d old")
			do(n, env, "a", "WATCH "+tc.watch)
			do(n, env, "b", tc.command)
			do(n, env, "a", "MULTI")
			do(n, env, "a", "PING")
			got := do(n, env, "a", "EXEC")
			if want := map[bool]string{false: `["PONG"]`, true: "(nil)"}[tc.touched]; got != want {
				t.Fatalf("EXEC = %s, want %s", got, want)
			}
		})
	}
}

// A tracking client that read a bitmap is told when BITFIELD or BITOP
// changes it.
func TestTrackingSeesBitopsWrites(t *testing.T) {
	n, env := startNode(t, Config{})
	do(n, env, "reader", "HELLO 3")
	do(n, env, "reader", "CLIENT TRACKING on")
	do(n, env, "writer", "SET a x")
	do(n, env, "writer", "SET b y")
	do(n, env, "reader", "BITCOUNT a")
	do(n, env, "reader", "BITFIELD_RO b GET u8 0")
	before := len(env.pushes)
	do(n, env, "writer", "BITFIELD a INCRBY u8 0 1")
	do(n, env, "writer", "BITOP NOT b a")
	invalidated := invalidatedKeys(env, "reader", before)
	if !slices.Equal(invalidated, []string{"a", "b"}) {
		t.Fatalf("invalidated %q, want [a b]", invalidated)
	}
}

// Memory accounting follows strings that BITFIELD grows and BITOP
// replaces: MEMORY USAGE of the only key is the node's used memory.
func TestMemoryFollowsBitopsWrites(t *testing.T) {
	n, env := startNode(t, Config{})
	for _, line := range []string{"BITFIELD k SET u8 8000 1", "SET s " + strings.Repeat("x", 3000), "BITOP NOT k s", "DEL s"} {
		do(n, env, "a", line)
		if line == "DEL s" || strings.HasPrefix(line, "BITFIELD") {
			if got := do(n, env, "a", "MEMORY USAGE k"); got != "(integer) "+itoa(int(n.keysMemoryBytes())) {
				t.Fatalf("after %s: MEMORY USAGE = %s, keys take %d", line, got, n.keysMemoryBytes())
			}
		}
	}
}

// Bit writes go to the AOF in a form that replays to the same strings.
func TestSimBitopsSurviveRestart(t *testing.T) {
	survivesRestart(t, 31, []string{
		"SET a foobar", "SET b \"\\x0f\\xf0\"", "BITOP AND and a b", "BITOP OR or a b nokey", "BITOP XOR xor a b",
		"BITOP NOT not a", "SET t x EX 100", "BITOP OR t a", "SET gone x", "BITOP AND gone nokey",
		"BITFIELD f SET i8 0 -5 INCRBY u4 #3 7 OVERFLOW SAT INCRBY u8 16 1000", "BITFIELD fail OVERFLOW FAIL INCRBY u2 40 9",
		"SET keep y EX 100", "BITFIELD keep SET u8 #2 65", "BITFIELD_RO f GET u8 0",
	}, dumpAll)
}

// A replica applies the bit writes its master streams and ends with the
// same strings.
func TestReplicaAppliesBitopsWrites(t *testing.T) {
	h := newReplHarness(t, 41, Config{})
	h.settle(5 * time.Second)
	for _, line := range []string{
		"SET a foobar", "SET b \"\\x0f\\xf0\"", "BITOP XOR x a b", "BITOP NOT y x", "BITFIELD f SET u63 3 12345 INCRBY i5 100 -3",
		"BITFIELD f OVERFLOW FAIL INCRBY i5 100 -100", "BITOP AND a nokey",
	} {
		h.do(masterID, line, time.Second)
	}
	h.settle(5 * time.Second)
	h.datasetsEqual()
	if got := h.do(replicaID, "BITFIELD_RO f GET u63 3 GET i5 100", time.Second); got != "[(integer) 12345 (integer) -3]" {
		t.Fatalf("replica BITFIELD_RO = %s", got)
	}
	if got := h.do(replicaID, "BITFIELD f GET u8 0", time.Second); !strings.HasPrefix(got, "(error) READONLY") {
		t.Fatalf("BITFIELD on a read-only replica = %s, want READONLY", got)
	}
}

// The command table's keys for the bit commands (what WATCH, tracking,
// cluster routing use) are the keys their Redis key specs name.
func TestBitopsTableKeysMatchKeySpecs(t *testing.T) {
	for _, line := range []string{
		"BITCOUNT k", "BITCOUNT k 0 -1 BIT", "BITPOS k 1 0", "BITOP AND d a", "BITOP OR d a b c", "BITOP NOT d a",
		"BITFIELD k", "BITFIELD k GET u8 0 SET i5 3 1", "BITFIELD_RO k GET u8 0",
	} {
		args := splitLine(t, line)
		spec := commands[strings.ToLower(string(args[0]))]
		fromSpecs, _ := keysAndFlags(spec, commandDocTable[spec.name], args)
		if got := spec.keys(args); !slices.EqualFunc(got, fromSpecs, func(a, b []byte) bool { return string(a) == string(b) }) {
			t.Errorf("%s: the command table names keys %q, the key specs %q", line, got, fromSpecs)
		}
	}
}

// BITOP and BITFIELD notify as Redis 7.0: set (or del for an empty
// result) on BITOP's destination, setbit for any BITFIELD write.
func TestBitopsNotificationsAgreeWithRedis(t *testing.T) {
	nc := newNotifyComparison(t, "KEA")
	nc.run(sameReply, "SET a abc", "SET b xyz", "BITOP AND d a b", "BITOP OR d a nokey", "BITOP NOT d a",
		"BITOP AND d nokey nokey2", "BITOP AND d nokey", "BITFIELD bf SET u8 0 200", "BITFIELD bf GET u8 0",
		"BITFIELD bf OVERFLOW FAIL INCRBY u8 0 100", "BITFIELD_RO bf GET u8 0", "BITFIELD nokey3",
		"SET n 12345", "BITOP OR d n a", "GET d")
}

// SETBIT and BITFIELD count a change (Redis's dirty counter, which save
// rules and INFO's rdb_changes_since_last_save read) only when the key is
// created or grows or a value changes; BITFIELD counts each field.
func TestBitWritesCountOnlyChanges(t *testing.T) {
	n, env := startNode(t, Config{})
	steps := []struct {
		command string
		changes int64
	}{
		{"SETBIT a 0 0", 1}, // created
		{"BITFIELD b SET i5 0 0", 1},
		{"SETBIT a 0 0", 0},
		{"BITFIELD b SET i5 0 0", 0},
		{"SETBIT a 0 1", 1},
		{"SETBIT a 0 1", 0},
		{"BITFIELD b SET i5 0 1 SET i3 5 1 SET i5 0 1", 2},
		{"BITFIELD b SET i5 0 1 SET i8 8 1", 2}, // grown: every write counts
		{"BITFIELD b INCRBY i5 0 1", 1},
		{"BITFIELD b GET i5 0", 0},
		{"SETBIT a 90 0", 1}, // grown
		{"BITFIELD b SET i5 90 0", 1},
	}
	for _, step := range steps {
		before := n.dirty
		do(n, env, "a", step.command)
		if got := n.dirty - before; got != step.changes {
			t.Errorf("%s: counted %d changes, want %d", step.command, got, step.changes)
		}
	}
}
