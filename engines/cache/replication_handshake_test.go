package cache

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
	"time"

	"syslab/engines/cache/persist"
	"syslab/node"
)

var replID40 = strings.Repeat("7", 40)

// replMessages returns the replication messages the node sent to, since
// index from of env.messages.
func replMessages(env *testEnv, from int) []node.Message {
	var out []node.Message
	for _, m := range env.messages[from:] {
		if _, limits := m.(OutputLimits); !limits { // the connection's new class, not the stream
			out = append(out, m)
		}
	}
	return out
}

// streamSent joins the ReplStream data sent since index from.
func streamSent(env *testEnv, from int) string {
	var b strings.Builder
	for _, m := range env.messages[from:] {
		if s, ok := m.(ReplStream); ok {
			b.Write(s.Data)
		}
	}
	return b.String()
}

// replInfo reads one field of the node's INFO replication.
func replInfo(n *Node, env *testEnv, field string) string {
	return nodeInfo(n, env, "replication", field)
}

// nodeInfo reads one field of a section of the node's INFO.
func nodeInfo(n *Node, env *testEnv, section, field string) string {
	n.Receive("info-client", Command{Args: [][]byte{[]byte("INFO"), []byte(section)}})
	return infoField(string(env.replies[len(env.replies)-1].Value.Str), field)
}

func TestPSYNCFromAConnectionGetsSnapshotThenStream(t *testing.T) {
	n, env := startNode(t, Config{})
	const writer, replica node.ID = "conn-1", "conn-2"
	do(n, env, writer, "SET k v")
	n.Receive(replica, Connected{Addr: "10.0.0.7:51000"})
	for _, line := range []string{"REPLCONF listening-port 6390", "REPLCONF capa eof capa psync2"} {
		if got := do(n, env, replica, line); got != `"OK"` {
			t.Fatalf("%s: %q", line, got)
		}
	}
	mark := len(env.messages)
	do(n, env, replica, "PSYNC ? -1")
	if last := env.replies[len(env.replies)-1]; !last.Silent {
		t.Fatalf("PSYNC's own reply must not be written: %+v", last)
	}
	msgs := replMessages(env, mark)
	if len(msgs) != 2 {
		t.Fatalf("PSYNC ? -1 sent %d messages, want +FULLRESYNC and one RDB chunk: %#v", len(msgs), msgs)
	}
	full, ok := msgs[0].(ReplFullResync)
	chunk, ok2 := msgs[1].(ReplRDBChunk)
	if !ok || !ok2 || full.Legacy || full.Bytes != len(chunk.Data) || !bytes.HasPrefix(chunk.Data, []byte("REDIS0010")) {
		t.Fatalf("full sync: %+v, chunk of %d bytes", msgs[0], len(chunk.Data))
	}
	if len(full.ReplID) != replIDBytes || full.Offset != 0 {
		t.Fatalf("+FULLRESYNC %q %d: want a 40-digit replid at offset 0", full.ReplID, full.Offset)
	}
	if got := replInfo(n, env, "slave0"); got != "ip=10.0.0.7,port=6390,state=send_bulk,offset=0,lag=0" {
		t.Fatalf("slave0 before the first ack: %q", got)
	}

	mark = len(env.messages)
	do(n, env, writer, "SET k2 v2")
	wantStream := "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$2\r\nk2\r\n$2\r\nv2\r\n"
	if got := streamSent(env, mark); got != wantStream {
		t.Fatalf("stream after SET: %q, want %q", got, wantStream)
	}
	offset := int64(len(wantStream))
	do(n, env, replica, "REPLCONF ACK "+strconv.FormatInt(offset, 10))
	if last := env.replies[len(env.replies)-1]; !last.Silent {
		t.Fatal("REPLCONF ACK must not be answered")
	}
	if got := replInfo(n, env, "slave0"); got != "ip=10.0.0.7,port=6390,state=online,offset="+strconv.FormatInt(offset, 10)+",lag=0" {
		t.Fatalf("slave0 after the ack: %q", got)
	}
	if got := do(n, env, writer, "CLIENT LIST TYPE replica"); !strings.Contains(got, "addr=10.0.0.7:51000") || !strings.Contains(got, "flags=S") {
		t.Fatalf("CLIENT LIST TYPE replica: %q", got)
	}

	// WAIT asks for acks inside the stream, and returns once one comes.
	do(n, env, writer, "SET k3 v3")
	mark = len(env.messages)
	waitSeq := uint64(len(env.replies))
	n.Receive(writer, Command{Seq: waitSeq, Args: [][]byte{[]byte("WAIT"), []byte("1"), []byte("0")}})
	if got := streamSent(env, mark); got != "*3\r\n$8\r\nREPLCONF\r\n$6\r\nGETACK\r\n$1\r\n*\r\n" {
		t.Fatalf("WAIT put %q into the stream, want REPLCONF GETACK *", got)
	}
	do(n, env, replica, "REPLCONF ACK "+strconv.FormatInt(n.repl.offset, 10))
	// The ack releases WAIT, then the ack's own silent reply follows.
	if got := env.replies[len(env.replies)-2]; got.Seq != waitSeq || got.Value.String() != "(integer) 1" {
		t.Fatalf("WAIT after the ack: %+v", got)
	}

	// An ack past what was sent is not believed.
	do(n, env, replica, "REPLCONF ACK 999999")
	if got := replInfo(n, env, "slave0"); strings.Contains(got, "offset=999999") {
		t.Fatalf("an ack past the master's offset was taken: %q", got)
	}

	// Every repl-ping-replica-period the stream carries a PING.
	mark = len(env.messages)
	env.Advance(10 * time.Second)
	if got := streamSent(env, mark); !strings.Contains(got, "*1\r\n$4\r\nPING\r\n") {
		t.Fatalf("no PING in the stream after 10 s: %q", got)
	}

	n.Receive(replica, Disconnected{})
	if got := replInfo(n, env, "connected_slaves"); got != "0" {
		t.Fatalf("connected_slaves after the replica hung up: %s", got)
	}
}

func TestPSYNCContinuesFromTheBacklog(t *testing.T) {
	n, env := startNode(t, Config{})
	do(n, env, "conn-1", "PSYNC ? -1")
	full := env.messages[0].(ReplFullResync)
	do(n, env, "w", "SET a 1")
	do(n, env, "w", "SET b 2")
	stream := streamSent(env, 0)
	first := strings.Index(stream, "*3\r\n$3\r\nSET\r\n$1\r\nb")
	n.Receive("conn-1", Disconnected{})

	// The replica had everything up to SET b: it asks for the byte after.
	mark := len(env.messages)
	do(n, env, "conn-2", "PSYNC "+full.ReplID+" "+strconv.Itoa(first+1))
	msgs := replMessages(env, mark)
	cont, ok := msgs[0].(ReplContinue)
	if !ok || cont.ReplID != full.ReplID {
		t.Fatalf("PSYNC with a known history: %#v", msgs)
	}
	if got := streamSent(env, mark); got != stream[first:] {
		t.Fatalf("continuation sent %q, want %q", got, stream[first:])
	}
	if got := replInfo(n, env, "slave0"); !strings.Contains(got, "state=online") {
		t.Fatalf("slave0 after +CONTINUE: %q", got)
	}

	// An unknown history gets a full sync.
	mark = len(env.messages)
	do(n, env, "conn-3", "PSYNC 0123456789012345678901234567890123456789 5")
	if _, ok := replMessages(env, mark)[0].(ReplFullResync); !ok {
		t.Fatalf("PSYNC of another history: %#v", replMessages(env, mark))
	}
}

func TestSYNCAndRDBOnlyReplicas(t *testing.T) {
	n, env := startNode(t, Config{})
	do(n, env, "w", "SET k v")
	do(n, env, "old", "SYNC")
	if full, ok := env.messages[0].(ReplFullResync); !ok || !full.Legacy {
		t.Fatalf("SYNC: %#v, want a legacy full sync (no +FULLRESYNC line)", env.messages[0])
	}

	// redis-cli --rdb: the snapshot, then the connection closes.
	do(n, env, "rdb", "REPLCONF rdb-only 1")
	mark := len(env.messages)
	do(n, env, "rdb", "SYNC")
	if _, ok := env.messages[mark].(ReplFullResync); !ok {
		t.Fatalf("rdb-only SYNC: %#v", env.messages[mark:])
	}
	if len(env.closed) != 1 || env.closed[0] != "rdb" {
		t.Fatalf("closed %v, want the rdb-only connection closed after its snapshot", env.closed)
	}
	if got := replInfo(n, env, "connected_slaves"); got != "1" {
		t.Fatalf("connected_slaves %s: the rdb-only client is not a replica", got)
	}

	// redis-cli --replica: a snapshot without keys, which needs capa eof.
	do(n, env, "cli", "REPLCONF rdb-filter-only \"\"")
	if got := do(n, env, "cli", "SYNC"); got != "(error) ERR Filtered replica requires EOF capability" {
		t.Fatalf("filtered SYNC without capa eof: %q", got)
	}
	do(n, env, "cli", "REPLCONF capa eof")
	mark = len(env.messages)
	do(n, env, "cli", "SYNC")
	withKeys := env.messages[1].(ReplRDBChunk).Data
	empty := env.messages[mark+1].(ReplRDBChunk).Data
	for _, tc := range []struct {
		payload []byte
		keys    string
	}{{withKeys, "(integer) 1"}, {empty, "(integer) 0"}} {
		fresh, freshEnv := startNode(t, Config{})
		if err := persist.LoadRDB(tc.payload, &rdbLoader{node: fresh, nowMillis: freshEnv.now.UnixMilli()}); err != nil {
			t.Fatal(err)
		}
		if got := do(fresh, freshEnv, "c", "DBSIZE"); got != tc.keys {
			t.Fatalf("a replica loading the snapshot has %s keys, want %s", got, tc.keys)
		}
	}
}

func TestREPLCONFAndSYNCErrors(t *testing.T) {
	n, env := startNode(t, Config{})
	for _, tc := range []struct{ line, want string }{
		{"REPLCONF listening-port", "(error) ERR syntax error"},
		{"REPLCONF listening-port x", "(error) ERR value is not an integer or out of range"},
		{"REPLCONF bogus 1", "(error) ERR Unrecognized REPLCONF option: bogus"},
		{"REPLCONF rdb-only 2", "(error) ERR value is out of range, must be between 0 and 1"},
		{"REPLCONF rdb-filter-only keys", "(error) ERR Unsupported rdb-filter-only option: keys"},
		{"REPLCONF ip-address " + strings.Repeat("a", 300), "(error) ERR REPLCONF ip-address provided by replica instance is too long: 300 bytes"},
		{"PSYNC ? x", "(error) ERR value is not an integer or out of range"},
		{"PSYNC ?", "(error) ERR wrong number of arguments for 'psync' command"},
		{"SYNC x", "(error) ERR wrong number of arguments for 'sync' command"},
	} {
		if got := do(n, env, "c", tc.line); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.line, got, tc.want)
		}
	}
	do(n, env, "m", "MULTI")
	if got := do(n, env, "m", "SYNC"); got != "(error) ERR Command not allowed inside a transaction" {
		t.Errorf("SYNC in MULTI: %q", got)
	}
	// From a client that is not a replica, ACK is silently ignored.
	do(n, env, "c", "REPLCONF ACK 5")
	if last := env.replies[len(env.replies)-1]; !last.Silent {
		t.Error("REPLCONF ACK from a plain client was answered")
	}
}

func TestReplicaOfAnAddress(t *testing.T) {
	n, env := startNode(t, Config{PeersByAddress: true, MasterAuth: "s3cret", MasterUser: "repl"})
	if got := do(n, env, "c", "REPLICAOF 127.0.0.1 notaport"); got != "(error) ERR value is not an integer or out of range" {
		t.Fatalf("REPLICAOF with a bad port: %q", got)
	}
	if got := do(n, env, "c", "REPLICAOF 127.0.0.1 6379"); got != `"OK"` {
		t.Fatalf("REPLICAOF: %q", got)
	}
	sync, ok := env.messages[len(env.messages)-1].(ReplSync)
	if !ok || sync.ReplID != "?" || sync.MasterAuth != "s3cret" || sync.MasterUser != "repl" {
		t.Fatalf("REPLICAOF sent %#v, want a PSYNC ? with the master's login", env.messages)
	}
	if got := replInfo(n, env, "master_host") + ":" + replInfo(n, env, "master_port"); got != "127.0.0.1:6379" {
		t.Fatalf("master %s", got)
	}
	master := node.ID("127.0.0.1:6379")

	// The adapter reports a failed connection; the node tries again a
	// second later with a new attempt.
	n.Receive(master, ReplLinkBroken{Attempt: sync.Attempt, Why: "connection refused"})
	mark := len(env.messages)
	env.Advance(2 * time.Second)
	again, ok := env.messages[len(env.messages)-1].(ReplSync)
	if len(env.messages) == mark || !ok || again.Attempt <= sync.Attempt {
		t.Fatalf("after a broken link: %#v", env.messages[mark:])
	}

	// A snapshot and a stream with the master's PING and GETACK.
	n.Receive(master, ReplFullResync{ReplID: strings.Repeat("a", 40), Offset: 100, Attempt: again.Attempt, Chunks: 1})
	payload, err := n.rdbPayload(false)
	if err != nil {
		t.Fatal(err)
	}
	n.Receive(master, ReplRDBChunk{Attempt: again.Attempt, Data: payload})
	data := "*1\r\n$4\r\nPING\r\n*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$1\r\n1\r\n*3\r\n$8\r\nREPLCONF\r\n$6\r\nGETACK\r\n$1\r\n*\r\n"
	mark = len(env.messages)
	n.Receive(master, ReplStream{ReplID: strings.Repeat("a", 40), Offset: 100, Data: []byte(data)})
	if got := do(n, env, "c", "GET x"); got != "\"1\"" {
		t.Fatalf("GET x on the replica: %s", got)
	}
	ack, ok := env.messages[len(env.messages)-1].(ReplAck)
	if len(env.messages) == mark || !ok || ack.Offset != 100+int64(len(data)) {
		t.Fatalf("GETACK answered with %#v, want ReplAck at %d", env.messages[mark:], 100+len(data))
	}

	// +CONTINUE under a new replid (the master was promoted): adopted.
	n.Receive(master, ReplLinkBroken{Attempt: again.Attempt, Why: "reset"})
	env.Advance(2 * time.Second)
	third := env.messages[len(env.messages)-1].(ReplSync)
	if third.ReplID != strings.Repeat("a", 40) || third.Offset != ack.Offset {
		t.Fatalf("PSYNC after a break: %#v, want the history and offset applied", third)
	}
	n.Receive(master, ReplContinue{ReplID: strings.Repeat("b", 40), Attempt: third.Attempt})
	if got := replInfo(n, env, "master_replid"); got != strings.Repeat("b", 40) {
		t.Fatalf("replid after +CONTINUE with a new one: %s", got)
	}

	do(n, env, "c", "REPLICAOF NO ONE")
	if _, ok := env.messages[len(env.messages)-1].(ReplDetach); !ok {
		t.Fatalf("REPLICAOF NO ONE did not detach from the master: %#v", env.messages[len(env.messages)-1])
	}
}

// As in Redis 7.0, a transaction is wrapped in MULTI … EXEC in the stream
// only when it propagates more than one command.
func TestTransactionsInTheStream(t *testing.T) {
	n, env := startNode(t, Config{})
	do(n, env, "replica", "PSYNC ? -1")
	for _, tc := range []struct {
		commands []string
		want     string
	}{
		{[]string{"SET a 1"}, "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\n1\r\n"},
		{[]string{"SET a 2", "GET a", "SET b 3"}, "*1\r\n$5\r\nMULTI\r\n*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\n2\r\n*3\r\n$3\r\nSET\r\n$1\r\nb\r\n$1\r\n3\r\n*1\r\n$4\r\nEXEC\r\n"},
		{[]string{"GET a"}, ""},
	} {
		mark := len(env.messages)
		do(n, env, "w", "MULTI")
		for _, c := range tc.commands {
			do(n, env, "w", c)
		}
		do(n, env, "w", "EXEC")
		if got := streamSent(env, mark); got != tc.want {
			t.Errorf("MULTI %v EXEC put %q into the stream, want %q", tc.commands, got, tc.want)
		}
	}
}

func TestReplicaServeStaleDataNo(t *testing.T) {
	n, env := startNode(t, Config{PeersByAddress: true})
	do(n, env, "c", "SET k v")
	do(n, env, "c", "REPLICAOF 127.0.0.1 6379") // never answers: the link stays down
	if got := do(n, env, "c", "GET k"); got != `"v"` {
		t.Fatalf("GET on a replica serving stale data: %s", got)
	}
	do(n, env, "c", "CONFIG SET replica-serve-stale-data no")
	if got := do(n, env, "c", "GET k"); got != "(error) MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'." {
		t.Fatalf("GET with replica-serve-stale-data no: %s", got)
	}
	// Queued while the link was up does not help: EXEC checks again.
	do(n, env, "c", "REPLICAOF NO ONE")
	do(n, env, "c", "MULTI")
	do(n, env, "c", "GET k")
	do(n, env, "other", "REPLICAOF 127.0.0.1 6379")
	if got := do(n, env, "c", "EXEC"); !strings.HasPrefix(got, "(error) EXECABORT Transaction discarded because of: MASTERDOWN") {
		t.Fatalf("EXEC of a GET queued before the link went down: %s", got)
	}
	for _, allowed := range []string{"ROLE", "CONFIG GET replica-serve-stale-data", "INFO replication"} {
		if got := do(n, env, "c", allowed); strings.Contains(got, "MASTERDOWN") {
			t.Errorf("%s refused: %s", allowed, got)
		}
	}
	do(n, env, "c", "REPLICAOF NO ONE")
	if got := do(n, env, "c", "GET k"); got != `"v"` {
		t.Fatalf("GET on a master: %s", got)
	}
}

// PUBLISH goes to the replicas (their subscribers hear it), not to the AOF.
func TestPublishReachesReplicas(t *testing.T) {
	n, env := startNode(t, Config{})
	do(n, env, "replica", "PSYNC ? -1")
	mark := len(env.messages)
	do(n, env, "w", "PUBLISH news hello")
	if got := streamSent(env, mark); got != "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$7\r\nPUBLISH\r\n$4\r\nnews\r\n$5\r\nhello\r\n" {
		t.Fatalf("stream after PUBLISH: %q", got)
	}
	if got := nodeInfo(n, env, "persistence", "rdb_changes_since_last_save"); got != "0" {
		t.Fatalf("PUBLISH counted as a change: rdb_changes_since_last_save:%s", got)
	}
}

// syncedReplica is a standalone node that followed a master at
// 127.0.0.1:6379 through an empty full sync at offset 0 of replID40.
func syncedReplica(t *testing.T) (*Node, *testEnv, node.ID) {
	t.Helper()
	n, env := startNode(t, Config{PeersByAddress: true})
	do(n, env, "c", "REPLICAOF 127.0.0.1 6379")
	sync := env.messages[len(env.messages)-1].(ReplSync)
	master := node.ID("127.0.0.1:6379")
	n.Receive(master, ReplFullResync{ReplID: replID40, Offset: 0, Attempt: sync.Attempt, Chunks: 1})
	payload, err := n.rdbPayload(false)
	if err != nil {
		t.Fatal(err)
	}
	n.Receive(master, ReplRDBChunk{Attempt: sync.Attempt, Data: payload})
	if got := replInfo(n, env, "master_link_status"); got != "up" {
		t.Fatalf("link after the full sync: %s", got)
	}
	return n, env, master
}

// replica-read-only no: the replica's own clients may write; keys they
// give a TTL are expired by the replica itself, the master's by the
// master's DELs.
func TestWritableReplicaExpiresItsOwnKeys(t *testing.T) {
	n, env, master := syncedReplica(t)
	fromMaster := "*5\r\n$3\r\nSET\r\n$4\r\nmine\r\n$1\r\nm\r\n$4\r\nPXAT\r\n$1\r\n1\r\n"
	n.Receive(master, ReplStream{ReplID: replID40, Offset: 0, Data: []byte(fromMaster)})

	if got := do(n, env, "c", "SET local v PX 100"); got != "(error) READONLY You can't write against a read only replica." {
		t.Fatalf("a write on a read-only replica: %s", got)
	}
	do(n, env, "c", "CONFIG SET replica-read-only no")
	if got := do(n, env, "c", "SET local v PX 100"); got != `"OK"` {
		t.Fatalf("a write on a writable replica: %s", got)
	}
	do(n, env, "c", "SET forever v")
	env.Advance(2 * time.Second)
	if got := nodeInfo(n, env, "stats", "expired_keys"); got != "1" {
		t.Fatalf("expired_keys %s: the replica did not expire its own key", got)
	}
	if got := do(n, env, "c", "DBSIZE"); got != "(integer) 2" {
		t.Fatalf("DBSIZE %s: want the master's expired key kept (its DEL decides) and forever", got)
	}
}

func TestReplicationConfigParameters(t *testing.T) {
	n, env := startNode(t, Config{})
	do(n, env, "replica", "PSYNC ? -1") // the backlog exists from here
	for _, tc := range []struct{ line, want string }{
		{"CONFIG SET repl-backlog-size 1", `"OK"`},
		{"CONFIG GET repl-backlog-size", `["repl-backlog-size" "16384"]`},
		{"CONFIG SET repl-backlog-size 2mb", `"OK"`},
		{"CONFIG SET repl-backlog-size 2gb", "(error) ERR CONFIG SET failed (possibly related to argument 'repl-backlog-size') - argument must be a memory value between 1 and 1073741824 bytes"},
		{"CONFIG SET min-slaves-to-write 1", `"OK"`},
		{"CONFIG GET min-replicas-to-write", `["min-replicas-to-write" "1"]`},
		{"CONFIG SET repl-ping-replica-period 0", "(error) ERR CONFIG SET failed (possibly related to argument 'repl-ping-replica-period') - argument must be between 1 and 2147483647 inclusive"},
		{"CONFIG SET repl-timeout 5", `"OK"`},
		{"CONFIG GET repl-timeout", `["repl-timeout" "5"]`},
		{"CONFIG GET replica-read-only", `["replica-read-only" "yes"]`},
	} {
		if got := do(n, env, "c", tc.line); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.line, got, tc.want)
		}
	}
	if got := replInfo(n, env, "repl_backlog_size"); got != "2097152" {
		t.Errorf("repl_backlog_size after CONFIG SET 2mb: %s", got)
	}
}

// repl-backlog-ttl: a master without replicas that long frees its backlog
// and starts a new history, so a returning replica syncs in full.
func TestBacklogFreedAfterTTLWithoutReplicas(t *testing.T) {
	n, env := startNode(t, Config{})
	do(n, env, "c", "CONFIG SET repl-backlog-ttl 10")
	do(n, env, "replica", "PSYNC ? -1")
	first := env.messages[0].(ReplFullResync).ReplID
	env.Advance(5 * time.Second)
	n.Receive("replica", Disconnected{})
	env.Advance(8 * time.Second)
	if got := replInfo(n, env, "repl_backlog_active"); got != "1" {
		t.Fatalf("backlog freed %s after the replica left, before the TTL", got)
	}
	env.Advance(5 * time.Second)
	if got, id := replInfo(n, env, "repl_backlog_active"), replInfo(n, env, "master_replid"); got != "0" || id == first {
		t.Fatalf("after the TTL: repl_backlog_active %s, replid %s (was %s)", got, id, first)
	}
}

// A replica under CLIENT PAUSE WRITE reads its master's stream but holds
// it, as Redis pauses its master client; CLIENT UNPAUSE applies it.
func TestPausedReplicaHoldsTheStream(t *testing.T) {
	n, env, master := syncedReplica(t)

	do(n, env, "c", "CLIENT PAUSE 100000 WRITE")
	set := "*3\r\n$3\r\nSET\r\n$3\r\nfoo\r\n$3\r\nbar\r\n"
	n.Receive(master, ReplStream{ReplID: replID40, Offset: 0, Data: []byte(set)})
	if got := do(n, env, "c", "GET foo"); got != "(nil)" {
		t.Fatalf("GET during the pause: %s, want the write held", got)
	}
	if read, applied := replInfo(n, env, "slave_read_repl_offset"), replInfo(n, env, "slave_repl_offset"); read != strconv.Itoa(len(set)) || applied != "0" {
		t.Fatalf("during the pause: read %s, applied %s", read, applied)
	}
	do(n, env, "c", "CLIENT UNPAUSE")
	env.Advance(0) // the pause ends in the next event, as Redis's unpause
	if got := do(n, env, "c", "GET foo"); got != `"bar"` {
		t.Fatalf("GET after the pause: %s", got)
	}
	if applied := replInfo(n, env, "slave_repl_offset"); applied != strconv.Itoa(len(set)) {
		t.Fatalf("applied offset after the pause: %s", applied)
	}
}

// repl-timeout drops a replica that stopped acking, but not one that sent
// SYNC (redis-cli --replica), which never acks: Redis spares those too.
func TestReplTimeoutSparesSYNCReplicas(t *testing.T) {
	n, env := startNode(t, Config{})
	do(n, env, "psync-replica", "PSYNC ? -1")
	do(n, env, "sync-replica", "SYNC")
	env.Advance(61 * time.Second)
	if len(env.closed) != 1 || env.closed[0] != "psync-replica" {
		t.Fatalf("closed after repl-timeout without acks: %v, want only the PSYNC replica", env.closed)
	}
	if got := replInfo(n, env, "connected_slaves"); got != "1" {
		t.Fatalf("connected_slaves %s, want the SYNC replica kept", got)
	}
}
