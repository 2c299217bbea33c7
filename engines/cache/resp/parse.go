package resp

import "bytes"

// ParseCommand parses the first non-empty request in buf, for a server
// that reads the socket itself into a buffer it owns (an event loop)
// instead of through a Reader. It returns the request's arguments and how
// many bytes of buf they, and any empty requests before them, took.
//
// When buf holds no whole request it returns nil arguments, and n counts
// the empty requests (a blank line, "*0") it skipped, which the caller
// drops as it drops a request's bytes: read more, then call again with
// what is left and the new bytes. It never waits and never looks beyond a
// request it returns.
//
// It agrees with Reader.ReadCommand on every input, checked by
// FuzzParseCommandMatchesReader: the same requests, the same
// *ProtocolError text, and an incomplete request where ReadCommand would
// reach the end of the stream. A request too long to ever be valid (a
// header line past InlineBytesMax without its terminator) is an error as
// soon as the bytes show it, as Redis rejects such a query buffer before
// the line ends.
//
// The arguments are copies: buf may be reused once this returns.
func ParseCommand(buf []byte) (args [][]byte, n int, err error) {
	return ParseCommandIn(buf, nil)
}

// ParseCommandIn is ParseCommand taking the argument list, name and key
// from arena (nil: allocated for this request alone).
func ParseCommandIn(buf []byte, arena *Arena) (args [][]byte, n int, err error) {
	for n < len(buf) {
		var used int
		if buf[n] == '*' {
			args, used, err = parseMultibulk(buf[n:], arena)
		} else {
			args, used, err = parseInline(buf[n:])
		}
		if err != nil {
			return nil, 0, err
		}
		if used == 0 {
			return nil, n, nil
		}
		n += used
		if len(args) > 0 {
			return args, n, nil
		}
	}
	return nil, n, nil
}

// parseInline parses an inline request ("SET k v\r\n"); used == 0 when
// its line has not ended yet.
func parseInline(buf []byte) (args [][]byte, used int, err error) {
	end := bytes.IndexByte(buf, '\n')
	if end < 0 {
		if len(buf) > InlineBytesMax+1 {
			return nil, 0, protocolError("Protocol error: too big inline request")
		}
		return nil, 0, nil
	}
	if end > InlineBytesMax {
		return nil, 0, protocolError("Protocol error: too big inline request")
	}
	args, ok := SplitArgs(bytes.TrimSuffix(buf[:end], []byte{'\r'}))
	if !ok {
		return nil, 0, protocolError("Protocol error: unbalanced quotes in request")
	}
	return args, end + 1, nil
}

// parseMultibulk parses a request array ("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n");
// used == 0 when it is not whole yet.
func parseMultibulk(buf []byte, arena *Arena) (args [][]byte, used int, err error) {
	line, pos, err := headerLine(buf, 0, "Protocol error: too big mbulk count string")
	if err != nil || pos == 0 {
		return nil, 0, err
	}
	count, ok := ParseInt(line[1:])
	if !ok || count > MultibulkLenMax {
		return nil, 0, protocolError("Protocol error: invalid multibulk length")
	}
	if count <= 0 {
		return nil, pos, nil
	}
	// Check the whole request is here before allocating anything for it,
	// so a client that sends a request a few bytes at a time costs one
	// scan per read, not one allocation. The bodies found are remembered
	// for short requests (nearly all), so their headers are read once.
	var spansArray [spansRemembered]argSpan
	spans := spansArray[:0]
	bodies := pos
	for i := range count {
		line, next, err := headerLine(buf, bodies, "Protocol error: too big bulk count string")
		if err != nil || next == 0 {
			return nil, 0, err
		}
		size, err := bulkLen(line)
		if err != nil {
			return nil, 0, err
		}
		if int64(len(buf)-next) < size+2 {
			return nil, 0, nil
		}
		if i < spansRemembered {
			spans = append(spans, argSpan{start: next, size: int(size)})
		}
		bodies = next + int(size) + 2 // the terminator is skipped unchecked, as Redis does
	}
	for i := int64(len(spans)); i < count; i++ { // the rest of a long request
		line, next, _ := headerLine(buf, spans[i-1].start+spans[i-1].size+2, "")
		size, _ := bulkLen(line)
		spans = append(spans, argSpan{start: next, size: int(size)})
	}
	return copyArgs(buf, spans, arena), bodies, nil
}

// spansRemembered is how many arguments' positions parseMultibulk keeps
// on the stack between checking a request and copying it.
const spansRemembered = 16

// argSpan is where one argument's body lies in a buffer.
type argSpan struct{ start, size int }

// copyArgs copies the arguments out of buf, each with len == cap (an
// append to one copies it). The argument list, the name and the argument
// after it (nearly always a key) come from arena, or share one allocation
// without one: commands keep neither beyond the call (the keyspace copies
// key names), and one that is kept pins only a few bytes, or an arena
// chunk. Later arguments, which
// commands store as values (SET's, SADD's members), get their own, so a
// stored value pins nothing.
func copyArgs(buf []byte, spans []argSpan, arena *Arena) [][]byte {
	args := arena.argSlots(len(spans))
	rest := spans
	if len(spans) >= 2 {
		name, key := spans[0], spans[1]
		both := arena.byteSpace(name.size + key.size)
		copy(both, buf[name.start:name.start+name.size])
		copy(both[name.size:], buf[key.start:key.start+key.size])
		args[0], args[1] = both[:name.size:name.size], both[name.size:]
		rest = spans[2:]
	}
	for i, span := range rest {
		arg := make([]byte, span.size)
		copy(arg, buf[span.start:])
		args[len(spans)-len(rest)+i] = arg
	}
	return args
}

// bulkLen parses a "$N" header line.
func bulkLen(line []byte) (int64, error) {
	if len(line) == 0 || line[0] != '$' {
		got := byte('\r') // what Redis sees where the '$' should be on an empty line
		if len(line) > 0 {
			got = line[0]
		}
		return 0, protocolError("Protocol error: expected '$', got '" + string([]byte{got}) + "'")
	}
	n, ok := ParseInt(line[1:])
	if !ok || n < 0 || n > BulkBytesMax {
		return 0, protocolError("Protocol error: invalid bulk length")
	}
	return n, nil
}

// headerLine returns the line starting at buf[from:] up to its "\r\n" and
// the position after the terminator; next == 0 when the terminator has
// not arrived. A line (with its '\r') longer than InlineBytesMax is the
// error tooLong, as soon as InlineBytesMax+2 bytes without a terminator
// prove it.
func headerLine(buf []byte, from int, tooLong string) (line []byte, next int, err error) {
	end := indexCRLF(buf[from:])
	if end < 0 {
		if len(buf)-from > InlineBytesMax+1 {
			return nil, 0, protocolError(tooLong)
		}
		return nil, 0, nil
	}
	if end+1 > InlineBytesMax {
		return nil, 0, protocolError(tooLong)
	}
	return buf[from : from+end], from + end + 2, nil
}

// indexCRLF is bytes.Index(b, "\r\n"), quicker for the few-byte header
// lines of a request ("*3", "$5"): a plain loop over the first bytes
// costs less than the calls of the general search.
func indexCRLF(b []byte) int {
	const shortLineBytes = 16
	for i := 0; i+1 < len(b) && i < shortLineBytes; i++ {
		if b[i] == '\r' && b[i+1] == '\n' {
			return i
		}
	}
	if len(b) <= shortLineBytes+1 {
		return -1
	}
	if end := bytes.Index(b[shortLineBytes:], []byte("\r\n")); end >= 0 {
		return shortLineBytes + end
	}
	return -1
}
