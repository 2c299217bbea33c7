package dict

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// checkInvariants fails t unless every entry sits in its home bucket (see
// home), the old table's moved buckets are empty, and size counts them.
func checkInvariants[V any](t *testing.T, d *Dict[V]) {
	t.Helper()
	count := 0
	for i, head := range d.old {
		if i < d.rehashed && head != nil {
			t.Fatalf("old bucket %d was moved but holds %q", i, head.key)
		}
		for e := head; e != nil; e = e.next {
			if e.hash&uint64(len(d.old)-1) != uint64(i) {
				t.Fatalf("%q in old bucket %d is not at home", e.key, i)
			}
			count++
		}
	}
	for i, head := range d.buckets {
		for e := head; e != nil; e = e.next {
			if e.hash&d.mask() != uint64(i) {
				t.Fatalf("%q in bucket %d is not at home", e.key, i)
			}
			if d.old != nil && e.hash&uint64(len(d.old)-1) >= uint64(d.rehashed) {
				t.Fatalf("%q is in the new table though its old bucket was not moved", e.key)
			}
			count++
		}
	}
	if count != d.size {
		t.Fatalf("%d entries, size says %d", count, d.size)
	}
}

// Random inserts, deletes, lookups and cron steps against a map: what the
// dict holds is what the map holds, in whatever state a resize is.
func TestRehashKeepsEveryKeyReachable(t *testing.T) {
	for seed := uint64(1); seed <= 10; seed++ {
		r := rand.New(rand.NewPCG(seed, 1))
		d := New[int](seed)
		model := map[string]int{}
		sawRehashing := false
		for step := range 20000 {
			// Phases of growth and of shrinking, so both directions of
			// resize happen with writes in flight.
			growing := step/5000%2 == 0
			k := fmt.Sprint("k", r.IntN(3000))
			switch op := r.IntN(10); {
			case op < 5 && growing, op < 2:
				added := d.Set(k, step)
				if _, had := model[k]; added == had {
					t.Fatalf("seed %d step %d: Set(%s) added=%v, model had=%v", seed, step, k, added, had)
				}
				model[k] = step
			case op < 8:
				v, ok := d.Delete(k)
				if mv, had := model[k]; ok != had || v != mv {
					t.Fatalf("seed %d step %d: Delete(%s) = %d %v, model %d %v", seed, step, k, v, ok, mv, had)
				}
				delete(model, k)
			case op < 9:
				v, ok := d.Get(k)
				if mv, had := model[k]; ok != had || v != mv {
					t.Fatalf("seed %d step %d: Get(%s) = %d %v, model %d %v", seed, step, k, v, ok, mv, had)
				}
			default:
				d.Rehash(1 + r.IntN(3))
			}
			sawRehashing = sawRehashing || d.Rehashing()
			if step%97 == 0 {
				checkInvariants(t, d)
			}
		}
		checkInvariants(t, d)
		if !sawRehashing {
			t.Fatalf("seed %d: no resize was ever in progress: the test exercises nothing", seed)
		}
		if d.Len() != len(model) {
			t.Fatalf("seed %d: len %d, model %d", seed, d.Len(), len(model))
		}
		for k, v := range model {
			if got, ok := d.Get(k); !ok || got != v {
				t.Fatalf("seed %d: %s = %d %v, want %d", seed, k, got, ok, v)
			}
		}
	}
}

// The point of rehashing incrementally: the insert that crosses the
// threshold of a large table moves one bucket, not the table, and the
// resize is over before the table could be due the next one.
func TestLargeResizeIsSpreadOverWrites(t *testing.T) {
	d := New[int](5)
	i := 0
	for ; !d.Rehashing() || len(d.old) < 1<<14; i++ {
		d.Set(fmt.Sprint("k", i), i)
	}
	moved := 0
	for _, head := range d.buckets {
		for e := head; e != nil; e = e.next {
			moved++
		}
	}
	if moved > 2*rehashEmptyVisitsPerBucket {
		t.Fatalf("the insert that started a resize of %d buckets moved %d entries", len(d.old), moved)
	}
	oldBuckets := len(d.old)
	writes := 0
	for ; d.Rehashing(); i++ {
		d.Set(fmt.Sprint("k", i), i)
		writes++
	}
	if writes > oldBuckets {
		t.Fatalf("a resize of %d buckets took %d writes", oldBuckets, writes)
	}
	checkInvariants(t, d)
}

// A scan that runs while a resize is under way, with no changes, returns
// each key exactly once; with changes between calls, every key present
// throughout is returned (TestScanReturnsEveryStableKeyAcrossResizes
// covers that with resizes started and finished between calls).
func TestScanDuringResizeReturnsEachKeyOnce(t *testing.T) {
	for _, shrinking := range []bool{false, true} {
		d := New[int](9)
		n := 0
		for ; !d.Rehashing() || len(d.old) < 1024; n++ {
			d.Set(fmt.Sprint("k", n), n)
		}
		if shrinking {
			for d.Rehash(1) {
			}
			for i := 0; !d.Rehashing(); i++ {
				d.Delete(fmt.Sprint("k", i))
			}
		}
		d.Rehash(d.Len() / 4) // part of the way
		if !d.Rehashing() {
			t.Fatal("resize finished early: the test exercises nothing")
		}
		count := map[string]int{}
		for cursor := d.Scan(0, func(k string, _ int) { count[k]++ }); cursor != 0; {
			cursor = d.Scan(cursor, func(k string, _ int) { count[k]++ })
		}
		if len(count) != d.Len() {
			t.Fatalf("shrinking=%v: scan saw %d keys of %d", shrinking, len(count), d.Len())
		}
		for k, c := range count {
			if c != 1 {
				t.Fatalf("shrinking=%v: %s returned %d times", shrinking, k, c)
			}
		}
	}
}

// Random stays fair while two tables hold the keys: the chi-square test of
// TestRandomIsUniform over keys spread across both.
func TestRandomIsUniformDuringResize(t *testing.T) {
	for seed := range uint64(10) {
		d := New[int](seed)
		n := 0
		for ; !d.Rehashing() || len(d.old) < 128; n++ {
			d.Set(fmt.Sprint("k", n), n)
		}
		d.Rehash(len(d.old) / 2)
		r := rand.New(rand.NewPCG(seed, 11))
		const drawsPerKey = 200
		counts := map[string]int{}
		for range drawsPerKey * n {
			k, _, _ := d.Random(r)
			counts[k]++
		}
		chi := 0.0
		for i := range n {
			diff := float64(counts[fmt.Sprint("k", i)]) - drawsPerKey
			chi += diff * diff / drawsPerKey
		}
		// n-1 degrees of freedom (128 here): mean 128, sd 16; 220 is
		// beyond five standard deviations.
		if chi >= 220 {
			t.Errorf("seed %d: chi-square %.1f over %d keys", seed, chi, n)
		}
	}
}
