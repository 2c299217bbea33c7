package cache

// The glue between the collection types (lists.go, sets.go, hashes.go,
// zsets.go) and the features that handle every value alike: snapshots and
// AOF-rewrite bases (snapshot.go's persistable and rdbConstructors) and
// COPY (keyspace.go's copier).
//
// Saving goes through persist.ValueWriter, which writes either RDB or, for
// an AOF base without the RDB preamble, RPUSH/SADD/HSET/ZADD commands in
// batches followed by PEXPIREAT; so one writeValue per type serves both.
//
// Loading rebuilds a value with the type's own insert path, so the loaded
// value picks its encoding by the same thresholds as one built by
// commands — which is also what Redis 7.0 does on load (an intset for a
// small all-integer set, a listpack for a small hash or sorted set).
// Duplicate members and NaN scores are corrupt files, as in Redis.
//
// Dict seeds and skiplist levels of loaded and copied values come from the
// node's random source, so a node's state replays with its seed.

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"

	"syslab/engines/cache/dict"
	"syslab/engines/cache/persist"
)

// Lists.

func (l *listObject) writeValue(w persist.ValueWriter, key []byte, expireAtMillis int64) {
	elems := make([][]byte, l.n)
	for i := range l.n {
		elems[i] = l.at(i)
	}
	w.WriteList(key, elems, expireAtMillis)
}

func newListFromRDB(elems [][]byte) object {
	l := newListObject()
	for _, e := range elems {
		l.push(e, false)
	}
	return l
}

func (l *listObject) copyObject(*rand.Rand) object {
	cp := newListObject()
	for i := range l.n {
		cp.push(bytes.Clone(l.at(i)), false)
	}
	return cp
}

// Sets.

func (s *setObject) writeValue(w persist.ValueWriter, key []byte, expireAtMillis int64) {
	members := make([][]byte, 0, s.len())
	if s.members == nil {
		for _, n := range s.ints {
			members = append(members, strconv.AppendInt(nil, n, 10))
		}
	} else {
		s.members.Range(func(member string, _ struct{}) bool {
			members = append(members, []byte(member))
			return true
		})
	}
	w.WriteSet(key, members, expireAtMillis)
}

func newSetFromRDB(rng *rand.Rand, limits *encodingLimits, members [][]byte) (object, error) {
	s := newSet(rng.Uint64())
	s.limits = limits // the node's thresholds, as Redis loads by its own config
	for _, m := range members {
		if !s.add(m) {
			return nil, fmt.Errorf("duplicate set member %q", m)
		}
	}
	return s, nil
}

func (s *setObject) copyObject(rng *rand.Rand) object {
	cp := &setObject{seed: rng.Uint64(), bytes: s.bytes}
	if s.members == nil {
		cp.ints = append(make([]int64, 0, len(s.ints)), s.ints...)
		return cp
	}
	cp.members = dict.New[struct{}](cp.seed)
	s.members.Range(func(member string, _ struct{}) bool {
		cp.members.Set(member, struct{}{})
		return true
	})
	return cp
}

// Hashes.

func (h *hashObject) writeValue(w persist.ValueWriter, key []byte, expireAtMillis int64) {
	fieldsAndValues := make([][]byte, 0, 2*h.len())
	if h.fields == nil {
		for _, p := range h.pairs {
			fieldsAndValues = append(fieldsAndValues, p.field, p.value)
		}
	} else {
		h.fields.Range(func(field string, value []byte) bool {
			fieldsAndValues = append(fieldsAndValues, []byte(field), value)
			return true
		})
	}
	w.WriteHash(key, fieldsAndValues, expireAtMillis)
}

func newHashFromRDB(rng *rand.Rand, limits *encodingLimits, fieldsAndValues [][]byte) (object, error) {
	if len(fieldsAndValues)%2 != 0 {
		return nil, fmt.Errorf("hash field %q without a value", fieldsAndValues[len(fieldsAndValues)-1])
	}
	h := newHash(rng.Uint64())
	h.limits = limits
	for i := 0; i < len(fieldsAndValues); i += 2 {
		if !h.set(fieldsAndValues[i], fieldsAndValues[i+1]) {
			return nil, fmt.Errorf("duplicate hash field %q", fieldsAndValues[i])
		}
	}
	return h, nil
}

func (h *hashObject) copyObject(rng *rand.Rand) object {
	cp := &hashObject{seed: rng.Uint64(), bytes: h.bytes}
	if h.fields == nil {
		cp.pairs = make([]hashPair, len(h.pairs))
		for i, p := range h.pairs {
			cp.pairs[i] = hashPair{bytes.Clone(p.field), bytes.Clone(p.value)}
		}
		return cp
	}
	cp.fields = dict.New[[]byte](cp.seed)
	h.fields.Range(func(field string, value []byte) bool {
		cp.fields.Set(field, bytes.Clone(value))
		return true
	})
	return cp
}

// Sorted sets.

func (z *zsetObject) writeValue(w persist.ValueWriter, key []byte, expireAtMillis int64) {
	members := make([][]byte, 0, z.len())
	scores := make([]float64, 0, z.len())
	for x := z.zsl.first(); x != nil; x = x.levels[0].forward {
		members = append(members, []byte(x.member))
		scores = append(scores, x.score)
	}
	w.WriteZSet(key, members, scores, expireAtMillis)
}

// newEmptyZset is an empty sorted set whose dict seed and skiplist levels
// come from rng (the node's random source).
func newEmptyZset(rng *rand.Rand) *zsetObject {
	return &zsetObject{members: dict.New[*skipNode](rng.Uint64()), zsl: newSkiplist(rng)}
}

func newZsetFromRDB(rng *rand.Rand, limits *encodingLimits, members [][]byte, scores []float64) (object, error) {
	if len(members) != len(scores) {
		return nil, fmt.Errorf("sorted set with %d members and %d scores", len(members), len(scores))
	}
	z := newEmptyZset(rng)
	z.limits = limits
	for i, m := range members {
		if math.IsNaN(scores[i]) {
			return nil, fmt.Errorf("sorted set member %q with a NaN score", m)
		}
		if _, dup := z.members.GetBytes(m); dup {
			return nil, fmt.Errorf("duplicate sorted set member %q", m)
		}
		z.insert(string(m), scores[i])
	}
	return z, nil
}

// copyObject rebuilds the skiplist (new levels drawn from rng) and the dict
// (a new seed): the copy shares no node with z. The encoding is kept, as
// Redis's COPY keeps it.
func (z *zsetObject) copyObject(rng *rand.Rand) object {
	cp := newEmptyZset(rng)
	for x := z.zsl.first(); x != nil; x = x.levels[0].forward {
		cp.insert(x.member, x.score)
	}
	cp.skiplistEncoded = z.skiplistEncoded
	return cp
}
