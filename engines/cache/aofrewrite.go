package cache

// The multi-part AOF (persist/manifest.go describes the files): loading it
// at start and rewriting it (BGREWRITEAOF, auto-aof-rewrite-*).
//
// # A rewrite, step by step, and what a crash at each step leaves
//
//  1. Flush and sync the current incremental file, create the next one
//     empty and swap in a manifest listing old base, old incrs and the new
//     incr. New writes go to the new incr from now on. Crash before the
//     swap: the old manifest, complete. Crash after: the old files plus the
//     new incr, together complete.
//  2. Capture the keyspace (snapshot.go) as of this same instant and write
//     it, a slice per cron tick, to a temp file. Crash: the manifest of
//     step 1 still describes everything; the temp file is an orphan that
//     the next start removes.
//  3. Sync the temp file and rename it to the new base's name. Crash: as
//     in 2, the new base is an orphan.
//  4. Swap in the final manifest: new base plus the new incr. Crash after:
//     the new manifest is complete on its own; the old files are orphans.
//  5. Delete the old base and incrs.
//
// With appendfsync always every acknowledged write is synced in the incr
// it went to, and every manifest in the sequence includes that incr, so no
// step loses one.

import (
	"errors"
	"fmt"
	"slices"

	"syslab/engines/cache/persist"
	"syslab/engines/cache/resp"
	"syslab/node"
)

// aofRewrite is the rewrite in progress; its snapshot is n.bgSnapshot.
type aofRewrite struct {
	base persist.AOFFile
	// incr is the incremental file opened at the start (step 1); nil with
	// the AOF off, where a rewrite only writes a base.
	incr *persist.AOFFile
	// enabling: this rewrite turns the AOF on (aofswitch.go); no manifest
	// names incr until the base is written.
	enabling bool
}

// aofState is the node's multi-part AOF bookkeeping.
type aofState struct {
	manifest persist.Manifest
	rewrite  *aofRewrite
	// aofOtherBytes is the size of the AOF's files other than the open
	// incr; with the open incr's size it makes the AOF's size.
	aofOtherBytes int64
	// aofRewriteBaseBytes is the AOF's size after the last rewrite (or at
	// start), which automatic rewrites compare growth against.
	aofRewriteBaseBytes int64
	// haltAt and halted are a test hook: see Node.halt.
	haltAt string
	halted bool
}

// aofRewriteTempName is where a rewrite writes the base until it renames it.
const aofRewriteTempName = "temp-rewriteaof-bg.aof"

var aofRewriteCommands = []commandSpec{
	{name: "bgrewriteaof", arity: 1, run: bgrewriteaofCommand},
}

var (
	replyRewriteInProgress = resp.Err("ERR Background append only file rewriting already in progress")
	replyRewriteScheduled  = resp.Simple("Background append only file rewriting scheduled")
	replyRewriteStarted    = resp.Simple("Background append only file rewriting started")
	replyRewriteFailed     = resp.Err("ERR Can't execute an AOF background rewriting. Please check the server logs for more information.")
)

func bgrewriteaofCommand(c *call) resp.Value {
	n := c.node
	switch s := n.bgSnapshot; {
	case s != nil && s.purpose == purposeAOFBase:
		return replyRewriteInProgress
	case s != nil, n.exec != nil:
		// Inside EXEC Redis does not fork either: the rewrite starts
		// from the cron, after the transaction.
		n.aofRewriteScheduled = true
		return replyRewriteScheduled
	}
	if err := n.startAOFRewrite(); err != nil {
		return replyRewriteFailed
	}
	return replyRewriteStarted
}

// loadAOF loads the multi-part AOF (or a single legacy appendonly.aof)
// and opens its last incremental file for appending; false means the node
// refuses service.
func (n *Node) loadAOF() bool {
	if err := n.moveAOFIntoDir(); err != nil { // aofdir.go
		n.refuseService("ERR cannot move the append only file into " + persist.AOFDirName + ": " + err.Error())
		n.dbs = nil
		return false
	}
	disk := n.aofDisk()
	m, haveManifest, err := persist.ReadManifest(disk)
	if err == nil && !haveManifest {
		// No manifest: a single-file AOF from before (it becomes the
		// base, as Redis 7 upgrades one) or nothing at all.
		if _, rerr := disk.ReadFile(persist.AOFName); rerr == nil {
			m.Base = &persist.AOFFile{Name: persist.AOFName, Seq: 1, Type: persist.AOFTypeBase}
		} else if !errors.Is(rerr, node.ErrNotExist) {
			err = fmt.Errorf("read append only file %s: %w", persist.AOFName, rerr)
		}
	}
	var loaded persist.LoadStats
	if err == nil {
		n.loading = true
		loaded, err = persist.LoadAOFFiles(disk, m, len(n.dbs), n.replay, &rdbLoader{node: n})
		n.loading = false
	}
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
			lastAOFFile(m), loaded.TruncatedBytes, loaded.Commands)
	}
	if !haveManifest || len(m.Incrs) == 0 {
		incr := persist.AOFFile{Name: persist.IncrName(m.NextIncrSeq()), Seq: m.NextIncrSeq(), Type: persist.AOFTypeIncr}
		if err := createEmpty(disk, incr.Name); err != nil {
			n.refuseService("ERR " + err.Error())
			return false
		}
		m.Incrs = append(m.Incrs, incr)
		if err := persist.WriteManifest(disk, m); err != nil {
			n.refuseService("ERR " + err.Error())
			return false
		}
	}
	if err := persist.CleanAOFDir(disk, m); err != nil {
		n.env.Logf("cache: removing leftover AOF files: %v", err)
	}
	aof, err := persist.OpenAOF(disk, m.Incrs[len(m.Incrs)-1].Name)
	if err != nil {
		n.refuseService("ERR " + err.Error())
		return false
	}
	n.aof = aof
	n.manifest = m
	n.aofOtherBytes = loaded.SizeBytes - aof.SizeBytes()
	n.aofRewriteBaseBytes = loaded.SizeBytes
	return true
}

func lastAOFFile(m persist.Manifest) string {
	if len(m.Incrs) > 0 {
		return m.Incrs[len(m.Incrs)-1].Name
	}
	if m.Base != nil {
		return m.Base.Name
	}
	return persist.AOFName
}

// createEmpty creates (or empties) a file; Create is durable on return.
func createEmpty(disk node.Disk, name string) error {
	f, err := disk.Create(name)
	if err != nil {
		return fmt.Errorf("create %s: %w", name, err)
	}
	return f.Close()
}

// aofCurrentBytes is the size of all the AOF's files.
func (n *Node) aofCurrentBytes() int64 {
	if n.aof == nil {
		return 0
	}
	return n.aofOtherBytes + n.aof.SizeBytes()
}

// startAOFRewrite runs steps 1 and 2 of a rewrite (see the file comment).
func (n *Node) startAOFRewrite() error {
	disk := n.aofDisk()
	fail := func(err error) error {
		n.env.Logf("cache: can't rewrite the append only file: %v", err)
		n.env.Metrics().Add("cache_aof_rewrite_errors_total", 1)
		return err
	}
	if n.aofErr != nil {
		return fail(fmt.Errorf("the AOF cannot be written: %w", n.aofErr))
	}
	enabling := n.aof == nil && n.cfg.AppendOnly
	old := n.manifest
	if n.aof == nil {
		// AOF off: rewrite the base of whatever manifest the disk holds.
		if err := n.moveAOFIntoDir(); err != nil {
			return fail(err)
		}
		if m, ok, err := persist.ReadManifest(disk); err == nil && ok {
			old = m
		}
	}
	r := &aofRewrite{}
	if enabling {
		incr, err := n.openEnablingIncr(old)
		if err != nil {
			n.cfg.AppendOnly = false
			return fail(err)
		}
		r.incr, r.enabling = &incr, true
	} else if n.aof != nil {
		if err := n.aof.Flush(); err != nil {
			return fail(err)
		}
		if err := n.aof.Sync(); err != nil {
			return fail(err)
		}
		incr := persist.AOFFile{Name: persist.IncrName(old.NextIncrSeq()), Seq: old.NextIncrSeq(), Type: persist.AOFTypeIncr}
		if err := createEmpty(disk, incr.Name); err != nil {
			return fail(err)
		}
		next := old
		next.Incrs = append(slices.Clone(old.Incrs), incr)
		if err := persist.WriteManifest(disk, next); err != nil {
			_ = disk.Remove(incr.Name)
			return fail(err)
		}
		if n.halt("rewrite: incr added") {
			return nil
		}
		aof, err := persist.OpenAOF(disk, incr.Name)
		if err != nil {
			return fail(err) // the manifest lists an empty incr: harmless
		}
		n.aofOtherBytes += n.aof.SizeBytes()
		_ = n.aof.Close()
		n.aof = aof
		n.manifest = next
		r.incr = &incr
	}
	seq := old.NextBaseSeq()
	r.base = persist.AOFFile{Name: persist.BaseName(seq, !n.cfg.AOFNoRDBPreamble), Seq: seq, Type: persist.AOFTypeBase}
	// The snapshot writes through the node's disk: the names say the
	// directory.
	s, err := n.newSnapshot(purposeAOFBase, aofPath(aofRewriteTempName), aofPath(r.base.Name))
	if err != nil {
		if enabling {
			n.abandonEnablingIncr(*r.incr)
		}
		return fail(err)
	}
	n.bgSnapshot = s
	n.rewrite = r
	n.env.Logf("cache: background append only file rewriting started")
	return nil
}

// aofRewriteBaseWritten runs steps 4 and 5 once the new base is in place.
func (n *Node) aofRewriteBaseWritten(s *snapshot) {
	disk := n.aofDisk()
	r := n.rewrite
	n.rewrite = nil
	final := persist.Manifest{Base: &r.base}
	if r.incr != nil {
		i := slices.IndexFunc(n.manifest.Incrs, func(f persist.AOFFile) bool { return f.Name == r.incr.Name })
		final.Incrs = slices.Clone(n.manifest.Incrs[i:])
	}
	old := n.manifest
	if n.aof == nil || r.enabling {
		if m, ok, err := persist.ReadManifest(disk); err == nil && ok {
			old = m
		}
	}
	if err := persist.WriteManifest(disk, final); err != nil {
		_ = disk.Remove(r.base.Name)
		n.rewrite = r // aofRewriteFailed reads it
		n.aofRewriteFailed(s, err)
		return
	}
	if n.halt("rewrite: manifest swapped") {
		return
	}
	keep := map[string]bool{}
	for _, name := range final.Names() {
		keep[name] = true
	}
	for _, name := range old.Names() {
		if !keep[name] {
			if err := disk.Remove(name); err != nil && !errors.Is(err, node.ErrNotExist) {
				n.env.Logf("cache: removing old AOF file %s: %v", name, err)
			}
		}
	}
	if n.aof != nil {
		n.manifest = final
		n.aofOtherBytes = s.w.SizeBytes()
		for _, f := range final.Incrs[:len(final.Incrs)-1] {
			if data, err := disk.ReadFile(f.Name); err == nil {
				n.aofOtherBytes += int64(len(data))
			}
		}
		n.aofRewriteBaseBytes = n.aofCurrentBytes()
	}
	n.env.Metrics().Add("cache_aof_rewrites_total", 1)
	n.persistStats.rewriteEnded(n.env.Now().Sub(s.startedAt), nil)
	n.env.Logf("cache: background AOF rewrite finished successfully")
}

// aofRewriteFailed ends the rewrite whose base snapshot s was.
func (n *Node) aofRewriteFailed(s *snapshot, err error) {
	n.persistStats.rewriteEnded(n.env.Now().Sub(s.startedAt), err)
	if r := n.rewrite; r != nil && r.enabling && n.aof != nil {
		n.abandonEnablingIncr(*r.incr)
		n.env.Logf("cache: the AOF could not be turned on: %v", err)
	}
	n.rewrite = nil
	n.env.Logf("cache: background AOF rewrite failed: %v", err)
	n.env.Metrics().Add("cache_aof_rewrite_errors_total", 1)
}

// maybeAutoRewriteAOF starts a rewrite once the AOF outgrew its size after
// the last rewrite by AutoAOFRewritePercentage, as Redis's serverCron.
func (n *Node) maybeAutoRewriteAOF() {
	if n.aof == nil || n.aofErr != nil || n.cfg.AutoAOFRewritePercentage < 0 {
		return
	}
	current := n.aofCurrentBytes()
	if current < n.cfg.AutoAOFRewriteMinSizeBytes {
		return
	}
	base := max(n.aofRewriteBaseBytes, 1)
	if growthPercent := current*100/base - 100; growthPercent >= int64(n.cfg.AutoAOFRewritePercentage) {
		n.env.Logf("cache: starting automatic rewriting of AOF on %d%% growth", growthPercent)
		_ = n.startAOFRewrite()
	}
}
