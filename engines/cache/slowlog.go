package cache

import (
	"bytes"
	"math"
	"strconv"
	"strings"
	"time"

	"syslab/engines/cache/resp"
)

// SLOWLOG: the commands that took at least slowlog-log-slower-than
// microseconds (commandclock.go says how a duration is had), newest
// first, at most slowlog-max-len of them, as Redis 7.0 keeps them:
//
//  1. id            counts every entry ever logged; RESET does not rewind it
//  2. timestamp     Unix seconds when the command ran
//  3. duration      microseconds
//  4. arguments     at most slowlogArgsMax, each cut to slowlogArgBytesMax;
//     passwords replaced by "(redacted)"
//  5. client        ip:port
//  6. client name   "" when unset
//
// EXEC is not logged (Redis flags it skip_slowlog): the commands it ran
// are. A blocking command (BLPOP) is logged when it is answered, with the
// time its call and its serving took (blocking.go), as in Redis. In the
// simulator durations are the cost model's.
var slowlogCommands = []commandSpec{
	{name: "slowlog", arity: -2, run: slowlogCommand},
}

const (
	// slowlogArgsMax and slowlogArgBytesMax bound what an entry keeps
	// of a command (Redis's SLOWLOG_ENTRY_MAX_ARGC and _MAX_STRING).
	slowlogArgsMax     = 32
	slowlogArgBytesMax = 128
	// Redis's defaults for the two parameters.
	defaultSlowlogSlowerThanMicros = 10000
	defaultSlowlogLenMax           = 128
	// slowlogGetDefault is how many entries SLOWLOG GET returns
	// without a count.
	slowlogGetDefault = 10
)

type slowlogEntry struct {
	id             int64
	unixSeconds    int64
	durationMicros int64
	args           [][]byte // trimmed and redacted copies
	peer, name     string
}

type slowlog struct {
	// slowerThanMicros is slowlog-log-slower-than: -1 logs nothing, 0
	// every command. lenMax is slowlog-max-len.
	slowerThanMicros int64
	lenMax           int64
	// entries are oldest first: a new one is appended and the oldest
	// dropped from the front, so logging every command (threshold 0)
	// costs O(1) per command rather than a shift of the whole log.
	entries []slowlogEntry
	nextID  int64
}

func newSlowlog() slowlog {
	return slowlog{slowerThanMicros: defaultSlowlogSlowerThanMicros, lenMax: defaultSlowlogLenMax}
}

// logCommand adds a command that took duration, if it was slow.
func (n *Node) logCommand(s *session, spec *commandSpec, args [][]byte, duration time.Duration) {
	sl := &n.slowlog
	micros := duration.Microseconds()
	if sl.slowerThanMicros < 0 || micros < sl.slowerThanMicros || spec.flags&flagSkipSlowlog != 0 {
		return
	}
	e := slowlogEntry{id: sl.nextID, unixSeconds: n.env.Now().Unix(), durationMicros: micros,
		args: slowlogArgs(spec, args), peer: s.addr(), name: string(s.name)} // the peer as CLIENT LIST's addr
	sl.nextID++
	sl.entries = append(sl.entries, e)
	sl.trim()
}

// trim drops the oldest entries past slowlog-max-len.
func (sl *slowlog) trim() {
	if excess := int64(len(sl.entries)) - sl.lenMax; excess > 0 {
		clear(sl.entries[:excess]) // the arguments go to the GC now, not at the next reallocation
		sl.entries = sl.entries[excess:]
	}
}

// slowlogArgs is what an entry keeps of args: copies (the adapter reuses
// the arguments' memory), cut as Redis cuts them, passwords redacted.
func slowlogArgs(spec *commandSpec, args [][]byte) [][]byte {
	kept := min(len(args), slowlogArgsMax)
	out := make([][]byte, kept)
	hideFrom, hideTo := redacted(spec, args) // monitor.go
	for i := range kept {
		a := args[i]
		switch {
		case i == slowlogArgsMax-1 && len(args) > slowlogArgsMax:
			out[i] = []byte("... (" + strconv.Itoa(len(args)-slowlogArgsMax+1) + " more arguments)")
		case hideFrom <= i && i < hideTo, sensitiveConfigValue(spec, args, i):
			out[i] = []byte("(redacted)")
		case len(a) > slowlogArgBytesMax:
			out[i] = append(bytes.Clone(a[:slowlogArgBytesMax]), "... ("+strconv.Itoa(len(a)-slowlogArgBytesMax)+" more bytes)"...)
		default:
			out[i] = bytes.Clone(a)
		}
	}
	return out
}

// sensitiveParams are the parameters whose values Redis 7.0 keeps out of
// logs (its SENSITIVE_CONFIG flag).
var sensitiveParams = []string{"masterauth", "masteruser", "requirepass"}

// sensitiveConfigValue: args[i] is the value of a sensitive parameter in
// CONFIG SET name value [name value …].
func sensitiveConfigValue(spec *commandSpec, args [][]byte, i int) bool {
	if spec.name != "config" || len(args) < 4 || !bytes.EqualFold(args[1], []byte("set")) || i < 3 || i%2 == 0 {
		return false
	}
	for _, p := range sensitiveParams {
		if bytes.EqualFold(args[i-1], []byte(p)) {
			return true
		}
	}
	return false
}

func slowlogCommand(c *call) resp.Value {
	sub := strings.ToLower(string(c.args[1]))
	sl := &c.node.slowlog
	switch sub {
	case "help", "len", "reset":
		if len(c.args) != 2 {
			return errSubcommandArity("slowlog", sub)
		}
	case "get":
		if len(c.args) > 3 {
			return errSubcommandSyntax(c.args[1], "SLOWLOG")
		}
	default:
		return errUnknownSubcommand(c.args[1], "SLOWLOG")
	}
	switch sub {
	case "help":
		return helpReply(c, slowlogHelp)
	case "len":
		return resp.Int(int64(len(sl.entries)))
	case "reset":
		clear(sl.entries)
		sl.entries = sl.entries[:0]
		return resp.OK
	}
	return slowlogGet(c)
}

// slowlogGet is SLOWLOG GET [count].
func slowlogGet(c *call) resp.Value {
	sl := &c.node.slowlog
	count := int64(slowlogGetDefault)
	if len(c.args) == 3 {
		i, ok := resp.ParseInt(c.args[2])
		switch {
		case !ok || i < -1: // Redis gives the range's wording for both
			return resp.Err("ERR count should be greater than or equal to -1")
		case i == -1:
			count = int64(len(sl.entries))
		default:
			count = i
		}
	}
	shown := min(count, int64(len(sl.entries)))
	out := resp.Value{Kind: resp.Array, Elems: make([]resp.Value, shown)}
	for i := range shown { // newest first
		e := sl.entries[int64(len(sl.entries))-1-i]
		args := resp.Value{Kind: resp.Array, Elems: make([]resp.Value, len(e.args))}
		for j, a := range e.args {
			args.Elems[j] = resp.Bulk(a)
		}
		out.Elems[i] = resp.Value{Kind: resp.Array, Elems: []resp.Value{
			resp.Int(e.id), resp.Int(e.unixSeconds), resp.Int(e.durationMicros), args,
			resp.BulkFromString(e.peer), resp.BulkFromString(e.name),
		}}
	}
	return out
}

var slowlogHelp = []string{
	"SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
	"GET [<count>]",
	"    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
	"    Entries are made of:",
	"    id, timestamp, time in microseconds, arguments array, client IP and port,",
	"    client name",
	"LEN",
	"    Return the length of the slowlog.",
	"RESET",
	"    Reset the slowlog.",
	"HELP",
	"    Prints this help.",
}

func init() {
	for name, p := range slowlogConfigParams() {
		configParams[name] = p
	}
}

// slowlogConfigParams are the two parameters, worded as Redis's
// createLongLongConfig and createULongConfig parameters are.
func slowlogConfigParams() map[string]configParam {
	return map[string]configParam{
		"slowlog-log-slower-than": {
			get: func(n *Node) string { return strconv.FormatInt(n.slowlog.slowerThanMicros, 10) },
			set: func(n *Node, v string) (string, bool) {
				i, reason, ok := parseInt64Config(v, -1, math.MaxInt64)
				if ok {
					n.slowlog.slowerThanMicros = i
				}
				return reason, ok
			},
		},
		"slowlog-max-len": {
			get: func(n *Node) string { return strconv.FormatInt(n.slowlog.lenMax, 10) },
			set: func(n *Node, v string) (string, bool) {
				i, reason, ok := parseInt64Config(v, 0, math.MaxInt64)
				if ok {
					n.slowlog.lenMax = i
					n.slowlog.trim()
				}
				return reason, ok
			},
		},
	}
}
