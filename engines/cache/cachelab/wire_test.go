package cachelab

import (
	"math"
	"reflect"
	"strings"
	"testing"

	"syslab/engines/cache"
	"syslab/engines/cache/resp"
	"syslab/node"
)

func wireSamples() []node.Message {
	nested := resp.Value{Kind: resp.Map, Elems: []resp.Value{
		resp.BulkFromString("field"), {Kind: resp.Double, Float: math.Inf(-1)},
		resp.Simple("s"), {Kind: resp.Array, Elems: []resp.Value{}},
	}}
	return []node.Message{
		cache.Command{Seq: 1, Args: [][]byte{[]byte("GET"), []byte("key:1")}},
		cache.Command{Seq: math.MaxUint64, Args: [][]byte{[]byte("SET"), {}, nil}},
		cache.Command{},
		cache.Reply{Seq: 7, Value: resp.BulkFromString("value")},
		cache.Reply{Seq: 8, Value: resp.NullBulk, Protocol: resp.RESP3},
		cache.Reply{Seq: 10, Value: resp.OK, Protocol: resp.RESP3, Silent: true},
		cache.Reply{Seq: 9, Value: resp.Int(-42), More: []resp.Value{resp.OK, resp.Err("ERR no")}},
		cache.Reply{Seq: 10, Value: nested, More: []resp.Value{}},
		cache.Reply{Value: resp.Value{Kind: resp.Double, Float: math.NaN()}},
		cache.Push{Value: resp.Value{Kind: resp.Push, Elems: []resp.Value{resp.BulkFromString("invalidate"), {Kind: resp.Null}}}, Protocol: resp.RESP3},
	}
}

func TestWireRoundTrip(t *testing.T) {
	codecs := wireCodecs()
	names := map[reflect.Type]string{
		reflect.TypeOf(cache.Command{}): "cache.Command",
		reflect.TypeOf(cache.Reply{}):   "cache.Reply",
		reflect.TypeOf(cache.Push{}):    "cache.Push",
	}
	for _, m := range wireSamples() {
		c := codecs[names[reflect.TypeOf(m)]]
		b, err := c.Encode(m)
		if err != nil {
			t.Fatalf("encode %#v: %v", m, err)
		}
		got, err := c.Decode(b)
		if err != nil {
			t.Fatalf("decode %#v: %v", m, err)
		}
		// NaN never equals itself: compare the encodings of both.
		again, err := c.Encode(got)
		if err != nil || string(again) != string(b) {
			t.Errorf("round trip of %#v gave %#v", m, got)
		}
		if !reflect.DeepEqual(got, m) && !hasNaN(m) {
			t.Errorf("round trip of %#v gave %#v", m, got)
		}
		for cut := range len(b) {
			if _, err := c.Decode(b[:cut]); err == nil {
				t.Errorf("%T cut to %d of %d bytes decoded without error", m, cut, len(b))
			}
		}
		if _, err := c.Decode(append(b[:len(b):len(b)], 0)); err == nil {
			t.Errorf("%T with a trailing byte decoded without error", m)
		}
	}
}

func hasNaN(m node.Message) bool {
	r, ok := m.(cache.Reply)
	return ok && math.IsNaN(r.Value.Float)
}

func TestWireRejectsWrongType(t *testing.T) {
	for name, c := range wireCodecs() {
		if _, err := c.Encode(cache.Disconnected{}); err == nil {
			t.Errorf("%s encoded a cache.Disconnected", name)
		}
	}
}

func TestWireBoundsNestingAndCounts(t *testing.T) {
	deep := []byte{0} // Reply Seq 0
	for range wireDepthMax + 2 {
		deep = append(deep, byte(resp.Array), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2) // one element
	}
	if _, err := decodeReply(deep); err == nil || !strings.Contains(err.Error(), "nested deeper") {
		t.Errorf("a value nested past wireDepthMax: err %v, want the nesting bound", err)
	}
	forged := []byte{1, 0xff, 0xff, 0xff, 0xff, 0x0f} // Command with 2^32-1 args
	if _, err := decodeCommand(forged); err == nil {
		t.Error("a command declaring 4 billion args in 6 bytes decoded")
	}
}

func FuzzWireDecode(f *testing.F) {
	codecs := wireCodecs()
	for _, m := range wireSamples() {
		for _, c := range codecs {
			if b, err := c.Encode(m); err == nil {
				f.Add(b)
			}
		}
	}
	f.Add([]byte{})
	f.Add([]byte{0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		for name, c := range codecs {
			m, err := c.Decode(b)
			if err != nil {
				continue
			}
			again, err := c.Encode(m)
			if err != nil {
				t.Fatalf("%s: decoded %#v does not encode: %v", name, m, err)
			}
			if _, err := c.Decode(again); err != nil {
				t.Fatalf("%s: re-encoded %#v does not decode: %v", name, m, err)
			}
		}
	})
}

// BenchmarkWireGetRoundTrip encodes and decodes what one GET puts on the
// wire: the command and its reply.
func BenchmarkWireGetRoundTrip(b *testing.B) {
	cmd := cache.Command{Seq: 1, Args: [][]byte{[]byte("GET"), []byte("key:1234")}}
	rep := cache.Reply{Seq: 1, Value: resp.BulkFromString(strings.Repeat("v", 64))}
	b.ReportAllocs()
	for b.Loop() {
		for _, m := range []struct {
			msg node.Message
			c   func(node.Message) ([]byte, error)
			d   func([]byte) (node.Message, error)
		}{{cmd, encodeCommand, decodeCommand}, {rep, encodeReply, decodeReply}} {
			buf, err := m.c(m.msg)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := m.d(buf); err != nil {
				b.Fatal(err)
			}
		}
	}
}
