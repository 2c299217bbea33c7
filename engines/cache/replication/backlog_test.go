package replication

import (
	"bytes"
	"testing"
)

// model is the backlog's specification: the whole stream, of which the
// last capacity bytes must be readable.
type model struct {
	stream   []byte
	base     int64
	capacity int
}

func (m *model) check(t *testing.T, b *Backlog) {
	t.Helper()
	end := m.base + int64(len(m.stream))
	start := max(m.base, end-int64(m.capacity))
	if b.Start() != start || b.End() != end {
		t.Fatalf("backlog holds [%d, %d), want [%d, %d)", b.Start(), b.End(), start, end)
	}
	for _, off := range []int64{start, (start + end) / 2, end} {
		got, ok := b.ReadFrom(off)
		want := m.stream[off-m.base:]
		if !ok || !bytes.Equal(got, want) {
			t.Fatalf("ReadFrom(%d) = %q, %v; want %q", off, got, ok, want)
		}
	}
	if _, ok := b.ReadFrom(start - 1); ok && start > 0 {
		t.Fatalf("ReadFrom(%d) before the oldest byte %d succeeded", start-1, start)
	}
	if _, ok := b.ReadFrom(end + 1); ok {
		t.Fatalf("ReadFrom(%d) past the end %d succeeded", end+1, end)
	}
}

func TestBacklogWrapsAndForgets(t *testing.T) {
	b := NewBacklog(8, 100)
	m := &model{base: 100, capacity: 8}
	m.check(t, b)
	for _, w := range []string{"abc", "defgh", "ij", "klmnopqrstuvwxyz", "", "1", "23456789"} {
		b.Write([]byte(w))
		m.stream = append(m.stream, w...)
		m.check(t, b)
	}
}

// FuzzBacklog writes chunks of the input (sizes taken from its bytes) and
// compares every read with the plain stream.
func FuzzBacklog(f *testing.F) {
	f.Add(uint8(8), []byte("hello, replication stream"))
	f.Add(uint8(1), []byte("xy"))
	f.Add(uint8(200), bytes.Repeat([]byte("0123456789"), 50))
	f.Fuzz(func(t *testing.T, capacity uint8, data []byte) {
		c := int(capacity) + 1
		b := NewBacklog(c, 7)
		m := &model{base: 7, capacity: c}
		for len(data) > 0 {
			n := min(int(data[0])%(2*c+1), len(data))
			b.Write(data[:n])
			m.stream = append(m.stream, data[:n]...)
			data = data[n:]
			if n == 0 {
				data = data[1:]
			}
			m.check(t, b)
		}
	})
}

func TestBacklogResizeKeepsTheNewestBytes(t *testing.T) {
	b := NewBacklog(8, 100)
	b.Write([]byte("abcdefghij")) // holds "cdefghij" at 102..110
	b.Resize(4)
	if got, ok := b.ReadFrom(106); !ok || string(got) != "ghij" || b.Start() != 106 || b.End() != 110 {
		t.Fatalf("after shrinking: %q %v, start %d end %d", got, ok, b.Start(), b.End())
	}
	b.Resize(16)
	b.Write([]byte("klmnop"))
	if got, ok := b.ReadFrom(106); !ok || string(got) != "ghijklmnop" || b.CapacityBytes() != 16 {
		t.Fatalf("after growing: %q %v, capacity %d", got, ok, b.CapacityBytes())
	}
	if _, ok := b.ReadFrom(105); ok {
		t.Fatal("a byte dropped by the shrink was served")
	}
}
