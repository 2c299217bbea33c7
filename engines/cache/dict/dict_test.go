package dict

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"
)

func TestSetGetDelete(t *testing.T) {
	d := New[int](1)
	for i := range 1000 {
		if !d.Set(fmt.Sprint("k", i), i) {
			t.Fatalf("k%d reported as existing", i)
		}
	}
	if d.Set("k5", 55) {
		t.Fatal("overwrite reported as new")
	}
	if v, ok := d.GetBytes([]byte("k5")); !ok || v != 55 {
		t.Fatalf("k5 = %d %v", v, ok)
	}
	for i := range 1000 {
		if i%3 == 0 {
			if _, ok := d.Delete(fmt.Sprint("k", i)); !ok {
				t.Fatalf("delete k%d", i)
			}
		}
	}
	if d.Len() != 666 {
		t.Fatalf("len %d, want 666", d.Len())
	}
	for i := range 1000 {
		_, ok := d.Get(fmt.Sprint("k", i))
		if ok != (i%3 != 0) {
			t.Fatalf("k%d present=%v", i, ok)
		}
	}
	for i := range 1000 {
		d.Delete(fmt.Sprint("k", i))
	}
	for d.Rehash(1) { // what an idle node's cron does
	}
	if d.Len() != 0 || len(d.buckets) != bucketsMin {
		t.Fatalf("emptied dict: len %d, %d buckets", d.Len(), len(d.buckets))
	}
}

// The SCAN guarantee: every key present from the start to the end of a
// scan is returned, even when the table grows and shrinks in between.
func TestScanReturnsEveryStableKeyAcrossResizes(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		r := rand.New(rand.NewPCG(seed, 0))
		d := New[int](seed)
		stable := map[string]bool{}
		for i := range 500 {
			k := fmt.Sprint("stable", i)
			d.Set(k, i)
			stable[k] = true
		}
		seen := map[string]bool{}
		cursor := uint64(0)
		churn := 0
		for {
			cursor = d.Scan(cursor, func(k string, _ int) { seen[k] = true })
			// Churn between calls: phases of mass inserts (the table
			// doubles, more than once) and mass deletes (it halves).
			phase := (churn / 2000) % 2
			for range 100 {
				churn++
				k := fmt.Sprint("tmp", r.IntN(2000))
				if phase == 0 {
					d.Set(k, churn)
				} else {
					d.Delete(k)
				}
			}
			if cursor == 0 {
				break
			}
		}
		for k := range stable {
			if !seen[k] {
				t.Fatalf("seed %d: scan missed %s", seed, k)
			}
		}
	}
}

func TestScanWithoutChangesReturnsEachKeyOnce(t *testing.T) {
	d := New[int](7)
	for i := range 300 {
		d.Set(fmt.Sprint(i), i)
	}
	count := map[string]int{}
	cursor := uint64(0)
	for {
		cursor = d.Scan(cursor, func(k string, _ int) { count[k]++ })
		if cursor == 0 {
			break
		}
	}
	if len(count) != 300 {
		t.Fatalf("scan saw %d keys, want 300", len(count))
	}
	for k, n := range count {
		if n != 1 {
			t.Fatalf("%s returned %d times", k, n)
		}
	}
}

func TestOrderDependsOnlyOnHistory(t *testing.T) {
	build := func() []string {
		d := New[int](42)
		for i := range 200 {
			d.Set(fmt.Sprint(i), i)
			if i%5 == 0 {
				d.Delete(fmt.Sprint(i / 2))
			}
		}
		var keys []string
		d.Range(func(k string, _ int) bool { keys = append(keys, k); return true })
		return keys
	}
	a, b := build(), build()
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Fatal("same operations gave different orders")
	}
	sorted := append([]string(nil), a...)
	sort.Strings(sorted)
	if fmt.Sprint(sorted) == fmt.Sprint(a) {
		t.Fatal("range order is sorted order: not a hash table walk?")
	}
}

func TestRandomCoversTheTable(t *testing.T) {
	d := New[int](3)
	for i := range 50 {
		d.Set(fmt.Sprint(i), i)
	}
	r := rand.New(rand.NewPCG(1, 2))
	seen := map[string]int{}
	for range 20000 {
		k, _, ok := d.Random(r)
		if !ok {
			t.Fatal("random on a full dict failed")
		}
		seen[k]++
	}
	if len(seen) != 50 {
		t.Fatalf("random reached %d of 50 keys", len(seen))
	}
	for k, n := range seen {
		// 400 expected; a key sharing its bucket is drawn less often.
		if n < 100 || n > 1000 {
			t.Errorf("key %s drawn %d times of 20000", k, n)
		}
	}
	if _, _, ok := New[int](1).Random(r); ok {
		t.Fatal("random on an empty dict succeeded")
	}
}

// TestRandomIsUniform is the check Redis's own suite makes of SRANDMEMBER
// and HRANDFIELD (unit/type/set, unit/type/hash): the chi-square statistic
// of the draws over 10 keys stays under 40 (9 degrees of freedom: about
// 1e-5 for a fair draw to exceed it). A bucket-then-chain draw fails it,
// since a key sharing its bucket comes up half as often.
func TestRandomIsUniform(t *testing.T) {
	for seed := range uint64(20) {
		d := New[int](seed)
		for i := range 10 {
			d.Set(fmt.Sprint("k", i), i)
		}
		r := rand.New(rand.NewPCG(seed, 7))
		const draws = 10000
		counts := map[string]int{}
		for range draws {
			k, _, _ := d.Random(r)
			counts[k]++
		}
		expected := float64(draws) / 10
		chi := 0.0
		for i := range 10 {
			diff := float64(counts[fmt.Sprint("k", i)]) - expected
			chi += diff * diff / expected
		}
		if chi >= 40 {
			t.Errorf("seed %d: chi-square %.1f over 10 keys (counts %v)", seed, chi, counts)
		}
	}
}

// BenchmarkGet looks up keys of a table no resize is under way in (the
// last one, started at 65537 keys, is finished as a node's cron would);
// BenchmarkGetDuringResize of one half way through a resize.
func BenchmarkGet(b *testing.B) { benchGet(b, false) }

func BenchmarkGetDuringResize(b *testing.B) { benchGet(b, true) }

func benchGet(b *testing.B, duringResize bool) {
	d := New[int](1)
	keys := make([][]byte, 100000)
	for i := range keys {
		keys[i] = []byte(fmt.Sprint("key:", i))
		d.Set(string(keys[i]), i)
	}
	for !duringResize && d.Rehash(1024) {
	}
	if d.Rehashing() != duringResize {
		b.Fatalf("resize under way: %v, want %v", d.Rehashing(), duringResize)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		d.GetBytes(keys[i%len(keys)])
	}
}

// InsertBytes finds and adds like Insert, lays the table out the same way,
// and copies the key only when it adds it.
func TestInsertBytes(t *testing.T) {
	byString, byBytes := New[int](7), New[int](7)
	for i := range 500 {
		key := fmt.Sprint("key:", i%300) // the last 200 exist already
		ref, added := byString.Insert(key)
		*ref += i
		refB, stored, addedB := byBytes.InsertBytes([]byte(key))
		*refB += i
		if added != addedB || stored != key {
			t.Fatalf("%s: Insert added=%v, InsertBytes added=%v stored=%q", key, added, addedB, stored)
		}
	}
	var a, b []string
	byString.Range(func(k string, v int) bool { a = append(a, fmt.Sprint(k, "=", v)); return true })
	byBytes.Range(func(k string, v int) bool { b = append(b, fmt.Sprint(k, "=", v)); return true })
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Fatalf("layouts differ:\n%v\n%v", a, b)
	}
	key := []byte("key:1")
	if allocs := testing.AllocsPerRun(100, func() { byBytes.InsertBytes(key) }); allocs != 0 {
		t.Errorf("InsertBytes of an existing key allocates %.0f times", allocs)
	}
}

func BenchmarkHash16(b *testing.B) {
	key := []byte("key:000000012345")
	var h uint64
	for b.Loop() {
		h ^= hash(7, key)
	}
	sinkHash = h
}

var sinkHash uint64

// Keys that differ little (counters, as redis-benchmark's key:__rand_int__)
// spread over the buckets about as a random function would: about 1/e of
// the buckets empty, no long chains.
func TestHashSpreadsSimilarKeys(t *testing.T) {
	for _, format := range []string{"key:%012d", "%d", "user:%d:profile:settings"} {
		const keys, buckets = 1 << 16, 1 << 16
		var count [buckets]uint8
		for i := range keys {
			h := hash(42, fmt.Sprintf(format, i))
			if count[h&(buckets-1)] < 255 {
				count[h&(buckets-1)]++
			}
		}
		empty, longest := 0, uint8(0)
		for _, c := range count {
			if c == 0 {
				empty++
			}
			longest = max(longest, c)
		}
		if share := float64(empty) / buckets; share < 0.35 || share > 0.39 {
			t.Errorf("%q: %.3f of buckets empty, want about 1/e", format, share)
		}
		if longest > 12 {
			t.Errorf("%q: a chain of %d keys", format, longest)
		}
	}
}

// Every byte of a key, in the words and in the tail, and the seed change
// the hash.
func TestHashDependsOnEveryByte(t *testing.T) {
	key := []byte("0123456789abcdefXYZ")
	base := hash(1, key)
	if hash(2, key) == base {
		t.Error("the seed does not change the hash")
	}
	for i := range key {
		flipped := bytes.Clone(key)
		flipped[i] ^= 1
		if hash(1, flipped) == base {
			t.Errorf("flipping byte %d does not change the hash", i)
		}
	}
	if hash(1, key[:8]) == hash(1, append(bytes.Clone(key[:8]), 0)) {
		t.Error("a trailing zero byte does not change the hash")
	}
	if hash(1, "abc") != hash(1, []byte("abc")) {
		t.Error("a string and its bytes hash differently")
	}
}

// Prefetch finds what RefBytes finds, for present and absent keys, and
// looks at no more than PrefetchKeysMax of them.
func TestPrefetchFindsWhatRefFinds(t *testing.T) {
	d := New[int](3)
	for i := range 5000 {
		d.Set(fmt.Sprint("k", i), i)
	}
	var keys [][]byte
	for i := 0; i < 2*PrefetchKeysMax; i++ {
		keys = append(keys, []byte(fmt.Sprint("k", i*173%7000))) // some past 5000: absent
	}
	found := make([]*int, len(keys))
	d.Prefetch(keys, found)
	for i, key := range keys {
		want := d.RefBytes(key)
		if i >= PrefetchKeysMax {
			want = nil // not looked at
		}
		if found[i] != want {
			t.Errorf("Prefetch(%s) = %p, RefBytes = %p", key, found[i], want)
		}
	}
	d.Prefetch(keys, nil) // no room for results: only reads ahead
}
