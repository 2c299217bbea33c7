package cache

// scriptRand is the generator behind a script's math.random: the 48-bit
// linear congruential generator of POSIX drand48 (x ← a·x + c mod 2^48),
// which Redis's rand.c implements as redisLrand48. It is one sequence for
// the node's life, not reset per script, and starts where Redis's starts,
// so a fresh node gives a script the same numbers a fresh redis-server
// does; math.randomseed(n) restarts it at n. Scripts' writes are
// replicated as their effects, so the numbers need not be the same on a
// replica: it is the simulator that needs them to follow from the seed.
type scriptRand struct {
	x uint64 // 48 bits
}

const (
	rand48Multiplier = 0x5DEECE66D
	rand48Increment  = 0xB
	rand48Mask       = 1<<48 - 1
	// rand48Initial is drand48's state before any seeding (0x1234ABCD330E).
	rand48Initial = 0x1234_ABCD_330E
	// rand48Max is Redis's REDIS_LRAND48_MAX, the bound its math.random
	// divides by.
	rand48Max = 1<<31 - 1
)

func newScriptRand() scriptRand { return scriptRand{x: rand48Initial} }

// next returns the next 31-bit value (lrand48).
func (r *scriptRand) next() int32 {
	r.x = (rand48Multiplier*r.x + rand48Increment) & rand48Mask
	return int32(r.x >> 17)
}

// seed restarts the sequence as srand48(seed): the seed's 32 bits above
// the fixed low word 0x330E.
func (r *scriptRand) seed(seed int32) {
	r.x = uint64(uint32(seed))<<16 | 0x330E
}

// float returns a number in [0, 1) as Redis's math.random does.
func (r *scriptRand) float() float64 {
	return float64(r.next()%rand48Max) / rand48Max
}
