package resp

// Arena is where ParseCommandIn puts what a request's arguments need
// besides the bytes of values: the argument list itself and the name and
// key bytes (nearly every request has a key right after its name). It
// carves them out of chunks, so a stream of small requests costs an
// allocation every few hundred requests instead of two per request.
//
// The two kinds of chunk live differently. Name-and-key bytes are never
// reused: a command may keep them (a blocked BLMOVE's destination) for as
// long as it likes, at the cost of keeping their chunk, at most
// arenaChunkBytes, alive. Argument lists are reused after ReuseArgs: a
// caller that hands the requests to a node which only borrows the lists
// (cache.Command's contract) calls it once the node is done, and the next
// requests' lists take the same memory — lists hold pointers, so this is
// most of what the collector would otherwise scan and free. Values
// (arguments after the key), which commands store, get allocations of
// their own. The zero Arena is ready; it is not safe for concurrent use —
// give each event loop its own.
type Arena struct {
	// args is what is left of the chunk in use, argsChunks[argsChunkAt];
	// ReuseArgs rewinds to the first chunk. Every chunk handed out since
	// the last ReuseArgs is kept (up to argsChunksKeptMax), so a round of
	// many pipelined requests, which spans several chunks, takes the same
	// memory again the next round instead of allocating all but one anew.
	args        [][]byte
	argsChunks  [][][]byte
	argsChunkAt int
	bytes       []byte
}

const (
	// arenaChunkArgs and arenaChunkBytes size a new chunk of argument
	// slots and of name-and-key bytes.
	arenaChunkArgs  = 256
	arenaChunkBytes = 4096
	// argsChunksKeptMax bounds the chunks of argument slots an arena keeps
	// for reuse (6 KiB each): 64 hold the lists of a round of 50 clients
	// pipelining 16 three-argument commands five times over.
	argsChunksKeptMax = 64
	// arenaArgsMax and arenaBytesMax bound what one request takes from the
	// arena; a bigger request allocates its own, so one cannot waste most
	// of a chunk.
	arenaArgsMax  = 32
	arenaBytesMax = 256
)

// argSlots returns n argument slots with len == cap == n.
func (a *Arena) argSlots(n int) [][]byte {
	if a == nil || n > arenaArgsMax {
		return make([][]byte, n)
	}
	if n > len(a.args) {
		a.nextArgsChunk()
	}
	slots := a.args[:n:n]
	a.args = a.args[n:]
	return slots
}

// nextArgsChunk moves args to the next kept chunk, or a new one.
func (a *Arena) nextArgsChunk() {
	if len(a.argsChunks) > 0 {
		a.argsChunkAt++
	}
	if a.argsChunkAt < len(a.argsChunks) {
		a.args = a.argsChunks[a.argsChunkAt]
		return
	}
	a.args = make([][]byte, arenaChunkArgs)
	if len(a.argsChunks) < argsChunksKeptMax {
		a.argsChunks = append(a.argsChunks, a.args)
	}
}

// byteSpace returns n bytes with len == cap == n.
func (a *Arena) byteSpace(n int) []byte {
	if a == nil || n > arenaBytesMax {
		return make([]byte, n)
	}
	if n > len(a.bytes) {
		a.bytes = make([]byte, arenaChunkBytes)
	}
	space := a.bytes[:n:n]
	a.bytes = a.bytes[n:]
	return space
}

// ReuseArgs makes the argument lists handed out since the last call free
// for the next requests: their holders must be done with them (not with
// the arguments, which stay valid). Lists in chunks past
// argsChunksKeptMax are left to the collector.
func (a *Arena) ReuseArgs() {
	if len(a.argsChunks) == 0 {
		return
	}
	// Clear what was handed out, so no stale list keeps a byte chunk
	// alive: every slot of the chunks before the one in use, and the used
	// part of that one (when it is kept: past the bound, args is a chunk
	// of its own and argsChunkAt points one past the kept ones).
	last := min(a.argsChunkAt, len(a.argsChunks)-1)
	for _, chunk := range a.argsChunks[:last] {
		clear(chunk)
	}
	if a.argsChunkAt < len(a.argsChunks) {
		inUse := a.argsChunks[a.argsChunkAt]
		clear(inUse[:len(inUse)-len(a.args)])
	} else {
		clear(a.argsChunks[last])
	}
	a.argsChunkAt = 0
	a.args = a.argsChunks[0]
}
