package loadgen

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// ZipfianConstant is YCSB's default skew.
const ZipfianConstant = 0.99

// Zipfian draws ranks 0..items-1, rank i with probability proportional to
// 1/(i+1)^theta, by the method of Gray et al., "Quickly Generating
// Billion-Record Synthetic Databases" (SIGMOD 1994), the one YCSB uses: one
// uniform draw and a closed-form inverse, no table.
type Zipfian struct {
	items             int64
	theta, alpha, eta float64
	zeta2, zetaN      float64
	// secondRankBound is 1 + 0.5^theta: u·zetaN under it (and ≥ 1) is rank 1.
	secondRankBound float64
}

// NewZipfian panics on a theta outside (0, 1) or items < 1: callers parse
// user input with ParseDistribution, which reports those as errors.
func NewZipfian(items int64, theta float64) *Zipfian {
	if !(theta > 0 && theta < 1) || items < 1 {
		panic(fmt.Sprintf("loadgen: zipfian over %d items with theta %v", items, theta))
	}
	z := &Zipfian{items: items, theta: theta, alpha: 1 / (1 - theta), zeta2: zeta(2, theta),
		secondRankBound: 1 + math.Pow(0.5, theta)}
	z.zetaN = zeta(items, theta)
	z.updateEta()
	return z
}

func (z *Zipfian) updateEta() {
	z.eta = (1 - math.Pow(2/float64(z.items), 1-z.theta)) / (1 - z.zeta2/z.zetaN)
}

// Rank draws one rank; 0 is the most popular.
func (z *Zipfian) Rank(r *rand.Rand) int64 {
	u := r.Float64()
	uz := u * z.zetaN
	if uz < 1 {
		return 0
	}
	if uz < z.secondRankBound {
		return min(1, z.items-1)
	}
	rank := int64(float64(z.items) * math.Pow(z.eta*u-z.eta+1, z.alpha))
	return min(max(rank, 0), z.items-1)
}

// Next makes a Zipfian over keys a KeyChooser: key 0 is the hottest.
func (z *Zipfian) Next(r *rand.Rand) int { return int(z.Rank(r)) }

// grow extends the ranks to items, adding the new terms to zeta exactly.
func (z *Zipfian) grow(items int64) {
	if items < z.items {
		panic(fmt.Sprintf("loadgen: zipfian cannot shrink from %d to %d items", z.items, items))
	}
	for i := z.items + 1; i <= items; i++ {
		z.zetaN += math.Pow(float64(i), -z.theta)
	}
	z.items = items
	z.updateEta()
}

// zetaSummedMax is how many terms of zeta are added one by one; beyond it
// the Euler–Maclaurin formula gives the tail to ~1e-15 relative error, so
// a billion keys cost no more than ten thousand.
const zetaSummedMax = 10_000

// zeta is the generalized harmonic number Σ_{i=1..n} 1/i^theta.
func zeta(n int64, theta float64) float64 {
	m := min(n, zetaSummedMax)
	sum := 0.0
	for i := m; i >= 1; i-- { // smallest terms first, for accuracy
		sum += math.Pow(float64(i), -theta)
	}
	if n == m {
		return sum
	}
	// Tail Σ_{i=m+1..n} f(i) with f(x) = x^-theta:
	// ∫_m^n f + (f(n) - f(m))/2 + (f'(n) - f'(m))/12.
	fm, fn := float64(m), float64(n)
	integral := (math.Pow(fn, 1-theta) - math.Pow(fm, 1-theta)) / (1 - theta)
	ends := (math.Pow(fn, -theta) - math.Pow(fm, -theta)) / 2
	slopes := -theta * (math.Pow(fn, -theta-1) - math.Pow(fm, -theta-1)) / 12
	return sum + integral + ends + slopes
}

// scrambledRanks is the rank space YCSB's scrambled zipfian draws from
// before hashing onto the keys: so large that the hottest ranks land on
// unrelated keys, whatever the key count.
const scrambledRanks = 10_000_000_000

// ScrambledZipfian has a zipfian's popularity curve but scatters the hot
// keys over the key space (key 0 is not the hottest), by hashing each rank
// with 64-bit FNV-1a, as YCSB does.
type ScrambledZipfian struct {
	ranks    *Zipfian
	keyCount int
}

func NewScrambledZipfian(keyCount int, theta float64) *ScrambledZipfian {
	return &ScrambledZipfian{ranks: NewZipfian(scrambledRanks, theta), keyCount: keyCount}
}

func (s *ScrambledZipfian) Next(r *rand.Rand) int {
	return int(fnvRank(s.ranks.Rank(r)) % uint64(s.keyCount))
}

// fnvRank is 64-bit FNV-1a over the rank's 8 little-endian bytes, written
// out because hash/fnv's hasher costs an allocation per draw.
func fnvRank(rank int64) uint64 {
	const offsetBasis, prime = 14695981039346656037, 1099511628211
	h := uint64(offsetBasis)
	for v, i := uint64(rank), 0; i < 8; v, i = v>>8, i+1 {
		h ^= v & 0xff
		h *= prime
	}
	return h
}

// Latest favours the most recently inserted keys (YCSB's "latest"): the
// newest key is rank 0 of a zipfian over all inserted keys.
type Latest struct {
	ranks    *Zipfian
	keyCount int
}

// NewLatest starts with keyCount keys already inserted, key keyCount-1
// the newest.
func NewLatest(keyCount int, theta float64) *Latest {
	return &Latest{ranks: NewZipfian(int64(keyCount), theta), keyCount: keyCount}
}

func (l *Latest) Next(r *rand.Rand) int { return l.keyCount - 1 - int(l.ranks.Rank(r)) }

// Insert adds a key, which becomes the newest, and returns its index.
func (l *Latest) Insert() int {
	l.keyCount++
	l.ranks.grow(int64(l.keyCount))
	return l.keyCount - 1
}
