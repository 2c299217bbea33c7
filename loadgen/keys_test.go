package loadgen

import (
	"encoding/binary"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

func seeded(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 1)) }

// shares draws samples keys and returns each key's share.
func shares(t *testing.T, c KeyChooser, keyCount, samples int, seed uint64) []float64 {
	t.Helper()
	r := seeded(seed)
	counts := make([]float64, keyCount)
	for range samples {
		k := c.Next(r)
		if k < 0 || k >= keyCount {
			t.Fatalf("key %d outside [0, %d)", k, keyCount)
		}
		counts[k]++
	}
	for i := range counts {
		counts[i] /= float64(samples)
	}
	return counts
}

func TestZeta(t *testing.T) {
	// Summed term by term against the Euler–Maclaurin tail.
	for _, n := range []int64{zetaSummedMax + 1, 50_000, 123_457} {
		for _, theta := range []float64{0.5, 0.99} {
			brute := 0.0
			for i := n; i >= 1; i-- {
				brute += math.Pow(float64(i), -theta)
			}
			if got := zeta(n, theta); math.Abs(got-brute) > 1e-9*brute {
				t.Errorf("zeta(%d, %v) = %.15g, summed %.15g", n, theta, got, brute)
			}
		}
	}
	// YCSB hard-codes zeta(10^10, 0.99) for its scrambled zipfian.
	if got := zeta(scrambledRanks, 0.99); math.Abs(got-26.46902820178302) > 1e-9 {
		t.Errorf("zeta(1e10, 0.99) = %.15g, YCSB's constant is 26.46902820178302", got)
	}
}

func TestZipfianShape(t *testing.T) {
	const keys, samples = 1000, 400_000
	got := shares(t, NewZipfian(keys, 0.99), keys, samples, 7)
	zetaN := zeta(keys, 0.99)
	// Gray's method is exact for the two hottest ranks and approximate
	// (a continuous inverse) for the rest, so check those and the trend.
	for rank, want := range map[int]float64{0: 1 / zetaN, 1: math.Pow(0.5, 0.99) / zetaN} {
		if math.Abs(got[rank]-want) > 0.003 {
			t.Errorf("rank %d share %.4f, theory %.4f", rank, got[rank], want)
		}
	}
	top10, bottomHalf := 0.0, 0.0
	for i := range 10 {
		top10 += got[i]
	}
	for i := keys / 2; i < keys; i++ {
		bottomHalf += got[i]
	}
	wantTop10, wantBottomHalf := 0.0, 0.0
	for i := 1; i <= keys; i++ {
		p := math.Pow(float64(i), -0.99) / zetaN
		if i <= 10 {
			wantTop10 += p
		}
		if i > keys/2 {
			wantBottomHalf += p
		}
	}
	if math.Abs(top10-wantTop10) > 0.02 || math.Abs(bottomHalf-wantBottomHalf) > 0.02 {
		t.Errorf("top 10 keys %.3f (theory %.3f), bottom half %.3f (theory %.3f)", top10, wantTop10, bottomHalf, wantBottomHalf)
	}
}

func TestScrambledZipfianScattersHotKeys(t *testing.T) {
	const keys, samples = 1000, 400_000
	got := shares(t, NewScrambledZipfian(keys, 0.99), keys, samples, 8)
	hottest := 0
	for k := range got {
		if got[k] > got[hottest] {
			hottest = k
		}
	}
	if want := int(fnvRank(0) % keys); hottest != want {
		t.Errorf("hottest key %d, want %d (where rank 0 hashes)", hottest, want)
	}
	// Rank 0 of 10^10 ranks has 1/26.469 = 3.78% of the draws, plus the
	// background of the ranks that hash to the same key.
	if got[hottest] < 0.036 || got[hottest] > 0.045 {
		t.Errorf("hottest key share %.4f, want about 0.038", got[hottest])
	}
}

func TestHotspotShape(t *testing.T) {
	c, err := ParseDistribution("hotspot:0.01:0.9", 1000)
	if err != nil {
		t.Fatal(err)
	}
	got := shares(t, c, 1000, 200_000, 9)
	hot := 0.0
	for i := range 10 {
		hot += got[i]
	}
	if math.Abs(hot-0.9) > 0.005 {
		t.Errorf("hot 10 keys got %.4f of the operations, want 0.9", hot)
	}
}

func TestLatestFollowsInserts(t *testing.T) {
	l := NewLatest(1000, 0.99)
	if k := l.Insert(); k != 1000 {
		t.Fatalf("Insert gave key %d, want 1000", k)
	}
	got := shares(t, l, 1001, 200_000, 10)
	if want := 1 / zeta(1001, 0.99); math.Abs(got[1000]-want) > 0.003 {
		t.Errorf("newest key share %.4f, want %.4f", got[1000], want)
	}
	if got[1000] < got[999] || got[999] < got[0] {
		t.Errorf("shares newest %.4f, previous %.4f, oldest %.4f: want decreasing with age", got[1000], got[999], got[0])
	}
}

func TestUniformAndSequential(t *testing.T) {
	u, err := ParseDistribution("uniform", 200)
	if err != nil {
		t.Fatal(err)
	}
	for k, s := range shares(t, u, 200, 100_000, 11) {
		if math.Abs(s-1.0/200) > 0.2/200 {
			t.Errorf("uniform key %d share %.5f, want %.5f ± 20%%", k, s, 1.0/200)
		}
	}
	s, err := ParseDistribution("sequential", 3)
	if err != nil {
		t.Fatal(err)
	}
	var seq []int
	for range 7 {
		seq = append(seq, s.Next(nil))
	}
	if want := []int{0, 1, 2, 0, 1, 2, 0}; !equalInts(seq, want) {
		t.Errorf("sequential gave %v, want %v", seq, want)
	}
}

func TestDistributionsAreDeterministic(t *testing.T) {
	for _, spec := range []string{"uniform", "zipf", "scrambled", "hotspot:0.1:0.5", "latest", "zipf:0.5"} {
		draw := func() []int {
			c, err := ParseDistribution(spec, 500)
			if err != nil {
				t.Fatal(err)
			}
			r := seeded(42)
			var keys []int
			for range 100 {
				keys = append(keys, c.Next(r))
			}
			return keys
		}
		if a, b := draw(), draw(); !equalInts(a, b) {
			t.Errorf("%s: two runs with seed 42 differ", spec)
		}
	}
}

func TestParseDistributionErrors(t *testing.T) {
	cases := []struct {
		spec    string
		keys    int
		wantErr string
	}{
		{"zipf:1.5", 10, "theta 1.5 out of range"},
		{"zipf:0", 10, "out of range"},
		{"zipf:abc", 10, `"abc" is not a number`},
		{"zipf:0.5:0.5", 10, "at most one parameter"},
		{"hotspot:0.01", 10, "want hotspot:fraction:share"},
		{"hotspot:0:0.9", 10, "hot fraction 0 out of range"},
		{"hotspot:0.1:1.5", 10, "hot share 1.5 out of range"},
		{"hotspot:NaN:0.5", 10, "out of range"},
		{"uniform:3", 10, "takes no parameters"},
		{"gaussian", 10, `unknown distribution "gaussian"`},
		{"", 10, "unknown distribution"},
		{"uniform", 0, "need at least 1 key"},
	}
	for _, c := range cases {
		_, err := ParseDistribution(c.spec, c.keys)
		if err == nil || !strings.Contains(err.Error(), c.wantErr) || !strings.Contains(err.Error(), c.spec) {
			t.Errorf("ParseDistribution(%q, %d) error %v, want one naming the spec and containing %q", c.spec, c.keys, err, c.wantErr)
		}
	}
}

func FuzzParseDistribution(f *testing.F) {
	for _, s := range []string{"uniform", "zipf", "zipf:0.99", "scrambled:0.5", "hotspot:0.01:0.9", "latest", "sequential", "zipf:1", "hotspot:1:1", "::"} {
		f.Add(s, 100)
	}
	f.Add("zipf:0.999999999", 1)
	f.Fuzz(func(t *testing.T, spec string, keyCount int) {
		if keyCount > 1<<40 {
			keyCount = 1 << 40
		}
		c, err := ParseDistribution(spec, keyCount)
		if err != nil {
			return
		}
		r := seeded(1)
		for range 100 {
			if k := c.Next(r); k < 0 || k >= keyCount {
				t.Fatalf("%q over %d keys gave key %d", spec, keyCount, k)
			}
		}
	})
}

func BenchmarkZipfianNext(b *testing.B) {
	z := NewZipfian(1_000_000, 0.99)
	r := seeded(1)
	for range b.N {
		z.Next(r)
	}
}

func BenchmarkScrambledZipfianNext(b *testing.B) {
	z := NewScrambledZipfian(1_000_000, 0.99)
	r := seeded(1)
	for range b.N {
		z.Next(r)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestFNVRankMatchesHashFNV(t *testing.T) {
	for _, rank := range []int64{0, 1, 255, 256, 1 << 40, scrambledRanks - 1} {
		var b [8]byte
		binary.LittleEndian.PutUint64(b[:], uint64(rank))
		h := fnv.New64a()
		h.Write(b[:])
		if got, want := fnvRank(rank), h.Sum64(); got != want {
			t.Errorf("fnvRank(%d) = %#x, hash/fnv says %#x", rank, got, want)
		}
	}
}
