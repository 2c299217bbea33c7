package persist

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

// skipRecorder is a dump that also records the empty keys a load skipped.
type skipRecorder struct {
	dump
	skipped []string
}

func (s *skipRecorder) EmptyKeySkipped(k RDBKey, kind string) {
	s.skipped = append(s.skipped, kind+" "+string(k.Key))
}

// emptyCollectionsRDB is a file with one string and an empty collection
// in every encoding Redis 7.0 writes or reads.
func emptyCollectionsRDB(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := NewRDBWriter(&buf, RDBHeader{CtimeSeconds: 1767225600})
	w.WriteString([]byte("keep"), []byte("v"), 0)
	w.WriteList([]byte("list"), nil, 0)
	w.WriteSet([]byte("set"), nil, 0)
	w.WriteHash([]byte("hash"), nil, 0)
	w.WriteZSet([]byte("zset"), nil, nil, 0)
	raw := func(valueType byte, key string, blob []byte) {
		w.keyHeader(valueType, []byte(key), 0)
		w.buf = appendRDBString(w.buf, blob)
	}
	emptyListpack := []byte{7, 0, 0, 0, 0, 0, 0xFF}
	raw(rdbTypeSetIntset, "intset", []byte{2, 0, 0, 0, 0, 0, 0, 0})
	raw(rdbTypeHashListpack, "hash-lp", emptyListpack)
	raw(rdbTypeZSetListpack, "zset-lp", emptyListpack)
	raw(rdbTypeSetListpack, "set-lp", emptyListpack)
	w.keyHeader(rdbTypeListQuick2, []byte("quicklist"), 0)
	w.buf = appendRDBLength(w.buf, 0)
	if err := w.Finish(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestEmptyCollectionsAreSkipped(t *testing.T) {
	var h skipRecorder
	if err := LoadRDB(emptyCollectionsRDB(t), &h); err != nil {
		t.Fatalf("a file with empty collections was refused: %v", err)
	}
	if got := h.text(); !strings.Contains(got, "keep") || strings.Count(got, "\n") != 0 {
		t.Fatalf("loaded:\n%s\nwant only the string", got)
	}
	want := []string{"list list", "set set", "hash hash", "zset zset", "set intset", "hash hash-lp", "zset zset-lp", "set set-lp", "list quicklist"}
	if !slices.Equal(h.skipped, want) {
		t.Fatalf("skipped %q, want %q", h.skipped, want)
	}
	// A handler that does not ask is not told, and the load still works.
	if err := LoadRDB(emptyCollectionsRDB(t), &dump{}); err != nil {
		t.Fatal(err)
	}
}
