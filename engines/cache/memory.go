package cache

// Memory accounting, close to what Redis reports as used_memory for the
// dataset: every key costs its name, its value (object.memoryBytes) and the
// bookkeeping around them. The figures are those of Redis 7.0 on a 64-bit
// build with jemalloc, rounded to what an allocation of that size really
// takes (jemalloc's size classes are 8, 16, 32, 48, 64, … bytes):
//
//   - dictEntry: key pointer, value pointer, next pointer = 24 bytes, which
//     jemalloc serves from its 32-byte class (dict.h, zmalloc_size);
//   - the bucket slot pointing at the entry: 8 bytes per bucket, and the
//     table has about one bucket per key (it grows at load factor 1);
//   - the key's sds string: a 3-byte sdshdr8 header plus a NUL beside the
//     key bytes (sds.h);
//   - a volatile key is also in db->expires: another dictEntry (32) and
//     bucket slot (8); the expiry itself is stored inside that entry and
//     the key's sds is shared, so nothing else.
//
// The robj header (16 bytes: type, encoding, LRU bits, refcount, pointer)
// is part of the value: object.memoryBytes includes it, as stringObject's
// does.
//
// Beside the keys, used_memory holds what Redis's holds beside them: the
// memory an empty server starts with (startupMemoryBytes), the replication
// backlog, the AOF buffer and the clients' query buffers (their sizes as
// the adapter reports them: QueryBuffer), so an empty node reports what an
// empty Redis does and maxmemory leaves the keys the same room. As in
// Redis, the AOF buffer is not counted against maxmemory
// (maxmemoryCountedBytes). Not counted: the clients' output buffers and
// the rest of their structures, which live in the adapter (their real cost
// shows in the process's RSS).
const (
	// startupMemoryBytes is used_memory_startup of an empty Redis 7.0.15
	// (Debian's x86-64 build, jemalloc): its shared objects, command
	// table and empty databases. Measured; it is a constant of the model,
	// not a measurement of this process.
	startupMemoryBytes = 876192
)

const (
	// keyOverheadBytes is the dictEntry (32), its bucket slot (8) and the
	// key's sds header and terminator (4).
	keyOverheadBytes = 32 + 8 + 4
	// volatileOverheadBytes is the key's entry (32) and bucket slot (8) in
	// the expires dict.
	volatileOverheadBytes = 32 + 8
)

// entryBytes is what key with entry e costs in total.
func entryBytes(key string, e *entry) int64 { return entryBytesOfLen(len(key), e) }

// entryBytesOfLen is entryBytes for a key keyBytes long.
func entryBytesOfLen(keyBytes int, e *entry) int64 {
	n := int64(keyOverheadBytes+keyBytes) + int64(e.value.memoryBytes())
	if e.expireAtMillis != noExpiry {
		n += volatileOverheadBytes
	}
	return n
}

// account recomputes what entry e of key costs and applies the change to
// the database's total. It is O(1): memoryBytes is.
func (ks *keyspace) account(key string, e *entry) { ks.accountLen(len(key), e) }

// accountLen is account for a key keyBytes long.
func (ks *keyspace) accountLen(keyBytes int, e *entry) {
	n := entryBytesOfLen(keyBytes, e)
	ks.usedBytes += n - e.accountedBytes
	e.accountedBytes = n
}

// reaccount refreshes the cost of key after a write command that may have
// changed its value in place (LPUSH grows a list without a set). It does
// not expire the key or count as an access.
func (ks *keyspace) reaccount(key []byte) {
	e := ks.recent
	if e == nil || string(ks.recentKey) != string(key) {
		e = ks.dict.RefBytes(key)
	}
	if e != nil {
		ks.accountLen(len(key), e)
	}
}

// usedMemoryBytes is used_memory: start-up, keys, backlog, query buffers
// and AOF buffer (see the top of this file).
func (n *Node) usedMemoryBytes() int64 {
	return n.maxmemoryCountedBytes() + n.aofBufferBytes()
}

// maxmemoryCountedBytes is the part of used_memory that maxmemory limits:
// all but the AOF buffer, which Redis leaves out because writing it out
// frees it, and evicting keys would only grow it (freeMemoryGetNotCountedMemory).
func (n *Node) maxmemoryCountedBytes() int64 {
	return startupMemoryBytes + n.keysMemoryBytes() + n.replicationBacklogBytes() + n.memory.queryBuffersBytes
}

// keysMemoryBytes is what the keys take across databases.
func (n *Node) keysMemoryBytes() int64 {
	var total int64
	for _, ks := range n.dbs {
		total += ks.usedBytes
	}
	return total
}

// replicationBacklogBytes is what the backlog holds: Redis's grows in
// blocks as the stream fills it, up to repl-backlog-size.
func (n *Node) replicationBacklogBytes() int64 {
	if n.repl.backlog == nil {
		return 0
	}
	return int64(n.repl.backlog.HistlenBytes())
}

// aofBufferBytes is what the AOF buffer holds, waiting to be written.
func (n *Node) aofBufferBytes() int64 {
	if n.aof == nil {
		return 0
	}
	return int64(n.aof.PendingBytes())
}
