package cluster

import (
	"time"
)

// Replica failover, as the Redis Cluster specification describes it.
//
// A replica whose master is FAIL (and whose data is not too old) waits
// 500 ms + random(0–500 ms) + rank × 1 s — rank 0 for the replica with the
// highest replication offset among its master's replicas — so the best
// replica usually asks first. It then bumps currentEpoch and asks every
// master for its vote. A master votes at most once per epoch, and
// lastVoteEpoch reaches the disk before the vote leaves (otherwise a
// master that crashes and restarts could vote twice in one epoch, and two
// replicas could win the same epoch). A replica with the votes of a
// majority of the masters with slots takes its master's slots with
// configEpoch = the election's epoch, which beats the old master's, and
// tells everybody with a Pong.

const (
	electionFixedDelay  = 500 * time.Millisecond
	electionRandomDelay = 500 * time.Millisecond
	electionRankDelay   = time.Second
	// authTimeoutMin bounds the election timeout (NodeTimeout × 2).
	authTimeoutMin = 2 * time.Second
	// manualFailoverTimeout is how long a manual failover may take
	// (Redis's CLUSTER_MF_TIMEOUT).
	manualFailoverTimeout = 5 * time.Second
	// electionResendInterval: Redis's bus runs on TCP, which retransmits
	// what the network loses; here a lost request or vote would stall the
	// election until its retry (4 × node timeout), so the replica resends
	// its request to the masters that have not voted, this often, until
	// the election times out.
	electionResendInterval = 500 * time.Millisecond
)

// election is a replica's failover attempt (Redis's failover_auth_*).
type election struct {
	at    time.Time // when the request is (or was) sent; zero: none scheduled
	sent  bool
	epoch uint64 // the epoch asked for
	// voters are the masters that voted: distinct, since the network may
	// duplicate an ack and a resent request is acked again.
	voters map[string]bool
	// resentAt is when the request was last (re)sent.
	resentAt time.Time
	rank     int
	logged   time.Time
}

// manualFailover is CLUSTER FAILOVER's state (Redis's mf_*). On a
// replica: the master and the offset to reach; on a master: the replica
// it pauses for.
type manualFailover struct {
	deadline     time.Time
	replica      bool
	master       *clusterNode
	masterOffset int64 // -1 until the paused master told it
	canStart     bool
	pausedFor    *clusterNode
}

func (s *State) authTimeout() time.Duration { return max(s.cfg.NodeTimeout*2, authTimeoutMin) }

// rank is how many sibling replicas have a higher offset than myself.
func (s *State) rank() int {
	master := s.myself.master
	mine := s.host.ReplicationOffset()
	rank := 0
	for _, r := range master.replicas {
		if r != s.myself && r.replOffset > mine {
			rank++
		}
	}
	return rank
}

// replicaCron is clusterHandleSlaveFailover, run every cron tick on a
// replica.
func (s *State) replicaCron() {
	me, master := s.myself, s.myself.master
	now := s.env.Now()
	manual := s.manual.replica && s.manual.canStart
	if master == nil || master.numSlots == 0 || !master.has(flagFail) && !manual {
		s.election = election{}
		return
	}
	// Data age: how long since we last heard from the master, less the
	// NodeTimeout it took to notice it failed.
	if !manual && s.cfg.ReplicaValidityFactor > 0 {
		age := now.Sub(master.dataReceived) - s.cfg.NodeTimeout
		if !master.dataReceived.IsZero() && age > s.cfg.NodeTimeout*time.Duration(s.cfg.ReplicaValidityFactor)+time.Second {
			if now.Sub(s.election.logged) > 10*time.Second {
				s.env.Logf("cluster: my data is too old to fail over (%s)", age)
				s.election.logged = now
			}
			return
		}
	}
	e := &s.election
	if e.at.IsZero() || now.Sub(e.at) > s.authTimeout()*2 {
		// Schedule (again): a previous attempt timed out.
		e.rank = s.rank()
		e.at = now.Add(electionFixedDelay + time.Duration(s.env.Rand().Int64N(int64(electionRandomDelay))) + time.Duration(e.rank)*electionRankDelay)
		if manual {
			e.at, e.rank = now, 0
		}
		e.sent, e.voters = false, nil
		// Tell the siblings our offset, so their ranks are right.
		for _, r := range master.replicas {
			if r != me {
				s.sendPing(r, kindPong)
			}
		}
		s.env.Logf("cluster: start of election delayed until %s (rank #%d, offset %d)", e.at.Format(time.RFC3339Nano), e.rank, s.host.ReplicationOffset())
		return
	}
	if !e.sent && !manual {
		if r := s.rank(); r > e.rank {
			e.at = e.at.Add(time.Duration(r-e.rank) * electionRankDelay)
			e.rank = r
		}
	}
	if now.Before(e.at) {
		return
	}
	if now.Sub(e.at) > s.authTimeout() {
		return // timed out; rescheduled after authTimeout × 2
	}
	if !e.sent {
		s.currentEpoch++
		e.epoch, e.sent, e.voters, e.resentAt = s.currentEpoch, true, map[string]bool{}, now
		s.env.Logf("cluster: starting a failover election for epoch %d", e.epoch)
		// Like Redis, the epoch reaches nodes.conf before anyone hears of it.
		s.saveConfigOrLog()
		s.broadcast("auth-req", FailoverAuthRequest{Header: s.header(), Force: manual})
		return
	}
	if now.Sub(e.resentAt) >= electionResendInterval {
		e.resentAt = now
		req := FailoverAuthRequest{Header: s.header(), Force: manual}
		req.CurrentEpoch = e.epoch
		for _, cn := range s.sortedNodes() {
			if cn != me && cn.isMaster() && cn.numSlots > 0 && !e.voters[cn.name] && !cn.has(flagHandshake) {
				s.send(cn, "auth-req", req)
			}
		}
	}
}

// winElection makes myself the master of its old master's slots.
func (s *State) winElection() {
	me, old := s.myself, s.myself.master
	s.env.Logf("cluster: failover election won: I'm the new master (epoch %d)", s.election.epoch)
	if me.configEpoch < s.election.epoch {
		me.configEpoch = s.election.epoch
	}
	for slot := range SlotCount {
		if s.slots[slot] == old {
			s.assignSlot(slot, me)
		}
	}
	setMasterOf(me, nil)
	me.flags = me.flags&^flagReplica | flagMaster
	s.election = election{}
	s.resetManualFailover()
	s.host.BecomeMaster()
	s.updateState()
	s.saveConfigOrLog()
	s.broadcastPong()
}

// receiveVote counts a master's vote for the current election.
func (s *State) receiveVote(sender *clusterNode, h Header) {
	e := &s.election
	if !sender.isMaster() || sender.numSlots == 0 || !e.sent || h.CurrentEpoch < e.epoch || e.voters[sender.name] {
		return
	}
	e.voters[sender.name] = true
	if len(e.voters) >= s.clusterSize()/2+1 {
		s.winElection()
	}
}

// voteIfNeeded is clusterSendFailoverAuthIfNeeded: a master's decision
// to vote for a replica.
func (s *State) voteIfNeeded(requester *clusterNode, m FailoverAuthRequest) {
	me := s.myself
	if !me.isMaster() || me.numSlots == 0 {
		return
	}
	if m.CurrentEpoch == s.lastVoteEpoch && s.lastVoteEpoch == s.currentEpoch && requester == s.lastVoteFor {
		// A resend from the candidate this master already voted for in
		// this epoch: its ack was lost. Acking again gives no second
		// candidate a vote, so it is as safe as TCP's retransmission.
		s.send(requester, "auth-ack", FailoverAuthAck{Header: s.header()})
		return
	}
	if m.CurrentEpoch < s.currentEpoch || s.lastVoteEpoch == s.currentEpoch {
		return
	}
	master := requester.master
	if !requester.has(flagReplica) || master == nil {
		return
	}
	if !master.has(flagFail) && !m.Force {
		return
	}
	now := s.env.Now()
	if !master.voteTime.IsZero() && now.Sub(master.voteTime) < s.cfg.NodeTimeout*2 {
		return
	}
	// Every slot the replica claims must not belong to a newer config.
	for slot := range SlotCount {
		if !m.Slots.Has(slot) {
			continue
		}
		if owner := s.slots[slot]; owner != nil && owner.configEpoch > m.ConfigEpoch {
			return
		}
	}
	votedBefore := s.lastVoteEpoch
	s.lastVoteEpoch = s.currentEpoch
	if !s.cfg.Bugs.VoteNotPersisted {
		// The vote must survive a crash before anyone learns of it.
		if err := s.saveConfig(); err != nil {
			s.env.Logf("cluster: not voting: saving the vote failed: %v", err)
			s.lastVoteEpoch = votedBefore
			return
		}
	}
	master.voteTime = now
	s.lastVoteFor = requester
	s.env.Logf("cluster: failover auth granted to %s for epoch %d", requester.name, s.currentEpoch)
	s.send(requester, "auth-ack", FailoverAuthAck{Header: s.header()})
}

// --- manual failover (CLUSTER FAILOVER) ---

func (s *State) resetManualFailover() {
	s.manual = manualFailover{masterOffset: -1}
}

// startManualFailover begins CLUSTER FAILOVER on a replica. force skips
// the master handshake; takeover also skips the election.
func (s *State) startManualFailover(force, takeover bool) {
	me := s.myself
	if takeover {
		s.currentEpoch++
		s.election.epoch = s.currentEpoch
		s.env.Logf("cluster: taking over the master (epoch %d), no election", s.currentEpoch)
		s.winElection()
		return
	}
	s.resetManualFailover()
	s.manual.replica, s.manual.master = true, me.master
	s.manual.deadline = s.env.Now().Add(manualFailoverTimeout)
	s.election = election{}
	if force {
		s.manual.canStart = true
		return
	}
	s.send(me.master, "mfstart", MFStart{Header: s.header()})
}

// receiveMFStart: a replica asks its master to pause for a manual failover.
func (s *State) receiveMFStart(replica *clusterNode) {
	if !s.myself.isMaster() || replica.master != s.myself {
		return
	}
	s.resetManualFailover()
	s.manual.pausedFor = replica
	s.manual.deadline = s.env.Now().Add(manualFailoverTimeout)
	s.env.Logf("cluster: manual failover requested by replica %s: pausing writes", replica.name)
	s.sendPing(replica, kindPing) // carries ManualPaused and the offset
}

// manualFailoverProgress reads the paused master's offset from its
// heartbeats.
func (s *State) manualFailoverProgress(sender *clusterNode, h Header) {
	if s.manual.replica && sender == s.manual.master && h.ManualPaused && s.manual.masterOffset < 0 {
		s.manual.masterOffset = h.Offset
	}
}

func (s *State) manualFailoverCron() {
	m := &s.manual
	if m.deadline.IsZero() {
		return
	}
	if s.env.Now().After(m.deadline) {
		s.env.Logf("cluster: manual failover timed out")
		s.resetManualFailover()
		return
	}
	if m.pausedFor != nil {
		s.sendPing(m.pausedFor, kindPing)
		return
	}
	if m.replica && !m.canStart && m.masterOffset >= 0 && s.host.ReplicationOffset() >= m.masterOffset {
		s.env.Logf("cluster: all master replication stream processed, manual failover can start")
		m.canStart = true
	}
}

// PausedForFailover reports whether this master holds writes back for a
// manual failover (the routing refuses them meanwhile).
func (s *State) PausedForFailover() bool { return s.manual.pausedFor != nil }
