package sim

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"time"

	"syslab/node"
)

// diskNode writes what the test says through its own Env.Disk.
func diskWorld(seed uint64, cfg DiskConfig) (*World, func(fn func(d node.Disk))) {
	w := New(Config{Seed: seed, Disk: cfg})
	w.AddNode("n", script(w, nil, nil))
	w.Run(0)
	do := func(fn func(d node.Disk)) {
		w.At(w.Now(), func() { fn(scriptOf(w, "n").env.Disk()) })
		w.Run(w.Now())
	}
	return w, do
}

func mustAppend(t *testing.T, d node.Disk, name, data string, sync bool) {
	t.Helper()
	f, err := d.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write([]byte(data)); err != nil {
		t.Fatal(err)
	}
	if sync {
		if err := f.Sync(); err != nil {
			t.Fatal(err)
		}
	}
}

func fileContent(t *testing.T, w *World, name string) string {
	t.Helper()
	b, err := w.Disk("n").ReadFile(name)
	if err != nil {
		t.Fatalf("ReadFile(%q): %v", name, err)
	}
	return string(b)
}

func TestCrashAndKill(t *testing.T) {
	const seed = 31
	cases := []struct {
		name  string
		fault func(w *World)
		want  string
	}{
		{"crash keeps only synced data", func(w *World) { w.Crash("n") }, "synced;"},
		{"kill keeps written data", func(w *World) { w.Kill("n") }, "synced;written;"},
		{"restart of an up node keeps written data", func(w *World) { w.Restart("n") }, "synced;written;"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w, do := diskWorld(seed, DiskConfig{})
			do(func(d node.Disk) {
				mustAppend(t, d, "aof", "synced;", true)
				mustAppend(t, d, "aof", "written;", false)
				mustAppend(t, d, "fresh", "never synced", false)
			})
			old := scriptOf(w, "n")
			c.fault(w)
			w.Restart("n")
			w.Run(w.Now() + time.Millisecond)
			if got := fileContent(t, w, "aof"); got != c.want {
				t.Errorf("aof = %q, want %q", got, c.want)
			}
			if now := scriptOf(w, "n"); now == old || len(now.received) != 0 {
				t.Error("memory survived the fault")
			}
			// Creating a file is durable at once, even if its data is not.
			if _, err := w.Disk("n").ReadFile("fresh"); err != nil {
				t.Errorf("created file lost: %v", err)
			}
		})
	}
}

func TestTornWriteKeepsAPrefix(t *testing.T) {
	const unsynced = "0123456789abcdefghijklmnopqrstuvwxyz"
	lengths := map[int]bool{}
	for seed := uint64(1); seed <= 20; seed++ {
		w, do := diskWorld(seed, DiskConfig{TornWrites: true})
		do(func(d node.Disk) {
			mustAppend(t, d, "aof", "base|", true)
			mustAppend(t, d, "aof", unsynced, false)
		})
		w.Crash("n")
		got := fileContent(t, w, "aof")
		if !bytes.HasPrefix([]byte("base|"+unsynced), []byte(got)) || len(got) < len("base|") {
			t.Fatalf("seed %d: after a torn write the file is %q, want the synced part plus a prefix of the rest", seed, got)
		}
		lengths[len(got)] = true
	}
	if len(lengths) < 5 {
		t.Errorf("20 seeds kept only %d distinct lengths; torn writes should keep random prefixes", len(lengths))
	}
}

func TestWritebackMakesDataDurable(t *testing.T) {
	const seed = 32
	cases := []struct {
		crashAt time.Duration
		want    string
	}{
		{29 * time.Second, ""},
		{31 * time.Second, "dirty"},
	}
	for _, c := range cases {
		w, do := diskWorld(seed, DiskConfig{Writeback: 30 * time.Second})
		do(func(d node.Disk) { mustAppend(t, d, "f", "dirty", false) })
		w.At(c.crashAt, func() { w.Crash("n") })
		w.Run(time.Minute)
		if got := fileContent(t, w, "f"); got != c.want {
			t.Errorf("crash at %v: file = %q, want %q", c.crashAt, got, c.want)
		}
	}
	// Data dirtied after a sync gets its own writeback.
	w, do := diskWorld(seed, DiskConfig{Writeback: 30 * time.Second})
	do(func(d node.Disk) { mustAppend(t, d, "f", "a", true) })
	w.Run(10 * time.Second)
	do(func(d node.Disk) { mustAppend(t, d, "f", "b", false) })
	w.Run(45 * time.Second)
	if got, _ := w.Disk("n").DurableFile("f"); string(got) != "ab" {
		t.Errorf("durable content %q, want %q 30s after the second write", got, "ab")
	}
}

func TestDiskFaults(t *testing.T) {
	const seed = 33
	t.Run("EIO on write stores nothing", func(t *testing.T) {
		w, do := diskWorld(seed, DiskConfig{})
		w.SetDiskFault("n", DiskFault{WriteErrorRate: 1})
		do(func(d node.Disk) {
			f, _ := d.Open("f")
			if _, err := f.Write([]byte("x")); !errors.Is(err, node.ErrIO) {
				t.Errorf("write error = %v, want ErrIO", err)
			}
		})
		if got := fileContent(t, w, "f"); got != "" {
			t.Errorf("failed write stored %q", got)
		}
	})
	t.Run("EIO on sync leaves data volatile", func(t *testing.T) {
		w, do := diskWorld(seed, DiskConfig{})
		w.SetDiskFault("n", DiskFault{SyncErrorRate: 1})
		do(func(d node.Disk) {
			f, _ := d.Open("f")
			f.Write([]byte("x"))
			if err := f.Sync(); !errors.Is(err, node.ErrIO) {
				t.Errorf("sync error = %v, want ErrIO", err)
			}
		})
		w.Crash("n")
		if got := fileContent(t, w, "f"); got != "" {
			t.Errorf("data of a failed sync survived a crash: %q", got)
		}
	})
	t.Run("EIO on read, then cleared", func(t *testing.T) {
		w, do := diskWorld(seed, DiskConfig{})
		do(func(d node.Disk) { mustAppend(t, d, "f", "data", true) })
		w.SetDiskFault("n", DiskFault{ReadErrorRate: 1})
		do(func(d node.Disk) {
			if _, err := d.ReadFile("f"); !errors.Is(err, node.ErrIO) {
				t.Errorf("read error = %v, want ErrIO", err)
			}
		})
		w.SetDiskFault("n", DiskFault{})
		do(func(d node.Disk) {
			if b, err := d.ReadFile("f"); err != nil || string(b) != "data" {
				t.Errorf("after clearing the fault ReadFile = %q, %v", b, err)
			}
		})
	})
	t.Run("Full refuses growth but allows overwrite", func(t *testing.T) {
		w, do := diskWorld(seed, DiskConfig{})
		do(func(d node.Disk) { mustAppend(t, d, "f", "abc", true) })
		w.SetDiskFault("n", DiskFault{Full: true})
		do(func(d node.Disk) {
			f, _ := d.Open("f")
			if _, err := f.Write([]byte("d")); !errors.Is(err, node.ErrNoSpace) {
				t.Errorf("append on a full disk: %v, want ErrNoSpace", err)
			}
			if _, err := f.WriteAt([]byte("X"), 0); err != nil {
				t.Errorf("overwrite on a full disk: %v", err)
			}
		})
		if got := fileContent(t, w, "f"); got != "Xbc" {
			t.Errorf("file = %q, want %q", got, "Xbc")
		}
	})
	t.Run("capacity", func(t *testing.T) {
		w, do := diskWorld(seed, DiskConfig{CapacityBytes: 10})
		do(func(d node.Disk) {
			mustAppend(t, d, "a", "123456", false)
			f, _ := d.Open("b")
			if _, err := f.Write([]byte("12345")); !errors.Is(err, node.ErrNoSpace) {
				t.Errorf("write beyond capacity: %v, want ErrNoSpace", err)
			}
			if _, err := f.Write([]byte("1234")); err != nil {
				t.Errorf("write within capacity: %v", err)
			}
			if err := d.Remove("a"); err != nil {
				t.Fatal(err)
			}
			if _, err := f.Write([]byte("12345")); err != nil {
				t.Errorf("write after freeing space: %v", err)
			}
		})
		if used := w.Disk("n").UsedBytes(); used != 9 {
			t.Errorf("UsedBytes = %d, want 9", used)
		}
	})
}

func TestFileSemantics(t *testing.T) {
	const seed = 34
	w, do := diskWorld(seed, DiskConfig{})
	do(func(d node.Disk) {
		f, err := d.Create("f")
		if err != nil {
			t.Fatal(err)
		}
		f.Write([]byte("hello"))
		f.WriteAt([]byte("J"), 0)
		f.WriteAt([]byte("!"), 7) // leaves a zero-filled gap
		buf := make([]byte, 10)
		n, err := f.ReadAt(buf, 0)
		if n != 8 || err != io.EOF || string(buf[:n]) != "Jello\x00\x00!" {
			t.Errorf("ReadAt = %d %v %q", n, err, buf[:n])
		}
		if err := f.Truncate(2); err != nil || f.Size() != 2 {
			t.Errorf("Truncate: %v, size %d", err, f.Size())
		}
		f.Sync()
		if err := d.Rename("f", "g"); err != nil {
			t.Fatal(err)
		}
		if _, err := d.ReadFile("f"); !errors.Is(err, node.ErrNotExist) {
			t.Errorf("old name after rename: %v, want ErrNotExist", err)
		}
		if names, _ := d.List(); len(names) != 1 || names[0] != "g" {
			t.Errorf("List = %v, want [g]", names)
		}
		for _, bad := range []string{"", "../etc", "a/b/c"} {
			if _, err := d.Open(bad); err == nil {
				t.Errorf("Open(%q) accepted a bad name", bad)
			}
		}
		f.Close()
		if _, err := f.Write([]byte("x")); !errors.Is(err, node.ErrClosed) {
			t.Errorf("write after Close: %v, want ErrClosed", err)
		}
	})
	if got := fileContent(t, w, "g"); got != "Je" {
		t.Errorf("renamed file = %q, want %q", got, "Je")
	}
	// Files opened by a dead incarnation are closed.
	var stale node.File
	do(func(d node.Disk) { stale, _ = d.Open("g") })
	w.Kill("n")
	if _, err := stale.Write([]byte("x")); !errors.Is(err, node.ErrClosed) {
		t.Errorf("write by a dead incarnation: %v, want ErrClosed", err)
	}
}

// A subdirectory (node.Sub) is names with a prefix on the simulated disk:
// its files have the same crash semantics as any other.
func TestSubdirectoryFiles(t *testing.T) {
	w, do := diskWorld(7, DiskConfig{})
	do(func(d node.Disk) {
		sub := node.Sub(d, "appendonlydir")
		mustAppend(t, sub, "incr.aof", "synced;", true)
		mustAppend(t, sub, "incr.aof", "lost;", false)
	})
	w.Crash("n")
	w.Restart("n")
	w.Run(w.Now() + time.Millisecond)
	if got := fileContent(t, w, "appendonlydir/incr.aof"); got != "synced;" {
		t.Fatalf("after a crash: %q, want the synced bytes", got)
	}
	if names, _ := node.Sub(w.Disk("n"), "appendonlydir").List(); len(names) != 1 || names[0] != "incr.aof" {
		t.Fatalf("the subdirectory lists %v", names)
	}
}
