package resp

import "bytes"

// CommandBuffered reports whether the bytes already buffered hold a whole
// non-empty request, so that ReadCommand will return it without reading
// from the stream. A server uses it to gather a pipeline's worth of
// commands from one read and hand them on together, without ever waiting
// on the socket while commands it already has go unanswered.
//
// It errs towards false: malformed input, or a request longer than the
// buffer, reports false, and ReadCommand then reads and rejects or
// completes it as usual.
func (r *Reader) CommandBuffered() bool {
	buf, _ := r.br.Peek(r.br.Buffered())
	var end int
	if end, r.spans = scanBuffered(buf, r.spans[:0]); end > 0 {
		return true // the common case: what readBuffered will take
	}
	for len(buf) > 0 {
		n, empty := wholeRequestLen(buf)
		if n == 0 {
			return false
		}
		if !empty {
			return true
		}
		buf = buf[n:] // ReadCommand skips empty requests: so do we
	}
	return false
}

// wholeRequestLen is the length of the request at the start of buf and
// whether ReadCommand would skip it as empty; 0 if buf does not hold a
// whole well-formed request.
func wholeRequestLen(buf []byte) (n int, empty bool) {
	if buf[0] != '*' {
		end := bytes.IndexByte(buf, '\n')
		if end < 0 || end > InlineBytesMax {
			return 0, false
		}
		args, ok := SplitArgs(bytes.TrimSuffix(buf[:end], []byte{'\r'}))
		if !ok {
			return 0, false
		}
		return end + 1, len(args) == 0
	}
	line, pos, ok := crlfLine(buf, 0)
	if !ok {
		return 0, false
	}
	count, ok := ParseInt(line[1:])
	if !ok || count > MultibulkLenMax {
		return 0, false
	}
	if count <= 0 {
		return pos, true
	}
	for range count {
		line, pos, ok = crlfLine(buf, pos)
		if !ok || len(line) == 0 || line[0] != '$' {
			return 0, false
		}
		size, ok := ParseInt(line[1:])
		if !ok || size < 0 || size > int64(len(buf)-pos) {
			return 0, false
		}
		pos += int(size) + 2 // the body and its terminator, unchecked as ReadCommand does
		if pos > len(buf) {
			return 0, false
		}
	}
	return pos, false
}

// crlfLine returns the line starting at buf[from:] up to "\r\n", and the
// position after the terminator.
func crlfLine(buf []byte, from int) (line []byte, next int, ok bool) {
	end := indexCRLF(buf[from:])
	if end < 0 || end > InlineBytesMax {
		return nil, 0, false
	}
	return buf[from : from+end], from + end + 2, true
}

// Bounds on a request from a client that has not authenticated yet, as
// Redis 7.0 sets them.
const (
	unauthenticatedArgsMax      = 10
	unauthenticatedBulkBytesMax = 16 << 10
)

// CheckUnauthenticated checks the request at the start of buf, whole or
// not yet, against the bounds Redis puts on a client that has not
// authenticated: at most 10 arguments, each at most 16 KiB. It looks only
// at the headers that have arrived; the parser reports any other error.
func CheckUnauthenticated(buf []byte) error {
	if len(buf) == 0 || buf[0] != '*' {
		return nil // an inline request is bounded by InlineBytesMax
	}
	line, pos, ok := crlfLine(buf, 0)
	if !ok {
		return nil
	}
	count, ok := ParseInt(line[1:])
	if !ok {
		return nil
	}
	if count > unauthenticatedArgsMax {
		return protocolError("Protocol error: unauthenticated multibulk length")
	}
	for range count {
		line, next, ok := crlfLine(buf, pos)
		if !ok || len(line) == 0 || line[0] != '$' {
			return nil
		}
		size, ok := ParseInt(line[1:])
		if !ok {
			return nil
		}
		if size > unauthenticatedBulkBytesMax {
			return protocolError("Protocol error: unauthenticated bulk length")
		}
		pos = next + int(size) + 2
		if size < 0 || pos > len(buf) {
			return nil
		}
	}
	return nil
}
