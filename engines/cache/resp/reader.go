package resp

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// Reader parses RESP from a stream: client requests with ReadCommand,
// server replies with ReadReply. It never allocates more than a bounded
// chunk ahead of the bytes that actually arrived.
type Reader struct {
	br   *bufio.Reader
	line []byte // scratch for lines longer than the bufio buffer
	// spans is scratch for scanBuffered: where each argument of the
	// request at the head of the buffer lies.
	spans []argSpan
}

// NewReader returns a Reader over br.
func NewReader(br *bufio.Reader) *Reader { return &Reader{br: br} }

// ReadCommand reads the next request, multibulk or inline, and returns its
// arguments. Empty requests (a blank inline line, "*0", "*-1") are skipped,
// as Redis skips them. It returns io.EOF at a clean end of stream,
// io.ErrUnexpectedEOF when the stream ends inside a request, and a
// *ProtocolError for malformed input, after which the stream is out of sync
// and the connection must be closed.
func (r *Reader) ReadCommand() ([][]byte, error) {
	for {
		first, err := r.br.Peek(1)
		if err != nil {
			return nil, err
		}
		var args [][]byte
		if first[0] == '*' {
			if args, ok := r.readBuffered(); ok {
				return args, nil
			}
			args, err = r.readMultibulk()
		} else {
			args, err = r.readInline()
		}
		if err != nil {
			return nil, err
		}
		if len(args) > 0 {
			return args, nil
		}
	}
}

// readBuffered is ReadCommand's fast path for the common case: a
// multibulk request that is already whole in the buffer, as every request
// of a pipeline but the last of a read is. It is parsed where it lies,
// with one pass over its length lines instead of a ReadSlice and a
// ReadFull per line and body. Anything else — an empty or inline request,
// one not yet whole, one whose lengths are not plain decimals — reports
// false having consumed nothing, and the general path reads, completes or
// rejects it exactly as before. What it returns is what the general path
// would: slices the caller may keep, each body with len == cap (so an
// append to one copies it), only the first two sharing their backing.
func (r *Reader) readBuffered() ([][]byte, bool) {
	buf, _ := r.br.Peek(r.br.Buffered())
	var end int
	end, r.spans = scanBuffered(buf, r.spans[:0])
	if end == 0 {
		return nil, false
	}
	args := copyArgs(buf, r.spans, nil)
	if _, err := r.br.Discard(end); err != nil {
		panic("resp: discarding buffered bytes failed: " + err.Error()) // they were there
	}
	return args, true
}

// scanBuffered finds the multibulk request with at least one argument at
// the start of buf, appending where its bodies lie to spans: end is its
// length, 0 if buf does not start with a whole one whose count and
// lengths are plain decimals ("*2\r\n$3\r\n…"). Like the general path it
// skips the two bytes after each body without looking at them.
func scanBuffered(buf []byte, spans []argSpan) (end int, _ []argSpan) {
	count, pos, ok := bufferedLength(buf, 0, '*')
	if !ok || count == 0 || count > MultibulkLenMax {
		return 0, spans
	}
	for range count {
		// bufferedLength(buf, pos, '$') written out: this runs for every
		// argument of every request, twice (CommandBuffered, ReadCommand).
		if pos >= len(buf) || buf[pos] != '$' {
			return 0, spans
		}
		start, size := pos+1, 0
		i := start
		for ; i < len(buf) && i-start < bufferedLengthDigitsMax; i++ {
			d := buf[i] - '0'
			if d > 9 {
				break
			}
			size = size*10 + int(d)
		}
		digits := i - start
		if digits == 0 || (digits > 1 && buf[start] == '0') || len(buf)-i < 2 || buf[i] != '\r' || buf[i+1] != '\n' {
			return 0, spans
		}
		pos = i + 2
		if size > BulkBytesMax || size+2 > len(buf)-pos {
			return 0, spans
		}
		spans = append(spans, argSpan{pos, size})
		pos += size + 2
	}
	return pos, spans
}

// bufferedLengthDigitsMax bounds the digits scanBuffered reads in a
// length; longer (legal but absurd) lengths take the general path.
const bufferedLengthDigitsMax = 9

// bufferedLength reads the length line at buf[pos:]: kind, a decimal
// without sign or leading zero, CRLF. ok is false for any other form —
// which may still be legal, such as *-1 — and for a line the buffer cuts.
func bufferedLength(buf []byte, pos int, kind byte) (n, next int, ok bool) {
	if pos >= len(buf) || buf[pos] != kind {
		return 0, 0, false
	}
	line := buf[pos+1:]
	if len(line) > bufferedLengthDigitsMax+2 {
		line = line[:bufferedLengthDigitsMax+2]
	}
	for i, c := range line {
		if c == '\r' {
			if i == 0 || (i > 1 && line[0] == '0') || i+1 == len(line) || line[i+1] != '\n' {
				return 0, 0, false
			}
			return n, pos + i + 3, true
		}
		if c < '0' || c > '9' {
			return 0, 0, false
		}
		n = n*10 + int(c-'0')
	}
	return 0, 0, false
}

func (r *Reader) readMultibulk() ([][]byte, error) {
	line, err := r.readCRLFLine(InlineBytesMax, "Protocol error: too big mbulk count string")
	if err != nil {
		return nil, err
	}
	count, ok := ParseInt(line[1:])
	if !ok || count > MultibulkLenMax {
		return nil, protocolError("Protocol error: invalid multibulk length")
	}
	if count <= 0 {
		return nil, nil
	}
	args := make([][]byte, 0, min(count, arrayPreallocLenMax))
	for range count {
		line, err := r.readCRLFLine(InlineBytesMax, "Protocol error: too big bulk count string")
		if err != nil {
			return nil, unexpected(err)
		}
		if len(line) == 0 || line[0] != '$' {
			got := byte('\r') // what Redis sees where the '$' should be on an empty line
			if len(line) > 0 {
				got = line[0]
			}
			return nil, protocolError("Protocol error: expected '$', got '" + string([]byte{got}) + "'")
		}
		n, ok := ParseInt(line[1:])
		if !ok || n < 0 || n > BulkBytesMax {
			return nil, protocolError("Protocol error: invalid bulk length")
		}
		arg, err := r.readBulkBody(int(n))
		if err != nil {
			return nil, err
		}
		args = append(args, arg)
	}
	return args, nil
}

func (r *Reader) readInline() ([][]byte, error) {
	line, err := r.readLine(InlineBytesMax)
	if errors.Is(err, errLineTooLong) {
		return nil, protocolError("Protocol error: too big inline request")
	}
	if err != nil {
		return nil, err
	}
	line = bytes.TrimSuffix(line, []byte{'\r'})
	args, ok := SplitArgs(line)
	if !ok {
		return nil, protocolError("Protocol error: unbalanced quotes in request")
	}
	return args, nil
}

// readBulkBody reads n bytes and the CRLF after them. Like Redis it skips
// the two terminator bytes without looking at them.
func (r *Reader) readBulkBody(n int) ([]byte, error) {
	buf := make([]byte, 0, min(n, bulkPreallocBytesMax))
	for len(buf) < n {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)] // let append pick the next capacity
		}
		chunk := buf[len(buf):min(cap(buf), n)]
		got, err := io.ReadFull(r.br, chunk)
		buf = buf[:len(buf)+got]
		if err != nil {
			return nil, unexpected(err)
		}
	}
	if _, err := r.br.Discard(2); err != nil {
		return nil, unexpected(err)
	}
	return buf, nil
}

var errLineTooLong = errors.New("line too long")

// readLine returns the bytes up to and excluding the next '\n'. The slice
// is valid until the next read.
func (r *Reader) readLine(maxBytes int) ([]byte, error) {
	r.line = r.line[:0]
	for {
		frag, err := r.br.ReadSlice('\n')
		if len(r.line)+len(frag) > maxBytes+1 {
			return nil, errLineTooLong
		}
		if err == nil {
			if len(r.line) == 0 {
				return frag[:len(frag)-1], nil
			}
			r.line = append(r.line, frag[:len(frag)-1]...)
			return r.line, nil
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			if len(r.line) == 0 && len(frag) == 0 {
				return nil, err // clean EOF between requests
			}
			return nil, unexpected(err)
		}
		r.line = append(r.line, frag...)
	}
}

// readCRLFLine returns the bytes up to the next "\r\n" (a bare '\n' is
// part of the line, as in Redis, which searches for '\r'). The line may be
// empty.
func (r *Reader) readCRLFLine(maxBytes int, tooLong string) ([]byte, error) {
	var acc []byte
	for {
		line, err := r.readLine(maxBytes - len(acc))
		if errors.Is(err, errLineTooLong) {
			return nil, protocolError(tooLong)
		}
		if err != nil {
			if acc != nil {
				return nil, unexpected(err)
			}
			return nil, err
		}
		if bytes.HasSuffix(line, []byte{'\r'}) {
			if acc == nil {
				line = line[:len(line)-1]
			} else {
				acc = append(acc, line[:len(line)-1]...)
				line = acc
			}
			return line, nil
		}
		acc = append(acc, line...)
		acc = append(acc, '\n')
	}
}

func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
