package cache

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"syslab/engines/cache/persist"
)

// waitFor runs the world until cond holds, within a virtual deadline.
func (h *simHarness) waitFor(what string, d time.Duration, cond func() bool) {
	h.t.Helper()
	deadline := h.w.Now() + d
	for !cond() {
		if h.w.Now() >= deadline {
			h.t.Fatalf("%s: not within %v of virtual time", what, d)
		}
		h.w.Run(h.w.Now() + 10*time.Millisecond)
	}
}

func (h *simHarness) node() *Node { return h.w.Handler(cacheID).(*Node) }

func (h *simHarness) files() string {
	names, _ := h.w.Disk(cacheID).List()
	return strings.Join(names, " ")
}

func TestSimSaveAndLoadRDB(t *testing.T) {
	h := newSimHarness(t, 21, Config{}, realDisk)
	start := h.do("LASTSAVE")
	for _, line := range []string{"SET a 1", "SET b hello EX 100", "SET soon x PX 500", "SELECT 3", "SET d in-db-3", "SELECT 0"} {
		h.do(line)
	}
	h.w.Run(h.w.Now() + 2*time.Second)
	h.expect("SAVE", `"OK"`)
	if got := h.do("LASTSAVE"); got == start {
		t.Fatalf("LASTSAVE did not move: %s", got)
	}
	h.expect("SET after-save 1", `"OK"`)
	h.w.Crash(cacheID)
	h.restart()
	h.expect("GET a", `"1"`)
	h.expect("TTL b", "(integer) 98")
	h.expect("EXISTS soon", "(integer) 0")
	h.expect("GET after-save", "(nil)") // AOF off: only the snapshot survives
	h.expect("SELECT 3", `"OK"`)
	h.expect("GET d", `"in-db-3"`)
	if strings.Contains(h.files(), "temp-") {
		t.Fatalf("temp files left: %s", h.files())
	}
}

// BGSAVE writes the keyspace as it was when the command ran, over several
// cron ticks, while writes go on.
func TestSimBgsaveIsPointInTime(t *testing.T) {
	h := newSimHarness(t, 22, Config{}, realDisk)
	value := strings.Repeat("v", 1000)
	const keys = 10000 // ~10 MiB: more than two ticks' worth
	for i := range keys {
		h.send("SET key:" + itoa(i) + " " + value)
	}
	h.expect("SET counter 5", `"OK"`)
	h.w.Run(h.w.Now() + time.Second)
	h.expect("BGSAVE", `"Background saving started"`)
	h.expect("INCR counter", "(integer) 6") // a string changed by a command other than SET
	h.expect("BGSAVE", `(error) ERR Background save already in progress`)
	h.expect("SAVE", `(error) ERR Background save already in progress`)
	h.expect("BGREWRITEAOF", `"Background append only file rewriting scheduled"`)
	for i := 0; i < keys; i += 7 {
		h.send("SET key:" + itoa(i) + " changed")
	}
	h.expect("DEL key:1", "(integer) 1")
	h.waitFor("BGSAVE done", 10*time.Second, func() bool { return h.node().bgSnapshot == nil || h.node().bgSnapshot.purpose != purposeRDB })
	h.waitFor("scheduled rewrite done", 10*time.Second, func() bool { return h.node().bgSnapshot == nil })
	h.w.Crash(cacheID)
	h.restart()
	h.expect("DBSIZE", "(integer) 10001")
	h.expect("GET counter", `"5"`)
	h.expect("GET key:0", `"`+value+`"`)
	h.expect("GET key:1", `"`+value+`"`)
	h.expect("GET key:9996", `"`+value+`"`)
}

// fakeList is a list the test changes in place behind the node's back (no
// command runs), so the test isolates snapshotBeforeWrite: the item must
// be written out before the change. The real types under BGSAVE while
// commands change them: TestSimBgsaveCopyOnWriteEveryType.
type fakeList struct{ elems [][]byte }

func (*fakeList) typeName() string { return "list" }
func (*fakeList) encoding() string { return "quicklist" }
func (*fakeList) memoryBytes() int { return 0 }
func (l *fakeList) writeValue(w persist.ValueWriter, key []byte, expireAtMillis int64) {
	w.WriteList(key, l.elems, expireAtMillis)
}

func TestSimBgsaveCopiesCollectionsBeforeTheirFirstWrite(t *testing.T) {
	h := newSimHarness(t, 23, Config{}, realDisk)
	value := strings.Repeat("v", 1000)
	for i := range 8000 {
		h.send("SET key:" + itoa(i) + " " + value)
	}
	h.w.Run(h.w.Now() + time.Second)
	n := h.node()
	list := &fakeList{elems: [][]byte{[]byte("a"), []byte("b")}}
	n.dbs[0].set("zzz-list", list, false) // sorts last: written in the final tick
	h.expect("BGSAVE", `"Background saving started"`)
	// A write command naming the key: the snapshot writes it out first.
	n.snapshotBeforeWrite(0, [][]byte{[]byte("zzz-list")})
	list.elems = append(list.elems, []byte("after"))
	h.waitFor("BGSAVE done", 10*time.Second, func() bool { return n.bgSnapshot == nil })
	data, err := h.w.Disk(cacheID).ReadFile("dump.rdb")
	if err != nil {
		t.Fatal(err)
	}
	var lists []string
	if err := persist.LoadRDB(data, listCollector{&lists}); err != nil {
		t.Fatal(err)
	}
	if len(lists) != 1 || lists[0] != "zzz-list=a,b" {
		t.Fatalf("lists in the snapshot: %v, want the value at BGSAVE time once", lists)
	}
}

type listCollector struct{ got *[]string }

func (listCollector) Aux(_, _ []byte) error                          { return nil }
func (listCollector) SelectDB(int) error                             { return nil }
func (listCollector) String(persist.RDBKey, []byte) error            { return nil }
func (listCollector) Set(persist.RDBKey, [][]byte) error             { return nil }
func (listCollector) Hash(persist.RDBKey, [][]byte) error            { return nil }
func (listCollector) ZSet(persist.RDBKey, [][]byte, []float64) error { return nil }
func (c listCollector) List(k persist.RDBKey, elems [][]byte) error {
	*c.got = append(*c.got, string(k.Key)+"="+string(bytes.Join(elems, []byte(","))))
	return nil
}

func TestSimSaveRules(t *testing.T) {
	h := newSimHarness(t, 24, Config{Save: "2 3"}, realDisk)
	h.expect("SET a 1", `"OK"`)
	h.expect("SET a 2", `"OK"`)
	h.w.Run(h.w.Now() + 3*time.Second)
	if _, err := h.w.Disk(cacheID).ReadFile("dump.rdb"); err == nil {
		t.Fatal("saved after 2 changes; the rule asks for 3")
	}
	h.expect("SET a 3", `"OK"`)
	h.w.Run(h.w.Now() + 500*time.Millisecond)
	if _, err := h.w.Disk(cacheID).ReadFile("dump.rdb"); err != nil {
		t.Fatalf("no snapshot after 3 changes and 3 s: %v", err)
	}
	if d := h.node().dirty; d != 0 {
		t.Fatalf("dirty = %d after the save, want 0", d)
	}
	h.w.Crash(cacheID)
	h.restart()
	h.expect("GET a", `"3"`)
}

// With save rules FLUSHALL saves the empty dataset at once, as Redis's:
// the flush survives a crash, nothing counts as unsaved, and rdb_saves
// (SAVE and BGSAVE) does not move.
func TestSimFlushallSavesWhenSaveRulesAreSet(t *testing.T) {
	h := newSimHarness(t, 27, Config{Save: "3600 1"}, realDisk)
	h.expect("SET key value", `"OK"`)
	h.expect("SAVE", `"OK"`) // a snapshot that holds key
	h.expect("SET other value", `"OK"`)
	h.expect("FLUSHALL", `"OK"`)
	info := h.do("INFO persistence")
	for _, want := range []string{"rdb_changes_since_last_save:0", "rdb_saves:1"} {
		if !strings.Contains(info, want) {
			t.Errorf("INFO persistence after FLUSHALL lacks %q", want)
		}
	}
	h.w.Crash(cacheID)
	h.restart()
	h.expect("DBSIZE", "(integer) 0")
}

func TestSnapshotCommandErrors(t *testing.T) {
	runScript(t, []step{
		{0, "BGSAVE foo", "(error) ERR syntax error"},
		{0, "BGSAVE SCHEDULE x", "(error) ERR syntax error"},
		{0, "SAVE x", "(error) ERR wrong number of arguments for 'save' command"},
		{0, "LASTSAVE x", "(error) ERR wrong number of arguments for 'lastsave' command"},
		{0, "BGREWRITEAOF x", "(error) ERR wrong number of arguments for 'bgrewriteaof' command"},
		{0, "LASTSAVE", "(integer) 1767225600"},
	})
}

func TestConfigSaveValidation(t *testing.T) {
	for _, bad := range []string{"1", "a 1", "0 1", "1 -1"} {
		if err := (Config{Save: bad}).Validate(); err == nil {
			t.Errorf("save %q accepted", bad)
		}
	}
	for _, good := range []string{"", DefaultSave, "1 0"} {
		if err := (Config{Save: good}).Validate(); err != nil {
			t.Errorf("save %q: %v", good, err)
		}
	}
}

func TestSimBgsaveDeterministic(t *testing.T) {
	run := func() []byte {
		h := newSimHarness(t, 25, Config{}, realDisk)
		for i := range 2000 {
			h.send("SET key:" + itoa(i) + " v" + itoa(i*7) + " PX " + itoa(100000+i))
		}
		h.w.Run(h.w.Now() + time.Second)
		h.expect("BGSAVE", `"Background saving started"`)
		h.waitFor("BGSAVE done", 10*time.Second, func() bool { return h.node().bgSnapshot == nil })
		data, _ := h.w.Disk(cacheID).ReadFile("dump.rdb")
		return data
	}
	if a, b := run(), run(); !bytes.Equal(a, b) || len(a) == 0 {
		t.Fatal("two runs with the same seed wrote different snapshots")
	}
}

func aofAlways(extra func(*Config)) Config {
	cfg := Config{AppendOnly: true, AppendFsync: FsyncAlways}
	if extra != nil {
		extra(&cfg)
	}
	return cfg
}

// A rewrite in both base formats, then a restart from base plus incr.
func TestSimAOFRewriteRestart(t *testing.T) {
	for _, preamble := range []bool{true, false} {
		h := newSimHarness(t, 26, aofAlways(func(c *Config) { c.AOFNoRDBPreamble = !preamble }), realDisk)
		for i := range 300 {
			h.do("SET key:" + itoa(i) + " " + itoa(i))
		}
		h.expect("SET t v EX 1000", `"OK"`)
		h.expect("SELECT 2", `"OK"`)
		h.expect("SET in2 x", `"OK"`)
		h.expect("SELECT 0", `"OK"`)
		h.expect("BGREWRITEAOF", `"Background append only file rewriting started"`)
		h.expect("BGREWRITEAOF", `(error) ERR Background append only file rewriting already in progress`)
		h.expect("BGSAVE", `(error) ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.`)
		h.expect("INCR key:5", "(integer) 6")
		h.waitFor("rewrite done", 5*time.Second, func() bool { return h.node().bgSnapshot == nil })
		h.expect("INCR key:6", "(integer) 7")
		base := persist.BaseName(1, preamble)
		if got, want := h.files(), aofPath(base)+" "+aofPath(persist.IncrName(2))+" "+aofPath(persist.ManifestName); got != want {
			t.Fatalf("files after rewrite: %s, want %s", got, want)
		}
		manifest, _ := h.w.Disk(cacheID).ReadFile(aofPath(persist.ManifestName))
		if want := "file " + base + " seq 1 type b\nfile " + persist.IncrName(2) + " seq 2 type i\n"; string(manifest) != want {
			t.Fatalf("manifest:\n%s\nwant:\n%s", manifest, want)
		}
		h.w.Crash(cacheID)
		h.restart()
		h.expect("GET key:5", `"6"`)
		h.expect("GET key:6", `"7"`)
		h.expect("GET key:299", `"299"`)
		h.expect("TTL t", "(integer) 1000")
		h.expect("SELECT 2", `"OK"`)
		h.expect("GET in2", `"x"`)
	}
}

// A crash at every step of a rewrite loses no acknowledged write under
// appendfsync always; writes keep coming during the rewrite.
func TestSimAOFRewriteCrashAtEveryStep(t *testing.T) {
	steps := []string{"rewrite: incr added", "mid-snapshot", "snapshot renamed", "rewrite: manifest swapped", "after"}
	for i, stepName := range steps {
		t.Run(stepName, func(t *testing.T) {
			h := newSimHarness(t, uint64(30+i), aofAlways(nil), realDisk)
			value := strings.Repeat("x", 2000)
			seqs := map[int]uint64{}
			key := 0
			write := func() {
				seqs[key] = h.send("SET key:" + itoa(key) + " " + value)
				key++
			}
			for range 3000 { // ~6 MiB, so the base takes two ticks
				write()
			}
			h.waitFor("initial writes acked", 20*time.Second, func() bool { return len(h.client.replies) == len(seqs) })
			n := h.node()
			if stepName != "mid-snapshot" && stepName != "after" {
				n.haltAt = stepName
			}
			h.send("BGREWRITEAOF")
			for ticks := 0; ; ticks++ {
				write()
				h.w.Run(h.w.Now() + 5*time.Millisecond)
				if n.halted {
					break
				}
				if stepName == "mid-snapshot" && n.bgSnapshot != nil && n.bgSnapshot.dbCursor == 0 && n.bgSnapshot.itemCursor > 0 {
					break
				}
				if stepName == "after" && n.bgSnapshot == nil && n.rewrite == nil && ticks > 10 {
					break
				}
				if ticks > 5000 {
					t.Fatalf("the rewrite never reached step %q", stepName)
				}
			}
			h.w.Crash(cacheID)
			h.restart()
			acked := 0
			for k, seq := range seqs {
				if v, ok := h.client.replies[seq]; ok && v.String() == `"OK"` {
					acked++
					if got := h.do("GET key:" + itoa(k)); got != `"`+value+`"` {
						t.Fatalf("acked SET key:%d lost after a crash at %q: GET = %.40s (files %s)", k, stepName, got, h.files())
					}
				}
			}
			if acked < 3000 {
				t.Fatalf("only %d writes acked", acked)
			}
			if strings.Contains(h.files(), "temp-") {
				t.Fatalf("temp files left after restart: %s", h.files())
			}
			// The node can rewrite again after the crash.
			h.expect("BGREWRITEAOF", `"Background append only file rewriting started"`)
			h.waitFor("second rewrite", 5*time.Second, func() bool { return h.node().bgSnapshot == nil })
			h.w.Crash(cacheID)
			h.restart()
			h.expect("GET key:0", `"`+value+`"`)
		})
	}
}

// A single appendonly.aof from before the multi-part layout (Redis < 7)
// moves into appendonlydir, loads, becomes the first base, and goes away
// after a rewrite.
func TestSimLegacyAOFUpgrade(t *testing.T) {
	h2 := newSimHarness(t, 40, aofAlways(nil), realDisk)
	f2, _ := h2.w.Disk(cacheID).Create(persist.AOFName)
	f2.Write([]byte("*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$1\r\na\r\n$3\r\nold\r\n"))
	f2.Sync()
	h2.w.Disk(cacheID).Remove(aofPath(persist.ManifestName))
	h2.w.Disk(cacheID).Remove(firstIncrName)
	h2.restart()
	h2.expect("GET a", `"old"`)
	h2.expect("SET b new", `"OK"`)
	manifest, _ := h2.w.Disk(cacheID).ReadFile(aofPath(persist.ManifestName))
	if want := "file appendonly.aof seq 1 type b\nfile " + persist.IncrName(1) + " seq 1 type i\n"; string(manifest) != want {
		t.Fatalf("manifest after upgrade:\n%s\nwant:\n%s", manifest, want)
	}
	if files := h2.files(); strings.Contains(" "+files+" ", " appendonly.aof ") {
		t.Fatalf("the single file stayed outside %s: %s", persist.AOFDirName, files)
	}
	h2.w.Crash(cacheID)
	h2.restart()
	h2.expect("GET a", `"old"`)
	h2.expect("GET b", `"new"`)
	h2.expect("BGREWRITEAOF", `"Background append only file rewriting started"`)
	h2.waitFor("rewrite", 5*time.Second, func() bool { return h2.node().bgSnapshot == nil })
	if files := h2.files(); strings.Contains(" "+files+" ", " "+aofPath(persist.AOFName)+" ") {
		t.Fatalf("legacy file kept after the rewrite: %s", files)
	}
	h2.w.Crash(cacheID)
	h2.restart()
	h2.expect("GET a", `"old"`)
	h2.expect("GET b", `"new"`)
}

// A corrupt base (not the last file) refuses service, with the file named.
// Inside EXEC, BGREWRITEAOF and CONFIG SET appendonly yes schedule the
// rewrite for after the transaction, with Redis's replies.
func TestSimAOFRewriteInsideExecIsScheduled(t *testing.T) {
	h := newSimHarness(t, 43, aofAlways(nil), realDisk)
	h.expect("MULTI", `"OK"`)
	h.expect("SET foo bar", `"QUEUED"`)
	h.expect("BGREWRITEAOF", `"QUEUED"`)
	h.expect("EXEC", `["OK" "Background append only file rewriting scheduled"]`)
	h.waitFor("the scheduled rewrite", 5*time.Second, func() bool {
		return strings.Contains(h.do("INFO persistence"), "aof_rewrites:1")
	})

	h.expect("CONFIG SET appendonly no", `"OK"`)
	h.expect("MULTI", `"OK"`)
	h.expect("CONFIG SET appendonly yes", `"QUEUED"`)
	h.expect("EXEC", `["OK"]`)
	h.waitFor("the rewrite that enables the AOF", 5*time.Second, func() bool {
		return strings.Contains(h.do("INFO persistence"), "aof_rewrites:2")
	})
	h.expect("SET after yes", `"OK"`)
	h.w.Crash(cacheID)
	h.restart()
	h.expect("GET after", `"yes"`)
}

func TestSimCorruptBaseRefusesService(t *testing.T) {
	h := newSimHarness(t, 41, aofAlways(nil), realDisk)
	h.expect("SET a 1", `"OK"`)
	h.expect("BGREWRITEAOF", `"Background append only file rewriting started"`)
	h.waitFor("rewrite", 5*time.Second, func() bool { return h.node().bgSnapshot == nil })
	h.expect("SET b 2", `"OK"`)
	base := persist.BaseName(1, true)
	data, _ := h.w.Disk(cacheID).ReadFile(aofPath(base))
	data[len(data)-3] ^= 0xFF // inside the checksum
	f, _ := h.w.Disk(cacheID).Create(aofPath(base))
	f.Write(data)
	f.Sync()
	h.restart()
	got := h.do("GET a")
	if !strings.Contains(got, base) || !strings.Contains(got, "wrong RDB checksum") {
		t.Fatalf("GET on a node with a corrupt base = %s", got)
	}
}

// The AOF is rewritten automatically once it doubled past the minimum size.
func TestSimAutoAOFRewrite(t *testing.T) {
	h := newSimHarness(t, 42, Config{AppendOnly: true, AppendFsync: FsyncEverysec, AutoAOFRewriteMinSizeBytes: 64 << 10}, realDisk)
	for i := range 2000 {
		h.send("SET key:" + itoa(i%10) + " " + strings.Repeat("y", 100))
	}
	h.w.Run(h.w.Now() + 2*time.Second)
	if !strings.Contains(h.files(), ".base.rdb") {
		t.Fatalf("no automatic rewrite: files %s", h.files())
	}
	if size := h.node().aofCurrentBytes(); size > 64<<10 {
		t.Fatalf("AOF is %d bytes after the rewrite", size)
	}
}

// An AOF in the flat layout of earlier versions (manifest and parts
// beside dump.rdb) moves into appendonlydir at start, also when a crash
// stopped an earlier move part-way (the parts moved, the manifest not).
func TestSimFlatAOFMovesIntoItsDirectory(t *testing.T) {
	for _, partial := range []bool{false, true} {
		h := newSimHarness(t, 44, aofAlways(nil), realDisk)
		h.expect("SET a 1", `"OK"`)
		h.expect("BGREWRITEAOF", `"Background append only file rewriting started"`)
		h.waitFor("rewrite", 5*time.Second, func() bool { return h.node().bgSnapshot == nil })
		h.expect("SET b 2", `"OK"`)
		h.w.Crash(cacheID)
		disk := h.w.Disk(cacheID)
		flat := strings.Fields(h.files())
		for _, path := range flat {
			name := strings.TrimPrefix(path, persist.AOFDirName+"/")
			if partial && name != persist.ManifestName {
				continue
			}
			if err := disk.Rename(path, name); err != nil {
				t.Fatal(err)
			}
		}
		h.restart()
		h.expect("GET a", `"1"`)
		h.expect("GET b", `"2"`)
		if got := h.files(); got != strings.Join(flat, " ") {
			t.Fatalf("partial %v: files after the move %s, want %s", partial, got, strings.Join(flat, " "))
		}
	}
}

// rdb-key-save-delay (Redis's hidden test hook) slows a background save
// to one key per delay: with 1 s per key, three keys take three seconds.
func TestSimRDBKeySaveDelay(t *testing.T) {
	h := newSimHarness(t, 37, Config{}, realDisk)
	for _, line := range []string{"SET a 1", "SET b 2", "SET c 3", "CONFIG SET rdb-key-save-delay 1000000"} {
		h.do(line)
	}
	if got := h.do("CONFIG GET *"); strings.Contains(got, "rdb-key-save-delay") {
		t.Fatalf("CONFIG GET * shows the hidden rdb-key-save-delay: %s", got)
	}
	h.expect("CONFIG GET rdb-key-save-delay", `["rdb-key-save-delay" "1000000"]`)
	h.expect("BGSAVE", `"Background saving started"`)
	start := h.w.Now()
	h.waitFor("the slowed save", 10*time.Second, func() bool {
		f, _ := infoFields(t, h.do("INFO persistence"))
		return f["rdb_bgsave_in_progress"] == "0"
	})
	if took := h.w.Now() - start; took < 3*time.Second || took > 4*time.Second {
		t.Fatalf("the save of three keys at 1 s each took %v", took)
	}
	h.expect("CONFIG SET rdb-key-save-delay 2147483648", "(error) ERR CONFIG SET failed (possibly related to argument 'rdb-key-save-delay') - argument must be between -2147483648 and 2147483647 inclusive")
}
