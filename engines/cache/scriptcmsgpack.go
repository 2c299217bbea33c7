package cache

import (
	"encoding/binary"
	"math"

	lua "github.com/yuin/gopher-lua"
)

// The cmsgpack library Redis gives scripts (lua-cmsgpack 0.4.0):
// MessagePack. pack(...) encodes its arguments one after the other;
// unpack(s) decodes every value in s; unpack_one(s [, offset]) and
// unpack_limit(s, limit [, offset]) decode some and first return the
// offset to go on from (-1 at the end). As redis-server 7.0 encodes:
//
//   - an integral number that fits is the smallest integer encoding;
//     another a float32 when that holds it exactly, else a float64;
//   - a string is a fixstr, str8, str16 or str32;
//   - a table with exactly the keys 1..n is an array (the empty table
//     too), any other a map; tables nested 16 deep are encoded as nil,
//     so a table that holds itself ends;
//   - anything else (functions, userdata) is nil.
//
// Decoding takes the same types, and bin/ext types are "Bad data format".

const (
	cmsgpackNestingMax = 16
	// cmsgpackDecodeDepthMax bounds the nesting unpack follows, so bytes
	// that open arrays without end are an error, not a Go stack's worth
	// of recursion.
	cmsgpackDecodeDepthMax = 1000
)

func newCmsgpackLibrary(L *lua.LState) *lua.LTable {
	lib := L.NewTable()
	fn := func(name string, f lua.LGFunction) { lib.RawSetString(name, L.NewFunction(f)) }
	fn("pack", func(L *lua.LState) int {
		if L.GetTop() == 0 {
			L.ArgError(0, "MessagePack pack needs input.")
		}
		var out []byte
		for i := 1; i <= L.GetTop(); i++ {
			out = cmsgpackEncode(out, L.Get(i), 0)
		}
		L.Push(lua.LString(out))
		return 1
	})
	fn("unpack", func(L *lua.LState) int { return cmsgpackUnpack(L, 0, 0) })
	fn("unpack_one", func(L *lua.LState) int { return cmsgpackUnpack(L, 1, L.OptInt64(2, 0)) })
	fn("unpack_limit", func(L *lua.LState) int { return cmsgpackUnpack(L, L.CheckInt64(2), L.OptInt64(3, 0)) })
	lib.RawSetString("_NAME", lua.LString("cmsgpack"))
	lib.RawSetString("_VERSION", lua.LString("lua-cmsgpack 0.4.0"))
	lib.RawSetString("_COPYRIGHT", lua.LString("Copyright (C) 2012, Salvatore Sanfilippo"))
	lib.RawSetString("_DESCRIPTION", lua.LString("MessagePack C implementation for Lua"))
	return lib
}

func cmsgpackEncode(out []byte, v lua.LValue, level int) []byte {
	switch v := v.(type) {
	case lua.LString:
		return cmsgpackString(out, string(v))
	case lua.LBool:
		if v {
			return append(out, 0xc3)
		}
		return append(out, 0xc2)
	case lua.LNumber:
		return cmsgpackNumber(out, float64(v))
	case *lua.LTable:
		if level == cmsgpackNestingMax {
			return append(out, 0xc0)
		}
		if n, isArray := cmsgpackArrayLength(v); isArray {
			out = cmsgpackHeader(out, 0x90, 0xdc, 0xdd, n)
			for i := 1; i <= n; i++ {
				out = cmsgpackEncode(out, v.RawGetInt(i), level+1)
			}
			return out
		}
		count := 0
		for key, _ := v.Next(lua.LNil); key != lua.LNil; key, _ = v.Next(key) {
			count++
		}
		out = cmsgpackHeader(out, 0x80, 0xde, 0xdf, count)
		for key, val := v.Next(lua.LNil); key != lua.LNil; key, val = v.Next(key) {
			out = cmsgpackEncode(out, key, level+1)
			out = cmsgpackEncode(out, val, level+1)
		}
		return out
	}
	return append(out, 0xc0)
}

// cmsgpackArrayLength: the table's keys are exactly 1..n.
func cmsgpackArrayLength(t *lua.LTable) (int, bool) {
	count, highest := 0, 0
	for key, _ := t.Next(lua.LNil); key != lua.LNil; key, _ = t.Next(key) {
		k, ok := key.(lua.LNumber)
		if !ok || k <= 0 || math.Floor(float64(k)) != float64(k) || k > math.MaxInt32 {
			return 0, false
		}
		count, highest = count+1, max(highest, int(k))
	}
	return count, count == highest
}

// cmsgpackHeader writes an array or map header: the fix form under 16,
// then 16- and 32-bit lengths.
func cmsgpackHeader(out []byte, fix, of16, of32 byte, n int) []byte {
	switch {
	case n <= 15:
		return append(out, fix|byte(n))
	case n <= math.MaxUint16:
		return binary.BigEndian.AppendUint16(append(out, of16), uint16(n))
	}
	return binary.BigEndian.AppendUint32(append(out, of32), uint32(n))
}

func cmsgpackString(out []byte, s string) []byte {
	switch n := len(s); {
	case n < 32:
		out = append(out, 0xa0|byte(n))
	case n <= math.MaxUint8:
		out = append(out, 0xd9, byte(n))
	case n <= math.MaxUint16:
		out = binary.BigEndian.AppendUint16(append(out, 0xda), uint16(n))
	default:
		out = binary.BigEndian.AppendUint32(append(out, 0xdb), uint32(n))
	}
	return append(out, s...)
}

func cmsgpackNumber(out []byte, f float64) []byte {
	if !math.IsInf(f, 0) && f >= -(1<<63) && f < 1<<63 && float64(int64(f)) == f {
		return cmsgpackInt(out, int64(f))
	}
	if f32 := float32(f); float64(f32) == f {
		return binary.BigEndian.AppendUint32(append(out, 0xca), math.Float32bits(f32))
	}
	return binary.BigEndian.AppendUint64(append(out, 0xcb), math.Float64bits(f))
}

func cmsgpackInt(out []byte, n int64) []byte {
	switch {
	case n >= 0 && n <= 127:
		return append(out, byte(n))
	case n >= 0 && n <= math.MaxUint8:
		return append(out, 0xcc, byte(n))
	case n >= 0 && n <= math.MaxUint16:
		return binary.BigEndian.AppendUint16(append(out, 0xcd), uint16(n))
	case n >= 0 && n <= math.MaxUint32:
		return binary.BigEndian.AppendUint32(append(out, 0xce), uint32(n))
	case n >= 0:
		return binary.BigEndian.AppendUint64(append(out, 0xcf), uint64(n))
	case n >= -32:
		return append(out, byte(n))
	case n >= math.MinInt8:
		return append(out, 0xd0, byte(n))
	case n >= math.MinInt16:
		return binary.BigEndian.AppendUint16(append(out, 0xd1), uint16(n))
	case n >= math.MinInt32:
		return binary.BigEndian.AppendUint32(append(out, 0xd2), uint32(n))
	}
	return binary.BigEndian.AppendUint64(append(out, 0xd3), uint64(n))
}

// cmsgpackUnpack decodes up to limit values of argument 1 from offset
// (limit and offset 0: every value, and no offset returned).
func cmsgpackUnpack(L *lua.LState, limit, offset int64) int {
	data := L.CheckString(1)
	if offset < 0 || limit < 0 {
		L.RaiseError("Invalid request to unpack with offset of %d and limit of %d.", offset, len(data)) // sic: Redis prints the length
	}
	if offset > int64(len(data)) {
		L.RaiseError("Start offset %d greater than input length %d.", offset, len(data))
	}
	all := limit == 0 && offset == 0
	if all {
		limit = math.MaxInt32
	}
	d := &cmsgpackDecoder{L: L, data: data[offset:]}
	var values []lua.LValue
	for count := int64(0); d.pos < len(d.data) && count < limit; count++ {
		values = append(values, d.value(0))
	}
	if !all {
		next := int64(-1)
		if d.pos < len(d.data) {
			next = offset + int64(d.pos)
		}
		L.Push(lua.LNumber(next))
	}
	for _, v := range values {
		L.Push(v)
	}
	if all {
		return len(values)
	}
	return len(values) + 1
}

type cmsgpackDecoder struct {
	L    *lua.LState
	data string
	pos  int
}

// take returns the next n bytes, or raises the missing-bytes error.
func (d *cmsgpackDecoder) take(n int) string {
	if n < 0 || len(d.data)-d.pos < n {
		d.L.RaiseError("Missing bytes in input.")
	}
	b := d.data[d.pos : d.pos+n]
	d.pos += n
	return b
}

func (d *cmsgpackDecoder) uint(n int) uint64 {
	b := d.take(n)
	var v uint64
	for i := 0; i < n; i++ {
		v = v<<8 | uint64(b[i])
	}
	return v
}

func (d *cmsgpackDecoder) value(depth int) lua.LValue {
	if depth > cmsgpackDecodeDepthMax {
		d.L.RaiseError("Bad data format in input.")
	}
	c := d.take(1)[0]
	switch {
	case c <= 0x7f:
		return lua.LNumber(c)
	case c >= 0xe0:
		return lua.LNumber(int8(c))
	case c&0xe0 == 0xa0:
		return lua.LString(d.take(int(c & 0x1f)))
	case c&0xf0 == 0x90:
		return d.array(int(c&0xf), depth)
	case c&0xf0 == 0x80:
		return d.hash(int(c&0xf), depth)
	}
	switch c {
	case 0xc0:
		return lua.LNil
	case 0xc2:
		return lua.LFalse
	case 0xc3:
		return lua.LTrue
	case 0xcc, 0xcd, 0xce, 0xcf:
		return lua.LNumber(float64(d.uint(1 << (c - 0xcc))))
	case 0xd0:
		return lua.LNumber(int8(d.uint(1)))
	case 0xd1:
		return lua.LNumber(int16(d.uint(2)))
	case 0xd2:
		return lua.LNumber(int32(d.uint(4)))
	case 0xd3:
		return lua.LNumber(float64(int64(d.uint(8))))
	case 0xca:
		return lua.LNumber(math.Float32frombits(uint32(d.uint(4))))
	case 0xcb:
		return lua.LNumber(math.Float64frombits(d.uint(8)))
	case 0xd9, 0xda, 0xdb:
		return lua.LString(d.take(int(d.uint(1 << (c - 0xd9)))))
	case 0xdc, 0xdd:
		return d.array(int(d.uint(2<<(c-0xdc))), depth)
	case 0xde, 0xdf:
		return d.hash(int(d.uint(2<<(c-0xde))), depth)
	}
	d.L.RaiseError("Bad data format in input.")
	return lua.LNil
}

func (d *cmsgpackDecoder) array(n, depth int) lua.LValue {
	t := d.L.CreateTable(min(n, len(d.data)-d.pos), 0) // a claimed length is not trusted
	for i := 1; i <= n; i++ {
		if v := d.value(depth + 1); v != lua.LNil {
			t.RawSetInt(i, v)
		}
	}
	return t
}

func (d *cmsgpackDecoder) hash(n, depth int) lua.LValue {
	t := d.L.CreateTable(0, min(n, len(d.data)-d.pos))
	for range n {
		key := d.value(depth + 1)
		val := d.value(depth + 1)
		if key != lua.LNil && val != lua.LNil {
			if f, isNumber := key.(lua.LNumber); isNumber && math.IsNaN(float64(f)) {
				continue
			}
			t.RawSet(key, val)
		}
	}
	return t
}
