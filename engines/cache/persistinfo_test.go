package cache

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"
)

// infoFields parses an INFO reply's "name:value" lines.
func infoFields(t *testing.T, info string) (map[string]string, []string) {
	t.Helper()
	fields := map[string]string{}
	var order []string
	for _, line := range strings.Split(strings.Trim(info, `"`), `\r\n`) {
		if name, value, ok := strings.Cut(line, ":"); ok {
			fields[name] = value
			order = append(order, name)
		}
	}
	if len(order) == 0 {
		t.Fatalf("no fields in %q", info)
	}
	return fields, order
}

// Tools wait on INFO persistence's in-progress flags (Redis's own tests
// poll rdb_bgsave_in_progress and aof_rewrite_in_progress), so they show
// a background save or rewrite while it runs and the counters after.
func TestInfoPersistenceFollowsBackgroundWork(t *testing.T) {
	h := newSimHarness(t, 5, Config{AppendOnly: true, AppendFsync: FsyncAlways}, realDisk)
	for i := range 2000 { // enough that a snapshot takes more than one tick
		h.do(fmt.Sprintf("SET key:%s:%d %s", strings.Repeat("x", 200), i, strings.Repeat("v", 300)))
	}
	info := func() map[string]string {
		f, _ := infoFields(t, h.do("INFO persistence"))
		return f
	}
	want := func(f map[string]string, name, value string) {
		t.Helper()
		if f[name] != value {
			t.Errorf("%s = %q, want %q", name, f[name], value)
		}
	}
	f := info()
	want(f, "rdb_bgsave_in_progress", "0")
	want(f, "rdb_saves", "0")
	want(f, "rdb_last_bgsave_time_sec", "-1")
	want(f, "aof_enabled", "1")
	want(f, "aof_rewrites", "0")
	h.expect("BGSAVE", `"Background saving started"`)
	f = info()
	want(f, "rdb_bgsave_in_progress", "1")
	want(f, "rdb_current_bgsave_time_sec", "0")
	h.waitFor("bgsave", 10*time.Second, func() bool { return h.node().bgSnapshot == nil })
	f = info()
	want(f, "rdb_bgsave_in_progress", "0")
	want(f, "rdb_current_bgsave_time_sec", "-1")
	want(f, "rdb_saves", "1")
	want(f, "rdb_last_bgsave_status", "ok")
	want(f, "rdb_last_bgsave_time_sec", "0")
	h.expect("BGREWRITEAOF", `"Background append only file rewriting started"`)
	f = info()
	want(f, "aof_rewrite_in_progress", "1")
	h.waitFor("rewrite", 10*time.Second, func() bool { return h.node().bgSnapshot == nil })
	f = info()
	want(f, "aof_rewrite_in_progress", "0")
	want(f, "aof_rewrites", "1")
	want(f, "aof_last_bgrewrite_status", "ok")
	want(f, "aof_last_rewrite_time_sec", "0")
	base, _ := strconv.Atoi(f["aof_base_size"])
	current, _ := strconv.Atoi(f["aof_current_size"])
	if base < 2000*500 || current < base {
		t.Errorf("aof_current_size %s, aof_base_size %s after a rewrite", f["aof_current_size"], f["aof_base_size"])
	}
}

// Every field the node reports is one redis-server 7.0 reports, in the
// same order.
func TestInfoPersistenceFieldsAreRedis(t *testing.T) {
	redis := startRedisServer(t)
	c := redis.dial()
	c.doLine("CONFIG SET appendonly yes")
	theirs, theirOrder := infoFields(t, c.doLine("INFO persistence").String())
	h := newSimHarness(t, 5, Config{AppendOnly: true, AppendFsync: FsyncAlways}, realDisk)
	_, ourOrder := infoFields(t, h.do("INFO persistence"))
	at := 0
	for _, name := range ourOrder {
		if _, ok := theirs[name]; !ok {
			t.Errorf("field %s is not in redis-server's INFO persistence", name)
			continue
		}
		for at < len(theirOrder) && theirOrder[at] != name {
			at++
		}
		if at == len(theirOrder) {
			t.Errorf("field %s out of redis-server's order %v", name, theirOrder)
			return
		}
	}
}
