package persist

import (
	"io"
	"math"
	"strconv"

	"syslab/engines/cache/resp"
)

// AOFBaseWriter writes an AOF base as commands (aof-use-rdb-preamble no),
// the form Redis's rewriteAppendOnlyFile produces: per database a SELECT,
// then per key the commands that rebuild it — SET, RPUSH, SADD, HSET,
// ZADD, batched aofItemsPerCommand items at a time so no command grows
// huge; for a stream XADD per entry and its groups' commands (stream.go)
// — and a PEXPIREAT for a key with a TTL.
type AOFBaseWriter struct {
	dst       io.Writer
	buf       []byte
	sizeBytes int64
	err       error
}

var _ SnapshotWriter = (*AOFBaseWriter)(nil)

// aofItemsPerCommand is Redis's AOF_REWRITE_ITEMS_PER_CMD.
const aofItemsPerCommand = 64

// NewAOFBaseWriter writes commands to dst.
func NewAOFBaseWriter(dst io.Writer) *AOFBaseWriter { return &AOFBaseWriter{dst: dst} }

func (w *AOFBaseWriter) command(args ...[]byte) {
	w.buf = resp.AppendCommand(w.buf, args...)
	if len(w.buf) >= rdbBufferBytes {
		w.Flush()
	}
}

// SelectDB implements ValueWriter.
func (w *AOFBaseWriter) SelectDB(db, _, _ int) {
	w.command([]byte("SELECT"), strconv.AppendInt(nil, int64(db), 10))
}

func (w *AOFBaseWriter) expire(key []byte, expireAtMillis int64) {
	if expireAtMillis != 0 {
		w.command([]byte("PEXPIREAT"), key, strconv.AppendInt(nil, expireAtMillis, 10))
	}
}

// WriteString implements ValueWriter.
func (w *AOFBaseWriter) WriteString(key, value []byte, expireAtMillis int64) {
	w.command([]byte("SET"), key, value)
	w.expire(key, expireAtMillis)
}

// batched writes name key item… in commands of at most
// aofItemsPerCommand items of itemArgs arguments each.
func (w *AOFBaseWriter) batched(name string, key []byte, args [][]byte, itemArgs int) {
	for len(args) > 0 {
		n := min(len(args), aofItemsPerCommand*itemArgs)
		cmd := make([][]byte, 0, 2+n)
		cmd = append(cmd, []byte(name), key)
		w.command(append(cmd, args[:n]...)...)
		args = args[n:]
	}
}

// WriteList implements ValueWriter.
func (w *AOFBaseWriter) WriteList(key []byte, elems [][]byte, expireAtMillis int64) {
	w.batched("RPUSH", key, elems, 1)
	w.expire(key, expireAtMillis)
}

// WriteSet implements ValueWriter.
func (w *AOFBaseWriter) WriteSet(key []byte, members [][]byte, expireAtMillis int64) {
	w.batched("SADD", key, members, 1)
	w.expire(key, expireAtMillis)
}

// WriteHash implements ValueWriter.
func (w *AOFBaseWriter) WriteHash(key []byte, fieldsAndValues [][]byte, expireAtMillis int64) {
	w.batched("HSET", key, fieldsAndValues, 2)
	w.expire(key, expireAtMillis)
}

// WriteZSet implements ValueWriter.
func (w *AOFBaseWriter) WriteZSet(key []byte, members [][]byte, scores []float64, expireAtMillis int64) {
	args := make([][]byte, 0, 2*len(members))
	for i, m := range members {
		args = append(args, formatScore(scores[i]), m)
	}
	w.batched("ZADD", key, args, 2)
	w.expire(key, expireAtMillis)
}

// formatScore writes a score so it parses back to the same float64.
func formatScore(f float64) []byte {
	switch {
	case math.IsInf(f, 1):
		return []byte("inf")
	case math.IsInf(f, -1):
		return []byte("-inf")
	}
	return strconv.AppendFloat(nil, f, 'g', 17, 64)
}

// Flush writes the buffered commands.
func (w *AOFBaseWriter) Flush() error {
	if w.err != nil || len(w.buf) == 0 {
		w.buf = w.buf[:0]
		return w.err
	}
	n, err := w.dst.Write(w.buf)
	w.sizeBytes += int64(n)
	if err == nil && n != len(w.buf) {
		err = io.ErrShortWrite
	}
	w.err = err
	w.buf = w.buf[:0]
	return err
}

// Finish flushes; commands need no trailer.
func (w *AOFBaseWriter) Finish() error { return w.Flush() }

// Err is the first write error.
func (w *AOFBaseWriter) Err() error { return w.err }

// SizeBytes counts the bytes produced so far, buffered ones included.
func (w *AOFBaseWriter) SizeBytes() int64 { return w.sizeBytes + int64(len(w.buf)) }
