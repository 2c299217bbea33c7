package resp

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"
)

// outcome is what a parser made of a whole stream: its requests, and how
// the stream ended ("eof", "unexpected eof", or a protocol error's text).
type outcome struct {
	requests []string
	end      string
}

func readerOutcome(data []byte) outcome {
	r := NewReader(bufio.NewReaderSize(strings.NewReader(string(data)), 16))
	var o outcome
	for {
		args, err := r.ReadCommand()
		var pe *ProtocolError
		switch {
		case err == nil:
			o.requests = append(o.requests, string(AppendCommand(nil, args...)))
			continue
		case err == io.EOF:
			o.end = "eof"
		case errors.Is(err, io.ErrUnexpectedEOF):
			o.end = "unexpected eof"
		case errors.As(err, &pe):
			o.end = pe.Error()
		default:
			o.end = "other: " + err.Error()
		}
		return o
	}
}

// parseOutcome feeds data to ParseCommand as a socket would, in chunks
// ending at the given offsets, keeping the unparsed tail between reads.
func parseOutcome(data []byte, cuts []int) outcome { return parseOutcomeIn(data, cuts, nil) }

// parseOutcomeIn is parseOutcome with ParseCommandIn and arena. Each
// request's arguments are encoded again once the whole stream is parsed:
// a request parsed later must never overwrite an earlier one's.
func parseOutcomeIn(data []byte, cuts []int, arena *Arena) outcome {
	var o outcome
	var kept [][][]byte
	defer func() {
		for i, args := range kept {
			if again := string(AppendCommand(nil, args...)); again != o.requests[i] {
				o.end = fmt.Sprintf("request %d changed after parsing: %q, was %q", i, again, o.requests[i])
			}
		}
	}()
	var buf []byte
	from := 0
	for _, cut := range append(cuts, len(data)) {
		if cut < from || cut > len(data) {
			continue
		}
		buf = append(buf, data[from:cut]...)
		from = cut
		for {
			args, n, err := ParseCommandIn(buf, arena)
			var pe *ProtocolError
			if errors.As(err, &pe) {
				o.end = pe.Error()
				return o
			}
			if err != nil {
				o.end = "other: " + err.Error()
				return o
			}
			buf = buf[n:]
			if args == nil {
				break
			}
			o.requests = append(o.requests, string(AppendCommand(nil, args...)))
			kept = append(kept, args)
		}
	}
	o.end = "eof"
	if len(buf) > 0 {
		o.end = "unexpected eof"
	}
	return o
}

func TestParseCommand(t *testing.T) {
	for _, tc := range []struct {
		in       string
		requests int
		end      string
	}{
		{"", 0, "eof"},
		{"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n", 1, "eof"},
		{"*2\r\n$3\r\nGET\r\n$1\r\nk\r", 0, "unexpected eof"},
		{"*0\r\n*-1\r\n\r\n*1\r\n$4\r\nPING\r\nPING\r\n", 2, "eof"},
		{"\r\n\r\n", 0, "eof"},
		{"*20\r\n" + strings.Repeat("$2\r\nab\r\n", 20), 1, "eof"}, // past spansRemembered
		{"*x\r\n", 0, "ERR Protocol error: invalid multibulk length"},
		{"*1\r\n:1\r\n", 0, "ERR Protocol error: expected '$', got ':'"},
		{"*1\r\n\r\n", 0, "ERR Protocol error: expected '$', got '\r'"},
		{"*1\r\n$-2\r\n", 0, "ERR Protocol error: invalid bulk length"},
		{`"unbalanced` + "\r\n", 0, "ERR Protocol error: unbalanced quotes in request"},
		{strings.Repeat("a", InlineBytesMax+2), 0, "ERR Protocol error: too big inline request"},
		{"*" + strings.Repeat("1", InlineBytesMax+2), 0, "ERR Protocol error: too big mbulk count string"},
		{"*1\r\n$" + strings.Repeat("1", InlineBytesMax+2), 0, "ERR Protocol error: too big bulk count string"},
	} {
		got := parseOutcome([]byte(tc.in), nil)
		if len(got.requests) != tc.requests || got.end != tc.end {
			t.Errorf("ParseCommand(%.40q): %d requests, end %q; want %d, %q", tc.in, len(got.requests), got.end, tc.requests, tc.end)
		}
		if r := readerOutcome([]byte(tc.in)); r.end != got.end || strings.Join(r.requests, "|") != strings.Join(got.requests, "|") {
			t.Errorf("ReadCommand(%.40q) disagrees: %d requests, end %q", tc.in, len(r.requests), r.end)
		}
	}
}

// TestParseCommandLeavesPartialRequest checks the event loop's contract:
// the bytes of a request not yet whole are never consumed, and nothing is
// allocated for them.
func TestParseCommandLeavesPartialRequest(t *testing.T) {
	buf := []byte("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n*2\r\n$3\r\nGET\r\n$5\r\nke")
	args, n, err := ParseCommand(buf)
	if err != nil || len(args) != 2 || n != 20 {
		t.Fatalf("first: %q, %d, %v", args, n, err)
	}
	args, n, err = ParseCommand(buf[n:])
	if err != nil || args != nil || n != 0 {
		t.Fatalf("partial: %q, %d, %v; want nothing consumed", args, n, err)
	}
	if allocs := testing.AllocsPerRun(100, func() { ParseCommand(buf[20:]) }); allocs != 0 {
		t.Errorf("a partial request allocated %v times", allocs)
	}
}

// FuzzParseCommandMatchesReader holds ParseCommand to Reader.ReadCommand:
// fed the same stream in any chunking, it finds the same requests and
// ends the same way.
func FuzzParseCommandMatchesReader(f *testing.F) {
	for _, s := range []string{
		"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n", "SET k v\r\n", `SET "a\x41" 'b\'c'` + "\r\n",
		"*abc\r\n", "*1\r\nx\r\n", "*1\r\n$999999999\r\nab", "*-5\r\n", "\r\n\r\n",
		"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\nvv\r\n*1\r\n$4\r\nPING\r\n", `"unterminated`,
		"*1\n\r\n$1\r\nx\r\n", "*1\r\n$1\n\r\nx\r\n", "PING\nPING\r\n\n", "*1\r\n$0\r\n\r\n",
	} {
		f.Add([]byte(s), uint16(3))
	}
	f.Fuzz(func(t *testing.T, data []byte, step uint16) {
		want := readerOutcome(data)
		var cuts []int
		if step > 0 {
			for c := int(step); c < len(data); c += int(step) {
				cuts = append(cuts, c)
			}
		}
		for _, arena := range []*Arena{nil, new(Arena)} {
			got := parseOutcomeIn(data, cuts, arena)
			if got.end != want.end || strings.Join(got.requests, "|") != strings.Join(want.requests, "|") {
				t.Fatalf("stream %q in chunks of %d (arena %v):\nParseCommand: %q, end %q\nReadCommand:  %q, end %q",
					data, step, arena != nil, got.requests, got.end, want.requests, want.end)
			}
		}
	})
}

// TestParseCommandInArenaKeepsEarlierRequests parses enough requests to
// fill several arena chunks, of sizes on both sides of the arena's bounds,
// and checks every request's arguments are intact once all are parsed.
func TestParseCommandInArenaKeepsEarlierRequests(t *testing.T) {
	var stream []byte
	var want []string
	for i := range 3000 {
		key := strings.Repeat("k", i%300)
		args := [][]byte{[]byte("SET"), []byte(key + strconv.Itoa(i)), []byte("v" + strconv.Itoa(i))}
		if i%7 == 0 {
			for j := range 40 { // more arguments than one request takes from the arena
				args = append(args, []byte(strconv.Itoa(j)))
			}
		}
		enc := AppendCommand(nil, args...)
		stream = append(stream, enc...)
		want = append(want, string(enc))
	}
	var arena Arena
	var kept [][][]byte
	for len(stream) > 0 {
		args, n, err := ParseCommandIn(stream, &arena)
		if err != nil || args == nil {
			t.Fatalf("after %d requests: args %q, err %v", len(kept), args, err)
		}
		stream = stream[n:]
		kept = append(kept, args)
	}
	if len(kept) != len(want) {
		t.Fatalf("parsed %d requests, want %d", len(kept), len(want))
	}
	for i, args := range kept {
		if got := string(AppendCommand(nil, args...)); got != want[i] {
			t.Fatalf("request %d is %q after parsing the rest, want %q", i, got, want[i])
		}
		if cap(args) != len(args) || cap(args[0]) != len(args[0]) || cap(args[1]) != len(args[1]) {
			t.Fatalf("request %d: an append to its arguments would write into a neighbour's", i)
		}
	}
}

// After ReuseArgs the next requests' argument lists take the memory of
// the earlier ones, while the earlier arguments themselves stay intact.
func TestArenaReuseArgsKeepsArguments(t *testing.T) {
	var arena Arena
	first, _, err := ParseCommandIn(AppendCommand(nil, []byte("SET"), []byte("key1"), []byte("v1")), &arena)
	if err != nil {
		t.Fatal(err)
	}
	name, key, value := first[0], first[1], first[2]
	arena.ReuseArgs()
	second, _, err := ParseCommandIn(AppendCommand(nil, []byte("GET"), []byte("key2")), &arena)
	if err != nil {
		t.Fatal(err)
	}
	if &second[0] != &first[0] {
		t.Error("the second list did not reuse the first's memory")
	}
	if string(name) != "SET" || string(key) != "key1" || string(value) != "v1" {
		t.Errorf("arguments changed to %q %q %q", name, key, value)
	}
	if string(second[0]) != "GET" || string(second[1]) != "key2" {
		t.Errorf("second request parsed as %q", second)
	}
}

// A round of pipelined requests spans several chunks of argument slots;
// after ReuseArgs the next round takes all of them again (no list is
// allocated), and what was handed out is cleared so no stale list pins
// memory. Rounds longer than the kept chunks still parse correctly.
func TestArenaReuseArgsReusesEveryChunkOfARound(t *testing.T) {
	for _, requests := range []int{2400, argsChunksKeptMax*(arenaChunkArgs/3) + 500} {
		var round []byte
		for i := range requests {
			round = AppendCommand(round, []byte("SET"), []byte("k"+strconv.Itoa(i)), []byte("v"))
		}
		var arena Arena
		parseRound := func() [][][]byte {
			var lists [][][]byte
			for buf := round; len(buf) > 0; {
				args, n, err := ParseCommandIn(buf, &arena)
				if err != nil {
					t.Fatal(err)
				}
				lists = append(lists, args)
				buf = buf[n:]
			}
			return lists
		}
		first := parseRound()
		firstSlots := map[*[]byte]bool{}
		for _, args := range first {
			firstSlots[&args[0]] = true
		}
		arena.ReuseArgs()
		for _, chunk := range arena.argsChunks {
			for i, slot := range chunk {
				if slot != nil {
					t.Fatalf("%d requests: slot %d of a kept chunk still holds %q after ReuseArgs", requests, i, slot)
				}
			}
		}
		second := parseRound()
		reused := 0
		for i, args := range second {
			if firstSlots[&args[0]] {
				reused++
			}
			if got, want := string(args[1]), "k"+strconv.Itoa(i); got != want {
				t.Fatalf("%d requests: request %d has key %q, want %q", requests, i, got, want)
			}
		}
		kept := min(requests, argsChunksKeptMax*(arenaChunkArgs/3)) // a chunk holds whole lists only
		if reused != kept {
			t.Errorf("%d requests: %d lists reused the first round's memory, want %d", requests, reused, kept)
		}
	}
}

// BenchmarkParseCommandInGet parses redis-benchmark's GET requests with a
// reused arena, as the event loop does.
func BenchmarkParseCommandInGet(b *testing.B) {
	var stream []byte
	const requests = 16
	for i := range requests {
		stream = AppendCommand(stream, []byte("GET"), []byte(fmt.Sprintf("key:%012d", i)))
	}
	var arena Arena
	for b.Loop() {
		buf := stream
		for len(buf) > 0 {
			_, n, _ := ParseCommandIn(buf, &arena)
			buf = buf[n:]
		}
		arena.ReuseArgs()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*requests), "ns/request")
}

// indexCRLF finds what bytes.Index(b, "\r\n") finds, around the border of
// its short-line loop too.
func TestIndexCRLFMatchesBytesIndex(t *testing.T) {
	for n := range 40 {
		for at := -1; at < n; at++ {
			for _, lone := range []int{-1, 0, 15, 16, 17} {
				b := bytes.Repeat([]byte("x"), n)
				if lone >= 0 && lone < n {
					b[lone] = '\r'
				}
				if at >= 0 && at+1 < n {
					b[at], b[at+1] = '\r', '\n'
				}
				if got, want := indexCRLF(b), bytes.Index(b, []byte("\r\n")); got != want {
					t.Fatalf("indexCRLF(%q) = %d, want %d", b, got, want)
				}
			}
		}
	}
}

func FuzzIndexCRLF(f *testing.F) {
	f.Add([]byte("$3\r\n"))
	f.Add([]byte("0123456789abcdef\r\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, want := indexCRLF(b), bytes.Index(b, []byte("\r\n")); got != want {
			t.Fatalf("indexCRLF(%q) = %d, want %d", b, got, want)
		}
	})
}

func TestCheckUnauthenticated(t *testing.T) {
	for _, tc := range []struct {
		buf  string
		want string // "" for no error
	}{
		{"", ""},
		{"AUTH pw\r\n", ""},
		{"*2\r\n$4\r\nAUTH\r\n$2\r\npw\r\n", ""},
		{"*10\r\n", ""},
		{"*11\r\n", "ERR Protocol error: unauthenticated multibulk length"},
		{"*1\r\n$16384\r\n", ""},
		{"*1\r\n$16385\r\n", "ERR Protocol error: unauthenticated bulk length"},
		{"*2\r\n$1\r\nx\r\n$99999\r\n", "ERR Protocol error: unauthenticated bulk length"},
		{"*2\r\n$1\r\nx", ""},       // the rest has not arrived
		{"*2\r\n$-1\r\n$x\r\n", ""}, // malformed: the parser says so
	} {
		err := CheckUnauthenticated([]byte(tc.buf))
		if got := fmt.Sprint(err); (err == nil) != (tc.want == "") || (err != nil && got != tc.want) {
			t.Errorf("%q: %v, want %q", tc.buf, err, tc.want)
		}
	}
}

// FuzzCheckUnauthenticated: any bytes give an answer, never a panic, and
// no multibulk request it passes has more arguments than allowed (inline
// requests are bounded by their length alone, as in Redis).
func FuzzCheckUnauthenticated(f *testing.F) {
	for _, s := range []string{"*1\r\n$4\r\nPING\r\n", "*11\r\n", "*1\r\n$99999\r\n", "*2\r\n$1\r\nx\r\n$-7\r\n", "*-1\r\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := CheckUnauthenticated(data); err == nil {
			if args, _, perr := ParseCommand(data); perr == nil && len(data) > 0 && data[0] == '*' && len(args) > unauthenticatedArgsMax {
				t.Fatalf("%q passed with %d arguments", data, len(args))
			}
		}
	})
}
