package cache

import (
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"syslab/engines/cache/resp"
	"syslab/node"
)

// Protocol transcripts: each script is run by several clients (a, b, c, …)
// against the node and, when redis-server is installed, against a real
// Redis 7; the bytes every client receives after each step must be the
// same. "{id:b}" in a command stands for client b's id in that world.

type transcriptStep struct {
	client  string
	command string
}

// parseScript reads "a: CMD args" lines.
func parseScript(lines ...string) []transcriptStep {
	steps := make([]transcriptStep, len(lines))
	for i, line := range lines {
		client, command, ok := strings.Cut(line, ":")
		if !ok {
			panic("bad script line " + line)
		}
		steps[i] = transcriptStep{client: strings.TrimSpace(client), command: strings.TrimSpace(command)}
	}
	return steps
}

var protocolScripts = map[string][]transcriptStep{
	"pubsub-resp2": parseScript(
		"a: SUBSCRIBE x y",
		"a: GET k",
		"a: CLIENT ID",
		"a: PUBSUB NUMPAT",
		"a: PING",
		"a: PING hi",
		"b: PUBLISH x hello",
		"b: PUBLISH nobody hi",
		"a: PSUBSCRIBE p* x*",
		"b: PUBLISH x both",
		"b: PUBLISH pz pat",
		"b: PUBSUB CHANNELS y*",
		"b: PUBSUB CHANNELS [xz]",
		"b: PUBSUB NUMSUB x y z",
		"b: PUBSUB NUMPAT",
		"b: PUBSUB FOO",
		"a: UNSUBSCRIBE y nosuch",
		"a: PUNSUBSCRIBE",
		"a: UNSUBSCRIBE",
		"a: UNSUBSCRIBE",
		"a: PUNSUBSCRIBE",
		"a: PING",
		"a: SUBSCRIBE",
		"b: PUBLISH",
	),
	"pubsub-resp3": parseScript(
		"a: HELLO 3",
		"a: SUBSCRIBE x y",
		"a: GET k",
		"a: PING",
		"b: PUBLISH x hello",
		"a: PUBLISH x self",
		"a: PSUBSCRIBE *",
		"b: PUBLISH y two",
		"a: UNSUBSCRIBE x",
		"a: UNSUBSCRIBE",
		"a: PUNSUBSCRIBE",
		"a: UNSUBSCRIBE",
		"a: SUBSCRIBE z",
		"a: RESET",
		"b: PUBLISH z gone",
		"a: PING",
	),
	"reset": parseScript(
		"a: WATCH w",
		"a: MULTI",
		"a: SET k 1",
		"a: RESET",
		"a: EXEC",
		"b: SET w changed",
		"a: MULTI",
		"a: GET k",
		"a: EXEC",
		"a: CLIENT REPLY OFF",
		"a: RESET",
		"a: PING",
		"a: MONITOR",
		"a: RESET",
		"b: SET m 1",
		"a: PING",
		"a: SELECT 3",
		"a: CLIENT SETNAME conn-a",
		"a: RESET",
		"a: CLIENT GETNAME",
		"a: SET here 1",
		"a: SELECT 0",
		"a: EXISTS here",
	),
	"hello": parseScript(
		"a: HELLO 4",
		"a: HELLO 1",
		"a: HELLO abc",
		"a: HELLO 3 FOO",
		"a: HELLO 3 SETNAME",
		"a: HELLO 3 AUTH default",
		"a: HELLO 3 AUTH foo bar",
		"a: HELLO 3 SETNAME a\\sb",
		"a: HELLO 2 SETNAME conn-a",
		"a: CLIENT GETNAME",
		"a: CLIENT SETNAME other",
		"a: CLIENT GETNAME",
		"a: HELLO 3 AUTH default anything",
		"a: GET missing",
		"a: HELLO 2",
		"a: GET missing",
		"a: CLIENT FOO",
		"a: CLIENT ID x",
		"a: CLIENT",
	),
	"tracking-default": parseScript(
		"a: HELLO 3",
		"a: CLIENT TRACKING ON",
		"a: GET k",
		"b: SET k 1",
		"b: SET k 2",
		"a: GET k",
		"a: SET k 3",
		"a: GET k",
		"a: EXISTS k k2",
		"b: DEL k",
		"b: SET k2 x",
		"a: GET k2",
		"b: FLUSHALL",
		"a: FLUSHALL",
		"a: CLIENT TRACKINGINFO",
		"a: CLIENT GETREDIR",
		"a: CLIENT TRACKING OFF",
		"a: CLIENT TRACKINGINFO",
		"a: CLIENT GETREDIR",
	),
	"tracking-optin-noloop": parseScript(
		"a: HELLO 3",
		"a: CLIENT TRACKING ON OPTIN NOLOOP",
		"a: GET k",
		"b: SET k 1",
		"a: CLIENT CACHING YES",
		"a: CLIENT TRACKINGINFO",
		"a: GET k",
		"a: SET k mine",
		"a: GET k",
		"b: SET k 2",
		"a: CLIENT CACHING NO",
		"a: CLIENT TRACKING ON OPTOUT",
		"a: CLIENT TRACKING OFF",
		"a: CLIENT TRACKING ON OPTOUT",
		"a: CLIENT CACHING NO",
		"a: GET k",
		"b: SET k 3",
		"a: GET k",
		"b: SET k 4",
	),
	"tracking-bcast": parseScript(
		"a: HELLO 3",
		"a: CLIENT TRACKING ON BCAST PREFIX user: PREFIX item:",
		"b: SET user:1 x",
		"b: SET other y",
		"b: SET item:7 z",
		"a: CLIENT TRACKING ON BCAST PREFIX us",
		"a: CLIENT TRACKING ON BCAST PREFIX zz PREFIX z",
		"a: CLIENT TRACKING ON BCAST PREFIX q",
		"a: CLIENT TRACKINGINFO",
		"b: SET q1 v",
		"a: CLIENT TRACKING ON",
		"a: CLIENT TRACKING OFF",
		"c: HELLO 3",
		"c: CLIENT TRACKING ON BCAST",
		"b: SET anything v",
	),
	// BCAST invalidations go out once the command's event is over, one
	// per prefix with the keys sorted; NOLOOP leaves out the client's own.
	"tracking-bcast-batch": parseScript(
		"a: HELLO 3",
		"a: CLIENT TRACKING ON BCAST NOLOOP PREFIX user: PREFIX item:",
		"c: SUBSCRIBE __redis__:invalidate",
		"d: CLIENT TRACKING ON BCAST REDIRECT {id:c}",
		"b: MSET user:2 a item:8 b user:1 c other d",
		"a: MSET user:3 x item:9 y",
		"b: MULTI",
		"b: SET user:5 v",
		"b: DEL item:8",
		"b: SET item:1 v",
		"b: EXEC",
	),
	// Subscription confirmations are pushes, which CLIENT REPLY OFF does
	// not silence; the reply to PUBLISH is.
	"pubsub-reply-off": parseScript(
		"a: CLIENT REPLY OFF",
		"a: SUBSCRIBE ch",
		"a: PSUBSCRIBE c*",
		"b: PUBLISH ch hi",
		"a: UNSUBSCRIBE",
		"a: PUNSUBSCRIBE c*",
		"a: PUBLISH ch hi",
		"c: HELLO 3",
		"c: CLIENT REPLY OFF",
		"c: SUBSCRIBE ch",
		"c: PING",
		"c: UNSUBSCRIBE ch",
	),
	"tracking-redirect-resp2": parseScript(
		"b: SUBSCRIBE __redis__:invalidate",
		"a: CLIENT TRACKING ON REDIRECT {id:b}",
		"a: CLIENT TRACKING ON REDIRECT 999999",
		"a: CLIENT TRACKING ON REDIRECT xyz",
		"a: CLIENT TRACKING ON REDIRECT",
		"a: GET k",
		"c: SET k v",
		"a: GET k",
		"a: EXISTS k x",
		"c: FLUSHALL",
		"a: CLIENT TRACKINGINFO",
		"a: CLIENT GETREDIR",
	),
	"tracking-errors": parseScript(
		"a: CLIENT TRACKING ON PREFIX a",
		"a: CLIENT TRACKING ON OPTIN OPTOUT",
		"a: CLIENT TRACKING ON BCAST OPTIN",
		"a: CLIENT TRACKING ON BCAST PREFIX a PREFIX ab",
		"a: CLIENT TRACKING ON FOO",
		"a: CLIENT TRACKING MAYBE",
		"a: CLIENT TRACKING",
		"a: CLIENT CACHING YES",
		"a: CLIENT TRACKING ON",
		"a: CLIENT CACHING YES",
		"a: CLIENT CACHING MAYBE",
		"a: CLIENT TRACKING ON BCAST",
		"a: CLIENT TRACKING ON OPTOUT",
		"a: CLIENT TRACKING ON OPTIN",
		"a: CLIENT CACHING",
		"a: CLIENT GETREDIR x",
		"a: CLIENT TRACKINGINFO x",
	),
}

// transcriptWorld runs a script and returns, for each step, what every
// client received, as "client:bytes" pieces in client order.
type transcriptWorld interface {
	clientID(client string) int64
	run(client string, args [][]byte) map[string]string
}

func scriptArgs(w transcriptWorld, command string) [][]byte {
	for {
		i := strings.Index(command, "{id:")
		if i < 0 {
			break
		}
		j := strings.Index(command[i:], "}")
		command = command[:i] + strconv.FormatInt(w.clientID(command[i+4:i+j]), 10) + command[i+j+1:]
	}
	var args [][]byte
	for _, word := range strings.Fields(command) {
		args = append(args, []byte(strings.ReplaceAll(word, `\s`, " ")))
	}
	return args
}

func runTranscript(w transcriptWorld, steps []transcriptStep) []string {
	var out []string
	for i, s := range steps {
		got := w.run(s.client, scriptArgs(w, s.command))
		var clients []string
		for c := range got {
			clients = append(clients, c)
		}
		sortStrings(clients)
		for _, c := range clients {
			out = append(out, fmt.Sprintf("step %d %s: %s -> %s: %q", i, s.client, s.command, c, got[c]))
		}
	}
	return out
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// nodeWorld runs scripts on a node over a testEnv.
type nodeWorld struct {
	n   *Node
	env *testEnv
	seq uint64
}

func newNodeWorld(t testing.TB) *nodeWorld {
	n, env := startNode(t, Config{EnableDebugCommand: ProtectedYes})
	return &nodeWorld{n: n, env: env}
}

func (w *nodeWorld) clientID(client string) int64 {
	return w.n.session(node.ID(client)).id
}

func (w *nodeWorld) run(client string, args [][]byte) map[string]string {
	w.env.replies, w.env.pushes = nil, nil
	w.seq++
	// Record in send order, whatever the kind.
	var order []struct {
		to  node.ID
		msg node.Message
	}
	orig := w.env
	rec := &recordingEnv{testEnv: orig, record: func(to node.ID, msg node.Message) {
		order = append(order, struct {
			to  node.ID
			msg node.Message
		}{to, msg})
	}}
	w.n.env = rec
	w.n.Receive(node.ID(client), Command{Seq: w.seq, Args: args})
	w.env.Advance(0) // what Redis does before sleeping: BCAST invalidations
	w.n.env = orig
	got := map[string]string{}
	for _, m := range order {
		var b []byte
		switch msg := m.msg.(type) {
		case Reply:
			if msg.Silent {
				continue // CLIENT REPLY OFF: the adapter writes nothing
			}
			b = resp.AppendValue(b, msg.Value, int(protocolOrRESP2(msg.Protocol)))
			for _, v := range msg.More {
				b = resp.AppendValue(b, v, int(protocolOrRESP2(msg.Protocol)))
			}
		case Push:
			b = resp.AppendValue(b, msg.Value, int(protocolOrRESP2(msg.Protocol)))
		}
		got[string(m.to)] += string(b)
	}
	return got
}

func protocolOrRESP2(p uint8) uint8 {
	if p == 0 {
		return resp.RESP2
	}
	return p
}

// recordingEnv is a testEnv that hands every sent message to record.
type recordingEnv struct {
	*testEnv
	record func(to node.ID, msg node.Message)
}

func (e *recordingEnv) Send(to node.ID, msg node.Message) { e.record(to, msg) }

// redisWorld runs scripts on a real redis-server, one connection per client.
type redisWorld struct {
	t      testing.TB
	server *redisServer
	conns  map[string]net.Conn
	ids    map[string]int64
}

func (w *redisWorld) conn(client string) net.Conn {
	if c, ok := w.conns[client]; ok {
		return c
	}
	c := w.server.dialRaw()
	w.conns[client] = c
	// Learn the id first, as the node world gives ids on first contact.
	c.Write(resp.AppendCommand(nil, []byte("CLIENT"), []byte("ID")))
	reply := readFor(c, 2*time.Second, 1)
	id, err := strconv.ParseInt(strings.TrimSpace(strings.TrimPrefix(reply, ":")), 10, 64)
	if err != nil {
		w.t.Fatalf("CLIENT ID on redis: %q", reply)
	}
	w.ids[client] = id
	return c
}

func (w *redisWorld) clientID(client string) int64 {
	w.conn(client)
	return w.ids[client]
}

// readFor reads what arrives within d (at least minBytes first, if given).
func readFor(c net.Conn, d time.Duration, minBytes int) string {
	var got []byte
	buf := make([]byte, 64<<10)
	deadline := time.Now().Add(d)
	for {
		c.SetReadDeadline(deadline)
		n, err := c.Read(buf)
		got = append(got, buf[:n]...)
		if err != nil {
			return string(got)
		}
		if len(got) >= minBytes && strings.HasSuffix(string(got), "\r\n") {
			deadline = time.Now().Add(10 * time.Millisecond) // let the rest arrive
		}
	}
}

func (w *redisWorld) run(client string, args [][]byte) map[string]string {
	c := w.conn(client)
	if _, err := c.Write(resp.AppendCommand(nil, args...)); err != nil {
		w.t.Fatal(err)
	}
	got := map[string]string{}
	if s := readFor(c, 2*time.Second, 1); s != "" {
		got[client] = s
	}
	for name, other := range w.conns {
		if name == client {
			continue
		}
		if s := readFor(other, 10*time.Millisecond, 0); s != "" {
			got[name] = s
		}
	}
	return got
}

// Client ids differ between the worlds (Redis numbers every connection
// since its start): normalizeIDs hides them where they appear.
var (
	idInMap    = regexp.MustCompile(`(\$2\\r\\nid\\r\\n|redirect\\r\\n):[1-9][0-9]*`)
	idAsReply  = regexp.MustCompile(`-> (\w+): ":[1-9][0-9]*\\r\\n"$`)
	idCommands = regexp.MustCompile(`CLIENT (ID|GETREDIR)`)
)

func normalizeIDs(s string) string {
	s = idInMap.ReplaceAllString(s, "${1}:ID")
	if idCommands.MatchString(s) {
		s = idAsReply.ReplaceAllString(s, `-> $1: ":ID\r\n"`)
	}
	return s
}

func TestProtocolMatchesRedis(t *testing.T) {
	for name, steps := range protocolScripts {
		t.Run(name, func(t *testing.T) {
			// A server per script: a clean keyspace, and no client of an
			// earlier script left to receive pushes.
			real := &redisWorld{t: t, server: startRedisServer(t), conns: map[string]net.Conn{}, ids: map[string]int64{}}
			// Connect every client first in both worlds, in the same order.
			nw := newNodeWorld(t)
			for _, s := range steps {
				real.clientID(s.client)
				nw.clientID(s.client)
			}
			want := runTranscript(real, steps)
			got := runTranscript(nw, steps)
			for i := 0; i < max(len(want), len(got)); i++ {
				var w, g string
				if i < len(want) {
					w = normalizeIDs(want[i])
				}
				if i < len(got) {
					g = normalizeIDs(got[i])
				}
				if w != g {
					t.Errorf("\nredis: %s\nnode:  %s", w, g)
				}
			}
		})
	}
}
