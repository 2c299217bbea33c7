package cache

// Snapshots: SAVE, BGSAVE, LASTSAVE, the "save" rules, loading dump.rdb at
// start, and the snapshot engine the AOF rewrite (aofrewrite.go) shares.
//
// # Why not fork
//
// Redis snapshots in a forked child: the kernel's copy-on-write pages give
// the child a frozen view while the parent keeps serving. A node here is a
// single-threaded state machine with no processes, so BGSAVE builds the
// same frozen view by hand and writes it a slice per cron tick:
//
//  1. At start it captures, per database, every key with its value
//     pointer and expiry, sorted by key (Go map order must not reach the
//     file). That is O(keys) pointer copies — the analogue of fork copying
//     page tables — and no value is copied.
//  2. While a snapshot runs, strings are immutable by replacement: every
//     command that changes one stores a new stringObject (strings.go's
//     stringValue reuses the old object only when no snapshot is in
//     progress), so the captured pointer keeps the string's value at
//     capture time whatever happens to the key. Deleting,
//     renaming, expiring or flushing a key only changes the keyspace, never
//     a value, so captured values of any type survive those too.
//  3. Collections (lists, sets, hashes, zsets) are changed in place. Before
//     a write command runs, execute calls snapshotBeforeWrite with the
//     command's keys: a collection still waiting to be written is written
//     out at once, ahead of its turn, so the file gets the value as it was
//     at capture time. RDB allows any key order and repeated SELECTDBs, so
//     writing out of turn is harmless. This is copy-on-write at key
//     granularity, with the copy going straight to the file.
//  4. Each cron tick writes up to snapshotBytesPerTick; the node never
//     stops for long. The last tick writes EOF and the checksum, syncs the
//     temp file and renames it over the target (node.Disk renames are
//     atomic and durable), so a crash leaves the old file or the new one.
//
// Invariant for whoever adds a path that changes collections outside
// execute (MULTI/EXEC, scripts, blocked clients served later): call
// n.snapshotBeforeWrite(dbIndex, keys) before changing them, or the
// snapshot may catch a value half-updated.
//
// SAVE runs the same engine to the end inside the command, blocking the
// node as Redis's SAVE blocks its server.
//
// # Plugging in a value type
//
// A type is saved if it implements persistable (writing itself through a
// persist.ValueWriter: WriteList, WriteSet, WriteHash or WriteZSet), and
// loaded through the matching constructor in rdbConstructors. A value
// whose type lacks either fails the snapshot or the load with an error
// that names the type; nothing is silently dropped.

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"syslab/engines/cache/persist"
	"syslab/engines/cache/resp"
	"syslab/node"
)

// persistable is implemented by every value type that can be saved.
type persistable interface {
	// writeValue writes the value stored at key through w.
	writeValue(w persist.ValueWriter, key []byte, expireAtMillis int64)
}

func (s *stringObject) writeValue(w persist.ValueWriter, key []byte, expireAtMillis int64) {
	w.WriteString(key, s.data, expireAtMillis)
}

// rdbConstructors build collection objects from loaded values
// (persist_types.go); rng is the node's random source, for dict seeds and
// skiplist levels. The slices passed in are fresh and may be kept. An
// error (a duplicate member, a NaN score) makes the file corrupt.
var rdbConstructors = struct {
	list func(elems [][]byte) object
	set  func(rng *rand.Rand, limits *encodingLimits, members [][]byte) (object, error)
	hash func(rng *rand.Rand, limits *encodingLimits, fieldsAndValues [][]byte) (object, error)
	zset func(rng *rand.Rand, limits *encodingLimits, members [][]byte, scores []float64) (object, error)
}{list: newListFromRDB, set: newSetFromRDB, hash: newHashFromRDB, zset: newZsetFromRDB}

// snapshotBytesPerTick bounds the bytes a background snapshot writes per
// cron tick (with hz 10, 40 MiB/s): enough to finish a large keyspace in
// seconds, little enough that one tick stays short.
const snapshotBytesPerTick = 4 << 20

// bgsaveRetryDelay is how long the save rules wait after a failed
// background save before trying again (Redis's CONFIG_BGSAVE_RETRY_DELAY).
const bgsaveRetryDelay = 5 * time.Second

// snapshotPurpose says what a finished snapshot becomes.
type snapshotPurpose uint8

const (
	purposeRDB     snapshotPurpose = iota + 1 // dump.rdb (SAVE, BGSAVE)
	purposeAOFBase                            // a new AOF base (BGREWRITEAOF)
)

// snapshotItem is one key captured at the snapshot's start.
type snapshotItem struct {
	key            string
	value          object
	expireAtMillis int64
	written        bool
}

// snapshot is a snapshot being written.
type snapshot struct {
	purpose   snapshotPurpose
	file      node.File
	tempName  string
	finalName string
	w         persist.SnapshotWriter
	// dbs holds each database's captured keys sorted by key; empty
	// databases are skipped as Redis skips them.
	dbs []snapshotDB
	// cursor: the next item to write in turn.
	dbCursor, itemCursor int
	// writerDB is the database the writer last selected; -1 at first.
	writerDB int
	// capturedDB maps a database index to the index its keys had at
	// capture, once SWAPDB exchanged databases during the snapshot; nil
	// while none did (the identity).
	capturedDB   []int
	dirtyAtStart int64
	startedAt    time.Time
	// keyCredit is the time rdb-key-save-delay has left for writing keys
	// (snapshotKeyBudget); unused while there is no delay.
	keyCredit time.Duration
}

type snapshotDB struct {
	index   int
	items   []snapshotItem
	expires int
	// mutable maps the keys whose values change in place (everything but
	// strings) to their item, for snapshotBeforeWrite.
	mutable map[string]int
}

// errNoDisk is why a node started without a disk (no data directory)
// cannot save or load a snapshot.
var errNoDisk = errors.New("this node has no disk (no data directory is configured), so it cannot save or load snapshots")

// newSnapshot captures the keyspace and opens the temp file; the header is
// written by the writer constructor.
func (n *Node) newSnapshot(purpose snapshotPurpose, tempName, finalName string) (*snapshot, error) {
	if n.env.Disk() == nil {
		return nil, errNoDisk
	}
	f, err := n.env.Disk().Create(tempName)
	if err != nil {
		return nil, fmt.Errorf("failed opening the temp file %s for saving: %w", tempName, err)
	}
	s := &snapshot{purpose: purpose, file: f, tempName: tempName, finalName: finalName, writerDB: -1,
		dirtyAtStart: n.dirty, startedAt: n.env.Now()}
	switch {
	case purpose == purposeAOFBase && n.cfg.AOFNoRDBPreamble:
		s.w = persist.NewAOFBaseWriter(f)
	default:
		s.w = persist.NewRDBWriter(f, persist.RDBHeader{
			CtimeSeconds: s.startedAt.Unix(),
			UsedMemBytes: n.usedMemoryBytes(),
			AOFBase:      purpose == purposeAOFBase,
			Replication:  n.replicationPosition(),
		})
	}
	n.writeFunctionLibraries(s.w) // first, as Redis orders a file; they are small
	for i, ks := range n.dbs {
		if ks.size() == 0 {
			continue
		}
		db := snapshotDB{index: i, items: make([]snapshotItem, 0, ks.size())}
		ks.dict.RangeRef(func(key string, e *entry) bool {
			db.items = append(db.items, snapshotItem{key: key, value: e.value, expireAtMillis: e.expireAtMillis})
			if e.expireAtMillis != noExpiry {
				db.expires++
			}
			return true
		})
		slices.SortFunc(db.items, func(a, b snapshotItem) int { return strings.Compare(a.key, b.key) })
		for j, it := range db.items {
			if _, immutable := it.value.(*stringObject); !immutable {
				if db.mutable == nil {
					db.mutable = make(map[string]int)
				}
				db.mutable[it.key] = j
			}
		}
		s.dbs = append(s.dbs, db)
	}
	return s, nil
}

// writeItem writes one captured item, selecting its database first.
func (s *snapshot) writeItem(db *snapshotDB, it *snapshotItem) error {
	if it.written {
		return nil
	}
	it.written = true
	if s.writerDB != db.index {
		keys, expires := 0, 0 // an early write-out: the hint comes in turn
		if s.dbCursor < len(s.dbs) && &s.dbs[s.dbCursor] == db {
			keys, expires = len(db.items), db.expires
		}
		s.w.SelectDB(db.index, keys, expires)
		s.writerDB = db.index
	}
	p, ok := it.value.(persistable)
	if !ok {
		return fmt.Errorf("cannot save key %q: values of type %s cannot be saved yet", it.key, it.value.typeName())
	}
	p.writeValue(s.w, []byte(it.key), it.expireAtMillis)
	return s.w.Err()
}

// step writes items in turn until budgetBytes were produced or
// budgetKeys items written (-1: no bound on items); done reports that
// every item is written (the file is not finished yet).
func (s *snapshot) step(budgetBytes, budgetKeys int64) (done bool, err error) {
	limit := s.w.SizeBytes() + budgetBytes
	for s.dbCursor < len(s.dbs) {
		db := &s.dbs[s.dbCursor]
		for s.itemCursor < len(db.items) {
			if s.w.SizeBytes() >= limit || budgetKeys == 0 {
				return false, s.w.Flush()
			}
			budgetKeys--
			if err := s.writeItem(db, &db.items[s.itemCursor]); err != nil {
				return false, err
			}
			db.items[s.itemCursor].value = nil // let the GC have it once written
			s.itemCursor++
		}
		s.dbCursor++
		s.itemCursor = 0
	}
	return true, nil
}

// finish ends the file, syncs it and renames it over the target.
func (s *snapshot) finish(disk node.Disk) error {
	err := s.w.Finish()
	if err == nil {
		err = s.file.Sync()
	}
	if cerr := s.file.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = disk.Rename(s.tempName, s.finalName)
	}
	if err != nil {
		_ = disk.Remove(s.tempName)
		return fmt.Errorf("writing %s: %w", s.finalName, err)
	}
	return nil
}

// abort drops the temp file.
func (s *snapshot) abort(disk node.Disk) {
	_ = s.file.Close()
	_ = disk.Remove(s.tempName)
}

// snapshotBeforeWrite writes out, before a write command changes them,
// the captured collections among keys (see the file comment).
func (n *Node) snapshotBeforeWrite(dbIndex int, keys [][]byte) {
	s := n.bgSnapshot
	if s == nil {
		return
	}
	if s.capturedDB != nil {
		dbIndex = s.capturedDB[dbIndex]
	}
	for i := range s.dbs {
		db := &s.dbs[i]
		if db.index != dbIndex || db.mutable == nil {
			continue
		}
		for _, key := range keys {
			j, ok := db.mutable[string(key)]
			if !ok || db.items[j].written {
				continue
			}
			if err := s.writeItem(db, &db.items[j]); err != nil {
				n.snapshotFailed(err)
				return
			}
			db.items[j].value = nil
		}
	}
}

// databasesSwapped follows SWAPDB a b: the keys now in a were captured
// in b and the other way round, so a later write to a key of a writes out
// the item captured in b.
func (s *snapshot) databasesSwapped(a, b, databases int) {
	if s.capturedDB == nil {
		s.capturedDB = make([]int, databases)
		for i := range s.capturedDB {
			s.capturedDB[i] = i
		}
	}
	s.capturedDB[a], s.capturedDB[b] = s.capturedDB[b], s.capturedDB[a]
}

// snapshotWriteKeys are the keys a write command may change in place, for
// snapshotBeforeWrite: its keys, or for a command without a key spec
// every argument — writing a captured collection out early is harmless,
// missing one is not.
func snapshotWriteKeys(spec *commandSpec, args [][]byte) [][]byte {
	if spec.firstKey == 0 && spec.movableKeys == nil {
		return args[1:]
	}
	return spec.keys(args)
}

// snapshotState is the node's snapshot bookkeeping.
type snapshotState struct {
	// bgSnapshot is the background snapshot in progress (BGSAVE or the
	// AOF rewrite's base), nil if none. Only one runs at a time, as Redis
	// runs one child.
	bgSnapshot *snapshot
	// lastSaveUnix is when the last snapshot succeeded (LASTSAVE); start
	// time until then, as in Redis.
	lastSaveUnix int64
	// lastBgsaveErr is the last background save's failure, nil after a
	// success.
	lastBgsaveErr   error
	lastBgsaveTryAt time.Time
	saveRules       []saveRule
	// bgsaveScheduled and aofRewriteScheduled wait for the running
	// snapshot to end (BGSAVE SCHEDULE; BGREWRITEAOF during a BGSAVE).
	bgsaveScheduled     bool
	aofRewriteScheduled bool
	// persistStats are INFO persistence's counters (persistinfo.go).
	persistStats persistStats
}

// saveRule is one "<seconds> <changes>" pair of the save directive.
type saveRule struct {
	seconds int64
	changes int64
}

// parseSaveRules reads Redis's save directive: "" (none) or pairs of
// positive integers.
func parseSaveRules(s string) ([]saveRule, error) {
	fields := strings.Fields(s)
	if len(fields)%2 != 0 {
		return nil, errors.New("want pairs of <seconds> <changes>")
	}
	var rules []saveRule
	for i := 0; i < len(fields); i += 2 {
		secs, err1 := strconv.ParseInt(fields[i], 10, 64)
		changes, err2 := strconv.ParseInt(fields[i+1], 10, 64)
		if err1 != nil || err2 != nil || secs < 1 || changes < 0 {
			return nil, fmt.Errorf("%q %q: want positive seconds and non-negative changes", fields[i], fields[i+1])
		}
		rules = append(rules, saveRule{seconds: secs, changes: changes})
	}
	return rules, nil
}

// Snapshot commands.
var snapshotCommands = []commandSpec{
	{name: "save", arity: 1, run: saveCommand},
	{name: "bgsave", arity: -1, run: bgsaveCommand},
	{name: "lastsave", arity: 1, flags: flagFast, run: lastsaveCommand},
}

var (
	replyBgsaveInProgress = resp.Err("ERR Background save already in progress")
	replyBgsaveStarted    = resp.Simple("Background saving started")
	replyBgsaveScheduled  = resp.Simple("Background saving scheduled")
	replyBgsaveBusy       = resp.Err("ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.")
)

func saveCommand(c *call) resp.Value {
	n := c.node
	if s := n.bgSnapshot; s != nil && s.purpose == purposeRDB {
		return replyBgsaveInProgress
	}
	n.persistStats.rdbSaves++
	if err := n.saveNow(); err != nil {
		if errors.Is(err, errNoDisk) {
			return resp.Err("ERR " + err.Error())
		}
		return resp.Err("ERR") // Redis's whole answer; the log says why
	}
	return resp.OK
}

func bgsaveCommand(c *call) resp.Value {
	n := c.node
	schedule := false
	if len(c.args) > 1 {
		if len(c.args) != 2 || !bytes.EqualFold(c.args[1], []byte("schedule")) {
			return resp.Err(errSyntax)
		}
		schedule = true
	}
	switch s := n.bgSnapshot; {
	case s != nil && s.purpose == purposeRDB:
		return replyBgsaveInProgress
	case s != nil && schedule:
		n.bgsaveScheduled = true
		return replyBgsaveScheduled
	case s != nil:
		return replyBgsaveBusy
	}
	if err := n.startBgsave(); err != nil {
		return resp.Err("ERR " + err.Error())
	}
	return replyBgsaveStarted
}

func lastsaveCommand(c *call) resp.Value { return resp.Int(c.node.lastSaveUnix) }

// saveNow writes the snapshot to the end (SAVE, and shutdown in Redis).
func (n *Node) saveNow() error {
	disk := n.env.Disk()
	s, err := n.newSnapshot(purposeRDB, "temp-save-"+n.cfg.DBFilename, n.cfg.DBFilename)
	if err == nil {
		if _, err = s.step(1<<62, -1); err != nil { // rdb-key-save-delay slows background saves only
			s.abort(disk)
		} else {
			err = s.finish(disk)
		}
	}
	if err != nil {
		n.env.Logf("cache: SAVE failed: %v", err)
		return err
	}
	n.snapshotSucceeded(s)
	n.env.Logf("cache: DB saved on disk")
	return nil
}

// saveAfterFlushAll is what Redis's FLUSHALL does when snapshots are
// configured: a running BGSAVE is stopped (it holds the old data) and the
// empty dataset is saved at once, so the flush survives a restart and
// rdb_changes_since_last_save is 0. Unlike SAVE it does not count in
// rdb_saves.
func (n *Node) saveAfterFlushAll() {
	if len(n.saveRules) == 0 || n.loading {
		return // replaying the AOF rebuilds state; it writes no snapshot
	}
	if s := n.bgSnapshot; s != nil && s.purpose == purposeRDB {
		n.bgSnapshot = nil
		s.abort(n.env.Disk())
	}
	_ = n.saveNow() // a failure is logged; FLUSHALL still answers OK, as Redis's
}

// startBgsave begins a background snapshot to DBFilename.
func (n *Node) startBgsave() error {
	n.lastBgsaveTryAt = n.env.Now()
	s, err := n.newSnapshot(purposeRDB, "temp-bgsave-"+n.cfg.DBFilename, n.cfg.DBFilename)
	if err != nil {
		n.lastBgsaveErr = err
		n.env.Logf("cache: can't save in background: %v", err)
		return err
	}
	n.bgSnapshot = s
	n.persistStats.rdbSaves++
	n.env.Logf("cache: background saving started")
	return nil
}

// snapshotSucceeded records a finished RDB snapshot: writes it contains
// no longer count as unsaved changes.
func (n *Node) snapshotSucceeded(s *snapshot) {
	n.dirty -= s.dirtyAtStart
	n.lastSaveUnix = n.env.Now().Unix()
	n.lastBgsaveErr = nil
	n.env.Metrics().Add("cache_rdb_saves_total", 1)
}

// snapshotFailed ends the background snapshot with err.
func (n *Node) snapshotFailed(err error) {
	s := n.bgSnapshot
	n.bgSnapshot = nil
	s.abort(n.env.Disk())
	if s.purpose == purposeAOFBase {
		n.aofRewriteFailed(s, err)
		return
	}
	n.lastBgsaveErr = err
	n.persistStats.lastBgsaveSeconds = int64(n.env.Now().Sub(s.startedAt) / time.Second)
	n.env.Logf("cache: background saving error: %v", err)
	n.env.Metrics().Add("cache_rdb_save_errors_total", 1)
}

func init() {
	configParams["rdb-key-save-delay"] = configParam{hidden: true,
		get: func(n *Node) string { return strconv.FormatInt(n.rdbKeySaveDelayMicros, 10) },
		set: func(n *Node, v string) (string, bool) {
			i, reason, ok := parseInt64Config(v, math.MinInt32, math.MaxInt32)
			if ok {
				n.rdbKeySaveDelayMicros = i
			}
			return reason, ok
		},
	}
}

// snapshotKeyBudget is how many keys the snapshot may write this tick:
// unbounded (-1) unless rdb-key-save-delay sets a time per key, as Redis's
// child sleeps that long after each key (a test hook to keep a save
// running). A negative delay d is Redis's too: a 1 µs sleep once in |d|
// keys on average.
func (n *Node) snapshotKeyBudget(s *snapshot) int64 {
	delayMicros := n.rdbKeySaveDelayMicros
	if delayMicros == 0 {
		return -1
	}
	perKey := time.Duration(delayMicros) * time.Microsecond
	if delayMicros < 0 {
		perKey = max(time.Microsecond/time.Duration(-delayMicros), time.Nanosecond)
	}
	s.keyCredit += time.Second / time.Duration(n.cfg.Hz)
	keys := int64(s.keyCredit / perKey)
	s.keyCredit -= time.Duration(keys) * perKey
	return keys
}

// snapshotCron advances the background snapshot, starts scheduled work and
// applies the save rules; cron calls it every tick.
func (n *Node) snapshotCron() {
	if s := n.bgSnapshot; s != nil {
		done, err := s.step(snapshotBytesPerTick, n.snapshotKeyBudget(s))
		if err == nil && done {
			err = s.finish(n.env.Disk())
			if err == nil {
				n.bgSnapshot = nil
				if n.halt("snapshot renamed") {
					return
				}
				if s.purpose == purposeAOFBase {
					n.aofRewriteBaseWritten(s)
				} else {
					n.snapshotSucceeded(s)
					n.persistStats.lastBgsaveSeconds = int64(n.env.Now().Sub(s.startedAt) / time.Second)
					n.env.Logf("cache: background saving terminated with success")
				}
			}
		}
		if err != nil {
			n.snapshotFailed(err)
		}
		return
	}
	switch {
	case n.aofRewriteScheduled:
		n.aofRewriteScheduled = false
		_ = n.startAOFRewrite()
		return
	case n.bgsaveScheduled:
		n.bgsaveScheduled = false
		_ = n.startBgsave()
		return
	}
	now := n.env.Now()
	if n.lastBgsaveErr != nil && now.Sub(n.lastBgsaveTryAt) < bgsaveRetryDelay {
		return
	}
	for _, r := range n.saveRules {
		if n.dirty >= r.changes && now.Unix()-n.lastSaveUnix >= r.seconds {
			n.env.Logf("cache: %d changes in %d seconds. Saving...", r.changes, r.seconds)
			_ = n.startBgsave()
			return
		}
	}
	n.maybeAutoRewriteAOF()
}

// halt is a test hook: it reports whether a test asked the node to stop
// dead at the named step of a snapshot or rewrite (to crash it there).
func (n *Node) halt(step string) bool {
	if n.haltAt == "" || n.haltAt != step {
		return false
	}
	n.halted = true
	return true
}

// loadRDBFile loads the snapshot at start (AOF off); false means the node
// refuses service.
func (n *Node) loadRDBFile() bool {
	data, err := n.env.Disk().ReadFile(n.cfg.DBFilename)
	if errors.Is(err, node.ErrNotExist) {
		return true
	}
	if err == nil {
		n.loading = true
		// A replica keeps expired keys, as Redis's loader does when it is
		// not a master: its master's stream deletes them, and its data
		// must stay the master's until then.
		loader := &rdbLoader{node: n, skipExpired: n.cfg.ReplicaOf == "", nowMillis: n.env.Now().UnixMilli(), replication: &replicationAux{}}
		err = persist.LoadRDB(data, loader)
		n.loading = false
		if err == nil {
			n.repl.restored = loader.replication.position(len(n.dbs))
		}
	}
	if err != nil {
		n.refuseService("ERR cannot load the RDB file " + n.cfg.DBFilename + ": " + err.Error())
		n.dbs = nil
		return false
	}
	n.env.Logf("cache: DB loaded from disk (%s, %d bytes)", n.cfg.DBFilename, len(data))
	return true
}

// rdbLoader stores what persist.LoadRDB reads into the keyspace.
type rdbLoader struct {
	node *Node
	// skipExpired drops keys already expired (loading dump.rdb, as a Redis
	// master does); an AOF's RDB preamble keeps them, because the commands
	// after it were logged when those keys still existed.
	skipExpired bool
	nowMillis   int64
	// emptyKeysSkipped counts the empty collections the file held; like
	// Redis, the load skips them and logs the first emptyKeysLoggedMax.
	emptyKeysSkipped int
	// replication, when set, collects the snapshot's replication
	// position (dump.rdb at start; replication_persist.go).
	replication *replicationAux
	// replaceExisting lets a loaded key replace one already in memory
	// (DEBUG RELOAD MERGE); otherwise a duplicate makes the file corrupt.
	replaceExisting bool
}

// emptyKeysLoggedMax bounds the warnings about skipped empty keys.
const emptyKeysLoggedMax = 10

// EmptyKeySkipped is told about an empty collection the load skipped.
func (l *rdbLoader) EmptyKeySkipped(k persist.RDBKey, kind string) {
	l.emptyKeysSkipped++
	if l.emptyKeysSkipped <= emptyKeysLoggedMax {
		l.node.env.Logf("cache: loading the RDB: skipping empty %s key %q", kind, k.Key)
	}
}

func (l *rdbLoader) Aux(key, value []byte) error {
	if l.replication != nil {
		return l.replication.add(key, value)
	}
	return nil
}

// Function loads a function library the file holds (functions.go).
func (l *rdbLoader) Function(code []byte) error {
	return l.node.loadFunctionLibrary(code, l.replaceExisting)
}

func (l *rdbLoader) SelectDB(db int) error {
	if db >= len(l.node.dbs) {
		return fmt.Errorf("database %d out of range (databases %d)", db, len(l.node.dbs))
	}
	return nil
}

func (l *rdbLoader) store(k persist.RDBKey, v object) error {
	if k.DB >= len(l.node.dbs) {
		return fmt.Errorf("database %d out of range (databases %d)", k.DB, len(l.node.dbs))
	}
	if l.skipExpired && k.ExpireAtMillis != 0 && k.ExpireAtMillis < l.nowMillis {
		return nil
	}
	ks := l.node.dbs[k.DB]
	key := string(k.Key)
	if _, dup := ks.dict.Get(key); dup {
		if !l.replaceExisting {
			return fmt.Errorf("duplicate key %q in database %d", key, k.DB)
		}
		ks.delete(key)
	}
	e := ks.set(key, v, false)
	if k.ExpireAtMillis > 0 {
		ks.setExpire(key, e, k.ExpireAtMillis)
	}
	return nil
}

func (l *rdbLoader) String(k persist.RDBKey, value []byte) error {
	return l.store(k, &stringObject{data: value})
}

func errNotLoadable(typ string) error {
	return fmt.Errorf("%s values cannot be loaded yet", typ)
}

// storeBuilt stores a constructed collection. An empty collection is
// skipped, as Redis skips empty keys in an RDB file: a key never holds
// an empty collection.
func (l *rdbLoader) storeBuilt(k persist.RDBKey, v object, err error) error {
	if err != nil {
		return fmt.Errorf("key %q: %w", k.Key, err)
	}
	return l.store(k, v)
}

func (l *rdbLoader) List(k persist.RDBKey, elems [][]byte) error {
	if rdbConstructors.list == nil {
		return errNotLoadable("list")
	}
	if len(elems) == 0 {
		return nil
	}
	return l.store(k, rdbConstructors.list(elems))
}

func (l *rdbLoader) Set(k persist.RDBKey, members [][]byte) error {
	if rdbConstructors.set == nil {
		return errNotLoadable("set")
	}
	if len(members) == 0 {
		return nil
	}
	v, err := rdbConstructors.set(l.node.env.Rand(), &l.node.cfg.limits, members)
	return l.storeBuilt(k, v, err)
}

func (l *rdbLoader) Hash(k persist.RDBKey, fieldsAndValues [][]byte) error {
	if rdbConstructors.hash == nil {
		return errNotLoadable("hash")
	}
	if len(fieldsAndValues) == 0 {
		return nil
	}
	v, err := rdbConstructors.hash(l.node.env.Rand(), &l.node.cfg.limits, fieldsAndValues)
	return l.storeBuilt(k, v, err)
}

func (l *rdbLoader) ZSet(k persist.RDBKey, members [][]byte, scores []float64) error {
	if rdbConstructors.zset == nil {
		return errNotLoadable("zset")
	}
	if len(members) == 0 {
		return nil
	}
	v, err := rdbConstructors.zset(l.node.env.Rand(), &l.node.cfg.limits, members, scores)
	return l.storeBuilt(k, v, err)
}
