package cache

import (
	"bytes"
	"encoding/binary"
	"math"
	"math/bits"

	"syslab/engines/cache/resp"
)

// Bit operations on string values (Redis's bitops.c): BITCOUNT, BITPOS,
// BITOP, BITFIELD and BITFIELD_RO. SETBIT and GETBIT are in strings.go.
//
// Bit i of a string is bit 7-i%8 of byte i/8: bit 0 is the high bit of the
// first byte, so a string reads as one long big-endian number. Past the end
// of a string (or of a missing key) every bit is 0.
//
// Like SETBIT, the writers build a new string and store it: strings are
// never changed in place (strings.go).
var bitopsCommands = []commandSpec{
	{name: "bitcount", arity: -2, flags: flagReadonly, firstKey: 1, lastKey: 1, keyStep: 1, run: bitcountCommand},
	{name: "bitpos", arity: -3, flags: flagReadonly, firstKey: 1, lastKey: 1, keyStep: 1, run: bitposCommand},
	{name: "bitop", arity: -4, flags: flagWrite | flagDenyOOM, firstKey: 2, lastKey: -1, keyStep: 1, run: bitopCommand},
	{name: "bitfield", arity: -2, flags: flagWrite | flagDenyOOM, firstKey: 1, lastKey: 1, keyStep: 1, run: bitfieldCommand},
	{name: "bitfield_ro", arity: -2, flags: flagReadonly | flagFast, firstKey: 1, lastKey: 1, keyStep: 1, run: bitfieldROCommand},
}

// keywordIs compares a keyword argument as Redis's strcasecmp does: the
// argument ends at its first NUL byte ("bit\x00x" is BIT).
func keywordIs(arg []byte, word string) bool {
	if i := bytes.IndexByte(arg, 0); i >= 0 {
		arg = arg[:i]
	}
	return bytes.EqualFold(arg, []byte(word))
}

// parseIndexUnit reads BITCOUNT's and BITPOS's BYTE|BIT: true for BIT.
func parseIndexUnit(arg []byte) (inBits, ok bool) {
	switch {
	case keywordIs(arg, "bit"):
		return true, true
	case keywordIs(arg, "byte"):
		return false, true
	}
	return false, false
}

// parseIntPair reads a range's two integer arguments (GETRANGE's,
// BITCOUNT's start and end).
func parseIntPair(a, b []byte) (x, y int64, ok bool) {
	if x, ok = resp.ParseInt(a); !ok {
		return 0, 0, false
	}
	y, ok = resp.ParseInt(b)
	return x, y, ok
}

// clampRange resolves a start..end range over total units as GETRANGE
// does: negative indexes count from the end, both ends are clamped into
// the string. The range is empty when start > end afterwards.
func clampRange(start, end, total int64) (int64, int64) {
	if start < 0 {
		start += total
	}
	if end < 0 {
		end += total
	}
	start, end = max(start, 0), max(end, 0)
	if end >= total {
		end = total - 1
	}
	return start, end
}

// bitSpan turns a resolved range in units (bytes, or bits with inBits)
// into the bits it covers, first and last included.
func bitSpan(start, end int64, inBits bool) (firstBit, lastBit int64) {
	if inBits {
		return start, end
	}
	return start * 8, end*8 + 7
}

// bitcountCommand is BITCOUNT key [start end [BYTE|BIT]]. A missing key
// answers 0 before the arguments are looked at, as Redis 7.0 does; a
// range of two negative indexes in the wrong order is empty before the
// unit is read.
func bitcountCommand(c *call) resp.Value {
	s, ok := c.getString(c.args[1])
	switch {
	case !ok:
		return replyWrongType
	case s == nil:
		return resp.Int(0)
	}
	data := s.data
	firstBit, lastBit := int64(0), int64(len(data))*8-1
	switch len(c.args) {
	case 2:
	case 4, 5:
		start, end, ok := parseIntPair(c.args[2], c.args[3])
		if !ok {
			return resp.Err(errNotInteger)
		}
		if start < 0 && end < 0 && start > end {
			return resp.Int(0)
		}
		inBits := false
		if len(c.args) == 5 {
			if inBits, ok = parseIndexUnit(c.args[4]); !ok {
				return resp.Err(errSyntax)
			}
		}
		total := int64(len(data))
		if inBits {
			total *= 8
		}
		start, end = clampRange(start, end, total)
		if start > end {
			return resp.Int(0)
		}
		firstBit, lastBit = bitSpan(start, end, inBits)
	default:
		return resp.Err(errSyntax)
	}
	if firstBit > lastBit {
		return resp.Int(0)
	}
	return resp.Int(countBits(data, firstBit, lastBit))
}

// countBits counts the set bits from firstBit to lastBit, both included
// and within data.
func countBits(data []byte, firstBit, lastBit int64) int64 {
	firstByte, lastByte := firstBit>>3, lastBit>>3
	headMask := byte(0xff) >> (firstBit & 7)  // the bits of the first byte in range
	tailMask := byte(0xff) << (7 - lastBit&7) // the bits of the last byte in range
	if firstByte == lastByte {
		return int64(bits.OnesCount8(data[firstByte] & headMask & tailMask))
	}
	n := int64(bits.OnesCount8(data[firstByte]&headMask) + bits.OnesCount8(data[lastByte]&tailMask))
	return n + popcount(data[firstByte+1:lastByte])
}

// popcount counts the set bits of data, eight bytes at a time.
func popcount(data []byte) int64 {
	var n int
	for len(data) >= 8 {
		n += bits.OnesCount64(binary.LittleEndian.Uint64(data))
		data = data[8:]
	}
	for _, b := range data {
		n += bits.OnesCount8(b)
	}
	return int64(n)
}

// bitposCommand is BITPOS key bit [start [end [BYTE|BIT]]]: the first bit
// equal to bit within the range, or -1. Looking for a 0 without an end
// given, the string counts as followed by zeros, so a range of ones
// answers the bit just after it; with an end given it answers -1. A
// missing key is all zeros: 0 for a clear bit, -1 for a set one.
func bitposCommand(c *call) resp.Value {
	bit, ok := resp.ParseInt(c.args[2])
	if !ok {
		return resp.Err(errNotInteger)
	}
	if bit != 0 && bit != 1 {
		return resp.Err("ERR The bit argument must be 1 or 0.")
	}
	s, ok := c.getString(c.args[1])
	switch {
	case !ok:
		return replyWrongType
	case s == nil:
		return resp.Int(-bit) // 0 for a clear bit, -1 for a set one
	}
	data := s.data
	endGiven := false
	firstBit, lastBit := int64(0), int64(len(data))*8-1
	switch len(c.args) {
	case 3:
	case 4, 5, 6:
		start, ok := resp.ParseInt(c.args[3])
		if !ok {
			return resp.Err(errNotInteger)
		}
		// The unit is read before the end: BITPOS k 1 0 x FOO is a
		// syntax error, not a bad integer.
		inBits := false
		if len(c.args) == 6 {
			if inBits, ok = parseIndexUnit(c.args[5]); !ok {
				return resp.Err(errSyntax)
			}
		}
		total := int64(len(data))
		if inBits {
			total *= 8
		}
		end := total - 1
		if len(c.args) >= 5 {
			if end, ok = resp.ParseInt(c.args[4]); !ok {
				return resp.Err(errNotInteger)
			}
			endGiven = true
		}
		start, end = clampRange(start, end, total)
		if start > end {
			return resp.Int(-1)
		}
		firstBit, lastBit = bitSpan(start, end, inBits)
	default:
		return resp.Err(errSyntax)
	}
	if firstBit > lastBit { // an empty string
		return resp.Int(-1)
	}
	if pos := findBit(data, byte(bit), firstBit, lastBit); pos >= 0 || bit == 1 || endGiven {
		return resp.Int(pos)
	}
	return resp.Int(lastBit + 1)
}

// findBit answers the first bit from firstBit to lastBit (both included,
// within data) equal to bit, or -1.
func findBit(data []byte, bit byte, firstBit, lastBit int64) int64 {
	firstByte, lastByte := firstBit>>3, lastBit>>3
	var flip byte // XORed into each byte so that the bits sought read as 1
	if bit == 0 {
		flip = 0xff
	}
	flipWord := uint64(flip) * 0x0101010101010101
	for i := firstByte; i <= lastByte; i++ {
		// Whole words between the edge bytes that hold no bit sought are
		// skipped eight bytes at a time.
		for i > firstByte && i+8 <= lastByte && binary.LittleEndian.Uint64(data[i:])^flipWord == 0 {
			i += 8
		}
		b := data[i] ^ flip
		if i == firstByte {
			b &= 0xff >> (firstBit & 7)
		}
		if i == lastByte {
			b &= 0xff << (7 - lastBit&7)
		}
		if b != 0 {
			return i*8 + int64(bits.LeadingZeros8(b))
		}
	}
	return -1
}

// bitopCommand is BITOP AND|OR|XOR|NOT destkey key [key ...]. Missing
// source keys count as empty strings, and every source as padded with
// zero bytes to the longest; the result replaces destkey (its TTL goes),
// or deletes it when every source is empty. It answers the result's
// length.
func bitopCommand(c *call) resp.Value {
	type operation uint8
	const (
		and operation = iota
		or
		xor
		not
	)
	var op operation
	switch name := c.args[1]; {
	case keywordIs(name, "and"):
		op = and
	case keywordIs(name, "or"):
		op = or
	case keywordIs(name, "xor"):
		op = xor
	case keywordIs(name, "not"):
		if len(c.args) != 4 {
			return resp.Err("ERR BITOP NOT must be called with a single source key.")
		}
		op = not
	default:
		return resp.Err(errSyntax)
	}
	dst := c.args[2]
	sources := make([][]byte, len(c.args)-3)
	longest := 0
	for i, key := range c.args[3:] {
		s, ok := stringOf(c.lookupRead(key)) // Redis reads the sources as reads
		if !ok {
			return replyWrongType
		}
		if s != nil {
			sources[i] = s.data
		}
		longest = max(longest, len(sources[i]))
	}
	c.modified = c.args[2:3] // the sources are only read
	if longest == 0 {
		// Deleted unread, as Redis's dbDelete: an expired destination
		// still there is notified as deleted, not as expired.
		if c.db.delete(string(dst)) {
			c.notify(notifyGeneric, "del", dst)
			c.propagate(c.args...)
		}
		return resp.Int(0)
	}
	// The result starts as the first source, zero-padded; each further
	// source combines with its own length, the padding past it being
	// zeros (which clear under AND and change nothing under OR and XOR).
	result := make([]byte, longest)
	copy(result, sources[0])
	for _, src := range sources[1:] {
		switch op {
		case and:
			for i, b := range src {
				result[i] &= b
			}
			clear(result[len(src):])
		case or:
			for i, b := range src {
				result[i] |= b
			}
		case xor:
			for i, b := range src {
				result[i] ^= b
			}
		}
	}
	if op == not {
		for i, b := range result {
			result[i] = ^b
		}
	}
	c.expireBeforeOverwrite(dst)
	c.db.set(string(dst), &stringObject{data: result, raw: true}, false)
	c.notify(notifyString, "set", dst)
	c.propagate(c.args...)
	return resp.Int(int64(longest))
}

// bitfieldOpKind is what one BITFIELD operation does.
type bitfieldOpKind uint8

const (
	bitfieldGet bitfieldOpKind = iota
	bitfieldSet
	bitfieldIncrBy
)

// overflowMode is BITFIELD's OVERFLOW policy for SET and INCRBY.
type overflowMode uint8

const (
	overflowWrap overflowMode = iota // keep the low bits (the default)
	overflowSat                      // stop at the type's minimum or maximum
	overflowFail                     // write nothing and answer nil
)

// bitfieldOp is one parsed GET, SET or INCRBY of a BITFIELD call.
type bitfieldOp struct {
	kind     bitfieldOpKind
	signed   bool
	width    int   // bits: 1..64 signed, 1..63 unsigned
	offset   int64 // of the field's first (most significant) bit
	value    int64 // SET's value or INCRBY's increment
	overflow overflowMode
}

// bitfieldRequest is a parsed BITFIELD argument list.
type bitfieldRequest struct {
	ops []bitfieldOp
	// writes: some operation is a SET or INCRBY; lastWrittenBit is then
	// the highest bit any of them touches (the string grows to hold it
	// even if every write fails).
	writes         bool
	lastWrittenBit int64
}

var (
	replyBitfieldType = resp.Err("ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.")
	replyOverflowType = resp.Err("ERR Invalid OVERFLOW type specified")
)

// parseBitfield reads the operations after BITFIELD's key, left to right,
// answering the first error as Redis does: an unknown word or one
// missing its arguments is a syntax error; then, per operation, the type,
// the offset and the value are checked in that order.
func parseBitfield(args [][]byte) (bitfieldRequest, resp.Value, bool) {
	var req bitfieldRequest
	overflow := overflowWrap
	for j := 0; j < len(args); j++ {
		remaining := len(args) - j - 1
		var op bitfieldOp
		switch word := args[j]; {
		case keywordIs(word, "get") && remaining >= 2:
			op.kind = bitfieldGet
		case keywordIs(word, "set") && remaining >= 3:
			op.kind = bitfieldSet
		case keywordIs(word, "incrby") && remaining >= 3:
			op.kind = bitfieldIncrBy
		case keywordIs(word, "overflow") && remaining >= 1:
			j++
			switch mode := args[j]; {
			case keywordIs(mode, "wrap"):
				overflow = overflowWrap
			case keywordIs(mode, "sat"):
				overflow = overflowSat
			case keywordIs(mode, "fail"):
				overflow = overflowFail
			default:
				return req, replyOverflowType, false
			}
			continue
		default:
			return req, resp.Err(errSyntax), false
		}
		var ok bool
		if op.signed, op.width, ok = parseBitfieldType(args[j+1]); !ok {
			return req, replyBitfieldType, false
		}
		if op.offset, ok = parseBitfieldOffset(args[j+2], op.width); !ok {
			return req, replyBitOffset, false
		}
		op.overflow = overflow
		if op.kind != bitfieldGet {
			if op.value, ok = resp.ParseInt(args[j+3]); !ok {
				return req, resp.Err(errNotInteger), false
			}
			req.writes = true
			req.lastWrittenBit = max(req.lastWrittenBit, op.offset+int64(op.width)-1)
			j++
		}
		req.ops = append(req.ops, op)
		j += 2
	}
	return req, resp.Value{}, true
}

// parseBitfieldType reads i1..i64 or u1..u63, lower case only. Like Redis,
// it reads the width only up to a NUL byte.
func parseBitfieldType(arg []byte) (signed bool, width int, ok bool) {
	if i := bytes.IndexByte(arg, 0); i >= 0 {
		arg = arg[:i]
	}
	if len(arg) == 0 {
		return false, 0, false
	}
	switch arg[0] {
	case 'i':
		signed = true
	case 'u':
	default:
		return false, 0, false
	}
	n, ok := resp.ParseInt(arg[1:])
	widthMax := int64(63)
	if signed {
		widthMax = 64
	}
	if !ok || n < 1 || n > widthMax {
		return false, 0, false
	}
	return signed, int(n), true
}

// parseBitfieldOffset reads a field's bit offset: N bits, or #N fields of
// width bits (N*width, wrapping around int64 as Redis's C arithmetic
// does). The field's first byte must lie within proto-max-bulk-len; the
// field may end a few bytes past it, as in Redis.
func parseBitfieldOffset(arg []byte, width int) (int64, bool) {
	fields := len(arg) > 0 && arg[0] == '#'
	if fields {
		arg = arg[1:]
	}
	offset, ok := resp.ParseInt(arg)
	if !ok {
		return 0, false
	}
	if fields {
		offset *= int64(width)
	}
	if offset < 0 || offset>>3 >= stringBytesMax {
		return 0, false
	}
	return offset, true
}

// bitfieldCommand is BITFIELD key [GET type offset] [SET type offset
// value] [INCRBY type offset increment] [OVERFLOW WRAP|SAT|FAIL] ...
func bitfieldCommand(c *call) resp.Value { return bitfieldGeneric(c, false) }

// bitfieldROCommand is BITFIELD_RO key [GET type offset ...], which a
// read-only replica serves.
func bitfieldROCommand(c *call) resp.Value { return bitfieldGeneric(c, true) }

// bitfieldGeneric runs the operations in order and answers one reply per
// operation: GET the field, SET the old value, INCRBY the new one, nil for
// a write OVERFLOW FAIL refused. A call with a write first grows the
// string to hold every field written (creating the key if missing) and is
// then a write even if every operation failed, as in Redis.
func bitfieldGeneric(c *call, readOnly bool) resp.Value {
	key := c.args[1]
	req, errReply, ok := parseBitfield(c.args[2:])
	if !ok {
		return errReply
	}
	if !req.writes {
		data, ok := c.getStringBytes(key)
		if !ok {
			return replyWrongType
		}
		replies := make([]resp.Value, len(req.ops))
		for i, op := range req.ops {
			replies[i] = resp.Int(readBitfield(data, op))
		}
		return resp.ArrayOf(replies...)
	}
	if readOnly {
		return resp.Err("ERR BITFIELD_RO only supports the GET subcommand")
	}
	current, ok := c.getString(key)
	if !ok {
		return replyWrongType
	}
	var old []byte
	if current != nil {
		old = current.data
	}
	data := make([]byte, max(int64(len(old)), req.lastWrittenBit>>3+1))
	copy(data, old)
	// As Redis 7.0 counts them: a write that goes through is a change if
	// the key was created or grew, or if its field's value changed.
	grown := current == nil || len(data) > len(old)
	changes := 0
	replies := make([]resp.Value, len(req.ops))
	var fieldBefore [9]byte // a field of up to 64 bits spans at most 9 bytes
	for i, op := range req.ops {
		if op.kind == bitfieldGet { // may read past the end: no field bytes to compare
			replies[i] = applyBitfield(data, op)
			continue
		}
		first, last := op.offset>>3, (op.offset+int64(op.width)-1)>>3 // within data: it holds every field written
		copy(fieldBefore[:], data[first:last+1])
		replies[i] = applyBitfield(data, op)
		if replies[i].Kind != resp.Null && (grown || !bytes.Equal(fieldBefore[:last-first+1], data[first:last+1])) {
			changes++
		}
	}
	if changes == 0 && !grown {
		// Nothing to store or log: Redis leaves the dirty counter, the
		// AOF and replicas alone. It has still made the string raw.
		current.raw = true
		return resp.ArrayOf(replies...)
	}
	c.db.set(string(key), &stringObject{data: data, raw: true}, true)
	if changes > 0 {
		c.notify(notifyString, "setbit", key)
	}
	// A string created or grown by writes that OVERFLOW FAIL refused is
	// logged too (Redis would not), so the AOF and replicas hold the
	// same string as memory.
	c.propagate(c.args...)
	c.node.dirty += int64(max(changes-1, 0)) // propagate counted one
	return resp.ArrayOf(replies...)
}

// applyBitfield runs one operation on data, which holds every field
// written, and answers its reply.
func applyBitfield(data []byte, op bitfieldOp) resp.Value {
	if op.kind == bitfieldGet {
		return resp.Int(readBitfield(data, op))
	}
	old := readBitfield(data, op)
	var next int64
	var overflowed bool
	switch {
	case op.kind == bitfieldSet && op.signed:
		next, overflowed = fitSigned(op.value, 0, op.width, op.overflow)
	case op.kind == bitfieldSet:
		next, overflowed = fitUnsigned(uint64(op.value), 0, op.width, op.overflow)
	case op.signed:
		next, overflowed = fitSigned(old, op.value, op.width, op.overflow)
	default:
		next, overflowed = fitUnsigned(uint64(old), op.value, op.width, op.overflow)
	}
	if overflowed && op.overflow == overflowFail {
		return resp.NullBulk
	}
	writeBitfield(data, op.offset, op.width, uint64(next))
	if op.kind == bitfieldSet {
		return resp.Int(old)
	}
	return resp.Int(next)
}

// fitSigned adds incr to value (in range for INCRBY; any int64 for SET,
// with incr 0) and brings the sum into width bits signed as mode says:
// WRAP keeps the low bits, sign-extended; SAT stops at the limit passed;
// FAIL only reports the overflow.
func fitSigned(value, incr int64, width int, mode overflowMode) (int64, bool) {
	fieldMax := int64(math.MaxInt64)
	if width < 64 {
		fieldMax = int64(1)<<(width-1) - 1
	}
	fieldMin := -fieldMax - 1
	// Compared without computing the sum, which may overflow int64.
	above := value > fieldMax || incr > 0 && value > fieldMax-incr
	below := value < fieldMin || incr < 0 && value < fieldMin-incr
	if !above && !below {
		return value + incr, false
	}
	switch mode {
	case overflowSat:
		if above {
			return fieldMax, true
		}
		return fieldMin, true
	case overflowWrap:
		sum := uint64(value) + uint64(incr)
		shift := 64 - width
		return int64(sum<<shift) >> shift, true
	}
	return 0, true
}

// fitUnsigned is fitSigned for an unsigned field of width bits (at most
// 63). A SET value is taken as unsigned, so a negative one overflows
// upwards: SAT makes it the maximum.
func fitUnsigned(value uint64, incr int64, width int, mode overflowMode) (int64, bool) {
	fieldMax := uint64(1)<<width - 1
	above := value > fieldMax || incr > 0 && uint64(incr) > fieldMax-value
	below := !above && incr < 0 && uint64(-incr) > value // value <= fieldMax < 2^63, so -incr fits
	if !above && !below {
		return int64(value + uint64(incr)), false
	}
	switch mode {
	case overflowSat:
		if above {
			return int64(fieldMax), true
		}
		return 0, true
	case overflowWrap:
		return int64((value + uint64(incr)) & fieldMax), true
	}
	return 0, true
}

// readBitfield reads the field op names from data, zero past its end:
// unsigned, or sign-extended for a signed type.
func readBitfield(data []byte, op bitfieldOp) int64 {
	var field uint64
	for i := int64(0); i < int64(op.width); i++ {
		bit := op.offset + i
		field <<= 1
		if byteIndex := bit >> 3; byteIndex < int64(len(data)) && data[byteIndex]&(0x80>>(bit&7)) != 0 {
			field |= 1
		}
	}
	if op.signed && op.width < 64 {
		shift := 64 - op.width
		return int64(field<<shift) >> shift
	}
	return int64(field)
}

// writeBitfield stores the low width bits of value at offset, most
// significant first; data must hold them.
func writeBitfield(data []byte, offset int64, width int, value uint64) {
	for i := 0; i < width; i++ {
		bit := offset + int64(i)
		mask := byte(0x80) >> (bit & 7)
		if value>>(width-1-i)&1 != 0 {
			data[bit>>3] |= mask
		} else {
			data[bit>>3] &^= mask
		}
	}
}

// bitfieldReadsOnly tells COMMAND GETKEYSANDFLAGS whether BITFIELD's
// operations (its arguments after the key) only read, judging the words
// alone as Redis does: anything it cannot read as GETs and OVERFLOWs
// counts as a write.
func bitfieldReadsOnly(args [][]byte) bool {
	for j := 0; j < len(args); j++ {
		remaining := len(args) - j - 1
		switch {
		case keywordIs(args[j], "get") && remaining >= 2:
			j += 2
		case keywordIs(args[j], "overflow") && remaining >= 1:
			j++
		default:
			return false
		}
	}
	return true
}
