package cache

import (
	"bytes"
	"slices"
	"strconv"
	"strings"

	"syslab/engines/cache/resp"
	"syslab/node"
)

// The client table as an operator sees it (Redis's networking.c): CLIENT
// LIST and INFO with Redis 7.0's fields, CLIENT KILL in both forms,
// CLIENT UNBLOCK and CLIENT NO-EVICT.
//
// A node does not own sockets. It learns a connection's addresses from a
// Connected message the adapter sends before the connection's first
// command, and it drops a connection by sending the client a
// CloseConnection message: the adapter writes every reply sent before it,
// then closes the socket, then (as for any hang-up) sends Disconnected.

// Connected tells the node the addresses of the sender's connection, as
// Redis prints them: "ip:port" for TCP, "path:0" for a unix socket. An
// adapter sends it before the connection's first command; without it a
// client's addr is its node.ID and its laddr is empty.
type Connected struct {
	Addr, LocalAddr string
	// UnixSocket marks a unix-socket connection (flag U in CLIENT LIST).
	UnixSocket bool
}

// QueryBuffer tells the node how many bytes the sender's connection holds
// for reading requests (Redis's query buffer, sdsalloc of c->querybuf),
// whenever that changes: an adapter reserves room before a read, keeps it
// between requests and gives it back when the client idles or its
// requests shrink, as Redis's clientsCronResizeQueryBuffer does. CLIENT
// LIST's qbuf-free and INFO's client_recent_max_input_buffer come from it.
type QueryBuffer struct {
	CapacityBytes int
}

// CloseConnection asks the adapter to close the receiving client's
// connection once the replies sent before it are written (CLIENT KILL).
// The node has already forgotten the session; the adapter's Disconnected
// that follows is harmless.
type CloseConnection struct{}

// clientKillState is the node's side of CLIENT KILL.
type clientKillState struct {
	// killed are the clients whose connection the node asked the adapter
	// to close: what they still send is dropped until their Disconnected.
	// Connection IDs are never reused, so an entry only waits for that.
	killed map[node.ID]bool
	// killAfterReply is set when a client killed itself: handle drops it
	// after sending the reply.
	killAfterReply bool
	// silenceReply is set by a command whose reply Redis never writes
	// (REPLCONF ACK, SYNC): handle marks it answered but silent.
	silenceReply bool
}

// clientMeta is what CLIENT LIST reports about a session beyond its
// protocol state.
type clientMeta struct {
	addr, localAddr string
	unixSocket      bool
	createdMillis   int64
	// lastMillis is when the client's last command ran; lastSpec and
	// lastSub name it (lastSub only for container commands: CLIENT LIST's
	// cmd=client|list).
	lastMillis int64
	lastSpec   *commandSpec
	lastSub    string
	// queryBufferBytes is the connection's query buffer as the adapter
	// last reported it (QueryBuffer); 0 for a simulated client.
	queryBufferBytes int
	// outputBytes is the output the adapter last reported holding unsent
	// (OutputBuffer: omem).
	outputBytes int64
	// connected: an adapter introduced the client (Connected), so it has
	// a connection to send output limits to; limitsClass is the class
	// whose limits it last got (outputlimits.go).
	connected   bool
	limitsClass clientClass
	// noEvict is CLIENT NO-EVICT: kept and reported, but this node never
	// evicts clients (there is no maxmemory-clients).
	noEvict bool
	// repliesOff is CLIENT REPLY OFF; repliesToSkip counts the replies
	// CLIENT REPLY SKIP silences (its own and the next command's).
	repliesOff    bool
	repliesToSkip int
}

// replySilenced says whether the reply to client's command just run must
// not be written (CLIENT REPLY), consuming a SKIP.
func (n *Node) replySilenced(client node.ID) bool {
	s := n.existingSession(client)
	switch {
	case s == nil:
		return false
	case s.meta.repliesOff, s.replica.active:
		return true
	case s.meta.repliesToSkip > 0:
		s.meta.repliesToSkip--
		return true
	}
	return false
}

// CLIENT REPLY ON|OFF|SKIP. Pushes (Pub/Sub messages, invalidations) are
// still sent.
func clientReplyCommand(c *call) resp.Value {
	m := &c.session.meta
	switch strings.ToLower(string(c.args[2])) {
	case "on":
		m.repliesOff, m.repliesToSkip = false, 0
	case "off":
		m.repliesOff = true
	case "skip":
		if !m.repliesOff {
			m.repliesToSkip = 2 // this command's reply and the next one's
		}
	default:
		return resp.Err(errSyntax)
	}
	return resp.OK
}

// noteCommand records the command a client just ran, for CLIENT LIST.
func (m *clientMeta) noteCommand(spec *commandSpec, args [][]byte, nowMillis int64) {
	m.lastMillis, m.lastSpec, m.lastSub = nowMillis, spec, ""
	if isContainerCommand(spec.name) && len(args) > 1 {
		m.lastSub = strings.ToLower(string(args[1][:min(len(args[1]), commandNameBytesMax)]))
	}
}

// isContainerCommand tells the commands Redis 7 names with their
// subcommand (client|list) in CLIENT LIST and errors.
func isContainerCommand(name string) bool {
	switch name {
	case "client", "pubsub", "config", "command", "object", "memory", "slowlog", "latency":
		return true
	}
	return false
}

// connected records the addresses the adapter reported, or refuses the
// connection when maxclients clients are connected already (Redis's
// acceptCommonHandler: an error, then the connection closes).
func (n *Node) connected(client node.ID, m Connected) {
	if n.existingSession(client) == nil && len(n.sessions) >= n.cfg.MaxClients {
		n.stats.RejectedConnections++
		refusal := "ERR max number of clients reached"
		if n.cluster != nil {
			refusal = "ERR max number of clients + cluster connections reached"
		}
		n.sendReply(client, Reply{Value: resp.Err(refusal)})
		n.killNow(client)
		return
	}
	n.stats.ConnectionsReceived++
	s := n.session(client)
	s.meta.addr, s.meta.localAddr, s.meta.unixSocket = m.Addr, m.LocalAddr, m.UnixSocket
	s.meta.connected = true
	n.sendOutputLimits(s, true)      // outputlimits.go
	n.sendQueryBufferLimit(s, false) // querybuflimit.go
	if n.authRequired(s) {
		n.env.Send(client, AuthRequired{Required: true}) // auth.go
	}
}

// addr is the client's address as CLIENT LIST and KILL know it.
func (s *session) addr() string {
	if s.meta.addr == "" {
		return string(s.client)
	}
	return s.meta.addr
}

// clientType is Redis's getClientType: a connection's class for CLIENT
// KILL TYPE and CLIENT LIST TYPE. A replica that connected as a client
// (SYNC, PSYNC) is one; this node's own link to its master is not a
// session, so none is ever "master".
func (s *session) clientType() string {
	if s.replica.active {
		return "replica"
	}
	if s.pubsub.subscribed() {
		return "pubsub"
	}
	return "normal"
}

// parseClientType reads a TYPE argument; replica and slave are one type.
func parseClientType(arg []byte) (string, bool) {
	switch t := strings.ToLower(string(arg)); t {
	case "normal", "master", "pubsub":
		return t, true
	case "replica", "slave":
		return "replica", true
	}
	return "", false
}

func errUnknownClientType(arg []byte) resp.Value {
	return resp.Err("ERR Unknown client type '" + string(arg) + "'")
}

// sessionsByID lists the sessions in client id order: CLIENT LIST and
// KILL never depend on map order.
func (n *Node) sessionsByID() []*session {
	sessions := make([]*session, 0, len(n.sessions))
	for _, s := range n.sessions {
		sessions = append(sessions, s)
	}
	slices.SortFunc(sessions, func(a, b *session) int { return int(a.id - b.id) })
	return sessions
}

// CLIENT LIST [TYPE normal|master|replica|pubsub] [ID id …]
func clientListCommand(c *call) resp.Value {
	sessions := c.node.sessionsByID()
	args := c.args[2:]
	switch {
	case len(args) == 0:
	case len(args) == 2 && bytes.EqualFold(args[0], []byte("type")):
		kind, ok := parseClientType(args[1])
		if !ok {
			return errUnknownClientType(args[1])
		}
		sessions = slices.DeleteFunc(sessions, func(s *session) bool { return s.clientType() != kind })
	case len(args) >= 2 && bytes.EqualFold(args[0], []byte("id")):
		var ids []int64
		for _, arg := range args[1:] {
			id, ok := resp.ParseInt(arg)
			if !ok {
				return resp.Err("ERR Invalid client ID")
			}
			ids = append(ids, id)
		}
		sessions = slices.DeleteFunc(sessions, func(s *session) bool { return !slices.Contains(ids, s.id) })
	default:
		return resp.Err(errSyntax)
	}
	var b strings.Builder
	for _, s := range sessions {
		c.node.writeClientLine(&b, s, c.nowMillis, queryBufferBytes(c, s))
	}
	return resp.Value{Kind: resp.Verbatim, Str: []byte(b.String())}
}

func clientInfoCommand(c *call) resp.Value {
	var b strings.Builder
	c.node.writeClientLine(&b, c.session, c.nowMillis, queryBufferBytes(c, c.session))
	return resp.Value{Kind: resp.Verbatim, Str: []byte(b.String())}
}

// queryBufferBytes is what CLIENT LIST reports as s's query buffer: for
// the client asking, its own command, which is what Redis's buffer holds
// while the command runs; for the others 0, which is what it holds
// between commands (the node sees no bytes waiting in a socket).
func queryBufferBytes(c *call, s *session) int64 {
	if s != c.session {
		return 0
	}
	return int64(len(resp.AppendCommand(nil, c.args...)))
}

// writeClientLine writes one CLIENT LIST line with Redis 7.0's fields in
// its order. qbuf is queryBufferBytes and qbuf-free the rest of the buffer
// the adapter reported (QueryBuffer), omem the unsent output it reported
// (OutputBuffer), tot-mem their sum. The other buffer and memory fields
// (argv-mem … oll) belong to the adapter's socket and are not reported:
// they are 0, and fd is -1 as Redis prints it for a client without a
// socket of its own.
func (n *Node) writeClientLine(b *strings.Builder, s *session, nowMillis, qbufBytes int64) {
	multi := -1
	if s.multi != nil {
		multi = len(s.multi.commands)
	}
	redir := int64(-1)
	if s.tracking.on {
		redir = s.tracking.redirect
	}
	cmd := "NULL"
	if s.meta.lastSpec != nil {
		cmd = s.meta.lastSpec.name
		if s.meta.lastSub != "" {
			cmd += "|" + s.meta.lastSub
		}
	}
	field := func(name, value string) {
		if name != "id" {
			b.WriteByte(' ')
		}
		b.WriteString(name)
		b.WriteByte('=')
		b.WriteString(value)
	}
	itoa := func(v int64) string { return strconv.FormatInt(v, 10) }
	field("id", itoa(s.id))
	field("addr", s.addr())
	field("laddr", s.meta.localAddr)
	field("fd", "-1")
	field("name", string(s.name))
	field("age", itoa(max(nowMillis-s.meta.createdMillis, 0)/1000))
	field("idle", itoa(max(nowMillis-s.meta.lastMillis, 0)/1000))
	field("flags", n.clientFlags(s))
	field("db", itoa(int64(s.dbIndex)))
	field("sub", itoa(int64(len(s.pubsub.channels.names))))
	field("psub", itoa(int64(len(s.pubsub.patterns.names))))
	field("ssub", itoa(int64(len(s.pubsub.shardChannels.names))))
	field("multi", itoa(int64(multi)))
	field("qbuf", itoa(qbufBytes))
	field("qbuf-free", itoa(max(int64(s.meta.queryBufferBytes)-qbufBytes, 0)))
	for _, zero := range []string{"argv-mem", "multi-mem", "rbs", "rbp", "obl", "oll"} {
		field(zero, "0")
	}
	field("omem", itoa(s.meta.outputBytes))
	field("tot-mem", itoa(int64(s.meta.queryBufferBytes)+s.meta.outputBytes))
	field("events", "r")
	field("cmd", cmd)
	field("user", "default")
	field("redir", itoa(redir))
	field("resp", itoa(int64(max(s.protocol, resp.RESP2))))
	b.WriteByte('\n')
}

// largestQueryBufferBytes is INFO's client_recent_max_input_buffer: the
// largest query buffer a connection holds now (Redis keeps the largest of
// the last few seconds; an adapter reports a buffer until it shrinks, at
// most a few seconds after its peak).
func (n *Node) largestQueryBufferBytes() int {
	largest := 0
	for _, s := range n.sessions { // a maximum: the order does not matter
		largest = max(largest, s.meta.queryBufferBytes)
	}
	return largest
}

// clientFlags are CLIENT LIST's flags, in Redis's order.
func (n *Node) clientFlags(s *session) string {
	var flags []byte
	add := func(on bool, flag byte) {
		if on {
			flags = append(flags, flag)
		}
	}
	add(s.monitoring, 'O')
	add(s.replica.active, 'S')
	add(s.pubsub.subscribed(), 'P')
	add(s.multi != nil, 'x')
	add(n.blocking.blocked[s.client] != nil || n.pause.heldByClient[s.client] > 0, 'b')
	add(s.tracking.on, 't')
	add(s.tracking.brokenRedirect, 'R')
	add(s.tracking.bcast, 'B')
	add(s.watchDirty, 'd')
	add(s.meta.unixSocket, 'U')
	add(s.meta.noEvict, 'e')
	if len(flags) == 0 {
		return "N"
	}
	return string(flags)
}

// CLIENT KILL ip:port, or CLIENT KILL <filter> <value> … with the filters
// ID, TYPE, USER, ADDR, LADDR and SKIPME (default yes). The old form
// answers OK or "No such client"; the new one the number killed.
func clientKillCommand(c *call) resp.Value {
	n := c.node
	if len(c.args) == 3 {
		for _, s := range n.sessionsByID() {
			if s.addr() == string(c.args[2]) {
				n.kill(c, s)
				return resp.OK
			}
		}
		return resp.Err("ERR No such client")
	}
	if len(c.args)%2 != 0 {
		return resp.Err(errSyntax)
	}
	var (
		id               int64
		kind, addr, ladr string
		skipMe           = true
		byAddr, byLAddr  bool
	)
	for j := 2; j < len(c.args); j += 2 {
		option, value := c.args[j], c.args[j+1]
		switch strings.ToLower(string(option)) {
		case "id":
			v, ok := resp.ParseInt(value)
			if !ok || v <= 0 {
				return resp.Err("ERR client-id should be greater than 0")
			}
			id = v
		case "type":
			t, ok := parseClientType(value)
			if !ok {
				return errUnknownClientType(value)
			}
			kind = t
		case "user":
			// The only user is "default" (there are no ACL users).
			if string(value) != "default" {
				return resp.Err("ERR No such user '" + string(value) + "'")
			}
		case "addr":
			addr, byAddr = string(value), true
		case "laddr":
			ladr, byLAddr = string(value), true
		case "skipme":
			switch strings.ToLower(string(value)) {
			case "yes":
				skipMe = true
			case "no":
				skipMe = false
			default:
				return resp.Err(errSyntax)
			}
		default:
			return resp.Err(errSyntax)
		}
	}
	killed := int64(0)
	for _, s := range n.sessionsByID() {
		switch {
		case id != 0 && s.id != id,
			kind != "" && s.clientType() != kind,
			byAddr && s.addr() != addr,
			byLAddr && s.meta.localAddr != ladr,
			skipMe && s == c.session:
			continue
		}
		n.kill(c, s)
		killed++
	}
	return resp.Int(killed)
}

// kill drops s: its session now, its connection through the adapter. The
// calling client itself is dropped only after its reply is sent (Redis's
// CLIENT_CLOSE_AFTER_REPLY), so it learns that the kill happened.
func (n *Node) kill(c *call, s *session) {
	if s == c.session {
		n.killAfterReply = true
		return
	}
	n.killNow(s.client)
}

// killNow forgets client as a hang-up does, tells the adapter to close its
// connection, and ignores what the client still sends until the adapter
// reports the hang-up.
func (n *Node) killNow(client node.ID) {
	n.forgetClient(client)
	if n.killed == nil {
		n.killed = make(map[node.ID]bool)
	}
	n.killed[client] = true
	n.env.Send(client, CloseConnection{})
}

// forgetClient drops everything the node keeps for client: its watches,
// its blocked command, its session, its WAITs.
func (n *Node) forgetClient(client node.ID) {
	n.unwatchAll(client)
	n.monitorGone(client)
	n.clientGone(client)
	n.disconnect(client)
	n.replicationClientGone(client)
}

// CLIENT UNBLOCK id [TIMEOUT|ERROR]: answer a client blocked in BLPOP and
// friends as if its timeout had passed, or with an UNBLOCKED error.
func clientUnblockCommand(c *call) resp.Value {
	id, ok := resp.ParseInt(c.args[2])
	if !ok {
		return resp.Err(errNotInteger)
	}
	withError := false
	if len(c.args) == 4 {
		switch strings.ToLower(string(c.args[3])) {
		case "timeout":
		case "error":
			withError = true
		default:
			return resp.Err("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR")
		}
	} else if len(c.args) > 4 {
		return resp.Err(errSyntax)
	}
	n := c.node
	s := n.clientsByID[id]
	if s == nil {
		return resp.Int(0)
	}
	bc := n.blocking.blocked[s.client]
	if bc == nil || bc.done {
		return resp.Int(0)
	}
	// The client's queued commands run after this command (receiveCommand
	// calls handleBlocked), as after a timeout.
	n.unblock(bc)
	answer := resp.Value{Kind: resp.NullArray}
	if withError {
		// Counted as Redis counts an error of the blocked command: an
		// UNBLOCKED error reply and a failed call of it, with the rest
		// of its unblocking statistics (blocking.go).
		answer = n.countError(resp.Err("UNBLOCKED client unblocked via CLIENT UNBLOCK"))
		n.countUnblocked(bc, 0, true)
	}
	n.reply(bc.client, bc.seq, answer)
	return resp.Int(1)
}

// CLIENT NO-EVICT on|off
func clientNoEvictCommand(c *call) resp.Value {
	switch strings.ToLower(string(c.args[2])) {
	case "on":
		c.session.meta.noEvict = true
	case "off":
		c.session.meta.noEvict = false
	default:
		return resp.Err(errSyntax)
	}
	return resp.OK
}
