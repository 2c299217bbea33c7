package node

// A Reclaimer is an Env whose process can take memory back the moment a
// node lets go of much of what it held: live mode's, where the Go runtime
// otherwise frees dropped data only at its next collection. Until then the
// process grows into fresh pages for whatever comes next, and the
// collection itself lands in the middle of later work — where Redis's
// allocator had the memory back before FLUSHALL even replied.
//
// droppedBytes is the node's own accounting of what it dropped (its
// used_memory share); the Env decides whether that is worth a collection.
// wait says the node's caller waits for the freeing (FLUSHALL SYNC), so a
// collection may hold the node's loop; otherwise it runs in the background,
// as Redis's lazy free does.
//
// The simulator does not model the host's memory, and its Env is not a
// Reclaimer.
type Reclaimer interface {
	Reclaim(droppedBytes int64, wait bool)
}
