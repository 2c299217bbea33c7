package persist

// # DUMP payload
//
// DUMP serializes one value the way Redis 7.0 does, so a payload made here
// RESTOREs in redis-server and one made there RESTOREs here (MIGRATE moves
// keys between nodes as such payloads):
//
//	<type byte> <value>     exactly as the value is written in an RDB file
//	                        (see rdb.go), without key or expiry
//	<2 bytes LE>            the RDB version of the encoding (10 here)
//	<8 bytes LE>            CRC-64 (Jones, as the RDB file's) of every byte before
//
// A payload is refused, as Redis 7.0 refuses it, when it is shorter than
// the footer, when its RDB version is newer than 10, or when the checksum
// does not match.

import (
	"encoding/binary"
	"errors"
	"math"
)

const (
	// dumpFooterBytes is the version and the checksum after the value.
	dumpFooterBytes = 2 + 8
	// dumpVersionMax is the newest payload version RESTORE accepts: like
	// Redis 7.0, the RDB version it writes.
	dumpVersionMax = rdbVersion
)

// ErrDumpPayload is a payload whose version is unknown or whose checksum
// does not match its bytes.
var ErrDumpPayload = errors.New("DUMP payload version or checksum are wrong")

// DumpEncoder builds one DUMP payload. It implements ValueWriter so that a
// value serializes itself through the same calls that write it into a
// snapshot; the key and expiry those calls carry are not part of a payload
// and are ignored. Exactly one value may be written.
type DumpEncoder struct {
	buf     []byte
	written bool
}

var _ ValueWriter = (*DumpEncoder)(nil)

func (d *DumpEncoder) start(valueType byte) {
	if d.written {
		panic("persist: DumpEncoder holds one value; a second was written")
	}
	d.written = true
	d.buf = append(d.buf, valueType)
}

// SelectDB implements ValueWriter; a payload has no database.
func (d *DumpEncoder) SelectDB(db, keys, expires int) {}

// WriteString implements ValueWriter.
func (d *DumpEncoder) WriteString(_, value []byte, _ int64) {
	d.start(rdbTypeString)
	d.buf = appendRDBString(d.buf, value)
}

// WriteList implements ValueWriter.
func (d *DumpEncoder) WriteList(_ []byte, elems [][]byte, _ int64) {
	d.writeStrings(rdbTypeList, elems)
}

// WriteSet implements ValueWriter.
func (d *DumpEncoder) WriteSet(_ []byte, members [][]byte, _ int64) {
	d.writeStrings(rdbTypeSet, members)
}

// WriteHash implements ValueWriter.
func (d *DumpEncoder) WriteHash(_ []byte, fieldsAndValues [][]byte, _ int64) {
	if len(fieldsAndValues)%2 != 0 {
		panic("persist: WriteHash with a field missing its value")
	}
	d.start(rdbTypeHash)
	d.buf = appendRDBLength(d.buf, uint64(len(fieldsAndValues)/2))
	for _, s := range fieldsAndValues {
		d.buf = appendRDBString(d.buf, s)
	}
}

// WriteZSet implements ValueWriter.
func (d *DumpEncoder) WriteZSet(_ []byte, members [][]byte, scores []float64, _ int64) {
	if len(members) != len(scores) {
		panic("persist: WriteZSet with members and scores of different lengths")
	}
	d.start(rdbTypeZSet2)
	d.buf = appendRDBLength(d.buf, uint64(len(members)))
	for i, m := range members {
		d.buf = appendRDBString(d.buf, m)
		d.buf = binary.LittleEndian.AppendUint64(d.buf, math.Float64bits(scores[i]))
	}
}

func (d *DumpEncoder) writeStrings(valueType byte, elems [][]byte) {
	d.start(valueType)
	d.buf = appendRDBLength(d.buf, uint64(len(elems)))
	for _, e := range elems {
		d.buf = appendRDBString(d.buf, e)
	}
}

// Err implements ValueWriter: encoding into memory cannot fail.
func (d *DumpEncoder) Err() error { return nil }

// Payload returns the finished payload: the value, the version and the
// checksum. It panics if no value was written (a bug in the caller).
func (d *DumpEncoder) Payload() []byte {
	if !d.written {
		panic("persist: DumpEncoder.Payload before a value was written")
	}
	out := binary.LittleEndian.AppendUint16(d.buf, rdbVersion)
	out = binary.LittleEndian.AppendUint64(out, crc64Update(0, out))
	d.buf, d.written = nil, false
	return out
}

// VerifyDumpPayload checks a payload's footer as Redis's verifyDumpPayload
// does: long enough, a version it can read, a matching checksum.
func VerifyDumpPayload(payload []byte) error {
	if len(payload) < dumpFooterBytes {
		return ErrDumpPayload
	}
	footer := payload[len(payload)-dumpFooterBytes:]
	if version := binary.LittleEndian.Uint16(footer); version > dumpVersionMax {
		return ErrDumpPayload
	}
	if binary.LittleEndian.Uint64(footer[2:]) != crc64Update(0, payload[:len(payload)-8]) {
		return ErrDumpPayload
	}
	return nil
}

// ErrDumpFormat is a payload that passed VerifyDumpPayload but whose value
// cannot be read (Redis answers "Bad data format").
var ErrDumpFormat = errors.New("Bad data format")

// LoadDumpPayload verifies payload and hands its value to h as the value
// of key (in database 0, without expiry: the caller owns both). A value
// that cannot be read, or bytes left over after it, give an error that
// wraps ErrDumpFormat; a bad footer gives ErrDumpPayload.
func LoadDumpPayload(payload, key []byte, h RDBHandler) error {
	if err := VerifyDumpPayload(payload); err != nil {
		return err
	}
	r := &rdbReader{data: payload[:len(payload)-dumpFooterBytes]}
	valueType, err := r.byte()
	if err != nil {
		return dumpFormatError{err}
	}
	if err := r.value(valueType, RDBKey{Key: key}, h); err != nil {
		return dumpFormatError{err}
	}
	if r.pos != len(r.data) {
		return dumpFormatError{r.fail("%d unexpected bytes after the value", len(r.data)-r.pos)}
	}
	return nil
}

// dumpFormatError is ErrDumpFormat with the reason a reader needs.
type dumpFormatError struct{ cause error }

func (e dumpFormatError) Error() string        { return ErrDumpFormat.Error() + ": " + e.cause.Error() }
func (e dumpFormatError) Is(target error) bool { return target == ErrDumpFormat }
func (e dumpFormatError) Unwrap() error        { return e.cause }
