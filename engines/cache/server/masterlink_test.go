package server

import (
	"bufio"
	"io"
	"net"
	"strings"
	"testing"

	"syslab/engines/cache"
	"syslab/engines/cache/resp"
)

func TestWholeCommandsKeepsTransactionsTogether(t *testing.T) {
	set := "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n"
	multi := "*1\r\n$5\r\nMULTI\r\n"
	exec := "*1\r\n$4\r\nEXEC\r\n"
	for _, tc := range []struct {
		name, buf string
		want      int
	}{
		{"empty", "", 0},
		{"one command", set, len(set)},
		{"a command and half of the next", set + set[:7], len(set)},
		{"an open transaction waits for its EXEC", set + multi + set, len(set)},
		{"a whole transaction", set + multi + set + set + exec, len(set+multi+set+set) + len(exec)},
		{"blank lines between commands", set + "\r\n" + set, 2*len(set) + 2},
	} {
		got, err := wholeCommands([]byte(tc.buf))
		if err != nil || got != tc.want {
			t.Errorf("%s: %d, %v; want %d", tc.name, got, err, tc.want)
		}
	}
	if _, err := wholeCommands([]byte("*1\r\n$x\r\n")); err == nil {
		t.Error("a malformed stream was taken as commands")
	}
}

var replID40 = strings.Repeat("7", 40)

func TestReadPSYNCAnswer(t *testing.T) {
	mark := strings.Repeat("m", 40)
	for _, tc := range []struct {
		name, wire string
		asked      cache.ReplSync
		want       psyncAnswer
		err        string
	}{
		{"sized snapshot after keepalives", "\n\n+FULLRESYNC " + replID40 + " 12\r\n\n$5\r\nREDIS*1\r\n", cache.ReplSync{ReplID: "?"},
			psyncAnswer{full: true, replID: replID40, offset: 12, payload: []byte("REDIS")}, ""},
		{"diskless snapshot", "+FULLRESYNC " + replID40 + " 0\r\n$EOF:" + mark + "\r\nREDIS-bytes" + mark, cache.ReplSync{ReplID: "?"},
			psyncAnswer{full: true, replID: replID40, offset: 0, payload: []byte("REDIS-bytes")}, ""},
		{"continue", "+CONTINUE\r\n", cache.ReplSync{ReplID: replID40, Offset: 99},
			psyncAnswer{replID: replID40, offset: 99}, ""},
		{"continue under a new history", "+CONTINUE " + strings.Repeat("8", 40) + "\r\n", cache.ReplSync{ReplID: replID40, Offset: 99},
			psyncAnswer{replID: strings.Repeat("8", 40), offset: 99}, ""},
		{"refused for now", "-NOMASTERLINK Can't SYNC while not connected with my master\r\n", cache.ReplSync{ReplID: "?"},
			psyncAnswer{}, "Master is currently unable to PSYNC"},
		{"short snapshot", "+FULLRESYNC " + replID40 + " 0\r\n$10\r\nREDIS", cache.ReplSync{ReplID: "?"},
			psyncAnswer{}, "reading the snapshot"},
		{"not a bulk", "+FULLRESYNC " + replID40 + " 0\r\n+OK\r\n", cache.ReplSync{ReplID: "?"},
			psyncAnswer{}, "Bad protocol from MASTER"},
		{"continue to a full sync request", "+CONTINUE\r\n", cache.ReplSync{ReplID: "?"},
			psyncAnswer{}, "asked for a full one"},
	} {
		got, err := readAnswerFrom(tc.wire, tc.asked)
		switch {
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%s: error %v, want one saying %q", tc.name, err, tc.err)
		case tc.err == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.err == "" && (got.full != tc.want.full || got.replID != tc.want.replID || got.offset != tc.want.offset || string(got.payload) != string(tc.want.payload)):
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

// readAnswerFrom plays wire as the master's side of a connection and
// reads PSYNC's answer from it.
func readAnswerFrom(wire string, asked cache.ReplSync) (psyncAnswer, error) {
	ours, master := net.Pipe()
	defer ours.Close()
	go func() {
		io.WriteString(master, wire)
		master.Close()
	}()
	return readPSYNCAnswer(ours, bufio.NewReader(ours), asked)
}

// FuzzMasterReplies feeds arbitrary bytes as a master's answer to PSYNC
// and its stream: the replica's reader must give an answer or an error,
// never panic or allocate what the bytes merely announce, and the stream
// prefix it would hand the node must be whole commands.
func FuzzMasterReplies(f *testing.F) {
	for _, seed := range []string{
		"+FULLRESYNC " + replID40 + " 0\r\n$5\r\nREDIS*1\r\n$4\r\nPING\r\n*1\r\n$5\r\nMULTI\r\n",
		"+FULLRESYNC " + replID40 + " 0\r\n$EOF:" + strings.Repeat("e", 40) + "\r\nRDB" + strings.Repeat("e", 40),
		"+CONTINUE\r\n*2\r\n$6\r\nSELECT\r\n$1\r\n9\r\n",
		"+CONTINUE " + replID40 + "\r\n*3\r\n$8\r\nREPLCONF\r\n$6\r\nGETACK\r\n$1\r\n*\r\n",
		"+FULLRESYNC " + replID40 + " 0\r\n$99999999999\r\n",
		"-LOADING Redis is loading the dataset in memory\r\n",
		"\n\n\n",
	} {
		f.Add([]byte(seed), false)
		f.Add([]byte(seed), true)
	}
	f.Fuzz(func(t *testing.T, wire []byte, continuing bool) {
		asked := cache.ReplSync{ReplID: "?", Offset: -1}
		if continuing {
			asked = cache.ReplSync{ReplID: replID40, Offset: 10}
		}
		ours, master := net.Pipe()
		defer ours.Close()
		go func() {
			master.Write(wire)
			master.Close()
		}()
		br := bufio.NewReader(ours)
		answer, err := readPSYNCAnswer(ours, br, asked)
		if err != nil {
			return
		}
		if len(answer.replID) != replIDBytes || answer.offset < 0 {
			t.Fatalf("answer %+v from %q", answer, wire)
		}
		rest, _ := io.ReadAll(br)
		n, _ := wholeCommands(rest)
		if n < 0 || n > len(rest) {
			t.Fatalf("wholeCommands = %d of %d bytes", n, len(rest))
		}
		for pos := 0; pos < n; {
			args, used, err := resp.ParseCommand(rest[pos:n])
			if err != nil || used == 0 || (args == nil && pos+used < n) {
				t.Fatalf("the prefix %q is not whole commands at %d: %v", rest[:n], pos, err)
			}
			pos += used
		}
	})
}
