package cache

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// bitopsRandomSeed seeds TestBitopsRandomAgreeWithRedis; a failure names
// the command, and the same seed replays the same sequence.
const bitopsRandomSeed = 20261201

// bitopsRandomSteps is how many commands the differential test runs.
const bitopsRandomSteps = 4000

// A random mix of BITCOUNT, BITPOS, BITOP, BITFIELD and BITFIELD_RO over a
// few keys, with SET, SETBIT, DEL and GET between them, answers the same
// bytes as a real redis-server 7.0.
func TestBitopsRandomAgreeWithRedis(t *testing.T) {
	g := bitopsGen{rng: rand.New(rand.NewPCG(bitopsRandomSeed, 0))}
	lines := []string{"RPUSH list x"}
	for range bitopsRandomSteps {
		lines = append(lines, g.command())
	}
	compareWithRedis(t, lines)
}

// bitopsGen writes random bit commands, leaning toward the values where
// behaviour changes: empty strings, all-zero and all-one bytes, range ends
// around the string's length, and field values at the limits of their
// type.
type bitopsGen struct {
	rng *rand.Rand
}

func (g *bitopsGen) pick(words ...string) string { return words[g.rng.IntN(len(words))] }

// key is usually a string key, sometimes a missing one or the list.
func (g *bitopsGen) key() string {
	switch n := g.rng.IntN(20); {
	case n == 0:
		return "list"
	case n == 1:
		return "missing"
	default:
		return g.pick("a", "b", "c", "d")
	}
}

// value is a string of up to 12 bytes as a quoted, \x-escaped argument.
func (g *bitopsGen) value() string {
	var b strings.Builder
	b.WriteByte('"')
	for range g.rng.IntN(13) {
		var c byte
		switch g.rng.IntN(4) {
		case 0:
			c = 0
		case 1:
			c = 0xff
		default:
			c = byte(g.rng.Uint32())
		}
		b.WriteString(`\x` + strconv.FormatUint(uint64(c)|0x100, 16)[1:])
	}
	b.WriteByte('"')
	return b.String()
}

// index is a range end: mostly small and either sign, sometimes extreme.
func (g *bitopsGen) index() string {
	switch g.rng.IntN(25) {
	case 0:
		return "9223372036854775807"
	case 1:
		return "-9223372036854775808"
	case 2:
		return "x"
	}
	return strconv.Itoa(g.rng.IntN(121) - 60)
}

func (g *bitopsGen) unit() string {
	if g.rng.IntN(30) == 0 {
		return "bits"
	}
	return g.pick("BYTE", "BIT", "bit", "byte")
}

// fieldType is mostly a valid type with a width at a byte or word edge.
func (g *bitopsGen) fieldType() (string, int) {
	sign := g.pick("i", "u")
	width := []int{1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64}[g.rng.IntN(14)]
	if g.rng.IntN(3) == 0 {
		width = 1 + g.rng.IntN(64)
	}
	if sign == "u" && width == 64 && g.rng.IntN(4) != 0 {
		width = 63 // u64 is an error; keep most of them valid
	}
	return sign + strconv.Itoa(width), width
}

func (g *bitopsGen) offset(width int) string {
	if g.rng.IntN(4) == 0 {
		return "#" + strconv.Itoa(g.rng.IntN(12))
	}
	if g.rng.IntN(40) == 0 {
		return g.pick("-1", "x", "#", "4294967296")
	}
	return strconv.Itoa(g.rng.IntN(100))
}

// fieldValue is a SET value or INCRBY increment near a limit of width
// bits, signed or unsigned, or any int64.
func (g *bitopsGen) fieldValue(width int) string {
	var base int64
	switch g.rng.IntN(6) {
	case 0:
		base = 0
	case 1:
		if width < 64 {
			base = int64(1) << (width - 1) // signed maximum + 1
		} else {
			base = -1 << 63
		}
	case 2:
		if width < 64 {
			base = int64(1)<<width - 1 // unsigned maximum
		}
	case 3:
		if width < 64 {
			base = -(int64(1) << (width - 1)) // signed minimum
		}
	case 4:
		return g.pick("9223372036854775807", "-9223372036854775808", "x")
	default:
		return strconv.FormatInt(int64(g.rng.Uint64()), 10)
	}
	return strconv.FormatInt(base+int64(g.rng.IntN(5))-2, 10)
}

func (g *bitopsGen) bitfieldOps(readOnly bool) string {
	var ops []string
	for range 1 + g.rng.IntN(4) {
		typ, width := g.fieldType()
		n := g.rng.IntN(10)
		switch {
		case n < 3 || readOnly && n < 9:
			ops = append(ops, "GET "+typ+" "+g.offset(width))
		case n < 5:
			ops = append(ops, "SET "+typ+" "+g.offset(width)+" "+g.fieldValue(width))
		case n < 8:
			ops = append(ops, "INCRBY "+typ+" "+g.offset(width)+" "+g.fieldValue(width))
		default:
			ops = append(ops, "OVERFLOW "+g.pick("WRAP", "SAT", "FAIL", "wrap", "sat", "fail"))
		}
	}
	if g.rng.IntN(40) == 0 {
		ops = append(ops, g.pick("GET u8", "FOO", "OVERFLOW"))
	}
	return strings.Join(ops, " ")
}

func (g *bitopsGen) command() string {
	k := g.key()
	switch n := g.rng.IntN(100); {
	case n < 10:
		return "SET " + g.pick("a", "b", "c", "d") + " " + g.value()
	case n < 14:
		return "SETBIT " + k + " " + strconv.Itoa(g.rng.IntN(100)) + " " + g.pick("0", "1")
	case n < 17:
		return "DEL " + k
	case n < 27:
		return "GET " + k
	case n < 42:
		switch g.rng.IntN(10) {
		case 0:
			return "BITCOUNT " + k
		case 1:
			return "BITCOUNT " + k + " " + g.index()
		case 2, 3, 4:
			return "BITCOUNT " + k + " " + g.index() + " " + g.index()
		}
		return "BITCOUNT " + k + " " + g.index() + " " + g.index() + " " + g.unit()
	case n < 57:
		bit := g.pick("0", "1", "0", "1", "2")
		switch g.rng.IntN(8) {
		case 0:
			return "BITPOS " + k + " " + bit
		case 1:
			return "BITPOS " + k + " " + bit + " " + g.index()
		case 2, 3:
			return "BITPOS " + k + " " + bit + " " + g.index() + " " + g.index()
		}
		return "BITPOS " + k + " " + bit + " " + g.index() + " " + g.index() + " " + g.unit()
	case n < 70:
		op := g.pick("AND", "OR", "XOR", "NOT", "and", "xor")
		sources := 1 + g.rng.IntN(3)
		if op == "NOT" && g.rng.IntN(5) != 0 {
			sources = 1
		}
		line := "BITOP " + op + " " + g.pick("a", "b", "c", "d", "dest")
		for range sources {
			line += " " + g.key()
		}
		return line
	case n < 92:
		return "BITFIELD " + k + " " + g.bitfieldOps(false)
	default:
		return "BITFIELD_RO " + k + " " + g.bitfieldOps(g.rng.IntN(5) != 0)
	}
}
