package cache

import (
	"bytes"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"syslab/engines/cache/resp"
)

// Per-command and per-error statistics: INFO commandstats and errorstats,
// and total_error_replies in INFO stats (Redis's cmdstat_* and
// errorstat_* lines).
//
// calls counts the commands that ran (inside EXEC too, and a blocking
// command once, when it is called; its latency and failure count when it
// is answered: blocking.go); rejected_calls those refused before
// running (arity, a subscribed client, routing, OOM, a read-only replica,
// MISCONF); failed_calls those that ran and answered an error. usec is
// the time the commands took (commandclock.go: measured in a server, the
// cost model's in the simulator), usec_per_call its mean.

// errorKindsMax bounds the error kinds counted apart, as Redis stops
// tracking new ones at 128 (the total still counts).
const errorKindsMax = 128

// subcommandStatsMax bounds the container subcommands (CLIENT LIST …)
// counted apart; past it they count under their command, so a client
// sending made-up subcommand names cannot grow the table without end.
const subcommandStatsMax = 256

var errUnknownSubcommandPrefix = []byte("ERR unknown subcommand")

type commandStat struct {
	calls, rejected, failed int64
	duration                time.Duration
	// latency is the durations' histogram (latencystats.go); nil until
	// the command runs with latency-tracking on.
	latency *hdrhistogram.Histogram
	// name is the command's; set when counted by command (byCommand).
	name string
}

// commandStats is the node's side.
type commandStats struct {
	// byCommand is indexed by commandSpec.index; bySubcommand is keyed
	// "client|list".
	byCommand    []commandStat
	bySubcommand map[string]*commandStat
	// errors counts error replies by their first word ("ERR", "WRONGTYPE").
	errors       map[string]int64
	errorReplies int64
}

func (st *commandStats) reset() { *st = commandStats{} }

// commandStat is the counter for a call of spec with args.
func (n *Node) commandStat(spec *commandSpec, args [][]byte) *commandStat {
	st := &n.cmdStats
	if isContainerCommand(spec.name) && len(args) > 1 {
		name := spec.name + "|" + strings.ToLower(string(args[1][:min(len(args[1]), commandNameBytesMax)]))
		if s := st.bySubcommand[name]; s != nil {
			return s
		}
		if len(st.bySubcommand) < subcommandStatsMax {
			if st.bySubcommand == nil {
				st.bySubcommand = make(map[string]*commandStat)
			}
			s := &commandStat{}
			st.bySubcommand[name] = s
			return s
		}
	}
	if spec.index >= len(st.byCommand) {
		st.byCommand = append(st.byCommand, make([]commandStat, spec.index+1-len(st.byCommand))...)
	}
	s := &st.byCommand[spec.index]
	s.name = spec.name
	return s
}

// countCall counts a command that ran for duration and answered reply.
// An unknown subcommand is no command to Redis (its lookup fails before
// anything runs): only the error counts.
func (n *Node) countCall(spec *commandSpec, args [][]byte, reply resp.Value, duration time.Duration) {
	if reply.Kind == resp.Error && isContainerCommand(spec.name) && bytes.HasPrefix(reply.Str, errUnknownSubcommandPrefix) {
		n.countError(reply)
		return
	}
	s := n.commandStat(spec, args)
	s.calls++
	s.duration += duration
	n.recordLatency(s, duration)
	if reply.Kind == resp.Error {
		s.failed++
		if !n.errorCounted {
			n.countError(reply)
		}
	}
	n.errorCounted = false
}

// countBlockedCall counts the call of a command that parked its client:
// its calls and time so far, not its latency histogram (countUnblocked).
func (n *Node) countBlockedCall(spec *commandSpec, args [][]byte, duration time.Duration) {
	s := n.commandStat(spec, args)
	s.calls++
	s.duration += duration
}

// reject counts a command refused before it ran, and returns the refusal.
func (n *Node) reject(s *session, spec *commandSpec, args [][]byte, refusal resp.Value) resp.Value {
	if spec.name == "exec" {
		// Redis ends the transaction when it refuses EXEC, and says so:
		// EXECABORT, with the refusal's text (its generic ERR code left
		// out).
		n.endTransaction(s.client)
		text, _ := strings.CutPrefix(string(refusal.Str), "ERR ")
		refusal = resp.Err("EXECABORT Transaction discarded because of: " + text)
	}
	return n.rejectAsIs(spec, args, refusal)
}

// rejectAsIs is reject without EXEC's wording: a cluster redirection
// answers an EXEC as any other command (routing.go ends the transaction).
func (n *Node) rejectAsIs(spec *commandSpec, args [][]byte, refusal resp.Value) resp.Value {
	n.commandStat(spec, args).rejected++
	return n.countError(refusal)
}

// countError counts an error reply by its kind, and returns it.
func (n *Node) countError(v resp.Value) resp.Value {
	st := &n.cmdStats
	st.errorReplies++
	kind := v.Str
	if i := bytes.IndexByte(kind, ' '); i >= 0 {
		kind = kind[:i]
	}
	if _, ok := st.errors[string(kind)]; ok || len(st.errors) < errorKindsMax {
		if st.errors == nil {
			st.errors = make(map[string]int64)
		}
		st.errors[string(kind)]++
	}
	return v
}

// writeCommandStats writes INFO commandstats, in name order.
func (n *Node) writeCommandStats(field func(name string, value any)) {
	st := &n.cmdStats
	lines := map[string]commandStat{}
	for _, s := range st.byCommand {
		if s.calls+s.rejected+s.failed > 0 {
			lines[s.name] = s
		}
	}
	for name, s := range st.bySubcommand {
		lines[name] = *s
	}
	for _, name := range slices.Sorted(maps.Keys(lines)) { // never map order
		s := lines[name]
		usec := s.duration.Microseconds()
		perCall := 0.0
		if s.calls > 0 {
			perCall = float64(usec) / float64(s.calls)
		}
		field("cmdstat_"+name, "calls="+strconv.FormatInt(s.calls, 10)+",usec="+strconv.FormatInt(usec, 10)+
			",usec_per_call="+strconv.FormatFloat(perCall, 'f', 2, 64)+",rejected_calls="+
			strconv.FormatInt(s.rejected, 10)+",failed_calls="+strconv.FormatInt(s.failed, 10))
	}
}

// writeErrorStats writes INFO errorstats, in kind order.
func (n *Node) writeErrorStats(field func(name string, value any)) {
	kinds := make([]string, 0, len(n.cmdStats.errors))
	for kind := range n.cmdStats.errors {
		kinds = append(kinds, kind)
	}
	sort.Strings(kinds)
	for _, kind := range kinds {
		field("errorstat_"+kind, "count="+strconv.FormatInt(n.cmdStats.errors[kind], 10))
	}
}
