package cache

import (
	"testing"
	"time"
)

// DEBUG RELOAD round-trips the whole dataset through dump.rdb: every type,
// TTLs and other databases come back as they were.
func TestSimDebugReloadKeepsTheDataset(t *testing.T) {
	h := newSimHarness(t, 31, Config{EnableDebugCommand: ProtectedYes}, realDisk)
	for _, line := range []string{"SET s v", "SET t v EX 100", "RPUSH l a b c", "SADD st x y", "HSET h f v",
		"ZADD z 1 a 2 b", "SELECT 5", "SET in5 x", "SELECT 0"} {
		h.do(line)
	}
	digest := h.do("DEBUG DIGEST")
	h.expect("DEBUG RELOAD", `"OK"`)
	h.expect("DEBUG DIGEST", digest)
	h.expect("TTL t", "(integer) 100")
	h.expect("DBSIZE", "(integer) 6")
	h.expect("SELECT 5", `"OK"`)
	h.expect("GET in5", `"x"`)
}

func TestSimDebugReloadOptions(t *testing.T) {
	h := newSimHarness(t, 32, Config{EnableDebugCommand: ProtectedYes}, realDisk)
	h.expect("SET saved 1", `"OK"`)
	h.expect("SAVE", `"OK"`)
	// NOSAVE loads the file as it is: what was not saved is gone.
	h.expect("SET unsaved 1", `"OK"`)
	h.expect("DEBUG RELOAD NOSAVE", `"OK"`)
	h.expect("EXISTS saved unsaved", "(integer) 1")
	// NOFLUSH MERGE keeps the keys in memory; the file's replace them.
	h.expect("SET saved 2", `"OK"`)
	h.expect("SET memory-only 1", `"OK"`)
	h.expect("DEBUG RELOAD NOSAVE NOFLUSH MERGE", `"OK"`)
	h.expect("GET saved", `"1"`)
	h.expect("GET memory-only", `"1"`)
	// NOFLUSH without MERGE cannot load a key that is already there.
	h.expect("DEBUG RELOAD NOSAVE NOFLUSH", "(error) ERR Error trying to load the RDB dump")
	h.expect("DEBUG RELOAD NOSAVE FOO", "(error) ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.")
}

// A key whose TTL ran out while it sat in the file is not loaded back.
func TestSimDebugReloadDropsExpiredKeys(t *testing.T) {
	h := newSimHarness(t, 33, Config{EnableDebugCommand: ProtectedYes}, realDisk)
	h.expect("DEBUG SET-ACTIVE-EXPIRE 0", `"OK"`)
	h.expect("SET short v PX 50", `"OK"`)
	h.expect("SAVE", `"OK"`)
	h.w.Run(h.w.Now() + 100*time.Millisecond)
	h.expect("DBSIZE", "(integer) 1") // still in memory: nobody read it
	h.expect("DEBUG RELOAD NOSAVE", `"OK"`)
	h.expect("DBSIZE", "(integer) 0")
}

// Without a disk there is nothing to save to or load from: SAVE, BGSAVE
// and DEBUG RELOAD say so instead of failing obscurely.
func TestSnapshotsWithoutDisk(t *testing.T) {
	const noDisk = "(error) ERR this node has no disk (no data directory is configured), so it cannot save or load snapshots"
	runScript(t, []step{
		{0, "SET k v", `"OK"`},
		{0, "SAVE", noDisk},
		{0, "BGSAVE", noDisk},
		{0, "DEBUG RELOAD", noDisk},
		{0, "DEBUG RELOAD NOSAVE", noDisk},
		{0, "DEBUG RELOAD BAD", "(error) ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options."},
		{0, "GET k", `"v"`},
	})
}

// Loading creates keys without "new" events, as Redis's loader does.
func TestSimDebugReloadSendsNoNewEvents(t *testing.T) {
	h := newSimHarness(t, 34, Config{NotifyKeyspaceEvents: "KEAn", EnableDebugCommand: ProtectedYes}, realDisk)
	h.expect("SET k v", `"OK"`)
	n := h.node()
	before := n.stats.Commands
	published := 0
	orig := n.dbs[0].onNew
	n.dbs[0].onNew = func(key string) { published++; orig(key) }
	h.expect("DEBUG RELOAD", `"OK"`)
	if n.stats.Commands == before {
		t.Fatal("DEBUG RELOAD did not run")
	}
	if published != 0 {
		t.Fatalf("reloading sent %d \"new\" events", published)
	}
	h.expect("SET k2 v", `"OK"`)
	if published != 1 {
		t.Fatalf("SET of a new key sent %d \"new\" events, want 1", published)
	}
}

func TestDebugReloadOptionErrorsAgreeWithRedis(t *testing.T) {
	real := startRedisServerIn(t, t.TempDir(), "--enable-debug-command", "yes")
	real.compare(Config{EnableDebugCommand: ProtectedYes}, 2).run(exact("DEBUG RELOAD FOO", "DEBUG RELOAD MERGE NOSAVE x", "DEBUG RELOAD merge noflush bad"))
}

// DEBUG LOADAOF empties the data and replays the AOF: with the AOF on,
// what was just written (TTLs included) comes back; with it off, the AOF a
// BGREWRITEAOF left on disk does; with none, an error and the data stay.
func TestSimDebugLoadAOF(t *testing.T) {
	h := newSimHarness(t, 34, Config{AppendOnly: true, AppendFsync: FsyncEverysec, EnableDebugCommand: ProtectedYes}, realDisk)
	for _, line := range []string{"SET s v", "SET t v EX 100", "RPUSH l a b c", "SELECT 3", "SADD st x", "SELECT 0"} {
		h.do(line)
	}
	digest := h.do("DEBUG DIGEST")
	h.expect("DEBUG LOADAOF", `"OK"`)
	h.expect("DEBUG DIGEST", digest)
	h.expect("TTL t", "(integer) 100")

	off := newSimHarness(t, 35, Config{EnableDebugCommand: ProtectedYes}, realDisk)
	off.expect("SET k v", `"OK"`)
	off.expect("DEBUG LOADAOF", "(error) ERR there is no append only file to load (appendonly is no and BGREWRITEAOF has not written one)")
	off.expect("GET k", `"v"`)
	off.expect("BGREWRITEAOF", `"Background append only file rewriting started"`)
	off.waitFor("the rewrite", 10*time.Second, func() bool {
		f, _ := infoFields(t, off.do("INFO persistence"))
		return f["aof_rewrite_in_progress"] == "0" && f["aof_rewrites"] == "1"
	})
	off.expect("SET only-in-memory v", `"OK"`)
	off.expect("DEBUG LOADAOF", `"OK"`)
	off.expect("EXISTS k only-in-memory", "(integer) 1")
}

func TestDebugQuicklistPackedThreshold(t *testing.T) {
	runScript(t, []step{
		{0, "DEBUG QUICKLIST-PACKED-THRESHOLD 1b", `"OK"`},
		{0, "DEBUG QUICKLIST-PACKED-THRESHOLD 0", `"OK"`},
		{0, "DEBUG QUICKLIST-PACKED-THRESHOLD 5gb", "(error) ERR argument must be a memory value bigger than 1 and smaller than 4gb"},
		{0, "DEBUG QUICKLIST-PACKED-THRESHOLD x", "(error) ERR argument must be a memory value bigger than 1 and smaller than 4gb"},
	})
}

// A collection loaded from dump.rdb (or RESTOREd) is encoded by the
// node's thresholds, as Redis loads by its own configuration: a sorted
// set under zset-max-listpack-entries 0 comes back a skiplist.
func TestSimReloadEncodesByTheNodesThresholds(t *testing.T) {
	h := newSimHarness(t, 36, Config{EnableDebugCommand: ProtectedYes}, realDisk)
	h.expect("CONFIG SET zset-max-listpack-entries 0", `"OK"`)
	h.expect("CONFIG SET set-max-intset-entries 1", `"OK"`)
	h.expect("ZADD z 1 a 2 b", "(integer) 2")
	h.expect("SADD s 1 2", "(integer) 2")
	h.expect("DEBUG RELOAD", `"OK"`)
	h.expect("OBJECT ENCODING z", `"skiplist"`)
	h.expect("OBJECT ENCODING s", `"hashtable"`)
}
