package cache

// object is a value stored under a key. Each type family (strings now;
// lists, sets, hashes, sorted sets later) has its own implementation in its
// own file, and commands check the type with a type switch so a wrong type
// answers WRONGTYPE.
type object interface {
	// typeName is what the TYPE command answers: "string", "list", ….
	typeName() string
	// encoding is what OBJECT ENCODING answers: "embstr", "int", "raw",
	// "listpack", "quicklist", "intset", "hashtable", "skiplist".
	encoding() string
	// memoryBytes estimates the memory the value takes, for maxmemory and
	// MEMORY USAGE. It must be O(1): collections keep a running count.
	memoryBytes() int
}

// entry is one key's slot in the keyspace.
type entry struct {
	value object
	// expireAtMillis is the absolute expiry in Unix milliseconds on the
	// node's clock; noExpiry when the key is persistent.
	expireAtMillis int64
	// lruMillis is when the key was last accessed (Unix ms, node clock):
	// the LRU policies and OBJECT IDLETIME read it.
	lruMillis int64
	// lfu is Redis's 8-bit logarithmic access counter and lfuDecrMinutes
	// when it was last decayed (Unix minutes); kept under the LFU policies.
	lfu            uint8
	lfuDecrMinutes int64
	// accountedBytes is what this entry adds to the keyspace's usedBytes
	// as last computed (memory.go): after a command changes a collection
	// in place, the difference to a fresh computation is the delta.
	accountedBytes int64
}

const noExpiry = 0

// keyspace is one logical database: the dict of keys plus the index of
// keys that carry a TTL, which active expiry samples from.
type keyspace struct {
	dict     map[string]*entry
	volatile ttlSet
	// loading is set while the AOF is replayed: like Redis, nothing
	// expires then, because replayed commands must see the keys as they
	// were when the commands first ran.
	loading *bool
	// onExpired is told about each key deleted because it expired, so the
	// deletion can be propagated to the AOF as a DEL.
	onExpired func(key string)
	// usedBytes is the memory the keys of this database account for
	// (memory.go); the node's used memory is the sum over databases.
	usedBytes int64
	// access is the node's clock and access-tracking policy, shared by
	// all its databases (evict.go).
	access *accessClock
	// sampleAll indexes every key for the allkeys-* eviction policies;
	// nil when no such policy is configured (the Go map cannot be sampled
	// deterministically).
	sampleAll *ttlSet
}

func newKeyspace(loading *bool, onExpired func(key string), access *accessClock) *keyspace {
	ks := &keyspace{dict: make(map[string]*entry), volatile: newTTLSet(), loading: loading, onExpired: onExpired, access: access}
	if access.sampleAllKeys {
		all := newTTLSet()
		ks.sampleAll = &all
	}
	return ks
}

// lookup returns the live entry of key, deleting it first if it has
// expired at nowMillis (lazy expiry).
// The key is a []byte so the map lookup does not allocate a string.
func (ks *keyspace) lookup(key []byte, nowMillis int64) *entry {
	e, ok := ks.dict[string(key)]
	if !ok {
		return nil
	}
	if e.expireAtMillis != noExpiry && ks.expireIfNeeded(string(key), e, nowMillis) {
		return nil
	}
	ks.access.touch(e)
	return e
}

// expireIfNeeded deletes key if e is past its expiry and reports whether it did.
func (ks *keyspace) expireIfNeeded(key string, e *entry, nowMillis int64) bool {
	if e.expireAtMillis == noExpiry || e.expireAtMillis > nowMillis || *ks.loading {
		return false
	}
	ks.delete(key)
	ks.onExpired(key)
	return true
}

// set stores value under key, replacing whatever was there. keepTTL keeps
// the old expiry (SET … KEEPTTL, and in-place updates such as INCR);
// otherwise the key becomes persistent.
func (ks *keyspace) set(key string, value object, keepTTL bool) *entry {
	e, ok := ks.dict[key]
	if !ok {
		e = ks.access.newEntry()
		ks.dict[key] = e
		if ks.sampleAll != nil {
			ks.sampleAll.add(key)
		}
	} else {
		// A new value is a new object to Redis: a fresh LRU clock, but
		// the LFU counter carries over (dbSetValue keeps it).
		e.lruMillis = ks.access.nowMillis
	}
	e.value = value
	if !keepTTL && e.expireAtMillis != noExpiry {
		e.expireAtMillis = noExpiry
		ks.volatile.remove(key)
	}
	ks.account(key, e)
	return e
}

// setExpire gives an existing key an absolute expiry.
func (ks *keyspace) setExpire(key string, e *entry, atMillis int64) {
	if atMillis == noExpiry {
		panic("cache: setExpire with the no-expiry sentinel")
	}
	if e.expireAtMillis == noExpiry {
		ks.volatile.add(key)
	}
	e.expireAtMillis = atMillis
	ks.account(key, e)
}

// delete removes key and reports whether it existed (expired or not).
func (ks *keyspace) delete(key string) bool {
	e, ok := ks.dict[key]
	if !ok {
		return false
	}
	if e.expireAtMillis != noExpiry {
		ks.volatile.remove(key)
	}
	if ks.sampleAll != nil {
		ks.sampleAll.remove(key)
	}
	ks.usedBytes -= e.accountedBytes
	delete(ks.dict, key)
	return true
}

// size counts keys, including expired ones not yet reclaimed, as Redis's
// DBSIZE does.
func (ks *keyspace) size() int { return len(ks.dict) }

func (ks *keyspace) flush() {
	ks.dict = make(map[string]*entry)
	ks.volatile = newTTLSet()
	if ks.sampleAll != nil {
		all := newTTLSet()
		ks.sampleAll = &all
	}
	ks.usedBytes = 0
}
