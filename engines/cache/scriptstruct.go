package cache

import (
	"bytes"
	"encoding/binary"
	"math"

	lua "github.com/yuin/gopher-lua"
)

// The struct library Redis gives scripts (Roberto Ierusalimschy's struct
// 0.2): binary packing by a format string, sized as on the x86-64 Linux
// redis-server runs on.
//
//	> < !n    big-endian, little-endian (the default), alignment n (8)
//	b B       signed / unsigned char          h H  short (2)
//	l L       long (8)                        T    size_t (8)
//	i[n] I[n] signed / unsigned int of n bytes (4; at most 32)
//	f d       float, double                   x    one zero byte
//	c[n]      n bytes (c0: the length is the number before it)
//	s         zero-terminated string          ' '  ignored
//
// pack(fmt, ...) returns the bytes; unpack(fmt, s [, pos]) the values and
// the position after them; size(fmt) the length of a fixed-size format.

const (
	structIntSizeMax  = 32
	structAlignMax    = 8
	structDefaultInt  = 4
	structDefaultLong = 8
)

// structFormat walks a format string.
type structFormat struct {
	L         *lua.LState
	fmt       string
	at        int
	bigEndian bool
	align     int
}

func newStructFormat(L *lua.LState) *structFormat {
	return &structFormat{L: L, fmt: L.CheckString(1), align: 1}
}

// next returns the next option and its size; done at the end.
func (f *structFormat) next() (opt byte, size int, done bool) {
	if f.at >= len(f.fmt) {
		return 0, 0, true
	}
	opt = f.fmt[f.at]
	f.at++
	switch opt {
	case 'b', 'B':
		return opt, 1, false
	case 'h', 'H':
		return opt, 2, false
	case 'l', 'L', 'T', 'd':
		return opt, 8, false
	case 'f':
		return opt, 4, false
	case 'x':
		return opt, 1, false
	case 'c':
		return opt, f.number(1), false
	case 'i', 'I':
		n := f.number(structDefaultInt)
		if n > structIntSizeMax {
			f.L.RaiseError("integral size %d is larger than limit of %d", n, structIntSizeMax)
		}
		return opt, n, false
	}
	return opt, 0, false
}

// number reads the digits after an option, or gives def.
func (f *structFormat) number(def int) int {
	if f.at >= len(f.fmt) || !isDigit(f.fmt[f.at]) {
		return def
	}
	n := 0
	for f.at < len(f.fmt) && isDigit(f.fmt[f.at]) {
		d := int(f.fmt[f.at] - '0')
		if n > (math.MaxInt32-d)/10 {
			f.L.RaiseError("integral size overflow")
		}
		n = n*10 + d
		f.at++
	}
	return n
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// padding is how many bytes bring pos to size's alignment.
func (f *structFormat) padding(pos int, opt byte, size int) int {
	if size == 0 || opt == 'c' {
		return 0
	}
	size = min(size, f.align)
	return (size - (pos & (size - 1))) & (size - 1)
}

// control applies an option that is not a value: endianness, alignment,
// a space; anything else is an error.
func (f *structFormat) control(opt byte) {
	switch opt {
	case ' ':
	case '>':
		f.bigEndian = true
	case '<':
		f.bigEndian = false
	case '!':
		a := f.number(structAlignMax)
		if a <= 0 || a&(a-1) != 0 {
			f.L.RaiseError("alignment %d is not a power of 2", a)
		}
		f.align = a
	default:
		f.L.ArgError(1, "invalid format option '"+string(opt)+"'")
	}
}

func (f *structFormat) order() interface {
	binary.ByteOrder
	binary.AppendByteOrder
} {
	if f.bigEndian {
		return binary.BigEndian
	}
	return binary.LittleEndian
}

func newStructLibrary(L *lua.LState) *lua.LTable {
	lib := L.NewTable()
	lib.RawSetString("pack", L.NewFunction(structPack))
	lib.RawSetString("unpack", L.NewFunction(structUnpack))
	lib.RawSetString("size", L.NewFunction(structSize))
	return lib
}

func structPack(L *lua.LState) int {
	f := newStructFormat(L)
	var out []byte
	arg := 2
	for {
		opt, size, done := f.next()
		if done {
			break
		}
		for range f.padding(len(out), opt, size) {
			out = append(out, 0)
		}
		switch opt {
		case 'b', 'B', 'h', 'H', 'l', 'L', 'T', 'i', 'I':
			out = appendStructInt(out, float64(L.CheckNumber(arg)), size, f.bigEndian)
			arg++
		case 'x':
			out = append(out, 0)
		case 'f':
			out = f.order().AppendUint32(out, math.Float32bits(float32(L.CheckNumber(arg))))
			arg++
		case 'd':
			out = f.order().AppendUint64(out, math.Float64bits(float64(L.CheckNumber(arg))))
			arg++
		case 'c', 's':
			s := L.CheckString(arg)
			arg++
			n := size
			if n == 0 || opt == 's' {
				n = len(s)
			}
			if len(s) < n {
				L.ArgError(arg, "string too short")
			}
			out = append(out, s[:n]...)
			if opt == 's' {
				out = append(out, 0)
			}
		default:
			f.control(opt)
		}
	}
	L.Push(lua.LString(out))
	return 1
}

// appendStructInt writes n as a size-byte integer: two's complement of
// its 64-bit value, bytes past the eighth zero.
func appendStructInt(out []byte, n float64, size int, bigEndian bool) []byte {
	var v uint64
	if n < 0 {
		v = uint64(luaNumberToInt(n))
	} else if n < 1<<64 {
		v = uint64(n)
	}
	b := make([]byte, size)
	for i := range size {
		j := i
		if bigEndian {
			j = size - 1 - i
		}
		if i < 8 {
			b[j] = byte(v >> (8 * uint(i)))
		}
	}
	return append(out, b...)
}

func structUnpack(L *lua.LState) int {
	f := newStructFormat(L)
	data := L.CheckString(2)
	pos := L.OptInt(3, 1)
	if pos <= 0 {
		L.ArgError(3, "offset must be 1 or greater")
	}
	pos--
	var values []lua.LValue
	for {
		opt, size, done := f.next()
		if done {
			break
		}
		pos += f.padding(pos, opt, size)
		if size > len(data) || pos > len(data)-size {
			L.ArgError(2, "data string too short")
		}
		switch opt {
		case 'b', 'B', 'h', 'H', 'l', 'L', 'T', 'i', 'I':
			values = append(values, lua.LNumber(structInt(data[pos:pos+size], opt >= 'a', f.bigEndian)))
		case 'x':
		case 'f':
			values = append(values, lua.LNumber(math.Float32frombits(f.order().Uint32([]byte(data[pos:pos+4])))))
		case 'd':
			values = append(values, lua.LNumber(math.Float64frombits(f.order().Uint64([]byte(data[pos:pos+8])))))
		case 'c':
			if size == 0 {
				last := len(values) - 1
				n, ok := lua.LNil, false
				if last >= 0 {
					n, ok = values[last].(lua.LNumber)
				}
				if !ok {
					L.RaiseError("format 'c0' needs a previous size")
				}
				values = values[:last]
				size = int(n.(lua.LNumber))
				if size < 0 || size > len(data) || pos > len(data)-size {
					L.ArgError(2, "data string too short")
				}
			}
			values = append(values, lua.LString(data[pos:pos+size]))
		case 's':
			end := bytes.IndexByte([]byte(data[pos:]), 0)
			if end < 0 {
				L.RaiseError("unfinished string in data")
			}
			values = append(values, lua.LString(data[pos:pos+end]))
			size = end + 1
		default:
			f.control(opt)
		}
		pos += size
	}
	for _, v := range values {
		L.Push(v)
	}
	L.Push(lua.LNumber(pos + 1))
	return len(values) + 1
}

// structInt reads an integer of len(b) bytes: its low 64 bits, sign-
// extended from its top bit when signed.
func structInt(b string, signed, bigEndian bool) float64 {
	var v uint64
	for i := range len(b) {
		c := b[i] // most significant first
		if !bigEndian {
			c = b[len(b)-1-i]
		}
		v = v<<8 | uint64(c)
	}
	if !signed {
		return float64(v)
	}
	if bits := uint(len(b) * 8); bits < 64 && v&(1<<(bits-1)) != 0 {
		v |= ^uint64(0) << bits
	}
	return float64(int64(v))
}

func structSize(L *lua.LState) int {
	f := newStructFormat(L)
	pos := 0
	for {
		opt, size, done := f.next()
		if done {
			break
		}
		pos += f.padding(pos, opt, size)
		switch {
		case opt == 's':
			L.ArgError(1, "option 's' has no fixed size")
		case opt == 'c' && size == 0:
			L.ArgError(1, "option 'c0' has no fixed size")
		}
		if !isDigit(opt) && !(opt >= 'a' && opt <= 'z') && !(opt >= 'A' && opt <= 'Z') {
			f.control(opt)
		}
		pos += size
	}
	L.Push(lua.LNumber(pos))
	return 1
}
