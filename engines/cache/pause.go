package cache

import (
	"bytes"
	"strconv"
	"strings"
	"time"

	"syslab/engines/cache/resp"
	"syslab/node"
)

// Pausing clients: CLIENT PAUSE timeout [WRITE|ALL], CLIENT UNPAUSE, and
// DEBUG SLEEP, which in Redis stops the whole event loop and here holds
// every command until it is over (the node never blocks).
//
// While the node is paused, the commands it holds — all of them, or in
// WRITE mode the writes and PUBLISH — wait in arrival order and run when
// the pause ends, as Redis's postponed clients do. A client with a held
// command has its later commands held behind it, whatever they are, so its
// replies keep their order. Unlike Redis, keys still expire and eviction
// still runs during a pause.

// pausedCommandsMax bounds the commands held during a pause; one more is
// refused with an error rather than queued without limit.
const pausedCommandsMax = 100_000

type pauseMode uint8

const (
	pauseNone pauseMode = iota
	pauseWrite
	pauseAll
)

// pauseState is the node's side of a pause.
type pauseState struct {
	mode         pauseMode
	untilMillis  int64
	held         []heldCommand
	heldByClient map[node.ID]int
	// generation tells a pause's timer whether it is still the current
	// one: CLIENT PAUSE again or UNPAUSE makes older timers stale.
	generation uint64
	// sleeper is the client whose DEBUG SLEEP is running, answered OK
	// when the pause ends; sleeperSeq its command.
	sleeper    node.ID
	sleeperSeq uint64
}

type heldCommand struct {
	client node.ID
	seq    uint64
	args   [][]byte
}

// holdWhilePaused holds the command if the node is paused for it, and
// reports whether it did.
func (n *Node) holdWhilePaused(client node.ID, seq uint64, args [][]byte) bool {
	p := &n.pause
	if p.mode == pauseNone {
		return false
	}
	if n.env.Now().UnixMilli() >= p.untilMillis {
		// Over, though its timer has not run yet (CLIENT PAUSE 0): what
		// was held runs first, then this command.
		endPause(n)
		return false
	}
	if p.mode == pauseWrite && p.heldByClient[client] == 0 && !pausedByWrite(args) {
		return false
	}
	if len(p.held) >= pausedCommandsMax {
		n.reply(client, seq, resp.Err("ERR more than "+strconv.Itoa(pausedCommandsMax)+" commands held while clients are paused"))
		return true
	}
	if p.heldByClient == nil {
		p.heldByClient = make(map[node.ID]int)
	}
	p.held = append(p.held, heldCommand{client, seq, args})
	p.heldByClient[client]++
	return true
}

// pausedByWrite: what WRITE mode holds — commands that may change the
// keyspace or be propagated (PUBLISH).
func pausedByWrite(args [][]byte) bool {
	if len(args) == 0 {
		return false
	}
	spec := lookupCommand(args[0])
	return spec != nil && (spec.flags&flagWrite != 0 || spec.name == "publish")
}

// startPause pauses in mode until untilMillis; a longer or stricter pause
// already running is kept, as Redis keeps the furthest deadline.
func (n *Node) startPause(mode pauseMode, untilMillis int64) {
	p := &n.pause
	if p.mode != pauseNone {
		untilMillis = max(untilMillis, p.untilMillis)
		mode = max(mode, p.mode)
	}
	p.mode, p.untilMillis = mode, untilMillis
	p.generation++
	generation := p.generation
	wait := time.Duration(max(untilMillis-n.env.Now().UnixMilli(), 0)) * time.Millisecond
	n.env.After(wait, func() {
		if n.halted || n.pause.generation != generation {
			return
		}
		endPause(n)
	})
}

// endPause is (*Node).endPause, reached through this variable because the
// command table holds CLIENT PAUSE, whose timer ends the pause by running
// commands: Go rejects that initialization cycle.
var endPause func(*Node)

func init() { endPause = (*Node).endPause }

// endPause answers a DEBUG SLEEP, then runs the held commands in order.
func (n *Node) endPause() {
	p := &n.pause
	p.mode, p.untilMillis = pauseNone, 0
	p.generation++
	if p.sleeper != "" {
		sleeper, seq := p.sleeper, p.sleeperSeq
		p.sleeper = ""
		n.reply(sleeper, seq, resp.OK)
	}
	held := p.held
	p.held, p.heldByClient = nil, nil
	for _, h := range held {
		// A command run here may pause again: the rest are held anew, in
		// order, by receiveCommand.
		n.receiveCommand(h.client, h.seq, h.args)
	}
}

// CLIENT PAUSE timeout [WRITE|ALL]
func clientPauseCommand(c *call) resp.Value {
	timeoutMillis, ok := resp.ParseInt(c.args[2])
	if !ok {
		return resp.Err("ERR timeout is not an integer or out of range")
	}
	if timeoutMillis < 0 {
		return resp.Err("ERR timeout is negative")
	}
	mode := pauseAll
	if len(c.args) == 4 {
		switch strings.ToLower(string(c.args[3])) {
		case "write":
			mode = pauseWrite
		case "all":
		default:
			return resp.Err("ERR CLIENT PAUSE mode must be WRITE or ALL")
		}
	} else if len(c.args) > 4 {
		return resp.Err("ERR unknown subcommand or wrong number of arguments for '" + string(c.args[1]) + "'. Try CLIENT HELP.")
	}
	c.node.startPause(mode, c.nowMillis+timeoutMillis)
	return resp.OK
}

// CLIENT UNPAUSE: end the pause now. The held commands run after this
// command's reply, as after the timeout.
func clientUnpauseCommand(c *call) resp.Value {
	n := c.node
	if n.pause.mode != pauseNone && n.pause.sleeper == "" {
		n.pause.generation++
		generation := n.pause.generation
		n.env.After(0, func() {
			if !n.halted && n.pause.generation == generation {
				endPause(n)
			}
		})
	}
	return resp.OK
}

// debugSleepMillisMax bounds DEBUG SLEEP: a typo must not freeze a node
// for a day.
const debugSleepMillisMax = 3_600_000

// debugSleep is DEBUG SLEEP seconds: every command waits, the caller's OK
// comes when the time is over.
func debugSleep(c *call) resp.Value {
	seconds, err := strconv.ParseFloat(string(c.args[2]), 64)
	if err != nil || seconds != seconds {
		seconds = 0 // Redis reads it with atof: garbage sleeps 0 seconds
	}
	millis := int64(seconds * 1000)
	if millis <= 0 {
		return resp.OK
	}
	if millis > debugSleepMillisMax {
		return resp.Err("ERR DEBUG SLEEP is limited to " + strconv.Itoa(debugSleepMillisMax/1000) + " seconds here")
	}
	n := c.node
	if n.pause.sleeper != "" || c.client == "" || n.exec != nil {
		return resp.Err("ERR DEBUG SLEEP cannot run here now")
	}
	n.pause.sleeper, n.pause.sleeperSeq = c.client, c.seq
	n.startPause(pauseAll, c.nowMillis+millis)
	return replyLater
}

// isDebugSleep tells DEBUG SLEEP apart for debugCommand.
func isDebugSleep(args [][]byte) bool {
	return len(args) == 3 && bytes.EqualFold(args[1], []byte("sleep"))
}
