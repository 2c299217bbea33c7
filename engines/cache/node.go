package cache

import (
	"errors"
	"time"

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
	// Eviction (evict.go): the parsed maxmemory-policy, the clock and
	// access tracking shared by the databases, the pool of candidates and
	// the next database the random policies take from.
	policy      policy
	access      accessClock
	pool        evictionPool
	evictNextDB int
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
	n.sessions = make(map[node.ID]*session)
	if n.cfgErr != nil {
		n.refuseService("ERR invalid configuration: " + n.cfgErr.Error())
		return
	}
	n.policy = parsePolicy(n.cfg.MaxMemoryPolicy)
	n.access = accessClock{
		nowMillis:     env.Now().UnixMilli(),
		lfu:           n.policy.kind == policyLFU,
		sampleAllKeys: n.policy.allKeys,
		rng:           env.Rand(),
	}
	n.dbs = make([]*keyspace, n.cfg.Databases)
	for i := range n.dbs {
		dbIndex := i
		n.dbs[i] = newKeyspace(&n.loading, func(key string) { n.keyExpired(dbIndex, key) }, &n.access)
	}
	if n.cfg.AppendOnly && !n.loadAOF() {
		return
	}
	env.After(n.cronInterval(), n.cron)
	if n.aof != nil && n.cfg.AppendFsync == FsyncEverysec {
		env.After(everysecInterval, n.everysecSync)
	}
}

func (n *Node) refuseService(reason string) {
	n.env.Logf("cache: refusing service: %s", reason)
	reply := resp.Err(reason)
	n.broken = &reply
}

// loadAOF replays the AOF and opens it for appending; false means the node
// refuses service.
func (n *Node) loadAOF() bool {
	disk := n.env.Disk()
	n.loading = true
	loaded, err := persist.LoadAOF(disk, persist.AOFName, len(n.dbs), n.replay)
	n.loading = false
	if err != nil {
		var corrupt *persist.CorruptError
		if errors.As(err, &corrupt) {
			n.refuseService("ERR " + err.Error())
		} else {
			n.refuseService("ERR cannot load the append only file: " + err.Error())
		}
		n.dbs = nil
		return false
	}
	n.stats.AOFLoaded = loaded.Commands
	n.stats.AOFTruncated = loaded.TruncatedBytes
	if loaded.TruncatedBytes > 0 {
		n.env.Logf("cache: !!! Warning: short read while loading the AOF file %s!!! cut %d bytes of a torn last command; loaded %d commands",
			persist.AOFName, loaded.TruncatedBytes, loaded.Commands)
	}
	aof, err := persist.OpenAOF(disk, persist.AOFName)
	if err != nil {
		n.refuseService("ERR " + err.Error())
		return false
	}
	n.aof = aof
	return true
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
	c := call{node: n, args: args, db: n.dbs[dbIndex], dbIndex: dbIndex, nowMillis: n.env.Now().UnixMilli(), write: spec.flags&flagWrite != 0}
	n.access.nowMillis = c.nowMillis
	spec.run(&c) // like Redis, an error reply during loading is dropped
	for _, key := range spec.keys(args) {
		c.db.reaccount(key)
	}
	return nil
}

// Receive handles one message.
func (n *Node) Receive(from node.ID, msg node.Message) {
	switch m := msg.(type) {
	case Command:
		n.handle(from, m.Seq, m.Args)
	case *Command:
		n.handle(from, m.Seq, m.Args)
	case Disconnected:
		delete(n.sessions, from)
	default:
		n.env.Logf("cache: ignoring unexpected message %T from %s", msg, from)
	}
}

var replyEmptyCommand = resp.Err("ERR empty command")

// handle runs one command and sends its reply, unless the command will
// reply later (see replyLater).
func (n *Node) handle(client node.ID, seq uint64, args [][]byte) {
	if v := n.execute(client, seq, args); v.Kind != 0 {
		n.reply(client, seq, v)
	}
}

// reply answers the command seq of client.
func (n *Node) reply(client node.ID, seq uint64, v resp.Value) {
	n.env.Send(client, Reply{Seq: seq, Value: v})
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
// replyLater.
func (n *Node) execute(client node.ID, seq uint64, args [][]byte) resp.Value {
	if n.broken != nil {
		return *n.broken
	}
	if len(args) == 0 {
		return replyEmptyCommand
	}
	spec := lookupCommand(args[0])
	if spec == nil {
		return errUnknownCommand(args)
	}
	if !spec.arityOK(len(args)) {
		return errWrongArity(spec.name)
	}
	nowMillis := n.env.Now().UnixMilli()
	n.access.nowMillis = nowMillis
	// Like Redis's processCommand: make room before every command, and
	// refuse the ones that could need more when there is none.
	if !n.performEvictions() && spec.flags&flagDenyOOM != 0 {
		_ = n.writeAOF() // the DELs of what was evicted; a failure is noted
		return replyOOM
	}
	isWrite := spec.flags&flagWrite != 0
	if isWrite && n.aofErr != nil {
		n.retryAOF()
		if n.aofErr != nil {
			return misconf(n.aofErr)
		}
	}
	dbIndex := 0
	if s, ok := n.sessions[client]; ok {
		dbIndex = s.dbIndex
	}
	c := call{node: n, args: args, client: client, seq: seq, db: n.dbs[dbIndex], dbIndex: dbIndex, nowMillis: nowMillis, write: isWrite}
	dirtyBefore := n.dirty
	reply := spec.run(&c)
	if n.dirty != dirtyBefore {
		for _, key := range spec.keys(args) {
			c.db.reaccount(key) // collections change size in place
			n.keyModified(c.dbIndex, key)
		}
	}
	n.stats.Commands++
	n.env.Metrics().Add(spec.metricName, 1)
	if err := n.writeAOF(); err != nil && isWrite {
		return misconf(err)
	}
	return reply
}

func misconf(err error) resp.Value {
	return resp.Err("MISCONF Errors writing to the AOF file: " + err.Error())
}

// selectDB switches the call's client to another database for this and
// later commands.
func (n *Node) selectDB(c *call, dbIndex int) {
	c.dbIndex, c.db = dbIndex, n.dbs[dbIndex]
	if dbIndex == 0 {
		delete(n.sessions, c.client)
		return
	}
	n.sessions[c.client] = &session{dbIndex: dbIndex}
}

// propagate buffers a write for the AOF; nothing happens with AOF off or
// while loading (the AOF is opened after loading).
func (n *Node) propagate(dbIndex int, args ...[]byte) {
	if n.aof != nil {
		n.aof.Append(dbIndex, args...)
	}
}

// keyExpired is called for each key deleted for expiry.
func (n *Node) keyExpired(dbIndex int, key string) {
	n.stats.ExpiredKeys++
	n.env.Metrics().Add("cache_expired_keys_total", 1)
	n.propagate(dbIndex, cmdDel, []byte(key))
	n.keyModified(dbIndex, []byte(key))
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

// cron is Redis's serverCron: active expiry, AOF retries, gauges.
func (n *Node) cron() {
	n.access.nowMillis = n.env.Now().UnixMilli()
	n.activeExpireCycle(n.access.nowMillis)
	if n.aofErr != nil {
		n.retryAOF()
	} else {
		_ = n.writeAOF() // DELs of keys the cycle expired; a failure is noted
	}
	keys := 0
	for _, ks := range n.dbs {
		keys += ks.size()
	}
	n.env.Metrics().Set("cache_keys", float64(keys))
	n.env.Metrics().Set("cache_used_memory_bytes", float64(n.usedMemoryBytes()))
	n.env.After(n.cronInterval(), n.cron)
}

// everysecInterval is the appendfsync everysec period.
const everysecInterval = time.Second

func (n *Node) everysecSync() {
	if n.aofErr != nil {
		n.retryAOF()
	} else if err := n.aof.Flush(); err != nil {
		n.noteAOFError(err)
	} else if err := n.aof.Sync(); err != nil {
		n.noteAOFError(err)
	}
	n.env.After(everysecInterval, n.everysecSync)
}

// Stop flushes and syncs the AOF on a graceful shutdown.
func (n *Node) Stop() {
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
