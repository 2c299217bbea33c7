package server

import (
	"testing"
	"time"
)

// A cron run visits each connection at most once, even when closed ones
// leave the rotation under it: a second visit would find the peak the
// first one reset and give back a buffer a big request just needed.
func TestClientsCronVisitsEachConnectionOnce(t *testing.T) {
	l := &eventLoop{now: time.Unix(1000, 0)}
	big := &conn{loop: l, in: make([]byte, 0, 496<<10), inPeakBytes: 300 << 10, lastIOAt: l.now, reportedInBytes: 496 << 10}
	idle := &conn{loop: l, lastIOAt: l.now}
	gone := &conn{loop: l, closed: true}
	l.rotation = []*conn{idle, gone, big}
	l.rotationNext = 2 // big first, then idle, then the closed one leaves

	l.clientsCron()

	if cap(big.in) != 496<<10 {
		t.Fatalf("buffer after one cron run: %d bytes, want %d (its peak was recent)", cap(big.in), 496<<10)
	}
	if len(l.rotation) != 2 {
		t.Fatalf("rotation holds %d connections, want the 2 open ones", len(l.rotation))
	}

	// A run later, with no read in between, the buffer is trimmed to the
	// (now zero) peak: given back.
	l.now = l.now.Add(clientsCronInterval)
	big.reportedInBytes = 0 // what the node will hear: no runtime here to tell
	l.clientsCron()
	if cap(big.in) != 0 {
		t.Fatalf("buffer after a quiet cron interval: %d bytes, want 0", cap(big.in))
	}
}

// A run that comes round to the front of the rotation and removes a
// closed connection there does not visit again the one the removal moves
// into its place (the last, visited at the start of the run). That second
// visit emptied the buffer of Redis's "query buffer resized correctly when
// not idle" client right after its big request.
func TestClientsCronRemovalAfterWrappingDoesNotRevisit(t *testing.T) {
	l := &eventLoop{now: time.Unix(1000, 0)}
	gone := &conn{loop: l, closed: true}
	idle := &conn{loop: l, lastIOAt: l.now}
	big := &conn{loop: l, in: make([]byte, 0, 496<<10), inPeakBytes: 300 << 10, lastIOAt: l.now, reportedInBytes: 496 << 10}
	l.rotation = []*conn{gone, idle, big}
	l.rotationNext = 2 // big first; then the run wraps to the closed one

	l.clientsCron()

	if cap(big.in) != 496<<10 {
		t.Fatalf("buffer after one cron run: %d bytes, want %d (its peak was recent; visited twice?)", cap(big.in), 496<<10)
	}
	if len(l.rotation) != 2 {
		t.Fatalf("rotation holds %d connections, want the 2 open ones", len(l.rotation))
	}
}
