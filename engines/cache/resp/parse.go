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
	for n < len(buf) {
		var used int
		if buf[n] == '*' {
			args, used, err = parseMultibulk(buf[n:])
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
func parseMultibulk(buf []byte) (args [][]byte, used int, err error) {
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
	// scan per read, not one allocation.
	bodies := pos
	for range count {
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
		bodies = next + int(size) + 2 // the terminator is skipped unchecked, as Redis does
	}
	args = make([][]byte, 0, min(count, arrayPreallocLenMax))
	for range count {
		line, next, _ := headerLine(buf, pos, "")
		size, _ := bulkLen(line)
		args = append(args, bytes.Clone(buf[next:next+int(size)]))
		pos = next + int(size) + 2
	}
	return args, pos, nil
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
	end := bytes.Index(buf[from:], []byte("\r\n"))
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
