package cache

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"syslab/engines/cache/persist"
	"syslab/node"
)

// appendonly yes during a BGSAVE waits for it, as Redis schedules the
// rewrite; once the rewrite ran, a manifest names the new base and incr.
// appendonly no drops a rewrite in progress and the files it was making.
func TestSimAppendOnlySwitchedAtRuntime(t *testing.T) {
	h := newSimHarness(t, 9, Config{}, realDisk)
	for i := range 2000 {
		h.do(fmt.Sprintf("SET key:%d %s", i, strings.Repeat("v", 400)))
	}
	info := func() map[string]string {
		f, _ := infoFields(t, h.do("INFO persistence"))
		return f
	}
	h.expect("BGSAVE", `"Background saving started"`)
	h.expect("CONFIG SET appendonly yes", `"OK"`)
	if f := info(); f["aof_rewrite_scheduled"] != "1" || f["rdb_bgsave_in_progress"] != "1" {
		t.Fatalf("during the BGSAVE: scheduled %s, bgsave %s", f["aof_rewrite_scheduled"], f["rdb_bgsave_in_progress"])
	}
	h.waitFor("the rewrite that turns the AOF on", 10*time.Second, func() bool {
		f := info()
		return f["aof_rewrites"] == "1" && f["aof_rewrite_in_progress"] == "0"
	})
	if f := info(); f["aof_enabled"] != "1" || f["aof_rewrite_scheduled"] != "0" {
		t.Fatalf("after the rewrite: aof_enabled %s, scheduled %s", f["aof_enabled"], f["aof_rewrite_scheduled"])
	}
	m, ok, err := persist.ReadManifest(node.Sub(h.w.Disk(cacheID), persist.AOFDirName))
	if err != nil || !ok || m.Base == nil || len(m.Incrs) != 1 {
		t.Fatalf("manifest after turning the AOF on: %+v, %v, %v", m, ok, err)
	}

	h.expect("CONFIG SET appendonly no", `"OK"`)
	h.expect("CONFIG SET appendonly yes", `"OK"`)
	if f := info(); f["aof_rewrite_in_progress"] != "1" {
		t.Fatal("no rewrite running after appendonly yes")
	}
	before := h.files()
	h.expect("CONFIG SET appendonly no", `"OK"`)
	after := h.files()
	if f := info(); f["aof_enabled"] != "0" || f["aof_rewrite_in_progress"] != "0" {
		t.Fatalf("after appendonly no: aof_enabled %s, rewrite %s", f["aof_enabled"], f["aof_rewrite_in_progress"])
	}
	if strings.Count(after, "incr") >= strings.Count(before, "incr") || strings.Contains(after, aofRewriteTempName) {
		t.Fatalf("the abandoned rewrite's files stayed: before %q, after %q", before, after)
	}
	if m2, _, _ := persist.ReadManifest(node.Sub(h.w.Disk(cacheID), persist.AOFDirName)); m2.Base.Name != m.Base.Name {
		t.Fatalf("the abandoned rewrite changed the manifest: %+v", m2)
	}
	h.expect("SET still 1", `"OK"`) // writes are not refused with the AOF off
	// The everysec timer armed while the AOF was on keeps ticking: with
	// no AOF it must find nothing to sync (it once dereferenced nil).
	h.w.Run(h.w.Now() + 3*time.Second)
	h.expect("GET still", `"1"`)
}
