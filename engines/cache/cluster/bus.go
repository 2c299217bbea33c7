package cluster

import (
	"time"

	"syslab/node"
)

// The cluster bus: heartbeats with gossip, failure detection, and the
// propagation of roles and slot ownership (Redis's clusterProcessPacket
// and clusterCron).

type pingKind uint8

const (
	kindPing pingKind = iota
	kindPong
	kindMeet
)

// messageStats count bus messages by type, for CLUSTER INFO.
type messageStats struct {
	sent, received map[string]int64
}

func (m *messageStats) count(received bool, kind string) {
	if m.sent == nil {
		m.sent, m.received = map[string]int64{}, map[string]int64{}
	}
	if received {
		m.received[kind]++
	} else {
		m.sent[kind]++
	}
}

// header is myself's view of itself, for every outgoing message.
func (s *State) header() Header {
	me := s.myself
	h := Header{Sender: me.name, CurrentEpoch: s.currentEpoch, ConfigEpoch: me.configEpoch, Flags: me.flags,
		IP: me.ip, Port: me.port, BusPort: me.busPort, ClusterOK: s.ok, Offset: s.host.ReplicationOffset()}
	owner := me
	if me.has(flagReplica) && me.master != nil {
		owner = me.master
		h.Master = me.master.name
		h.ConfigEpoch = me.master.configEpoch
	}
	if owner != nil {
		h.Slots = owner.slotBits
	}
	h.ManualPaused = s.manual.pausedFor != nil
	return h
}

func (s *State) send(to *clusterNode, kind string, msg node.Message) {
	s.stats.count(false, kind)
	s.env.Send(to.bus, msg)
}

// gossip picks about a tenth of the other nodes (at least 3) for a
// heartbeat's gossip section, plus every node in PFAIL so failure
// reports spread quickly, as Redis does.
func (s *State) gossip() []Gossip {
	var candidates, pfail []*clusterNode
	for _, cn := range s.sortedNodes() {
		// The receiver may be gossiped about too (Redis does not leave it
		// out): that is how a node learns when peers last heard from it.
		if cn == s.myself || cn.has(flagHandshake|flagNoAddr) {
			continue
		}
		if cn.has(flagPFail) {
			pfail = append(pfail, cn)
		}
		candidates = append(candidates, cn)
	}
	wanted := min(max(len(s.nodes)/10, gossipEntriesMin), len(candidates))
	var out []Gossip
	picked := map[string]bool{}
	for len(out) < wanted {
		cn := candidates[s.env.Rand().IntN(len(candidates))]
		if picked[cn.name] {
			continue
		}
		picked[cn.name] = true
		out = append(out, s.gossipOf(cn))
	}
	for _, cn := range pfail {
		if !picked[cn.name] {
			out = append(out, s.gossipOf(cn))
		}
	}
	return out
}

func (s *State) gossipOf(cn *clusterNode) Gossip {
	return Gossip{Name: cn.name, PingSentMillis: millis(cn.pingSent), PongReceivedMillis: millis(cn.pongReceived),
		IP: cn.ip, Port: cn.port, BusPort: cn.busPort, Flags: cn.flags}
}

func millis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// sendPing sends a Ping, Pong or Meet to cn.
func (s *State) sendPing(cn *clusterNode, kind pingKind) {
	h, g := s.header(), s.gossip()
	switch kind {
	case kindPing:
		if cn.pingSent.IsZero() {
			cn.pingSent = s.env.Now()
		}
		s.send(cn, "ping", Ping{Header: h, Gossip: g})
	case kindMeet:
		if cn.pingSent.IsZero() {
			cn.pingSent = s.env.Now()
		}
		s.send(cn, "meet", Meet{Header: h, Gossip: g})
	case kindPong:
		s.send(cn, "pong", Pong{Header: h, Gossip: g})
	}
}

// broadcastPong tells every known node about a change of myself at once.
func (s *State) broadcastPong() {
	for _, cn := range s.sortedNodes() {
		if cn != s.myself && !cn.has(flagHandshake) {
			s.sendPing(cn, kindPong)
		}
	}
}

func (s *State) broadcast(kind string, msg node.Message) {
	for _, cn := range s.sortedNodes() {
		if cn != s.myself && !cn.has(flagHandshake) {
			s.send(cn, kind, msg)
		}
	}
}

// Receive handles msg if it is a cluster bus message; false means it is
// not one. A message whose header or gossip is malformed (in live mode it
// came off a socket) is dropped whole: what the state keeps must always
// be writable to, and readable from, nodes.conf.
func (s *State) Receive(from node.ID, msg node.Message) bool {
	if h, gossip, ok := busParts(msg); ok && !wellFormed(h, gossip) {
		s.stats.count(true, "malformed")
		s.env.Logf("cluster: dropping a malformed %T from %s", msg, from)
		return true
	}
	switch m := msg.(type) {
	case Ping:
		s.stats.count(true, "ping")
		s.receivePing(from, m.Header, m.Gossip, kindPing)
	case Pong:
		s.stats.count(true, "pong")
		s.receivePing(from, m.Header, m.Gossip, kindPong)
	case Meet:
		s.stats.count(true, "meet")
		s.receivePing(from, m.Header, m.Gossip, kindMeet)
	case Fail:
		s.stats.count(true, "fail")
		s.receiveFail(m)
	case FailoverAuthRequest:
		s.stats.count(true, "auth-req")
		if sender := s.known(m.Header); sender != nil {
			s.receiveEpochs(sender, m.Header)
			s.voteIfNeeded(sender, m)
		}
	case FailoverAuthAck:
		s.stats.count(true, "auth-ack")
		if sender := s.known(m.Header); sender != nil {
			s.receiveEpochs(sender, m.Header)
			s.receiveVote(sender, m.Header)
		}
	case Update:
		s.stats.count(true, "update")
		s.receiveUpdate(m)
	case MFStart:
		s.stats.count(true, "mfstart")
		if sender := s.known(m.Header); sender != nil {
			s.receiveMFStart(sender)
		}
	default:
		return false
	}
	s.beforeSleep()
	return true
}

// known is the sender of h if it is in the table and not in handshake.
func (s *State) known(h Header) *clusterNode {
	if cn := s.nodes[h.Sender]; cn != nil && !cn.has(flagHandshake) {
		cn.dataReceived = s.env.Now()
		return cn
	}
	return nil
}

// receiveEpochs updates currentEpoch and the sender's configEpoch from h.
func (s *State) receiveEpochs(sender *clusterNode, h Header) {
	if h.CurrentEpoch > s.currentEpoch {
		s.currentEpoch = h.CurrentEpoch
		s.todoSave = true
	}
	// Whatever role we last knew the sender in: a replica that just won
	// an election announces itself as a master with its new configEpoch,
	// and updateRole and receiveSlots, which run after this, must see that
	// epoch — else the slots it claims would be recorded under the epoch
	// it had as a replica (0 for a replica that never was a master).
	// A replica's header carries its master's configEpoch, so a replica's
	// entry holds its master's epoch, as in Redis.
	if h.ConfigEpoch > sender.configEpoch {
		sender.configEpoch = h.ConfigEpoch
		s.todoSave, s.todoUpdateState = true, true
	}
	sender.replOffset = h.Offset
}

func (s *State) receivePing(from node.ID, h Header, gossip []Gossip, kind pingKind) {
	now := s.env.Now()
	if h.Sender == s.myself.name {
		return
	}
	sender := s.known(h)
	// A MEET from a stranger: add it (we learn its name from the header,
	// so no handshake is needed on this side).
	if sender == nil && kind == kindMeet {
		if s.isForgotten(h.Sender) {
			return
		}
		if s.nodes[h.Sender] == nil {
			sender = &clusterNode{name: h.Sender, flags: flagMaster, ip: h.IP, port: h.Port, busPort: h.BusPort, bus: from, created: now}
			s.addNode(sender)
			s.todoSave = true
		}
	}
	// A pong that ends a handshake: the handshake node (named at random)
	// becomes the real node.
	if sender == nil && kind == kindPong {
		for _, cn := range s.sortedNodes() {
			if cn.has(flagHandshake) && cn.bus == from {
				s.delNode(cn)
				if s.nodes[h.Sender] == nil && !s.isForgotten(h.Sender) {
					sender = &clusterNode{name: h.Sender, flags: flagMaster, ip: h.IP, port: h.Port, busPort: h.BusPort, bus: from, created: now}
					s.addNode(sender)
					s.todoSave = true
				}
				break
			}
		}
	}
	if kind == kindPing || kind == kindMeet {
		// Answer to the address it came from.
		reply := &clusterNode{bus: from}
		if sender != nil {
			reply = sender
		}
		s.stats.count(false, "pong")
		s.env.Send(reply.bus, Pong{Header: s.header(), Gossip: s.gossip()})
	}
	if sender == nil {
		return
	}
	sender.dataReceived = now
	s.receiveEpochs(sender, h)
	if kind == kindPong {
		// Both sides may have started a handshake with each other (they
		// learned of each other by gossip): ours is answered.
		for _, cn := range s.sortedNodes() {
			if cn.has(flagHandshake) && cn.bus == from {
				s.delNode(cn)
			}
		}
		sender.pongReceived = now
		sender.pingSent = time.Time{}
	}
	// Any message from a node proves it is alive.
	if sender.has(flagPFail) {
		sender.flags &^= flagPFail
		s.todoUpdateState = true
	}
	if sender.has(flagFail) {
		s.clearFailIfPossible(sender)
	}
	if sender.ip != h.IP || sender.port != h.Port || sender.busPort != h.BusPort {
		sender.ip, sender.port, sender.busPort = h.IP, h.Port, h.BusPort
		sender.bus = from
		s.todoSave = true
	}
	s.updateRole(sender, h)
	s.receiveSlots(sender, h)
	s.handleEpochCollision(sender, h)
	for _, g := range gossip {
		s.receiveGossip(sender, g)
	}
	s.manualFailoverProgress(sender, h)
}

// updateRole applies the sender's claim of being a master or a replica.
func (s *State) updateRole(sender *clusterNode, h Header) {
	if h.Master == "" {
		if sender.has(flagReplica) {
			// A failover promoted it.
			setMasterOf(sender, nil)
			sender.flags = sender.flags&^flagReplica | flagMaster
			s.todoSave, s.todoUpdateState = true, true
		}
		return
	}
	master := s.nodes[h.Master]
	if sender.isMaster() {
		// A master turned replica: it lost its slots.
		for slot := range SlotCount {
			if s.slots[slot] == sender {
				s.assignSlot(slot, nil)
			}
		}
		sender.flags = sender.flags&^flagMaster | flagReplica
		s.todoSave, s.todoUpdateState = true, true
	}
	if master != nil && sender.master != master {
		setMasterOf(sender, master)
		s.todoSave = true
	}
}

// receiveSlots is clusterUpdateSlotsConfigWith for a master sender, and
// the UPDATE check for stale claims.
func (s *State) receiveSlots(sender *clusterNode, h Header) {
	if h.Master != "" {
		// A replica advertises its master's slots and configEpoch: news
		// of a failover travels through the replicas too, as in Redis.
		if master := s.nodes[h.Master]; master != nil && master.isMaster() && master != s.myself && !master.has(flagHandshake) {
			if h.ConfigEpoch > master.configEpoch {
				master.configEpoch = h.ConfigEpoch
				s.todoSave = true
			}
			s.claimSlots(master, h.ConfigEpoch, &h.Slots)
		}
		return
	}
	// Does the sender claim a slot a node with a newer config owns? Then
	// tell it (UPDATE).
	var stale *clusterNode
	h.Slots.eachNotIn(&sender.slotBits, func(slot int) bool {
		if owner := s.slots[slot]; owner != nil && s.beats(owner.configEpoch, h.ConfigEpoch) {
			stale = owner
			return false
		}
		return true
	})
	if stale != nil {
		s.sendUpdate(sender, stale)
		return
	}
	s.claimSlots(sender, h.ConfigEpoch, &h.Slots)
}

// beats reports whether a claim with epoch a wins over one with epoch b.
func (s *State) beats(a, b uint64) bool {
	if s.cfg.Bugs.SlotOwnerLowestEpoch {
		return a < b
	}
	return a > b
}

// claimSlots gives claimer (with configEpoch epoch) every slot of claimed
// it wins, and adjusts myself's role if it lost its slots.
func (s *State) claimSlots(claimer *clusterNode, epoch uint64, claimed *SlotBitmap) {
	me := s.myself
	var myOldMaster *clusterNode
	if me.isMaster() {
		myOldMaster = me
	} else {
		myOldMaster = me.master
	}
	var dirty []int
	changed, lostOurs := false, false
	claimed.eachNotIn(&claimer.slotBits, func(slot int) bool {
		owner := s.slots[slot]
		if s.importingFrom[slot] != nil && owner == me {
			return true // resharding is moving it here: the migration settles it
		}
		if owner == nil || s.beats(epoch, owner.configEpoch) {
			if owner == me && s.host.CountKeysInSlot(slot) > 0 && claimer != me {
				dirty = append(dirty, slot)
			}
			if owner != nil && owner == myOldMaster {
				lostOurs = true
			}
			s.assignSlot(slot, claimer)
			changed = true
		}
		return true
	})
	if !changed {
		return
	}
	s.todoSave, s.todoUpdateState = true, true
	// Lost every slot to claimer: follow it (a returning old master, or
	// a replica whose master was failed over).
	if lostOurs && myOldMaster.numSlots == 0 && claimer != me {
		s.env.Logf("cluster: configuration change detected: following %s", claimer.name)
		s.becomeReplicaOf(claimer)
		return
	}
	for _, slot := range dirty {
		s.host.DeleteKeysInSlot(slot)
	}
}

// becomeReplicaOf turns myself into a replica of master.
func (s *State) becomeReplicaOf(master *clusterNode) {
	me := s.myself
	for slot := range SlotCount {
		if s.slots[slot] == me {
			s.assignSlot(slot, nil)
		}
		s.migratingTo[slot], s.importingFrom[slot] = nil, nil
	}
	me.flags = me.flags&^flagMaster | flagReplica
	setMasterOf(me, master)
	s.resetManualFailover()
	s.host.ReplicateFrom(s.peer(master))
	s.todoSave, s.todoUpdateState = true, true
}

func (s *State) sendUpdate(to, owner *clusterNode) {
	u := Update{Header: s.header(), Name: owner.name, ConfigEpoch: owner.configEpoch, Slots: owner.slotBits}
	s.send(to, "update", u)
}

func (s *State) receiveUpdate(m Update) {
	sender := s.known(m.Header)
	if sender == nil {
		return
	}
	s.receiveEpochs(sender, m.Header)
	owner := s.nodes[m.Name]
	if owner == nil || owner.configEpoch >= m.ConfigEpoch && owner != s.myself {
		if owner == nil {
			return
		}
	}
	if owner.configEpoch < m.ConfigEpoch {
		owner.configEpoch = m.ConfigEpoch
	}
	if owner.has(flagReplica) {
		setMasterOf(owner, nil)
		owner.flags = owner.flags&^flagReplica | flagMaster
	}
	s.claimSlots(owner, m.ConfigEpoch, &m.Slots)
}

// receiveGossip processes what sender says about another node.
func (s *State) receiveGossip(sender *clusterNode, g Gossip) {
	if g.Name == s.myself.name {
		s.receiveGossipOfMyself(g)
		return
	}
	cn := s.nodes[g.Name]
	if cn == nil {
		if g.Flags&(flagNoAddr|flagHandshake) == 0 && !s.isForgotten(g.Name) && !s.handshakeWith(g.IP, g.BusPort) {
			s.startHandshake(g.IP, g.Port, g.BusPort)
		}
		return
	}
	if sender.isMaster() && cn != s.myself {
		if g.Flags&(flagFail|flagPFail) != 0 {
			s.addFailReport(cn, sender)
			s.markFailingIfNeeded(cn)
		} else {
			s.delFailReport(cn, sender)
		}
	}
}

// gossipClockSkewMax is how far in our future a peer's reported pong
// time may be and still count (Redis allows 500 ms).
const gossipClockSkewMax = 500 * time.Millisecond

// receiveGossipOfMyself keeps the newest time a peer reports having had a
// pong from myself, which CLUSTER NODES shows as myself's pong-recv, as
// Redis's gossip processing does. Redis's gossip carries it in whole
// seconds, so it is kept at that resolution.
func (s *State) receiveGossipOfMyself(g Gossip) {
	if g.Flags&(flagFail|flagPFail) != 0 || g.PongReceivedMillis <= 0 {
		return
	}
	pong := time.UnixMilli(g.PongReceivedMillis / 1000 * 1000)
	if pong.After(s.env.Now().Add(gossipClockSkewMax)) || !pong.After(s.myself.pongReceived) {
		return
	}
	s.myself.pongReceived = pong
}

func (s *State) handshakeWith(ip string, busPort int) bool {
	bus := s.cfg.BusID(ip, busPort)
	for _, cn := range s.nodes {
		if cn.has(flagHandshake) && cn.bus == bus {
			return true
		}
	}
	return false
}

// startHandshake adds a node known only by address, under a random name
// until its first pong tells the real one, and greets it.
func (s *State) startHandshake(ip string, port, busPort int) *clusterNode {
	cn := &clusterNode{name: s.randomName(), flags: flagHandshake | flagMeet, ip: ip, port: port, busPort: busPort,
		bus: s.cfg.BusID(ip, busPort), created: s.env.Now()}
	s.addNode(cn)
	s.sendPing(cn, kindMeet)
	return cn
}

func (s *State) addFailReport(failing, reporter *clusterNode) {
	now := s.env.Now()
	for i := range failing.failReports {
		if failing.failReports[i].reporter == reporter {
			failing.failReports[i].at = now
			return
		}
	}
	failing.failReports = append(failing.failReports, failReport{reporter: reporter, at: now})
}

func (s *State) delFailReport(failing, reporter *clusterNode) {
	failing.failReports = slicesDelete(failing.failReports, func(r failReport) bool { return r.reporter == reporter })
}

// validFailReports drops expired reports and counts the rest.
func (s *State) validFailReports(cn *clusterNode) int {
	maxAge := s.cfg.NodeTimeout * failReportValidityMult
	now := s.env.Now()
	cn.failReports = slicesDelete(cn.failReports, func(r failReport) bool { return now.Sub(r.at) > maxAge })
	return len(cn.failReports)
}

// markFailingIfNeeded turns PFAIL into FAIL once a majority of masters
// (this one included, if a master) report the node failing, and tells
// everybody.
func (s *State) markFailingIfNeeded(cn *clusterNode) {
	if !cn.has(flagPFail) || cn.has(flagFail) {
		return
	}
	quorum := s.clusterSize()/2 + 1
	reports := s.validFailReports(cn)
	if s.myself.isMaster() {
		reports++
	}
	if reports < quorum {
		return
	}
	s.env.Logf("cluster: marking node %s as failing (quorum reached)", cn.name)
	cn.flags = cn.flags&^flagPFail | flagFail
	cn.failTime = s.env.Now()
	s.broadcast("fail", Fail{Header: s.header(), Failing: cn.name})
	s.todoSave, s.todoUpdateState = true, true
}

func (s *State) receiveFail(m Fail) {
	if s.known(m.Header) == nil {
		return
	}
	cn := s.nodes[m.Failing]
	if cn == nil || cn == s.myself || cn.has(flagFail) {
		return
	}
	cn.flags = cn.flags&^flagPFail | flagFail
	cn.failTime = s.env.Now()
	s.todoSave, s.todoUpdateState = true, true
}

// clearFailIfPossible is clearNodeFailureIfNeeded: a reachable replica or
// slotless master loses FAIL at once; a master with slots only after
// NodeTimeout × 2, when evidently nobody failed it over.
func (s *State) clearFailIfPossible(cn *clusterNode) {
	if !cn.has(flagFail) {
		return
	}
	if cn.has(flagReplica) || cn.numSlots == 0 || s.env.Now().Sub(cn.failTime) > s.cfg.NodeTimeout*failUndoTimeMult {
		s.env.Logf("cluster: clearing FAIL state for node %s: it is reachable again", cn.name)
		cn.flags &^= flagFail
		s.todoSave, s.todoUpdateState = true, true
	}
}

// Cron is clusterCron, every 100 ms: handshakes, heartbeats, PFAIL
// detection, failover, state.
func (s *State) Cron() {
	now := s.env.Now()
	s.cronTicks++
	handshakeTimeout := max(s.cfg.NodeTimeout, handshakeTimeoutMin)
	for _, cn := range s.sortedNodes() {
		if cn.has(flagHandshake) && now.Sub(cn.created) > handshakeTimeout {
			s.delNode(cn)
		}
	}
	for name, until := range s.forgotten {
		if now.After(until) {
			delete(s.forgotten, name)
		}
	}
	others := s.others()
	// Once a second, ping the node with the oldest pong among a sample.
	if s.cronTicks%10 == 0 && len(others) > 0 {
		var stalest *clusterNode
		for range pingSampleSize {
			cn := others[s.env.Rand().IntN(len(others))]
			if !cn.pingSent.IsZero() || cn.has(flagHandshake) {
				continue
			}
			if stalest == nil || cn.pongReceived.Before(stalest.pongReceived) {
				stalest = cn
			}
		}
		if stalest != nil {
			s.sendPing(stalest, kindPing)
		}
	}
	half := s.cfg.NodeTimeout / 2
	for _, cn := range others {
		if cn.has(flagHandshake) {
			if s.cronTicks%10 == 0 {
				s.sendPing(cn, kindMeet) // retried each second until answered or timed out
			}
			continue
		}
		// No ping pending and the last pong is old: ping now, so a silent
		// node is detected within NodeTimeout.
		if cn.pingSent.IsZero() && now.Sub(cn.pongReceived) > half {
			s.sendPing(cn, kindPing)
			continue
		}
		// A ping pending for half the timeout may have been lost: send
		// another (the original pingSent keeps counting).
		if !cn.pingSent.IsZero() && now.Sub(cn.pingSent) > half && (s.cronTicks%10 == 0) {
			s.resendPing(cn)
		}
		if !cn.pingSent.IsZero() && now.Sub(cn.pingSent) > s.cfg.NodeTimeout && !cn.failing() {
			s.env.Logf("cluster: *** node %s possibly failing", cn.name)
			cn.flags |= flagPFail
			s.todoUpdateState = true
		}
	}
	for _, cn := range others {
		if cn.has(flagPFail) {
			s.markFailingIfNeeded(cn)
		}
		if cn.has(flagFail) && !cn.pongReceived.IsZero() && cn.pongReceived.After(cn.failTime) {
			s.clearFailIfPossible(cn)
		}
	}
	if s.myself.has(flagReplica) {
		s.replicaCron()
	}
	s.manualFailoverCron()
	s.updateState()
	s.beforeSleep()
}

func (s *State) resendPing(cn *clusterNode) {
	sent := cn.pingSent
	s.sendPing(cn, kindPing)
	cn.pingSent = sent
}

// others lists every node but myself, by name.
func (s *State) others() []*clusterNode {
	var out []*clusterNode
	for _, cn := range s.sortedNodes() {
		if cn != s.myself {
			out = append(out, cn)
		}
	}
	return out
}

func (s *State) isForgotten(name string) bool {
	until, ok := s.forgotten[name]
	return ok && s.env.Now().Before(until)
}

func slicesDelete[T any](in []T, drop func(T) bool) []T {
	out := in[:0]
	for _, x := range in {
		if !drop(x) {
			out = append(out, x)
		}
	}
	return out
}

// handleEpochCollision: two masters with the same configEpoch (after
// manual SET-CONFIG-EPOCH mistakes, or two slotless bumps) would never
// resolve a slot conflict between them; the one with the lower name takes
// a new epoch, so all epochs end up distinct.
func (s *State) handleEpochCollision(sender *clusterNode, h Header) {
	me := s.myself
	if h.Master != "" || !sender.isMaster() || !me.isMaster() || sender.configEpoch != me.configEpoch {
		return
	}
	if sender.name <= me.name {
		return
	}
	s.currentEpoch++
	me.configEpoch = s.currentEpoch
	s.todoSave = true
	s.env.Logf("cluster: configEpoch collision with node %s: configEpoch set to %d", sender.name, me.configEpoch)
}

// busParts returns the header and gossip of a bus message.
func busParts(msg node.Message) (Header, []Gossip, bool) {
	switch m := msg.(type) {
	case Ping:
		return m.Header, m.Gossip, true
	case Pong:
		return m.Header, m.Gossip, true
	case Meet:
		return m.Header, m.Gossip, true
	case Fail:
		return m.Header, []Gossip{{Name: m.Failing}}, true
	case FailoverAuthRequest:
		return m.Header, nil, true
	case FailoverAuthAck:
		return m.Header, nil, true
	case Update:
		return m.Header, []Gossip{{Name: m.Name}}, true
	case MFStart:
		return m.Header, nil, true
	}
	return Header{}, nil, false
}

// gossipEntriesMax bounds a message's gossip section.
const gossipEntriesMax = 1 << 12

func wellFormed(h Header, gossip []Gossip) bool {
	if !validName(h.Sender) || h.Master != "" && (!validName(h.Master) || h.Master == h.Sender) {
		return false
	}
	if !validEndpoint(h.IP, h.Port, h.BusPort) || len(gossip) > gossipEntriesMax {
		return false
	}
	for _, g := range gossip {
		if !validName(g.Name) || !validEndpoint(g.IP, g.Port, g.BusPort) {
			return false
		}
	}
	return true
}

// validEndpoint: an address nodes.conf can hold (no separators inside).
func validEndpoint(ip string, port, busPort int) bool {
	if len(ip) > 255 || port < 0 || port > 65535 || busPort < 0 || busPort > 65535 {
		return false
	}
	for i := 0; i < len(ip); i++ {
		if c := ip[i]; c <= ' ' || c == '@' || c == ',' || c >= 0x7f {
			return false
		}
	}
	return true
}
