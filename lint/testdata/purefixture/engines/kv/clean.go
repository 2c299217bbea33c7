package kv

import (
	"math/rand/v2"
	"sort"
	"time"
)

// Everything here is allowed in a core: seeded sources the caller owns,
// methods on them, time arithmetic, and ranging over a map with sorted keys.
type state struct {
	rng     *rand.Rand
	expires map[string]time.Time
}

func newState(seed uint64) *state {
	return &state{rng: rand.New(rand.NewPCG(seed, seed)), expires: map[string]time.Time{}}
}

func (s *state) sample(now time.Time) []string {
	var keys []string
	for k := range s.expires {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	s.rng.Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
	var expired []string
	for _, k := range keys {
		if now.Sub(s.expires[k]) > 0 && s.rng.IntN(2) == 0 {
			expired = append(expired, k)
		}
	}
	_ = time.Unix(0, 0).Add(5 * time.Second)
	return expired
}

// stepCounter implements context.Context's Done as a library polls it: the
// one channel type a core may spell.
type stepCounter struct{ steps int }

func (s *stepCounter) Done() <-chan struct{} {
	s.steps++
	return nil
}
