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
	// args is what is left of argsChunk; ReuseArgs rewinds it.
	args      [][]byte
	argsChunk [][]byte
	bytes     []byte
}

const (
	// arenaChunkArgs and arenaChunkBytes size a new chunk of argument
	// slots and of name-and-key bytes.
	arenaChunkArgs  = 256
	arenaChunkBytes = 4096
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
		a.argsChunk = make([][]byte, arenaChunkArgs)
		a.args = a.argsChunk
	}
	slots := a.args[:n:n]
	a.args = a.args[n:]
	return slots
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
// the arguments, which stay valid). Lists that did not fit the current
// chunk were in earlier chunks, left to the collector.
func (a *Arena) ReuseArgs() {
	used := len(a.argsChunk) - len(a.args)
	clear(a.argsChunk[:used]) // keep no byte chunk alive through a stale list
	a.args = a.argsChunk
}
