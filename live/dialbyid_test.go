package live

import (
	"net"
	"strings"
	"testing"
	"time"

	"syslab/node"
)

// freeLoopbackAddr returns a 127.0.0.1 address whose port was free a
// moment ago: a DialByID node's ID is its own listen address, so the
// address must be known before New.
func freeLoopbackAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// Two nodes that were told nothing about each other but the other's
// address-shaped ID: a pings b by that ID, b answers the from of the
// ping, and both directions dial on demand, as cluster nodes do after
// CLUSTER MEET.
func TestDialByIDReachesUnknownPeers(t *testing.T) {
	aAddr, bAddr := freeLoopbackAddr(t), freeLoopbackAddr(t)
	const rounds = 50
	a := newRuntime(t, Config{Self: node.ID(aAddr), Listen: aAddr, DialByID: true}, func() node.Handler {
		return &pinger{peer: node.ID(bAddr), probe: "probe", rounds: rounds, resend: time.Second}
	})
	b := newRuntime(t, Config{Self: node.ID(bAddr), Listen: bAddr, DialByID: true}, func() node.Handler {
		return &pinger{}
	})
	pr := attachProbe(a, "probe")
	if err := b.Start(); err != nil {
		t.Fatal(err)
	}
	if err := a.Start(); err != nil {
		t.Fatal(err)
	}
	for want := 1; want <= rounds; want++ {
		if got := pr.next(t); got != want {
			t.Fatalf("probe got %v, want round %d", got, want)
		}
	}
	var from node.ID
	b.Do(func(h node.Handler) { from = h.(*pinger).lastFrom })
	if from != node.ID(aAddr) {
		t.Errorf("b saw pings from %q, want %q (the from field of the frame)", from, aAddr)
	}
}

// Without DialByID an address-shaped ID is as unknown as any other; with
// it, IDs that are not host:port are still dropped and logged, and
// attached endpoints win over dialling (a client connection named like an
// address is still the client).
func TestDialByIDOnlyDialsAddresses(t *testing.T) {
	tests := []struct {
		name        string
		dialByID    bool
		to          node.ID
		wantDropped bool
	}{
		{"off: address is unknown", false, "127.0.0.1:1", true},
		{"on: plain name", true, "cache-2", true},
		{"on: no port", true, "127.0.0.1", true},
		{"on: empty host", true, ":7000", true},
		{"on: port zero", true, "127.0.0.1:0", true},
		{"on: port too big", true, "127.0.0.1:70000", true},
		{"on: port not a number", true, "127.0.0.1:http", true},
		{"on: address dials", true, "127.0.0.1:1", false},
		{"on: IPv6 address dials", true, "[::1]:1", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var logBuf syncBuffer
			r := newRuntime(t, Config{Self: "n", Log: &logBuf, DialByID: tc.dialByID}, func() node.Handler { return &timerNode{} })
			r.Start()
			r.Do(func(h node.Handler) { h.(*timerNode).env.Send(tc.to, gobPing{Seq: 1}) })
			r.mu.Lock()
			_, linked := r.peers[tc.to]
			r.mu.Unlock()
			if linked == tc.wantDropped {
				t.Errorf("Send(%q): peer link made = %v, want %v", tc.to, linked, !tc.wantDropped)
			}
			if tc.wantDropped {
				if !strings.Contains(logBuf.String(), "unknown node "+string(tc.to)) {
					t.Errorf("log does not name the unknown destination %q:\n%s", tc.to, logBuf.String())
				}
			}
		})
	}
}

func TestDialByIDPrefersAttachedEndpoints(t *testing.T) {
	r := newRuntime(t, Config{Self: "n", DialByID: true}, func() node.Handler { return &timerNode{} })
	pr := attachProbe(r, "127.0.0.1:1")
	r.Start()
	r.Do(func(h node.Handler) { h.(*timerNode).env.Send("127.0.0.1:1", "to the endpoint") })
	if got := pr.next(t); got != "to the endpoint" {
		t.Fatalf("endpoint got %v", got)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.peers) != 0 {
		t.Errorf("a peer link was made for an attached endpoint: %v", r.peers)
	}
}

// A frame for another ID than the receiver's own is dropped: a node
// reached at an address it does not go by must not act on the message.
func TestFrameForAnotherIDIsDropped(t *testing.T) {
	addr := freeLoopbackAddr(t)
	var logBuf syncBuffer
	b := newRuntime(t, Config{Self: node.ID(addr), Listen: addr, Log: &logBuf}, func() node.Handler { return &pinger{} })
	b.Start()
	a := newRuntime(t, Config{Self: "a", DialByID: true}, func() node.Handler { return &timerNode{} })
	a.Start()
	alias := node.ID(strings.Replace(addr, "127.0.0.1", "localhost", 1))
	a.Do(func(h node.Handler) { h.(*timerNode).env.Send(alias, gobPing{Seq: 1}) })
	waitUntil(t, "the misaddressed frame dropped", func() bool { return b.Stats().MessagesDropped == 1 })
	if b.Stats().MessagesReceived != 0 {
		t.Errorf("b handled a frame addressed to %s", alias)
	}
	if !strings.Contains(logBuf.String(), "frame for "+string(alias)) {
		t.Errorf("log does not name the misaddressed frame:\n%s", logBuf.String())
	}
}

// Past dialedPeersMax a DialByID node drops sends to new addresses rather
// than start another link; known peers still work.
func TestDialByIDIsBounded(t *testing.T) {
	var logBuf syncBuffer
	r := newRuntime(t, Config{Self: "n", Log: &logBuf, DialByID: true}, func() node.Handler { return &timerNode{} })
	r.Start()
	r.Do(func(h node.Handler) { h.(*timerNode).env.Send("127.0.0.1:1", gobPing{Seq: 1}) })
	r.mu.Lock()
	r.dialedPeers = dialedPeersMax
	r.mu.Unlock()
	r.Do(func(h node.Handler) { h.(*timerNode).env.Send("127.0.0.1:2", gobPing{Seq: 1}) })
	r.mu.Lock()
	_, known := r.peers["127.0.0.1:1"]
	_, beyond := r.peers["127.0.0.1:2"]
	r.mu.Unlock()
	if !known || beyond {
		t.Errorf("links: first address %v (want true), address past the bound %v (want false)", known, beyond)
	}
	if !strings.Contains(logBuf.String(), "dialedPeersMax") {
		t.Errorf("log does not say why the send was dropped:\n%s", logBuf.String())
	}
}
