package cache

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"syslab/engines/cache/cluster"
	"syslab/engines/cache/persist"
	"syslab/engines/cache/resp"
	"syslab/node"
)

// Node is one cache server: a single-threaded state machine that answers
// Command messages with Reply messages. It touches the world only through
// node.Env.
//
// # Durability
//
// With AppendOnly set, every command that changed the keyspace is appended
// to the AOF (package persist) before its reply is sent: with appendfsync
// always the file is also synced first, so an acknowledged write survives
// a crash; with everysec the file is written at once and synced by a 1 s
// timer; with no it is written and never synced here.
//
// If writing or syncing fails, the write command that hit the failure is
// answered with a MISCONF error instead of its reply (it may or may not
// persist later, like any unanswered write) and every later write command
// is refused with MISCONF until a retry — before the next write command, or
// by the background timers — writes the pending bytes and syncs them.
// Reads go on being served.
//
// # A node that cannot start
//
// Start cannot return an error. If the configuration is invalid or the AOF
// is corrupt (anything but a torn last command), the node loads nothing,
// logs why, and answers every command with an error that says why and
// what to do, so clients and the operator see the cause instead of a node
// that silently lost its data. Nothing is written to the disk in that
// state.
type Node struct {
	cfg      Config
	cfgErr   error
	env      node.Env
	dbs      []*keyspace
	sessions map[node.ID]*session
	// lastSession is the session existingSession found last (nil: none);
	// only a cache of sessions, which disconnect keeps true.
	lastSession *session
	// prefetchTouched is where prefetch keeps what it read (prefetch.go).
	prefetchTouched byte
	// lender is env when it can take loans (live mode); lentReply and
	// lentPush are the messages lent to it, rewritten for each one (send.go).
	lender    node.Lender
	lentReply Reply
	lentPush  Push
	// monitors are the clients in MONITOR mode, in the order they asked.
	monitors []node.ID
	// shutDown: SHUTDOWN succeeded; the node does nothing more.
	shutDown bool
	// loading is true while the AOF is replayed; keyspaces point at it.
	loading bool
	// aof is nil when persistence is off (or before loading finished).
	aof *persist.AOF
	// aofErr is the last failed AOF write or sync; writes are refused while set.
	aofErr error
	// broken, when set, is the answer to every command (see Node's doc).
	broken *resp.Value
	stats  Stats
	// dirty counts changes to the keyspace since start (Redis's
	// server.dirty): snapshots and INFO read it, and execute compares it
	// before and after a command to tell whether its keys were modified.
	dirty int64
	// onKeyModified and onFlush are told about every modified key and
	// every flushed database (-1: all), as Redis's signalModifiedKey and
	// signalFlushedDb: WATCH, client tracking and blocked clients listen.
	onKeyModified []func(dbIndex int, key []byte)
	onFlush       []func(dbIndex int)
	// watchers maps a WATCHed key to the clients watching it (multi.go).
	watchers map[string][]watcher
	// exec is set while EXEC runs a transaction's commands, or a script
	// its calls.
	exec *execState
	// scripting is the script cache and Lua interpreter; scriptRun the
	// script running, scriptRand its math.random (scripting.go).
	scripting  scripting
	scriptRun  *scriptRun
	scriptRand scriptRand
	// roundWaiting are the batches of the Round being received that have
	// not begun (receiveRound).
	roundWaiting Round
	// busyReplyThreshold is how long a script runs before others are
	// answered BUSY (scriptbusy.go).
	busyReplyThreshold time.Duration
	// functions are the loaded function libraries (functions.go), run by
	// functionEngine, made at the first library.
	functions      functionRegistry
	functionEngine *functionEngine
	// outputLimits are client-output-buffer-limit, by client class
	// (outputlimits.go).
	outputLimits [clientClasses]outputLimit
	// queryBufferBytesMax is client-query-buffer-limit (querybuflimit.go).
	queryBufferBytesMax int64
	// errorCounted is set when the error reply of the command ending now
	// was counted in errorstats already: a script's error raised by a
	// redis.call whose command failed (Redis's
	// ERR_REPLY_FLAG_NO_STATS_UPDATE). The command is still a failed call.
	errorCounted bool
	// startMillis is when this incarnation started (INFO uptime).
	startMillis int64
	// runIDHex is INFO's run_id once drawn (info.go).
	runIDHex string
	// everysecArmed is set once the everysec sync timer runs.
	everysecArmed bool
	// nextClientID is the last client id given (CLIENT ID); clientsByID
	// finds a session by it (tracking redirects).
	nextClientID int64
	clientsByID  map[int64]*session
	// current is the session of the command being executed, nil between
	// commands (timers, active expiry).
	current *session
	// moreReplies are the answers after the first of the command being
	// executed (Reply.More); afterReply are pushes to its own client that
	// must follow its reply (Redis 7 sends a client the invalidations its
	// own write caused after the write's reply).
	moreReplies []resp.Value
	afterReply  []resp.Value
	pubsub      pubsubState // pubsub.go
	opsRate     opsRate     // opsrate.go: instantaneous_ops_per_sec
	// inMessage is set while Receive handles a message: what Redis sends
	// in beforeSleep (BCAST invalidations) goes out when it returns, and
	// only changes made outside a message (timers) need a timer to send it.
	inMessage bool
	tracking  trackingState // tracking.go
	// notifyFlags is notify-keyspace-events, parsed (notify.go).
	notifyFlags notifyClass
	// blocking holds clients blocked in BLPOP and friends (blocking.go).
	blocking blockingState

	snapshotState // snapshot.go: SAVE, BGSAVE, save rules
	aofState      // aofrewrite.go: the multi-part AOF and its rewrites
	// Eviction (evict.go): the parsed maxmemory-policy, the clock and
	// access tracking shared by the databases, the pool of candidates and
	// the next database the random policies take from; whether a timer
	// goes on with an eviction that ran out of time.
	policy             policy
	access             accessClock
	pool               evictionPool
	evictNextDB        int
	evictionTimerArmed bool
	// repl is master–replica replication (replication.go).
	repl replState

	clientKillState                 // clients.go: CLIENT KILL
	pause           pauseState      // pause.go: CLIENT PAUSE, DEBUG SLEEP
	memory          memoryState     // memorystats.go: peak, the process's figures
	debug           debugState      // debug.go: DEBUG SET-ACTIVE-EXPIRE
	cmdStats        commandStats    // cmdstats.go: INFO commandstats, errorstats
	clock           commandClock    // commandclock.go: how long commands take
	slowlog         slowlog         // slowlog.go: SLOWLOG
	latency         latencyTracking // latencystats.go: INFO latencystats
	latencyMonitor  latencyMonitor  // latency.go: LATENCY
	// rdbKeySaveDelayMicros is rdb-key-save-delay (snapshot.go).
	rdbKeySaveDelayMicros int64
	// callsFree are call records for reuse (takeCall).
	callsFree []*call
	// cluster is the Redis Cluster state; nil unless ClusterEnabled
	// (cluster.go).
	cluster *cluster.State
	// router is the cluster state commands are routed by (routing.go),
	// the same value as cluster; nil when the node is not in cluster mode.
	router slotRouter
	// migrate is MIGRATE's bookkeeping on both ends (migrate.go);
	// resolvePeer maps MIGRATE's host and port to a node (nil: the host
	// is the node ID).
	migrate     migrateState
	resolvePeer func(host string, port int) (node.ID, bool)
}

// Stats are the node's counters, for tests and reports.
type Stats struct {
	Commands      int64
	ExpiredKeys   int64 // deleted for expiry, lazily or by the active cycle
	AOFLoaded     int   // commands replayed at Start
	AOFTruncated  int64 // bytes of a torn tail cut away at Start
	AOFWriteFails int64
	EvictedKeys   int64 // deleted to get under maxmemory
	// KeyspaceHits and KeyspaceMisses count key lookups by read commands
	// that found the key or not (Redis's keyspace_hits/misses).
	KeyspaceHits   int64
	KeyspaceMisses int64
	// Replication (replication.go): full syncs this replica loaded,
	// partial resyncs it got, commands it applied from its master.
	FullSyncsLoaded    int64
	PartialResyncs     int64
	ReplicatedCommands int64
	// ConnectionsReceived counts the connections adapters introduced
	// (Connected); simulated clients are not connections.
	ConnectionsReceived int64
	// RejectedConnections counts the connections refused at maxclients.
	RejectedConnections int64
}

// New returns a Factory building cache nodes with cfg. An invalid cfg does
// not panic: the node answers every command with the validation error (see
// Node); call cfg.Validate first to catch it early.
func New(cfg Config) node.Factory {
	cfgErr := cfg.Validate()
	cfg = cfg.withDefaults()
	return func() node.Handler { return &Node{cfg: cfg, cfgErr: cfgErr} }
}

// Start loads the AOF (if on) and arms the background timers.
func (n *Node) Start(env node.Env) {
	n.env = env
	n.lender, _ = env.(node.Lender)
	n.clock = commandClock{markAt: noMark}
	n.clock.stopwatch, _ = env.(node.Stopwatch)
	n.slowlog = newSlowlog()
	n.busyReplyThreshold = busyReplyThresholdDefault
	n.latency = newLatencyTracking()
	n.flushScripts()
	n.scriptRand = newScriptRand()
	n.outputLimits = n.cfg.initialOutputLimits() // outputlimits.go
	n.queryBufferBytesMax = QueryBufferBytesDefault
	n.sessions = make(map[node.ID]*session)
	n.lastSession = nil
	n.watchers = make(map[string][]watcher)
	n.startMillis = env.Now().UnixMilli()
	n.onKeyModified = append(n.onKeyModified, n.touchWatchedKey)
	n.clientsByID = make(map[int64]*session)
	n.pubsub.init()
	n.startTracking()
	n.initBlocking()
	n.migrate.init(env, n.migrationTimedOut)
	if n.cfgErr != nil {
		n.refuseService("ERR invalid configuration: " + n.cfgErr.Error())
		return
	}
	for _, setting := range n.cfg.Settings {
		name, value, _ := strings.Cut(setting, " ")
		if reason, ok := configParams[strings.ToLower(name)].set(n, value); !ok {
			n.refuseService("ERR invalid configuration: setting " + strconv.Quote(setting) + ": " + reason)
			return
		}
	}
	n.policy = parsePolicy(n.cfg.MaxMemoryPolicy)
	n.notifyFlags, _ = parseNotifyFlags(n.cfg.NotifyKeyspaceEvents) // Validate checked it
	n.access = accessClock{
		nowMillis:     env.Now().UnixMilli(),
		lfu:           n.policy.kind == policyLFU,
		sampleAllKeys: n.policy.allKeys,
		rng:           env.Rand(),

		byAccess:       n.policy.kind == policyLRU || n.policy.kind == policyLFU,
		maxMemoryBytes: &n.cfg.MaxMemoryBytes,
	}
	n.dbs = make([]*keyspace, n.cfg.Databases)
	for i := range n.dbs {
		dbIndex := i
		n.dbs[i] = newKeyspace(env.Rand().Uint64(), &n.loading, &n.pause.keepExpired, func(key string) { n.keyExpired(dbIndex, key) }, &n.access)
		n.dbs[i].notifyFlags, n.dbs[i].onNew = &n.notifyFlags, func(key string) { n.notifyNewKey(dbIndex, key) }
	}
	n.indexSlots() // cluster.go: before anything is loaded
	n.lastSaveUnix = env.Now().Unix()
	n.persistStats = newPersistStats()
	n.saveRules, _ = parseSaveRules(n.cfg.Save) // Validate checked it
	// Load order as Redis: the AOF when it is on, else the snapshot. A
	// node without a disk (unit tests' Env) has nothing to load.
	if n.cfg.AppendOnly {
		if !n.loadAOF() {
			return
		}
	} else if env.Disk() != nil && !n.loadRDBFile() {
		return
	}
	env.After(n.cronInterval(), n.cron)
	n.startReplication()
	if !n.startCluster() { // cluster.go
		return
	}
	n.repl.restored = nil // only a replica's first link resumes from it
	if n.aof != nil && n.cfg.AppendFsync == FsyncEverysec {
		n.everysecArmed = true
		env.After(everysecInterval, n.everysecSync)
	}
}

func (n *Node) refuseService(reason string) {
	n.env.Logf("cache: refusing service: %s", reason)
	reply := resp.Err(reason)
	n.broken = &reply
}

// replay applies one command read from the AOF.
func (n *Node) replay(dbIndex int, args [][]byte) error {
	spec := lookupCommand(args[0])
	if spec == nil {
		return errors.New("unknown command '" + string(args[0][:min(len(args[0]), unknownArgsBytes)]) + "' reading the append only file")
	}
	if !spec.arityOK(len(args)) {
		return errors.New("wrong number of arguments for '" + spec.name + "' reading the append only file")
	}
	c := call{node: n, args: args, db: n.dbs[dbIndex], dbIndex: dbIndex, nowMillis: n.env.Now().UnixMilli(), write: true}
	n.access.nowMillis = c.nowMillis
	spec.run(&c) // like Redis, an error reply during loading is dropped
	for _, key := range spec.keys(args) {
		c.db.reaccount(key)
	}
	return nil
}

// Receive handles one message.
func (n *Node) Receive(from node.ID, msg node.Message) {
	if n.stopped() {
		return
	}
	if n.inMessage {
		// Served from inside a running script (scriptbusy.go).
		n.receiveWhileBusy(from, msg)
		return
	}
	n.inMessage = true
	n.clock.beginMessage()
	n.receive(from, msg)
	n.clock.endMessage()
	n.inMessage = false
	if len(n.tracking.broadcast) > 0 && !n.stopped() {
		// As Redis's beforeSleep: BCAST invalidations go out before the
		// node reads anything else, so a client's next reply comes after
		// the invalidations of the writes that ran before it.
		n.broadcastInvalidations() // tracking.go
	}
}

func (n *Node) receive(from node.ID, msg node.Message) {
	switch m := msg.(type) {
	case Command:
		n.receiveCommand(from, m.Seq, m.Args)
	case *Command:
		n.receiveCommand(from, m.Seq, m.Args)
	case Commands:
		n.prefetch(from, m)
		n.receiveCommands(from, m)
	case *Round:
		n.receiveRound(*m)
	case Round:
		n.receiveRound(m)
	case Disconnected:
		n.forgetClient(from) // clients.go
		delete(n.killed, from)
	case Connected:
		n.connected(from, m)
	case QueryBuffer:
		if s := n.existingSession(from); s != nil {
			n.noteQueryBuffer(s, m.CapacityBytes) // memorystats.go
		}
	case OutputBuffer:
		if s := n.existingSession(from); s != nil {
			s.meta.outputBytes = m.Bytes // outputlimits.go
		}
	case ProcessStats:
		n.memory.process, n.memory.processKnown = m, true // memorystats.go
	default:
		if n.cluster != nil && n.cluster.Receive(from, msg) {
			return
		}
		if n.receiveMigrate(from, msg) { // migrate.go
			return
		}
		if n.receiveReplication(from, msg) {
			return
		}
		n.env.Logf("cache: ignoring unexpected message %T from %s", msg, from)
	}
}

// receiveRound runs a Round: a stretch of clients whose first keys are
// read ahead together, then their commands (prefetch.go), then the next.
//
// The batches not yet begun wait in roundWaiting: a script that times out
// answers them as Redis answers what arrives meanwhile (scriptbusy.go),
// and the round goes on with what is left.
func (n *Node) receiveRound(round Round) {
	n.roundWaiting = round
	for len(n.roundWaiting) > 0 && !n.stopped() {
		clients := n.prefetchRound(n.roundWaiting)
		for range clients {
			if len(n.roundWaiting) == 0 {
				break
			}
			cc := n.roundWaiting[0]
			n.roundWaiting = n.roundWaiting[1:]
			n.prefetch(cc.Client, cc.Commands) // the rest of a client's pipeline
			n.receiveCommands(cc.Client, cc.Commands)
		}
	}
	n.roundWaiting = nil
}

// receiveCommands runs one client's commands in order.
func (n *Node) receiveCommands(client node.ID, batch Commands) {
	for _, c := range batch {
		if n.stopped() {
			return
		}
		n.receiveCommand(client, c.Seq, c.Args)
	}
}

var replyEmptyCommand = resp.Err("ERR empty command")

// handle runs one command and sends its reply, unless the command will
// reply later (see replyLater).
func (n *Node) handle(client node.ID, seq uint64, args [][]byte) {
	if len(n.migrate.heldKeys) > 0 && len(args) > 0 && n.holdForMigration(client, seq, args) {
		return // it runs once the migration of its key ends (migrate.go)
	}
	v := n.execute(client, seq, args)
	more, after := n.moreReplies, n.afterReply
	n.moreReplies, n.afterReply = nil, nil
	if v.Kind != 0 {
		silent := n.replySilenced(client) || n.silenceReply
		n.silenceReply = false
		n.sendReply(client, Reply{Seq: seq, Value: v, More: more, Protocol: n.protocolOf(client), Silent: silent})
		if silent && v.Kind == resp.Push {
			// Pub/Sub confirmations are pushes: CLIENT REPLY OFF does not
			// silence them (Redis's CLIENT_PUSHING), in either protocol.
			for _, p := range append([]resp.Value{v}, more...) {
				n.push(client, p)
			}
		}
	}
	for _, p := range after {
		n.push(client, p)
	}
	if n.killAfterReply { // CLIENT KILL of the caller itself
		n.killAfterReply = false
		n.killNow(client)
	}
}

// reply answers the command seq of client.
func (n *Node) reply(client node.ID, seq uint64, v resp.Value) {
	s := n.sessions[client]
	n.sendReply(client, Reply{Seq: seq, Value: v, Protocol: n.protocolOf(client), Silent: s != nil && s.meta.repliesOff})
}

// push sends client an out-of-band message (see Push).
func (n *Node) push(client node.ID, v resp.Value) {
	n.sendPush(client, Push{Value: v, Protocol: n.protocolOf(client)})
}

// keyModified tells the listeners that key of database dbIndex changed.
func (n *Node) keyModified(dbIndex int, key []byte) {
	for _, h := range n.onKeyModified {
		h(dbIndex, key)
	}
}

// flushed tells the listeners that database dbIndex (-1: all) was emptied.
func (n *Node) flushed(dbIndex int) {
	for _, h := range n.onFlush {
		h(dbIndex)
	}
}

// execute runs one command for client and returns its reply, or
// replyLater. Inside MULTI, commands are queued instead (multi.go).
func (n *Node) execute(client node.ID, seq uint64, args [][]byte) resp.Value {
	if n.broken != nil {
		return n.countError(*n.broken)
	}
	if len(args) == 0 {
		return n.countError(replyEmptyCommand)
	}
	s := n.session(client)
	spec := lookupCommand(args[0])
	if spec == nil {
		s.flagTransaction()
		return n.countError(errUnknownCommand(args))
	}
	if !spec.arityOK(len(args)) {
		s.flagTransaction()
		return n.reject(s, spec, args, errWrongArity(spec.name))
	}
	if refusal, refused := n.refuseProtectedCommand(s, spec); refused { // protected.go
		s.flagTransaction()
		return n.reject(s, spec, args, refusal)
	}
	if n.authRequired(s) && !commandNoAuth(spec) { // auth.go
		s.flagTransaction()
		return n.reject(s, spec, args, replyNoAuth)
	}
	if refusal, refused := refuseWhileSubscribed(s, spec, args); refused {
		return n.reject(s, spec, args, refusal)
	}
	if n.router != nil {
		if refusal, refused := n.routeCommand(s, spec, args); refused { // routing.go
			return n.rejectAsIs(spec, args, refusal)
		}
	}
	n.access.nowMillis = n.env.Now().UnixMilli()
	if len(n.tracking.clients) > 0 {
		n.trackingLimitKeys() // tracking.go
	}
	flags := spec.flags
	if spec.flagsFor != nil {
		flags = spec.flagsFor(args)
	}
	if flags&flagRunsScript != 0 {
		flags = n.scriptCommandFlags(flags, spec, args) // scripting.go
	}
	// Like Redis's processCommand: make room before every command, and
	// refuse the ones that could need more when there is none (inside
	// MULTI the refusal also dooms the transaction). A replica leaves
	// eviction to its master (replica-ignore-maxmemory yes).
	busy := n.busyScript()
	if busy == nil && !n.isReplica() && !n.performEvictions() && flags&flagDenyOOM != 0 {
		_ = n.writeAOF() // the DELs of what was evicted; a failure is noted
		s.flagTransaction()
		return n.reject(s, spec, args, replyOOM)
	}
	isWrite := flags&flagWrite != 0
	if isWrite {
		if refusal, refused := n.refuseWrite(); refused { // replication.go
			s.flagTransaction()
			return n.reject(s, spec, args, refusal)
		}
	}
	if refusal, refused := n.refuseStale(spec, args); refused || flags&flagNotStale != 0 && n.servingStale() { // replication.go
		if !refused {
			refusal = replyMasterDown
		}
		s.flagTransaction()
		return n.reject(s, spec, args, refusal)
	}
	if busy != nil && !allowedWhileBusy(spec, args) { // scriptbusy.go
		s.flagTransaction()
		return n.reject(s, spec, args, busy.busyReply())
	}
	if n.paused() && n.pausedFor(s, spec, flags) {
		// Where Redis postpones a client: after the refusals above,
		// before MULTI queues (pause.go).
		n.hold(client, seq, args)
		s.meta.noteCommand(spec, args, n.access.nowMillis)
		return replyLater
	}
	if s.multi != nil && queuesInMulti(spec) {
		return s.queue(spec, args, flags)
	}
	if isWrite && n.aofErr != nil {
		n.retryAOF()
		if n.aofErr != nil {
			return n.reject(s, spec, args, misconf(n.aofErr))
		}
	}
	reply := n.call(client, seq, spec, args)
	err := n.writeAOF()
	n.afterCommand(s) // the writes go to the replication stream
	if err != nil && isWrite {
		return misconf(err)
	}
	return reply
}

// call runs one checked command, in the client's selected database, and
// does the bookkeeping every command gets: memory accounting and
// modified-key signals for writes, counters. EXEC runs its queue through
// it too.
func (n *Node) call(client node.ID, seq uint64, spec *commandSpec, args [][]byte) resp.Value {
	startedAt := n.startCommand(spec, args) // commandclock.go
	s := n.session(client)
	c := n.takeCall()
	*c = call{node: n, spec: spec, args: args, client: client, session: s, seq: seq, db: n.dbs[s.dbIndex], dbIndex: s.dbIndex,
		nowMillis: n.env.Now().UnixMilli(), write: spec.flags&flagWrite != 0}
	if n.exec != nil {
		c.nowMillis += n.exec.clockAheadMillis // a DEBUG SLEEP earlier in EXEC (pause.go)
	}
	n.current = s
	s.meta.noteCommand(spec, args, c.nowMillis) // CLIENT LIST's cmd and idle
	if c.write && n.bgSnapshot != nil {
		n.snapshotBeforeWrite(s.dbIndex, snapshotWriteKeys(spec, args))
	}
	dirtyBefore := n.dirty
	keepExpired := n.expiryFor(c.write)
	reply := spec.run(c)
	n.pause.keepExpired = keepExpired
	if n.dirty != dirtyBefore {
		keys := spec.keys(args)
		if c.modified != nil {
			keys = c.modified
		}
		for _, key := range keys {
			c.db.reaccount(key) // collections change size in place
			n.keyModified(c.dbIndex, key)
		}
		if n.repl.link != nil { // a writable replica (replica-read-only no)
			n.rememberReplicaWrites(c, keys)
		}
	}
	n.commandDone(c, spec, reply)
	n.current = nil
	n.stats.Commands++
	duration := n.commandDuration(startedAt) + c.sleep
	if bc := n.blockedCall(client, seq, reply); bc != nil {
		// Parked (blocking.go): counted now as a call, the rest when it
		// is answered, as Redis does.
		bc.callDuration = duration
		n.countBlockedCall(spec, args, duration) // cmdstats.go
	} else {
		n.countCall(spec, args, reply, duration) // cmdstats.go
		n.logCommand(s, spec, args, duration)    // slowlog.go
	}
	if spec.flags&flagFast != 0 {
		n.noteLatency(latencyEventFastCommand, duration) // latency.go
	} else {
		n.noteLatency(latencyEventCommand, duration)
	}
	if len(n.monitors) > 0 {
		n.feedMonitors(s, spec, args) // monitor.go
	}
	n.env.Metrics().Add(spec.metricName, 1)
	n.releaseCall(c)
	return reply
}

// callsFreeMax bounds the call records kept for reuse: one per level of
// nesting (EXEC runs its queued commands through call while its own call
// is live), so a handful is plenty.
const callsFreeMax = 8

// takeCall returns a call record to fill in. Every command needs one, and
// a fresh one escapes to the heap (spec.run takes it through a function
// value): reusing them saves an allocation per command. Which record is
// reused can never show in behaviour: each is wholly overwritten.
func (n *Node) takeCall() *call {
	if last := len(n.callsFree) - 1; last >= 0 {
		c := n.callsFree[last]
		n.callsFree = n.callsFree[:last]
		return c
	}
	return new(call)
}

// releaseCall gives a finished call back; commands keep no pointer to
// their call once they returned.
func (n *Node) releaseCall(c *call) {
	*c = call{} // drop the references to arguments and session
	if len(n.callsFree) < callsFreeMax {
		n.callsFree = append(n.callsFree, c)
	}
}

func misconf(err error) resp.Value {
	return resp.Err("MISCONF Errors writing to the AOF file: " + err.Error())
}

// selectDB switches the call's client to another database for this and
// later commands.
func (n *Node) selectDB(c *call, dbIndex int) {
	c.dbIndex, c.db = dbIndex, n.dbs[dbIndex]
	c.session.dbIndex = dbIndex
}

// propagateTargets say where a propagated command goes (Redis's
// PROPAGATE_AOF and PROPAGATE_REPL).
type propagateTargets uint8

const (
	toAOF propagateTargets = 1 << iota
	toReplicas
	toBoth = toAOF | toReplicas
)

// propagate buffers a write for the AOF and the replication stream;
// nothing happens with both off or while loading (the AOF is opened after
// loading).
func (n *Node) propagate(dbIndex int, args ...[]byte) {
	n.propagateTo(toBoth, dbIndex, args...)
}

// propagateTo is propagate to some of the targets: PUBLISH goes to
// replicas only.
func (n *Node) propagateTo(targets propagateTargets, dbIndex int, args ...[]byte) {
	if n.aof == nil && !n.feedingStream() {
		return
	}
	if r := n.scriptRun; r != nil {
		if targets &= r.targets; targets == 0 { // redis.set_repl
			return
		}
	}
	if e := n.exec; e != nil {
		// Inside EXEC: hold the first write; the second opens the
		// transaction in the log, so a log cut mid-way ends in a MULTI
		// the loader drops (see execState).
		switch {
		case e.multiLogged:
		case e.held == nil:
			e.held = &heldWrite{dbIndex: dbIndex, args: cloneArgs(args), targets: targets}
			e.lastDB = dbIndex
			return
		default:
			n.appendPropagated(toBoth, e.held.dbIndex, cmdMulti)
			n.appendPropagated(e.held.targets, e.held.dbIndex, e.held.args...)
			e.held, e.multiLogged = nil, true
		}
		e.lastDB = dbIndex
	}
	n.appendPropagated(targets, dbIndex, args...)
}

// cloneArgs deep-copies a propagated command kept past its call: a
// command may build its propagated arguments in scratch space the next
// one reuses.
func cloneArgs(args [][]byte) [][]byte {
	out := make([][]byte, len(args))
	for i, a := range args {
		out[i] = slices.Clone(a)
	}
	return out
}

func (n *Node) appendPropagated(targets propagateTargets, dbIndex int, args ...[]byte) {
	if n.aof != nil && targets&toAOF != 0 {
		n.aof.Append(dbIndex, args...)
	}
	if targets&toReplicas != 0 && n.feedingStream() {
		n.feedStream(dbIndex, args) // replication.go
	}
}

// keyExpired is called for each key deleted for expiry.
func (n *Node) keyExpired(dbIndex int, key string) {
	n.stats.ExpiredKeys++
	n.env.Metrics().Add("cache_expired_keys_total", 1)
	n.propagate(dbIndex, cmdDel, []byte(key))
	n.notifyKeyspaceEvent(notifyExpired, "expired", []byte(key), dbIndex)
	// No client modified it: BCAST's NOLOOP must not leave it out.
	n.tracking.expiring = true
	n.keyModified(dbIndex, []byte(key))
	n.tracking.expiring = false
}

// writeAOF writes what commands appended, syncing first under always.
func (n *Node) writeAOF() error {
	if n.aof == nil || n.aof.PendingBytes() == 0 {
		return nil
	}
	err := n.aof.Flush()
	if err == nil && n.cfg.AppendFsync == FsyncAlways {
		err = n.aof.Sync()
	}
	if err != nil {
		n.noteAOFError(err)
	}
	return err
}

func (n *Node) noteAOFError(err error) {
	if n.aofErr == nil {
		n.env.Logf("cache: writing the AOF failed, refusing writes until it works again: %v", err)
	}
	n.aofErr = err
	n.stats.AOFWriteFails++
	n.env.Metrics().Add("cache_aof_write_errors_total", 1)
}

// retryAOF tries to leave the MISCONF state: write what is pending and,
// unless the policy leaves syncing to the OS, sync it.
func (n *Node) retryAOF() {
	err := n.aof.Flush()
	if err == nil && n.cfg.AppendFsync != FsyncNo {
		err = n.aof.Sync()
	}
	if err != nil {
		n.noteAOFError(err)
		return
	}
	n.env.Logf("cache: AOF writes work again; accepting writes")
	n.aofErr = nil
}

func (n *Node) cronInterval() time.Duration { return time.Second / time.Duration(n.cfg.Hz) }

// cron is Redis's serverCron: active expiry, AOF retries, background
// snapshots and rewrites, gauges.
func (n *Node) cron() {
	if n.stopped() {
		return
	}
	n.access.nowMillis = n.env.Now().UnixMilli()
	n.endPauseIfOver()
	if !n.isReplica() && !n.paused() && !n.pause.sleeping && !n.debug.cronPaused {
		// A replica's keys expire by its master's DELs; a pause keeps them,
		// and during DEBUG SLEEP Redis runs nothing (pause.go).
		n.timeCycle(latencyEventExpireCycle, func() bool { // latency.go
			n.activeExpireCycle(n.access.nowMillis)
			return true
		})
	}
	if n.aofErr != nil {
		n.retryAOF()
	} else {
		_ = n.writeAOF() // DELs of keys the cycle expired; a failure is noted
	}
	if !n.isReplica() {
		n.flushStream()
	}
	n.snapshotCron()
	if !n.debug.cronPaused {
		n.activeRehash()
	}
	if len(n.tracking.clients) > 0 && !n.debug.cronPaused {
		// Also here, so a CONFIG SET of the bound applies on an idle node.
		n.trackingLimitKeys()
	}
	n.opsRate.sample(n.access.nowMillis, n.stats.Commands) // opsrate.go
	keys := 0
	for _, ks := range n.dbs {
		keys += ks.size()
	}
	n.env.Metrics().Set("cache_keys", float64(keys))
	n.env.Metrics().Set("cache_used_memory_bytes", float64(n.samplePeakMemory()))
	n.env.After(n.cronInterval(), n.cron)
}

// activeRehashBucketsPerCron bounds the buckets one cron tick moves for
// resizes of the keyspaces' tables that writes have stopped driving
// (Redis's activerehashing, which spends up to 1 ms a tick; moving a
// bucket costs about 0.1 µs, so this is about that).
const activeRehashBucketsPerCron = 10_000

// activeRehash moves a bounded slice of the first database whose table is
// being resized (one per tick, as Redis's databasesCron): an idle table
// would otherwise keep both its old and new bucket arrays for good.
func (n *Node) activeRehash() {
	for _, ks := range n.dbs {
		if ks.dict.Rehashing() {
			ks.dict.Rehash(activeRehashBucketsPerCron)
			return
		}
	}
}

// everysecInterval is the appendfsync everysec period.
const everysecInterval = time.Second

func (n *Node) everysecSync() {
	switch {
	case n.aof == nil:
		// Turned off (CONFIG SET appendonly no): nothing to sync; the
		// timer stays armed for when it is turned on again.
	case n.aofErr != nil:
		n.retryAOF()
	default:
		if err := n.aof.Flush(); err != nil {
			n.noteAOFError(err)
		} else if err := n.aof.Sync(); err != nil {
			n.noteAOFError(err)
		}
	}
	n.env.After(everysecInterval, n.everysecSync)
}

// stopped: the node does nothing more — a test stopped it dead to crash
// it (halt), or SHUTDOWN succeeded.
func (n *Node) stopped() bool { return n.halted || n.shutDown }

// Stop flushes and syncs the AOF on a graceful shutdown and, with save
// rules configured, saves a snapshot as Redis does on SHUTDOWN (after a
// SHUTDOWN command, that already happened).
func (n *Node) Stop() {
	if n.shutDown {
		if n.aof != nil {
			_ = n.aof.Close()
		}
		return
	}
	if s := n.bgSnapshot; s != nil {
		n.bgSnapshot = nil
		s.abort(n.env.Disk())
	}
	if len(n.saveRules) > 0 && n.dbs != nil {
		_ = n.saveNow()
	}
	if n.aof == nil {
		return
	}
	if err := n.aof.Flush(); err == nil {
		_ = n.aof.Sync()
	}
	_ = n.aof.Close()
}

// Stats returns the node's counters.
func (n *Node) Stats() Stats { return n.stats }
