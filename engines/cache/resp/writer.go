package resp

import (
	"bufio"
	"math"
	"strconv"
)

// Protocol versions a connection can speak (HELLO 2 / HELLO 3).
const (
	RESP2 = 2
	RESP3 = 3
)

// Writer encodes replies onto a buffered stream in one protocol version.
type Writer struct {
	bw       *bufio.Writer
	Protocol int // RESP2 or RESP3
	scratch  []byte
}

// NewWriter returns a RESP2 Writer over bw.
func NewWriter(bw *bufio.Writer) *Writer { return &Writer{bw: bw, Protocol: RESP2} }

// directWriteBytesMin is the free room in the buffer below which
// WriteValue encodes into its scratch slice instead of straight into the
// buffer, so a reply rarely outgrows the room it was encoded into.
const directWriteBytesMin = 512

// WriteValue buffers v; call Flush to send.
func (w *Writer) WriteValue(v Value) error {
	if w.bw.Available() >= directWriteBytesMin {
		// Encode in place: Write then finds the bytes already where they
		// go. A reply longer than the room is encoded into a new slice,
		// kept as the scratch for the next long one.
		room := w.bw.AvailableBuffer()
		out := AppendValue(room, v, w.Protocol)
		if cap(out) != cap(room) {
			w.scratch = out[:0]
		}
		_, err := w.bw.Write(out)
		return err
	}
	w.scratch = AppendValue(w.scratch[:0], v, w.Protocol)
	_, err := w.bw.Write(w.scratch)
	return err
}

// Flush sends what was buffered.
func (w *Writer) Flush() error { return w.bw.Flush() }

// AppendCommand appends args as a multibulk request, the form clients send
// and the AOF stores.
func AppendCommand(dst []byte, args ...[]byte) []byte {
	dst = appendHeader(dst, '*', int64(len(args)))
	for _, a := range args {
		dst = appendHeader(dst, '$', int64(len(a)))
		dst = append(dst, a...)
		dst = append(dst, '\r', '\n')
	}
	return dst
}

// AppendValue appends the encoding of v in the given protocol version. In
// RESP2 the RESP3-only types degrade as Redis degrades them: null to $-1
// (or *-1 for a null array), booleans to integers 1/0, doubles, big numbers
// and verbatim strings to bulk strings, maps to flat arrays of key/value
// pairs, sets and pushes to arrays.
func AppendValue(dst []byte, v Value, protocol int) []byte {
	resp3 := protocol == RESP3
	switch v.Kind {
	case SimpleString:
		return appendLine(dst, '+', v.Str)
	case Error:
		return appendLine(dst, '-', v.Str)
	case Integer:
		return appendHeader(dst, ':', v.Int)
	case BulkString:
		return appendBulk(dst, v.Str)
	case Null:
		if resp3 {
			return append(dst, '_', '\r', '\n')
		}
		return append(dst, "$-1\r\n"...)
	case NullArray:
		if resp3 {
			return append(dst, '_', '\r', '\n')
		}
		return append(dst, "*-1\r\n"...)
	case Boolean:
		if resp3 {
			if v.Int != 0 {
				return append(dst, "#t\r\n"...)
			}
			return append(dst, "#f\r\n"...)
		}
		if v.Int != 0 {
			return append(dst, ":1\r\n"...)
		}
		return append(dst, ":0\r\n"...)
	case Double:
		if resp3 {
			dst = append(dst, ',')
			dst = append(dst, FormatDouble(v.Float)...)
			return append(dst, '\r', '\n')
		}
		if len(v.Str) > 0 { // the command's own RESP2 rendering (GEOPOS)
			return appendBulk(dst, v.Str)
		}
		return appendBulk(dst, []byte(FormatDouble(v.Float)))
	case BigNumber:
		if resp3 {
			return appendLine(dst, '(', v.Str)
		}
		return appendBulk(dst, v.Str)
	case Verbatim:
		if resp3 {
			dst = appendHeader(dst, '=', int64(len(v.Str)+4))
			dst = append(dst, "txt:"...)
			dst = append(dst, v.Str...)
			return append(dst, '\r', '\n')
		}
		return appendBulk(dst, v.Str)
	case Pairs:
		if len(v.Elems)%2 != 0 {
			panic("resp: pairs value with an odd number of elements")
		}
		if !resp3 {
			return AppendValue(dst, Value{Kind: Array, Elems: v.Elems}, protocol)
		}
		dst = appendHeader(dst, '*', int64(len(v.Elems)/2))
		for i := 0; i < len(v.Elems); i += 2 {
			dst = append(dst, "*2\r\n"...)
			dst = AppendValue(dst, v.Elems[i], protocol)
			dst = AppendValue(dst, v.Elems[i+1], protocol)
		}
		return dst
	case Attribute:
		if len(v.Elems)%2 != 1 {
			panic("resp: attribute value without a reply after its pairs")
		}
		reply := v.Elems[len(v.Elems)-1]
		if resp3 {
			dst = appendHeader(dst, '|', int64(len(v.Elems)/2))
			for _, e := range v.Elems[:len(v.Elems)-1] {
				dst = AppendValue(dst, e, protocol)
			}
		}
		return AppendValue(dst, reply, protocol)
	case Array, Set, Push, Map:
		kind := byte('*')
		count := len(v.Elems)
		if resp3 {
			switch v.Kind {
			case Set:
				kind = '~'
			case Push:
				kind = '>'
			case Map:
				if count%2 != 0 {
					panic("resp: map value with an odd number of elements")
				}
				kind, count = '%', count/2
			}
		}
		dst = appendHeader(dst, kind, int64(count))
		for _, e := range v.Elems {
			dst = AppendValue(dst, e, protocol)
		}
		return dst
	}
	panic("resp: AppendValue of a value with unknown kind " + strconv.Itoa(int(v.Kind)))
}

// appendLine writes a one-line type. Simple strings and errors cannot hold
// CR or LF; Redis replaces them with spaces, and so do we, so a message
// never splits the stream.
func appendLine(dst []byte, kind byte, text []byte) []byte {
	dst = append(dst, kind)
	for _, c := range text {
		if c == '\r' || c == '\n' {
			c = ' '
		}
		dst = append(dst, c)
	}
	return append(dst, '\r', '\n')
}

func appendBulk(dst []byte, data []byte) []byte {
	dst = appendHeader(dst, '$', int64(len(data)))
	dst = append(dst, data...)
	return append(dst, '\r', '\n')
}

func appendHeader(dst []byte, kind byte, n int64) []byte {
	if n >= 0 && n < 100 { // most lengths and counts: no strconv
		if n < 10 {
			return append(dst, kind, byte('0'+n), '\r', '\n')
		}
		return append(dst, kind, byte('0'+n/10), byte('0'+n%10), '\r', '\n')
	}
	dst = append(dst, kind)
	dst = strconv.AppendInt(dst, n, 10)
	return append(dst, '\r', '\n')
}

// FormatDouble prints like Redis 7.0's addReplyDouble: printf's %.17g
// (17 significant digits, trailing zeros dropped, so 1.1 reads
// 1.1000000000000001 and 1.5 reads 1.5), and inf/-inf/nan.
func FormatDouble(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		return "nan"
	}
	return FormatDouble17(f)
}

// FormatDouble17 is C's "%.17g" for a finite f: what Redis 7.0 prints for
// sorted-set scores in replies and ZSCAN, and in the AOF.
func FormatDouble17(f float64) string {
	return string(AppendDouble17(nil, f))
}

// AppendDouble17 appends FormatDouble17(f) to dst.
func AppendDouble17(dst []byte, f float64) []byte {
	// Go's 'g' with a precision keeps trailing zeros in the mantissa where
	// C drops them; exponents are written alike (e+300, e-05).
	start := len(dst)
	dst = strconv.AppendFloat(dst, f, 'g', 17, 64)
	mantEnd := len(dst)
	for i := start; i < len(dst); i++ {
		if dst[i] == 'e' {
			mantEnd = i
			break
		}
	}
	hasPoint := false
	for i := start; i < mantEnd; i++ {
		if dst[i] == '.' {
			hasPoint = true
			break
		}
	}
	if !hasPoint {
		return dst
	}
	cut := mantEnd
	for cut > start && dst[cut-1] == '0' {
		cut--
	}
	if dst[cut-1] == '.' {
		cut--
	}
	exp := append([]byte(nil), dst[mantEnd:]...)
	return append(dst[:cut], exp...)
}
