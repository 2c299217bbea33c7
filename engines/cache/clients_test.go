package cache

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"syslab/node"
)

// The replies that do not depend on which other clients are connected
// (the harness keeps one more connection open on redis-server, so filters
// that would match it, as TYPE normal, stay out).
func TestClientKillAndListAgreeWithRedis(t *testing.T) {
	compareWithRedis(t, []string{
		"CLIENT KILL 1.2.3.4:5", "CLIENT KILL ID 999", "CLIENT KILL ID 0", "CLIENT KILL ID x", "CLIENT KILL ID -1",
		"CLIENT KILL TYPE foo", "CLIENT KILL TYPE pubsub", "CLIENT KILL TYPE master", "CLIENT KILL TYPE replica",
		"CLIENT KILL TYPE slave", "CLIENT KILL USER bob", "CLIENT KILL ADDR 1.2.3.4:5", "CLIENT KILL LADDR 1.2.3.4:5",
		"CLIENT KILL SKIPME maybe", "CLIENT KILL ID", "CLIENT KILL foo bar", "CLIENT KILL a b c", "CLIENT KILL MAXAGE 5",
		"CLIENT KILL", "CLIENT KILL 1.2.3.4:5 x", "CLIENT KILL ID 999 TYPE normal SKIPME no USER default",
		"CLIENT LIST TYPE foo", "CLIENT LIST ID x", "CLIENT LIST ID 0", "CLIENT LIST ID 99999", "CLIENT LIST foo",
		"CLIENT LIST TYPE normal x", "CLIENT LIST ID", "CLIENT LIST TYPE master", "CLIENT LIST TYPE pubsub",
		"CLIENT UNBLOCK 9999", "CLIENT UNBLOCK x", "CLIENT UNBLOCK 1 foo", "CLIENT UNBLOCK 1 TIMEOUT",
		"CLIENT NO-EVICT on", "CLIENT NO-EVICT off", "CLIENT NO-EVICT x", "CLIENT NO-EVICT",
		"CLIENT INFO x",
	})
}

// clientFieldNames are the field names of a CLIENT LIST line, in order.
func clientFieldNames(line string) []string {
	var names []string
	for _, field := range strings.Fields(line) {
		name, _, _ := strings.Cut(field, "=")
		names = append(names, name)
	}
	return names
}

func TestClientInfoFieldsAreRedisFields(t *testing.T) {
	server := startRedisServer(t)
	theirs := string(server.dial().doLine("CLIENT INFO").Str)
	n, env := startNode(t, Config{})
	do(n, env, "c", "CLIENT INFO")
	ours := string(env.replies[len(env.replies)-1].Value.Str)
	if got, want := clientFieldNames(ours), clientFieldNames(theirs); !slices.Equal(got, want) {
		t.Fatalf("CLIENT INFO fields\n got  %v\n want %v", got, want)
	}
}

func clientLines(t *testing.T, n *Node, env *testEnv, client node.ID, line string) []string {
	t.Helper()
	do(n, env, client, line)
	r := env.replies[len(env.replies)-1].Value
	if r.IsError() {
		t.Fatalf("%s: %s", line, r)
	}
	return strings.Split(strings.TrimSuffix(string(r.Str), "\n"), "\n")
}

func TestClientListReportsSessions(t *testing.T) {
	n, env := startNode(t, Config{})
	n.Receive("a", Connected{Addr: "127.0.0.1:5000", LocalAddr: "127.0.0.1:6379"})
	do(n, env, "a", "CLIENT SETNAME alpha")
	do(n, env, "b", "SUBSCRIBE ch")
	do(n, env, "c", "MULTI")
	do(n, env, "c", "SET k v")
	env.Advance(3 * time.Second)
	do(n, env, "d", "CLIENT NO-EVICT on")
	lines := clientLines(t, n, env, "a", "CLIENT LIST")
	wants := []string{
		"id=1 addr=127.0.0.1:5000 laddr=127.0.0.1:6379 fd=-1 name=alpha age=3 idle=0 flags=N db=0 sub=0 psub=0 ssub=0 multi=-1 ",
		"id=2 addr=b laddr= fd=-1 name= age=3 idle=3 flags=P db=0 sub=1 psub=0 ssub=0 multi=-1 ",
		"id=3 addr=c laddr= fd=-1 name= age=3 idle=3 flags=x db=0 sub=0 psub=0 ssub=0 multi=1 ",
		"id=4 addr=d laddr= fd=-1 name= age=0 idle=0 flags=e db=0 sub=0 psub=0 ssub=0 multi=-1 ",
	}
	cmds := []string{"cmd=client|list ", "cmd=subscribe ", "cmd=multi ", "cmd=client|no-evict "}
	if len(lines) != len(wants) {
		t.Fatalf("CLIENT LIST has %d lines, want %d:\n%s", len(lines), len(wants), strings.Join(lines, "\n"))
	}
	for i, line := range lines {
		if !strings.HasPrefix(line, wants[i]) || !strings.Contains(line, cmds[i]) || !strings.HasSuffix(line, "user=default redir=-1 resp=2") {
			t.Errorf("line %d = %q\nwant prefix %q and %q", i, line, wants[i], cmds[i])
		}
	}
	if got := clientLines(t, n, env, "a", "CLIENT LIST TYPE pubsub"); len(got) != 1 || !strings.HasPrefix(got[0], "id=2 ") {
		t.Errorf("CLIENT LIST TYPE pubsub = %q", got)
	}
	if got := clientLines(t, n, env, "a", "CLIENT LIST ID 4 3 99"); len(got) != 2 || !strings.HasPrefix(got[0], "id=3 ") || !strings.HasPrefix(got[1], "id=4 ") {
		t.Errorf("CLIENT LIST ID 4 3 99 = %q", got)
	}
}

func TestClientKill(t *testing.T) {
	type expectation struct {
		client node.ID
		line   string
		want   string
	}
	n, env := startNode(t, Config{})
	run := func(steps ...expectation) {
		t.Helper()
		for _, s := range steps {
			if got := do(n, env, s.client, s.line); got != s.want {
				t.Fatalf("%s: %s = %s, want %s", s.client, s.line, got, s.want)
			}
		}
	}
	n.Receive("victim", Connected{Addr: "10.0.0.7:41000", LocalAddr: "10.0.0.1:6379"})
	run(
		expectation{"victim", "WATCH k", `"OK"`},
		expectation{"other", "CLIENT ID", "(integer) 2"},
		expectation{"killer", "CLIENT KILL 10.0.0.7:41000", `"OK"`},
	)
	if !slices.Equal(env.closed, []node.ID{"victim"}) {
		t.Fatalf("closed %v, want [victim]", env.closed)
	}
	// The killed connection's late commands are dropped; its session is gone.
	replies := len(env.replies)
	n.Receive("victim", Command{Seq: 99, Args: splitLine(t, "SET k v")})
	if len(env.replies) != replies {
		t.Fatalf("a killed client was answered: %v", env.replies[replies:])
	}
	if len(n.watchers) != 0 {
		t.Fatalf("the killed client's WATCH survived: %v", n.watchers)
	}
	if lines := clientLines(t, n, env, "killer", "CLIENT LIST"); len(lines) != 2 {
		t.Fatalf("CLIENT LIST after the kill:\n%s", strings.Join(lines, "\n"))
	}
	// After the adapter's Disconnected the name may not come back (IDs are
	// never reused), but the node keeps nothing about it.
	n.Receive("victim", Disconnected{})
	if len(n.killed) != 0 {
		t.Fatalf("killed set not cleared: %v", n.killed)
	}

	// New form: filters combine; SKIPME yes (the default) spares the caller.
	run(
		expectation{"sub", "SUBSCRIBE ch", `["subscribe" "ch" (integer) 1]`},
		expectation{"killer", "CLIENT KILL TYPE pubsub", "(integer) 1"},
		expectation{"killer", "CLIENT KILL ID 2 TYPE pubsub", "(integer) 0"},
		expectation{"killer", "CLIENT KILL TYPE normal", "(integer) 1"}, // "other"
		expectation{"killer", "CLIENT KILL TYPE normal", "(integer) 0"},
	)
	if !slices.Equal(env.closed, []node.ID{"victim", "sub", "other"}) {
		t.Fatalf("closed %v", env.closed)
	}
	// Killing oneself: the reply comes first, then the close.
	run(expectation{"killer", "CLIENT KILL SKIPME no", "(integer) 1"})
	if last := env.closed[len(env.closed)-1]; last != "killer" {
		t.Fatalf("closed %v, want killer last", env.closed)
	}
	if len(n.sessions) != 0 {
		t.Fatalf("sessions left: %d", len(n.sessions))
	}
}

func TestClientUnblock(t *testing.T) {
	n, env := startNode(t, Config{})
	answers := func(seq uint64) []string {
		var got []string
		for _, r := range env.replies {
			if r.Seq == seq {
				got = append(got, r.Value.String())
			}
		}
		return got
	}
	send := func(client node.ID, seq uint64, line string) {
		n.Receive(client, Command{Seq: seq, Args: splitLine(t, line)})
	}
	send("b", 1, "BLPOP list 0")
	send("b", 2, "PING")
	send("a", 100, "CLIENT UNBLOCK 1")
	if got := answers(100); !slices.Equal(got, []string{"(integer) 1"}) {
		t.Fatalf("CLIENT UNBLOCK 1 = %q", got)
	}
	if got := append(answers(1), answers(2)...); !slices.Equal(got, []string{"(nil)", `"PONG"`}) {
		t.Fatalf("b got %q, want the timeout answer then PONG", got)
	}
	send("a", 101, "CLIENT UNBLOCK 1")
	if got := answers(101); !slices.Equal(got, []string{"(integer) 0"}) {
		t.Fatalf("CLIENT UNBLOCK of a client not blocked = %q", got)
	}
	send("b", 3, "BRPOP list 0")
	send("a", 102, "CLIENT UNBLOCK 1 ERROR")
	if got := answers(102); !slices.Equal(got, []string{"(integer) 1"}) {
		t.Fatalf("CLIENT UNBLOCK 1 ERROR = %q", got)
	}
	if got := answers(3); !slices.Equal(got, []string{"(error) UNBLOCKED client unblocked via CLIENT UNBLOCK"}) {
		t.Fatalf("b got %q", got)
	}
	// The error counts as the BRPOP's failure, as in redis-server's INFO.
	info := do(n, env, "a", "INFO all")
	// (Its time counts twice, as Redis's does: when it blocked, and again,
	// with the answering, when it is unblocked.)
	for _, want := range []string{
		"cmdstat_brpop:calls=1,", ",rejected_calls=0,failed_calls=1",
		"errorstat_UNBLOCKED:count=1", "total_error_replies:1",
	} {
		if !strings.Contains(info, want) {
			t.Errorf("INFO after CLIENT UNBLOCK … ERROR lacks %q", want)
		}
	}
}

func TestClientReplySilencesReplies(t *testing.T) {
	n, env := startNode(t, Config{})
	for i, step := range []struct {
		line   string
		silent bool
	}{
		{"CLIENT REPLY OFF", true}, {"SET k v", true}, {"CLIENT REPLY ON", false}, {"GET k", false},
		{"CLIENT REPLY SKIP", true}, {"GET k", true}, {"GET k", false}, {"CLIENT REPLY x", false},
	} {
		do(n, env, "c", step.line)
		if got := env.replies[len(env.replies)-1].Silent; got != step.silent {
			t.Fatalf("step %d %q: silent %v, want %v", i, step.line, got, step.silent)
		}
	}
}

// CLIENT LIST and CLIENT INFO report the asking client's query buffer as
// its own command, as redis-server does while running it, and the other
// clients' as empty (introspection.tcl matches qbuf=26).
func TestClientListQueryBufferAgreesWithRedis(t *testing.T) {
	qbuf := func(line string) string {
		for _, f := range strings.Fields(line) {
			if v, ok := strings.CutPrefix(f, "qbuf="); ok {
				return v
			}
		}
		return ""
	}
	server := startRedisServer(t)
	n, env := startNode(t, Config{})
	do(n, env, "other", "PING")
	for _, line := range []string{"CLIENT INFO", "CLIENT LIST ID 1 2 3 4 5 6 7 8 9 10"} {
		theirs := string(server.dial().doLine(line).Str)
		ours := do(n, env, "me", line)
		ours, _ = strconv.Unquote(ours)
		if got, want := qbuf(ours), qbuf(theirs); want == "" || got != want {
			t.Errorf("%s: qbuf=%s, redis-server says %s", line, got, want)
		}
	}
	list, _ := strconv.Unquote(do(n, env, "me", "CLIENT LIST"))
	if !strings.Contains(list, "qbuf=0 ") {
		t.Errorf("the other client's query buffer is not empty:\n%s", list)
	}
}

// The query buffers an adapter reports show in CLIENT LIST (qbuf-free), in
// INFO clients and memory, and count toward maxmemory; a client that goes
// takes its buffer out of the total.
func TestQueryBuffersReported(t *testing.T) {
	n, env := startNode(t, Config{})
	do(n, env, "observer", "PING")
	empty := n.usedMemoryBytes()
	n.Receive("a", Connected{Addr: "127.0.0.1:5000"})
	n.Receive("a", QueryBuffer{CapacityBytes: 16384})
	do(n, env, "a", "CLIENT SETNAME alpha")
	if got := n.usedMemoryBytes() - empty; got != 16384 {
		t.Errorf("used memory grew by %d bytes with a 16 KiB query buffer, want 16384", got)
	}
	var alpha string
	for _, line := range clientLines(t, n, env, "observer", "CLIENT LIST") {
		if strings.Contains(line, " name=alpha ") {
			alpha = line
		}
	}
	if !strings.Contains(alpha, " qbuf=0 qbuf-free=16384 ") {
		t.Errorf("CLIENT LIST line of alpha = %q, want qbuf=0 qbuf-free=16384", alpha)
	}
	// The client asking holds its own command in its buffer, as in Redis.
	own := clientLines(t, n, env, "a", "CLIENT INFO")[0]
	if !strings.Contains(own, " qbuf=26 qbuf-free=16358 ") {
		t.Errorf("CLIENT INFO = %q, want qbuf=26 qbuf-free=16358", own)
	}
	do(n, env, "observer", "INFO")
	info := string(env.replies[len(env.replies)-1].Value.Str)
	for name, want := range map[string]string{"client_recent_max_input_buffer": "16384", "mem_clients_normal": "16384"} {
		if got := infoField(info, name); got != want {
			t.Errorf("INFO %s = %q, want %q", name, got, want)
		}
	}
	n.Receive("a", Disconnected{})
	if got := n.usedMemoryBytes(); got != empty {
		t.Errorf("used memory %d after the client left, want %d", got, empty)
	}
}

// At maxclients connected clients, the next connection gets Redis's error
// and is closed; what it sends meanwhile is ignored. CONFIG SET raises the
// bound.
func TestMaxClientsRefusesConnections(t *testing.T) {
	n, env := startNode(t, Config{MaxClients: 2})
	n.Receive("a", Connected{Addr: "127.0.0.1:5000"})
	n.Receive("b", Connected{Addr: "127.0.0.1:5001"})
	n.Receive("c", Connected{Addr: "127.0.0.1:5002"})
	last := env.replies[len(env.replies)-1].Value.String()
	if last != "(error) ERR max number of clients reached" || !slices.Contains(env.closed, "c") {
		t.Fatalf("third connection at maxclients 2: last reply %s, closed %v; want the error and c closed", last, env.closed)
	}
	replies := len(env.replies)
	n.Receive("c", Command{Seq: 1, Args: [][]byte{[]byte("PING")}})
	if len(env.replies) != replies {
		t.Errorf("a refused connection's command was answered: %v", env.replies[replies:])
	}
	do(n, env, "a", "INFO")
	info := string(env.replies[len(env.replies)-1].Value.Str)
	for name, want := range map[string]string{"connected_clients": "2", "maxclients": "2", "rejected_connections": "1"} {
		if got := infoField(info, name); got != want {
			t.Errorf("INFO %s = %q, want %q", name, got, want)
		}
	}
	n.Receive("c", Disconnected{})
	do(n, env, "a", "CONFIG SET maxclients 3")
	n.Receive("d", Connected{Addr: "127.0.0.1:5003"})
	if got := do(n, env, "d", "PING"); got != `"PONG"` {
		t.Errorf("PING after CONFIG SET maxclients 3 = %s, want PONG", got)
	}
}
