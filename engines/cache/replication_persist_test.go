package cache

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"syslab/engines/cache/persist"
)

// A replica restarted from its own snapshot asks its master to continue
// from the snapshot's replication position: +CONTINUE when the master's
// backlog still holds what the replica missed, a full sync otherwise.
func TestRestartedReplicaResumesFromItsSnapshot(t *testing.T) {
	for _, c := range []struct {
		name         string
		backlogBytes int64
		downWrites   time.Duration // write load while the replica is down
		wantFull     int64
	}{
		{"backlog holds the gap", 1 << 20, 300 * time.Millisecond, 0},
		{"gap outgrew the backlog", 16 << 10, 3 * time.Second, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newReplHarness(t, 11, Config{ReplBacklogSizeBytes: c.backlogBytes, Save: ""})
			h.writeLoad(time.Millisecond, 300*time.Millisecond)
			h.settle(2 * time.Second)
			if got := h.do(replicaID, "SAVE", time.Second); got != `"OK"` {
				t.Fatalf("SAVE on the replica = %s", got)
			}
			saved := h.node(replicaID).repl.link.offset
			h.writeLoad(time.Millisecond, h.w.Now()+100*time.Millisecond) // past the snapshot
			h.w.Crash(replicaID)
			h.writeLoad(time.Millisecond, h.w.Now()+c.downWrites)
			h.w.Restart(replicaID)
			h.writeLoad(time.Millisecond, h.w.Now()+50*time.Millisecond)
			h.settle(5 * time.Second)
			h.datasetsEqual()
			st := h.node(replicaID).Stats()
			if st.FullSyncsLoaded != c.wantFull || st.PartialResyncs != 1-c.wantFull {
				t.Fatalf("restarted from a snapshot at offset %d (master now at %d): %d full syncs, %d partial resyncs; want %d and %d",
					saved, h.node(masterID).repl.offset, st.FullSyncsLoaded, st.PartialResyncs, c.wantFull, 1-c.wantFull)
			}
		})
	}
}

// Without a snapshot position (a node that never replicated) a restarted
// replica does a full sync, and a master restarted from a snapshot that
// has one does not start following anybody.
func TestSnapshotPositionIsOnlyForARestartedReplica(t *testing.T) {
	h := newReplHarness(t, 12, Config{Save: ""})
	h.writeLoad(time.Millisecond, 200*time.Millisecond)
	h.settle(2 * time.Second)
	if got := h.do(masterID, "SAVE", time.Second); got != `"OK"` {
		t.Fatalf("SAVE on the master = %s", got)
	}
	h.w.Crash(masterID)
	h.w.Restart(masterID)
	h.w.Run(h.w.Now() + 100*time.Millisecond)
	if m := h.node(masterID); m.isReplica() || m.repl.restored != nil {
		t.Fatalf("restarted master: replica %v, restored position %+v kept", m.isReplica(), m.repl.restored)
	}
}

// The position is written as redis-server 7.0 writes it: a real replica's
// dump.rdb has repl-stream-db, repl-id and repl-offset, and ours the same
// AUX fields, which a real redis-server loads.
func TestSnapshotReplicationAuxMatchesRedis(t *testing.T) {
	port := strconv.Itoa(20000 + rand.IntN(40000))
	master := startRedisServerIn(t, t.TempDir(), "--port", port, "--bind", "127.0.0.1", "--repl-diskless-sync-delay", "0")
	replicaDir := t.TempDir()
	replica := startRedisServerIn(t, replicaDir, "--replicaof", "127.0.0.1", port)
	mc, rc := master.dial(), replica.dial()
	for deadline := time.Now().Add(redisStartTimeout); ; time.Sleep(20 * time.Millisecond) {
		mc.doLine("SET a 1") // moves the offset past 0 once the replica is attached
		if role := rc.doLine("ROLE"); len(role.Elems) == 5 && string(role.Elems[3].Str) == "connected" && role.Elems[4].Int > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the real replica did not connect")
		}
	}
	rc.doLine("SAVE")
	data, err := os.ReadFile(filepath.Join(replicaDir, "dump.rdb"))
	if err != nil {
		t.Fatal(err)
	}
	theirs := auxKeys(t, data)

	var buf bytes.Buffer
	w := persist.NewRDBWriter(&buf, persist.RDBHeader{CtimeSeconds: 1, Replication: &persist.RDBReplication{
		ReplID: string(bytes.Repeat([]byte("a"), replIDBytes)), Offset: 1234, StreamDB: 0}})
	if err := w.Finish(); err != nil {
		t.Fatal(err)
	}
	ours := auxKeys(t, buf.Bytes())
	if got, want := bytes.Join(ours, []byte(" ")), bytes.Join(theirs, []byte(" ")); !bytes.Equal(got, want) {
		t.Errorf("AUX fields in order:\n ours  %s\n redis %s", got, want)
	}
	aux := &replicationAux{}
	_ = persist.LoadRDB(data, auxCollector(aux.add))
	if p := aux.position(16); p == nil || p.Offset <= 0 {
		t.Errorf("the real replica's dump.rdb read as position %+v", p)
	}
	// A real redis-server loads our file.
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "dump.rdb"), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	startRedisServerIn(t, dir).dial().doLine("PING")
}

// auxKeys lists the AUX field names of an RDB file, in order.
func auxKeys(t *testing.T, data []byte) [][]byte {
	t.Helper()
	var keys [][]byte
	if err := persist.LoadRDB(data, auxCollector(func(k, _ []byte) error {
		keys = append(keys, bytes.Clone(k))
		return nil
	})); err != nil {
		t.Fatalf("loading the RDB: %v", err)
	}
	return keys
}

// auxCollector is an RDB handler that only reads AUX fields.
type auxCollector func(key, value []byte) error

func (a auxCollector) Aux(key, value []byte) error { return a(key, value) }

func (auxCollector) SelectDB(int) error                             { return nil }
func (auxCollector) String(persist.RDBKey, []byte) error            { return nil }
func (auxCollector) List(persist.RDBKey, [][]byte) error            { return nil }
func (auxCollector) Set(persist.RDBKey, [][]byte) error             { return nil }
func (auxCollector) Hash(persist.RDBKey, [][]byte) error            { return nil }
func (auxCollector) ZSet(persist.RDBKey, [][]byte, []float64) error { return nil }

// FuzzReplicationAux: any AUX values read without a panic, and a position
// is only ever one a PSYNC can carry.
func FuzzReplicationAux(f *testing.F) {
	f.Add([]byte("0123456789012345678901234567890123456789"), []byte("1234"), []byte("0"))
	f.Add([]byte("short"), []byte("-1"), []byte("99"))
	f.Add([]byte(""), []byte("x"), []byte(""))
	f.Fuzz(func(t *testing.T, id, offset, db []byte) {
		a := &replicationAux{}
		for _, kv := range [][2][]byte{{[]byte(persist.AuxReplID), id}, {[]byte(persist.AuxReplOffset), offset}, {[]byte(persist.AuxReplStreamDB), db}} {
			if err := a.add(kv[0], kv[1]); err != nil {
				t.Fatalf("add %s: %v", kv[0], err)
			}
		}
		if p := a.position(16); p != nil && (len(p.ReplID) != replIDBytes || p.Offset < 0 || p.StreamDB < 0 || p.StreamDB >= 16) {
			t.Fatalf("position %+v from id %q offset %q db %q", p, id, offset, db)
		}
	})
}
