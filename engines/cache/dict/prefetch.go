package dict

// PrefetchKeysMax bounds the keys one Prefetch call reads ahead.
const PrefetchKeysMax = 32

// Prefetch reads, for each of keys (the first PrefetchKeysMax), the memory
// a lookup of it will read — its bucket, the entries of its chain up to
// the one whose hash matches, that entry's key bytes — and stores in
// found (when it is long enough) a pointer to each key's value, or nil. It
// changes nothing: it is a hint before a batch of lookups.
//
// Why: in a table larger than the CPU's caches a lookup is a chain of
// dependent cache misses (bucket, entry, key), and lookups one after
// another pay them one after another. Walking all keys a stage at a time
// makes the loads of a stage independent of each other, so the CPU keeps
// them in flight together and the batch pays about one miss per stage
// rather than one per key per stage. (Redis 8 prefetches the keys of a
// batch of commands for the same reason.) A found pointer is valid as
// Ref's is: until its key is deleted. The result folds the bytes read;
// keep it somewhere (a field) so the compiler cannot drop the loads.
func (d *Dict[V]) Prefetch(keys [][]byte, found []*V) (touched byte) {
	n := min(len(keys), PrefetchKeysMax)
	var hashes [PrefetchKeysMax]uint64
	var entries [PrefetchKeysMax]*entry[V]
	for i, key := range keys[:n] {
		hashes[i] = hash(d.seed, key)
	}
	for i := range n { // the buckets
		entries[i] = *d.home(hashes[i])
	}
	for i := range n { // the chains, almost always one entry long
		e := entries[i]
		for e != nil && e.hash != hashes[i] {
			e = e.next
		}
		entries[i] = e
	}
	for i, e := range entries[:n] { // the key bytes the lookup compares
		if e != nil && len(e.key) > 0 {
			touched ^= e.key[0]
		}
		if i < len(found) {
			found[i] = nil
			if e != nil {
				found[i] = &e.val
			}
		}
	}
	return touched
}
