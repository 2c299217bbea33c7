package persist

// # RDB format
//
// An RDB file is a snapshot of the whole keyspace, in the binary format of
// Redis 7.0 (RDB version 10), so a dump.rdb written here loads in
// redis-server and one written by redis-server loads here:
//
//	"REDIS0010"                         magic and version, ASCII
//	0xFA <string key> <string value>    AUX fields: redis-ver, redis-bits,
//	                                    ctime, used-mem, aof-base
//	0xFE <length db>                    SELECTDB: the keys below go to db
//	0xFB <length keys> <length expires> RESIZEDB: a sizing hint
//	[0xFC <8 bytes LE unix ms>]         EXPIRETIME_MS of the next key
//	<type byte> <string key> <value>    one key
//	…
//	0xFF                                EOF
//	<8 bytes LE>                        CRC-64 of all the bytes before (0: unchecked)
//
// Lengths are variable: 00xxxxxx (6 bits), 01xxxxxx xxxxxxxx (14 bits, big
// endian), 0x80 + 4 bytes big endian, 0x81 + 8 bytes big endian. The prefix
// 11 marks a specially encoded string instead: 0xC0/0xC1/0xC2 an integer of
// 1, 2 or 4 bytes little endian, 0xC3 an LZF-compressed string (compressed
// length, plain length, data). A string is a length and that many bytes.
//
// Values by type byte. This package writes the plain forms — any version
// of Redis loads them and picks its compact in-memory encoding itself:
//
//	0  string       one string (written as an integer when it is one)
//	1  list         length, then the elements
//	2  set          length, then the members
//	4  hash         length (of fields), then field, value, field, value…
//	5  zset_2       length, then member and 8-byte LE double score pairs
//	19 stream       streams have no plainer form: this is Redis 7.0's own
//	                (RDB_TYPE_STREAM_LISTPACKS_2), below and in stream.go
//
// and loads, besides those, what Redis 7.0 and 7.2 write for small or
// compact values: 3 zset (scores as strings), 11 intset, 16 hash listpack,
// 17 zset listpack, 18 quicklist (version 2: nodes of listpacks or plain
// elements), 20 set listpack, and the streams of Redis 5/6 (15) and 7.2
// (21). Ziplist encodings of Redis before 7.0 and modules are refused with
// an error that names them; function libraries are in functions.go.
//
// A stream (types 15, 19, 21) is its entries, its metadata, then its
// consumer groups. IDs are an ms and a seq part; "ID as lengths" is two
// RDB lengths, a "raw ID" 16 bytes, both parts big endian:
//
//	<length nodes>                      the entries, in listpack nodes
//	  <string: raw ID>                    the node's master ID, its key
//	  <string: listpack>                  entries as deltas from that ID
//	<length live entries>
//	<ID as lengths>                     last generated ID
//	<ID as lengths>                     first entry's ID      } 19 and 21:
//	<ID as lengths>                     max deleted ID        } Redis 7
//	<length entries added>              ever, deleted or not  } metadata
//	<length groups>
//	  <string name>
//	  <ID as lengths>                     last delivered ID
//	  <length entries read>               19, 21 only; unknown: 2^64-1 (-1)
//	  <length pending>                    the group's PEL, by ID:
//	    <raw ID> <8 bytes LE ms>            delivery time
//	    <length delivery count>
//	  <length consumers>
//	    <string name> <8 bytes LE ms>       last seen time
//	    [<8 bytes LE ms>]                   last active time: 21 only
//	    <length pending> <raw ID>…          the PEL entries it owns
//
// A listpack (a compact list, one blob): 4 bytes LE total size, 2 bytes LE
// element count, the entries, 0xFF. Each entry is an encoding byte (small
// ints, 6/12/32-bit string lengths, 13-bit or 16/24/32/64-bit integers),
// its data, and a 1–5 byte back length for reverse walks. An intset: 4
// bytes LE width (2, 4 or 8), 4 bytes LE count, the integers LE, sorted.
//
// Expiry times are absolute Unix milliseconds, so a snapshot loaded later
// drops keys that expired in between (as Redis does on a master).

import (
	"encoding/binary"
	"io"
	"math"
	"strconv"
)

// RDB opcodes and value types.
const (
	rdbOpFunction2    = 0xF5
	rdbOpFunction     = 0xF6
	rdbOpModuleAux    = 0xF7
	rdbOpIdle         = 0xF8
	rdbOpFreq         = 0xF9
	rdbOpAux          = 0xFA
	rdbOpResizeDB     = 0xFB
	rdbOpExpireTimeMs = 0xFC
	rdbOpExpireTime   = 0xFD
	rdbOpSelectDB     = 0xFE
	rdbOpEOF          = 0xFF

	rdbTypeString        = 0
	rdbTypeList          = 1
	rdbTypeSet           = 2
	rdbTypeZSet          = 3
	rdbTypeHash          = 4
	rdbTypeZSet2         = 5
	rdbTypeModule2       = 7
	rdbTypeHashZipmap    = 9
	rdbTypeListZiplist   = 10
	rdbTypeSetIntset     = 11
	rdbTypeZSetZiplist   = 12
	rdbTypeHashZiplist   = 13
	rdbTypeListQuicklist = 14
	rdbTypeStream        = 15
	rdbTypeHashListpack  = 16
	rdbTypeZSetListpack  = 17
	rdbTypeListQuick2    = 18
	rdbTypeStream2       = 19
	rdbTypeSetListpack   = 20
	rdbTypeStream3       = 21

	rdbEncInt8  = 0
	rdbEncInt16 = 1
	rdbEncInt32 = 2
	rdbEncLZF   = 3

	// rdbVersion is what this package writes: Redis 7.0's.
	rdbVersion = 10
	// rdbVersionMax is the newest version loaded (Redis 7.2 writes 11,
	// which adds the set listpack type).
	rdbVersionMax = 11
)

// RedisVersion is the redis-ver AUX field written into snapshots: the
// Redis release whose behaviour this cache follows.
const RedisVersion = "7.0.15"

// ValueWriter receives a keyspace one value at a time. RDBWriter
// implements it for snapshots and RDB-preamble AOF bases, AOFBaseWriter
// for AOF bases made of commands; a cache type serializes itself through
// it without knowing which. Every call gives the key's absolute expiry in
// Unix milliseconds, 0 for none. Errors are sticky: the writer records the
// first and reports it from Err and Finish, so callers need not check
// each call.
type ValueWriter interface {
	// SelectDB starts database db; keys and expires size the database
	// (RDB's RESIZEDB hint). Values that follow belong to db.
	SelectDB(db, keys, expires int)
	WriteString(key, value []byte, expireAtMillis int64)
	WriteList(key []byte, elems [][]byte, expireAtMillis int64)
	WriteSet(key []byte, members [][]byte, expireAtMillis int64)
	// WriteHash takes fields and values alternating: f1, v1, f2, v2, ….
	WriteHash(key []byte, fieldsAndValues [][]byte, expireAtMillis int64)
	WriteZSet(key []byte, members [][]byte, scores []float64, expireAtMillis int64)
	// WriteStream writes a stream with its consumer groups (stream.go).
	WriteStream(key []byte, s *StreamValue, expireAtMillis int64)
	Err() error
}

// SnapshotWriter is a ValueWriter that writes a whole file: RDBWriter or
// AOFBaseWriter.
type SnapshotWriter interface {
	ValueWriter
	// WriteFunctionLibrary writes one function library's code
	// (functions.go), before the first SelectDB.
	WriteFunctionLibrary(code []byte)
	// Flush writes what is buffered to the destination.
	Flush() error
	// Finish ends the file (RDB: EOF and checksum) and flushes.
	Finish() error
	// SizeBytes counts the bytes produced so far, buffered ones included.
	SizeBytes() int64
}

// RDBHeader is the AUX metadata of a snapshot.
type RDBHeader struct {
	CtimeSeconds int64 // when the snapshot started
	UsedMemBytes int64
	// AOFBase marks the file as the base of an AOF (aof-base 1).
	AOFBase bool
	// Replication, when set, is the replication position the dataset is
	// at, written as Redis 7.0's repl-stream-db, repl-id and repl-offset
	// AUX fields, so a restarted replica can ask for a partial resync.
	Replication *RDBReplication
}

// RDBReplication is the replication position of a snapshot's dataset.
type RDBReplication struct {
	// ReplID is the 40-character id of the history the dataset follows.
	ReplID string
	// Offset is how many bytes of that history the dataset includes.
	Offset int64
	// StreamDB is the database the stream had selected at Offset.
	StreamDB int
}

// RDB AUX field names of the replication position, as Redis spells them.
const (
	AuxReplStreamDB = "repl-stream-db"
	AuxReplID       = "repl-id"
	AuxReplOffset   = "repl-offset"
)

// rdbBufferBytes is how much RDBWriter buffers before writing to its
// destination.
const rdbBufferBytes = 64 << 10

// RDBWriter writes an RDB file to an io.Writer, buffering up to
// rdbBufferBytes and keeping the running CRC. Call Finish to write the EOF
// marker and the checksum.
type RDBWriter struct {
	dst       io.Writer
	buf       []byte
	crc       uint64
	sizeBytes int64
	err       error
	finished  bool
}

var _ SnapshotWriter = (*RDBWriter)(nil)

// NewRDBWriter starts an RDB file on dst with the magic and AUX fields.
func NewRDBWriter(dst io.Writer, h RDBHeader) *RDBWriter {
	w := &RDBWriter{dst: dst, buf: make([]byte, 0, rdbBufferBytes)}
	w.buf = append(w.buf, "REDIS00"...)
	w.buf = strconv.AppendInt(w.buf, rdbVersion, 10)
	w.aux("redis-ver", []byte(RedisVersion))
	w.aux("redis-bits", []byte("64"))
	w.aux("ctime", strconv.AppendInt(nil, h.CtimeSeconds, 10))
	w.aux("used-mem", strconv.AppendInt(nil, h.UsedMemBytes, 10))
	if r := h.Replication; r != nil {
		w.aux(AuxReplStreamDB, strconv.AppendInt(nil, int64(r.StreamDB), 10))
		w.aux(AuxReplID, []byte(r.ReplID))
		w.aux(AuxReplOffset, strconv.AppendInt(nil, r.Offset, 10))
	}
	aofBase := []byte("0")
	if h.AOFBase {
		aofBase = []byte("1")
	}
	w.aux("aof-base", aofBase)
	return w
}

func (w *RDBWriter) aux(key string, value []byte) {
	w.buf = append(w.buf, rdbOpAux)
	w.buf = appendRDBString(w.buf, []byte(key))
	w.buf = appendRDBString(w.buf, value)
}

// SelectDB implements ValueWriter.
func (w *RDBWriter) SelectDB(db, keys, expires int) {
	w.buf = append(w.buf, rdbOpSelectDB)
	w.buf = appendRDBLength(w.buf, uint64(db))
	w.buf = append(w.buf, rdbOpResizeDB)
	w.buf = appendRDBLength(w.buf, uint64(keys))
	w.buf = appendRDBLength(w.buf, uint64(expires))
	w.maybeFlush()
}

// keyHeader writes the expiry (if any), the type byte and the key.
func (w *RDBWriter) keyHeader(valueType byte, key []byte, expireAtMillis int64) {
	if w.finished {
		panic("persist: RDBWriter used after Finish")
	}
	if expireAtMillis != 0 {
		w.buf = append(w.buf, rdbOpExpireTimeMs)
		w.buf = binary.LittleEndian.AppendUint64(w.buf, uint64(expireAtMillis))
	}
	w.buf = append(w.buf, valueType)
	w.buf = appendRDBString(w.buf, key)
}

// WriteString implements ValueWriter.
func (w *RDBWriter) WriteString(key, value []byte, expireAtMillis int64) {
	w.keyHeader(rdbTypeString, key, expireAtMillis)
	w.buf = appendRDBString(w.buf, value)
	w.maybeFlush()
}

// WriteList implements ValueWriter.
func (w *RDBWriter) WriteList(key []byte, elems [][]byte, expireAtMillis int64) {
	w.writeStrings(rdbTypeList, key, elems, expireAtMillis)
}

// WriteSet implements ValueWriter.
func (w *RDBWriter) WriteSet(key []byte, members [][]byte, expireAtMillis int64) {
	w.writeStrings(rdbTypeSet, key, members, expireAtMillis)
}

// WriteHash implements ValueWriter.
func (w *RDBWriter) WriteHash(key []byte, fieldsAndValues [][]byte, expireAtMillis int64) {
	if len(fieldsAndValues)%2 != 0 {
		panic("persist: WriteHash with a field missing its value")
	}
	w.keyHeader(rdbTypeHash, key, expireAtMillis)
	w.buf = appendRDBLength(w.buf, uint64(len(fieldsAndValues)/2))
	for _, s := range fieldsAndValues {
		w.buf = appendRDBString(w.buf, s)
		w.maybeFlush()
	}
	w.maybeFlush()
}

// WriteZSet implements ValueWriter.
func (w *RDBWriter) WriteZSet(key []byte, members [][]byte, scores []float64, expireAtMillis int64) {
	if len(members) != len(scores) {
		panic("persist: WriteZSet with members and scores of different lengths")
	}
	w.keyHeader(rdbTypeZSet2, key, expireAtMillis)
	w.buf = appendRDBLength(w.buf, uint64(len(members)))
	for i, m := range members {
		w.buf = appendRDBString(w.buf, m)
		w.buf = binary.LittleEndian.AppendUint64(w.buf, math.Float64bits(scores[i]))
		w.maybeFlush()
	}
}

func (w *RDBWriter) writeStrings(valueType byte, key []byte, elems [][]byte, expireAtMillis int64) {
	w.keyHeader(valueType, key, expireAtMillis)
	w.buf = appendRDBLength(w.buf, uint64(len(elems)))
	for _, e := range elems {
		w.buf = appendRDBString(w.buf, e)
		w.maybeFlush()
	}
	w.maybeFlush()
}

func (w *RDBWriter) maybeFlush() {
	if len(w.buf) >= rdbBufferBytes {
		w.Flush()
	}
}

// Flush writes the buffered bytes to the destination.
func (w *RDBWriter) Flush() error {
	if w.err != nil || len(w.buf) == 0 {
		w.buf = w.buf[:0]
		return w.err
	}
	w.crc = crc64Update(w.crc, w.buf)
	n, err := w.dst.Write(w.buf)
	w.sizeBytes += int64(n)
	if err == nil && n != len(w.buf) {
		err = io.ErrShortWrite
	}
	w.err = err
	w.buf = w.buf[:0]
	return err
}

// Finish writes the EOF opcode and the checksum and flushes.
func (w *RDBWriter) Finish() error {
	w.buf = append(w.buf, rdbOpEOF)
	if err := w.Flush(); err != nil {
		return err
	}
	w.finished = true
	w.buf = binary.LittleEndian.AppendUint64(w.buf, w.crc)
	n, err := w.dst.Write(w.buf)
	w.sizeBytes += int64(n)
	w.buf = w.buf[:0]
	if err == nil && n != 8 {
		err = io.ErrShortWrite
	}
	w.err = err
	return err
}

// Err is the first write error.
func (w *RDBWriter) Err() error { return w.err }

// SizeBytes counts the bytes produced so far, buffered ones included.
func (w *RDBWriter) SizeBytes() int64 { return w.sizeBytes + int64(len(w.buf)) }

// appendRDBLength appends n in RDB's variable length encoding.
func appendRDBLength(dst []byte, n uint64) []byte {
	switch {
	case n < 1<<6:
		return append(dst, byte(n))
	case n < 1<<14:
		return append(dst, 0x40|byte(n>>8), byte(n))
	case n <= math.MaxUint32:
		return binary.BigEndian.AppendUint32(append(dst, 0x80), uint32(n))
	default:
		return binary.BigEndian.AppendUint64(append(dst, 0x81), n)
	}
}

// rdbIntCandidateBytesMax is the longest string tried as an integer, as
// Redis does: no longer decimal fits in 32 bits.
const rdbIntCandidateBytesMax = 11

// appendRDBString appends s, as a 1-, 2- or 4-byte integer when it is the
// canonical decimal form of one (so it loads back byte for byte), else as
// length and bytes. Compression is never used.
func appendRDBString(dst []byte, s []byte) []byte {
	if len(s) > 0 && len(s) <= rdbIntCandidateBytesMax {
		if v, err := strconv.ParseInt(string(s), 10, 32); err == nil && strconv.FormatInt(v, 10) == string(s) {
			switch {
			case v >= math.MinInt8 && v <= math.MaxInt8:
				return append(dst, 0xC0|rdbEncInt8, byte(int8(v)))
			case v >= math.MinInt16 && v <= math.MaxInt16:
				return binary.LittleEndian.AppendUint16(append(dst, 0xC0|rdbEncInt16), uint16(int16(v)))
			default:
				return binary.LittleEndian.AppendUint32(append(dst, 0xC0|rdbEncInt32), uint32(int32(v)))
			}
		}
	}
	dst = appendRDBLength(dst, uint64(len(s)))
	return append(dst, s...)
}
