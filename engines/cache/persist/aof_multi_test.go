package persist

import (
	"errors"
	"strings"
	"testing"

	"syslab/engines/cache/resp"
)

func TestLoadAOFTransactions(t *testing.T) {
	cmd := func(words ...string) string {
		args := make([][]byte, len(words))
		for i, w := range words {
			args[i] = []byte(w)
		}
		return string(resp.AppendCommand(nil, args...))
	}
	whole := cmd("SELECT", "0") + cmd("SET", "a", "1") + cmd("MULTI") + cmd("SET", "b", "2") + cmd("SELECT", "3") +
		cmd("SET", "c", "3") + cmd("EXEC")
	open := cmd("MULTI") + cmd("SET", "d", "4")
	cases := []struct {
		name      string
		file      string
		want      string // applied commands, "db:args" joined by ";"
		wantSize  int
		corrupted bool
	}{
		{"complete", whole, "0:SET a 1;0:SET b 2;3:SET c 3", len(whole), false},
		{"unfinished at a command boundary", whole + open, "0:SET a 1;0:SET b 2;3:SET c 3", len(whole), false},
		{"torn inside a transaction", whole + open + "*3\r\n$3\r\nSET", "0:SET a 1;0:SET b 2;3:SET c 3", len(whole), false},
		{"only MULTI", cmd("MULTI"), "", 0, false},
		{"EXEC without MULTI", cmd("EXEC"), "", 0, true},
		{"nested MULTI", cmd("MULTI") + cmd("MULTI"), "", 0, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			disk := newMemDisk()
			f, _ := disk.Open(AOFName)
			f.Write([]byte(tc.file))
			var applied []string
			stats, err := LoadAOF(disk, AOFName, 16, func(db int, args [][]byte) error {
				words := make([]string, len(args))
				for i, a := range args {
					words[i] = string(a)
				}
				applied = append(applied, string(rune('0'+db))+":"+strings.Join(words, " "))
				return nil
			})
			if tc.corrupted {
				var corrupt *CorruptError
				if !errors.As(err, &corrupt) {
					t.Fatalf("err = %v, want a CorruptError", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(applied, ";"); got != tc.want {
				t.Fatalf("applied %q, want %q", got, tc.want)
			}
			if stats.SizeBytes != int64(tc.wantSize) || len(disk.files[AOFName].data) != tc.wantSize {
				t.Fatalf("size %d, file %d bytes, want %d", stats.SizeBytes, len(disk.files[AOFName].data), tc.wantSize)
			}
		})
	}
}
