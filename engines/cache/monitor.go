package cache

// MONITOR, as Redis 7.0: a monitoring client is sent, as a status line,
// every command any client ran — after it ran, with the database it ran
// in — except the ones Redis keeps out (admin commands and those flagged
// skip_monitor), with passwords redacted. Queued commands show when EXEC
// runs them, between MULTI and EXEC; EVAL shows before it runs, then the
// commands its script calls, from "lua".

import (
	"bytes"
	"slices"
	"strconv"
	"time"

	"syslab/engines/cache/resp"
	"syslab/node"
)

var monitorCommands = []commandSpec{
	{name: "monitor", arity: 1, run: monitorCommand},
}

func monitorCommand(c *call) resp.Value {
	n := c.node
	s := c.session
	if n.exec != nil { // a transaction expects one reply per command
		return resp.Err("ERR MONITOR isn't allowed for DENY BLOCKING client")
	}
	if s.monitoring {
		return resp.Value{} // already: Redis answers nothing
	}
	s.monitoring = true
	n.monitors = append(n.monitors, c.client)
	return resp.OK
}

// monitorGone drops client from the monitors when it disconnects.
func (n *Node) monitorGone(client node.ID) {
	n.monitors = slices.DeleteFunc(n.monitors, func(id node.ID) bool { return id == client })
}

// feedMonitors shows a command s ran to the monitoring clients.
func (n *Node) feedMonitors(s *session, spec *commandSpec, args [][]byte) {
	if hiddenFromMonitors(spec, args) {
		return
	}
	n.showMonitors(s, spec, args)
}

// showMonitors sends the monitoring clients the line for a command; a
// command a script called names "lua" as its client, as Redis does.
func (n *Node) showMonitors(s *session, spec *commandSpec, args [][]byte) {
	now := n.env.Now()
	line := strconv.AppendInt(nil, now.Unix(), 10)
	line = append(line, '.')
	micros := strconv.AppendInt(nil, int64(now.Nanosecond()/int(time.Microsecond)), 10)
	for range 6 - len(micros) {
		line = append(line, '0')
	}
	line = append(line, micros...)
	line = append(line, " ["...)
	line = strconv.AppendInt(line, int64(s.dbIndex), 10)
	line = append(line, ' ')
	if n.scriptRun != nil {
		line = append(line, "lua"...)
	} else if s.meta.unixSocket {
		line = append(line, "unix:"+s.meta.localAddr...)
	} else {
		line = append(line, s.addr()...)
	}
	line = append(line, ']')
	hideFrom, hideTo := redacted(spec, args)
	for i, a := range args {
		line = append(line, ' ')
		if hideFrom <= i && i < hideTo {
			line = append(line, `"(redacted)"`...)
			continue
		}
		line = appendQuoted(line, a)
	}
	v := resp.Value{Kind: resp.SimpleString, Str: line}
	for _, id := range n.monitors {
		n.push(id, v)
	}
}

// adminSubcommands are the subcommands of container commands that Redis
// 7.0 flags admin, so monitors do not see them (CONFIG SET requirepass
// would show a password); the table of docs flags only whole commands.
var adminSubcommands = map[string][]string{
	"client":  {"kill", "list", "no-evict", "pause", "unblock", "unpause"},
	"config":  {"get", "resetstat", "rewrite", "set"},
	"cluster": {"addslots", "addslotsrange", "bumpepoch", "count-failure-reports", "delslots", "delslotsrange", "failover", "flushslots", "forget", "meet", "replicas", "replicate", "reset", "saveconfig", "set-config-epoch", "setslot", "slaves"},
}

// hiddenFromMonitors: Redis keeps the command out of MONITOR's stream.
func hiddenFromMonitors(spec *commandSpec, args [][]byte) bool {
	if doc := commandDocTable[spec.name]; doc != nil &&
		(slices.Contains(doc.flags, "admin") || slices.Contains(doc.flags, "skip_monitor")) {
		return true
	}
	subs := adminSubcommands[spec.name]
	return len(subs) > 0 && len(args) > 1 && slices.ContainsFunc(subs, func(sub string) bool {
		return bytes.EqualFold(args[1], []byte(sub))
	})
}

// redacted is the range of args a monitor must not see: AUTH's user
// and password, HELLO's AUTH user and password, MIGRATE's AUTH password and
// AUTH2 user and password; empty when none.
func redacted(spec *commandSpec, args [][]byte) (from, to int) {
	switch spec.name {
	case "auth":
		return 1, len(args)
	case "hello":
		for i := 2; i+2 < len(args); i++ {
			if bytes.EqualFold(args[i], []byte("auth")) {
				return i + 1, i + 3
			}
		}
	case "migrate": // AUTH password, AUTH2 username password; KEYS ends the options
		for i := 6; i < len(args); i++ {
			switch {
			case bytes.EqualFold(args[i], []byte("keys")):
				return 0, 0
			case bytes.EqualFold(args[i], []byte("auth")) && i+1 < len(args):
				return i + 1, i + 2
			case bytes.EqualFold(args[i], []byte("auth2")) && i+2 < len(args):
				return i + 1, i + 3
			}
		}
	}
	return 0, 0
}

// appendQuoted writes b in double quotes as Redis's sdscatrepr does:
// backslash escapes for quote, backslash and the common control
// characters, \xHH for other unprintable bytes.
func appendQuoted(dst, b []byte) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for _, c := range b {
		switch c {
		case '\\', '"':
			dst = append(dst, '\\', c)
		case '\n':
			dst = append(dst, `\n`...)
		case '\r':
			dst = append(dst, `\r`...)
		case '\t':
			dst = append(dst, `\t`...)
		case '\a':
			dst = append(dst, `\a`...)
		case '\b':
			dst = append(dst, `\b`...)
		default:
			if c >= 0x20 && c < 0x7f {
				dst = append(dst, c)
			} else {
				dst = append(dst, '\\', 'x', hex[c>>4], hex[c&0xf])
			}
		}
	}
	return append(dst, '"')
}
