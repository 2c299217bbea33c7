package cache

// MIGRATE host port key|"" destination-db timeout [COPY] [REPLACE]
// [AUTH password] [AUTH2 username password] [KEYS key [key ...]]
//
// Redis opens a socket to the target, sends RESTORE (RESTORE-ASKING in a
// cluster) for each key and blocks the whole server until the replies come
// or the timeout passes. Inside the node contract the socket becomes two
// messages, and the node does not stop:
//
//  1. The source DUMPs the keys that exist (NOKEY if none does), sends the
//     target one MigrateRequest with every payload and relative TTL, and
//     parks the client: its reply comes later, and its later commands
//     queue behind it, as behind a blocked BLPOP (blocking.go).
//  2. The keys being migrated are held: any client's command that names
//     one of them waits until the migration ends. This is what Redis's
//     stop-the-world gave for free — no write can land on a key between
//     its DUMP and its deletion, so no acknowledged write is lost.
//  3. The target (receiveMigrateRequest) checks the whole batch first —
//     routing (it may answer MOVED or ASK, as RESTORE-ASKING would), AUTH,
//     the database, BUSYKEY for every key without REPLACE, every payload —
//     and then RESTOREs all of it or nothing, through the AOF and the
//     replication stream, and answers MigrateAck.
//  4. On an OK ack the source deletes the keys (unless COPY), propagates
//     one DEL of them, and answers +OK; on an error ack it answers "ERR
//     Target instance replied with error: …" and keeps the keys, but for
//     those the ack says were restored all the same. If no ack comes
//     within the timeout it answers IOERR and keeps the keys.
//
// A standalone server's target is not a node but a RESP server at
// host:port (Config.PeersByAddress): its adapter turns the request into
// AUTH, SELECT and one RESTORE per key, as Redis's MIGRATE sends them,
// and acks which keys were restored (server/migrate.go).
//
// As with Redis, a timeout does not prove the target did nothing: if only
// the ack was lost, the key now exists on both nodes, and the operator (or
// redis-cli --cluster) retries with REPLACE. Requests carry the source's
// incarnation and an attempt number, and the target applies each request
// at most once, so a duplicated or late request never overwrites a newer
// write with an older value.

import (
	"bytes"
	"errors"
	"strconv"
	"time"

	"syslab/engines/cache/cluster"
	"syslab/engines/cache/persist"
	"syslab/engines/cache/resp"
	"syslab/node"
)

// MigrateRequest carries MIGRATE's keys from the source to the target.
type MigrateRequest struct {
	// Incarnation and Attempt identify the request: Incarnation is drawn
	// at random when the source starts, Attempt counts its MIGRATEs.
	Incarnation uint64
	Attempt     uint64
	DB          int
	Replace     bool
	// Username and Password are AUTH2's (Username "" for AUTH); both ""
	// without authentication.
	Username, Password string
	Keys               []MigrateKey
	// Timeout is MIGRATE's timeout: the source answers IOERR when no ack
	// came within it. A RESP transport also bounds its connect and each
	// read and write by it, as Redis's MIGRATE does.
	Timeout time.Duration
}

// MigrateKey is one key of a MigrateRequest.
type MigrateKey struct {
	Key []byte
	// TTLMillis is the time to live left, 0 for none (RESTORE's ttl).
	TTLMillis int64
	// Payload is the value as DUMP serializes it.
	Payload []byte
}

// MigrateAck is the target's answer: Err is "" when every key was
// restored, else the first error a RESTORE answered, without its '-'.
// With an error, Restored[i] tells whether the request's key i was
// restored all the same: a RESP target restores key by key, as Redis's
// MIGRATE sends them, and the source deletes the keys that were, as Redis
// does; a node restores all or nothing (Restored nil).
type MigrateAck struct {
	Incarnation uint64
	Attempt     uint64
	Err         string
	Restored    []bool
	// IOErr, set by a RESP transport that lost its connection, is the
	// whole reply the source answers (Redis's IOERR wording); the source
	// keeps its keys, as on a timeout.
	IOErr string
}

var migrateCommands = []commandSpec{
	{name: "migrate", arity: -6, flags: flagWrite, firstKey: 3, lastKey: 3, keyStep: 1, movableKeys: migrateKeys, run: migrateCommand},
}

const (
	// migrateDefaultTimeout is used for a timeout of 0 or less, as Redis.
	migrateDefaultTimeout = time.Second
	// migrateKeysMax bounds the keys of one MIGRATE, so one request stays
	// well inside a live frame.
	migrateKeysMax = 1 << 16
	// migratePeersRemembered bounds the sources a target keeps the last
	// applied attempt of; beyond it the oldest entry is dropped.
	migratePeersRemembered = 1024
)

// Redis's MIGRATE replies, word for word.
const (
	errMigrateKeysArg     = "ERR When using MIGRATE KEYS option, the key argument must be set to the empty string"
	errMigrateIOReading   = "IOERR error or timeout reading to target instance"
	errMigrateTargetSaid  = "ERR Target instance replied with error: "
	errAuthWithoutPass    = "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?"
	errWrongPass          = "WRONGPASS invalid username-password pair or user is disabled."
	errMigrateInMulti     = "ERR MIGRATE is not allowed inside MULTI here: it answers only when the target does"
	errMigrateTooManyKeys = "ERR too many keys in one MIGRATE"
)

var replyNoKey = resp.Simple("NOKEY")

// migrateState is MIGRATE's bookkeeping. Maps are looked up, never
// iterated for behaviour.
type migrateState struct {
	// incarnation tags this node's requests (see MigrateRequest).
	incarnation uint64
	lastAttempt uint64
	// pending are this node's MIGRATEs waiting for their ack, by attempt.
	pending map[uint64]*migration
	// heldKeys counts, per key, the pending migrations that hold it.
	heldKeys map[blockKey]int
	// applied is, per source node, the last request applied and its ack,
	// so a duplicate is answered again and never applied twice.
	applied      map[node.ID]appliedMigration
	appliedOrder []node.ID
	// timedOut is Node.migrationTimedOut, reached through this field so
	// that the command table (which holds MIGRATE) does not refer back to
	// itself through the node's command loop: Go rejects that cycle.
	timedOut func(attempt uint64)
}

type appliedMigration struct {
	incarnation, attempt uint64
	ack                  MigrateAck
}

// migration is one MIGRATE waiting for its ack.
type migration struct {
	attempt uint64
	// caller is the MIGRATE client, parked (no keys) until the answer.
	caller  *blockedClient
	dbIndex int
	keys    [][]byte
	copy    bool
	timer   node.Timer
	// held are the commands of other clients waiting for these keys.
	held []heldForMigration
}

// heldForMigration is a command parked because it names a key in flight.
type heldForMigration struct {
	parked *blockedClient
	args   [][]byte
}

func (m *migrateState) init(env node.Env, timedOut func(attempt uint64)) {
	m.timedOut = timedOut
	m.incarnation = env.Rand().Uint64()
	m.pending = make(map[uint64]*migration)
	m.heldKeys = make(map[blockKey]int)
	m.applied = make(map[node.ID]appliedMigration)
}

// defaultResolvePeer maps MIGRATE's host to the node of that ID, as
// REPLICAOF does; cluster mode maps addresses to bus IDs instead.
func defaultResolvePeer(host string, port int) (node.ID, bool) { return node.ID(host), host != "" }

// migrateArgs is a parsed MIGRATE.
type migrateArgs struct {
	host               string
	port               int
	dbIndex            int64
	timeout            time.Duration
	copy, replace      bool
	username, password string
	keys               [][]byte
}

func parseMigrate(args [][]byte) (migrateArgs, resp.Value, bool) {
	m := migrateArgs{host: string(args[1])}
	m.port, _ = strconv.Atoi(string(args[2])) // Redis reads it with atoi
	firstKey, numKeys := 3, 1
	for j := 6; j < len(args); j++ {
		more := len(args) - 1 - j
		switch {
		case bytes.EqualFold(args[j], []byte("copy")):
			m.copy = true
		case bytes.EqualFold(args[j], []byte("replace")):
			m.replace = true
		case bytes.EqualFold(args[j], []byte("auth")):
			if more < 1 {
				return m, resp.Err(errSyntax), false
			}
			j++
			m.password = string(args[j])
		case bytes.EqualFold(args[j], []byte("auth2")):
			if more < 2 {
				return m, resp.Err(errSyntax), false
			}
			m.username, m.password = string(args[j+1]), string(args[j+2])
			j += 2
		case bytes.EqualFold(args[j], []byte("keys")):
			if len(args[3]) != 0 {
				return m, resp.Err(errMigrateKeysArg), false
			}
			firstKey, numKeys = j+1, len(args)-j-1
			j = len(args)
		default:
			return m, resp.Err(errSyntax), false
		}
	}
	timeoutMillis, ok1 := resp.ParseInt(args[5])
	dbIndex, ok2 := resp.ParseInt(args[4])
	if !ok1 || !ok2 {
		return m, resp.Err(errNotInteger), false
	}
	if timeoutMillis <= 0 {
		m.timeout = migrateDefaultTimeout
	} else {
		m.timeout = time.Duration(min(timeoutMillis, int64(time.Duration(1<<62)/time.Millisecond))) * time.Millisecond
	}
	m.dbIndex = dbIndex
	m.keys = args[firstKey : firstKey+numKeys]
	return m, resp.Value{}, true
}

func migrateCommand(c *call) resp.Value {
	n := c.node
	m, errReply, ok := parseMigrate(c.args)
	if !ok {
		return errReply
	}
	if len(m.keys) > migrateKeysMax {
		return resp.Err(errMigrateTooManyKeys)
	}
	if n.exec != nil || c.session == nil {
		return resp.Err(errMigrateInMulti)
	}
	req := MigrateRequest{DB: int(min(max(m.dbIndex, -1), 1<<31-1)), Replace: m.replace, Username: m.username, Password: m.password, Timeout: m.timeout}
	var keys [][]byte
	for _, key := range m.keys {
		e := c.lookup(key)
		if e == nil {
			continue
		}
		var ttlMillis int64
		if e.expireAtMillis != noExpiry {
			ttlMillis = e.expireAtMillis - c.nowMillis
			if ttlMillis < 0 {
				continue
			}
			ttlMillis = max(ttlMillis, 1)
		}
		keys = append(keys, key)
		req.Keys = append(req.Keys, MigrateKey{Key: bytes.Clone(key), TTLMillis: ttlMillis, Payload: dumpPayload(e.value)})
	}
	if len(keys) == 0 {
		return replyNoKey
	}
	target, ok := n.resolvePeerOf(m.host, m.port)
	if !ok || target == n.env.Self() {
		// Redis would block on a connection to itself until the timeout.
		return resp.Err(errMigrateIOReading)
	}
	st := &n.migrate
	st.lastAttempt++
	req.Incarnation, req.Attempt = st.incarnation, st.lastAttempt
	mig := &migration{attempt: req.Attempt, dbIndex: c.dbIndex, keys: keys, copy: m.copy}
	mig.caller = &blockedClient{client: c.client, seq: c.seq, dbIndex: c.dbIndex}
	n.blocking.blocked[c.client] = mig.caller
	for _, key := range keys {
		st.heldKeys[blockKey{c.dbIndex, string(key)}]++
	}
	st.pending[mig.attempt] = mig
	mig.timer = n.env.After(m.timeout, func() { st.timedOut(mig.attempt) })
	n.env.Send(target, req)
	n.env.Metrics().Add("cache_migrate_requests_total", 1)
	return replyLater
}

// peerAt resolves MIGRATE's host and port in cluster mode: the node whose
// client address is host:port, as CLUSTER NODES shows it (what redis-cli
// --cluster passes to MIGRATE); another name falls back to a node ID.
// Cluster mode sets resolvePeer to it over the cluster state's nodes.
func peerAt(peers []cluster.Peer, host string, port int) (node.ID, bool) {
	addr := host + ":" + strconv.Itoa(port)
	for _, p := range peers {
		if p.Addr == addr && p.Bus != "" {
			return p.Bus, true
		}
	}
	return defaultResolvePeer(host, port)
}

// resolvePeerOf finds the node MIGRATE's host and port name.
func (n *Node) resolvePeerOf(host string, port int) (node.ID, bool) {
	if n.resolvePeer != nil {
		return n.resolvePeer(host, port)
	}
	if n.cfg.PeersByAddress {
		return node.ID(hostPort(host, port)), host != ""
	}
	return defaultResolvePeer(host, port)
}

// holdForMigration parks a command that names a key being migrated; it
// runs once the migration ends (see migrateCommand). It reports whether
// it parked the command.
func (n *Node) holdForMigration(client node.ID, seq uint64, args [][]byte) bool {
	spec := lookupCommand(args[0])
	if spec == nil || !spec.arityOK(len(args)) {
		return false
	}
	s := n.session(client)
	if s.multi != nil && queuesInMulti(spec) {
		return false // only queued; EXEC is what touches the keys
	}
	mig := n.migrationHolding(s, spec, args)
	if mig == nil {
		return false
	}
	parked := &blockedClient{client: client, seq: seq, dbIndex: s.dbIndex}
	n.blocking.blocked[client] = parked
	mig.held = append(mig.held, heldForMigration{parked: parked, args: keepArgs(args)})
	n.env.Metrics().Add("cache_migrate_held_commands_total", 1)
	return true
}

// migrationHolding is the pending migration holding a key the command
// names (EXEC: any queued command), or nil. Commands that touch keys
// without naming them (FLUSHDB, SWAPDB, KEYS) are not held.
func (n *Node) migrationHolding(s *session, spec *commandSpec, args [][]byte) *migration {
	check := func(spec *commandSpec, args [][]byte) *migration {
		for _, key := range commandKeys(spec, args) {
			k := blockKey{s.dbIndex, string(key)}
			if n.migrate.heldKeys[k] > 0 {
				return n.migrationOf(k)
			}
		}
		return nil
	}
	if spec == specExec && s.multi != nil {
		for _, q := range s.multi.commands {
			if mig := check(q.spec, q.args); mig != nil {
				return mig
			}
		}
		return nil
	}
	return check(spec, args)
}

// migrationOf is the oldest pending migration holding k.
func (n *Node) migrationOf(k blockKey) *migration {
	var oldest *migration
	for _, mig := range n.migrate.pending { // the minimum attempt: order-independent
		if mig.dbIndex != k.dbIndex || (oldest != nil && mig.attempt > oldest.attempt) {
			continue
		}
		for _, key := range mig.keys {
			if string(key) == k.key {
				oldest = mig
				break
			}
		}
	}
	if oldest == nil {
		panic("cache: a held key has no pending migration")
	}
	return oldest
}

// receiveMigrate handles MIGRATE's messages; false means msg is not one.
func (n *Node) receiveMigrate(from node.ID, msg node.Message) bool {
	switch m := msg.(type) {
	case MigrateRequest:
		n.receiveMigrateRequest(from, m)
	case *MigrateRequest:
		n.receiveMigrateRequest(from, *m)
	case MigrateAck:
		n.receiveMigrateAck(m)
	case *MigrateAck:
		n.receiveMigrateAck(*m)
	default:
		return false
	}
	n.handleBlocked()
	return true
}

// receiveMigrateRequest restores a batch, all of it or nothing, and acks.
func (n *Node) receiveMigrateRequest(from node.ID, req MigrateRequest) {
	st := &n.migrate
	if last, ok := st.applied[from]; ok && last.incarnation == req.Incarnation {
		if req.Attempt == last.attempt {
			n.env.Send(from, last.ack) // a duplicate: its ack may be what was lost
		}
		if req.Attempt <= last.attempt {
			return
		}
	}
	ack := MigrateAck{Incarnation: req.Incarnation, Attempt: req.Attempt}
	if reason := n.restoreBatch(from, req); reason != "" {
		ack.Err = reason
	}
	if _, known := st.applied[from]; !known {
		if len(st.appliedOrder) >= migratePeersRemembered {
			delete(st.applied, st.appliedOrder[0])
			st.appliedOrder = st.appliedOrder[1:]
		}
		st.appliedOrder = append(st.appliedOrder, from)
	}
	st.applied[from] = appliedMigration{incarnation: req.Incarnation, attempt: req.Attempt, ack: ack}
	n.env.Send(from, ack)
}

// restoreBatch checks and applies a request; it returns "" or the error
// the source reports.
func (n *Node) restoreBatch(from node.ID, req MigrateRequest) string {
	if n.broken != nil {
		return string(n.broken.Str)
	}
	switch {
	case req.Password != "" && req.Username == "":
		return errAuthWithoutPass
	case req.Username != "" && req.Username != "default":
		return errWrongPass // the default user is the only one, without password
	}
	if req.DB < 0 || req.DB >= len(n.dbs) {
		return errDBOutOfRange
	}
	if len(req.Keys) == 0 || len(req.Keys) > migrateKeysMax {
		return errSyntax
	}
	nowMillis := n.env.Now().UnixMilli()
	n.access.nowMillis = nowMillis
	restore := commandTable["restore"]
	db := n.dbs[req.DB]
	s := &session{client: from, dbIndex: req.DB, asking: true}
	batch := make([][][]byte, len(req.Keys))
	seen := make(map[string]bool, len(req.Keys))
	for i, k := range req.Keys {
		args := [][]byte{cmdRestore, k.Key, strconv.AppendInt(nil, k.TTLMillis, 10), k.Payload}
		if req.Replace {
			args = append(args, argReplace)
		}
		batch[i] = args
		if n.router != nil {
			if refusal, refused := n.getNodeByQuery(s, restore, args, true); refused {
				return string(refusal.Str)
			}
		}
		if !req.Replace && (seen[string(k.Key)] || db.lookupNoTouch(k.Key, nowMillis) != nil) {
			return errBusyKey // a key named twice is busy the second time, as in Redis
		}
		seen[string(k.Key)] = true
		if k.TTLMillis < 0 {
			return errBadTTL
		}
		if _, err := loadDumpValue(n, k.Payload, k.Key); err != nil {
			return restoreError(err)
		}
	}
	if refusal, refused := n.refuseWrite(); refused {
		return string(refusal.Str)
	}
	if n.aofErr != nil {
		n.retryAOF()
		if n.aofErr != nil {
			return string(misconf(n.aofErr).Str)
		}
	}
	n.performEvictions()
	for _, args := range batch {
		c := call{node: n, args: args, client: from, session: s, db: db, dbIndex: req.DB, nowMillis: nowMillis, write: true}
		if n.bgSnapshot != nil {
			n.snapshotBeforeWrite(req.DB, args[1:2])
		}
		dirtyBefore := n.dirty
		if reply := restore.run(&c); reply.IsError() {
			panic("cache: a checked MIGRATE batch failed to restore: " + string(reply.Str))
		}
		if n.dirty != dirtyBefore {
			db.reaccount(args[1])
			n.keyModified(req.DB, args[1])
		}
		n.stats.Commands++
	}
	if err := n.writeAOF(); err != nil {
		return string(misconf(err).Str)
	}
	n.afterCommand(s)
	n.env.Metrics().Add("cache_migrate_restored_keys_total", float64(len(batch)))
	return ""
}

// restoreError is RESTORE's reply for a payload that does not load.
func restoreError(err error) string {
	if errors.Is(err, persist.ErrDumpPayload) {
		return errBadDumpPayload
	}
	return errBadDumpFormat
}

var (
	cmdRestore = []byte("RESTORE")
	argReplace = []byte("REPLACE")
)

// receiveMigrateAck ends a pending MIGRATE with the target's answer.
func (n *Node) receiveMigrateAck(ack MigrateAck) {
	st := &n.migrate
	mig := st.pending[ack.Attempt]
	if ack.Incarnation != st.incarnation || mig == nil {
		n.env.Logf("cache: ignoring a MIGRATE ack for attempt %d: it timed out or is not ours", ack.Attempt)
		return
	}
	mig.timer.Stop()
	if ack.IOErr != "" {
		n.finishMigration(mig, resp.Err(ack.IOErr))
		return
	}
	reply, moved := resp.OK, mig.keys
	if ack.Err != "" {
		reply, moved = resp.Err(errMigrateTargetSaid+ack.Err), nil
		for i, restored := range ack.Restored {
			if restored && i < len(mig.keys) {
				moved = append(moved, mig.keys[i])
			}
		}
	}
	if !mig.copy && len(moved) > 0 {
		db := n.dbs[mig.dbIndex]
		if n.bgSnapshot != nil {
			n.snapshotBeforeWrite(mig.dbIndex, moved)
		}
		del := make([][]byte, 0, len(moved)+1)
		del = append(del, cmdDel)
		for _, key := range moved {
			if db.delete(string(key)) {
				del = append(del, key)
				n.keyModified(mig.dbIndex, key)
				n.notifyKeyspaceEvent(notifyGeneric, "del", key, mig.dbIndex)
			}
		}
		if len(del) > 1 {
			n.dirty++
			n.propagate(mig.dbIndex, del...)
		}
		if err := n.writeAOF(); err != nil {
			n.finishMigration(mig, misconf(err))
			return
		}
	}
	n.finishMigration(mig, reply)
}

// migrationTimedOut answers IOERR; the keys stay here.
func (n *Node) migrationTimedOut(attempt uint64) {
	if mig := n.migrate.pending[attempt]; mig != nil {
		n.env.Metrics().Add("cache_migrate_timeouts_total", 1)
		n.finishMigration(mig, resp.Err(errMigrateIOReading))
		n.handleBlocked()
	}
}

// finishMigration answers the MIGRATE client, releases the held keys and
// lets the parked commands run (handleBlocked, after the caller is done).
func (n *Node) finishMigration(mig *migration, reply resp.Value) {
	st := &n.migrate
	delete(st.pending, mig.attempt)
	for _, key := range mig.keys {
		k := blockKey{mig.dbIndex, string(key)}
		if st.heldKeys[k]--; st.heldKeys[k] <= 0 {
			delete(st.heldKeys, k)
		}
	}
	if !n.isReplica() {
		n.flushStream() // the DEL goes to replicas now, caller or not
	}
	if bc := mig.caller; !bc.done {
		if s := n.sessions[bc.client]; s != nil && !n.isReplica() {
			s.replOffset = n.repl.offset // WAIT after MIGRATE waits for its DEL
		}
		n.unblock(bc)
		n.reply(bc.client, bc.seq, reply)
	}
	for _, h := range mig.held {
		if h.parked.done {
			continue // the client left, or its wait was cancelled
		}
		b := &n.blocking
		b.queued[h.parked.client] = append([]pendingCommand{{seq: h.parked.seq, args: h.args}}, b.queued[h.parked.client]...)
		n.unblock(h.parked)
	}
}
