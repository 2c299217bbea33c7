package resp

// Arena is where ParseCommandIn puts what a request's arguments need
// besides the bytes of values: the argument list itself and the name and
// key bytes (nearly every request has a key right after its name). It
// carves them out of chunks it allocates a few at a time, so a stream of
// small requests costs an allocation every few dozen requests instead of
// two per request.
//
// A chunk is never reused: arguments handed out stay valid for as long as
// anything holds them, as ParseCommand's do. What a caller keeps of them
// (a queued MULTI command, a blocked BLPOP) keeps its chunk alive, at most
// arenaChunkBytes or arenaChunkArgs entries; values (arguments after the
// key), which commands store, get allocations of their own and pin
// nothing. The zero Arena is ready; it is not safe for concurrent use —
// give each event loop its own.
type Arena struct {
	args  [][]byte
	bytes []byte
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
		a.args = make([][]byte, arenaChunkArgs)
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
