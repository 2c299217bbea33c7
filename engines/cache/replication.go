package cache

// Master–replica replication, as Redis does it, inside the node contract:
// the link between a replica and its master is messages, not a TCP
// connection, so this file also does what TCP did for Redis — order and
// loss detection — with stream offsets.
//
// # The stream
//
// A master turns every write it propagates (call.propagate) into the same
// RESP commands its AOF gets, with a SELECT whenever the database changes,
// and feeds them, one command's worth at a time, to the replication
// stream. master_repl_offset counts the stream's bytes since the history
// (replid) began, as Redis counts them. The bytes go to every attached
// replica as ReplStream{Offset, Data} and into the backlog, a bounded ring
// (repl-backlog-size, default 1 MiB) kept for partial resyncs. As in Redis,
// the stream exists only once a replica asked for it: a master that never
// had a replica keeps no backlog and its offset stays 0.
//
// # Sync
//
// A replica sends ReplSync (PSYNC replid offset) when it starts following
// a master, and again whenever its link breaks. The master answers:
//
//   - ReplContinue (+CONTINUE) and the bytes from offset out of the
//     backlog, when replid is its own and the backlog still holds offset;
//   - otherwise ReplFullResync (+FULLRESYNC replid offset), then an RDB
//     snapshot of its dataset in ReplRDBChunk messages, then the stream
//     from that offset. Like Redis 7's default repl-diskless-sync, the
//     snapshot goes straight to the replica, not through a file; unlike
//     Redis it is built at once rather than by a forked child (the sim
//     charges the node CPU time for it, see cost.go).
//
// # Over a socket
//
// A standalone server has no node bus: REPLICAOF host port names its
// master "host:port" (Config.PeersByAddress), and the server adapter
// carries the same messages over Redis's own protocol — it connects,
// sends PING, AUTH, REPLCONF and PSYNC, reads +FULLRESYNC and the RDB or
// +CONTINUE, then the stream, and writes our acks as REPLCONF ACK — so the
// master may be redis-server or another syslab server. When that
// connection fails the adapter says so (ReplLinkBroken) and the replica
// tries again a second later, as Redis reconnects from its cron. Replicas
// that connect to us as clients are served by replication_handshake.go.
//
// # Breaks, detected by offsets
//
// The network may drop, delay, duplicate and reorder messages, and nothing
// reports a loss. A replica applies a ReplStream only when it starts at
// exactly the replica's offset: one that starts before it is a duplicate
// (or the already-applied head of a resend) and is trimmed; one that starts
// after it means bytes were lost, so the replica resyncs at once — PSYNC
// from its offset, which the backlog usually serves. The master pings its
// replicas every second with its offset, so a loss is noticed even when no
// writes follow it; a replica that hears nothing from its master for
// repl-timeout calls the link down and resyncs. Every PSYNC carries an
// attempt number the answers echo, so a late answer to an old attempt is
// never mistaken for the current one.
//
// Replicas ack their offset (REPLCONF ACK) every second and when the
// master asks: WAIT puts REPLCONF GETACK * into the stream. Every
// repl-ping-replica-period (10 s) the master also puts a PING there, as
// Redis does, so a replica on a quiet socket still hears from it. WAIT
// numreplicas timeout answers, from the acks, how many replicas have the
// client's last write. Replication is asynchronous: a master acknowledges
// a write before any replica has it, so a master crash can lose
// acknowledged writes; WAIT narrows that window, it does not make the
// system strongly consistent.
//
// # Histories across failovers (PSYNC2)
//
// A replica keeps a backlog too, of the stream it applied. Promoted
// (REPLICAOF NO ONE, a cluster failover) it starts a new history but
// remembers the old one as replid2, up to the offset where it forked
// (second_repl_offset): its former siblings, following it now, ask to
// continue the old history and get +CONTINUE with the new replid instead
// of a full sync, as long as the backlog still holds their offset. A node
// that is told to follow another master offers what its data follows —
// its own history on a master, its master's on a replica whose link was
// up — so a demoted master whose writes all reached the promoted replica
// continues too. A replica restarted from its snapshot resumes its
// master's history (replication_persist.go).
//
// # Chained replicas
//
// A replica whose link is up serves replicas of its own, as Redis does: a
// full sync of its dataset at its offset in its master's history (the
// snapshot says which database the stream is in: repl-stream-db), or a
// continuation from its backlog, and then every byte of its master's
// stream it applies, unchanged, so offsets agree down the chain. When its
// own history changes (a full sync, a master with a new replid) its
// replicas see it in its pings and ask again.

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"syslab/engines/cache/persist"
	"syslab/engines/cache/replication"
	"syslab/engines/cache/resp"
	"syslab/node"
)

// Replication messages between nodes. Each names the Redis protocol step
// it stands for.
type (
	// ReplSync is PSYNC replid offset, replica to master: send the stream
	// from Offset of history ReplID, or a full sync ("?" asks for one).
	ReplSync struct {
		ReplID  string
		Offset  int64
		Attempt uint64
		// MasterUser and MasterAuth are masteruser and masterauth: the
		// login a master reached over a socket asks for (the server
		// adapter sends AUTH); nodes ignore them.
		MasterUser, MasterAuth string
	}
	// ReplFullResync is +FULLRESYNC replid offset: Chunks RDB chunks
	// follow, then the stream from Offset.
	ReplFullResync struct {
		ReplID  string
		Offset  int64
		Attempt uint64
		Chunks  int
		// Bytes is the RDB payload's length, which a replica on a socket
		// gets before it ($<bytes>).
		Bytes int
		// Legacy answers a SYNC: on a socket only the payload is written,
		// without the +FULLRESYNC line.
		Legacy bool
	}
	// ReplRDBChunk is one piece of the full sync's RDB payload.
	ReplRDBChunk struct {
		Attempt uint64
		Index   int
		Data    []byte
	}
	// ReplContinue is +CONTINUE: the stream from the asked offset follows.
	ReplContinue struct {
		ReplID  string
		Attempt uint64
	}
	// ReplStream is part of the replication stream: Data are the bytes at
	// [Offset, Offset+len(Data)) of history ReplID.
	ReplStream struct {
		ReplID string
		Offset int64
		Data   []byte
	}
	// ReplPing is the master's heartbeat, with its offset.
	ReplPing struct {
		ReplID string
		Offset int64
	}
	// ReplAck is REPLCONF ACK offset, replica to master.
	ReplAck struct{ Offset int64 }
	// ReplDetach, replica to master: this replica stopped following the
	// master (REPLICAOF NO ONE, or another master), as a closed Redis
	// replication connection says; the master forgets it at once.
	ReplDetach struct{}
	// ReplLinkBroken comes from the server adapter that carries a
	// replica's link over a socket: the connection of attempt Attempt to
	// the master failed or closed, for the reason Why.
	ReplLinkBroken struct {
		Attempt uint64
		Why     string
	}
)

const (
	// defaultReplBacklogBytes is repl-backlog-size's default (1 MiB).
	defaultReplBacklogBytes = 1 << 20
	// replBacklogBytesMin is the least backlog CONFIG SET makes, as
	// Redis's CONFIG_REPL_BACKLOG_MIN_SIZE.
	replBacklogBytesMin = 16 << 10
	// defaultReplTimeout is repl-timeout: silence after which a link is down.
	defaultReplTimeout = 60 * time.Second
	// defaultMinReplicasMaxLagSeconds is min-replicas-max-lag's default.
	defaultMinReplicasMaxLagSeconds = 10
	// defaultReplBacklogTTLSeconds is repl-backlog-ttl's default.
	defaultReplBacklogTTLSeconds = 3600
	// defaultReplPingReplicaPeriodSeconds is repl-ping-replica-period's
	// default: how often a master puts a PING into its stream.
	defaultReplPingReplicaPeriodSeconds = 10
	// replCronInterval is how often acks, pings and retries happen (Redis's
	// replicationCron runs once a second; it pings every
	// repl-ping-replica-period, 10 s by default — here every second, so a
	// lost stream message is noticed within a second when writes stop).
	replCronInterval = time.Second
	// replRetryInterval is how long a replica waits for an answer to a
	// PSYNC, or for the rest of a full sync, before asking again.
	replRetryInterval = time.Second
	// replHeldBytesMax bounds the stream a replica holds during a client
	// pause (Redis's client-query-buffer-limit on its master client); past
	// it the replica resyncs after the pause.
	replHeldBytesMax = 1 << 30
	// replChunkBytes bounds one ReplRDBChunk.
	replChunkBytes = 64 << 10
	// replIDBytes is the length of a replication id (40 hex digits).
	replIDBytes = 40
)

// replicaState is how far a replica is, as the master's INFO spells it.
type replicaState uint8

const (
	replicaSendBulk replicaState = iota + 1 // full sync sent, not acked yet
	replicaOnline
)

// replicaRecord is the master's view of one replica.
type replicaRecord struct {
	id    node.ID
	state replicaState
	// attempt is the replica's last PSYNC attempt served; older or equal
	// ones (duplicates) are ignored.
	attempt uint64
	// fullOffset is where the last full sync's stream starts: the replica
	// is online once it acks at least that.
	fullOffset int64
	ackOffset  int64
	lastAck    time.Time
	// conn is set for a replica that connected as a client (SYNC, PSYNC);
	// host and port are where it serves, for INFO. legacy is set for one
	// that sent SYNC: it never acks, so repl-timeout does not drop it, as
	// Redis spares its pre-PSYNC replicas (redis-cli --replica).
	conn   bool
	legacy bool
	host   string
	port   int
}

// linkState is where a replica's link to its master is.
type linkState uint8

const (
	linkConnect   linkState = iota + 1 // must send PSYNC
	linkHandshake                      // PSYNC sent, waiting for the answer
	linkTransfer                       // receiving the full sync's RDB
	linkUp                             // applying the stream
)

// replicaLink is a replica's side of replication.
type replicaLink struct {
	master     node.ID
	masterPort int
	state      linkState
	since      time.Time // when state was entered
	attempt    uint64
	// replID and offset are the master history this replica follows and
	// how much of it was applied ("" and 0 before the first sync).
	replID string
	offset int64
	// applyDB is the database the stream last SELECTed.
	applyDB     int
	lastContact time.Time
	// The full sync being received.
	full       ReplFullResync
	fullChunks [][]byte
	// bugPending is stream data acked but not applied yet, only under the
	// planted bug Bugs.ReplicaAcksBeforeApply (bugs.go).
	bugPending [][]byte
	// held is stream read but not applied during a client pause; offset
	// counts only what was applied.
	held []byte
}

// waiter is a client blocked in WAIT.
type waiter struct {
	client      node.ID
	seq         uint64
	offset      int64
	numReplicas int
	timer       node.Timer
}

// replState is the node's replication state.
type replState struct {
	replID string
	// replID2 is the history this node followed before it was promoted
	// ("" when none), continued by replID from secondReplOffset on: a
	// PSYNC of replID2 at an offset up to that one may continue.
	replID2          string
	secondReplOffset int64
	// offset is master_repl_offset (on a replica, link.offset is used).
	offset  int64
	backlog *replication.Backlog
	// pending holds what the current command propagated, fed to the
	// stream when it ends.
	pending    []byte
	selectedDB int
	replicas   []*replicaRecord // in the order they attached: slave0, slave1, …
	waiters    []*waiter
	link       *replicaLink // non-nil on a replica
	// lastPingFed is when the master last put a PING into the stream.
	lastPingFed time.Time
	// lastReplicaSeen is when the master last had a replica: its backlog
	// is freed repl-backlog-ttl after that.
	lastReplicaSeen time.Time
	// localExpiring are the keys a writable replica's clients gave a TTL,
	// in the order first written; localExpiringSet indexes them
	// (replication_writable.go).
	localExpiring    []localExpiringKey
	localExpiringSet map[localExpiringKey]bool
	// fullSyncs, partialOK and partialErr count PSYNCs answered with a
	// full sync, with a continuation, and those that asked to continue
	// but could not (INFO stats sync_full, sync_partial_ok, _err).
	fullSyncs  int64
	partialOK  int64
	partialErr int64
	// restored is the replication position of the snapshot loaded at
	// start, for the first link of this incarnation (replication_persist.go);
	// Start drops it once replication and cluster have started.
	restored *persist.RDBReplication
}

// startReplication sets the replication id and, for a configured replica,
// starts following its master; Start calls it.
func (n *Node) startReplication() {
	n.repl.selectedDB = -1
	if n.cfg.ReplicaOf != "" {
		n.replicaOf(n.cfg.ReplicaOf, 0)
	}
	n.env.After(replCronInterval, n.replicationCron)
}

// replicationID is the master's replid, drawn when first needed (a
// replica attaches, INFO asks) so a node that never replicates draws
// nothing from its random source.
func (n *Node) replicationID() string {
	if n.repl.replID == "" {
		n.repl.replID = newReplID(n.env)
	}
	return n.repl.replID
}

func newReplID(env node.Env) string {
	const hex = "0123456789abcdef"
	b := make([]byte, replIDBytes)
	for i := range b {
		b[i] = hex[env.Rand().IntN(16)]
	}
	return string(b)
}

// isReplica reports whether the node follows a master.
func (n *Node) isReplica() bool { return n.repl.link != nil }

// feedingStream reports whether propagated writes go to a stream.
func (n *Node) feedingStream() bool { return n.repl.backlog != nil && n.repl.link == nil && !n.loading }

// feedStreamRaw buffers a command of the stream's own that belongs to no
// database (PING, REPLCONF GETACK), as Redis feeds them with dictid -1.
func (n *Node) feedStreamRaw(args ...[]byte) {
	if n.repl.backlog == nil || n.repl.link != nil {
		return
	}
	n.repl.pending = resp.AppendCommand(n.repl.pending, args...)
}

// feedStream buffers one propagated command for the stream.
func (n *Node) feedStream(dbIndex int, args [][]byte) {
	if dbIndex != n.repl.selectedDB {
		n.repl.pending = resp.AppendCommand(n.repl.pending, []byte("SELECT"), strconv.AppendInt(nil, int64(dbIndex), 10))
		n.repl.selectedDB = dbIndex
	}
	n.repl.pending = resp.AppendCommand(n.repl.pending, args...)
}

// flushStream sends what the last command propagated to the backlog and
// the replicas. It runs after every command and every cron tick, so a
// command's writes (a transaction's too) travel in one message.
func (n *Node) flushStream() {
	r := &n.repl
	if len(r.pending) == 0 {
		return
	}
	data := r.pending
	r.pending = nil // data is shared by the messages now; never reuse it
	msg := ReplStream{ReplID: r.replID, Offset: r.offset, Data: data}
	r.backlog.Write(data)
	r.offset += int64(len(data))
	if r.offset != r.backlog.End() {
		panic(fmt.Sprintf("cache: master offset %d and backlog end %d disagree", r.offset, r.backlog.End()))
	}
	for _, rec := range r.replicas {
		n.env.Send(rec.id, msg)
	}
	n.env.Metrics().Set("cache_repl_offset_bytes", float64(r.offset))
}

// afterCommand ends a client's command: its writes go to the stream and
// WAIT will wait for the offset they reached (Redis's c->woff).
func (n *Node) afterCommand(s *session) {
	if n.isReplica() {
		return
	}
	n.flushStream()
	s.replOffset = n.repl.offset
}

var (
	replyReadonly   = resp.Err("READONLY You can't write against a read only replica.")
	replyNoReplicas = resp.Err("NOREPLICAS Not enough good replicas to write.")
)

// refuseWrite is the replication check before a write command: replicas
// are read-only, and a master with min-replicas-to-write refuses writes
// while too few replicas are good (online, acked within
// min-replicas-max-lag).
func (n *Node) refuseWrite() (resp.Value, bool) {
	if n.isReplica() && !n.cfg.ReplicaWritable {
		return replyReadonly, true
	}
	if n.cluster != nil && n.cluster.PausedForFailover() {
		return replyFailoverPause, true // cluster.go
	}
	if n.cfg.MinReplicasToWrite > 0 && n.goodReplicas() < n.cfg.MinReplicasToWrite {
		return replyNoReplicas, true
	}
	return resp.Value{}, false
}

var replyMasterDown = resp.Err("MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.")

// refuseStale is replica-serve-stale-data no: while a replica's link is
// not up, only the commands Redis flags "stale" (INFO, PING, REPLICAOF,
// CONFIG…) are served; the data may be old or half-loaded.
func (n *Node) refuseStale(spec *commandSpec, args [][]byte) (resp.Value, bool) {
	if !n.servingStale() {
		return resp.Value{}, false
	}
	if doc := commandDocFor(spec, args); doc != nil && slices.Contains(doc.flags, "stale") {
		return resp.Value{}, false
	}
	return replyMasterDown, true
}

// servingStale: a replica whose link is not up, with
// replica-serve-stale-data no.
func (n *Node) servingStale() bool {
	l := n.repl.link
	return l != nil && l.state != linkUp && n.cfg.ReplicaNoStaleData
}

func (n *Node) goodReplicas() int {
	now := n.env.Now()
	good := 0
	for _, rec := range n.repl.replicas {
		if rec.state == replicaOnline && int(now.Sub(rec.lastAck)/time.Second) <= n.cfg.MinReplicasMaxLagSeconds {
			good++
		}
	}
	return good
}

// receiveReplication handles the replication messages; false means msg is
// not one.
func (n *Node) receiveReplication(from node.ID, msg node.Message) bool {
	if n.broken != nil {
		return isReplicationMessage(msg)
	}
	switch m := msg.(type) {
	case ReplSync:
		n.masterSync(from, m)
	case ReplAck:
		n.masterAck(from, m.Offset)
	case ReplDetach:
		if rec := n.replicaRecord(from); rec != nil && !rec.conn {
			n.dropReplica(rec, "it stopped replicating")
		}
	case ReplLinkBroken:
		if l := n.repl.link; l != nil && l.master == from && m.Attempt == l.attempt && l.state != linkConnect {
			n.env.Logf("cache: link to master %s: %s", from, m.Why)
			n.setLinkState(linkConnect) // the cron connects again in a second
		}
	case ReplFullResync:
		if l := n.linkFrom(from); l != nil && l.state == linkHandshake && m.Attempt == l.attempt {
			l.full, l.fullChunks = m, nil
			n.setLinkState(linkTransfer)
		}
	case ReplRDBChunk:
		n.replicaChunk(from, m)
	case ReplContinue:
		if l := n.linkFrom(from); l != nil && l.state == linkHandshake && m.Attempt == l.attempt {
			// A master whose history changed but includes ours (a promoted
			// replica, PSYNC2) continues under its new replid; our own
			// replicas may continue the old one, up to here.
			if m.ReplID != l.replID {
				n.repl.replID2, n.repl.secondReplOffset = l.replID, l.offset
				n.historyChanged("its master continues under a new replication id")
			}
			l.replID = m.ReplID
			if b := n.repl.backlog; b == nil || b.End() != l.offset {
				n.repl.backlog = replication.NewBacklog(int(n.cfg.ReplBacklogSizeBytes), l.offset)
			}
			n.setLinkState(linkUp)
			n.stats.PartialResyncs++
			n.env.Metrics().Add("cache_repl_partial_resyncs_total", 1)
			n.env.Send(l.master, ReplAck{Offset: l.offset})
		}
	case ReplStream:
		n.replicaStream(from, m)
	case ReplPing:
		if l := n.linkFrom(from); l != nil && l.state == linkUp {
			l.lastContact = n.env.Now()
			if len(l.bugPending) > 0 {
				n.bugApplyPending(l)
			}
			if m.ReplID != l.replID || m.Offset > l.receivedOffset() {
				n.replicaResync("the master's ping shows a different history or a lost stream message")
			}
		}
	default:
		return false
	}
	return true
}

func isReplicationMessage(msg node.Message) bool {
	switch msg.(type) {
	case ReplSync, ReplAck, ReplDetach, ReplLinkBroken, ReplFullResync, ReplRDBChunk, ReplContinue, ReplStream, ReplPing:
		return true
	}
	return false
}

// linkFrom is the replica's link when from is its master, else nil.
func (n *Node) linkFrom(from node.ID) *replicaLink {
	if l := n.repl.link; l != nil && l.master == from {
		l.lastContact = n.env.Now()
		return l
	}
	return nil
}

// --- master side ---

func (n *Node) replicaRecord(id node.ID) *replicaRecord {
	for _, rec := range n.repl.replicas {
		if rec.id == id {
			return rec
		}
	}
	return nil
}

// masterSync answers a node's PSYNC.
func (n *Node) masterSync(from node.ID, m ReplSync) {
	if l := n.repl.link; l != nil && (l.state != linkUp || l.replID == "") {
		// Redis's NOMASTERLINK: nothing to serve yet; the replica asks
		// again after replRetryInterval.
		n.env.Logf("cache: not serving PSYNC from %s while not connected with my master", from)
		return
	}
	n.serveSync(from, m, syncOptions{})
}

// streamPosition is the history this node serves its replicas and how far
// it is: its own on a master, its master's on a replica.
func (n *Node) streamPosition() (replID string, offset int64) {
	if l := n.repl.link; l != nil {
		return l.replID, l.offset
	}
	return n.replicationID(), n.repl.offset
}

// syncOptions are what a replica on a connection may ask of its sync.
type syncOptions struct {
	// legacy: it sent SYNC, not PSYNC.
	legacy bool
	// noData: the snapshot is to hold no keys (REPLCONF rdb-filter-only).
	noData bool
}

// serveSync answers a PSYNC (a SYNC when legacy) with a continuation or a
// full sync, and returns the replica's record, nil when it could not be
// served.
func (n *Node) serveSync(from node.ID, m ReplSync, opts syncOptions) *replicaRecord {
	r := &n.repl
	rec := n.replicaRecord(from)
	if rec != nil && m.Attempt <= rec.attempt {
		return rec // a duplicate or late PSYNC
	}
	if rec == nil {
		if len(r.replicas) == 0 {
			r.lastPingFed = n.env.Now() // the first PING is a period after a replica attaches
		}
		rec = &replicaRecord{id: from}
		r.replicas = append(r.replicas, rec)
	}
	rec.attempt = m.Attempt
	rec.lastAck = n.env.Now()
	replID, offset := n.streamPosition()
	if r.backlog == nil {
		r.backlog = replication.NewBacklog(int(n.cfg.ReplBacklogSizeBytes), offset)
	}
	if !n.isReplica() {
		n.flushStream() // nothing should be pending between commands; be sure
	}
	if n.continues(m.ReplID, m.Offset) {
		if data, ok := r.backlog.ReadFrom(m.Offset); ok {
			n.env.Send(from, ReplContinue{ReplID: replID, Attempt: m.Attempt})
			if len(data) > 0 {
				n.env.Send(from, ReplStream{ReplID: replID, Offset: m.Offset, Data: data})
			}
			rec.state, rec.ackOffset = replicaOnline, max(rec.ackOffset, m.Offset)
			r.partialOK++
			n.env.Logf("cache: partial resync of %s from offset %d accepted", from, m.Offset)
			return rec
		}
	}
	if m.ReplID != "?" {
		r.partialErr++ // it asked to continue a history we cannot
	}
	data, err := n.rdbPayload(opts.noData)
	if err != nil {
		n.env.Logf("cache: full sync of %s failed: %v", from, err)
		r.replicas = slices.DeleteFunc(r.replicas, func(x *replicaRecord) bool { return x == rec })
		return nil
	}
	chunks := (len(data) + replChunkBytes - 1) / replChunkBytes
	n.env.Send(from, ReplFullResync{ReplID: replID, Offset: offset, Attempt: m.Attempt, Chunks: chunks, Bytes: len(data), Legacy: opts.legacy})
	for i := 0; i < chunks; i++ {
		n.env.Send(from, ReplRDBChunk{Attempt: m.Attempt, Index: i, Data: data[i*replChunkBytes : min(len(data), (i+1)*replChunkBytes)]})
	}
	if !n.isReplica() {
		// The replica's database selection is unknown after it loads the
		// snapshot: the next command must SELECT. (A replica passes its
		// master's stream on unchanged; the snapshot's repl-stream-db
		// says where that stream is.)
		r.selectedDB = -1
	}
	rec.state, rec.fullOffset = replicaSendBulk, offset
	r.fullSyncs++
	n.env.Metrics().Add("cache_repl_full_syncs_total", 1)
	n.env.Logf("cache: full sync of %s at offset %d: %d bytes of RDB in %d chunks", from, offset, len(data), chunks)
	return rec
}

// continues reports whether history replID at offset is this master's:
// its own, or the one it was promoted from, up to where it forked
// (Redis's masterTryPartialResynchronization).
func (n *Node) continues(replID string, offset int64) bool {
	r := &n.repl
	own, _ := n.streamPosition()
	return replID == own || (r.replID2 != "" && replID == r.replID2 && offset <= r.secondReplOffset)
}

// dropReplica forgets a replica; one on a connection is disconnected, as
// Redis frees a replica's client.
func (n *Node) dropReplica(rec *replicaRecord, why string) {
	n.env.Logf("cache: dropping replica %s: %s", rec.id, why)
	n.repl.replicas = slices.DeleteFunc(n.repl.replicas, func(x *replicaRecord) bool { return x == rec })
	if rec.conn {
		n.killNow(rec.id)
	}
	n.env.Metrics().Set("cache_connected_replicas", float64(len(n.repl.replicas)))
}

// masterAck records a replica's REPLCONF ACK and releases the WAITs it
// satisfies.
func (n *Node) masterAck(from node.ID, offset int64) {
	rec := n.replicaRecord(from)
	replID, ownOffset := n.streamPosition()
	if rec == nil {
		// A replica we do not know (we restarted, or dropped it after
		// repl-timeout): our ping shows it another history, so it resyncs.
		n.env.Send(from, ReplPing{ReplID: replID, Offset: ownOffset})
		return
	}
	if offset > ownOffset {
		if n.isReplica() {
			// An ack from before this replica's history changed (a full
			// sync from its master): our ping tells it to ask again.
			n.env.Send(from, ReplPing{ReplID: replID, Offset: ownOffset})
			return
		}
		panic(fmt.Sprintf("cache: replica %s acked offset %d past the master's %d", from, offset, ownOffset))
	}
	rec.lastAck = n.env.Now()
	rec.ackOffset = max(rec.ackOffset, offset)
	if rec.state == replicaSendBulk && rec.ackOffset >= rec.fullOffset {
		rec.state = replicaOnline
	}
	n.releaseWaiters(false)
}

// acked counts the replicas that acked offset.
func (n *Node) acked(offset int64) int {
	count := 0
	for _, rec := range n.repl.replicas {
		if rec.ackOffset >= offset {
			count++
		}
	}
	return count
}

// releaseWaiters answers the WAITs that have their count (all of them when
// force is set).
func (n *Node) releaseWaiters(force bool) {
	kept := n.repl.waiters[:0]
	for _, w := range n.repl.waiters {
		count := n.acked(w.offset)
		if count >= w.numReplicas || force {
			if w.timer != nil {
				w.timer.Stop()
			}
			n.reply(w.client, w.seq, resp.Int(int64(count)))
			continue
		}
		kept = append(kept, w)
	}
	clear(n.repl.waiters[len(kept):])
	n.repl.waiters = kept
}

// rdbPayload is the full sync's snapshot: the dataset as an RDB file,
// keys sorted per database (map order must not reach the bytes); with
// noData, an RDB with the header alone.
func (n *Node) rdbPayload(noData bool) ([]byte, error) {
	var buf bytes.Buffer
	// The position the snapshot is at, as Redis's replication RDBs carry
	// it: a replica serving its own passes on its master's stream, and
	// repl-stream-db tells where that stream is. A master SELECTs before
	// its next command anyway (serveSync).
	replID, offset := n.streamPosition()
	streamDB := 0
	if l := n.repl.link; l != nil {
		streamDB = l.applyDB
	}
	w := persist.NewRDBWriter(&buf, persist.RDBHeader{CtimeSeconds: n.env.Now().Unix(), UsedMemBytes: n.usedMemoryBytes(),
		Replication: &persist.RDBReplication{ReplID: replID, Offset: offset, StreamDB: streamDB}})
	n.writeFunctionLibraries(w)
	if noData {
		err := w.Finish()
		return buf.Bytes(), err
	}
	type item struct {
		key   string
		value object
		exp   int64
	}
	for i, ks := range n.dbs {
		if ks.size() == 0 {
			continue
		}
		items := make([]item, 0, ks.size())
		expires := 0
		ks.dict.RangeRef(func(key string, e *entry) bool {
			items = append(items, item{key, e.value, e.expireAtMillis})
			if e.expireAtMillis != noExpiry {
				expires++
			}
			return true
		})
		slices.SortFunc(items, func(a, b item) int { return strings.Compare(a.key, b.key) })
		w.SelectDB(i, len(items), expires)
		for _, it := range items {
			p, ok := it.value.(persistable)
			if !ok {
				return nil, fmt.Errorf("key %q: values of type %s cannot be sent to a replica yet", it.key, it.value.typeName())
			}
			p.writeValue(w, []byte(it.key), it.exp)
		}
	}
	if err := w.Finish(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// --- replica side ---

// replicaOf makes the node a replica of master (REPLICAOF, Config.ReplicaOf).
func (n *Node) replicaOf(master node.ID, port int) {
	history, hasHistory := n.ownHistory()
	n.detachFromMaster()
	n.releaseWaiters(true)
	for _, rec := range slices.Clone(n.repl.replicas) {
		if rec.conn {
			n.dropReplica(rec, "this node became a replica")
		}
	}
	n.repl.replicas = nil
	n.repl.backlog = nil
	n.repl.pending = nil
	n.forgetReplicaWrites()
	n.repl.link = &replicaLink{master: master, masterPort: port, state: linkConnect, since: n.env.Now()}
	if hasHistory {
		// Redis's cached master: the first PSYNC offers the history the
		// data follows, with the backlog that holds its tail.
		l := n.repl.link
		l.replID, l.offset, l.applyDB = history.replID, history.offset, history.applyDB
		n.repl.backlog = history.backlog
	}
	n.resumeFromRestored(n.repl.link)
	n.replicaResync("starting to replicate " + string(master))
}

// replHistory is a replication history a node's data follows.
type replHistory struct {
	replID  string
	offset  int64
	applyDB int
	backlog *replication.Backlog
}

// ownHistory is the history this node's data follows, which it may offer a
// new master: a master's own (once replicas made it keep a backlog, so
// its offset counts its writes), a replica's master's while its link is
// up (not mid-sync, when the data is half loaded).
func (n *Node) ownHistory() (replHistory, bool) {
	r := &n.repl
	if l := r.link; l != nil {
		if l.state != linkUp || l.replID == "" || r.backlog == nil {
			return replHistory{}, false
		}
		return replHistory{replID: l.replID, offset: l.offset, applyDB: l.applyDB, backlog: r.backlog}, true
	}
	if r.backlog == nil || r.replID == "" {
		return replHistory{}, false
	}
	n.flushStream()
	return replHistory{replID: r.replID, offset: r.offset, applyDB: max(r.selectedDB, 0), backlog: r.backlog}, true
}

// replicaResync asks the master for the stream again (PSYNC), from the
// applied offset when there is one.
func (n *Node) replicaResync(why string) {
	l := n.repl.link
	if l.state == linkUp {
		n.env.Logf("cache: link to master %s broken: %s", l.master, why)
	}
	l.attempt++
	l.fullChunks, l.held = nil, nil
	n.setLinkState(linkHandshake)
	replID, offset := "?", int64(-1)
	if l.replID != "" {
		replID, offset = l.replID, l.offset
	}
	n.env.Send(l.master, ReplSync{ReplID: replID, Offset: offset, Attempt: l.attempt, MasterUser: n.cfg.MasterUser, MasterAuth: n.cfg.MasterAuth})
}

// detachFromMaster tells the current master, if any, that this node no
// longer follows it.
func (n *Node) detachFromMaster() {
	if l := n.repl.link; l != nil {
		n.env.Send(l.master, ReplDetach{})
	}
}

func (n *Node) setLinkState(s linkState) {
	n.repl.link.state, n.repl.link.since = s, n.env.Now()
}

// replicaChunk collects the full sync's RDB and loads it when complete.
func (n *Node) replicaChunk(from node.ID, m ReplRDBChunk) {
	l := n.linkFrom(from)
	if l == nil || l.state != linkTransfer || m.Attempt != l.attempt {
		return
	}
	if m.Index != len(l.fullChunks) {
		n.replicaResync(fmt.Sprintf("RDB chunk %d arrived when %d was due", m.Index, len(l.fullChunks)))
		return
	}
	l.fullChunks = append(l.fullChunks, m.Data)
	if len(l.fullChunks) < l.full.Chunks {
		return
	}
	data := bytes.Join(l.fullChunks, nil)
	l.fullChunks = nil
	n.emptyAllDatabases(n.env.Now().UnixMilli())
	n.functions = functionRegistry{} // a full sync brings the master's libraries
	n.forgetReplicaWrites()
	n.loading = true
	aux := &replicationAux{}
	err := persist.LoadRDB(data, &rdbLoader{node: n, nowMillis: n.env.Now().UnixMilli(), replication: aux})
	n.loading = false
	if err != nil {
		n.env.Logf("cache: loading the master's RDB failed, resyncing: %v", err)
		l.replID = ""
		n.replicaResync("bad RDB")
		return
	}
	l.replID, l.offset, l.applyDB = l.full.ReplID, l.full.Offset, 0
	if pos := aux.position(len(n.dbs)); pos != nil {
		// A master that is itself a replica passes its master's stream
		// on, which SELECTs only when that master's database changes.
		l.applyDB = pos.StreamDB
	}
	n.repl.backlog = replication.NewBacklog(int(n.cfg.ReplBacklogSizeBytes), l.offset)
	n.repl.replID2 = "" // a new dataset: no earlier history continues into it
	n.historyChanged("its master sent a new dataset")
	n.setLinkState(linkUp)
	n.stats.FullSyncsLoaded++
	n.env.Logf("cache: MASTER <-> REPLICA sync: finished with success (%d bytes at offset %d)", len(data), l.offset)
	n.env.Send(l.master, ReplAck{Offset: l.offset})
	if n.aof != nil {
		// The AOF holds the replaced dataset: rewrite it from the new one,
		// as Redis restarts its AOF after a full sync.
		if err := n.startAOFRewrite(); err != nil {
			n.env.Logf("cache: rewriting the AOF after a full sync: %v", err)
		}
	}
}

// replicaStream applies a piece of the stream when it is the next one.
func (n *Node) replicaStream(from node.ID, m ReplStream) {
	l := n.linkFrom(from)
	if l == nil || l.state != linkUp {
		return
	}
	if m.ReplID != l.replID {
		n.replicaResync("the stream belongs to another history")
		return
	}
	end := m.Offset + int64(len(m.Data))
	received := l.receivedOffset()
	switch {
	case end <= received:
		return // already applied, or held
	case m.Offset > received:
		n.replicaResync(fmt.Sprintf("stream bytes %d..%d are missing", received, m.Offset))
		return
	}
	data := m.Data[received-m.Offset:]
	if n.cfg.Bugs.ReplicaAcksBeforeApply {
		n.bugAckThenApply(l, data, end)
		return
	}
	if n.paused() {
		// CLIENT PAUSE holds the master's writes too, as Redis's pause
		// holds its master client: read, not applied, until unpaused.
		if len(l.held)+len(data) > replHeldBytesMax {
			n.replicaResync("too much of the stream held during a client pause")
			return
		}
		l.held = append(l.held, data...)
		return
	}
	n.applyReceived(l, data)
}

// applyReceived applies the next bytes of the stream and moves the
// applied offset past them.
func (n *Node) applyReceived(l *replicaLink, data []byte) {
	getAck, err := n.applyStream(data)
	if err != nil {
		n.env.Logf("cache: applying the replication stream failed, full resync: %v", err)
		l.replID = ""
		n.replicaResync("unreadable stream")
		return
	}
	l.offset += int64(len(data))
	n.keepReceived(l, data)
	n.env.Metrics().Set("cache_repl_offset_bytes", float64(l.offset))
	if getAck {
		n.env.Send(l.master, ReplAck{Offset: l.offset})
	}
}

// keepReceived adds stream bytes the replica took to its backlog, which
// must end where the applied stream does.
func (n *Node) keepReceived(l *replicaLink, data []byte) {
	b := n.repl.backlog
	if b == nil {
		return
	}
	b.Write(data)
	if b.End() != l.offset {
		panic(fmt.Sprintf("cache: replica offset %d and backlog end %d disagree", l.offset, b.End()))
	}
	if len(n.repl.replicas) > 0 {
		// Chained replicas get the same bytes at the same offsets; a copy,
		// since the received message's bytes are not ours to share.
		msg := ReplStream{ReplID: l.replID, Offset: l.offset - int64(len(data)), Data: bytes.Clone(data)}
		for _, rec := range n.repl.replicas {
			n.env.Send(rec.id, msg)
		}
	}
}

// historyChanged tells a replica's own replicas that the history it
// serves changed: those on a connection are disconnected (they connect
// and ask again, as Redis's disconnectSlaves), the others hear it in the
// next ping.
func (n *Node) historyChanged(why string) {
	for _, rec := range slices.Clone(n.repl.replicas) {
		if rec.conn {
			n.dropReplica(rec, why)
		}
	}
}

// applyHeldStream applies what a client pause held, when it ends.
func (n *Node) applyHeldStream() {
	if l := n.repl.link; l != nil && l.state == linkUp && len(l.held) > 0 {
		data := l.held
		l.held = nil
		n.applyReceived(l, data)
	}
}

// receivedOffset is where the stream read so far ends: the applied
// offset, plus what a client pause holds (INFO's slave_read_repl_offset).
func (l *replicaLink) receivedOffset() int64 { return l.offset + int64(len(l.held)) }

// bugAckThenApply is the planted bug Bugs.ReplicaAcksBeforeApply: the
// offset (and so the acks WAIT counts) covers data the replica only
// buffers; it applies the buffer on the master's next ping, and a link
// that goes before then (the master died) takes the buffer with it.
func (n *Node) bugAckThenApply(l *replicaLink, data []byte, end int64) {
	l.offset = end
	n.keepReceived(l, data)
	l.bugPending = append(l.bugPending, data)
	n.env.Send(l.master, ReplAck{Offset: l.offset})
}

// bugApplyPending applies what bugAckThenApply buffered.
func (n *Node) bugApplyPending(l *replicaLink) {
	pending := l.bugPending
	l.bugPending = nil
	for _, data := range pending {
		if _, err := n.applyStream(data); err != nil {
			n.env.Logf("cache: applying the replication stream failed: %v", err)
		}
	}
}

// applyStream runs the master's commands. They were checked on the master,
// so an error reply here is dropped, as Redis drops its master's. getAck
// reports a REPLCONF GETACK among them: the caller acks once the data is
// applied.
func (n *Node) applyStream(data []byte) (getAck bool, err error) {
	l := n.repl.link
	r := resp.NewReader(bufio.NewReaderSize(bytes.NewReader(data), 4096))
	nowMillis := n.env.Now().UnixMilli()
	n.access.nowMillis = nowMillis
	for {
		args, err := r.ReadCommand()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return getAck, err
		}
		if len(args) == 0 {
			continue
		}
		spec := lookupCommand(args[0])
		if spec == nil || !spec.arityOK(len(args)) {
			return getAck, fmt.Errorf("bad command %q in the stream", args[0])
		}
		switch spec.name {
		case "select":
			db, ok := resp.ParseInt(args[1])
			if !ok || db < 0 || db >= int64(len(n.dbs)) {
				return getAck, fmt.Errorf("SELECT %q out of range", args[1])
			}
			l.applyDB = int(db)
			continue
		case "ping":
			continue // the master's keepalive
		case "replconf":
			getAck = getAck || (len(args) == 3 && bytes.EqualFold(args[1], []byte("getack")))
			continue
		case "multi", "exec":
			// A transaction arrives in one message and is applied in one
			// event, so it is atomic here without the markers; the AOF
			// gets them from propagate inside EXEC on the master only.
			continue
		}
		c := call{node: n, args: args, db: n.dbs[l.applyDB], dbIndex: l.applyDB, nowMillis: nowMillis, write: true}
		if n.bgSnapshot != nil {
			n.snapshotBeforeWrite(l.applyDB, snapshotWriteKeys(spec, args))
		}
		dirtyBefore := n.dirty
		keepExpired := n.expiryFor(true)
		spec.run(&c)
		n.pause.keepExpired = keepExpired
		if n.dirty != dirtyBefore {
			for _, key := range spec.keys(args) {
				c.db.reaccount(key)
				n.keyModified(c.dbIndex, key)
			}
		}
		n.stats.ReplicatedCommands++
	}
	_ = n.writeAOF() // a failure is noted and retried by cron
	return getAck, nil
}

// --- the replication cron ---

// replicationCron pings and expires replicas on a master, acks and retries
// on a replica.
func (n *Node) replicationCron() {
	if n.halted {
		return
	}
	n.env.After(replCronInterval, n.replicationCron)
	if n.broken != nil {
		return
	}
	now := n.env.Now()
	if l := n.repl.link; l != nil {
		if len(n.repl.localExpiring) > 0 {
			n.expireReplicaWrites(now.UnixMilli())
			_ = n.writeAOF() // the DELs; a failure is noted and retried
		}
		switch {
		case l.state == linkUp && now.Sub(l.lastContact) > n.cfg.ReplTimeout:
			n.replicaResync(fmt.Sprintf("no word from the master for %s (repl-timeout)", now.Sub(l.lastContact)))
		case l.state == linkUp:
			n.env.Send(l.master, ReplAck{Offset: l.offset})
		case l.state == linkConnect && now.Sub(l.since) >= replRetryInterval:
			n.replicaResync("connecting to the master again")
		case l.state != linkConnect && now.Sub(l.since) >= n.handshakeTimeout():
			n.replicaResync("no answer to PSYNC yet")
		}
		n.tendReplicas(now) // chained ones
		return
	}
	r := &n.repl
	if len(r.replicas) > 0 {
		r.lastReplicaSeen = now
	} else if ttl := n.cfg.ReplBacklogTTLSeconds; r.backlog != nil && ttl > 0 && now.Sub(r.lastReplicaSeen) > time.Duration(ttl)*time.Second {
		// As Redis: no replica for repl-backlog-ttl, so no backlog and a
		// new history (a replica coming back gets a full sync).
		n.env.Logf("cache: replication backlog freed after %d seconds without replicas", ttl)
		r.backlog, r.pending = nil, nil
		r.replID, r.replID2 = newReplID(n.env), ""
	}
	if len(r.replicas) > 0 && now.Sub(r.lastPingFed) >= time.Duration(n.cfg.ReplPingReplicaPeriodSeconds)*time.Second {
		r.lastPingFed = now
		n.feedStreamRaw([]byte("PING"))
	}
	n.flushStream()
	n.tendReplicas(now)
	n.env.Metrics().Set("cache_connected_replicas", float64(len(r.replicas)))
}

// tendReplicas drops the replicas silent for repl-timeout and pings the
// others with the history served and its offset (a replica on a socket
// has only the stream, whose PINGs come from the master of the chain).
func (n *Node) tendReplicas(now time.Time) {
	r := &n.repl
	if len(r.replicas) == 0 {
		return // and draw no replid for a node nobody replicates from
	}
	replID, offset := n.streamPosition()
	for _, rec := range slices.Clone(r.replicas) {
		if now.Sub(rec.lastAck) > n.cfg.ReplTimeout && !rec.legacy {
			n.dropReplica(rec, fmt.Sprintf("no ack for %s (repl-timeout)", now.Sub(rec.lastAck)))
			continue
		}
		if !rec.conn {
			n.env.Send(rec.id, ReplPing{ReplID: replID, Offset: offset})
		}
	}
}

// handshakeTimeout is how long a replica waits for PSYNC's answer and the
// full sync. Between nodes a lost message is noticed only by waiting, so
// it asks again after a second; over a socket (a standalone server) the
// adapter reports a failed connection, and a big snapshot may take long to
// arrive, so it waits repl-timeout, as Redis does.
func (n *Node) handshakeTimeout() time.Duration {
	if n.cfg.PeersByAddress {
		return n.cfg.ReplTimeout
	}
	return replRetryInterval
}

// replicationClientGone drops the WAITs of a disconnected client, and the
// client itself when it was a replica.
func (n *Node) replicationClientGone(client node.ID) {
	if rec := n.replicaRecord(client); rec != nil && rec.conn {
		n.repl.replicas = slices.DeleteFunc(n.repl.replicas, func(x *replicaRecord) bool { return x == rec })
		n.env.Logf("cache: connection with replica %s lost", client)
	}
	n.repl.waiters = slices.DeleteFunc(n.repl.waiters, func(w *waiter) bool {
		if w.client == client && w.timer != nil {
			w.timer.Stop()
		}
		return w.client == client
	})
}

// --- commands ---

var replicationCommands = []commandSpec{
	{name: "replicaof", arity: 3, run: replicaofCommand},
	{name: "slaveof", arity: 3, run: replicaofCommand},
	{name: "wait", arity: 3, run: waitCommand},
}

// REPLICAOF host port | NO ONE. Between nodes the host is the master's
// node ID and the port is kept for INFO only; a standalone server
// (PeersByAddress) names the master "host:port", which its adapter dials.
func replicaofCommand(c *call) resp.Value {
	n := c.node
	if bytes.EqualFold(c.args[1], []byte("no")) && bytes.EqualFold(c.args[2], []byte("one")) {
		n.promoteToMaster()
		return resp.OK
	}
	master := node.ID(c.args[1])
	port, _ := strconv.Atoi(string(c.args[2])) // any text names the node; INFO shows a number
	if n.cfg.PeersByAddress {
		p, ok := resp.ParseInt(c.args[2])
		if !ok || p < 0 || p > 65535 {
			return resp.Err(errNotInteger)
		}
		port = int(p)
		master = node.ID(hostPort(string(c.args[1]), port))
	}
	if master == n.env.Self() || len(c.args[1]) == 0 {
		return resp.Err("ERR can't replicate itself")
	}
	if l := n.repl.link; l != nil && l.master == master {
		return resp.Simple("OK Already connected to specified master")
	}
	n.replicaOf(master, port)
	return resp.OK
}

// promoteToMaster stops following the master (REPLICAOF NO ONE, a won
// cluster failover). It keeps the dataset and the offset but starts a new
// history, since this node's writes will now diverge from the old
// master's.
func (n *Node) promoteToMaster() {
	l := n.repl.link
	if l == nil {
		return
	}
	n.detachFromMaster()
	n.forgetReplicaWrites()
	n.repl.link = nil
	n.repl.replID2 = ""
	if l.replID != "" && n.repl.backlog != nil {
		// Redis's shiftReplicationId: the master's history goes on under
		// a new replid, and PSYNCs of the old one up to here continue.
		n.repl.replID2, n.repl.secondReplOffset = l.replID, l.offset
	}
	n.repl.replID = newReplID(n.env)
	n.repl.offset = l.offset
	n.repl.lastReplicaSeen = n.env.Now() // repl-backlog-ttl counts from here
	n.repl.selectedDB = -1
	n.env.Logf("cache: MASTER MODE enabled (was replica of %s)", l.master)
}

// WAIT numreplicas timeout: how many replicas acked the client's last
// write, waiting up to timeout ms (0: forever) for numreplicas of them.
func waitCommand(c *call) resp.Value {
	n := c.node
	if n.isReplica() {
		return resp.Err("ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.")
	}
	numReplicas, ok1 := resp.ParseInt(c.args[1])
	timeoutMillis, ok2 := resp.ParseInt(c.args[2])
	if !ok1 || !ok2 {
		return resp.Err(errNotInteger)
	}
	if timeoutMillis < 0 {
		return resp.Err("ERR timeout is negative")
	}
	offset := c.session.replOffset
	count := n.acked(offset)
	if int64(count) >= numReplicas || n.exec != nil {
		return resp.Int(int64(count)) // inside MULTI WAIT cannot block
	}
	w := &waiter{client: c.client, seq: c.seq, offset: offset, numReplicas: int(min(numReplicas, 1<<31))}
	if timeoutMillis > 0 {
		w.timer = n.env.After(time.Duration(timeoutMillis)*time.Millisecond, func() {
			if i := slices.Index(n.repl.waiters, w); i >= 0 {
				n.repl.waiters = slices.Delete(n.repl.waiters, i, i+1)
				n.reply(w.client, w.seq, resp.Int(int64(n.acked(w.offset))))
			}
		})
	}
	n.repl.waiters = append(n.repl.waiters, w)
	if len(n.repl.replicas) > 0 {
		// Sent with the stream, as Redis does: the ack comes once the
		// replica has applied everything before it.
		n.feedStreamRaw([]byte("REPLCONF"), []byte("GETACK"), []byte("*"))
	}
	return replyLater
}

// writeReplicationInfo is INFO's replication section, with Redis's names.
func (n *Node) writeReplicationInfo(field func(name string, value any)) {
	r := &n.repl
	now := n.env.Now()
	offset := r.offset
	replID := n.replicationID()
	if l := r.link; l != nil {
		offset = l.offset
		host, port := n.peerAddress(l.master, l.masterPort)
		field("role", "slave")
		field("master_host", host)
		field("master_port", port)
		status, lastIO := "down", int64(-1)
		if l.state == linkUp {
			status, lastIO = "up", int64(now.Sub(l.lastContact)/time.Second)
		}
		field("master_link_status", status)
		field("master_last_io_seconds_ago", lastIO)
		field("master_sync_in_progress", boolInt(l.state == linkTransfer))
		field("slave_read_repl_offset", l.receivedOffset())
		field("slave_repl_offset", l.offset)
		field("slave_priority", 100)
		field("slave_read_only", boolInt(!n.cfg.ReplicaWritable))
		field("replica_announced", 1)
		if l.replID != "" {
			replID = l.replID
		}
	} else {
		field("role", "master")
	}
	field("connected_slaves", len(r.replicas))
	for i, rec := range r.replicas {
		state := "online"
		if rec.state == replicaSendBulk {
			state = "send_bulk"
		}
		host, port := n.peerAddress(rec.id, 0)
		if rec.conn {
			host, port = rec.host, rec.port
		}
		field("slave"+strconv.Itoa(i), "ip="+host+",port="+strconv.Itoa(port)+",state="+state+
			",offset="+strconv.FormatInt(rec.ackOffset, 10)+",lag="+strconv.FormatInt(int64(now.Sub(rec.lastAck)/time.Second), 10))
	}
	if n.cfg.MinReplicasToWrite > 0 {
		field("min_slaves_good_slaves", n.goodReplicas())
	}
	field("master_failover_state", "no-failover")
	field("master_replid", replID)
	if r.replID2 != "" {
		field("master_replid2", r.replID2)
		field("master_repl_offset", offset)
		field("second_repl_offset", r.secondReplOffset+1) // Redis counts from 1
	} else {
		field("master_replid2", strings.Repeat("0", replIDBytes))
		field("master_repl_offset", offset)
		field("second_repl_offset", -1)
	}
	if b := r.backlog; b != nil {
		field("repl_backlog_active", 1)
		field("repl_backlog_size", b.CapacityBytes())
		field("repl_backlog_first_byte_offset", b.Start()+1)
		field("repl_backlog_histlen", b.HistlenBytes())
	} else {
		field("repl_backlog_active", 0)
		field("repl_backlog_size", int(n.cfg.ReplBacklogSizeBytes))
		field("repl_backlog_first_byte_offset", 0)
		field("repl_backlog_histlen", 0)
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
