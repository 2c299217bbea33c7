package persist

import (
	"bytes"
	"errors"
	"slices"
	"strconv"
	"testing"
)

const (
	libraryOne = "#!lua name=one\nredis.register_function('f', function() return 1 end)"
	libraryTwo = "#!lua name=two\nredis.register_function('g', function() return 2 end)"
)

// withFunctions is a dump that also takes function libraries.
type withFunctions struct {
	dump
	codes []string
}

func (d *withFunctions) Function(code []byte) error {
	d.codes = append(d.codes, string(code))
	return nil
}

func TestRDBFunctionLibrariesRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	w := NewRDBWriter(&buf, RDBHeader{CtimeSeconds: 1767225600})
	w.WriteFunctionLibrary([]byte(libraryOne))
	w.WriteFunctionLibrary([]byte(libraryTwo))
	w.SelectDB(0, 1, 0)
	w.WriteString([]byte("k"), []byte("v"), 0)
	if err := w.Finish(); err != nil {
		t.Fatal(err)
	}
	var d withFunctions
	if err := LoadRDB(buf.Bytes(), &d); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(d.codes, []string{libraryOne, libraryTwo}) || len(d.lines) != 1 {
		t.Fatalf("loaded libraries %q and keys %q", d.codes, d.lines)
	}
	// A handler that takes no libraries fails the load with an RDBError.
	var plain dump
	var rdbErr *RDBError
	if err := LoadRDB(buf.Bytes(), &plain); !errors.As(err, &rdbErr) {
		t.Fatalf("loading libraries into a handler without FunctionLoader: %v", err)
	}
}

func TestAOFBaseWritesFunctionLoad(t *testing.T) {
	var buf bytes.Buffer
	w := NewAOFBaseWriter(&buf)
	w.WriteFunctionLibrary([]byte(libraryOne))
	if err := w.Finish(); err != nil {
		t.Fatal(err)
	}
	want := "*3\r\n$8\r\nFUNCTION\r\n$4\r\nLOAD\r\n$" + strconv.Itoa(len(libraryOne)) + "\r\n" + libraryOne + "\r\n"
	if buf.String() != want {
		t.Fatalf("AOF base holds %q, want %q", buf.String(), want)
	}
}

func TestFunctionsPayload(t *testing.T) {
	payload := EncodeFunctionsPayload([][]byte{[]byte(libraryOne), []byte(libraryTwo)})
	codes, err := DecodeFunctionsPayload(payload)
	if err != nil || len(codes) != 2 || string(codes[0]) != libraryOne || string(codes[1]) != libraryTwo {
		t.Fatalf("decoded %q, %v", codes, err)
	}
	if codes, err := DecodeFunctionsPayload(EncodeFunctionsPayload(nil)); err != nil || len(codes) != 0 {
		t.Fatalf("an empty payload decoded to %q, %v", codes, err)
	}
	// Redis 7.0's release candidates wrote name, engine, description and
	// the code without its shebang.
	old := []byte{rdbOpFunction}
	for _, s := range []string{"lib", "LUA"} {
		old = appendRDBString(old, []byte(s))
	}
	old = appendRDBLength(old, 1)
	old = appendRDBString(old, []byte("a description"))
	old = appendRDBString(old, []byte("\nredis.register_function('h', function() end)"))
	old = appendFooter(old)
	if codes, err := DecodeFunctionsPayload(old); err != nil || len(codes) != 1 || string(codes[0]) != "#!LUA name=lib\n\nredis.register_function('h', function() end)" {
		t.Fatalf("the release-candidate form decoded to %q, %v", codes, err)
	}
	for _, c := range []struct {
		name    string
		payload []byte
		want    error
	}{
		{"too short", []byte("bad"), ErrDumpPayload},
		{"damaged", append(payload[:5:5], payload[6:]...), ErrDumpPayload},
		{"a key's value", appendFooter(appendRDBString([]byte{rdbTypeString}, []byte("v"))), ErrFunctionsPayloadType},
	} {
		if _, err := DecodeFunctionsPayload(c.payload); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	truncated := appendFooter(append([]byte{rdbOpFunction2}, appendRDBLength(nil, 100)...))
	var rdbErr *RDBError
	if _, err := DecodeFunctionsPayload(truncated); !errors.As(err, &rdbErr) {
		t.Errorf("a library cut short: %v, want an RDBError", err)
	}
}

// appendFooter ends a payload with the version and checksum.
func appendFooter(b []byte) []byte {
	b = append(b, rdbVersion, 0)
	sum := crc64Update(0, b)
	for i := 0; i < 8; i++ {
		b = append(b, byte(sum>>(8*i)))
	}
	return b
}

// Bad payloads give an error, never a panic; a good one encodes back to
// itself.
func FuzzDecodeFunctionsPayload(f *testing.F) {
	f.Add(EncodeFunctionsPayload([][]byte{[]byte(libraryOne), []byte(libraryTwo)}))
	f.Add(EncodeFunctionsPayload(nil))
	f.Add(appendFooter([]byte{rdbOpFunction, 0x03, 'l', 'i', 'b'}))
	f.Add(appendFooter([]byte{rdbOpFunction2, 0xc3, 0x05, 0x10, 0x00}))
	f.Add([]byte("short"))
	f.Fuzz(func(t *testing.T, payload []byte) {
		codes, err := DecodeFunctionsPayload(payload)
		if err != nil || len(payload) == 0 || payload[0] != rdbOpFunction2 {
			return
		}
		if again, err := DecodeFunctionsPayload(EncodeFunctionsPayload(codes)); err != nil || len(again) != len(codes) {
			t.Fatalf("re-encoded payload decodes to %d libraries, %v; want %d", len(again), err, len(codes))
		}
	})
}
