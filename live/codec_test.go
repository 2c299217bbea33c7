package live

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"reflect"
	"runtime"
	"testing"

	"syslab/node"
)

// Test message types: one per payload path of the codec.
type (
	// gobPing travels as gob.
	gobPing struct {
		Seq  int
		Note string
		Tags []string
	}
	// binPong travels as MarshalBinary (value receiver) / UnmarshalBinary.
	binPong struct{ Seq uint64 }
	// ptrBlob is registered as a pointer type with binary methods.
	ptrBlob struct{ Data []byte }
)

func (p binPong) MarshalBinary() ([]byte, error) {
	return binary.BigEndian.AppendUint64(nil, p.Seq), nil
}

func (p *binPong) UnmarshalBinary(b []byte) error {
	if len(b) != 8 {
		return fmt.Errorf("binPong: %d bytes, want 8", len(b))
	}
	p.Seq = binary.BigEndian.Uint64(b)
	return nil
}

func (p *ptrBlob) MarshalBinary() ([]byte, error) { return append([]byte(nil), p.Data...), nil }
func (p *ptrBlob) UnmarshalBinary(b []byte) error {
	p.Data = append([]byte(nil), b...)
	return nil
}

func init() {
	Register[gobPing]("live.test.ping")
	Register[binPong]("live.test.pong")
	Register[*ptrBlob]("live.test.blob")
}

func TestCodecRoundTrip(t *testing.T) {
	cases := []struct {
		name string
		msg  node.Message
	}{
		{"gob", gobPing{Seq: 7, Note: "hello", Tags: []string{"a", "b"}}},
		{"gob zero value", gobPing{}},
		{"binary value receiver", binPong{Seq: 1<<63 + 5}},
		{"binary pointer type", &ptrBlob{Data: []byte("\x00\xffpayload")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Encode(&buf, "node-a", "node-b", tc.msg); err != nil {
				t.Fatalf("Encode: %v", err)
			}
			from, to, got, err := Decode(&buf)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if from != "node-a" || to != "node-b" {
				t.Errorf("from, to = %q, %q; want node-a, node-b", from, to)
			}
			if !reflect.DeepEqual(got, tc.msg) {
				t.Errorf("decoded %#v, want %#v", got, tc.msg)
			}
			if buf.Len() != 0 {
				t.Errorf("%d bytes left after one frame", buf.Len())
			}
		})
	}
}

func TestCodecStreamOfFrames(t *testing.T) {
	var buf bytes.Buffer
	for i := range 100 {
		if err := Encode(&buf, "a", "b", binPong{Seq: uint64(i)}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 100 {
		_, _, msg, err := Decode(&buf)
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		if msg.(binPong).Seq != uint64(i) {
			t.Fatalf("frame %d: got %v", i, msg)
		}
	}
	if _, _, _, err := Decode(&buf); err != io.EOF {
		t.Fatalf("after the last frame: err = %v, want io.EOF", err)
	}
}

func TestEncodeUnregistered(t *testing.T) {
	type unregistered struct{ X int }
	err := Encode(io.Discard, "a", "b", unregistered{1})
	if !errors.Is(err, ErrUnknownType) {
		t.Fatalf("err = %v, want ErrUnknownType", err)
	}
	// A registered value type is not its pointer type and vice versa.
	if err := Encode(io.Discard, "a", "b", &gobPing{}); !errors.Is(err, ErrUnknownType) {
		t.Fatalf("*gobPing: err = %v, want ErrUnknownType", err)
	}
}

func TestRegisterDuplicatePanics(t *testing.T) {
	type other struct{}
	for _, tc := range []struct {
		name     string
		register func()
	}{
		{"duplicate name", func() { Register[other]("live.test.ping") }},
		{"duplicate type", func() { Register[gobPing]("live.test.ping2") }},
		{"empty name", func() { Register[other]("") }},
		{"interface type", func() { Register[node.Message]("live.test.any") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatal("Register did not panic")
				}
			}()
			tc.register()
		})
	}
}

// frame builds a frame by hand so tests can forge bad ones.
func frame(from, to, name string, payload []byte) []byte {
	body := appendField(nil, from)
	body = appendField(body, to)
	body = appendField(body, name)
	body = append(body, payload...)
	return append(binary.BigEndian.AppendUint32(nil, uint32(len(body))), body...)
}

func TestDecodeErrors(t *testing.T) {
	good := frame("a", "b", "live.test.pong", make([]byte, 8))
	cases := []struct {
		name  string
		input []byte
		want  error
	}{
		{"empty stream", nil, io.EOF},
		{"partial length prefix", []byte{0, 0}, io.ErrUnexpectedEOF},
		{"truncated body", good[:len(good)-3], io.ErrUnexpectedEOF},
		{"length above frameBytesMax", binary.BigEndian.AppendUint32(nil, frameBytesMax+1), ErrFrame},
		{"body shorter than from length", append(binary.BigEndian.AppendUint32(nil, 1), 0), ErrFrame},
		{"field length past end", append(binary.BigEndian.AppendUint32(nil, 4), 0, 9, 'x', 'y'), ErrFrame},
		{"missing type name", append(binary.BigEndian.AppendUint32(nil, 4), 0, 0, 0, 0), ErrFrame},
		{"unknown type", frame("a", "b", "no.such.type", nil), ErrUnknownType},
		{"binary payload rejected", frame("a", "b", "live.test.pong", []byte{1, 2}), ErrFrame},
		{"gob payload garbage", frame("a", "b", "live.test.ping", []byte{0xff, 0xff, 0xff}), ErrFrame},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, _, msg, err := Decode(bytes.NewReader(tc.input))
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if msg != nil {
				t.Fatalf("msg = %v alongside error", msg)
			}
		})
	}
}

// A forged length prefix must not make Decode allocate it before the
// bytes arrive: a peer (or line noise) could otherwise take the process
// down with four bytes.
func TestDecodeHugeLengthDoesNotAllocate(t *testing.T) {
	input := append(binary.BigEndian.AppendUint32(nil, frameBytesMax), make([]byte, 100)...)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, _, _, err := Decode(bytes.NewReader(input))
	runtime.ReadMemStats(&after)
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("err = %v, want io.ErrUnexpectedEOF", err)
	}
	const allocBytesMax = 1 << 20
	if grew := after.TotalAlloc - before.TotalAlloc; grew > allocBytesMax {
		t.Fatalf("Decode allocated %d bytes for a 104-byte input (max %d)", grew, allocBytesMax)
	}
}

func FuzzDecode(f *testing.F) {
	for _, msg := range []node.Message{
		gobPing{Seq: 1, Note: "n", Tags: []string{"t"}},
		binPong{Seq: 42},
		&ptrBlob{Data: []byte("xyz")},
	} {
		b, err := AppendFrame(nil, "a", "b", msg)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		f.Add(b[:len(b)/2])
	}
	f.Add([]byte{})
	f.Add(binary.BigEndian.AppendUint32(nil, frameBytesMax))
	f.Add(binary.BigEndian.AppendUint32(nil, 0xffffffff))
	f.Add(frame("a", "b", "live.test.ping", []byte{0x03, 0x04, 0x00, 0xff}))
	f.Add(frame("", "", "", nil))
	f.Fuzz(func(t *testing.T, input []byte) {
		r := bytes.NewReader(input)
		for range 4 { // a stream may hold several frames
			from, to, msg, err := Decode(r)
			if err != nil {
				if msg != nil {
					t.Fatalf("msg %v returned with error %v", msg, err)
				}
				return
			}
			// Whatever decodes must encode again: the codec never
			// produces a message it cannot send.
			if _, err := AppendFrame(nil, from, to, msg); err != nil {
				t.Fatalf("decoded %#v but cannot re-encode: %v", msg, err)
			}
		}
	})
}

func BenchmarkCodecBinary(b *testing.B) {
	var buf bytes.Buffer
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		buf.Reset()
		if err := Encode(&buf, "cache-1", "cache-2", binPong{Seq: uint64(i)}); err != nil {
			b.Fatal(err)
		}
		if _, _, _, err := Decode(&buf); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCodecGob(b *testing.B) {
	var buf bytes.Buffer
	msg := gobPing{Seq: 1, Note: "hello", Tags: []string{"a", "b"}}
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := Encode(&buf, "cache-1", "cache-2", msg); err != nil {
			b.Fatal(err)
		}
		if _, _, _, err := Decode(&buf); err != nil {
			b.Fatal(err)
		}
	}
}

type runtimeTyped struct {
	N    int
	Tags []string
}

func TestRegisterValueRoundTripsAndIsIdempotent(t *testing.T) {
	RegisterValue("test.runtimeTyped", runtimeTyped{})
	RegisterValue("test.runtimeTyped", runtimeTyped{}) // again: no panic
	var buf bytes.Buffer
	in := runtimeTyped{N: 7, Tags: []string{"a", "b"}}
	if err := Encode(&buf, "a", "b", in); err != nil {
		t.Fatal(err)
	}
	_, _, out, err := Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := out.(runtimeTyped); !ok || got.N != 7 || len(got.Tags) != 2 {
		t.Fatalf("decoded %#v", out)
	}
	defer func() {
		if recover() == nil {
			t.Fatal("registering another type under a taken name should panic")
		}
	}()
	RegisterValue("test.runtimeTyped", struct{ X int }{})
}

// A codec of the engine's own: a uvarint, then a string.
type ownCoded struct {
	N    uint64
	Name string
}

// Each decoder misbehaves on one input: "panic" panics, "wrong" returns
// another type; the codec must turn both into errors.
func registerOwnCoded() {
	RegisterValueCodec("test.ownCoded", ownCoded{},
		func(m node.Message) ([]byte, error) {
			o := m.(ownCoded)
			return append(binary.AppendUvarint(nil, o.N), o.Name...), nil
		},
		func(b []byte) (node.Message, error) {
			n, k := binary.Uvarint(b)
			if k <= 0 {
				return nil, errors.New("short")
			}
			switch name := string(b[k:]); name {
			case "panic":
				panic("decoder bug")
			case "wrong":
				return runtimeTyped{}, nil
			default:
				return ownCoded{N: n, Name: name}, nil
			}
		})
}

func TestRegisterValueCodecRoundTripsAndContainsBadDecoders(t *testing.T) {
	registerOwnCoded()
	registerOwnCoded() // again: no panic, the first stays
	RegisterValue("test.runtimeTyped", runtimeTyped{})
	for _, c := range []struct {
		in      ownCoded
		wantErr bool
	}{
		{ownCoded{N: 300, Name: "k"}, false},
		{ownCoded{N: 1, Name: "panic"}, true},
		{ownCoded{N: 1, Name: "wrong"}, true},
	} {
		var buf bytes.Buffer
		if err := Encode(&buf, "a", "b", c.in); err != nil {
			t.Fatal(err)
		}
		_, _, out, err := Decode(&buf)
		if c.wantErr {
			if err == nil || !errors.Is(err, ErrFrame) {
				t.Errorf("%+v: decoded %#v, err %v; want an ErrFrame", c.in, out, err)
			}
			continue
		}
		if err != nil || out != c.in {
			t.Errorf("%+v: decoded %#v, err %v", c.in, out, err)
		}
	}
}
