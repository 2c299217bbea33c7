package persist

import (
	"errors"
	"sort"
	"strings"
	"testing"

	"syslab/engines/cache/resp"
	"syslab/node"
)

// memDisk is a minimal in-memory node.Disk; crash behaviour is tested in
// the cache package against the simulator's disk.
type memDisk struct{ files map[string]*memFile }

type memFile struct {
	name     string
	data     []byte
	writeErr error
}

func newMemDisk() *memDisk { return &memDisk{files: map[string]*memFile{}} }

func (d *memDisk) Open(name string) (node.File, error) {
	f, ok := d.files[name]
	if !ok {
		f = &memFile{name: name}
		d.files[name] = f
	}
	return f, nil
}
func (d *memDisk) Create(name string) (node.File, error) {
	d.files[name] = &memFile{name: name}
	return d.files[name], nil
}
func (d *memDisk) ReadFile(name string) ([]byte, error) {
	f, ok := d.files[name]
	if !ok {
		return nil, node.ErrNotExist
	}
	return append([]byte(nil), f.data...), nil
}
func (d *memDisk) Rename(o, n string) error { d.files[n] = d.files[o]; delete(d.files, o); return nil }
func (d *memDisk) Remove(name string) error { delete(d.files, name); return nil }
func (d *memDisk) List() ([]string, error) {
	var names []string
	for n := range d.files {
		names = append(names, n)
	}
	sort.Strings(names)
	return names, nil
}

func (f *memFile) Write(p []byte) (int, error) {
	if f.writeErr != nil {
		half := len(p) / 2 // a failed write may leave part of the data
		f.data = append(f.data, p[:half]...)
		return half, f.writeErr
	}
	f.data = append(f.data, p...)
	return len(p), nil
}
func (f *memFile) ReadAt(p []byte, off int64) (int, error)  { return copy(p, f.data[off:]), nil }
func (f *memFile) WriteAt(p []byte, off int64) (int, error) { return copy(f.data[off:], p), nil }
func (f *memFile) Sync() error                              { return nil }
func (f *memFile) Truncate(size int64) error                { f.data = f.data[:size]; return nil }
func (f *memFile) Size() int64                              { return int64(len(f.data)) }
func (f *memFile) Name() string                             { return f.name }
func (f *memFile) Close() error                             { return nil }

type applied struct {
	db   int
	args string
}

func load(t *testing.T, disk node.Disk) ([]applied, LoadStats, error) {
	t.Helper()
	var got []applied
	stats, err := LoadAOF(disk, AOFName, 16, func(db int, args [][]byte) error {
		var words []string
		for _, a := range args {
			words = append(words, string(a))
		}
		got = append(got, applied{db, strings.Join(words, " ")})
		return nil
	})
	return got, stats, err
}

func TestAppendAndLoad(t *testing.T) {
	disk := newMemDisk()
	aof, err := OpenAOF(disk, AOFName)
	if err != nil {
		t.Fatal(err)
	}
	aof.Append(0, []byte("SET"), []byte("k"), []byte("v"))
	aof.Append(0, []byte("DEL"), []byte("k"))
	aof.Append(3, []byte("SET"), []byte("x"), []byte("y"), []byte("PXAT"), []byte("1700000000000"))
	if err := aof.Flush(); err != nil {
		t.Fatal(err)
	}
	want := "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n*2\r\n$3\r\nDEL\r\n$1\r\nk\r\n" +
		"*2\r\n$6\r\nSELECT\r\n$1\r\n3\r\n*5\r\n$3\r\nSET\r\n$1\r\nx\r\n$1\r\ny\r\n$4\r\nPXAT\r\n$13\r\n1700000000000\r\n"
	if got := string(disk.files[AOFName].data); got != want {
		t.Fatalf("file = %q\nwant  %q", got, want)
	}
	got, stats, err := load(t, disk)
	if err != nil || stats.Commands != 5 || stats.TruncatedBytes != 0 {
		t.Fatalf("load: %v %+v", err, stats)
	}
	wantApplied := []applied{{0, "SET k v"}, {0, "DEL k"}, {3, "SET x y PXAT 1700000000000"}}
	if len(got) != len(wantApplied) {
		t.Fatalf("applied %v, want %v", got, wantApplied)
	}
	for i := range got {
		if got[i] != wantApplied[i] {
			t.Fatalf("applied %v, want %v", got, wantApplied)
		}
	}
}

func TestLoadTornTail(t *testing.T) {
	full := string(resp.AppendCommand(nil, []byte("SET"), []byte("a"), []byte("1"))) +
		string(resp.AppendCommand(nil, []byte("SET"), []byte("b"), []byte("22")))
	firstLen := len(resp.AppendCommand(nil, []byte("SET"), []byte("a"), []byte("1")))
	// Every strict prefix that cuts the second command is a torn tail.
	for cut := firstLen + 1; cut < len(full); cut++ {
		disk := newMemDisk()
		disk.files[AOFName] = &memFile{name: AOFName, data: []byte(full[:cut])}
		got, stats, err := load(t, disk)
		if err != nil || len(got) != 1 || stats.TruncatedBytes != int64(cut-firstLen) {
			t.Fatalf("cut at %d: %v %+v %v", cut, got, stats, err)
		}
		if len(disk.files[AOFName].data) != firstLen {
			t.Fatalf("cut at %d: file not truncated to %d bytes", cut, firstLen)
		}
	}
}

func TestLoadCorrupt(t *testing.T) {
	cases := []struct{ name, data, reason string }{
		{"garbage mid-file", "*1\r\n$4\r\nPING\r\nxyz\r\n*1\r\n$4\r\nPING\r\n", "at offset 14: expected '*', got 'x'"},
		{"bad bulk length", "*1\r\n$x\r\n*1\r\n$4\r\nPING\r\n", "at offset 0: ERR Protocol error: invalid bulk length"},
		{"bad select", "*2\r\n$6\r\nSELECT\r\n$2\r\n99\r\n", "at offset 0: invalid SELECT"},
	}
	for _, tc := range cases {
		disk := newMemDisk()
		disk.files[AOFName] = &memFile{name: AOFName, data: []byte(tc.data)}
		_, _, err := load(t, disk)
		var corrupt *CorruptError
		if !errors.As(err, &corrupt) || !strings.Contains(err.Error(), tc.reason) {
			t.Errorf("%s: err = %v, want a CorruptError containing %q", tc.name, err, tc.reason)
		}
		if string(disk.files[AOFName].data) != tc.data {
			t.Errorf("%s: a corrupt file was modified", tc.name)
		}
	}
}

// A failed write leaves half a command in the file; the next Flush cuts it
// away first, so the file never has garbage in the middle.
func TestFailedWriteIsCutBack(t *testing.T) {
	disk := newMemDisk()
	aof, _ := OpenAOF(disk, AOFName)
	f := disk.files[AOFName]
	aof.Append(0, []byte("SET"), []byte("a"), []byte("1"))
	if err := aof.Flush(); err != nil {
		t.Fatal(err)
	}
	f.writeErr = node.ErrIO
	aof.Append(0, []byte("SET"), []byte("b"), []byte("2"))
	if err := aof.Flush(); !errors.Is(err, node.ErrIO) {
		t.Fatalf("Flush = %v, want ErrIO", err)
	}
	f.writeErr = nil
	if err := aof.Flush(); err != nil {
		t.Fatal(err)
	}
	got, _, err := load(t, disk)
	if err != nil || len(got) != 2 || got[1].args != "SET b 2" {
		t.Fatalf("after a failed and retried write: %v, %v", got, err)
	}
}

func FuzzLoadAOF(f *testing.F) {
	f.Add([]byte("*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n"))
	f.Add([]byte("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n*3\r\n$3\r\nSET\r\n$1"))
	f.Add([]byte("*1\r\n$4\r\nPING\r\nxyz\r\n"))
	f.Add([]byte("*99999999\r\n"))
	f.Add([]byte("*0\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		disk := newMemDisk()
		disk.files[AOFName] = &memFile{name: AOFName, data: append([]byte(nil), data...)}
		stats, err := LoadAOF(disk, AOFName, 16, func(int, [][]byte) error { return nil })
		if err != nil {
			var corrupt *CorruptError
			if !errors.As(err, &corrupt) {
				t.Fatalf("load error is not a CorruptError: %v", err)
			}
			return
		}
		// A clean load leaves a file that loads again with nothing cut.
		if int64(len(disk.files[AOFName].data)) != stats.SizeBytes {
			t.Fatalf("file is %d bytes, stats say %d", len(disk.files[AOFName].data), stats.SizeBytes)
		}
		again, err := LoadAOF(disk, AOFName, 16, func(int, [][]byte) error { return nil })
		if err != nil || again.TruncatedBytes != 0 || again.Commands != stats.Commands {
			t.Fatalf("second load differs: %+v vs %+v, %v", again, stats, err)
		}
	})
}
