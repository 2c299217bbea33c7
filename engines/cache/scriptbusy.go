package cache

import (
	"bytes"
	"math"
	"strconv"
	"time"

	"syslab/engines/cache/resp"
	"syslab/node"
)

// Long scripts, as Redis 7.0's script.c has them. A script that has run
// for busy-reply-threshold (alias lua-time-limit, 5 s) is timed out: from
// then on, every scriptInterruptSteps Lua instructions, the node lets its
// environment serve other clients (node.BusyServer) from inside the
// script's call. Those clients get BUSY for every command but the few
// Redis allows then (allowedWhileBusy): SCRIPT KILL or FUNCTION KILL stops
// a script that has not written (one that has cannot be undone, so it is
// UNKILLABLE), SHUTDOWN NOSAVE stops the server and the script with it.
// Nothing else runs meanwhile: no eviction, no blocked client served, no
// timer — the script still runs atomically.
//
// Only an environment that is a BusyServer and a node.Stopwatch (live
// mode) lets a script time out. There a script may run for as long as it
// likes, as in Redis, unless Config.ScriptStepsMax bounds it; in the
// simulator, where no time passes during a script and nobody could kill
// it, scripts are bounded by defaultScriptStepsMax instructions instead —
// and so is a live script that times out where nobody can be served (one
// run by a timer: commands held by CLIENT PAUSE, for one).

const (
	// scriptInterruptSteps is how often a running script checks whether
	// it timed out, and once it has, how often it lets others be served:
	// Redis's Lua count hook runs every 100,000 instructions.
	scriptInterruptSteps = 100_000
	// busyReplyThresholdDefault is Redis's busy-reply-threshold.
	busyReplyThresholdDefault = 5 * time.Second
)

var (
	replyBusyEval     = resp.Err("BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.")
	replyBusyFunction = resp.Err("BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.")
	replyNotBusy      = resp.Err("NOTBUSY No scripts in execution right now.")
	replyUnkillable   = resp.Err("UNKILLABLE Sorry the script already executed write commands against the dataset. " +
		"You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.")
)

// scriptKilledError is what a killed script raises, at every instruction
// from then on so that a pcall cannot catch it for good.
const scriptKilledError = "Script killed by user with SCRIPT KILL..."

// servesWhileBusy reports whether scripts can time out here.
func (n *Node) servesWhileBusy() bool {
	_, ok := n.env.(node.BusyServer)
	return ok && n.clock.stopwatch != nil
}

// scriptStepsMax is the instruction bound of one script (see above).
func (n *Node) scriptStepsMax() int64 {
	switch {
	case n.cfg.ScriptStepsMax > 0:
		return n.cfg.ScriptStepsMax
	case n.servesWhileBusy():
		return math.MaxInt64
	}
	return defaultScriptStepsMax
}

// busyScript is the script that timed out and is running, if any.
func (n *Node) busyScript() *scriptRun {
	if run := n.scriptRun; run != nil && run.timedOut {
		return run
	}
	return nil
}

// busyReply is BUSY worded for the kind of script running.
func (run *scriptRun) busyReply() resp.Value {
	if run.function {
		return replyBusyFunction
	}
	return replyBusyEval
}

// scriptInterrupt runs every scriptInterruptSteps instructions of a
// script: it times the script out past the threshold, then serves others
// each time. True means the script was killed.
func (n *Node) scriptInterrupt(run *scriptRun) (killed bool) {
	if run.killed {
		return true
	}
	server, ok := n.env.(node.BusyServer)
	if !ok || n.clock.stopwatch == nil || n.busyReplyThreshold <= 0 {
		return false
	}
	if !run.timedOut {
		elapsed := n.clock.stopwatch.Elapsed() - run.startedAt
		if elapsed < n.busyReplyThreshold {
			return false
		}
		run.timedOut = true
		killCommand := "SCRIPT KILL"
		if run.function {
			killCommand = "FUNCTION KILL"
		}
		n.env.Logf("cache: Slow script detected: still in execution after %d milliseconds. "+
			"You can try killing the script using the %s command. Script name is: %s.",
			elapsed.Milliseconds(), killCommand, run.name)
	}
	n.answerRoundWhileBusy()
	served, stopping := server.ServeWhileBusy()
	if stopping {
		run.killed = true
	}
	if !served {
		// Nobody can reach the node to kill the script (it runs from a
		// timer's work: commands held by CLIENT PAUSE or DEBUG SLEEP, or
		// queued behind a blocked one): it gets the simulator's bound
		// (stepBudget.interrupt).
		run.unservable = true
	}
	return run.killed
}

// killScript is SCRIPT KILL (eval) and FUNCTION KILL (!eval). (Redis's
// UNKILLABLE for a script its master sent cannot happen here: scripts
// replicate as their effects, never run on a replica.)
func (n *Node) killScript(eval bool) resp.Value {
	run := n.busyScript()
	switch {
	case run == nil:
		return replyNotBusy
	case run.wrote:
		return replyUnkillable
	case eval && run.function:
		return replyBusyFunction
	case !eval && !run.function:
		return replyBusyEval
	}
	run.killed = true
	return resp.OK
}

// allowedWhileBusy lists the commands Redis 7.0 runs while a script is
// timed out (its allow-busy flag); everything else is answered BUSY.
func allowedWhileBusy(spec *commandSpec, args [][]byte) bool {
	switch spec.name {
	case "auth", "discard", "hello", "multi", "quit", "replconf", "reset", "shutdown", "unwatch", "watch":
		return true
	case "script":
		return bytes.EqualFold(args[1], []byte("kill"))
	case "function":
		return bytes.EqualFold(args[1], []byte("kill")) || bytes.EqualFold(args[1], []byte("stats"))
	}
	return false
}

// runningScriptStats is FUNCTION STATS's running_script: the function's
// name, its caller's command and how long it has run.
func (n *Node) runningScriptStats() resp.Value {
	run := n.busyScript()
	if run == nil {
		return resp.NullBulk
	}
	command := resp.Value{Kind: resp.Array, Elems: make([]resp.Value, len(run.caller.args))}
	for i, arg := range run.caller.args {
		command.Elems[i] = resp.Bulk(bytes.Clone(arg))
	}
	elapsed := n.clock.stopwatch.Elapsed() - run.startedAt
	return resp.Value{Kind: resp.Map, Elems: []resp.Value{
		resp.BulkFromString("name"), resp.BulkFromString(run.name),
		resp.BulkFromString("command"), command,
		resp.BulkFromString("duration_ms"), resp.Int(elapsed.Milliseconds()),
	}}
}

// receiveWhileBusy is Receive for a message that arrives while a script
// runs (the environment serving others from inside it): commands are run
// or refused one by one, and nothing that waits for a better moment —
// blocked clients, held or queued commands — is served until the script
// ends.
func (n *Node) receiveWhileBusy(from node.ID, msg node.Message) {
	switch m := msg.(type) {
	case Command:
		n.handleWhileBusy(from, m.Seq, m.Args)
	case *Command:
		n.handleWhileBusy(from, m.Seq, m.Args)
	case Commands:
		for _, c := range m {
			n.handleWhileBusy(from, c.Seq, c.Args)
		}
	case Connected, Disconnected, QueryBuffer, OutputBuffer:
		n.receive(from, msg)
	default:
		n.env.Logf("cache: ignoring %T from %s while a script runs", msg, from)
	}
}

// handleWhileBusy runs one command while a script runs, leaving the
// script's clock as it was: its frozen time (n.access) and the reading
// its command is timed from.
func (n *Node) handleWhileBusy(client node.ID, seq uint64, args [][]byte) {
	if n.killed[client] || n.stopped() {
		return
	}
	nowMillis, markAt := n.access.nowMillis, n.clock.markAt
	n.clock.markAt = noMark // timed from its own start
	n.runOrQueue(client, seq, args)
	n.access.nowMillis, n.clock.markAt = nowMillis, markAt
}

// answerRoundWhileBusy runs the batches of the round that had not begun
// when the script timed out, as Redis runs what its other clients sent
// meanwhile; the round goes on with what is left after the script.
func (n *Node) answerRoundWhileBusy() {
	for len(n.roundWaiting) > 0 {
		cc := n.roundWaiting[0]
		n.roundWaiting = n.roundWaiting[1:]
		for _, c := range cc.Commands {
			n.handleWhileBusy(cc.Client, c.Seq, c.Args)
		}
	}
}

func busyReplyThresholdParam() configParam {
	return configParam{
		get: func(n *Node) string { return strconv.FormatInt(n.busyReplyThreshold.Milliseconds(), 10) },
		set: func(n *Node, v string) (string, bool) {
			millis, reason, ok := parseInt64Config(v, 0, math.MaxInt64/int64(time.Millisecond))
			if ok {
				n.busyReplyThreshold = time.Duration(millis) * time.Millisecond
			}
			return reason, ok
		},
	}
}

func init() {
	configParams["busy-reply-threshold"] = busyReplyThresholdParam()
	configParams["lua-time-limit"] = busyReplyThresholdParam()
}
