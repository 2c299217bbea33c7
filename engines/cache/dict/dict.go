// Package dict is the cache's hash table: a chained table keyed by string
// with Redis's SCAN guarantee — an element present for the whole of a scan
// is returned at least once, however the table grows or shrinks between
// calls — and uniform random sampling for eviction and RANDOMKEY.
//
// Go maps cannot give either: their iteration order is random per range
// statement (a determinism trap in the simulator) and they expose no
// cursor. This table's order depends only on the keys, the seed and the
// history of operations, so a scenario replays bit for bit.
//
// Resizing is incremental, as Redis's: the table grows when it holds more
// entries than buckets and shrinks below one entry per eight buckets, and
// then every write moves the next non-empty bucket of the old table into
// the new one (Rehash lets an idle node's cron move more), so no single
// command pays for relinking a million keys. While both tables exist each
// key still has one home bucket: its bucket in the old table until that
// bucket has been moved, in the new one after — a lookup reads one chain.
package dict

import "math/rand/v2"

// bucketsMin is the smallest table; a new Dict starts with it.
const bucketsMin = 4

// rehashAtOnceBucketsMax is the largest old table a resize moves at once:
// relinking a few dozen entries costs less than a lookup that has to ask
// which table holds a key.
const rehashAtOnceBucketsMax = 64

// rehashEmptyVisitsPerBucket bounds the empty old buckets one step of
// incremental rehashing passes over per bucket it means to move (Redis
// visits up to ten times as many): a table emptied by deletes is crossed
// quickly without a write paying for a long run of empty buckets.
const rehashEmptyVisitsPerBucket = 10

// entry is one key's node. The value lives in it (not behind a pointer of
// its own): one allocation per key, and Ref hands out a pointer into it
// that stays valid while the key is present (resizing relinks nodes, it
// never moves them). hash is the key's full hash, so a lookup skips
// other keys of its chain without reading their bytes, and resizing
// never rehashes.
type entry[V any] struct {
	key  string
	hash uint64
	next *entry[V]
	val  V
}

// Dict maps strings to V. The zero value is not usable; call New.
type Dict[V any] struct {
	buckets []*entry[V] // len is a power of two; new keys go here once their old bucket moved
	// old is the table being emptied into buckets while a resize is under
	// way, else nil; old[:rehashed] are already moved (and nil).
	old      []*entry[V]
	rehashed int
	size     int
	seed     uint64
}

// New returns an empty Dict whose hash is keyed by seed. Give each Dict a
// seed from the node's random source so clients cannot choose keys that
// all collide.
func New[V any](seed uint64) *Dict[V] {
	return &Dict[V]{buckets: make([]*entry[V], bucketsMin), seed: seed}
}

// Len is the number of entries.
func (d *Dict[V]) Len() int { return d.size }

// hash reads the key eight bytes at a time, each word folded in by a
// multiply and a shift (FNV-1a's byte-at-a-time loop cost a chain of 16
// dependent multiplies for a 16-byte key, twice per pipelined GET), keyed
// by the seed and finished with a SplitMix64 avalanche so the low bits
// used as the bucket index depend on every input bit.
func hash[K string | []byte](seed uint64, key K) uint64 {
	const wordMul = 0xd6e8feb86659fd93
	h := seed ^ uint64(len(key))*0x9e3779b97f4a7c15
	i := 0
	for ; i+8 <= len(key); i += 8 {
		h = (h ^ load64(key, i)) * wordMul
		h ^= h >> 32
	}
	if i < len(key) {
		var tail uint64
		for j := len(key) - 1; j >= i; j-- {
			tail = tail<<8 | uint64(key[j])
		}
		h = (h ^ tail) * wordMul
		h ^= h >> 32
	}
	h ^= h >> 30
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 27
	h *= 0x94d049bb133111eb
	h ^= h >> 31
	return h
}

// load64 is the little-endian word at key[i:i+8], which the compiler
// turns into one load.
func load64[K string | []byte](key K, i int) uint64 {
	_ = key[i+7]
	return uint64(key[i]) | uint64(key[i+1])<<8 | uint64(key[i+2])<<16 | uint64(key[i+3])<<24 |
		uint64(key[i+4])<<32 | uint64(key[i+5])<<40 | uint64(key[i+6])<<48 | uint64(key[i+7])<<56
}

func (d *Dict[V]) mask() uint64 { return uint64(len(d.buckets) - 1) }

// Rehashing reports whether a resize is under way (two tables exist).
func (d *Dict[V]) Rehashing() bool { return d.old != nil }

// home is the bucket that holds, or would hold, the key hashed to h: in
// the old table while its bucket there has not been moved.
func (d *Dict[V]) home(h uint64) **entry[V] {
	if d.old != nil {
		if i := h & uint64(len(d.old)-1); i >= uint64(d.rehashed) {
			return &d.old[i]
		}
	}
	return &d.buckets[h&d.mask()]
}

// Get returns the value of key.
func (d *Dict[V]) Get(key string) (V, bool) {
	if e := d.find(key); e != nil {
		return e.val, true
	}
	var zero V
	return zero, false
}

// GetBytes is Get for a key held as bytes; it does not allocate.
func (d *Dict[V]) GetBytes(key []byte) (V, bool) {
	if e := d.findBytes(key); e != nil {
		return e.val, true
	}
	var zero V
	return zero, false
}

// Ref returns a pointer to key's value, nil if key is absent. It stays
// valid, and keeps pointing at key's value, until key is deleted.
func (d *Dict[V]) Ref(key string) *V {
	if e := d.find(key); e != nil {
		return &e.val
	}
	return nil
}

// RefBytes is Ref for a key held as bytes; it does not allocate.
func (d *Dict[V]) RefBytes(key []byte) *V {
	if e := d.findBytes(key); e != nil {
		return &e.val
	}
	return nil
}

func (d *Dict[V]) find(key string) *entry[V] {
	h := hash(d.seed, key)
	for e := *d.home(h); e != nil; e = e.next {
		if e.hash == h && e.key == key {
			return e
		}
	}
	return nil
}

func (d *Dict[V]) findBytes(key []byte) *entry[V] {
	h := hash(d.seed, key)
	for e := *d.home(h); e != nil; e = e.next {
		if e.hash == h && e.key == string(key) {
			return e
		}
	}
	return nil
}

// Set stores val under key and reports whether key is new.
func (d *Dict[V]) Set(key string, val V) (added bool) {
	ref, added := d.Insert(key)
	*ref = val
	return added
}

// Insert returns a pointer to key's value (as Ref), adding key with the
// zero value first if it is absent, and reports whether it did.
func (d *Dict[V]) Insert(key string) (ref *V, added bool) {
	e, added := insert(d, key)
	return &e.val, added
}

// InsertBytes is Insert for a key held as bytes: they are copied into a
// string only when the key is added. stored is the Dict's own copy of the
// key, which the caller may keep.
func (d *Dict[V]) InsertBytes(key []byte) (ref *V, stored string, added bool) {
	e, added := insert(d, key)
	return &e.val, e.key, added
}

func insert[V any, K string | []byte](d *Dict[V], key K) (*entry[V], bool) {
	h := hash(d.seed, key)
	bucket := d.home(h)
	for e := *bucket; e != nil; e = e.next {
		if e.hash == h && e.key == string(key) {
			return e, false
		}
	}
	e := &entry[V]{key: string(key), hash: h, next: *bucket}
	*bucket = e
	d.size++
	if d.old != nil {
		d.Rehash(1)
	} else {
		d.resizeIfDue()
	}
	return e, true
}

// Delete removes key and returns the value it had.
func (d *Dict[V]) Delete(key string) (V, bool) {
	h := hash(d.seed, key)
	for p := d.home(h); *p != nil; p = &(*p).next {
		if e := *p; e.hash == h && e.key == key {
			*p = e.next
			d.size--
			if d.old != nil {
				d.Rehash(1)
			} else {
				d.resizeIfDue()
			}
			return e.val, true
		}
	}
	var zero V
	return zero, false
}

// Clear removes every entry.
func (d *Dict[V]) Clear() {
	d.buckets = make([]*entry[V], bucketsMin)
	d.old, d.rehashed = nil, 0
	d.size = 0
}

// resizeIfDue starts a resize when the table holds more entries than
// buckets (to twice the buckets) or fewer than one per eight buckets (to
// the least power of two that leaves it at most half full).
func (d *Dict[V]) resizeIfDue() {
	switch {
	case d.size > len(d.buckets):
		d.resize(len(d.buckets) * 2)
	case len(d.buckets) > bucketsMin && d.size*8 < len(d.buckets):
		n := bucketsMin
		for n < 2*d.size {
			n *= 2
		}
		d.resize(n)
	}
}

// resize starts moving the entries into a table of n buckets; a small
// table is moved at once.
func (d *Dict[V]) resize(n int) {
	if d.old != nil {
		panic("dict: resize while a resize is under way")
	}
	d.old, d.rehashed = d.buckets, 0
	d.buckets = make([]*entry[V], n)
	if len(d.old) <= rehashAtOnceBucketsMax {
		d.Rehash(len(d.old))
	}
}

// Rehash moves up to buckets non-empty buckets of the old table (passing
// over at most rehashEmptyVisitsPerBucket empty ones for each) and reports
// whether a resize is still under way. When one ends, the next starts if
// the table is due one. A node's cron calls it to finish a resize that
// writes have stopped driving.
func (d *Dict[V]) Rehash(buckets int) (rehashing bool) {
	visits := buckets * rehashEmptyVisitsPerBucket
	for moved := 0; d.old != nil && moved < buckets && visits > 0; visits-- {
		head := d.old[d.rehashed]
		d.old[d.rehashed] = nil
		d.rehashed++
		if head != nil {
			d.move(head)
			moved++
		}
		if d.rehashed == len(d.old) {
			d.old, d.rehashed = nil, 0
			d.resizeIfDue()
			break
		}
	}
	return d.old != nil
}

// move relinks the chain from head into the new table, each entry at the
// tail of its new chain so relative order is kept: the layout is a
// function of the history of operations alone.
func (d *Dict[V]) move(head *entry[V]) {
	mask := d.mask()
	for e := head; e != nil; {
		next := e.next
		e.next = nil
		p := &d.buckets[e.hash&mask]
		for *p != nil {
			p = &(*p).next
		}
		*p = e
		e = next
	}
}

// Range calls fn for every entry in bucket order until fn returns false.
// fn must not change the Dict.
func (d *Dict[V]) Range(fn func(key string, val V) bool) {
	d.RangeRef(func(key string, val *V) bool { return fn(key, *val) })
}

// RangeRef is Range with a pointer to each value, which fn may change in
// place (but fn must not add or delete keys).
func (d *Dict[V]) RangeRef(fn func(key string, val *V) bool) {
	for _, table := range [2][]*entry[V]{d.old, d.buckets} { // old is nil unless resizing
		for _, head := range table {
			for e := head; e != nil; e = e.next {
				if !fn(e.key, &e.val) {
					return
				}
			}
		}
	}
}

// Scan visits the bucket cursor names (every entry in it) and returns the
// cursor of the next call; 0 means the scan is complete. It is Redis's
// reverse-binary cursor: the high bits of the cursor are incremented, so a
// table that doubled or halved between calls neither skips a bucket whose
// entries were there all along nor (when it did not shrink) repeats one.
// fn must not change the Dict.
//
// While a resize is under way a key is in one of two tables. The cursor
// then names a bucket of the smaller table and, in the larger, every
// bucket whose index has those low bits (the buckets it splits into): both
// are visited, so a key is found whichever table holds it.
func (d *Dict[V]) Scan(cursor uint64, fn func(key string, val V)) uint64 {
	small := d.buckets
	if d.old == nil {
		visitChain(small[cursor&d.mask()], fn)
		return nextCursor(cursor, d.mask())
	}
	large := d.old
	if len(small) > len(large) {
		small, large = large, small
	}
	smallMask, largeMask := uint64(len(small)-1), uint64(len(large)-1)
	visitChain(small[cursor&smallMask], fn)
	for {
		visitChain(large[cursor&largeMask], fn)
		// Step through the bits the larger table adds, in reverse binary
		// order, until they wrap to zero and carry into the smaller's.
		cursor = nextCursor(cursor, largeMask)
		if cursor&(smallMask^largeMask) == 0 {
			return cursor
		}
	}
}

func visitChain[V any](head *entry[V], fn func(key string, val V)) {
	for e := head; e != nil; e = e.next {
		fn(e.key, e.val)
	}
}

// nextCursor increments the bits of cursor under mask in reverse binary
// order: the bits above the mask are set first, so the increment carries
// into the reversed low bits only.
func nextCursor(cursor, mask uint64) uint64 {
	cursor |= ^mask
	cursor = reverseBits(cursor)
	cursor++
	return reverseBits(cursor)
}

func reverseBits(v uint64) uint64 {
	var r uint64
	for range 64 {
		r = r<<1 | v&1
		v >>= 1
	}
	return r
}

// chainSamplesMax bounds the empty buckets the fallback of RandomRef skips
// before it settles for a linear walk.
const chainSamplesMax = 100

// randomChainSlots and randomTriesMax shape RandomRef's draw: a try picks
// a bucket and a slot 0..randomChainSlots-1 and succeeds when the chain
// has an entry at that slot, so every entry of a chain no longer than
// randomChainSlots is equally likely (a longer chain draws its slot from
// its own length, a little less likely each). A table is at least 1/8
// full, so a try succeeds with probability at least 1/64; after
// randomTriesMax failures the bucket-then-chain draw answers.
const (
	randomChainSlots = 8
	randomTriesMax   = 512
)

// Random returns an entry chosen with r, uniformly as far as chains are
// short (see randomChainSlots); Redis's dictGetFairRandomKey serves the
// same purpose: SRANDMEMBER, HRANDFIELD and ZRANDMEMBER must pass a
// chi-square test of their picks.
func (d *Dict[V]) Random(r *rand.Rand) (key string, val V, ok bool) {
	key, ref := d.RandomRef(r)
	if ref == nil {
		return "", val, false
	}
	return key, *ref, true
}

// RandomRef is Random with a pointer to the value (as Ref); nil when the
// Dict is empty.
func (d *Dict[V]) RandomRef(r *rand.Rand) (key string, val *V) {
	if d.size == 0 {
		return "", nil
	}
	for range randomTriesMax {
		head := d.bucketAt(r.IntN(d.bucketCount()))
		n := 0
		for e := head; e != nil; e = e.next {
			n++
		}
		k := r.IntN(max(randomChainSlots, n))
		if k >= n {
			continue
		}
		e := head
		for ; k > 0; k-- {
			e = e.next
		}
		return e.key, &e.val
	}
	var head *entry[V]
	buckets := d.bucketCount()
	for range chainSamplesMax {
		if head = d.bucketAt(r.IntN(buckets)); head != nil {
			break
		}
	}
	if head == nil {
		start := r.IntN(buckets)
		for i := range buckets {
			if head = d.bucketAt((start + i) % buckets); head != nil {
				break
			}
		}
	}
	n := 0
	for e := head; e != nil; e = e.next {
		n++
	}
	e := head
	for k := r.IntN(n); k > 0; k-- {
		e = e.next
	}
	return e.key, &e.val
}

// bucketCount and bucketAt number the buckets that may hold entries: the
// old table's not yet moved, then the new table's. Random draws from them
// so that every entry is as likely while a resize is under way.
func (d *Dict[V]) bucketCount() int { return len(d.old) - d.rehashed + len(d.buckets) }

func (d *Dict[V]) bucketAt(i int) *entry[V] {
	if unmoved := len(d.old) - d.rehashed; i < unmoved {
		return d.old[d.rehashed+i]
	}
	return d.buckets[i-(len(d.old)-d.rehashed)]
}
