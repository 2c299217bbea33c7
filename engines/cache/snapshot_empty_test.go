package cache

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"syslab/engines/cache/persist"
)

// An RDB file holding empty collections loads in Redis 7.0, which skips
// them; it loads here too, the same way.
func TestEmptyCollectionsInRDBAreSkippedAsRedisDoes(t *testing.T) {
	var buf bytes.Buffer
	w := persist.NewRDBWriter(&buf, persist.RDBHeader{CtimeSeconds: 1767225600})
	w.WriteString([]byte("keep"), []byte("v"), 0)
	w.WriteList([]byte("list"), nil, 0)
	w.WriteSet([]byte("set"), nil, 0)
	w.WriteHash([]byte("hash"), nil, 0)
	w.WriteZSet([]byte("zset"), nil, nil, 0)
	if err := w.Finish(); err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "dump.rdb"), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	real := startRedisServerIn(t, dir).dial()
	if got := real.doLine("DBSIZE").String(); got != "(integer) 1" {
		t.Fatalf("redis-server: DBSIZE = %s, want 1", got)
	}

	n, env := startNode(t, Config{})
	if err := persist.LoadRDB(buf.Bytes(), &rdbLoader{node: n, skipExpired: true, nowMillis: env.now.UnixMilli()}); err != nil {
		t.Fatalf("the node refused the file: %v", err)
	}
	if got := do(n, env, "c", "DBSIZE"); got != "(integer) 1" {
		t.Fatalf("node: DBSIZE = %s, want 1", got)
	}
	if got := do(n, env, "c", "TYPE list"); got != `"none"` {
		t.Fatalf("node: TYPE list = %s, want none", got)
	}
	logs := strings.Join(env.logs, "\n")
	for _, key := range []string{"list", "set", "hash", "zset"} {
		if !strings.Contains(logs, `skipping empty `+key+` key "`+key+`"`) {
			t.Errorf("no warning about the empty %s in the logs:\n%s", key, logs)
		}
	}
}
