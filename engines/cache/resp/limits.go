package resp

// Bounds on what a peer may declare, the same as Redis's defaults. A length
// above a bound is a protocol error; a length below it is still never
// allocated up front beyond bulkPreallocBytesMax, so a client that declares
// 512 MB and sends three bytes costs three bytes (plus one chunk).
const (
	// BulkBytesMax is proto-max-bulk-len: the largest bulk string a client may send.
	BulkBytesMax = 512 << 20
	// MultibulkLenMax is the largest element count of a request array.
	MultibulkLenMax = 1024 * 1024
	// InlineBytesMax is PROTO_INLINE_MAX_SIZE: the longest inline request
	// line, and the longest "*N" / "$N" header line.
	InlineBytesMax = 64 << 10
	// ReplyDepthMax bounds the nesting of aggregate replies so a hostile
	// server cannot make the reply parser recurse without end.
	ReplyDepthMax = 64
	// bulkPreallocBytesMax is how much of a declared bulk length is
	// allocated before its bytes arrive; the rest grows with the data.
	bulkPreallocBytesMax = 64 << 10
	// arrayPreallocLenMax is the same bound for declared array lengths.
	arrayPreallocLenMax = 1024
)
