package persist

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strconv"
)

// RDBKey says where a loaded value goes.
type RDBKey struct {
	DB  int
	Key []byte
	// ExpireAtMillis is the absolute expiry in Unix milliseconds, 0 for none.
	ExpireAtMillis int64
}

// RDBHandler receives what LoadRDB reads, one call per key, in file order.
// Slices passed to it are fresh and may be kept. An error from a callback
// stops the load and is returned wrapped in an *RDBError at the key's
// offset.
type RDBHandler interface {
	// Aux is one metadata field (redis-ver, ctime, aof-base, …).
	Aux(key, value []byte) error
	// SelectDB announces the database of the keys that follow; the handler
	// refuses an index out of its range.
	SelectDB(db int) error
	String(k RDBKey, value []byte) error
	List(k RDBKey, elems [][]byte) error
	Set(k RDBKey, members [][]byte) error
	// Hash gets fields and values alternating: f1, v1, f2, v2, ….
	Hash(k RDBKey, fieldsAndValues [][]byte) error
	ZSet(k RDBKey, members [][]byte, scores []float64) error
}

// RDBError is an RDB file that cannot be loaded.
type RDBError struct {
	OffsetBytes int64
	Reason      string
}

func (e *RDBError) Error() string {
	return fmt.Sprintf("Bad RDB format at offset %d: %s", e.OffsetBytes, e.Reason)
}

// IsRDB reports whether data starts like an RDB file.
func IsRDB(data []byte) bool { return bytes.HasPrefix(data, []byte("REDIS")) }

// LoadRDB parses a whole RDB file, checks its CRC and calls h for every
// key. Trailing bytes after the checksum are an error.
func LoadRDB(data []byte, h RDBHandler) error {
	// Check the checksum first when the file ends like an RDB file: a
	// flipped bit then reads as what it is, not as a puzzling parse error.
	if end := len(data) - 8; IsRDB(data) && end > 9 && data[end-1] == rdbOpEOF {
		want := binary.LittleEndian.Uint64(data[end:])
		if got := crc64Update(0, data[:end]); want != 0 && got != want {
			return &RDBError{OffsetBytes: int64(end), Reason: fmt.Sprintf("wrong RDB checksum: file says %016x, content has %016x", want, got)}
		}
	}
	n, err := LoadRDBPrefix(data, h)
	if err == nil && n != len(data) {
		return &RDBError{OffsetBytes: int64(n), Reason: fmt.Sprintf("%d unexpected bytes after the checksum", len(data)-n)}
	}
	return err
}

// LoadRDBPrefix parses an RDB file at the start of data — an AOF with an
// RDB preamble continues with commands — and returns its length, checksum
// included.
func LoadRDBPrefix(data []byte, h RDBHandler) (int, error) {
	r := &rdbReader{data: data, skipEmptyKeys: true}
	err := r.load(h)
	var rdbErr *RDBError
	if err != nil && !errors.As(err, &rdbErr) {
		err = &RDBError{OffsetBytes: int64(r.keyStart), Reason: err.Error()}
	}
	return r.pos, err
}

type rdbReader struct {
	data     []byte
	pos      int
	keyStart int // offset of the value being read, for errors
	// skipEmptyKeys: a collection without elements is skipped, as Redis
	// 7.0 does when loading a file (RDB_LOAD_ERR_EMPTY_KEY), instead of
	// failing. Set for whole files; a lone value (a DUMP payload) with no
	// elements stays an error.
	skipEmptyKeys bool
}

// EmptyKeySkipper is implemented by an RDBHandler that wants to hear about
// the empty collections a load skipped (Redis logs the first ten).
type EmptyKeySkipper interface {
	EmptyKeySkipped(k RDBKey, kind string)
}

// emptyKey deals with a collection read without elements.
func (r *rdbReader) emptyKey(k RDBKey, h RDBHandler, kind string) error {
	if !r.skipEmptyKeys {
		return r.fail("empty %s", kind)
	}
	if s, ok := h.(EmptyKeySkipper); ok {
		s.EmptyKeySkipped(k, kind)
	}
	return nil
}

// errTruncated is reported with the offset where the file ended.
var errTruncated = errors.New("unexpected end of file")

func (r *rdbReader) fail(format string, args ...any) error {
	return &RDBError{OffsetBytes: int64(r.pos), Reason: fmt.Sprintf(format, args...)}
}

func (r *rdbReader) take(n int) ([]byte, error) {
	if n < 0 || n > len(r.data)-r.pos {
		return nil, &RDBError{OffsetBytes: int64(len(r.data)), Reason: errTruncated.Error()}
	}
	b := r.data[r.pos : r.pos+n]
	r.pos += n
	return b, nil
}

func (r *rdbReader) byte() (byte, error) {
	b, err := r.take(1)
	if err != nil {
		return 0, err
	}
	return b[0], nil
}

func (r *rdbReader) load(h RDBHandler) error {
	magic, err := r.take(9)
	if err != nil {
		return err
	}
	if !bytes.HasPrefix(magic, []byte("REDIS")) {
		return &RDBError{OffsetBytes: 0, Reason: "wrong signature: not an RDB file"}
	}
	version, err := strconv.Atoi(string(magic[5:]))
	if err != nil || version < 1 || version > rdbVersionMax {
		return &RDBError{OffsetBytes: 5, Reason: fmt.Sprintf("can't handle RDB format version %q", magic[5:])}
	}
	db := 0
	var expireAtMillis int64
	for {
		r.keyStart = r.pos
		op, err := r.byte()
		if err != nil {
			return err
		}
		switch op {
		case rdbOpEOF:
			return r.checksum(version)
		case rdbOpSelectDB:
			n, err := r.length()
			if err != nil {
				return err
			}
			if n > math.MaxInt32 {
				return r.fail("database index %d out of range", n)
			}
			db = int(n)
			if err := h.SelectDB(db); err != nil {
				return &RDBError{OffsetBytes: int64(r.keyStart), Reason: err.Error()}
			}
		case rdbOpResizeDB:
			if _, err := r.length(); err != nil {
				return err
			}
			if _, err := r.length(); err != nil {
				return err
			}
		case rdbOpAux:
			key, err := r.string()
			if err != nil {
				return err
			}
			value, err := r.string()
			if err != nil {
				return err
			}
			if err := h.Aux(key, value); err != nil {
				return &RDBError{OffsetBytes: int64(r.keyStart), Reason: err.Error()}
			}
		case rdbOpExpireTimeMs:
			b, err := r.take(8)
			if err != nil {
				return err
			}
			expireAtMillis = int64(binary.LittleEndian.Uint64(b))
		case rdbOpExpireTime:
			b, err := r.take(4)
			if err != nil {
				return err
			}
			expireAtMillis = int64(binary.LittleEndian.Uint32(b)) * 1000
		case rdbOpFreq:
			if _, err := r.take(1); err != nil {
				return err
			}
		case rdbOpIdle:
			if _, err := r.length(); err != nil {
				return err
			}
		case rdbOpModuleAux:
			return r.fail("module data is not supported")
		case rdbOpFunction, rdbOpFunction2:
			code, err := r.functionLibrary(op)
			if err != nil {
				return err
			}
			loader, ok := h.(FunctionLoader)
			if !ok {
				return &RDBError{OffsetBytes: int64(r.keyStart), Reason: "function libraries cannot be loaded here"}
			}
			if err := loader.Function(code); err != nil {
				return &RDBError{OffsetBytes: int64(r.keyStart), Reason: "function library: " + err.Error()}
			}
		default:
			if expireAtMillis < 0 {
				return r.fail("negative expire time %d", expireAtMillis)
			}
			k := RDBKey{DB: db, ExpireAtMillis: expireAtMillis}
			expireAtMillis = 0
			if k.Key, err = r.string(); err != nil {
				return err
			}
			if err := r.value(op, k, h); err != nil {
				return err
			}
		}
	}
}

// checksum reads the 8 bytes after EOF (version 5 and later) and compares
// them with the CRC of everything before; a zero checksum means the writer
// had rdbchecksum off.
func (r *rdbReader) checksum(version int) error {
	if version < 5 {
		return nil
	}
	end := r.pos
	b, err := r.take(8)
	if err != nil {
		return err
	}
	want := binary.LittleEndian.Uint64(b)
	if want == 0 {
		return nil
	}
	if got := crc64Update(0, r.data[:end]); got != want {
		return &RDBError{OffsetBytes: int64(end), Reason: fmt.Sprintf("wrong RDB checksum: file says %016x, content has %016x", want, got)}
	}
	return nil
}

func (r *rdbReader) wrap(err error) error {
	if err == nil {
		return nil
	}
	var rdbErr *RDBError
	if errors.As(err, &rdbErr) {
		return err
	}
	return &RDBError{OffsetBytes: int64(r.keyStart), Reason: err.Error()}
}

// value reads one value of type t and hands it to h.
func (r *rdbReader) value(t byte, k RDBKey, h RDBHandler) error {
	switch t {
	case rdbTypeString:
		v, err := r.string()
		if err != nil {
			return err
		}
		return r.wrap(h.String(k, v))
	case rdbTypeList, rdbTypeSet:
		elems, err := r.strings(1)
		if err != nil {
			return err
		}
		if len(elems) == 0 {
			return r.emptyKey(k, h, map[byte]string{rdbTypeList: "list", rdbTypeSet: "set"}[t])
		}
		if t == rdbTypeList {
			return r.wrap(h.List(k, elems))
		}
		return r.wrap(h.Set(k, elems))
	case rdbTypeHash:
		pairs, err := r.strings(2)
		if err != nil {
			return err
		}
		if len(pairs) == 0 {
			return r.emptyKey(k, h, "hash")
		}
		return r.wrap(h.Hash(k, pairs))
	case rdbTypeZSet, rdbTypeZSet2:
		return r.zset(t, k, h)
	case rdbTypeSetIntset:
		blob, err := r.string()
		if err != nil {
			return err
		}
		members, err := parseIntset(blob)
		if errors.Is(err, errEmptyIntset) {
			return r.emptyKey(k, h, "set")
		}
		if err != nil {
			return r.fail("%v", err)
		}
		return r.wrap(h.Set(k, members))
	case rdbTypeSetListpack, rdbTypeHashListpack, rdbTypeZSetListpack:
		blob, err := r.string()
		if err != nil {
			return err
		}
		elems, err := parseListpack(blob)
		if err != nil {
			return r.fail("%v", err)
		}
		if len(elems) == 0 {
			return r.emptyKey(k, h, map[byte]string{rdbTypeSetListpack: "set", rdbTypeHashListpack: "hash", rdbTypeZSetListpack: "zset"}[t])
		}
		switch t {
		case rdbTypeSetListpack:
			return r.wrap(h.Set(k, elems))
		case rdbTypeHashListpack:
			if len(elems)%2 != 0 {
				return r.fail("hash listpack with an odd number of entries")
			}
			return r.wrap(h.Hash(k, elems))
		}
		if len(elems)%2 != 0 {
			return r.fail("zset listpack with an odd number of entries")
		}
		members := make([][]byte, 0, len(elems)/2)
		scores := make([]float64, 0, len(elems)/2)
		for i := 0; i < len(elems); i += 2 {
			score, err := strconv.ParseFloat(string(elems[i+1]), 64)
			if err != nil || math.IsNaN(score) {
				return r.fail("zset listpack score %q is not a number", elems[i+1])
			}
			members, scores = append(members, elems[i]), append(scores, score)
		}
		return r.wrap(h.ZSet(k, members, scores))
	case rdbTypeListQuick2:
		return r.quicklist(k, h)
	case rdbTypeHashZipmap, rdbTypeListZiplist, rdbTypeZSetZiplist, rdbTypeHashZiplist, rdbTypeListQuicklist:
		return r.fail("value type %d (a ziplist encoding of Redis before 7.0) is not supported: load and save the file with Redis 7 first", t)
	case rdbTypeStream, rdbTypeStream2, rdbTypeStream3:
		return r.stream(t, k, h)
	case rdbTypeModule2:
		return r.fail("module values are not supported")
	}
	return r.fail("unknown value type %d", t)
}

func (r *rdbReader) zset(t byte, k RDBKey, h RDBHandler) error {
	n, err := r.count(2)
	if err != nil {
		return err
	}
	if n == 0 {
		return r.emptyKey(k, h, "zset")
	}
	members := make([][]byte, 0, n)
	scores := make([]float64, 0, n)
	for range n {
		m, err := r.string()
		if err != nil {
			return err
		}
		var score float64
		if t == rdbTypeZSet2 {
			b, err := r.take(8)
			if err != nil {
				return err
			}
			score = math.Float64frombits(binary.LittleEndian.Uint64(b))
		} else if score, err = r.stringDouble(); err != nil {
			return err
		}
		if math.IsNaN(score) {
			return r.fail("zset score is NaN")
		}
		members, scores = append(members, m), append(scores, score)
	}
	return r.wrap(h.ZSet(k, members, scores))
}

// stringDouble reads the old zset score: a length byte, 253 NaN, 254 +inf,
// 255 -inf, else that many ASCII bytes.
func (r *rdbReader) stringDouble() (float64, error) {
	n, err := r.byte()
	if err != nil {
		return 0, err
	}
	switch n {
	case 253:
		return math.NaN(), nil
	case 254:
		return math.Inf(1), nil
	case 255:
		return math.Inf(-1), nil
	}
	b, err := r.take(int(n))
	if err != nil {
		return 0, err
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return 0, r.fail("zset score %q is not a number", b)
	}
	return f, nil
}

// quicklistNodePlain and quicklistNodePacked are a quicklist node's
// container: one element, or a listpack of them.
const (
	quicklistNodePlain  = 1
	quicklistNodePacked = 2
)

func (r *rdbReader) quicklist(k RDBKey, h RDBHandler) error {
	nodes, err := r.count(2)
	if err != nil {
		return err
	}
	var elems [][]byte
	for range nodes {
		container, err := r.length()
		if err != nil {
			return err
		}
		blob, err := r.string()
		if err != nil {
			return err
		}
		switch container {
		case quicklistNodePlain:
			elems = append(elems, blob)
		case quicklistNodePacked:
			node, err := parseListpack(blob)
			if err != nil {
				return r.fail("%v", err)
			}
			elems = append(elems, node...)
		default:
			return r.fail("quicklist node container %d unknown", container)
		}
	}
	if len(elems) == 0 {
		return r.emptyKey(k, h, "list")
	}
	return r.wrap(h.List(k, elems))
}

// length reads an RDB length; a special string encoding here is an error.
func (r *rdbReader) length() (uint64, error) {
	n, special, err := r.lengthOrEncoding()
	if err == nil && special {
		return 0, r.fail("string encoding where a length belongs")
	}
	return n, err
}

// count reads a number of following items each at least minBytes long,
// refusing counts the rest of the file cannot hold.
func (r *rdbReader) count(minBytes int) (int, error) {
	n, err := r.length()
	if err != nil {
		return 0, err
	}
	if n > uint64((len(r.data)-r.pos)/minBytes) {
		return 0, r.fail("count %d larger than the rest of the file", n)
	}
	return int(n), nil
}

func (r *rdbReader) strings(perItem int) ([][]byte, error) {
	n, err := r.count(perItem)
	if err != nil {
		return nil, err
	}
	n *= perItem
	out := make([][]byte, 0, n)
	for range n {
		s, err := r.string()
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

func (r *rdbReader) lengthOrEncoding() (n uint64, special bool, err error) {
	first, err := r.byte()
	if err != nil {
		return 0, false, err
	}
	switch first >> 6 {
	case 0:
		return uint64(first & 0x3f), false, nil
	case 1:
		next, err := r.byte()
		return uint64(first&0x3f)<<8 | uint64(next), false, err
	case 2:
		switch first {
		case 0x80:
			b, err := r.take(4)
			if err != nil {
				return 0, false, err
			}
			return uint64(binary.BigEndian.Uint32(b)), false, nil
		case 0x81:
			b, err := r.take(8)
			if err != nil {
				return 0, false, err
			}
			return binary.BigEndian.Uint64(b), false, nil
		}
		return 0, false, r.fail("unknown length encoding 0x%02x", first)
	}
	return uint64(first & 0x3f), true, nil
}

// lzfExpansionMax bounds a compressed string's declared plain length by
// its compressed length: LZF cannot expand more than this (a 3-byte match
// yields 264 bytes), so a larger claim is corruption, not a reason to
// allocate.
const lzfExpansionMax = 264

// string reads an RDB string in any of its encodings.
func (r *rdbReader) string() ([]byte, error) {
	n, special, err := r.lengthOrEncoding()
	if err != nil {
		return nil, err
	}
	if !special {
		if n > uint64(len(r.data)-r.pos) {
			return nil, r.fail("string of %d bytes longer than the rest of the file", n)
		}
		b, err := r.take(int(n))
		if err != nil {
			return nil, err
		}
		return bytes.Clone(b), nil
	}
	switch n {
	case rdbEncInt8:
		b, err := r.take(1)
		if err != nil {
			return nil, err
		}
		return strconv.AppendInt(nil, int64(int8(b[0])), 10), nil
	case rdbEncInt16:
		b, err := r.take(2)
		if err != nil {
			return nil, err
		}
		return strconv.AppendInt(nil, int64(int16(binary.LittleEndian.Uint16(b))), 10), nil
	case rdbEncInt32:
		b, err := r.take(4)
		if err != nil {
			return nil, err
		}
		return strconv.AppendInt(nil, int64(int32(binary.LittleEndian.Uint32(b))), 10), nil
	case rdbEncLZF:
		clen, err := r.length()
		if err != nil {
			return nil, err
		}
		ulen, err := r.length()
		if err != nil {
			return nil, err
		}
		if clen > uint64(len(r.data)-r.pos) || ulen > clen*lzfExpansionMax {
			return nil, r.fail("compressed string lengths %d/%d impossible", clen, ulen)
		}
		start := r.pos
		in, _ := r.take(int(clen))
		out, err := lzfDecompress(in, int(ulen))
		if err != nil {
			return nil, &RDBError{OffsetBytes: int64(start), Reason: err.Error()}
		}
		return out, nil
	}
	return nil, r.fail("unknown string encoding %d", n)
}

// errEmptyIntset is an intset without members.
var errEmptyIntset = errors.New("empty intset")

// parseIntset decodes an intset blob into decimal strings.
func parseIntset(blob []byte) ([][]byte, error) {
	if len(blob) < 8 {
		return nil, errors.New("intset shorter than its header")
	}
	width := int(binary.LittleEndian.Uint32(blob))
	count := int64(binary.LittleEndian.Uint32(blob[4:]))
	if width != 2 && width != 4 && width != 8 {
		return nil, fmt.Errorf("intset width %d invalid", width)
	}
	if int64(len(blob)-8) != count*int64(width) {
		return nil, fmt.Errorf("intset of %d %d-byte integers in %d bytes", count, width, len(blob)-8)
	}
	if count == 0 {
		return nil, errEmptyIntset
	}
	out := make([][]byte, 0, count)
	for p := 8; p < len(blob); p += width {
		var v int64
		switch width {
		case 2:
			v = int64(int16(binary.LittleEndian.Uint16(blob[p:])))
		case 4:
			v = int64(int32(binary.LittleEndian.Uint32(blob[p:])))
		default:
			v = int64(binary.LittleEndian.Uint64(blob[p:]))
		}
		out = append(out, strconv.AppendInt(nil, v, 10))
	}
	return out, nil
}
