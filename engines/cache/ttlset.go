package cache

import "math/rand/v2"

// ttlSet is the set of keys that carry a TTL, kept so active expiry can
// pick random members in O(1) and deterministically: a dense slice for
// sampling plus each key's position for O(1) swap-remove. Map order never
// matters; only the slice order, which depends on operations alone.
type ttlSet struct {
	keys     []string
	position map[string]int
}

func newTTLSet() ttlSet { return ttlSet{position: make(map[string]int)} }

func (s *ttlSet) add(key string) {
	if _, ok := s.position[key]; ok {
		return
	}
	s.position[key] = len(s.keys)
	s.keys = append(s.keys, key)
}

func (s *ttlSet) remove(key string) {
	i, ok := s.position[key]
	if !ok {
		return
	}
	last := len(s.keys) - 1
	if s.keys[i] != key {
		panic("cache: ttlSet position index out of sync with its key slice")
	}
	s.keys[i] = s.keys[last]
	s.position[s.keys[i]] = i
	s.keys[last] = ""
	s.keys = s.keys[:last]
	delete(s.position, key)
}

func (s *ttlSet) len() int { return len(s.keys) }

// random returns a uniformly chosen member; the set must not be empty.
func (s *ttlSet) random(rng *rand.Rand) string { return s.keys[rng.IntN(len(s.keys))] }
