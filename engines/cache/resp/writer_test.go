package resp

import (
	"bufio"
	"errors"
	"io"
	"math"
	"strconv"
	"strings"
	"testing"
)

func TestAppendValue(t *testing.T) {
	m := Value{Kind: Map, Elems: []Value{BulkFromString("k"), Int(1)}}
	cases := []struct {
		name  string
		value Value
		resp2 string
		resp3 string
	}{
		{"simple", OK, "+OK\r\n", "+OK\r\n"},
		{"error", Err("ERR bad\r\nthing"), "-ERR bad  thing\r\n", "-ERR bad  thing\r\n"},
		{"integer", Int(-12), ":-12\r\n", ":-12\r\n"},
		{"bulk", BulkFromString("hi"), "$2\r\nhi\r\n", "$2\r\nhi\r\n"},
		{"null", NullBulk, "$-1\r\n", "_\r\n"},
		{"null array", Value{Kind: NullArray}, "*-1\r\n", "_\r\n"},
		{"true", Value{Kind: Boolean, Int: 1}, ":1\r\n", "#t\r\n"},
		{"false", Value{Kind: Boolean}, ":0\r\n", "#f\r\n"},
		{"double", Value{Kind: Double, Float: 1.5}, "$3\r\n1.5\r\n", ",1.5\r\n"},
		{"inf", Value{Kind: Double, Float: math.Inf(-1)}, "$4\r\n-inf\r\n", ",-inf\r\n"},
		{"double %.17g", Value{Kind: Double, Float: 1.1}, "$18\r\n1.1000000000000001\r\n", ",1.1000000000000001\r\n"},
		{"double exponent", Value{Kind: Double, Float: 1e17}, "$5\r\n1e+17\r\n", ",1e+17\r\n"},
		{"pairs", Value{Kind: Pairs, Elems: []Value{BulkFromString("a"), {Kind: Double, Float: 1}}},
			"*2\r\n$1\r\na\r\n$1\r\n1\r\n", "*1\r\n*2\r\n$1\r\na\r\n,1\r\n"},
		{"big number", Value{Kind: BigNumber, Str: []byte("123456789012345678901234567890")},
			"$30\r\n123456789012345678901234567890\r\n", "(123456789012345678901234567890\r\n"},
		{"verbatim", Value{Kind: Verbatim, Str: []byte("hello")}, "$5\r\nhello\r\n", "=9\r\ntxt:hello\r\n"},
		{"map", m, "*2\r\n$1\r\nk\r\n:1\r\n", "%1\r\n$1\r\nk\r\n:1\r\n"},
		{"set", Value{Kind: Set, Elems: []Value{Int(1)}}, "*1\r\n:1\r\n", "~1\r\n:1\r\n"},
		{"push", Value{Kind: Push, Elems: []Value{Int(1)}}, "*1\r\n:1\r\n", ">1\r\n:1\r\n"},
		{"nested", ArrayOf(ArrayOf(), NullBulk), "*2\r\n*0\r\n$-1\r\n", "*2\r\n*0\r\n_\r\n"},
		// DEBUG PROTOCOL attrib, byte for byte as redis-server 7.0.15 sends it.
		{"attribute", Value{Kind: Attribute, Elems: []Value{BulkFromString("key-popularity"),
			ArrayOf(BulkFromString("key:123"), Int(90)), BulkFromString("Some real reply following the attribute")}},
			"$39\r\nSome real reply following the attribute\r\n",
			"|1\r\n$14\r\nkey-popularity\r\n*2\r\n$7\r\nkey:123\r\n:90\r\n$39\r\nSome real reply following the attribute\r\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := string(AppendValue(nil, tc.value, RESP2)); got != tc.resp2 {
				t.Errorf("RESP2 = %q, want %q", got, tc.resp2)
			}
			if got := string(AppendValue(nil, tc.value, RESP3)); got != tc.resp3 {
				t.Errorf("RESP3 = %q, want %q", got, tc.resp3)
			}
		})
	}
}

func TestReadReplyRoundTrip(t *testing.T) {
	values := []Value{
		OK, Err("ERR x"), Int(7), BulkFromString("a\r\nb"), NullBulk,
		{Kind: NullArray}, {Kind: Boolean, Int: 1}, {Kind: Double, Float: -2.25},
		{Kind: BigNumber, Str: []byte("-99999999999999999999")}, {Kind: Verbatim, Str: []byte("text")},
		{Kind: Map, Elems: []Value{BulkFromString("a"), ArrayOf(Int(1), Int(2))}},
		{Kind: Set, Elems: []Value{BulkFromString("x")}}, {Kind: Push, Elems: []Value{Simple("message")}},
	}
	for _, v := range values {
		encoded := AppendValue(nil, v, RESP3)
		got, err := NewReader(bufio.NewReader(strings.NewReader(string(encoded)))).ReadReply()
		if err != nil {
			t.Fatalf("%q: %v", encoded, err)
		}
		want := v
		if v.Kind == NullArray {
			want = NullBulk // RESP3 has one null
		}
		if got.String() != want.String() || got.Kind != want.Kind {
			t.Errorf("%q read back as %v (kind %d), want %v (kind %d)", encoded, got, got.Kind, want, want.Kind)
		}
	}
}

func TestReadReplyRESP3Extras(t *testing.T) {
	cases := []struct {
		input string
		want  string
		err   string
	}{
		{"!11\r\nSYNTAX oops\r\n", "(error) SYNTAX oops", ""},
		{"|1\r\n+ttl\r\n:3\r\n:42\r\n", "(integer) 42", ""},
		{",inf\r\n", "(double) inf", ""},
		{"*-1\r\n", "(nil)", ""},
		{"#x\r\n", "", "ERR Protocol error: invalid boolean"},
		{":1.5\r\n", "", `ERR Protocol error: invalid integer "1.5"`},
		{"?\r\n", "", "ERR Protocol error: unknown reply type '?'"},
		{"=3\r\nabc\r\n", "", "ERR Protocol error: invalid verbatim string"},
		{"*2\r\n:1\r\n", "", io.ErrUnexpectedEOF.Error()},
		{strings.Repeat("*1\r\n", ReplyDepthMax+2) + ":1\r\n", "", "ERR Protocol error: reply nested too deep"},
	}
	for _, tc := range cases {
		got, err := NewReader(bufio.NewReader(strings.NewReader(tc.input))).ReadReply()
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("%q: err = %v, want %q", tc.input, err, tc.err)
			}
			continue
		}
		if err != nil || got.String() != tc.want {
			t.Errorf("%q = %v, %v; want %s", tc.input, got, err, tc.want)
		}
	}
}

func FuzzReadReply(f *testing.F) {
	seeds := []string{
		"+OK\r\n", "-ERR x\r\n", ":1\r\n", "$3\r\nabc\r\n", "$-1\r\n", "*-1\r\n", "*2\r\n:1\r\n$1\r\na\r\n",
		"_\r\n", "#t\r\n", ",1.5\r\n", "(123\r\n", "!3\r\nERR\r\n", "=8\r\ntxt:abcd\r\n",
		"%1\r\n+a\r\n:1\r\n", "~1\r\n:1\r\n", ">2\r\n+message\r\n+x\r\n", "|1\r\n+a\r\n+b\r\n+c\r\n",
		"$999999999\r\nab", "*999999\r\n", ",nan\r\n",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r := NewReader(bufio.NewReaderSize(strings.NewReader(string(data)), 16))
		for range 1000 {
			v, err := r.ReadReply()
			if err != nil {
				var pe *ProtocolError
				if err != io.EOF && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.As(err, &pe) {
					t.Fatalf("unexpected error type %T: %v", err, err)
				}
				return
			}
			// Every value we read can be written in both versions.
			AppendValue(nil, v, RESP2)
			AppendValue(nil, v, RESP3)
		}
	})
}

// WriteValue encodes into the buffer's free room when there is some, and
// through its scratch slice when there is little or the reply outgrows
// it: the bytes written are AppendValue's either way.
func TestWriteValueMatchesAppendValue(t *testing.T) {
	var values []Value
	for i := range 300 {
		values = append(values, Int(int64(i-150)), BulkFromString(strings.Repeat("v", i%13)))
		if i%50 == 7 {
			values = append(values, BulkFromString(strings.Repeat("L", 3000+i))) // longer than the room
		}
	}
	values = append(values, ArrayOf(Int(99), Int(100), Int(-1), Int(1<<40)))
	var want []byte
	for _, v := range values {
		want = AppendValue(want, v, RESP2)
	}
	var got strings.Builder
	w := NewWriter(bufio.NewWriterSize(&got, 4096))
	for _, v := range values {
		if err := w.WriteValue(v); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if got.String() != string(want) {
		t.Fatalf("WriteValue wrote %d bytes differing from AppendValue's %d", got.Len(), len(want))
	}
	for _, n := range []int64{0, 9, 10, 99, 100, -1, -10, 1 << 62} {
		if got, want := string(appendHeader(nil, ':', n)), ":"+strconv.FormatInt(n, 10)+"\r\n"; got != want {
			t.Errorf("appendHeader(%d) = %q, want %q", n, got, want)
		}
	}
}
