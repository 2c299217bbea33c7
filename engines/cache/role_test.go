package cache

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"syslab/engines/cache/cluster"
	"syslab/engines/cache/resp"
	"syslab/node"
)

// value sends a command and runs the world until it is answered.
func (h *replHarness) value(to node.ID, line string) resp.Value {
	h.t.Helper()
	seq := h.send(to, line)
	for deadline := h.w.Now() + time.Second; h.w.Now() < deadline; h.w.Run(h.w.Now() + 100*time.Microsecond) {
		if v, ok := h.client.replies[seq]; ok {
			return v
		}
	}
	h.t.Fatalf("%s %q: no reply within 1s of virtual time", to, line)
	return resp.Value{}
}

func TestRoleMatchesRedisOnAFreshMaster(t *testing.T) {
	compareWithRedis(t, []string{"ROLE", "ROLE x"})
}

// kindTree renders a reply's types and nesting without its values:
// ROLE's addresses and offsets differ between two deployments, its
// shape must not.
func kindTree(v resp.Value) string {
	s := wire(resp.RESP2, v)[:1]
	if v.Kind != resp.Array {
		return s
	}
	parts := make([]string, len(v.Elems))
	for i, e := range v.Elems {
		parts[i] = kindTree(e)
	}
	return s + "[" + strings.Join(parts, " ") + "]"
}

// ROLE of a master with one online replica, and of that replica, have
// the shape redis-server 7.0 gives them, and the values the pair has.
func TestRoleOfAReplicationPair(t *testing.T) {
	h := newReplHarness(t, 1, Config{})
	h.settle(10 * time.Second)
	h.do(masterID, "SET a 1", time.Second)
	m := h.node(masterID)
	for deadline := h.w.Now() + 5*time.Second; ; h.w.Run(h.w.Now() + 10*time.Millisecond) {
		if rec := m.replicaRecord(replicaID); rec != nil && rec.state == replicaOnline && rec.ackOffset == m.repl.offset {
			break
		}
		if h.w.Now() > deadline {
			t.Fatalf("the replica did not ack offset %d", m.repl.offset)
		}
	}
	offset := strconv.FormatInt(m.repl.offset, 10)
	ours := map[string]resp.Value{"master": h.value(masterID, "ROLE"), "replica": h.value(replicaID, "ROLE")}
	wantMaster := `["master" (integer) ` + offset + ` [["cache-2" "0" "` + offset + `"]]]`
	if got := ours["master"].String(); got != wantMaster {
		t.Errorf("master ROLE = %s, want %s", got, wantMaster)
	}
	wantReplica := `["slave" "cache-1" (integer) 0 "connected" (integer) ` + offset + `]`
	if got := ours["replica"].String(); got != wantReplica {
		t.Errorf("replica ROLE = %s, want %s", got, wantReplica)
	}

	// The same pair of real redis-servers: the master on a random high
	// TCP port, since its replica connects over TCP.
	port := strconv.Itoa(20000 + rand.IntN(40000))
	master := startRedisServerIn(t, t.TempDir(), "--port", port, "--bind", "127.0.0.1", "--repl-diskless-sync-delay", "0")
	replica := startRedisServerIn(t, t.TempDir(), "--replicaof", "127.0.0.1", port)
	mc, rc := master.dial(), replica.dial()
	mc.doLine("SET a 1")
	deadline := time.Now().Add(redisStartTimeout)
	for {
		m, r := mc.doLine("ROLE"), rc.doLine("ROLE")
		if len(m.Elems) == 3 && len(m.Elems[2].Elems) == 1 && len(r.Elems) == 5 && string(r.Elems[3].Str) == "connected" {
			for name, theirs := range map[string]resp.Value{"master": m, "replica": r} {
				if got, want := kindTree(ours[name]), kindTree(theirs); got != want {
					t.Errorf("%s ROLE shape %s, redis-server's %s (%s)", name, got, want, theirs.String())
				}
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("real replica did not connect: master ROLE %s, replica ROLE %s", m.String(), r.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A replica that has not synced yet reports where its link is and
// offset -1, as Redis does before the master link exists.
func TestRoleOfAReplicaBeforeItSyncs(t *testing.T) {
	h := newReplHarness(t, 1, Config{})
	v := h.value(replicaID, "ROLE")
	if len(v.Elems) != 5 || string(v.Elems[0].Str) != "slave" {
		t.Fatalf("ROLE = %s", v.String())
	}
	if state := string(v.Elems[3].Str); state != "handshake" && state != "sync" || v.Elems[4].Int != -1 {
		t.Errorf("ROLE before the first sync = %s, want state handshake or sync and offset -1", v.String())
	}
}

// In cluster mode ROLE and INFO replication name the master and the
// replicas by the client address each announces to the cluster, not by
// the bus endpoint their messages travel to.
func TestClusterRoleAndInfoNameClientAddresses(t *testing.T) {
	h := newClusterHarness(t, 1, cluster.Bugs{})
	h.form()
	h.waitFor("cache-1 lists cache-4 online", 30*time.Second, func() bool {
		v := h.do("cache-1", "ROLE")
		return len(v.Elems) == 3 && len(v.Elems[2].Elems) == 1
	})
	if v := h.do("cache-1", "ROLE").Elems[2].Elems[0]; v.Elems[0].String() != `"cache-4"` || v.Elems[1].String() != `"6379"` {
		t.Errorf("cache-1's replica in ROLE = %s, want cache-4 at 6379", v.String())
	}
	if v := h.do("cache-4", "ROLE"); len(v.Elems) != 5 || v.Elems[1].String() != `"cache-1"` || v.Elems[2].Int != 6379 {
		t.Errorf("cache-4 ROLE = %s, want a replica of cache-1 at 6379", v.String())
	}
	info := func(id, field string) string {
		text := string(h.do(node.ID(id), "INFO", "replication").Str)
		for _, line := range strings.Split(text, "\r\n") {
			if v, ok := strings.CutPrefix(line, field+":"); ok {
				return v
			}
		}
		t.Fatalf("INFO replication of %s has no %s:\n%s", id, field, text)
		return ""
	}
	if got := info("cache-4", "master_host") + ":" + info("cache-4", "master_port"); got != "cache-1:6379" {
		t.Errorf("cache-4 INFO master_host:master_port = %s, want cache-1:6379", got)
	}
	if got := info("cache-1", "slave0"); !strings.HasPrefix(got, "ip=cache-4,port=6379,state=online,") {
		t.Errorf("cache-1 INFO slave0 = %s, want ip=cache-4,port=6379,state=online,…", got)
	}
}
