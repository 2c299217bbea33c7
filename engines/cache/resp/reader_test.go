package resp

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
)

func readAll(t *testing.T, input string) ([][]string, error) {
	t.Helper()
	r := NewReader(bufio.NewReader(strings.NewReader(input)))
	var commands [][]string
	for {
		args, err := r.ReadCommand()
		if err != nil {
			if err == io.EOF {
				return commands, nil
			}
			return commands, err
		}
		var strs []string
		for _, a := range args {
			strs = append(strs, string(a))
		}
		commands = append(commands, strs)
	}
}

func TestReadCommand(t *testing.T) {
	cases := []struct {
		name    string
		input   string
		want    [][]string
		wantErr string // exact error text; "" for none
	}{
		{"multibulk", "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n", [][]string{{"GET", "k"}}, ""},
		{"pipelined", "*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$0\r\n\r\n", [][]string{{"PING"}, {"ECHO", ""}}, ""},
		{"binary bulk", "*1\r\n$4\r\na\r\nb\r\n", [][]string{{"a\r\nb"}}, ""},
		{"empty multibulk skipped", "*0\r\n*-1\r\n*1\r\n$1\r\nx\r\n", [][]string{{"x"}}, ""},
		{"inline", "SET k v\r\n", [][]string{{"SET", "k", "v"}}, ""},
		{"inline bare LF", "PING\n", [][]string{{"PING"}}, ""},
		{"inline blank lines skipped", "\r\n   \r\nPING\r\n", [][]string{{"PING"}}, ""},
		{"inline double quotes", `SET "a b" "\x41\n\"q\""` + "\r\n", [][]string{{"SET", "a b", "A\n\"q\""}}, ""},
		{"inline single quotes", `SET 'it\'s' ''` + "\r\n", [][]string{{"SET", "it's", ""}}, ""},
		{"inline quote mid-word", `a"b c"d` + "\r\n", nil, "ERR Protocol error: unbalanced quotes in request"},
		{"inline unbalanced", `SET "a` + "\r\n", nil, "ERR Protocol error: unbalanced quotes in request"},
		{"inline unbalanced single", `SET 'a` + "\r\n", nil, "ERR Protocol error: unbalanced quotes in request"},
		{"bad multibulk length", "*abc\r\n", nil, "ERR Protocol error: invalid multibulk length"},
		{"multibulk length over bound", "*1048577\r\n", nil, "ERR Protocol error: invalid multibulk length"},
		{"multibulk length leading plus", "*+1\r\n", nil, "ERR Protocol error: invalid multibulk length"},
		{"expected dollar", "*1\r\nx\r\n", nil, "ERR Protocol error: expected '$', got 'x'"},
		{"bad bulk length", "*1\r\n$abc\r\n", nil, "ERR Protocol error: invalid bulk length"},
		{"negative bulk length", "*1\r\n$-1\r\n", nil, "ERR Protocol error: invalid bulk length"},
		{"bulk length over bound", "*1\r\n$536870913\r\n", nil, "ERR Protocol error: invalid bulk length"},
		{"too big inline", strings.Repeat("a", InlineBytesMax+10), nil, "ERR Protocol error: too big inline request"},
		{"too big mbulk count", "*" + strings.Repeat("1", InlineBytesMax+10), nil, "ERR Protocol error: too big mbulk count string"},
		{"truncated bulk", "*1\r\n$5\r\nab", nil, io.ErrUnexpectedEOF.Error()},
		{"truncated header", "*2\r\n$1\r\na\r\n", nil, io.ErrUnexpectedEOF.Error()},
		{"truncated inline", "PING", nil, io.ErrUnexpectedEOF.Error()},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := readAll(t, tc.input)
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				var pe *ProtocolError
				if !errors.Is(err, io.ErrUnexpectedEOF) && !errors.As(err, &pe) {
					t.Fatalf("err %T is neither a ProtocolError nor ErrUnexpectedEOF", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error %v", err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
			for i := range got {
				if strings.Join(got[i], "\x00") != strings.Join(tc.want[i], "\x00") || len(got[i]) != len(tc.want[i]) {
					t.Fatalf("command %d = %q, want %q", i, got[i], tc.want[i])
				}
			}
		})
	}
}

// A client may declare a 512 MB argument and send three bytes; the reader
// must not allocate the declared size.
func TestReadCommandDoesNotTrustDeclaredLengths(t *testing.T) {
	inputs := []string{
		"*1\r\n$536870912\r\nabc",
		"*1048576\r\n$1\r\na\r\n",
	}
	for _, input := range inputs {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		_, err := readAll(t, input)
		runtime.ReadMemStats(&after)
		if !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("%q: err = %v, want unexpected EOF", input[:12], err)
		}
		allocatedBytes := after.TotalAlloc - before.TotalAlloc
		if allocatedBytes > 1<<20 {
			t.Errorf("%q: allocated %d bytes for a few bytes of input", input[:12], allocatedBytes)
		}
	}
}

func TestReadCommandLargeBulk(t *testing.T) {
	payload := strings.Repeat("x", 3<<20)
	input := "*2\r\n$3\r\nSET\r\n$" + strconv.Itoa(len(payload)) + "\r\n" + payload + "\r\n"
	got, err := readAll(t, input)
	if err != nil || len(got) != 1 || got[0][1] != payload {
		t.Fatalf("large bulk not read back: err=%v", err)
	}
}

func TestParseInt(t *testing.T) {
	cases := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"0", 0, true}, {"42", 42, true}, {"-7", -7, true},
		{"9223372036854775807", 1<<63 - 1, true}, {"-9223372036854775808", -1 << 63, true},
		{"9223372036854775808", 0, false}, {"-9223372036854775809", 0, false},
		{"", 0, false}, {"-", 0, false}, {"+1", 0, false}, {" 1", 0, false}, {"01", 0, false},
		{"-0", 0, false}, {"1a", 0, false}, {"99999999999999999999", 0, false},
	}
	for _, tc := range cases {
		got, ok := ParseInt([]byte(tc.in))
		if got != tc.want || ok != tc.ok {
			t.Errorf("ParseInt(%q) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func FuzzReadCommand(f *testing.F) {
	seeds := []string{
		"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n", "SET k v\r\n", `SET "a\x41" 'b\'c'` + "\r\n",
		"*abc\r\n", "*1\r\nx\r\n", "*1\r\n$999999999\r\nab", "*-5\r\n", "\r\n\r\n",
		"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\nvv\r\n*1\r\n$4\r\nPING\r\n", `"unterminated`,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r := NewReader(bufio.NewReaderSize(strings.NewReader(string(data)), 16))
		for range 1000 {
			args, err := r.ReadCommand()
			if err != nil {
				var pe *ProtocolError
				if err != io.EOF && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.As(err, &pe) {
					t.Fatalf("unexpected error type %T: %v", err, err)
				}
				return
			}
			if len(args) == 0 {
				t.Fatal("ReadCommand returned an empty command")
			}
			// What we parsed re-encodes to something that parses back the same.
			again := NewReader(bufio.NewReader(strings.NewReader(string(AppendCommand(nil, args...)))))
			round, err := again.ReadCommand()
			if err != nil || len(round) != len(args) {
				t.Fatalf("round trip of %q failed: %v", args, err)
			}
			for i := range args {
				if string(round[i]) != string(args[i]) {
					t.Fatalf("round trip changed arg %d: %q → %q", i, args[i], round[i])
				}
			}
		}
	})
}

func TestCommandBuffered(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"", false},
		{"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n", true},
		{"*2\r\n$3\r\nGET\r\n$1\r\nk\r", false},
		{"*2\r\n$3\r\nGET\r\n", false},
		{"*2\r\n$3\r\nGET\r\n$1", false},
		{"*2\r", false},
		{"*0\r\n", false},
		{"*0\r\n*-1\r\n*1\r\n$4\r\nPING\r\n", true},
		{"PING\r\n", true},
		{"PING", false},
		{"\r\n\r\n", false},
		{"\r\nPING\n", true},
		{"*x\r\n", false},
		{"*1\r\n:1\r\n", false},
		{`"unbalanced` + "\r\n", false},
	} {
		r := NewReader(bufio.NewReaderSize(strings.NewReader(tc.in), 64))
		r.br.Peek(len(tc.in)) // fill the buffer, as a socket read would
		if got := r.CommandBuffered(); got != tc.want {
			t.Errorf("CommandBuffered(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

// FuzzCommandBuffered checks the promise a server relies on: when
// CommandBuffered says a request is buffered, ReadCommand returns one
// without touching the stream (here: the stream has nothing more).
func FuzzCommandBuffered(f *testing.F) {
	for _, s := range []string{
		"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n", "SET k v\r\n", "*0\r\n*1\r\n$1\r\nx\r\n", "*1\r\n$2\r\nab",
		"\r\n\r\nPING\r\n", "*1\r\n$-1\r\n", "*1\n\r\n$1\r\nx\r\n", `"a" 'b` + "\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 4096 {
			return
		}
		r := NewReader(bufio.NewReaderSize(strings.NewReader(string(data)), 4096))
		r.br.Peek(len(data))
		if !r.CommandBuffered() {
			return
		}
		args, err := r.ReadCommand()
		if err != nil || len(args) == 0 {
			t.Fatalf("CommandBuffered(%q) = true but ReadCommand = %q, %v", data, args, err)
		}
	})
}

// readAllFrom reads commands until an error, rendering each command and
// the final error, for comparing two ways of reading the same bytes.
func readAllFrom(r *Reader) []string {
	var got []string
	for range 10000 {
		args, err := r.ReadCommand()
		if err != nil {
			return append(got, "error: "+err.Error())
		}
		got = append(got, fmt.Sprintf("%q", args))
	}
	return got
}

// FuzzReadCommandBuffered checks ReadCommand's fast path for requests
// already whole in the buffer against the general path: the same bytes
// read through a large buffer (fast path) and one byte per read (the
// buffer never holds a whole request, so only the general path runs) give
// the same commands and the same error.
func FuzzReadCommandBuffered(f *testing.F) {
	for _, s := range []string{
		"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3\r\nxxx\r\n",
		"*1\r\n$0\r\n\r\n", "*0\r\n*1\r\n$4\r\nPING\r\n", "*-1\r\nPING\r\n", "*01\r\n$1\r\na\r\n",
		"*1\r\n$01\r\na\r\n", "*1\r\n$-1\r\n", "*1\r\n$1\r\nabc", "*1\r\n$1\nx\r\n", "*1\r\r\n$1\r\na\r\n",
		"*2\r\n$1\r\na\r\n:1\r\n", "*1\r\n$1234567890\r\nab", "*1048577\r\n", "*1\r\n$3\r\nabcde\r\n",
		"*1\r\n$3\r\nab", "*1\r\n$536870913\r\n", "*1\r\n$+1\r\na\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fast := readAllFrom(NewReader(bufio.NewReaderSize(bytes.NewReader(data), 64<<10)))
		slow := readAllFrom(NewReader(bufio.NewReader(iotest.OneByteReader(bytes.NewReader(data)))))
		if strings.Join(fast, "\n") != strings.Join(slow, "\n") {
			t.Fatalf("input %q:\nbuffered: %q\none byte at a time: %q", data, fast, slow)
		}
	})
}

// TestReadCommandBufferedBodies: a body parsed in place is a copy the
// caller owns, exactly as long as the argument.
func TestReadCommandBufferedBodies(t *testing.T) {
	input := "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3\r\nxxx\r\n*1\r\n$4\r\nPING\r\n"
	r := NewReader(bufio.NewReader(strings.NewReader(input)))
	args, err := r.ReadCommand()
	if err != nil || len(args) != 3 {
		t.Fatalf("ReadCommand = %q, %v", args, err)
	}
	if _, err := r.ReadCommand(); err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"SET", "k", "xxx"} {
		if string(args[i]) != want || cap(args[i]) != len(want) {
			t.Errorf("arg %d = %q (cap %d), want %q (cap %d)", i, args[i], cap(args[i]), want, len(want))
		}
	}
}
