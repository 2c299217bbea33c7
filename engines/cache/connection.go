package cache

import (
	"syslab/engines/cache/resp"
)

// Connection-level commands: PING, ECHO, SELECT, QUIT.
var connectionCommands = []commandSpec{
	{name: "ping", arity: -1, flags: flagFast, run: pingCommand},
	{name: "echo", arity: 2, flags: flagFast, run: echoCommand},
	{name: "select", arity: 2, flags: flagFast, run: selectCommand},
	{name: "quit", arity: -1, flags: flagFast, run: quitCommand},
}

// quitCommand only answers: closing the connection after the reply is the
// server adapter's part, which answers QUIT itself without asking the node
// (Redis 7.0 takes any arguments). The entry is here so COMMAND describes
// QUIT, and a client of the simulated node, which has no connection to
// close, gets Redis's reply.
func quitCommand(*call) resp.Value { return resp.OK }

var replyPong = resp.Simple("PONG")

func pingCommand(c *call) resp.Value {
	if c.subscribedRESP2() && len(c.args) <= 2 { // pubsub.go
		message := resp.BulkFromString("")
		if len(c.args) == 2 {
			message = resp.Bulk(c.args[1])
		}
		return resp.ArrayOf(resp.BulkFromString("pong"), message)
	}
	switch len(c.args) {
	case 1:
		return replyPong
	case 2:
		return resp.Bulk(c.args[1])
	}
	return errWrongArity("ping")
}

func echoCommand(c *call) resp.Value { return resp.Bulk(c.args[1]) }

func selectCommand(c *call) resp.Value {
	index, ok := resp.ParseInt(c.args[1])
	if !ok || index < -1<<31 || index > 1<<31-1 {
		return resp.Err(errNotInteger)
	}
	if c.node.cluster != nil && index != 0 {
		return resp.Err("ERR SELECT is not allowed in cluster mode")
	}
	if index < 0 || index >= int64(len(c.node.dbs)) {
		return resp.Err(errDBOutOfRange)
	}
	c.node.selectDB(c, int(index))
	return resp.OK
}
