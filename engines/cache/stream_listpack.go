package cache

// The sizes of Redis's listpack encoding, for a stream node's byte count
// (stream.go): Redis starts a new node when the current listpack plus an
// entry's field and value bytes would reach stream-node-max-bytes, so the
// node boundaries depend on how big the listpack is.
//
// A listpack is a 6-byte header (total bytes, element count), its
// elements, and an end byte. An element is its encoding with its data,
// then a "backlen" of 1–5 bytes that holds the encoding's length. A string
// that reads as a 64-bit integer in canonical decimal is stored as the
// smallest integer encoding that holds it (1, 2, 3, 4, 5 or 9 bytes with
// the encoding byte); any other string as a 1-, 2- or 5-byte length
// header and its bytes.
//
// A stream entry in a node is: flags, the ms and seq differences from the
// node's master ID, the number of fields unless they are the master
// entry's, the fields (unless the master's) and values, and a count of
// the entry's elements. The node's master entry is: live count, deleted
// count, number of master fields, the fields, a 0 terminator.

const lpHeaderBytes = 6 + 1

// lpIntBytes is the size of an integer element.
func lpIntBytes(v int64) int {
	var enc int
	switch {
	case v >= 0 && v <= 127:
		enc = 1
	case v >= -4096 && v <= 4095:
		enc = 2
	case v >= -32768 && v <= 32767:
		enc = 3
	case v >= -8388608 && v <= 8388607:
		enc = 4
	case v >= -2147483648 && v <= 2147483647:
		enc = 5
	default:
		enc = 9
	}
	return enc + lpBacklenBytes(enc)
}

// lpStringBytes is the size of an element appended from a string.
func lpStringBytes(s []byte) int {
	if v, ok := lpStringToInt64(s); ok {
		return lpIntBytes(v)
	}
	var enc int
	switch {
	case len(s) <= 63:
		enc = 1 + len(s)
	case len(s) <= 4095:
		enc = 2 + len(s)
	default:
		enc = 5 + len(s)
	}
	return enc + lpBacklenBytes(enc)
}

func lpBacklenBytes(l int) int {
	switch {
	case l < 128:
		return 1
	case l < 16384:
		return 2
	case l < 2097152:
		return 3
	case l < 268435456:
		return 4
	}
	return 5
}

// lpStringToInt64 is listpack's test for a string stored as an integer:
// at most 20 bytes, an optional minus, digits without a leading zero
// (except "0" itself), within int64.
func lpStringToInt64(s []byte) (int64, bool) {
	if len(s) == 0 || len(s) > 20 {
		return 0, false
	}
	if len(s) == 1 && s[0] == '0' {
		return 0, true
	}
	neg := s[0] == '-'
	digits := s
	if neg {
		digits = s[1:]
	}
	if len(digits) == 0 || digits[0] < '1' || digits[0] > '9' {
		return 0, false
	}
	var v uint64
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, false
		}
		if v > (1<<64-1)/10 {
			return 0, false
		}
		v = v*10 + uint64(c-'0')
	}
	switch {
	case neg && v <= 1<<63:
		return -int64(v-1) - 1, true
	case !neg && v < 1<<63:
		return int64(v), true
	}
	return 0, false
}

// streamEntryListpackBytes is what appending an entry adds to its node.
func streamEntryListpackBytes(id, master streamID, fields [][]byte, sameFields bool) int {
	numFields := len(fields) / 2
	n := lpIntBytes(0) + // flags: 0 or 2 (same fields); deleting sets 1, same size
		lpIntBytes(int64(id.ms-master.ms)) + lpIntBytes(int64(id.seq-master.seq))
	count := int64(numFields + 3)
	if sameFields {
		for i := 1; i < len(fields); i += 2 {
			n += lpStringBytes(fields[i])
		}
	} else {
		n += lpIntBytes(int64(numFields))
		for _, f := range fields {
			n += lpStringBytes(f)
		}
		count += int64(numFields + 1)
	}
	return n + lpIntBytes(count)
}
