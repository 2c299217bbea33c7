package cache

import "time"

// INFO persistence, with Redis 7.0's field names and order. Fields about
// fork and copy-on-write are left out: the node snapshots without forking
// (snapshot.go), so it has no such figures to give.

// persistStats are the counters behind INFO persistence that no other
// state keeps.
type persistStats struct {
	// rdbSaves counts the snapshots SAVE and BGSAVE (or a save rule)
	// began, as Redis's stat_rdb_saves: not the saves of FLUSHALL or
	// SHUTDOWN.
	rdbSaves int64
	// lastBgsaveSeconds is how long the last background save took; -1
	// before the first.
	lastBgsaveSeconds int64
	// aofRewrites counts finished rewrites; lastRewriteSeconds is the last
	// one's duration (-1 before the first), lastRewriteErr its failure.
	aofRewrites             int64
	aofRewriteFailuresInRow int64
	lastRewriteSeconds      int64
	lastRewriteErr          error
}

func newPersistStats() persistStats {
	return persistStats{lastBgsaveSeconds: -1, lastRewriteSeconds: -1}
}

// rewriteEnded records a rewrite that took took and failed with err (nil:
// it succeeded).
func (p *persistStats) rewriteEnded(took time.Duration, err error) {
	p.lastRewriteSeconds = int64(took / time.Second)
	p.lastRewriteErr = err
	if err != nil {
		p.aofRewriteFailuresInRow++
		return
	}
	p.aofRewrites++
	p.aofRewriteFailuresInRow = 0
}

func (n *Node) writePersistenceInfo(field func(string, any)) {
	now := n.env.Now()
	running := func(purpose snapshotPurpose) (inProgress int, seconds int64) {
		if s := n.bgSnapshot; s != nil && s.purpose == purpose {
			return 1, int64(now.Sub(s.startedAt) / time.Second)
		}
		return 0, -1
	}
	status := func(err error) string {
		if err != nil {
			return "err"
		}
		return "ok"
	}
	p := &n.persistStats
	field("loading", 0)
	field("async_loading", 0)
	field("rdb_changes_since_last_save", n.dirty)
	bgsaving, bgsaveSeconds := running(purposeRDB)
	field("rdb_bgsave_in_progress", bgsaving)
	field("rdb_last_save_time", n.lastSaveUnix)
	field("rdb_last_bgsave_status", status(n.lastBgsaveErr))
	field("rdb_last_bgsave_time_sec", p.lastBgsaveSeconds)
	field("rdb_current_bgsave_time_sec", bgsaveSeconds)
	field("rdb_saves", p.rdbSaves)
	aofEnabled := 0
	if n.aof != nil {
		aofEnabled = 1
	}
	field("aof_enabled", aofEnabled)
	rewriting, rewriteSeconds := running(purposeAOFBase)
	field("aof_rewrite_in_progress", rewriting)
	field("aof_rewrite_scheduled", boolInt(n.aofRewriteScheduled))
	field("aof_last_rewrite_time_sec", p.lastRewriteSeconds)
	field("aof_current_rewrite_time_sec", rewriteSeconds)
	field("aof_last_bgrewrite_status", status(p.lastRewriteErr))
	field("aof_rewrites", p.aofRewrites)
	field("aof_rewrites_consecutive_failures", p.aofRewriteFailuresInRow)
	field("aof_last_write_status", status(n.aofErr))
	field("module_fork_in_progress", 0)
	if n.aof != nil {
		field("aof_current_size", n.aofCurrentBytes())
		field("aof_base_size", n.aofRewriteBaseBytes)
		field("aof_pending_rewrite", boolInt(n.aofRewriteScheduled))
		field("aof_buffer_length", n.aof.PendingBytes())
		// Syncs run inline (no background fsync thread), so none is
		// pending and none was ever postponed.
		field("aof_pending_bio_fsync", 0)
		field("aof_delayed_fsync", 0)
	}
}
