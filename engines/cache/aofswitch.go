package cache

// Turning the AOF on and off at runtime (CONFIG SET appendonly), as Redis
// 7.0's startAppendOnly and stopAppendOnly do.
//
// On: writes from this instant go to a new incremental file, and a
// rewrite writes the keyspace as of this instant into a new base
// (aofrewrite.go). Until that base is in place no manifest names the new
// files — the disk's old manifest, if any, stands — so a crash meanwhile
// leaves them as orphans that the next start with the AOF removes. When
// a BGSAVE is running the rewrite waits for it (as Redis schedules it);
// a rewrite already running with the AOF off is dropped and started
// anew, since it was not collecting the writes.
//
// Off: the AOF is flushed, synced and closed; a rewrite in progress is
// dropped. A failed write no longer refuses writes, there being no log.

import (
	"errors"
	"fmt"

	"syslab/engines/cache/persist"
)

// startAppendOnly turns the AOF on.
func (n *Node) startAppendOnly() error {
	if n.env.Disk() == nil {
		return errors.New("this node has no disk")
	}
	if s := n.bgSnapshot; s != nil && s.purpose == purposeRDB {
		n.cfg.AppendOnly = true
		n.aofRewriteScheduled = true // snapshotCron starts it, enabling
		n.env.Logf("cache: AOF was enabled but a background save is running; an AOF background was scheduled to start when possible")
		return nil
	}
	if n.exec != nil && n.bgSnapshot == nil {
		n.cfg.AppendOnly = true
		n.aofRewriteScheduled = true
		n.env.Logf("cache: AOF was enabled during a transaction; an AOF background was scheduled to start when possible")
		return nil
	}
	if s := n.bgSnapshot; s != nil {
		n.env.Logf("cache: AOF was enabled during a background rewrite; stopping it and starting a new one")
		n.bgSnapshot, n.rewrite = nil, nil
		s.abort(n.env.Disk())
	}
	n.cfg.AppendOnly = true
	return n.startAOFRewrite() // on failure it turned AppendOnly off again
}

// stopAppendOnly turns the AOF off.
func (n *Node) stopAppendOnly() {
	n.cfg.AppendOnly = false
	n.aofRewriteScheduled = false
	if s := n.bgSnapshot; s != nil && s.purpose == purposeAOFBase {
		n.env.Logf("cache: AOF was disabled during a background rewrite; stopping it")
		r := n.rewrite
		n.bgSnapshot, n.rewrite = nil, nil
		s.abort(n.env.Disk())
		if r != nil && r.enabling {
			n.abandonEnablingIncr(*r.incr)
			return
		}
	}
	if n.aof == nil {
		return
	}
	err := n.aof.Flush()
	if err == nil {
		err = n.aof.Sync()
	}
	if err != nil {
		n.env.Logf("cache: flushing the AOF as it is turned off: %v", err)
	}
	_ = n.aof.Close()
	n.aof, n.aofErr = nil, nil
	n.env.Logf("cache: AOF turned off")
}

// openEnablingIncr creates the incremental file that takes the writes
// while the AOF is being turned on, numbered after old's files, and makes
// it the node's AOF; no manifest lists it yet.
func (n *Node) openEnablingIncr(old persist.Manifest) (persist.AOFFile, error) {
	disk := n.aofDisk()
	incr := persist.AOFFile{Name: persist.IncrName(old.NextIncrSeq()), Seq: old.NextIncrSeq(), Type: persist.AOFTypeIncr}
	if err := createEmpty(disk, incr.Name); err != nil {
		return incr, err
	}
	aof, err := persist.OpenAOF(disk, incr.Name)
	if err != nil {
		_ = disk.Remove(incr.Name)
		return incr, fmt.Errorf("open %s: %w", incr.Name, err)
	}
	n.aof, n.aofErr = aof, nil
	n.manifest = persist.Manifest{Incrs: []persist.AOFFile{incr}}
	n.aofOtherBytes = 0
	n.setAppendFsync(n.cfg.AppendFsync) // arms the everysec timer
	return incr, nil
}

// abandonEnablingIncr undoes openEnablingIncr: the AOF is off again.
func (n *Node) abandonEnablingIncr(incr persist.AOFFile) {
	if n.aof != nil {
		_ = n.aof.Close()
	}
	_ = n.aofDisk().Remove(incr.Name)
	n.aof, n.aofErr = nil, nil
	n.manifest = persist.Manifest{}
	n.cfg.AppendOnly = false
}
