package cache

import (
	"math"
	"math/bits"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// The bit library Redis gives scripts (Lua BitOp 1.0): operations on
// 32-bit integers. Arguments are Lua numbers brought into 32 bits as
// BitOp does (rounded to the nearest integer, ties to even, then taken
// modulo 2^32); results are signed 32-bit numbers.

func newBitLibrary(L *lua.LState) *lua.LTable {
	lib := L.NewTable()
	unary := func(name string, op func(uint32) uint32) {
		lib.RawSetString(name, L.NewFunction(func(L *lua.LState) int {
			L.Push(bitResult(op(bitArg(L, 1))))
			return 1
		}))
	}
	fold := func(name string, op func(a, b uint32) uint32) {
		lib.RawSetString(name, L.NewFunction(func(L *lua.LState) int {
			acc := bitArg(L, 1)
			for i := 2; i <= L.GetTop(); i++ {
				acc = op(acc, bitArg(L, i))
			}
			L.Push(bitResult(acc))
			return 1
		}))
	}
	shift := func(name string, op func(x uint32, n uint) uint32) {
		lib.RawSetString(name, L.NewFunction(func(L *lua.LState) int {
			x, n := bitArg(L, 1), bitArg(L, 2)
			L.Push(bitResult(op(x, uint(n&31))))
			return 1
		}))
	}
	unary("tobit", func(x uint32) uint32 { return x })
	unary("bnot", func(x uint32) uint32 { return ^x })
	unary("bswap", bits.ReverseBytes32)
	fold("band", func(a, b uint32) uint32 { return a & b })
	fold("bor", func(a, b uint32) uint32 { return a | b })
	fold("bxor", func(a, b uint32) uint32 { return a ^ b })
	shift("lshift", func(x uint32, n uint) uint32 { return x << n })
	shift("rshift", func(x uint32, n uint) uint32 { return x >> n })
	shift("arshift", func(x uint32, n uint) uint32 { return uint32(int32(x) >> n) })
	shift("rol", func(x uint32, n uint) uint32 { return bits.RotateLeft32(x, int(n)) })
	shift("ror", func(x uint32, n uint) uint32 { return bits.RotateLeft32(x, -int(n)) })
	lib.RawSetString("tohex", L.NewFunction(func(L *lua.LState) int {
		x := bitArg(L, 1)
		digits := int32(8)
		if L.GetTop() >= 2 {
			digits = int32(bitArg(L, 2))
		}
		const lower, upper = "0123456789abcdef", "0123456789ABCDEF"
		alphabet := lower
		if digits < 0 {
			digits, alphabet = -digits, upper
		}
		digits = min(digits, 8)
		var b strings.Builder
		for i := digits - 1; i >= 0; i-- {
			b.WriteByte(alphabet[(x>>(4*uint(i)))&0xf])
		}
		L.Push(lua.LString(b.String()))
		return 1
	}))
	return lib
}

// bitArg is argument i brought into 32 bits.
func bitArg(L *lua.LState, i int) uint32 {
	x := float64(L.CheckNumber(i))
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return 0
	}
	m := math.Mod(math.RoundToEven(x), 1<<32)
	if m < 0 {
		m += 1 << 32
	}
	return uint32(m)
}

func bitResult(x uint32) lua.LNumber { return lua.LNumber(int32(x)) }
