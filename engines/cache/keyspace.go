package cache

import (
	"math/rand/v2"

	"syslab/engines/cache/dict"
)

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

// copier is implemented by types COPY can duplicate. copyObject returns a
// deep copy: no later change to either value may show in the other. rng
// is the node's random source, for the copy's dict seed and skiplist.
type copier interface {
	copyObject(rng *rand.Rand) object
}

// entry is one key's slot in the keyspace. It lives inside the dict's node
// for the key (one allocation per key, with the key's name beside it), so
// keep it small: 48 bytes make the node 80, one of Go's size classes.
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
	// (int32 minutes span ±4000 years around 1970: any clock a node has).
	lfu            uint8
	lfuDecrMinutes int32
	// accountedBytes is what this entry adds to the keyspace's usedBytes
	// as last computed (memory.go): after a command changes a collection
	// in place, the difference to a fresh computation is the delta.
	accountedBytes int64
}

const noExpiry = 0

// keyspace is one logical database: the dict of keys plus the index of
// keys that carry a TTL, which active expiry samples from.
//
// The dict is a dict.Dict rather than a Go map so that SCAN has a cursor,
// RANDOMKEY and eviction can sample, and every order that reaches a reply
// depends only on the seed and the history of commands.
type keyspace struct {
	dict     *dict.Dict[entry]
	volatile ttlSet
	// seed keys the dict's hash; flush keeps it, so a database's layout
	// depends only on the node's seed and its history.
	seed uint64
	// loading is set while the AOF is replayed: like Redis, nothing
	// expires then, because replayed commands must see the keys as they
	// were when the commands first ran.
	loading *bool
	// keepExpired is set while clients are paused (pause.go): an expired
	// key then reads as missing but is not deleted.
	keepExpired *bool
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
	// nil when no such policy is configured. (dict.Random could serve
	// instead; the index keeps sampling uniform over keys, not buckets.)
	sampleAll *ttlSet
	// slots indexes the keys by hash slot, for CLUSTER COUNTKEYSINSLOT
	// and GETKEYSINSLOT; nil unless cluster mode is on (slotindex.go).
	slots *slotIndex
	// recent is the entry of recentKey, the key last found or set: a
	// write command's keys are accounted again right after it ran
	// (reaccount), nearly always the key it just looked up, and this
	// spares hashing and finding it once more. recentKey is a copy (the
	// caller's bytes may be a scratch buffer). Only a cache: delete, flush
	// and swapContents clear it, so it never points at a deleted entry.
	recent    *entry
	recentKey []byte
	// notifyFlags points at the node's notify-keyspace-events and onNew
	// is told about each key created while its "n" class is on, except
	// while loading (notify.go).
	notifyFlags *notifyClass
	onNew       func(key string)
}

func newKeyspace(seed uint64, loading, keepExpired *bool, onExpired func(key string), access *accessClock) *keyspace {
	ks := &keyspace{dict: dict.New[entry](seed), seed: seed, volatile: newTTLSet(), loading: loading, keepExpired: keepExpired,
		onExpired: onExpired, access: access}
	if access.sampleAllKeys {
		all := newTTLSet()
		ks.sampleAll = &all
	}
	return ks
}

// lookup returns the live entry of key, deleting it first if it has
// expired at nowMillis (lazy expiry), and records the access.
// GetBytes takes the key as bytes so a hit allocates nothing.
func (ks *keyspace) lookup(key []byte, nowMillis int64) *entry {
	e := ks.lookupNoTouch(key, nowMillis)
	if e != nil {
		ks.access.touch(e)
	}
	return e
}

// lookupNoTouch is lookup without recording an access: for commands that
// inspect a key's metadata (TYPE, OBJECT, TTL-like reads do touch in Redis;
// OBJECT and TYPE do not).
func (ks *keyspace) lookupNoTouch(key []byte, nowMillis int64) *entry {
	e := ks.dict.RefBytes(key)
	if e == nil {
		return nil
	}
	if e.expireAtMillis != noExpiry && ks.expireIfNeeded(string(key), e, nowMillis) {
		return nil
	}
	ks.remember(key, e)
	return e
}

// recentKeyBytesMax bounds the key remembered as the recent one (and so
// the copy kept of it); a longer key is simply looked up again.
const recentKeyBytesMax = 256

// remember makes e, key's entry, the recent one.
func (ks *keyspace) remember(key []byte, e *entry) {
	if len(key) > recentKeyBytesMax {
		ks.forget()
		return
	}
	ks.recent, ks.recentKey = e, append(ks.recentKey[:0], key...)
}

// forget clears the recent entry.
func (ks *keyspace) forget() { ks.recent = nil }

// peek returns key's entry even if expired, changing nothing.
func (ks *keyspace) peek(key []byte) *entry {
	return ks.dict.RefBytes(key)
}

// expireIfNeeded reports whether key is past its expiry (e is its entry)
// and deletes it if so — unless clients are paused, which keeps it.
func (ks *keyspace) expireIfNeeded(key string, e *entry, nowMillis int64) bool {
	if e.expireAtMillis == noExpiry || e.expireAtMillis > nowMillis || *ks.loading {
		return false
	}
	if *ks.keepExpired {
		return true
	}
	ks.delete(key)
	ks.onExpired(key)
	return true
}

// set stores value under key, replacing whatever was there. keepTTL keeps
// the old expiry (SET … KEEPTTL, and in-place updates such as INCR);
// otherwise the key becomes persistent.
func (ks *keyspace) set(key string, value object, keepTTL bool) *entry {
	e, added := ks.dict.Insert(key)
	ks.forget()
	ks.noteWritten(value)
	return ks.setEntry(key, e, added, value, keepTTL)
}

// setMoved is set for a value that moves from another key (RENAME, MOVE):
// the object is the same one, as in Redis.
func (ks *keyspace) setMoved(key string, value object) *entry {
	e, added := ks.dict.Insert(key)
	ks.forget()
	return ks.setEntry(key, e, added, value, false)
}

// setBytes is set for a key held as bytes; overwriting a key copies
// nothing.
func (ks *keyspace) setBytes(key []byte, value object, keepTTL bool) *entry {
	e, stored, added := ks.dict.InsertBytes(key)
	ks.remember(key, e)
	ks.noteWritten(value)
	return ks.setEntry(stored, e, added, value, keepTTL)
}

// noteWritten marks a string value written now as unshared when integers
// are not shared (accessClock.sharesIntegers).
func (ks *keyspace) noteWritten(value object) {
	if s, ok := value.(*stringObject); ok {
		s.unshared = !ks.access.sharesIntegers()
	}
}

// setEntry is set's work once e, key's entry, is in the dict (added: as
// a new key).
func (ks *keyspace) setEntry(key string, e *entry, added bool, value object, keepTTL bool) *entry {
	if added {
		if *ks.notifyFlags&notifyNew != 0 && !*ks.loading {
			ks.onNew(key) // loading creates keys silently, as Redis's loader
		}
		ks.access.initEntry(e)
		if ks.sampleAll != nil {
			ks.sampleAll.add(key)
		}
		if ks.slots != nil {
			ks.slots.add(key)
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

// persist removes key's expiry and reports whether it had one.
func (ks *keyspace) persist(key string, e *entry) bool {
	if e.expireAtMillis == noExpiry {
		return false
	}
	e.expireAtMillis = noExpiry
	ks.volatile.remove(key)
	return true
}

// delete removes key and reports whether it existed (expired or not).
func (ks *keyspace) delete(key string) bool {
	e, ok := ks.dict.Delete(key)
	if !ok {
		return false
	}
	ks.forget()
	if e.expireAtMillis != noExpiry {
		ks.volatile.remove(key)
	}
	if ks.sampleAll != nil {
		ks.sampleAll.remove(key)
	}
	if ks.slots != nil {
		ks.slots.remove(key)
	}
	ks.usedBytes -= e.accountedBytes
	return true
}

// size counts keys, including expired ones not yet reclaimed, as Redis's
// DBSIZE does.
func (ks *keyspace) size() int { return ks.dict.Len() }

// flush drops every key and reports the bytes they accounted for.
func (ks *keyspace) flush() (droppedBytes int64) {
	droppedBytes = ks.usedBytes
	ks.dict.Clear()
	ks.forget()
	ks.volatile = newTTLSet()
	if ks.sampleAll != nil {
		all := newTTLSet()
		ks.sampleAll = &all
	}
	if ks.slots != nil {
		ks.slots = newSlotIndex()
	}
	ks.usedBytes = 0
	return droppedBytes
}

// swapContents exchanges the keys of two databases (SWAPDB), leaving each
// keyspace's identity (its expiry callback) in place.
func (ks *keyspace) swapContents(other *keyspace) {
	ks.dict, other.dict = other.dict, ks.dict
	ks.forget()
	other.forget()
	ks.volatile, other.volatile = other.volatile, ks.volatile
	ks.usedBytes, other.usedBytes = other.usedBytes, ks.usedBytes
	ks.seed, other.seed = other.seed, ks.seed
	ks.sampleAll, other.sampleAll = other.sampleAll, ks.sampleAll
	ks.slots, other.slots = other.slots, ks.slots
}
