package resp

import (
	"bytes"
	"math"
	"strconv"
)

// ReadReply reads one reply of any RESP2 or RESP3 type. Attributes (|) are
// read and dropped, as clients that do not ask for them do. Blob errors (!)
// become Error values; verbatim strings keep only their text, without the
// three-letter format. It returns io.EOF at a clean end of stream and a
// *ProtocolError for malformed input.
func (r *Reader) ReadReply() (Value, error) {
	return r.readReply(0)
}

func (r *Reader) readReply(depth int) (Value, error) {
	if depth > ReplyDepthMax {
		return Value{}, protocolError("Protocol error: reply nested too deep")
	}
	line, err := r.readCRLFLine(BulkBytesMax, "Protocol error: too big reply line")
	if err != nil {
		if depth > 0 {
			return Value{}, unexpected(err)
		}
		return Value{}, err
	}
	if len(line) == 0 {
		return Value{}, protocolError("Protocol error: empty reply line")
	}
	kind, body := line[0], line[1:]
	switch kind {
	case '+':
		return Value{Kind: SimpleString, Str: bytes.Clone(body)}, nil
	case '-':
		return Value{Kind: Error, Str: bytes.Clone(body)}, nil
	case ':':
		n, ok := ParseInt(body)
		if !ok {
			return Value{}, protocolError("Protocol error: invalid integer " + strconv.Quote(string(body)))
		}
		return Int(n), nil
	case '_':
		if len(body) != 0 {
			return Value{}, protocolError("Protocol error: invalid null")
		}
		return Value{Kind: Null}, nil
	case '#':
		switch string(body) {
		case "t":
			return Value{Kind: Boolean, Int: 1}, nil
		case "f":
			return Value{Kind: Boolean, Int: 0}, nil
		}
		return Value{}, protocolError("Protocol error: invalid boolean")
	case ',':
		f, ok := parseDouble(body)
		if !ok {
			return Value{}, protocolError("Protocol error: invalid double " + strconv.Quote(string(body)))
		}
		return Value{Kind: Double, Float: f}, nil
	case '(':
		if !isBigNumber(body) {
			return Value{}, protocolError("Protocol error: invalid big number")
		}
		return Value{Kind: BigNumber, Str: bytes.Clone(body)}, nil
	case '$', '!', '=':
		n, ok := ParseInt(body)
		if kind == '$' && ok && n == -1 {
			return Value{Kind: Null}, nil
		}
		if !ok || n < 0 || n > BulkBytesMax {
			return Value{}, protocolError("Protocol error: invalid bulk length")
		}
		data, err := r.readBulkBody(int(n))
		if err != nil {
			return Value{}, err
		}
		switch kind {
		case '!':
			return Value{Kind: Error, Str: data}, nil
		case '=':
			if len(data) < 4 || data[3] != ':' {
				return Value{}, protocolError("Protocol error: invalid verbatim string")
			}
			return Value{Kind: Verbatim, Str: data[4:]}, nil
		}
		return Value{Kind: BulkString, Str: data}, nil
	case '*', '~', '>', '%', '|':
		n, ok := ParseInt(body)
		if kind == '*' && ok && n == -1 {
			return Value{Kind: NullArray}, nil
		}
		if !ok || n < 0 || n > MultibulkLenMax {
			return Value{}, protocolError("Protocol error: invalid multibulk length")
		}
		count := n
		if kind == '%' || kind == '|' {
			count = 2 * n
		}
		elems := make([]Value, 0, min(count, arrayPreallocLenMax))
		for range count {
			e, err := r.readReply(depth + 1)
			if err != nil {
				return Value{}, err
			}
			elems = append(elems, e)
		}
		switch kind {
		case '~':
			return Value{Kind: Set, Elems: elems}, nil
		case '>':
			return Value{Kind: Push, Elems: elems}, nil
		case '%':
			return Value{Kind: Map, Elems: elems}, nil
		case '|':
			// An attribute describes the reply that follows it.
			return r.readReply(depth + 1)
		}
		return Value{Kind: Array, Elems: elems}, nil
	}
	return Value{}, protocolError("Protocol error: unknown reply type '" + string([]byte{kind}) + "'")
}

func parseDouble(b []byte) (float64, bool) {
	switch string(b) {
	case "inf", "+inf":
		return math.Inf(1), true
	case "-inf":
		return math.Inf(-1), true
	case "nan", "-nan":
		return math.NaN(), true
	}
	if len(b) == 0 || b[0] == ' ' {
		return 0, false
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, false
	}
	return f, true
}

func isBigNumber(b []byte) bool {
	if len(b) > 0 && b[0] == '-' {
		b = b[1:]
	}
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
