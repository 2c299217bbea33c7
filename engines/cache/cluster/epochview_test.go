package cluster

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// nodesLine is the CLUSTER NODES line of name, split into fields.
func nodesLine(t *testing.T, s *State, name string) []string {
	t.Helper()
	for _, line := range strings.Split(string(s.Command(args("CLUSTER", "NODES")).Str), "\n") {
		if strings.HasPrefix(line, name+" ") {
			return strings.Fields(line)
		}
	}
	t.Fatalf("no CLUSTER NODES line for %s…", name[:4])
	return nil
}

// A replica known to this node only through a handshake (configEpoch 0)
// wins an election and announces its new role, epoch and slots in one
// pong: from that pong on, this node must show it owning the slots under
// the election's epoch, never under epoch 0.
func TestPromotedReplicaOwnsSlotsUnderItsNewEpoch(t *testing.T) {
	for _, known := range []string{"by meet", "by handshake"} {
		t.Run(known, func(t *testing.T) {
			s, env, _ := threeMasters(t, Config{})
			d := peerName('d')
			if known == "by meet" {
				meet(s, replicaOfB(d))
			} else {
				s.Receive("nb", Ping{Header: peerHeader(peerName('b'), 2, "", rangeOf(10, 19)...),
					Gossip: []Gossip{{Name: d, Flags: flagReplica, IP: "nd", Port: 6379, BusPort: 16379}}})
				s.Receive("nd", Pong{Header: replicaOfB(d)})
			}
			if cn := s.nodes[d]; cn == nil || !cn.has(flagReplica) {
				t.Fatalf("d is not known as a replica: %+v", cn)
			}
			env.takeSent()
			won := peerHeader(d, 9, "", rangeOf(10, 19)...)
			s.Receive("nd", Pong{Header: won})
			if owner := s.Route(10).Owner.Name; owner != d {
				t.Fatalf("slot 10 owned by %s…, want d", owner[:4])
			}
			fields := nodesLine(t, s, d)
			if !strings.Contains(fields[2], "master") || fields[6] != "9" {
				t.Fatalf("d's line %q: want a master at config epoch 9", strings.Join(fields, " "))
			}
		})
	}
}

// CLUSTER NODES shows a replica with its master's config epoch.
func TestReplicaLineShowsItsMastersEpoch(t *testing.T) {
	s, _, _ := threeMasters(t, Config{})
	meet(s, replicaOfB(peerName('d')))
	if got := nodesLine(t, s, peerName('d'))[6]; got != "2" {
		t.Errorf("replica of B (epoch 2) shows config epoch %s, want 2", got)
	}
	// And myself as a replica: its line shows the master's epoch.
	s.Receive("nb", Ping{Header: peerHeader(peerName('b'), 9, "", rangeOf(0, 19)...)})
	if !s.IsReplica() {
		t.Fatal("myself did not follow B after losing its slots")
	}
	if got := nodesLine(t, s, s.MyName())[6]; got != "9" {
		t.Errorf("myself as a replica of B (epoch 9) shows config epoch %s, want 9", got)
	}
}

// myself's pong-recv is the newest time a peer's gossip says it heard
// from myself, in whole seconds; ping-sent stays 0.
func TestMyselfPongTimeComesFromGossip(t *testing.T) {
	s, env, _ := threeMasters(t, Config{})
	if f := nodesLine(t, s, s.MyName()); f[4] != "0" || f[5] != "0" {
		t.Fatalf("before any gossip myself shows %s %s, want 0 0", f[4], f[5])
	}
	heard := env.now.Add(-1500 * time.Millisecond)
	gossip := func(pong time.Time, flags uint16) {
		s.Receive("nb", Ping{Header: peerHeader(peerName('b'), 2, "", rangeOf(10, 19)...),
			Gossip: []Gossip{{Name: s.MyName(), PongReceivedMillis: pong.UnixMilli(), IP: "me", Port: 6379, BusPort: 16379, Flags: flags}}})
	}
	gossip(heard, flagMaster)
	want := strconv.FormatInt(heard.UnixMilli()/1000*1000, 10)
	for _, c := range []struct {
		why   string
		pong  time.Time
		flags uint16
	}{
		{"an older report", heard.Add(-time.Minute), flagMaster},
		{"a report from the future", env.now.Add(time.Hour), flagMaster},
		{"a report of myself failing", heard.Add(time.Second), flagMaster | flagPFail},
	} {
		gossip(c.pong, c.flags)
		if f := nodesLine(t, s, s.MyName()); f[4] != "0" || f[5] != want {
			t.Errorf("after %s myself shows %s %s, want 0 %s", c.why, f[4], f[5], want)
		}
	}
}
