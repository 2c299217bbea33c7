package cluster

import (
	"fmt"
	"slices"
	"strconv"
	"time"

	"syslab/engines/cache/resp"
	"syslab/node"
)

// Node flags, with Redis's values (cluster.h CLUSTER_NODE_*).
const (
	flagMyself    uint16 = 1
	flagMaster    uint16 = 2
	flagReplica   uint16 = 4
	flagPFail     uint16 = 8
	flagFail      uint16 = 16
	flagHandshake uint16 = 32
	flagNoAddr    uint16 = 64
	flagMeet      uint16 = 128
)

const (
	nameBytes = 40
	// failReportValidityMult: a failure report counts for NodeTimeout × 2.
	failReportValidityMult = 2
	// failUndoTimeMult: a FAIL master with slots that is reachable again
	// has its FAIL cleared after NodeTimeout × 2 (nobody failed it over).
	failUndoTimeMult = 2
	// handshakeTimeoutMin bounds how fast an unanswered handshake is dropped.
	handshakeTimeoutMin = time.Second
	// CronInterval is clusterCron's period: the host calls State.Cron this often.
	CronInterval = 100 * time.Millisecond
	// pingsPerSecondSample: once a second, ping the stalest of this many
	// random nodes (Redis's clusterCron does the same with 5).
	pingSampleSize = 5
	// gossipEntriesMin and the 1/10 ratio are Redis's gossip section size.
	gossipEntriesMin = 3
	// writableDelay: a master waits this long after start before the
	// cluster state can turn ok (Redis's CLUSTER_WRITABLE_DELAY).
	writableDelay = 2 * time.Second
	// rejoinDelayMin and rejoinDelayMax bound the rejoin delay (Redis's
	// CLUSTER_MIN_REJOIN_DELAY and CLUSTER_MAX_REJOIN_DELAY).
	rejoinDelayMin = 500 * time.Millisecond
	rejoinDelayMax = 5 * time.Second
)

// clusterNode is one entry of the nodes table (Redis's clusterNode).
type clusterNode struct {
	name        string
	flags       uint16
	ip          string
	port        int
	busPort     int
	bus         node.ID
	configEpoch uint64
	// numSlots and slotBits are the slots this node owns in s.slots,
	// kept in step by assignSlot: headers copy the bitmap, and an
	// incoming claim is compared with it a byte at a time.
	numSlots int
	slotBits SlotBitmap
	master   *clusterNode
	replicas []*clusterNode
	// pingSent is when the ping waiting for a pong was sent (zero: none);
	// pongReceived when the last pong came; both on this node's clock.
	pingSent, pongReceived, dataReceived time.Time
	created                              time.Time
	failTime                             time.Time
	// voteTime is when this node last voted for a replica of this master.
	voteTime    time.Time
	failReports []failReport
	replOffset  int64
}

type failReport struct {
	reporter *clusterNode
	at       time.Time
}

func (cn *clusterNode) has(f uint16) bool { return cn.flags&f != 0 }
func (cn *clusterNode) isMaster() bool    { return cn.has(flagMaster) }
func (cn *clusterNode) failing() bool     { return cn.has(flagPFail | flagFail) }

func (cn *clusterNode) addr() string { return cn.ip + ":" + strconv.Itoa(cn.port) }

// State is one node's view of the cluster, and the cluster protocol it
// runs: the nodes table, epochs, slot ownership, gossip, failure
// detection and failover. It is a pure state machine over node.Env.
type State struct {
	env    node.Env
	cfg    Config
	host   Host
	myself *clusterNode
	// nodes by name; iterate sortedNodes() so map order never decides.
	nodes         map[string]*clusterNode
	slots         [SlotCount]*clusterNode
	migratingTo   [SlotCount]*clusterNode
	importingFrom [SlotCount]*clusterNode
	currentEpoch  uint64
	lastVoteEpoch uint64
	// lastVoteFor is whom this master voted for in lastVoteEpoch; kept in
	// memory only (nodes.conf has no field for it), so after a restart
	// the vote is never repeated, not even to the same candidate.
	lastVoteFor *clusterNode
	// loadedVoteEpoch is lastVoteEpoch as read at start (Bugs.VoteNotPersisted
	// writes it back forever).
	loadedVoteEpoch uint64
	ok              bool
	// size is cluster_size as last computed by updateState: Redis caches
	// it, starting at 1, and CLUSTER INFO shows the cached value.
	size int
	// startedAt is when this incarnation started (the writable delay);
	// amongMinority when it last could not reach a majority of masters
	// (the rejoin delay).
	startedAt, amongMinority time.Time
	// failover, as a replica (failover.go).
	election election
	manual   manualFailover
	// todo are the deferred actions of the current event (Redis's
	// clusterDoBeforeSleep flags).
	todoSave, todoUpdateState bool
	stats                     messageStats
	cronTicks                 int64
	// forgotten are nodes CLUSTER FORGET removed, not re-added from
	// gossip until the time stored (Redis's nodes blacklist, 60 s).
	forgotten map[string]time.Time
}

// New returns the cluster state of the node env runs, loading its
// nodes.conf (or creating the node's identity when there is none). A
// corrupt or unreadable file is an error: the node must refuse service.
func New(env node.Env, cfg Config, host Host) (*State, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	s := &State{env: env, cfg: cfg.withDefaults(), host: host, nodes: map[string]*clusterNode{}, forgotten: map[string]time.Time{}, size: 1}
	s.startedAt = env.Now()
	if err := s.loadConfig(); err != nil {
		return nil, err
	}
	s.updateState()
	return s, nil
}

// Start greets the known nodes; call it once after New. The host calls
// Cron every 100 ms.
func (s *State) Start() {
	// Tell the peers we are back at once (Redis reconnects all links).
	for _, cn := range s.sortedNodes() {
		if cn != s.myself && !cn.has(flagHandshake) {
			s.sendPing(cn, kindPing)
		}
	}
	s.beforeSleep()
}

func (s *State) randomName() string {
	const hex = "0123456789abcdef"
	b := make([]byte, nameBytes)
	for i := range b {
		b[i] = hex[s.env.Rand().IntN(16)]
	}
	return string(b)
}

func (s *State) newMyself() {
	me := &clusterNode{name: s.randomName(), flags: flagMyself | flagMaster, created: s.env.Now()}
	s.applyAnnounce(me)
	s.addNode(me)
	s.myself = me
}

func (s *State) applyAnnounce(me *clusterNode) {
	me.ip, me.port, me.busPort = s.cfg.AnnounceIP, s.cfg.AnnouncePort, s.cfg.AnnounceBusPort
	me.bus = s.env.Self()
}

func (s *State) addNode(cn *clusterNode) {
	if _, dup := s.nodes[cn.name]; dup {
		panic("cluster: node " + cn.name + " added twice")
	}
	s.nodes[cn.name] = cn
}

// sortedNodes lists the nodes table by name.
func (s *State) sortedNodes() []*clusterNode {
	out := make([]*clusterNode, 0, len(s.nodes))
	for _, cn := range s.nodes {
		out = append(out, cn)
	}
	slices.SortFunc(out, func(a, b *clusterNode) int {
		switch {
		case a.name < b.name:
			return -1
		case a.name > b.name:
			return 1
		}
		return 0
	})
	return out
}

// delNode removes cn from the table and from everything that points at it.
func (s *State) delNode(cn *clusterNode) {
	if cn == s.myself {
		panic("cluster: deleting myself")
	}
	for slot := range SlotCount {
		if s.slots[slot] == cn {
			s.slots[slot] = nil
		}
		if s.migratingTo[slot] == cn {
			s.migratingTo[slot] = nil
		}
		if s.importingFrom[slot] == cn {
			s.importingFrom[slot] = nil
		}
	}
	for _, other := range s.nodes {
		other.failReports = slices.DeleteFunc(other.failReports, func(r failReport) bool { return r.reporter == cn })
	}
	if cn.master != nil {
		cn.master.replicas = slices.DeleteFunc(cn.master.replicas, func(r *clusterNode) bool { return r == cn })
	}
	for _, r := range cn.replicas {
		r.master = nil
	}
	if s.lastVoteFor == cn {
		s.lastVoteFor = nil
	}
	delete(s.nodes, cn.name)
	s.todoUpdateState = true
}

// setMasterOf records that replica follows master (nil: none).
func setMasterOf(replica, master *clusterNode) {
	if replica.master == master {
		return
	}
	if replica.master != nil {
		replica.master.replicas = slices.DeleteFunc(replica.master.replicas, func(r *clusterNode) bool { return r == replica })
	}
	replica.master = master
	if master != nil {
		master.replicas = append(master.replicas, replica)
	}
}

func (s *State) assignSlot(slot int, owner *clusterNode) {
	if prev := s.slots[slot]; prev != nil {
		prev.numSlots--
		prev.slotBits.clear(slot)
		if prev.numSlots < 0 {
			panic("cluster: negative slot count for " + prev.name)
		}
	}
	s.slots[slot] = owner
	if owner != nil {
		owner.numSlots++
		owner.slotBits.Set(slot)
	}
}

// peer is cn as a Peer.
func (s *State) peer(cn *clusterNode) Peer {
	if cn == nil {
		return Peer{}
	}
	return Peer{Name: cn.name, Addr: cn.addr(), Bus: cn.bus}
}

// Myself is this node as a Peer.
func (s *State) Myself() Peer { return s.peer(s.myself) }

// MyName is this node's 40-hex name.
func (s *State) MyName() string { return s.myself.name }

// MasterPeer is the master this node replicates, or the zero Peer.
func (s *State) MasterPeer() Peer {
	if s.myself.has(flagReplica) {
		return s.peer(s.myself.master)
	}
	return Peer{}
}

// IsReplica reports whether this node is a replica in the cluster.
func (s *State) IsReplica() bool { return s.myself.has(flagReplica) }

// Route is what command routing needs to know about slot.
func (s *State) Route(slot int) Route {
	if slot < 0 || slot >= SlotCount {
		panic(fmt.Sprintf("cluster: Route(%d): slot out of range", slot))
	}
	owner := s.slots[slot]
	r := Route{Owner: s.peer(owner), Mine: owner != nil && owner == s.myself}
	r.ReplicaOfOwner = owner != nil && s.myself.master == owner
	if r.Mine {
		r.MigratingTo = s.peer(s.migratingTo[slot])
	}
	r.Importing = s.importingFrom[slot] != nil
	return r
}

var errClusterDown = fmt.Errorf("CLUSTERDOWN The cluster is down")

// Serving is nil while the cluster state is ok, else the CLUSTERDOWN
// error clients get for every key command.
func (s *State) Serving() error {
	if s.ok {
		return nil
	}
	return errClusterDown
}

// WritesAllowed reports whether this node may accept writes: it serves,
// and it is a master.
func (s *State) WritesAllowed() bool { return s.ok && s.myself.isMaster() }

// reachableQuorum is how many masters with slots form a majority.
func (s *State) clusterSize() int {
	size := 0
	for _, cn := range s.nodes {
		if cn.isMaster() && cn.numSlots > 0 {
			size++
		}
	}
	return size
}

// updateState is clusterUpdateState: the cluster is ok when every slot
// has a working owner (unless partial coverage is allowed) and this node
// reaches a majority of the masters with slots.
func (s *State) updateState() {
	now := s.env.Now()
	wasOK := s.ok
	if s.myself.isMaster() && !wasOK && now.Sub(s.startedAt) < writableDelay {
		return // let the node learn the configuration first
	}
	// Every assigned slot is counted in its owner's numSlots, so
	// coverage is a sum over the nodes, not a scan of 16384 slots.
	size, reachable, assigned, failedOwner := 0, 0, 0, false
	for _, cn := range s.nodes {
		assigned += cn.numSlots
		if cn.numSlots > 0 && cn.has(flagFail) {
			failedOwner = true
		}
		if cn.isMaster() && cn.numSlots > 0 {
			size++
			if !cn.failing() {
				reachable++
			}
		}
	}
	ok := s.cfg.AllowPartialCoverage || assigned == SlotCount && !failedOwner
	s.size = size
	// Split-brain protection: a node that cannot reach a majority of the
	// masters with slots (itself included) stops serving, so a master cut
	// off in a minority stops taking writes once it notices, NodeTimeout
	// after the cut, while the majority side elects its replacement.
	if reachable < size/2+1 {
		if !(s.cfg.Bugs.IsolatedMasterAcceptsWrites && s.myself.isMaster()) {
			ok = false
		}
		s.amongMinority = now
	}
	if ok != wasOK {
		// Back from the minority, a master waits a little before serving,
		// so it first learns whether it lost its slots meanwhile.
		if ok && s.myself.isMaster() && !s.amongMinority.IsZero() && now.Sub(s.amongMinority) < s.rejoinDelay() {
			return
		}
		s.env.Logf("cluster: state changed to %s", map[bool]string{true: "ok", false: "fail"}[ok])
		s.ok = ok
	}
}

// rejoinDelay is Redis's: NodeTimeout within [500 ms, 5 s].
func (s *State) rejoinDelay() time.Duration {
	return min(max(s.cfg.NodeTimeout, rejoinDelayMin), rejoinDelayMax)
}

// beforeSleep runs what the current event deferred: update the state,
// save nodes.conf.
func (s *State) beforeSleep() {
	if s.todoUpdateState {
		s.todoUpdateState = false
		s.updateState()
	}
	if s.todoSave {
		s.todoSave = false
		s.saveConfigOrLog()
	}
}

func (s *State) saveConfigOrLog() {
	if err := s.saveConfig(); err != nil {
		s.env.Logf("cluster: saving %s failed: %v", s.cfg.ConfigFile, err)
	}
}

// nodeByName finds a node by its full name.
func (s *State) nodeByName(name []byte) *clusterNode { return s.nodes[string(name)] }

// errValue wraps a Redis error reply text.
func errValue(msg string) resp.Value { return resp.Err(msg) }

// Nodes lists the known nodes (not in handshake) as Peers, by name.
func (s *State) Nodes() []Peer {
	var out []Peer
	for _, cn := range s.sortedNodes() {
		if !cn.has(flagHandshake) {
			out = append(out, s.peer(cn))
		}
	}
	return out
}
