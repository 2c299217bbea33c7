package cache

import (
	"bytes"
	"strings"

	"syslab/engines/cache/resp"
	"syslab/node"
)

// Client sessions and the commands about the connection itself: HELLO,
// CLIENT (ID, SETNAME, GETNAME and the tracking subcommands of
// tracking.go), RESET.
var clientCommands = []commandSpec{
	{name: "hello", arity: -1, flags: flagFast, run: helloCommand},
	{name: "client", arity: -2, run: clientCommand},
	{name: "reset", arity: 1, flags: flagFast, run: resetCommand},
}

// serverVersion is what HELLO reports: the Redis version whose behaviour
// this node follows. Clients read it (rueidis parses the major version).
const serverVersion = "7.0.15"

// session returns client's session, creating it (with the next client id)
// on first contact.
func (n *Node) session(client node.ID) *session {
	if s := n.existingSession(client); s != nil {
		return s
	}
	n.nextClientID++
	s := &session{client: client, id: n.nextClientID, protocol: resp.RESP2, authenticated: n.cfg.RequirePass == ""}
	s.meta.createdMillis = n.env.Now().UnixMilli()
	s.meta.lastMillis = s.meta.createdMillis
	n.sessions[client] = s
	n.clientsByID[s.id] = s
	n.lastSession = s
	return s
}

// existingSession returns client's session, nil before first contact.
// A pipeline's commands all come from one client, and each looks its
// session up several times (to run, to reply): the last one found is
// kept in lastSession and checked first, which disconnect clears.
func (n *Node) existingSession(client node.ID) *session {
	if s := n.lastSession; s != nil && s.client == client {
		return s
	}
	s := n.sessions[client]
	if s != nil {
		n.lastSession = s
	}
	return s
}

// protocolOf is the protocol version client speaks (RESP2 before contact).
func (n *Node) protocolOf(client node.ID) uint8 {
	if s := n.existingSession(client); s != nil {
		return s.protocol
	}
	return resp.RESP2
}

// disconnect forgets client: its subscriptions, its tracking state, its
// session. Clients that redirected their invalidations to it find the
// redirect broken the next time a key of theirs changes, as in Redis.
func (n *Node) disconnect(client node.ID) {
	s, ok := n.sessions[client]
	if !ok {
		return
	}
	n.unsubscribeAll(s, false)
	n.trackingOff(s)
	n.noteQueryBuffer(s, 0)
	delete(n.sessions, client)
	delete(n.clientsByID, s.id)
	if n.lastSession == s {
		n.lastSession = nil
	}
}

// commandDone runs after every command a client executed, with its reply:
// tracking remembers the keys a read command returned. A transaction's
// EXEC must call it for each command it runs, as Redis's call() does.
func (n *Node) commandDone(c *call, spec *commandSpec, reply resp.Value) {
	if c.session.tracking.on {
		n.trackingCommandDone(c, spec, reply)
	}
	if c.session.meta.connected {
		n.sendOutputLimits(c.session, false) // a SUBSCRIBE changes its class (outputlimits.go)
	}
}

// HELLO [protover [AUTH username password] [SETNAME clientname]]
func helloCommand(c *call) resp.Value {
	s := c.session
	protocol := s.protocol
	if len(c.args) >= 2 {
		v, ok := resp.ParseInt(c.args[1])
		if !ok {
			return resp.Err("ERR Protocol version is not an integer or out of range")
		}
		if v != resp.RESP2 && v != resp.RESP3 {
			return resp.Err("NOPROTO unsupported protocol version")
		}
		protocol = uint8(v)
	}
	var user, password, name []byte
	setName := false
	for j := 2; j < len(c.args); j++ {
		more := len(c.args) - 1 - j
		switch opt := c.args[j]; {
		case bytes.EqualFold(opt, []byte("auth")) && more >= 2:
			user, password = c.args[j+1], c.args[j+2]
			j += 2
		case bytes.EqualFold(opt, []byte("setname")) && more >= 1:
			name = c.args[j+1]
			if !validClientName(name) {
				return resp.Err(errClientName)
			}
			setName = true
			j++
		default:
			return resp.Err("ERR Syntax error in HELLO option '" + string(opt) + "'")
		}
	}
	if user != nil {
		if !c.node.checkPassword(user, password) { // auth.go
			return replyWrongPass
		}
		c.node.loggedIn(s)
	}
	if !s.authenticated {
		return resp.Err(errHelloNoAuth)
	}
	if setName {
		s.name = append([]byte(nil), name...)
	}
	s.protocol = protocol
	return resp.Value{Kind: resp.Map, Elems: []resp.Value{
		resp.BulkFromString("server"), resp.BulkFromString("redis"),
		resp.BulkFromString("version"), resp.BulkFromString(serverVersion),
		resp.BulkFromString("proto"), resp.Int(int64(protocol)),
		resp.BulkFromString("id"), resp.Int(s.id),
		resp.BulkFromString("mode"), resp.BulkFromString("standalone"),
		resp.BulkFromString("role"), resp.BulkFromString("master"),
		resp.BulkFromString("modules"), resp.ArrayOf(),
	}}
}

const errClientName = "ERR Client names cannot contain spaces, newlines or special characters."

// validClientName allows what Redis allows: printable ASCII without spaces.
func validClientName(name []byte) bool {
	for _, ch := range name {
		if ch < '!' || ch > '~' {
			return false
		}
	}
	return true
}

// clientSubcommand is one CLIENT subcommand; arity counts CLIENT and the
// subcommand, as Redis's subcommand table does.
type clientSubcommand struct {
	name  string // lower case, for errors: 'client|name'
	arity int
	run   func(c *call) resp.Value
}

var clientSubcommands = []clientSubcommand{
	{"id", 2, clientIDCommand},
	{"setname", 3, clientSetnameCommand},
	{"getname", 2, clientGetnameCommand},
	{"tracking", -3, clientTrackingCommand},
	{"caching", 3, clientCachingCommand},
	{"getredir", 2, clientGetredirCommand},
	{"trackinginfo", 2, clientTrackinginfoCommand},
	{"list", -2, clientListCommand},
	{"info", 2, clientInfoCommand},
	{"kill", -3, clientKillCommand},       // clients.go
	{"unblock", -3, clientUnblockCommand}, // clients.go
	{"no-evict", 3, clientNoEvictCommand}, // clients.go
	{"pause", -3, clientPauseCommand},     // pause.go
	{"unpause", 2, clientUnpauseCommand},  // pause.go
	{"reply", 3, clientReplyCommand},      // clients.go
	{"help", 2, clientHelpCommand},
}

func clientHelpCommand(c *call) resp.Value { return helpReply(c, clientHelp) }

var clientHelp = []string{
	"CLIENT <subcommand> [<arg> ...]. Subcommands here are:",
	"ID",
	"    Give this connection's id.",
	"SETNAME <name>",
	"    Name this connection (no spaces or newlines).",
	"GETNAME",
	"    Give this connection's name.",
	"INFO",
	"    Describe this connection as one line of CLIENT LIST.",
	"LIST [TYPE (NORMAL|MASTER|REPLICA|PUBSUB)] [ID <id> ...]",
	"    Describe the connections, one line each.",
	"KILL <ip:port> | KILL [ID <id>] [ADDR <ip:port>] [LADDR <ip:port>] [TYPE <type>] [USER <name>] [SKIPME (YES|NO)]",
	"    Close the connections that match.",
	"TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> ...] [OPTIN] [OPTOUT] [NOLOOP]",
	"    Turn client-side caching invalidations on or off for this connection.",
	"CACHING (YES|NO)",
	"    With OPTIN or OPTOUT tracking, choose whether the next command's keys are tracked.",
	"GETREDIR",
	"    Give the id invalidations are redirected to: 0 none, -1 tracking off.",
	"TRACKINGINFO",
	"    Describe this connection's tracking mode, redirection and prefixes.",
	"UNBLOCK <id> [TIMEOUT|ERROR]",
	"    Wake a client blocked in BLPOP or the like, as on timeout or with an error.",
	"NO-EVICT (ON|OFF)",
	"    Protect this connection from being closed to free memory.",
	"PAUSE <timeout-ms> [WRITE|ALL]",
	"    Hold the clients' commands (or only writes) for the time given.",
	"UNPAUSE",
	"    End a pause early.",
	"REPLY (ON|OFF|SKIP)",
	"    Turn this connection's replies off, on, or off for the next command.",
	"HELP",
	"    Print this help.",
}

func lookupClientSubcommand(name []byte) *clientSubcommand {
	for i := range clientSubcommands {
		if bytes.EqualFold(name, []byte(clientSubcommands[i].name)) {
			return &clientSubcommands[i]
		}
	}
	return nil
}

func clientCommand(c *call) resp.Value {
	sub := lookupClientSubcommand(c.args[1])
	if sub == nil {
		return resp.Err("ERR unknown subcommand '" + string(c.args[1][:min(len(c.args[1]), unknownArgsBytes)]) + "'. Try CLIENT HELP.")
	}
	if !(&commandSpec{arity: sub.arity}).arityOK(len(c.args)) {
		return errWrongArity("client|" + sub.name)
	}
	return sub.run(c)
}

func clientIDCommand(c *call) resp.Value { return resp.Int(c.session.id) }

func clientSetnameCommand(c *call) resp.Value {
	if !validClientName(c.args[2]) {
		return resp.Err(errClientName)
	}
	c.session.name = append([]byte(nil), c.args[2]...)
	return resp.OK
}

func clientGetnameCommand(c *call) resp.Value {
	if len(c.session.name) == 0 {
		return resp.NullBulk
	}
	return resp.Bulk(c.session.name)
}

// resetCommand returns the connection to its state on connect, as
// Redis's RESET: out of MONITOR and any transaction (watches dropped),
// no subscriptions, no tracking, database 0, RESP2, no name, replies on,
// no ASKING or READONLY, and logged out when a password is required. The
// client id stays.
func resetCommand(c *call) resp.Value {
	s, n := c.session, c.node
	if s.monitoring {
		s.monitoring = false
		n.monitorGone(c.client)
	}
	n.endTransaction(c.client)
	n.unsubscribeAll(s, false)
	n.trackingOff(s)
	n.selectDB(c, 0)
	s.name = nil
	s.protocol = resp.RESP2
	s.asking, s.readonly = false, false
	s.meta.repliesOff, s.meta.repliesToSkip = false, 0
	s.authenticated = n.cfg.RequirePass == ""
	return resp.Simple("RESET")
}

// subcommandName is 'client|id' for container commands, as Redis 7 names
// them in errors, else the command's name.
func subcommandName(spec *commandSpec, args [][]byte) string {
	if (spec.name == "client" || spec.name == "pubsub") && len(args) > 1 {
		return spec.name + "|" + strings.ToLower(string(args[1][:min(len(args[1]), commandNameBytesMax)]))
	}
	return spec.name
}
