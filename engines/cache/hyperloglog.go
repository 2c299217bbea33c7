package cache

import (
	"bytes"
	"encoding/binary"
	"math"
	"math/bits"
	"strconv"
	"strings"

	"syslab/engines/cache/resp"
)

// HyperLogLog: PFADD, PFCOUNT, PFMERGE (Redis's hyperloglog.c).
//
// An HLL is an ordinary string value holding Redis 7.0's exact bytes, so
// GET, SET, DUMP/RESTORE, replication and the AOF move HLLs between this
// node and a real Redis unchanged. The layout:
//
//	offset  bytes  field
//	0       4      "HYLL"
//	4       1      encoding: 0 dense, 1 sparse
//	5       3      unused (kept as found)
//	8       8      cached cardinality, little endian; the top bit of
//	               byte 15 set means "stale, recompute"
//	16      …      the 16384 registers, dense or sparse
//
// Each element is hashed with MurmurHash64A (seed 0xadc83b19): the low
// 14 bits pick a register, and the position of the lowest set bit of the
// remaining 50 (plus one; 51 when none is set) is the run length the
// register keeps the maximum of.
//
// Dense: 16384 registers of 6 bits, packed from the low bit of each byte
// upward (register i occupies bits 6i … 6i+5 of the little-endian bit
// string), 12288 bytes.
//
// Sparse: a sequence of opcodes describing runs of registers, in order,
// that must cover exactly 16384 registers:
//
//	00xxxxxx            ZERO:  xxxxxx+1 (1..64) registers are 0
//	01xxxxxx yyyyyyyy   XZERO: xxxxxxyyyyyyyy+1 (1..16384) registers are 0
//	1vvvvvxx            VAL:   xx+1 (1..4) registers hold vvvvv+1 (1..32)
//
// A new HLL is sparse (one XZERO of 16384). It is promoted to dense, for
// good, when a register must hold more than 32 or when the sparse form
// would grow past hll-sparse-max-bytes (header included).
//
// Where a walk over sparse opcodes meets an XZERO cut short by the end of
// the string, Redis reads the byte after the string — its NUL terminator
// — as the XZERO's second byte, and splitting such an XZERO writes its
// last byte over that terminator, where the next walk finds it. So that
// damaged values get Redis's answers and bytes, an HLL this file builds
// keeps that byte in its slice's spare capacity (hllByteAt, hllWithNul);
// a string not built here (raw false) reads as having a zero there.

const (
	hllPrecision    = 14
	hllRegisters    = 1 << hllPrecision
	hllRegisterBits = 6
	hllRegisterMax  = 1<<hllRegisterBits - 1
	// hllHashBits is how many hash bits are left once the register index
	// is taken: a run length is at most hllHashBits+1.
	hllHashBits    = 64 - hllPrecision
	hllHeaderBytes = 16
	hllDenseBytes  = hllHeaderBytes + (hllRegisters*hllRegisterBits+7)/8
	hllHashSeed    = 0xadc83b19

	hllEncodingDense  = 0
	hllEncodingSparse = 1

	// Sparse opcode limits.
	hllZeroRunMax  = 64
	hllXZeroRunMax = 16384
	hllValMax      = 32
	hllValRunMax   = 4

	// hllSparseBytesDefault is hll-sparse-max-bytes' default.
	hllSparseBytesDefault = 3000

	// hllAlphaInf is 1/(2 ln 2), the estimator's constant for m → ∞.
	hllAlphaInf = 0.721347520444481703680
)

// hllCommands are the HyperLogLog commands.
var hllCommands = []commandSpec{
	{name: "pfadd", arity: -2, flags: flagWrite | flagDenyOOM | flagFast, firstKey: 1, lastKey: 1, keyStep: 1, run: pfaddCommand},
	// PFCOUNT is a read to Redis even though it may store a fresh cached
	// cardinality (see pfcountCommand).
	{name: "pfcount", arity: -2, flags: flagReadonly | flagMayReplicate, firstKey: 1, lastKey: -1, keyStep: 1, run: pfcountCommand},
	{name: "pfmerge", arity: -2, flags: flagWrite | flagDenyOOM, firstKey: 1, lastKey: -1, keyStep: 1, run: pfmergeCommand},
	{name: "pfdebug", arity: 3, flags: flagWrite | flagDenyOOM, firstKey: 2, lastKey: 2, keyStep: 1, run: pfdebugCommand},
	{name: "pfselftest", arity: 1, run: pfselftestCommand},
}

var (
	replyNotHLL     = resp.Err("WRONGTYPE Key is not a valid HyperLogLog string value.")
	replyCorruptHLL = resp.Err("INVALIDOBJ Corrupted HLL object detected")
)

// hllIsValid is Redis's check before any HLL command touches a string: the
// header is there, the magic and encoding are known, and a dense value
// has exactly its size. The sparse opcodes are only checked as they are
// walked (INVALIDOBJ).
func hllIsValid(data []byte) bool {
	if len(data) < hllHeaderBytes || string(data[:4]) != "HYLL" || data[4] > hllEncodingSparse {
		return false
	}
	return data[4] != hllEncodingDense || len(data) == hllDenseBytes
}

// hllNew is an empty HLL as PFADD and PFMERGE create it: sparse, one
// XZERO covering every register, cached cardinality 0.
func hllNew() []byte {
	data := make([]byte, hllHeaderBytes, hllHeaderBytes+2)
	copy(data, "HYLL")
	data[4] = hllEncodingSparse
	return hllAppendZeroRun(data, hllRegisters)
}

func hllCacheValid(data []byte) bool { return data[15]&0x80 == 0 }
func hllInvalidateCache(data []byte) { data[15] |= 0x80 }

// murmurHash64A is Austin Appleby's 64-bit MurmurHash2, reading 8-byte
// blocks little endian (Redis does so on every platform).
func murmurHash64A(key []byte, seed uint64) uint64 {
	const m = 0xc6a4a7935bd1e995
	const r = 47
	h := seed ^ uint64(len(key))*m
	n := len(key) &^ 7
	for i := 0; i < n; i += 8 {
		k := binary.LittleEndian.Uint64(key[i:])
		k *= m
		k ^= k >> r
		k *= m
		h ^= k
		h *= m
	}
	if tail := key[n:]; len(tail) > 0 {
		for i := len(tail) - 1; i >= 0; i-- {
			h ^= uint64(tail[i]) << (8 * i)
		}
		h *= m
	}
	h ^= h >> r
	h *= m
	h ^= h >> r
	return h
}

// hllPattern is the register an element falls in and the run length it
// offers that register (1..hllHashBits+1).
func hllPattern(element []byte) (index int, count uint8) {
	hash := murmurHash64A(element, hllHashSeed)
	index = int(hash & (hllRegisters - 1))
	hash = hash>>hllPrecision | 1<<hllHashBits // the sentinel bounds the run
	return index, uint8(bits.TrailingZeros64(hash)) + 1
}

// hllDenseGet reads register i of dense registers regs. The last
// register's bits all lie in the last byte: Redis reads one byte past it
// (the NUL), whose bits the mask drops.
func hllDenseGet(regs []byte, i int) uint8 {
	bit := i * hllRegisterBits
	b, shift := bit/8, uint(bit&7)
	v := uint(regs[b]) >> shift
	if b+1 < len(regs) {
		v |= uint(regs[b+1]) << (8 - shift)
	}
	return uint8(v & hllRegisterMax)
}

// hllDenseSet writes register i of dense registers regs.
func hllDenseSet(regs []byte, i int, v uint8) {
	bit := i * hllRegisterBits
	b, shift := bit/8, uint(bit&7)
	regs[b] = regs[b]&^byte(hllRegisterMax<<shift) | byte(uint(v)<<shift)
	if b+1 < len(regs) {
		regs[b+1] = regs[b+1]&^byte(hllRegisterMax>>(8-shift)) | byte(uint(v)>>(8-shift))
	}
}

// hllDenseUnpack reads every dense register at once: four registers fill
// exactly three bytes, so the body is 4096 such groups.
func hllDenseUnpack(regs []byte, out *[hllRegisters]uint8) {
	regs = regs[:hllRegisters*hllRegisterBits/8]
	for g := 0; g < hllRegisters/4; g++ {
		v := uint32(regs[3*g]) | uint32(regs[3*g+1])<<8 | uint32(regs[3*g+2])<<16
		out[4*g] = uint8(v & hllRegisterMax)
		out[4*g+1] = uint8(v >> 6 & hllRegisterMax)
		out[4*g+2] = uint8(v >> 12 & hllRegisterMax)
		out[4*g+3] = uint8(v >> 18)
	}
}

// hllDenseAdd raises register index to count if it is lower, reporting
// whether it changed.
func hllDenseAdd(regs []byte, index int, count uint8) bool {
	if hllDenseGet(regs, index) >= count {
		return false
	}
	hllDenseSet(regs, index, count)
	return true
}

// Sparse opcodes.

func hllIsZero(op byte) bool  { return op&0xc0 == 0 }
func hllIsXZero(op byte) bool { return op&0xc0 == 0x40 }
func hllIsVal(op byte) bool   { return op&0x80 != 0 }

func hllValValue(op byte) uint8 { return (op>>2)&0x1f + 1 }
func hllValRun(op byte) int     { return int(op&3) + 1 }

func hllValOp(value uint8, run int) byte { return 0x80 | (value-1)<<2 | byte(run-1) }

// hllByteAt is data[i], or the byte Redis keeps after a string's end
// (normally its NUL), held in data's spare capacity.
func hllByteAt(data []byte, i int) byte {
	switch {
	case i < len(data):
		return data[i]
	case i == len(data) && cap(data) > i:
		return data[:i+1][i]
	}
	return 0
}

// hllWithNul sets the byte after data's end (see hllByteAt) to b.
func hllWithNul(data []byte, b byte) []byte {
	if cap(data) == len(data) {
		data = append(data, 0)[:len(data)]
	}
	data[:len(data)+1][len(data)] = b
	return data
}

// hllEditSlackBytes is the room an edited sparse HLL gets beyond its
// length: a split grows it by at most 3 bytes, plus the byte after.
const hllEditSlackBytes = 4

// hllEditable copies an HLL's bytes for a command to change, with the
// byte after the end.
func hllEditable(data []byte) []byte {
	out := make([]byte, len(data), len(data)+hllEditSlackBytes)
	copy(out, data)
	return hllWithNul(out, hllByteAt(data, len(data)))
}

// hllOpAt decodes the opcode at data[p]: how many registers it covers and
// how many bytes it takes.
func hllOpAt(data []byte, p int) (span, opBytes int) {
	op := data[p]
	switch {
	case hllIsZero(op):
		return int(op&0x3f) + 1, 1
	case hllIsVal(op):
		return hllValRun(op), 1
	}
	return (int(op&0x3f)<<8 | int(hllByteAt(data, p+1))) + 1, 2
}

// hllAppendZeroRun appends the opcode for run (1..16384) zero registers,
// the short form when it fits.
func hllAppendZeroRun(dst []byte, run int) []byte {
	if run > hllZeroRunMax {
		return append(dst, 0x40|byte((run-1)>>8), byte(run-1))
	}
	return append(dst, byte(run-1))
}

// hllAdd adds one element to data (a valid header, owned by the caller),
// returning the HLL, possibly reallocated or promoted to dense, and 1 if
// a register changed, 0 if not, -1 if a sparse body is corrupt.
func hllAdd(data []byte, element []byte, sparseBytesMax int64) ([]byte, int) {
	index, count := hllPattern(element)
	if data[4] == hllEncodingDense {
		if hllDenseAdd(data[hllHeaderBytes:], index, count) {
			return data, 1
		}
		return data, 0
	}
	return hllSparseSet(data, index, count, sparseBytesMax)
}

// hllSparseSet raises register index of sparse data to count, if lower,
// and answers as hllAdd. The opcode covering the register is rewritten in
// place, split into up to three (the registers before, the register, the
// registers after), and then neighbouring VAL opcodes of equal value are
// merged, exactly as Redis does, so the bytes come out identical. When
// the value does not fit a VAL opcode, or the split would grow the string
// past sparseBytesMax, the HLL is promoted to dense instead.
func hllSparseSet(data []byte, index int, count uint8, sparseBytesMax int64) ([]byte, int) {
	if count > hllValMax {
		return hllPromoteAndSet(data, index, count)
	}
	// Find the opcode covering index; prev is the one before it.
	p, prev, first, span := hllHeaderBytes, -1, 0, 0
	for p < len(data) {
		var opBytes int
		span, opBytes = hllOpAt(data, p)
		if index <= first+span-1 {
			break
		}
		prev, p, first = p, p+opBytes, first+span
	}
	if span == 0 || p >= len(data) {
		return data, -1
	}
	op := data[p]
	switch {
	case hllIsVal(op) && hllValValue(op) >= count:
		return data, 0
	case (hllIsVal(op) || hllIsZero(op)) && span == 1:
		data[p] = hllValOp(count, 1)
		return hllSparseMergeVals(data, prev), 1
	}
	// Split the run [first, last] around index.
	last := first + span - 1
	var seqBytes [5]byte // at most XZERO, VAL, XZERO
	seq := seqBytes[:0]
	if hllIsVal(op) {
		value := hllValValue(op)
		if index != first {
			seq = append(seq, hllValOp(value, index-first))
		}
		seq = append(seq, hllValOp(count, 1))
		if index != last {
			seq = append(seq, hllValOp(value, last-index))
		}
	} else {
		if index != first {
			seq = hllAppendZeroRun(seq, index-first)
		}
		seq = append(seq, hllValOp(count, 1))
		if index != last {
			seq = hllAppendZeroRun(seq, last-index)
		}
	}
	oldBytes := 1
	if hllIsXZero(op) {
		oldBytes = 2
	}
	grow := len(seq) - oldBytes
	if grow > 0 && int64(len(data)+grow) > sparseBytesMax {
		return hllPromoteAndSet(data, index, count)
	}
	// Replace the opcode in place: move what follows it, then write seq.
	oldLen := len(data)
	tailFrom := min(p+oldBytes, oldLen)
	tailTo := p + len(seq)
	if need := tailTo + oldLen - tailFrom; need > oldLen {
		data = append(data, make([]byte, need-oldLen)...)
	}
	copy(data[tailTo:], data[tailFrom:oldLen])
	copy(data[p:], seq)
	if tailFrom == p+oldBytes {
		data = hllWithNul(data[:oldLen+grow], 0)
	} else {
		// An XZERO cut short by the end counted as two bytes: seq's
		// last byte lies past the new end, where Redis's NUL was.
		data = data[:oldLen+grow]
	}
	return hllSparseMergeVals(data, prev), 1
}

// hllSparseMergeVals merges adjacent VAL opcodes of equal value whose runs
// fit one opcode, looking at up to five opcodes from the one before the
// change (from the start if none), and marks the cache stale.
func hllSparseMergeVals(data []byte, prev int) []byte {
	p := prev
	if p < 0 {
		p = hllHeaderBytes
	}
	for scans := 5; p < len(data) && scans > 0; scans-- {
		op := data[p]
		switch {
		case hllIsXZero(op):
			p += 2
			continue
		case hllIsZero(op):
			p++
			continue
		}
		if p+1 < len(data) && hllIsVal(data[p+1]) && hllValValue(op) == hllValValue(data[p+1]) {
			if run := hllValRun(op) + hllValRun(data[p+1]); run <= hllValRunMax {
				data[p+1] = hllValOp(hllValValue(op), run)
				data = hllWithNul(append(data[:p], data[p+1:]...), 0)
				continue // the merged opcode may merge with the next one
			}
		}
		p++
	}
	hllInvalidateCache(data)
	return data
}

// hllPromoteAndSet converts sparse data to dense and sets register index,
// which must rise: the value did not fit the sparse form, or the sparse
// form was checked to hold less.
func hllPromoteAndSet(data []byte, index int, count uint8) ([]byte, int) {
	dense, ok := hllToDense(data)
	if !ok {
		return data, -1
	}
	if !hllDenseAdd(dense[hllHeaderBytes:], index, count) {
		panic("cache: HLL promotion to dense did not raise the register it was promoted for")
	}
	return dense, 1
}

// hllToDense returns data in the dense encoding: data itself if already
// dense, otherwise a new value with the same header (cache and unused
// bytes included). ok is false if the sparse opcodes do not cover exactly
// the 16384 registers, or a VAL reaches past them (checked before it is
// written: the registers are a fixed array).
func hllToDense(data []byte) (dense []byte, ok bool) {
	if data[4] == hllEncodingDense {
		return data, true
	}
	dense = make([]byte, hllDenseBytes)
	copy(dense, data[:hllHeaderBytes])
	dense[4] = hllEncodingDense
	regs := dense[hllHeaderBytes:]
	i := 0
	for p := hllHeaderBytes; p < len(data); {
		span, opBytes := hllOpAt(data, p)
		if hllIsVal(data[p]) {
			if i+span > hllRegisters {
				return nil, false
			}
			value := hllValValue(data[p])
			for end := i + span; i < end; i++ {
				hllDenseSet(regs, i, value)
			}
		} else {
			i += span
		}
		p += opBytes
	}
	return dense, i == hllRegisters
}

// hllHistogram is how many registers hold each value, 0..63; ok is false
// for sparse opcodes that do not cover exactly 16384 registers. A dense
// register above hllHashBits+1 (only a damaged value has one) is counted
// but ignored by the estimate, as in Redis.
type hllHistogram [hllRegisterMax + 1]int

func hllHistogramOf(data []byte) (h hllHistogram, ok bool) {
	if data[4] == hllEncodingDense {
		var regs [hllRegisters]uint8
		hllDenseUnpack(data[hllHeaderBytes:], &regs)
		for _, v := range regs {
			h[v]++
		}
		return h, true
	}
	i := 0
	for p := hllHeaderBytes; p < len(data); {
		span, opBytes := hllOpAt(data, p)
		value := 0
		if hllIsVal(data[p]) {
			value = int(hllValValue(data[p]))
		}
		h[value] += span
		i += span
		p += opBytes
	}
	return h, i == hllRegisters
}

// hllMergeInto raises each of regs to the matching register of data; ok
// is false for a corrupt sparse body (as in hllToDense).
func hllMergeInto(regs *[hllRegisters]uint8, data []byte) bool {
	if data[4] == hllEncodingDense {
		var dense [hllRegisters]uint8
		hllDenseUnpack(data[hllHeaderBytes:], &dense)
		for i, v := range dense {
			regs[i] = max(regs[i], v)
		}
		return true
	}
	i := 0
	for p := hllHeaderBytes; p < len(data); {
		span, opBytes := hllOpAt(data, p)
		if hllIsVal(data[p]) {
			if i+span > hllRegisters {
				return false
			}
			value := hllValValue(data[p])
			for end := i + span; i < end; i++ {
				regs[i] = max(regs[i], value)
			}
		} else {
			i += span
		}
		p += opBytes
	}
	return i == hllRegisters
}

// hllEstimate is the cardinality estimate Redis 7.0 computes from the
// register histogram: Otmar Ertl's improved raw estimator ("New
// cardinality estimation algorithms for HyperLogLog sketches", 2017),
// with its tau and sigma corrections for saturated and empty registers.
// Every product is converted explicitly so no fused multiply-add changes
// the rounding Redis gets.
func hllEstimate(h *hllHistogram) uint64 {
	const m = float64(hllRegisters)
	z := float64(m * hllTau((m-float64(h[hllHashBits+1]))/m))
	for j := hllHashBits; j >= 1; j-- {
		z += float64(h[j])
		z *= 0.5
	}
	z += float64(m * hllSigma(float64(h[0])/m))
	e := math.Round(float64(float64(hllAlphaInf*m)*m) / z)
	if !(e < 1<<63) {
		// Only damaged registers (all of them saturated) get here; C's
		// llroundl answers LLONG_MIN for an estimate out of range, which
		// Redis then caches and replies as it is.
		return 1 << 63
	}
	return uint64(e)
}

// hllSigma is x + Σ x^(2^k)·2^(k-1) for k ≥ 1, summed until it stops
// changing; infinite for x = 1 (every register zero).
func hllSigma(x float64) float64 {
	if x == 1 {
		return math.Inf(1)
	}
	y, z := 1.0, x
	for {
		x = float64(x * x)
		before := z
		z += float64(x * y)
		y += y
		if z == before {
			return z
		}
	}
}

// hllTau is (1 - x - Σ (1 - x^(2^-k))²·2^-k) / 3 for k ≥ 1, summed until
// it stops changing; 0 at x = 0 and x = 1.
func hllTau(x float64) float64 {
	if x == 0 || x == 1 {
		return 0
	}
	y, z := 1.0, 1-x
	for {
		x = math.Sqrt(x)
		before := z
		y *= 0.5
		d := 1 - x
		z -= float64(float64(d*d) * y)
		if z == before {
			return z / 3
		}
	}
}

// hllCount is the estimated cardinality of data; ok is false for a
// corrupt sparse body.
func hllCount(data []byte) (uint64, bool) {
	h, ok := hllHistogramOf(data)
	return hllEstimate(&h), ok
}

// getHLL looks key up for an HLL command: nil if absent, or the reply
// refusing a key of another type or a string that is not an HLL.
func (c *call) getHLL(key []byte) (s *stringObject, refusal resp.Value, ok bool) {
	return hllOf(c.lookup(key))
}

// hllOf is getHLL for a key's entry (nil: absent).
func hllOf(e *entry) (s *stringObject, refusal resp.Value, ok bool) {
	s, ok = stringOf(e)
	switch {
	case !ok:
		return nil, replyWrongType, false
	case s != nil && !hllIsValid(s.data):
		return nil, replyNotHLL, false
	case s != nil && !s.raw:
		// Not built here: whatever lies past its end is no NUL of ours.
		s = &stringObject{data: s.data[:len(s.data):len(s.data)]}
	}
	return s, resp.Value{}, true
}

// unshareHLL leaves key's HLL s (from getHLL) in Redis's raw encoding
// and returns the value now stored. Every HLL command that may write does
// this to an existing key before anything else (dbUnshareStringValue), so
// a short HLL SET as an embstr turns raw even if the command then changes
// nothing. It is not a change of the value: nothing is signalled.
func (c *call) unshareHLL(key []byte, s *stringObject) *stringObject {
	if !s.raw {
		s = &stringObject{data: hllEditable(s.data), raw: true}
		c.db.setBytes(key, s, true)
	}
	return s
}

// hllSparseBytesMax is hll-sparse-max-bytes.
func (c *call) hllSparseBytesMax() int64 { return c.node.cfg.limits.hllSparseBytes }

// pfaddCommand is PFADD key [element …]: creates the HLL if missing and
// answers 1 if that or any element changed a register. A new value is
// built and stored, as strings are never changed in place.
func pfaddCommand(c *call) resp.Value {
	key := c.args[1]
	s, refusal, ok := c.getHLL(key)
	if !ok {
		return refusal
	}
	var data []byte
	updated := s == nil
	if s == nil {
		data = hllNew()
	} else {
		s = c.unshareHLL(key, s)
		data = hllEditable(s.data)
	}
	for _, element := range c.args[2:] {
		var result int
		data, result = hllAdd(data, element, c.hllSparseBytesMax())
		switch result {
		case 1:
			updated = true
		case -1:
			// Redis changes the value in place element by element, so
			// the elements added before the damaged spot stay, with the
			// cache untouched, and the command is neither counted as a
			// change nor propagated. Keep the same bytes.
			if s != nil && !bytes.Equal(data, s.data) {
				c.db.setBytes(key, &stringObject{data: data, raw: true}, true)
			}
			return replyCorruptHLL
		}
	}
	if !updated {
		return resp.Int(0)
	}
	hllInvalidateCache(data)
	c.db.setBytes(key, &stringObject{data: data, raw: true}, true)
	c.notify(notifyString, "pfadd", key)
	c.propagate(c.args...)
	return resp.Int(1)
}

// pfcountCommand is PFCOUNT key [key …]. With one key it answers the
// cached cardinality, or computes it and stores it in the header — a
// change of the value, which Redis counts as a write (WATCH, tracking)
// and propagates as the PFCOUNT itself although the command is flagged
// read-only, so a replica or the AOF computes the same cache. With
// several keys it estimates their union and changes nothing.
func pfcountCommand(c *call) resp.Value {
	if len(c.args) > 2 {
		var regs [hllRegisters]uint8
		for _, key := range c.args[1:] {
			s, refusal, ok := c.getHLL(key)
			if !ok {
				return refusal
			}
			if s != nil && !hllMergeInto(&regs, s.data) {
				return replyCorruptHLL
			}
		}
		var h hllHistogram
		for _, v := range regs {
			h[v]++
		}
		return resp.Int(int64(hllEstimate(&h)))
	}
	key := c.args[1]
	s, refusal, ok := c.getHLL(key)
	switch {
	case !ok:
		return refusal
	case s == nil:
		return resp.Int(0)
	}
	s = c.unshareHLL(key, s)
	switch {
	case hllCacheValid(s.data):
		return resp.Int(int64(binary.LittleEndian.Uint64(s.data[8:hllHeaderBytes])))
	}
	card, ok := hllCount(s.data)
	if !ok {
		return replyCorruptHLL
	}
	data := hllEditable(s.data)
	binary.LittleEndian.PutUint64(data[8:hllHeaderBytes], card)
	// Not flagged write, so call did not let a running snapshot save
	// the key's old value first.
	c.node.snapshotBeforeWrite(c.dbIndex, c.args[1:2])
	c.db.setBytes(key, &stringObject{data: data, raw: true}, true)
	c.propagate(c.args...)
	return resp.Int(int64(card))
}

// pfmergeCommand is PFMERGE dest [source …]: dest (created if missing,
// and itself one of the inputs) gets the maximum of every register. Like
// Redis 7.0 it stays sparse while every input is, and turns dense as soon
// as one is dense.
func pfmergeCommand(c *call) resp.Value {
	var regs [hllRegisters]uint8
	anyDense := false
	for _, key := range c.args[1:] {
		// Read as Redis reads them, counted as keyspace hits or misses.
		s, refusal, ok := hllOf(c.lookupRead(key))
		if !ok {
			return refusal
		}
		if s == nil {
			continue
		}
		anyDense = anyDense || s.data[4] == hllEncodingDense
		if !hllMergeInto(&regs, s.data) {
			return replyCorruptHLL
		}
	}
	dest := c.args[1]
	var data []byte
	if s, _, _ := c.getHLL(dest); s != nil {
		s = c.unshareHLL(dest, s)
		data = hllEditable(s.data)
	} else {
		data = hllNew()
	}
	if anyDense {
		// dest was merged above, so its sparse body is sound.
		data, _ = hllToDense(data)
	}
	for i, v := range regs {
		if v == 0 {
			continue
		}
		if data[4] == hllEncodingDense {
			hllDenseAdd(data[hllHeaderBytes:], i, v)
		} else {
			data, _ = hllSparseSet(data, i, v, c.hllSparseBytesMax())
		}
	}
	hllInvalidateCache(data)
	c.db.setBytes(dest, &stringObject{data: data, raw: true}, true)
	c.modified = c.args[1:2]              // the sources are only read
	c.notify(notifyString, "pfadd", dest) // Redis names PFMERGE's event so
	c.propagate(c.args...)
	return resp.OK
}

// pfdebugCommand is PFDEBUG GETREG|DECODE|ENCODING|TODENSE key, Redis's
// window on an HLL's internals. GETREG and TODENSE turn a sparse HLL
// dense, for good, and are then propagated so replicas do the same. The
// key is checked before the subcommand, as in Redis.
func pfdebugCommand(c *call) resp.Value {
	key := c.args[2]
	s, refusal, ok := c.getHLL(key)
	switch {
	case !ok:
		return refusal
	case s == nil:
		return resp.Err("ERR The specified key does not exist")
	}
	s = c.unshareHLL(key, s)
	sub := strings.ToLower(string(c.args[1]))
	switch sub {
	case "getreg", "todense":
		data, converted := s.data, false
		if data[4] == hllEncodingSparse {
			if data, ok = hllToDense(data); !ok {
				return replyCorruptHLL
			}
			c.db.setBytes(key, &stringObject{data: data, raw: true}, true)
			c.propagate(c.args...)
			converted = true
		}
		if sub == "todense" {
			return resp.Int(int64(boolInt(converted)))
		}
		var regs [hllRegisters]uint8
		hllDenseUnpack(data[hllHeaderBytes:], &regs)
		elems := make([]resp.Value, hllRegisters)
		for i, v := range regs {
			elems[i] = resp.Int(int64(v))
		}
		return resp.ArrayOf(elems...)
	case "decode":
		if s.data[4] != hllEncodingSparse {
			return resp.Err("ERR HLL encoding is not sparse")
		}
		return resp.Bulk(hllDecodeSparse(s.data))
	case "encoding":
		if s.data[4] == hllEncodingDense {
			return resp.Simple("dense")
		}
		return resp.Simple("sparse")
	}
	return resp.Err("ERR Unknown PFDEBUG subcommand '" + string(c.args[1]) + "'")
}

// hllDecodeSparse lists a sparse body's opcodes as PFDEBUG DECODE does:
// "z:len" (ZERO), "Z:len" (XZERO), "v:value,len" (VAL), space-separated.
func hllDecodeSparse(data []byte) []byte {
	var out []byte
	for p := hllHeaderBytes; p < len(data); {
		span, opBytes := hllOpAt(data, p)
		if len(out) > 0 {
			out = append(out, ' ')
		}
		switch op := data[p]; {
		case hllIsZero(op):
			out = append(out, "z:"...)
		case hllIsXZero(op):
			out = append(out, "Z:"...)
		default:
			out = append(out, "v:"...)
			out = strconv.AppendInt(out, int64(hllValValue(op)), 10)
			out = append(out, ',')
		}
		out = strconv.AppendInt(out, int64(span), 10)
		p += opBytes
	}
	return out
}

// Bounds of PFSELFTEST's work, so it stays a few milliseconds.
const (
	hllSelftestRegisterRounds = 1000  // random dense register writes checked
	hllSelftestSparseElements = 2000  // elements added to both encodings
	hllSelftestElements       = 20000 // elements counted in all
)

// pfselftestCommand is PFSELFTEST: checks of this implementation, not a
// copy of Redis's — dense registers keep random values without touching
// their neighbours; the same elements added to a sparse and a dense HLL
// give the same registers and count (up to 2000 elements, the sparse
// form's useful range); and the count stays within five
// standard errors (5 × 1.04/√16384 ≈ 4%) of the truth at each power of
// ten. Randomness comes from the node's seeded source.
func pfselftestCommand(c *call) resp.Value {
	rng := c.node.env.Rand()
	regs := make([]byte, hllDenseBytes-hllHeaderBytes)
	var want [hllRegisters]uint8
	for round := 0; round < hllSelftestRegisterRounds; round++ {
		i, v := rng.IntN(hllRegisters), uint8(rng.IntN(hllRegisterMax+1))
		hllDenseSet(regs, i, v)
		want[i] = v
	}
	var got [hllRegisters]uint8
	hllDenseUnpack(regs, &got)
	if got != want {
		return resp.Err("ERR TESTFAILED dense registers do not keep the values written")
	}
	sparse, dense := hllNew(), hllNew()
	dense, _ = hllToDense(dense)
	element := make([]byte, 0, 24)
	salt := rng.Uint64()
	for n := 1; n <= hllSelftestElements; n++ {
		element = strconv.AppendUint(strconv.AppendUint(element[:0], salt, 16), uint64(n), 10)
		withSparse := n <= hllSelftestSparseElements
		if withSparse {
			sparse, _ = hllAdd(sparse, element, math.MaxInt64)
		}
		dense, _ = hllAdd(dense, element, 0)
		if n == hllSelftestSparseElements {
			var fromSparse, fromDense [hllRegisters]uint8
			if !hllMergeInto(&fromSparse, sparse) || !hllMergeInto(&fromDense, dense) || fromSparse != fromDense {
				return resp.Err("ERR TESTFAILED sparse and dense HLLs hold different registers")
			}
		}
		if n != 1 && n != 10 && n != 100 && n != 1000 && n != 10000 && n != hllSelftestElements {
			continue
		}
		cd, _ := hllCount(dense)
		if cs, ok := hllCount(sparse); withSparse && (!ok || cs != cd) {
			return resp.Err("ERR TESTFAILED sparse and dense HLLs of " + strconv.Itoa(n) + " elements count differently")
		}
		if diff := math.Abs(float64(cd) - float64(n)); diff > 0.05*float64(n)+1 {
			return resp.Err("ERR TESTFAILED " + strconv.Itoa(n) + " elements estimated as " + strconv.FormatUint(cd, 10))
		}
	}
	return resp.OK
}
