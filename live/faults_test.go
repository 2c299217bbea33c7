package live

import (
	"testing"
	"time"

	"syslab/live/faultproxy"
	"syslab/node"
)

// Node-to-node traffic through the fault proxy: a partition stops the
// ping-pong, healing it lets the links redial and the pinger's resends
// finish the job; a reset is survived the same way.
func TestTransportSurvivesProxyFaults(t *testing.T) {
	a := newRuntime(t, Config{Self: "a", Listen: "127.0.0.1:0"}, func() node.Handler {
		return &pinger{peer: "b", probe: "probe", rounds: 1 << 30, resend: 20 * time.Millisecond}
	})
	b := newRuntime(t, Config{Self: "b", Listen: "127.0.0.1:0"}, func() node.Handler { return &pinger{} })
	toB, err := faultproxy.New("127.0.0.1:0", b.Addr())
	if err != nil {
		t.Fatal(err)
	}
	toB.Start()
	defer toB.Close()
	a.SetPeer("b", toB.Addr())
	b.SetPeer("a", a.Addr())
	pr := attachProbe(a, "probe")
	b.Start()
	a.Start()

	// progress waits until the pinger completes `rounds` more round trips
	// than the last one reported so far, and returns the last it saw.
	last := 0
	progress := func(rounds int) int {
		t.Helper()
		for len(pr.ch) > 0 {
			last = (<-pr.ch).(int)
		}
		target := last + rounds
		for last < target {
			last = pr.next(t).(int)
		}
		return last
	}
	progress(5)

	toB.Partition()
	// While partitioned nothing completes: drain what was in flight, then
	// no new round trip may finish within a short window. The count
	// starts from the last round seen, not 0: the drain may find nothing.
	stalledAt := last
	for len(pr.ch) > 0 {
		stalledAt = (<-pr.ch).(int)
	}
	select {
	case m := <-pr.ch:
		if m.(int) > stalledAt+1 { // one pong may have been past the proxy
			t.Fatalf("round %v completed across a partition (stalled at %d)", m, stalledAt)
		}
	case <-time.After(200 * time.Millisecond):
	}
	toB.Heal()
	progress(5)

	toB.ResetAll()
	progress(5)
}
