package cluster

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"syslab/node"
)

const testNodeTimeout = 5 * time.Second

func peerName(c byte) string { return strings.Repeat(string(c), nameBytes) }

// newTestState is a fresh node "me" with the given config tweaks.
func newTestState(t *testing.T, env *fakeEnv, host *fakeHost, cfg Config) *State {
	t.Helper()
	cfg.NodeTimeout = testNodeTimeout
	cfg.AnnounceIP, cfg.AnnouncePort = "me", 6379
	s, err := New(env, cfg, host)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	s.Start()
	return s
}

// header is a peer's view of itself: a master of slots (or a replica of
// master when master is set).
func peerHeader(name string, epoch uint64, master string, slots ...int) Header {
	h := Header{Sender: name, CurrentEpoch: epoch, ConfigEpoch: epoch, Flags: flagMaster, Master: master,
		IP: "n" + name[:1], Port: 6379, BusPort: 16379}
	if master != "" {
		h.Flags = flagReplica
	}
	for _, s := range slots {
		h.Slots.Set(s)
	}
	return h
}

// replicaOfB is the header of a replica of B (epoch 2, slots 10-19): it
// advertises its master's configEpoch and slots, as replicas do.
func replicaOfB(name string) Header {
	h := peerHeader(name, 3, peerName('b'), rangeOf(10, 19)...)
	h.ConfigEpoch = 2
	return h
}

// meet introduces a peer to s as its MEET would, then a pong.
func meet(s *State, h Header) {
	s.Receive(node.ID(h.IP), Meet{Header: h})
	s.Receive(node.ID(h.IP), Pong{Header: h})
}

// threeMasters: me owns slot 0-9 (epoch 1), B 10-19 (epoch 2), C 20-29 (epoch 3).
func threeMasters(t *testing.T, cfg Config) (*State, *fakeEnv, *fakeHost) {
	t.Helper()
	env, host := newFakeEnv(1), newFakeHost()
	s := newTestState(t, env, host, cfg)
	s.Command(args("CLUSTER", "ADDSLOTSRANGE", "0", "9"))
	s.Command(args("CLUSTER", "SET-CONFIG-EPOCH", "1"))
	meet(s, peerHeader(peerName('b'), 2, "", rangeOf(10, 19)...))
	meet(s, peerHeader(peerName('c'), 3, "", rangeOf(20, 29)...))
	env.takeSent()
	return s, env, host
}

func rangeOf(first, last int) []int {
	var out []int
	for i := first; i <= last; i++ {
		out = append(out, i)
	}
	return out
}

func args(words ...string) [][]byte {
	out := make([][]byte, len(words))
	for i, w := range words {
		out[i] = []byte(w)
	}
	return out
}

func TestNewNodeHasANameAndPersistsIt(t *testing.T) {
	env := newFakeEnv(7)
	s := newTestState(t, env, newFakeHost(), Config{})
	if !validName(s.MyName()) {
		t.Fatalf("name %q is not 40 hex characters", s.MyName())
	}
	durable := env.disk.durable("nodes.conf")
	want := s.MyName() + " me:6379@16379 myself,master - 0 0 0 connected\nvars currentEpoch 0 lastVoteEpoch 0\n"
	if durable != want {
		t.Fatalf("nodes.conf on disk:\n%q\nwant\n%q", durable, want)
	}
	// A restart keeps the name.
	again, err := New(env, Config{NodeTimeout: testNodeTimeout, AnnounceIP: "me", AnnouncePort: 6379}, newFakeHost())
	if err != nil || again.MyName() != s.MyName() {
		t.Fatalf("restart: name %q err %v, want %q", again.MyName(), err, s.MyName())
	}
}

func TestConfigSurvivesARestart(t *testing.T) {
	s, env, _ := threeMasters(t, Config{})
	meet(s, replicaOfB(peerName('d')))
	s.Command(args("CLUSTER", "SETSLOT", "5", "MIGRATING", peerName('c')))
	s.Command(args("CLUSTER", "SETSLOT", "15", "IMPORTING", peerName('b')))
	before, err := ParseConfig([]byte(env.disk.durable("nodes.conf")))
	if err != nil {
		t.Fatalf("parse what was saved: %v\n%s", err, env.disk.durable("nodes.conf"))
	}
	restarted, err := New(env, Config{NodeTimeout: testNodeTimeout, AnnounceIP: "me", AnnouncePort: 6379}, newFakeHost())
	if err != nil {
		t.Fatal(err)
	}
	after, err := ParseConfig(restarted.renderConfig())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(before, after) {
		t.Fatalf("config changed across a restart:\nbefore %+v\nafter  %+v", before, after)
	}
	if r := restarted.Route(5); !r.Mine || r.MigratingTo.Name != peerName('c') {
		t.Errorf("slot 5 after restart: %+v", r)
	}
	if r := restarted.Route(15); !r.Importing || r.Owner.Name != peerName('b') {
		t.Errorf("slot 15 after restart: %+v", r)
	}
}

func TestCorruptConfigIsAnError(t *testing.T) {
	me := peerName('a')
	good := me + " x:1@2 myself,master - 0 0 1 connected 0-10\nvars currentEpoch 1 lastVoteEpoch 0\n"
	if _, err := ParseConfig([]byte(good)); err != nil {
		t.Fatalf("good config rejected: %v", err)
	}
	cases := []struct{ name, text, wantErr string }{
		{"no vars line (truncated)", me + " x:1@2 myself,master - 0 0 1 connected\n", "no vars line"},
		{"short name", "abc x:1@2 myself,master - 0 0 1 connected\nvars currentEpoch 1 lastVoteEpoch 0\n", "line 1"},
		{"no myself", peerName('b') + " x:1@2 master - 0 0 1 connected\nvars currentEpoch 1 lastVoteEpoch 0\n", "myself"},
		{"bad slot", me + " x:1@2 myself,master - 0 0 1 connected 16384\nvars currentEpoch 1 lastVoteEpoch 0\n", "slot"},
		{"bad flag", me + " x:1@2 myself,boss - 0 0 1 connected\nvars currentEpoch 1 lastVoteEpoch 0\n", "flag"},
		{"unknown master", me + " x:1@2 myself,slave " + peerName('b') + " 0 0 1 connected\nvars currentEpoch 1 lastVoteEpoch 0\n", "unknown node"},
		{"bad epoch", me + " x:1@2 myself,master - 0 0 x connected\nvars currentEpoch 1 lastVoteEpoch 0\n", "epoch"},
		{"bad vars", me + " x:1@2 myself,master - 0 0 1 connected\nvars currentEpoch z lastVoteEpoch 0\n", "vars"},
		{"garbage", "\x00\x01\x02 torn", "line 1"},
	}
	for _, c := range cases {
		_, err := ParseConfig([]byte(c.text))
		if err == nil || !strings.Contains(err.Error(), c.wantErr) {
			t.Errorf("%s: err %v, want one mentioning %q", c.name, err, c.wantErr)
		}
	}
	// New refuses the file, naming it.
	env := newFakeEnv(1)
	f, _ := env.disk.Create("nodes.conf")
	f.Write([]byte(cases[0].text))
	f.Sync()
	if _, err := New(env, Config{}, newFakeHost()); err == nil || !strings.Contains(err.Error(), "nodes.conf") {
		t.Fatalf("New on a corrupt nodes.conf: err %v, want one naming nodes.conf", err)
	}
}

func FuzzParseConfig(f *testing.F) {
	me, b := peerName('a'), peerName('b')
	f.Add(me + " x:1@2 myself,master - 0 0 1 connected 0-10 12 [13->-" + b + "]\n" + b + " y:1@2,host master - 5 6 2 connected 20-30\nvars currentEpoch 1 lastVoteEpoch 0\n")
	f.Add(me + " x:1@2 myself,slave " + b + " 0 0 0 connected\n" + b + " :0@0 master,fail? - 0 0 3 disconnected [5-<-" + me + "]\nvars currentEpoch 3 lastVoteEpoch 3\n")
	f.Add("vars currentEpoch 1")
	f.Add("")
	f.Fuzz(func(t *testing.T, text string) {
		conf, err := ParseConfig([]byte(text))
		if err != nil {
			return
		}
		// Whatever parses loads without panicking and saves what it loaded.
		env := newFakeEnv(1)
		fh, _ := env.disk.Create("nodes.conf")
		fh.Write([]byte(text))
		fh.Sync()
		s, err := New(env, Config{}, newFakeHost())
		if err != nil {
			t.Fatalf("ParseConfig accepted what New refused: %v", err)
		}
		again, err := ParseConfig(s.renderConfig())
		if err != nil {
			t.Fatalf("re-parse of rendered config: %v\n%s", err, s.renderConfig())
		}
		if again.CurrentEpoch != conf.CurrentEpoch || again.LastVoteEpoch != conf.LastVoteEpoch {
			t.Fatalf("epochs changed: %+v vs %+v", conf, again)
		}
	})
}

func TestPFailAfterNodeTimeoutThenFailOnMajority(t *testing.T) {
	s, env, _ := threeMasters(t, Config{})
	b := s.nodes[peerName('b')]
	// C keeps answering; B falls silent.
	for range 100 { // 10 s of cron ticks
		env.now = env.now.Add(CronInterval)
		s.Cron()
		for _, m := range env.takeSent() {
			if m.to == "nc" {
				if _, isPing := m.msg.(Ping); isPing {
					s.Receive("nc", Pong{Header: peerHeader(peerName('c'), 3, "", rangeOf(20, 29)...)})
				}
			}
		}
		if b.has(flagPFail) {
			break
		}
	}
	if !b.has(flagPFail) || b.has(flagFail) {
		t.Fatalf("B flags %s, want fail? only", flagsString(b.flags))
	}
	if s.nodes[peerName('c')].failing() {
		t.Fatal("C answers pings yet is suspected")
	}
	// C reports B failing too: me + C are 2 of 3 masters.
	env.takeSent()
	s.Receive("nc", Ping{Header: peerHeader(peerName('c'), 3, "", rangeOf(20, 29)...),
		Gossip: []Gossip{{Name: b.name, Flags: flagMaster | flagPFail, IP: "nb", Port: 6379, BusPort: 16379}}})
	if !b.has(flagFail) {
		t.Fatalf("B flags %s after a majority reported it, want fail", flagsString(b.flags))
	}
	fails := 0
	for _, m := range env.takeSent() {
		if f, ok := m.msg.(Fail); ok && f.Failing == b.name {
			fails++
		}
	}
	if fails == 0 {
		t.Error("no FAIL message broadcast")
	}
	if s.Serving() == nil {
		// B's slots have no working owner and full coverage is required.
		t.Error("cluster still ok with a FAIL master owning slots")
	}
}

// failoverRequest is what replica R of B sends when B failed.
func failoverRequest(epoch uint64) FailoverAuthRequest {
	h := replicaOfB(peerName('e'))
	h.CurrentEpoch = epoch
	return FailoverAuthRequest{Header: h}
}

func TestVoteIsOnDiskBeforeItIsSent(t *testing.T) {
	for _, bug := range []bool{false, true} {
		s, env, _ := threeMasters(t, Config{Bugs: Bugs{VoteNotPersisted: bug}})
		meet(s, replicaOfB(peerName('e')))
		s.Receive("nc", Fail{Header: peerHeader(peerName('c'), 3, "", rangeOf(20, 29)...), Failing: peerName('b')})
		env.takeSent()
		acks, durableAtAck := 0, ""
		env.onSend = func(_ node.ID, msg node.Message) {
			if _, ok := msg.(FailoverAuthAck); ok {
				acks++
				durableAtAck = env.disk.durable("nodes.conf")
			}
		}
		s.Receive("ne", failoverRequest(4))
		if acks != 1 {
			t.Fatalf("bug=%v: %d votes for the first request of epoch 4, want 1", bug, acks)
		}
		persisted := strings.Contains(durableAtAck, "lastVoteEpoch 4")
		if persisted == bug {
			t.Errorf("bug=%v: vote on disk when the ack left: %v\n%s", bug, persisted, durableAtAck)
		}
		// A resend from the same candidate is acked again (its ack may
		// have been lost); that gives nobody a second vote.
		s.Receive("ne", failoverRequest(4))
		if acks != 2 {
			t.Errorf("bug=%v: %d acks after the candidate resent, want 2", bug, acks)
		}
		// Another candidate in the same epoch gets nothing.
		meet(s, replicaOfB(peerName('9')))
		other := failoverRequest(4)
		other.Sender = peerName('9')
		s.Receive("n9", other)
		if acks != 2 {
			t.Errorf("bug=%v: %d acks, want still 2", bug, acks)
		}
		// After a restart the vote of epoch 4 is on disk (unless the bug
		// skipped the sync): no vote in epoch 4 again, to anyone.
		env.disk.files["nodes.conf"].data = []byte(env.disk.durable("nodes.conf")) // the crash
		restarted, err := New(env, Config{NodeTimeout: testNodeTimeout, Bugs: Bugs{VoteNotPersisted: bug}}, newFakeHost())
		if err != nil {
			t.Fatal(err)
		}
		restarted.Receive("nc", Fail{Header: peerHeader(peerName('c'), 4, "", rangeOf(20, 29)...), Failing: peerName('b')})
		acks = 0
		restarted.Receive("n9", other)
		if votedTwice := acks > 0; votedTwice != bug {
			t.Errorf("bug=%v: after a restart, a second candidate got a vote in epoch 4: %v", bug, votedTwice)
		}
		// No replica of the same master gets a vote within 2 × node
		// timeout of the last one, even in a new epoch.
		acks = 0
		s.Receive("ne", failoverRequest(5))
		if acks != 0 {
			t.Errorf("bug=%v: a vote in epoch 5 right after one for the same master", bug)
		}
		env.now = env.now.Add(2*testNodeTimeout + time.Second)
		s.Receive("ne", failoverRequest(6))
		if acks != 1 {
			t.Errorf("bug=%v: %d votes in epoch 6, 2 × node timeout later, want 1", bug, acks)
		}
	}
}

func TestHigherConfigEpochWinsASlot(t *testing.T) {
	for _, bug := range []bool{false, true} {
		s, env, _ := threeMasters(t, Config{Bugs: Bugs{SlotOwnerLowestEpoch: bug}})
		// C (epoch 7 now) claims B's slot 10.
		s.Receive("nc", Ping{Header: peerHeader(peerName('c'), 7, "", append(rangeOf(20, 29), 10)...)})
		owner := s.Route(10).Owner.Name
		if want := map[bool]string{false: peerName('c'), true: peerName('b')}[bug]; owner != want {
			t.Errorf("bug=%v: slot 10 owned by %s…, want %s…", bug, owner[:4], want[:4])
		}
		if bug {
			continue
		}
		// B still claims it with its old epoch: it gets an UPDATE.
		env.takeSent()
		s.Receive("nb", Ping{Header: peerHeader(peerName('b'), 2, "", rangeOf(10, 19)...)})
		updates := 0
		for _, m := range env.takeSent() {
			if u, ok := m.msg.(Update); ok && m.to == "nb" && u.Name == peerName('c') && u.Slots.Has(10) {
				updates++
			}
		}
		if updates != 1 {
			t.Errorf("%d UPDATEs to the stale claimer, want 1", updates)
		}
	}
}

func TestLosingAllSlotsMakesAMasterFollowTheWinner(t *testing.T) {
	s, _, host := threeMasters(t, Config{})
	s.Receive("nb", Ping{Header: peerHeader(peerName('b'), 9, "", append(rangeOf(0, 9), rangeOf(10, 19)...)...)})
	if !s.IsReplica() || s.MasterPeer().Name != peerName('b') {
		t.Fatalf("after losing every slot: replica %v of %q", s.IsReplica(), s.MasterPeer().Name)
	}
	if len(host.replicates) != 1 || host.replicates[0].Bus != "nb" {
		t.Fatalf("host told to replicate %+v, want nb", host.replicates)
	}
}

func TestConfigEpochCollisionTheLowerNameBumps(t *testing.T) {
	for _, c := range []struct {
		peer     byte
		wantBump bool
	}{{'f', true}, {'0', false}} {
		env, host := newFakeEnv(1), newFakeHost()
		s := newTestState(t, env, host, Config{})
		if s.MyName() == peerName(c.peer) {
			t.Skip("random name collided with the test's")
		}
		s.Command(args("CLUSTER", "SET-CONFIG-EPOCH", "3"))
		meet(s, peerHeader(peerName(c.peer), 3, ""))
		bumped := s.myself.configEpoch != 3
		if bumped != c.wantBump {
			t.Errorf("peer %c…: bumped %v (epoch %d), want %v", c.peer, bumped, s.myself.configEpoch, c.wantBump)
		}
	}
}

func TestGossipIntroducesNodesThroughHandshakes(t *testing.T) {
	s, env, _ := threeMasters(t, Config{})
	s.Receive("nb", Ping{Header: peerHeader(peerName('b'), 2, "", rangeOf(10, 19)...),
		Gossip: []Gossip{{Name: peerName('d'), Flags: flagMaster, IP: "nd", Port: 6379, BusPort: 16379}}})
	var meets int
	for _, m := range env.takeSent() {
		if _, ok := m.msg.(Meet); ok && m.to == "nd" {
			meets++
		}
	}
	if meets != 1 {
		t.Fatalf("%d MEETs to the gossiped node, want 1", meets)
	}
	s.Receive("nd", Pong{Header: peerHeader(peerName('d'), 0, "")})
	if len(s.Nodes()) != 4 {
		t.Fatalf("known nodes %v, want 4 (the handshake replaced by d)", s.Nodes())
	}
	for _, cn := range s.nodes {
		if cn.has(flagHandshake) {
			t.Fatalf("handshake node %s left behind", cn.name)
		}
	}
}

// FuzzReceiveBusMessages feeds hostile bus messages to a node that knows
// three masters: it must not panic, and whatever it keeps must survive a
// save and a reload of nodes.conf.
func FuzzReceiveBusMessages(f *testing.F) {
	f.Add(uint8(0), peerName('b'), "", "nb", 6379, 16379, uint64(2), 10, peerName('d'), "nd", 6379)
	f.Add(uint8(1), peerName('c'), peerName('b'), "nc", 6379, 16379, uint64(9), 0, peerName('e'), "ne", 1)
	f.Add(uint8(2), peerName('9'), "", "n 9", 70000, -1, uint64(1), 16383, "", "x@y", 0)
	f.Add(uint8(3), "", "", "", 0, 0, uint64(0), 0, peerName('b'), "", 0)
	f.Add(uint8(4), peerName('e'), peerName('b'), "ne", 1, 2, uint64(4), 12, peerName('b'), "nb", 6379)
	f.Fuzz(func(t *testing.T, kind uint8, sender, master, ip string, port, busPort int, epoch uint64, slot int, gossipName, gossipIP string, gossipPort int) {
		s, env, _ := threeMasters(t, Config{})
		h := Header{Sender: sender, Master: master, IP: ip, Port: port, BusPort: busPort, CurrentEpoch: epoch, ConfigEpoch: epoch, Flags: flagMaster}
		if slot >= 0 && slot < SlotCount {
			h.Slots.Set(slot)
		}
		g := []Gossip{{Name: gossipName, IP: gossipIP, Port: gossipPort, BusPort: gossipPort, Flags: flagMaster | flagPFail}}
		var msg node.Message
		switch kind % 8 {
		case 0:
			msg = Ping{Header: h, Gossip: g}
		case 1:
			msg = Pong{Header: h, Gossip: g}
		case 2:
			msg = Meet{Header: h, Gossip: g}
		case 3:
			msg = Fail{Header: h, Failing: gossipName}
		case 4:
			msg = FailoverAuthRequest{Header: h}
		case 5:
			msg = FailoverAuthAck{Header: h}
		case 6:
			msg = Update{Header: h, Name: gossipName, ConfigEpoch: epoch, Slots: h.Slots}
		case 7:
			msg = MFStart{Header: h}
		}
		s.Receive(node.ID(ip), msg)
		env.now = env.now.Add(time.Second)
		s.Cron()
		if _, err := ParseConfig(s.renderConfig()); err != nil {
			t.Fatalf("after %T the state no longer saves a readable nodes.conf: %v\n%s", msg, err, s.renderConfig())
		}
		if _, err := New(env, Config{}, newFakeHost()); err != nil {
			t.Fatalf("reload after %T: %v", msg, err)
		}
	})
}
