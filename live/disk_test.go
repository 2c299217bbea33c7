package live

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"syscall"
	"testing"

	"syslab/node"
)

func newTestDisk(t *testing.T) *dirDisk {
	t.Helper()
	d, err := openDirDisk(filepath.Join(t.TempDir(), "node-data")) // not yet existing
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.closeAll)
	return d
}

func TestDiskRoundTrip(t *testing.T) {
	d := newTestDisk(t)
	f, err := d.Create("log.tmp")
	if err != nil {
		t.Fatal(err)
	}
	for _, chunk := range []string{"hello ", "world"} {
		if _, err := f.Write([]byte(chunk)); err != nil {
			t.Fatal(err)
		}
	}
	// WriteAt overwrites in place and Write keeps appending at the end.
	if _, err := f.WriteAt([]byte("J"), 6); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write([]byte("!")); err != nil {
		t.Fatal(err)
	}
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
	if f.Size() != 12 || f.Name() != "log.tmp" {
		t.Fatalf("Size, Name = %d, %q; want 12, log.tmp", f.Size(), f.Name())
	}
	buf := make([]byte, 5)
	if n, err := f.ReadAt(buf, 6); n != 5 || err != nil || string(buf) != "Jorld" {
		t.Fatalf("ReadAt = %d, %v, %q", n, err, buf)
	}
	if n, err := f.ReadAt(buf, 10); n != 2 || err != io.EOF {
		t.Fatalf("ReadAt past end = %d, %v; want 2, io.EOF", n, err)
	}
	if err := f.Truncate(5); err != nil || f.Size() != 5 {
		t.Fatalf("Truncate: %v, size %d", err, f.Size())
	}
	if _, err := f.Write([]byte("!")); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}

	if err := d.Rename("log.tmp", "log"); err != nil {
		t.Fatal(err)
	}
	got, err := d.ReadFile("log")
	if err != nil || string(got) != "hello!" {
		t.Fatalf("ReadFile = %q, %v; want hello!", got, err)
	}
	if _, err := d.ReadFile("log.tmp"); !errors.Is(err, node.ErrNotExist) {
		t.Fatalf("old name after Rename: err = %v, want ErrNotExist", err)
	}

	// Open keeps content and appends at the end.
	g, err := d.Open("log")
	if err != nil {
		t.Fatal(err)
	}
	if g.Size() != 6 {
		t.Fatalf("reopened size = %d, want 6", g.Size())
	}
	g.Write([]byte("?"))
	g.Close()
	if got, _ := d.ReadFile("log"); string(got) != "hello!?" {
		t.Fatalf("after append: %q", got)
	}

	if _, err := d.Create("b-other"); err != nil {
		t.Fatal(err)
	}
	// Files an operator left that a node could not have named are not listed.
	os.WriteFile(filepath.Join(d.root, "with space"), nil, 0o644)
	os.Mkdir(filepath.Join(d.root, "subdir"), 0o755)
	names, err := d.List()
	if err != nil || !reflect.DeepEqual(names, []string{"b-other", "log"}) {
		t.Fatalf("List = %v, %v; want [b-other log]", names, err)
	}
	if err := d.Remove("log"); err != nil {
		t.Fatal(err)
	}
	if err := d.Remove("log"); !errors.Is(err, node.ErrNotExist) {
		t.Fatalf("second Remove: err = %v, want ErrNotExist", err)
	}
	if names, _ := d.List(); !reflect.DeepEqual(names, []string{"b-other"}) {
		t.Fatalf("List after Remove = %v", names)
	}
}

func TestDiskErrors(t *testing.T) {
	d := newTestDisk(t)
	for _, bad := range []string{"", "..", "a/b/c", "../escape"} {
		if _, err := d.Open(bad); err == nil {
			t.Errorf("Open(%q) succeeded", bad)
		}
		if err := d.Rename("x", bad); err == nil {
			t.Errorf("Rename to %q succeeded", bad)
		}
	}
	if err := d.Rename("missing", "other"); !errors.Is(err, node.ErrNotExist) {
		t.Errorf("Rename of missing file: %v, want ErrNotExist", err)
	}
	f, _ := d.Create("f")
	f.Close()
	for name, op := range map[string]func() error{
		"Write": func() error { _, err := f.Write([]byte("x")); return err },
		"Sync":  f.Sync,
		"Close": f.Close,
	} {
		if err := op(); !errors.Is(err, node.ErrClosed) {
			t.Errorf("%s after Close: %v, want ErrClosed", name, err)
		}
	}
}

// A full device must surface as node.ErrNoSpace. /dev/full fails every
// write with ENOSPC, so a file name that points at it is a real full disk.
func TestDiskFullIsErrNoSpace(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full on this system")
	}
	d := newTestDisk(t)
	if err := os.Symlink("/dev/full", filepath.Join(d.root, "full")); err != nil {
		t.Fatal(err)
	}
	f, err := d.Open("full")
	if err != nil {
		t.Fatal(err)
	}
	n, err := f.Write([]byte("data"))
	if !errors.Is(err, node.ErrNoSpace) || n != 0 {
		t.Fatalf("Write = %d, %v; want 0, ErrNoSpace", n, err)
	}
	if f.Size() != 0 {
		t.Fatalf("size after failed write = %d, want 0", f.Size())
	}
}

func TestDiskErrorMapping(t *testing.T) {
	for _, tc := range []struct {
		osErr error
		cause error
		want  error
	}{
		{&os.PathError{Op: "write", Path: "p", Err: syscall.ENOSPC}, syscall.ENOSPC, node.ErrNoSpace},
		{&os.PathError{Op: "write", Path: "p", Err: syscall.EDQUOT}, syscall.EDQUOT, node.ErrNoSpace},
		{&os.PathError{Op: "fsync", Path: "p", Err: syscall.EIO}, syscall.EIO, node.ErrIO},
		{&os.PathError{Op: "open", Path: "p", Err: syscall.ENOENT}, syscall.ENOENT, node.ErrNotExist},
	} {
		err := diskError("write", "p", tc.osErr)
		if !errors.Is(err, tc.want) || !errors.Is(err, tc.cause) {
			t.Errorf("diskError(%v) = %v: want it to match %v and keep the cause", tc.osErr, err, tc.want)
		}
	}
}

func TestDiskReadFileSeesOnlyFile(t *testing.T) {
	d := newTestDisk(t)
	f, _ := d.Create("data")
	payload := bytes.Repeat([]byte("0123456789"), 10000)
	f.Write(payload)
	f.Sync()
	got, err := d.ReadFile("data")
	if err != nil || !bytes.Equal(got, payload) {
		t.Fatalf("ReadFile: %d bytes, %v; want %d bytes", len(got), err, len(payload))
	}
}

// A name "dir/file" is a real file in a subdirectory, made on first use;
// node.Sub shows that directory as a Disk of its own, as the cache keeps
// its AOF in appendonlydir/ like Redis 7.
func TestDiskSubdirectory(t *testing.T) {
	d := newTestDisk(t)
	aof := node.Sub(d, "appendonlydir")
	f, err := aof.Create("appendonly.aof.1.incr.aof")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write([]byte("*1\r\n$4\r\nPING\r\n")); err != nil || f.Sync() != nil || f.Name() != "appendonly.aof.1.incr.aof" {
		t.Fatalf("write in the subdirectory: %v, name %q", err, f.Name())
	}
	f.Close()
	onDisk, err := os.ReadFile(filepath.Join(d.root, "appendonlydir", "appendonly.aof.1.incr.aof"))
	if err != nil || string(onDisk) != "*1\r\n$4\r\nPING\r\n" {
		t.Fatalf("the real file: %q, %v", onDisk, err)
	}
	// Renames cross between the root and the subdirectory (an upgrade
	// moves a flat AOF in).
	if err := os.WriteFile(filepath.Join(d.root, "appendonly.aof.manifest"), []byte("m"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := d.Rename("appendonly.aof.manifest", "appendonlydir/appendonly.aof.manifest"); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(d.root, "dump.rdb"), nil, 0o644)
	os.MkdirAll(filepath.Join(d.root, "appendonlydir", "deeper"), 0o755) // not the node's
	if all, err := d.List(); err != nil || !reflect.DeepEqual(all, []string{"appendonlydir/appendonly.aof.1.incr.aof", "appendonlydir/appendonly.aof.manifest", "dump.rdb"}) {
		t.Fatalf("List = %q, %v", all, err)
	}
	if names, err := aof.List(); err != nil || !reflect.DeepEqual(names, []string{"appendonly.aof.1.incr.aof", "appendonly.aof.manifest"}) {
		t.Fatalf("the subdirectory's List = %q, %v", names, err)
	}
	if err := aof.Remove("appendonly.aof.manifest"); err != nil {
		t.Fatal(err)
	}
	if _, err := aof.ReadFile("appendonly.aof.manifest"); !errors.Is(err, node.ErrNotExist) {
		t.Fatalf("ReadFile of a removed file: %v", err)
	}
	if _, err := aof.Open("a/b"); err == nil {
		t.Fatal("a subdirectory reached a second level")
	}
}
