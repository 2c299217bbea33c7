// Package replication holds the parts of master–replica replication that
// do not depend on the cache's keyspace: the backlog a master keeps of its
// replication stream. The node's side of the protocol (PSYNC, full sync,
// acks, WAIT) is in engines/cache/replication.go.
package replication

import "fmt"

// Backlog is the master's bounded memory of its replication stream: the
// newest CapacityBytes bytes, addressed by stream offset, so a replica that
// lost its link for a short while can continue from where it stopped
// (PSYNC → +CONTINUE) instead of loading a full snapshot. It is a ring: old
// bytes are overwritten as new ones arrive, never reallocated.
type Backlog struct {
	buf []byte // the ring; len(buf) is the capacity
	// head is the index in buf of the byte at offset start.
	head int
	// start is the stream offset of the oldest byte held, end the offset
	// just past the newest; end-start ≤ len(buf).
	start, end int64
}

// NewBacklog returns an empty backlog of capacityBytes whose next byte will
// be stream offset offset (the master's offset when the backlog is made).
func NewBacklog(capacityBytes int, offset int64) *Backlog {
	if capacityBytes < 1 {
		panic(fmt.Sprintf("replication: backlog capacity %d bytes: must be positive", capacityBytes))
	}
	return &Backlog{buf: make([]byte, capacityBytes), start: offset, end: offset}
}

// CapacityBytes is the most bytes the backlog holds (repl-backlog-size).
func (b *Backlog) CapacityBytes() int { return len(b.buf) }

// Start is the offset of the oldest byte held (equal to End when empty).
func (b *Backlog) Start() int64 { return b.start }

// End is the offset just past the newest byte: the master's offset.
func (b *Backlog) End() int64 { return b.end }

// HistlenBytes is how many bytes are held.
func (b *Backlog) HistlenBytes() int { return int(b.end - b.start) }

// Write appends p to the stream, dropping the oldest bytes past capacity.
func (b *Backlog) Write(p []byte) {
	capacity := len(b.buf)
	if len(p) >= capacity {
		// Only p's tail survives; it fills the ring from index 0.
		copy(b.buf, p[len(p)-capacity:])
		b.head = 0
		b.end += int64(len(p))
		b.start = b.end - int64(capacity)
		return
	}
	held := int(b.end - b.start)
	at := (b.head + held) % capacity
	n := copy(b.buf[at:], p)
	copy(b.buf, p[n:]) // the part that wraps around
	b.end += int64(len(p))
	if over := held + len(p) - capacity; over > 0 {
		b.head = (b.head + over) % capacity
		b.start += int64(over)
	}
	if b.end-b.start > int64(capacity) {
		panic("replication: backlog holds more than its capacity") // a bug detector
	}
}

// Resize changes the capacity (CONFIG SET repl-backlog-size), keeping the
// newest bytes that fit.
func (b *Backlog) Resize(capacityBytes int) {
	if capacityBytes < 1 {
		panic(fmt.Sprintf("replication: backlog capacity %d bytes: must be positive", capacityBytes))
	}
	kept, _ := b.ReadFrom(max(b.start, b.end-int64(capacityBytes)))
	b.buf = make([]byte, capacityBytes)
	copy(b.buf, kept)
	b.head, b.start = 0, b.end-int64(len(kept))
}

// ReadFrom returns a fresh copy of the bytes from offset to End, and false
// when offset is not in [Start, End]: the replica asked for bytes the
// backlog no longer (or never) held, and needs a full sync.
func (b *Backlog) ReadFrom(offset int64) ([]byte, bool) {
	if offset < b.start || offset > b.end {
		return nil, false
	}
	out := make([]byte, b.end-offset)
	from := (b.head + int(offset-b.start)) % len(b.buf)
	n := copy(out, b.buf[from:])
	copy(out[n:], b.buf)
	return out, true
}
