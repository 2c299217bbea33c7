package persist

// # Listpacks
//
// A listpack is the compact list Redis 7 stores small hashes, sets, zsets,
// list nodes and stream nodes in, and writes into RDB files as one string
// (rdb.go describes the layout). This file reads and writes them.
//
// Reading checks what Redis's lpValidateIntegrity checks with deep
// sanitization on: the header's byte count, the end byte, every entry
// inside the blob, every back length equal to its entry's size, and the
// header's entry count. A blob that fails any of these gives an error,
// never a read outside it.
//
// Writing encodes as Redis's lpAppend and lpAppendInteger do, so a
// listpack built here is byte for byte the one redis-server builds from
// the same elements: an element that is the canonical decimal form of an
// int64 is stored as the smallest integer encoding that holds it, any
// other as a string with a 6-, 12- or 32-bit length.

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strconv"
)

const (
	// listpackHeaderBytes is the total size (4 bytes) and the entry
	// count (2 bytes) at the start of a listpack.
	listpackHeaderBytes = 6
	// listpackEnd is the byte that ends a listpack.
	listpackEnd = 0xFF
	// listpackCountUnknown is the header count of a listpack with 65535
	// or more entries: the entries must be walked to count them.
	listpackCountUnknown = 0xFFFF
	// listpackEntryBytesMin is the smallest entry: a 7-bit integer and
	// its one-byte back length. It bounds counts read from a blob.
	listpackEntryBytesMin = 2
)

// Entry encodings, by their first byte (0xxxxxxx is a 7-bit unsigned
// integer, the byte itself).
const (
	lpEncString6  = 0x80 // 10xxxxxx: a string of up to 63 bytes
	lpEncInt13    = 0xC0 // 110xxxxx + 1 byte: -4096..4095
	lpEncString12 = 0xE0 // 1110xxxx + 1 byte: a string of up to 4095 bytes
	lpEncString32 = 0xF0 // + 4 bytes LE: a longer string
	lpEncInt16    = 0xF1 // + 2 bytes LE
	lpEncInt24    = 0xF2 // + 3 bytes LE
	lpEncInt32    = 0xF3 // + 4 bytes LE
	lpEncInt64    = 0xF4 // + 8 bytes LE
)

// What fits the smaller encodings.
const (
	lpUint7Max    = 127
	lpInt13Min    = -4096
	lpInt13Max    = 4095
	lpInt24Min    = -1 << 23
	lpInt24Max    = 1<<23 - 1
	lpString6Max  = 63
	lpString12Max = 4095
	// lpIntTextBytes is the longest int64 in decimal,
	// "-9223372036854775808".
	lpIntTextBytes = 20
)

// listpackEntry is one decoded entry: an integer, or a string that
// aliases the blob it was read from.
type listpackEntry struct {
	isInt bool
	num   int64
	str   []byte
}

// text is the entry as a string, an integer in decimal. A string aliases
// the blob, with its capacity cut so an append cannot overwrite what
// follows it.
func (e listpackEntry) text() []byte {
	if e.isInt {
		return strconv.AppendInt(nil, e.num, 10)
	}
	return e.str[:len(e.str):len(e.str)]
}

// int64 reads the entry as an integer the way Redis's lpGetIntegerIfValid
// does: an integer entry as it is, a string entry when it is the canonical
// decimal form of an int64.
func (e listpackEntry) int64() (int64, bool) {
	if e.isInt {
		return e.num, true
	}
	return listpackStringToInt64(e.str)
}

// listpackStringToInt64 reports whether s is the canonical decimal form of
// an int64 — no sign but a leading '-', no leading zeros, no "-0", no
// spaces — the test Redis's lpStringToInt64 applies before storing an
// element as an integer.
func listpackStringToInt64(s []byte) (int64, bool) {
	if len(s) == 0 || len(s) > lpIntTextBytes {
		return 0, false
	}
	v, err := strconv.ParseInt(string(s), 10, 64)
	if err != nil {
		return 0, false
	}
	// ParseInt also takes "+5", "007" and "-0"; the canonical form is the
	// one that prints back identically.
	var buf [lpIntTextBytes]byte
	if !bytes.Equal(strconv.AppendInt(buf[:0], v, 10), s) {
		return 0, false
	}
	return v, true
}

// listpackReader walks the entries of one listpack blob.
type listpackReader struct {
	blob    []byte
	pos     int
	entries int // read so far
	done    bool
}

func newListpackReader(blob []byte) (*listpackReader, error) {
	if len(blob) < listpackHeaderBytes+1 {
		return nil, errors.New("listpack shorter than its header")
	}
	if total := binary.LittleEndian.Uint32(blob); int64(total) != int64(len(blob)) {
		return nil, fmt.Errorf("listpack header says %d bytes, blob has %d", total, len(blob))
	}
	if blob[len(blob)-1] != listpackEnd {
		return nil, errors.New("listpack without its end byte")
	}
	return &listpackReader{blob: blob, pos: listpackHeaderBytes}, nil
}

// next reads one entry; end is true, with no entry, once the end byte is
// reached (and the header's count has been checked against the entries).
func (r *listpackReader) next() (e listpackEntry, end bool, err error) {
	if r.done {
		return listpackEntry{}, true, nil
	}
	blob, p := r.blob, r.pos
	enc := blob[p] // in range: the blob ends with the end byte, never read past
	if enc == listpackEnd {
		if p != len(blob)-1 {
			return listpackEntry{}, false, errors.New("listpack end byte before the end of the blob")
		}
		count := int(binary.LittleEndian.Uint16(blob[4:]))
		if count != listpackCountUnknown && count != r.entries {
			return listpackEntry{}, false, fmt.Errorf("listpack header says %d entries, found %d", count, r.entries)
		}
		r.done = true
		return listpackEntry{}, true, nil
	}
	// The end byte is the blob's last, so an entry must end before it.
	room := len(blob) - 1 - p
	var (
		hdr     int // encoding byte(s)
		dataLen int // string bytes after them
	)
	need := func(n int) error {
		if n > room {
			return errors.New("listpack entry past the end of the blob")
		}
		return nil
	}
	switch {
	case enc&0x80 == 0: // 0xxxxxxx: 7-bit unsigned
		hdr, e = 1, listpackEntry{isInt: true, num: int64(enc)}
	case enc&0xC0 == lpEncString6:
		hdr, dataLen = 1, int(enc&0x3f)
	case enc&0xE0 == lpEncInt13:
		if err := need(2); err != nil {
			return e, false, err
		}
		v := int64(enc&0x1f)<<8 | int64(blob[p+1])
		if v > lpInt13Max {
			v -= 1 << 13
		}
		hdr, e = 2, listpackEntry{isInt: true, num: v}
	case enc&0xF0 == lpEncString12:
		if err := need(2); err != nil {
			return e, false, err
		}
		hdr, dataLen = 2, int(enc&0x0f)<<8|int(blob[p+1])
	case enc == lpEncString32:
		if err := need(5); err != nil {
			return e, false, err
		}
		n := binary.LittleEndian.Uint32(blob[p+1:])
		if int64(n) > int64(room) {
			return e, false, errors.New("listpack string longer than the blob")
		}
		hdr, dataLen = 5, int(n)
	case enc >= lpEncInt16 && enc <= lpEncInt64:
		width := 8 // lpEncInt64
		switch enc {
		case lpEncInt16:
			width = 2
		case lpEncInt24:
			width = 3
		case lpEncInt32:
			width = 4
		}
		if err := need(1 + width); err != nil {
			return e, false, err
		}
		var u uint64
		for i := width - 1; i >= 0; i-- {
			u = u<<8 | uint64(blob[p+1+i])
		}
		shift := 64 - 8*width // sign-extend
		hdr, e = 1+width, listpackEntry{isInt: true, num: int64(u<<shift) >> shift}
	default:
		return e, false, fmt.Errorf("listpack entry encoding 0x%02x unknown", enc)
	}
	entryBytes := hdr + dataLen
	backlenBytes := listpackBacklenBytes(entryBytes)
	if err := need(entryBytes + backlenBytes); err != nil {
		return e, false, err
	}
	if !e.isInt {
		e.str = blob[p+hdr : p+entryBytes]
	}
	var want [5]byte
	if !bytes.Equal(blob[p+entryBytes:p+entryBytes+backlenBytes], appendListpackBacklen(want[:0], entryBytes)) {
		return e, false, fmt.Errorf("listpack entry at byte %d has a back length that does not match its size %d", p, entryBytes)
	}
	r.pos = p + entryBytes + backlenBytes
	r.entries++
	return e, false, nil
}

// parseListpack decodes a listpack blob into its entries, integers as
// decimal strings, each in memory of its own.
func parseListpack(blob []byte) ([][]byte, error) {
	r, err := newListpackReader(blob)
	if err != nil {
		return nil, err
	}
	var out [][]byte
	for {
		e, end, err := r.next()
		if err != nil {
			return nil, err
		}
		if end {
			return out, nil
		}
		if e.isInt {
			out = append(out, e.text())
		} else {
			out = append(out, bytes.Clone(e.str))
		}
	}
}

// listpackBacklenBytes is the size of the back length that follows an
// entry of entryBytes: 7 bits of the length per byte, with the boundaries
// of Redis's lpEncodeBacklen.
func listpackBacklenBytes(entryBytes int) int {
	switch {
	case entryBytes <= 127:
		return 1
	case entryBytes < 16383:
		return 2
	case entryBytes < 2097151:
		return 3
	case entryBytes < 268435455:
		return 4
	}
	return 5
}

// appendListpackBacklen appends the back length of an entry of
// entryBytes: most significant 7 bits first, every byte but the first
// with its top bit set, so a reader walking backwards from the last byte
// knows where the length starts.
func appendListpackBacklen(dst []byte, entryBytes int) []byte {
	n := listpackBacklenBytes(entryBytes)
	for i := n - 1; i >= 0; i-- {
		b := byte(entryBytes>>(7*i)) & 0x7f
		if i != n-1 {
			b |= 0x80
		}
		dst = append(dst, b)
	}
	return dst
}

// listpackIntBytes is the size of v's integer encoding, without the back
// length.
func listpackIntBytes(v int64) int {
	switch {
	case v >= 0 && v <= lpUint7Max:
		return 1
	case v >= lpInt13Min && v <= lpInt13Max:
		return 2
	case v >= math.MinInt16 && v <= math.MaxInt16:
		return 3
	case v >= lpInt24Min && v <= lpInt24Max:
		return 4
	case v >= math.MinInt32 && v <= math.MaxInt32:
		return 5
	}
	return 9
}

// listpackStringBytes is the size of s as a string entry, without the
// back length.
func listpackStringBytes(s []byte) int {
	switch {
	case len(s) <= lpString6Max:
		return 1 + len(s)
	case len(s) <= lpString12Max:
		return 2 + len(s)
	}
	return 5 + len(s)
}

// listpackIntEntryBytes is the whole size v takes in a listpack, back
// length included.
func listpackIntEntryBytes(v int64) int {
	n := listpackIntBytes(v)
	return n + listpackBacklenBytes(n)
}

// listpackElementEntryBytes is the whole size s takes in a listpack, back
// length included, encoded as appendElement encodes it.
func listpackElementEntryBytes(s []byte) int {
	if v, ok := listpackStringToInt64(s); ok {
		return listpackIntEntryBytes(v)
	}
	n := listpackStringBytes(s)
	return n + listpackBacklenBytes(n)
}

// listpackWriter builds one listpack in buf.
type listpackWriter struct {
	buf     []byte
	entries int
}

// reset starts an empty listpack, reusing buf's memory.
func (w *listpackWriter) reset() {
	w.buf = append(w.buf[:0], 0, 0, 0, 0, 0, 0) // size and count, set by finish
	w.entries = 0
}

// appendInt appends v in the smallest integer encoding that holds it.
func (w *listpackWriter) appendInt(v int64) {
	start := len(w.buf)
	u := uint64(v)
	switch listpackIntBytes(v) {
	case 1:
		w.buf = append(w.buf, byte(v))
	case 2:
		w.buf = append(w.buf, lpEncInt13|(byte(u>>8)&0x1f), byte(u))
	case 3:
		w.buf = append(w.buf, lpEncInt16, byte(u), byte(u>>8))
	case 4:
		w.buf = append(w.buf, lpEncInt24, byte(u), byte(u>>8), byte(u>>16))
	case 5:
		w.buf = binary.LittleEndian.AppendUint32(append(w.buf, lpEncInt32), uint32(u))
	default:
		w.buf = binary.LittleEndian.AppendUint64(append(w.buf, lpEncInt64), u)
	}
	w.buf = appendListpackBacklen(w.buf, len(w.buf)-start)
	w.entries++
}

// appendElement appends s as Redis's lpAppend does: as an integer when it
// is the canonical decimal form of one, else as a string.
func (w *listpackWriter) appendElement(s []byte) {
	if v, ok := listpackStringToInt64(s); ok {
		w.appendInt(v)
		return
	}
	start := len(w.buf)
	switch n := len(s); {
	case n <= lpString6Max:
		w.buf = append(w.buf, lpEncString6|byte(n))
	case n <= lpString12Max:
		w.buf = append(w.buf, lpEncString12|byte(n>>8), byte(n))
	default:
		if uint64(n) > math.MaxUint32 {
			panic(fmt.Sprintf("persist: a listpack element of %d bytes does not fit a 32-bit length", n))
		}
		w.buf = binary.LittleEndian.AppendUint32(append(w.buf, lpEncString32), uint32(n))
	}
	w.buf = append(w.buf, s...)
	w.buf = appendListpackBacklen(w.buf, len(w.buf)-start)
	w.entries++
}

// finish appends the end byte and fills in the header; the listpack is
// w.buf until the next reset.
func (w *listpackWriter) finish() []byte {
	w.buf = append(w.buf, listpackEnd)
	if uint64(len(w.buf)) > math.MaxUint32 {
		panic(fmt.Sprintf("persist: a listpack of %d bytes does not fit its 32-bit size", len(w.buf)))
	}
	binary.LittleEndian.PutUint32(w.buf, uint32(len(w.buf)))
	binary.LittleEndian.PutUint16(w.buf[4:], uint16(min(w.entries, listpackCountUnknown)))
	return w.buf
}
