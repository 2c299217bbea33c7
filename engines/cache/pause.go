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
// every command until it is over (the node never blocks). Inside EXEC,
// where Redis sleeps in the middle of the transaction, DEBUG SLEEP moves
// the transaction's clock forward instead — the commands after it see the
// time they would see in Redis — answers at once, and holds every other
// client until the real clock has caught up, so nothing runs during the
// sleep there either. A sleep is not a pause: it does not keep expired
// keys (only the sleeping transaction runs, and it sees them expire).
//
// While the node is paused, the commands it holds — all of them, or in
// WRITE mode those that may change the dataset or the replication stream:
// writes, PUBLISH and PFCOUNT (flagMayReplicate), and an EXEC whose queue holds one —
// wait in arrival order and run when the pause ends, as Redis's postponed
// clients do. The decision is taken where Redis's processCommand takes it:
// after the checks that refuse a command outright (unknown, arity, a
// subscribed RESP2 client, routing, a read-only replica), so a malformed
// command is answered at once, and before MULTI queues a command, so a
// write sent inside MULTI is held rather than QUEUED. A client with a held
// command has its later commands held behind it, whatever they are, so its
// replies keep their order; held clients count as blocked (INFO
// blocked_clients, flag b in CLIENT LIST).
//
// A pause keeps the dataset still, as Redis 7.0 does: the active expiry
// cycle and eviction do not run, and a read of a key past its TTL answers
// as if the key were gone but leaves it in place (DBSIZE still counts it,
// expired_keys does not move); the first access after the pause deletes
// it. Eviction being off also means no OOM refusal during a pause: a held
// write meets maxmemory when it runs. Two cases where Redis 7.0.15 itself
// misbehaves are made safe here: RANDOMKEY over a database whose keys all
// expired loops forever in 7.0.15 and here gives up after
// randomKeyExpiredTriesMax tries (returning such a key, as Redis does on a
// replica and from 7.2 on); and a write inside the transaction that
// started the pause (MULTI … CLIENT PAUSE … SET, the only writes that run
// during a pause) trips an assertion in 7.0.15 when its key has expired,
// while here that write deletes the expired key first as it would
// unpaused.

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
	// sleeping is set during a DEBUG SLEEP, until sleepUntilMillis;
	// sleepGeneration tells its timer whether it is still the current one.
	// sleeper is the client whose DEBUG SLEEP (outside EXEC) is answered
	// OK when the sleep ends; sleeperSeq its command.
	sleeping         bool
	sleepUntilMillis int64
	sleepGeneration  uint64
	sleeper          node.ID
	sleeperSeq       uint64
	// keepExpired is what every keyspace's lazy expiry reads (keyspace.go):
	// set while paused, except during a write command (see above).
	keepExpired bool
}

type heldCommand struct {
	client node.ID
	seq    uint64
	args   [][]byte
}

// paused reports whether a pause (or DEBUG SLEEP) is on.
func (n *Node) paused() bool { return n.pause.mode != pauseNone }

// endPauseIfOver ends a pause whose time is up though its timer has not
// run yet (CLIENT PAUSE 0, or a live clock ahead of the timer): what was
// held runs first, then whatever comes next. Redis checks the same before
// every command and in serverCron.
func (n *Node) endPauseIfOver() {
	now := n.env.Now().UnixMilli()
	if n.paused() && now >= n.pause.untilMillis {
		endPause(n)
	}
	if n.pause.sleeping && now >= n.pause.sleepUntilMillis {
		endSleep(n)
	}
}

// holdBehindHeld holds a client's command before any check if an earlier
// command of the same client is held, so its replies keep their order, or
// if DEBUG SLEEP runs, during which Redis answers nothing at all; it
// reports whether it held the command.
func (n *Node) holdBehindHeld(client node.ID, seq uint64, args [][]byte) bool {
	if n.pause.heldByClient[client] == 0 && !n.pause.sleeping {
		return false
	}
	n.hold(client, seq, args)
	return true
}

// pausedFor reports whether the current pause holds spec run by s,
// checked with flags (its own, or a script's: scriptCommandFlags).
func (n *Node) pausedFor(s *session, spec *commandSpec, flags commandFlags) bool {
	switch n.pause.mode {
	case pauseAll:
		return true
	case pauseWrite:
		if flags&(flagWrite|flagMayReplicate) != 0 {
			return true
		}
		return spec.name == "exec" && s.multi != nil && s.multi.mayReplicate
	}
	return false
}

// expiryFor sets how lazy expiry treats an expired key for a command
// about to run, and returns the setting to restore after it: during a
// pause a read keeps the key, while a write — one inside the transaction
// that started the pause, or one a replica applies from its master —
// deletes it as it would unpaused, so it never meets a key that is both
// missing and present.
func (n *Node) expiryFor(write bool) (restore bool) {
	restore = n.pause.keepExpired
	if n.paused() {
		n.pause.keepExpired = !write
	}
	return restore
}

// hold queues a command until the pause ends.
func (n *Node) hold(client node.ID, seq uint64, args [][]byte) {
	p := &n.pause
	if len(p.held) >= pausedCommandsMax {
		n.reply(client, seq, resp.Err("ERR more than "+strconv.Itoa(pausedCommandsMax)+" commands held while clients are paused"))
		return
	}
	if p.heldByClient == nil {
		p.heldByClient = make(map[node.ID]int)
	}
	p.held = append(p.held, heldCommand{client, seq, keepArgs(args)})
	p.heldByClient[client]++
}

// heldClients counts the clients with a held command.
func (n *Node) heldClients() int { return len(n.pause.heldByClient) }

// startPause pauses in mode until untilMillis; a longer or stricter pause
// already running is kept, as Redis keeps the furthest deadline.
func (n *Node) startPause(mode pauseMode, untilMillis int64) {
	p := &n.pause
	if p.mode != pauseNone {
		untilMillis = max(untilMillis, p.untilMillis)
		mode = max(mode, p.mode)
	}
	p.mode, p.untilMillis = mode, untilMillis
	p.keepExpired = true
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

// endPause, endSleep and resumeHeld are the methods of those names,
// reached through these variables because the command table holds CLIENT
// PAUSE, CLIENT UNPAUSE and DEBUG SLEEP, whose timers end them by running
// commands: Go rejects that initialization cycle.
var endPause, endSleep, resumeHeld func(*Node)

func init() {
	endPause, endSleep, resumeHeld = (*Node).endPause, (*Node).endSleep, (*Node).resumeHeld
}

// endPause ends the pause, then runs the held commands in order.
func (n *Node) endPause() {
	n.liftPause()
	n.resumeHeld()
}

// liftPause ends the pause's state: commands from now on run, keys
// expire again; the timer of the pause is void.
func (n *Node) liftPause() {
	p := &n.pause
	p.mode, p.untilMillis = pauseNone, 0
	p.keepExpired = false
	p.generation++
}

// resumeHeld runs what the pause held — the master's stream, then the
// clients' commands — unless a DEBUG SLEEP (which runs them when it ends)
// or a new pause is on.
func (n *Node) resumeHeld() {
	if n.pause.sleeping || n.paused() {
		return
	}
	n.applyHeldStream() // replication.go
	n.runHeld()
}

// endSleep answers a DEBUG SLEEP, then runs the held commands in order.
func (n *Node) endSleep() {
	p := &n.pause
	p.sleeping, p.sleepUntilMillis = false, 0
	p.sleepGeneration++
	if p.sleeper != "" {
		sleeper, seq := p.sleeper, p.sleeperSeq
		p.sleeper = ""
		n.reply(sleeper, seq, resp.OK)
	}
	if !n.paused() {
		n.applyHeldStream() // replication.go
	}
	n.runHeld()
}

// runHeld runs the held commands in arrival order. A pause still on holds
// again those it is for, and everything behind them of the same client.
func (n *Node) runHeld() {
	p := &n.pause
	held := p.held
	p.held, p.heldByClient = nil, nil
	for _, h := range held {
		// A command run here may pause again: the rest are held anew, in
		// order, by receiveCommand and execute.
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
		return errSubcommandSyntax(c.args[1], "CLIENT")
	}
	c.node.startPause(mode, c.nowMillis+timeoutMillis)
	return resp.OK
}

// CLIENT UNPAUSE: end the pause now. The held commands run after this
// command's reply, as after the timeout.
func clientUnpauseCommand(c *call) resp.Value {
	n := c.node
	if n.pause.mode != pauseNone {
		// As Redis's unpauseClients: the pause is over for whatever comes
		// next (this client's next GET expires keys again); the held
		// commands run after this one, in their own event.
		n.liftPause()
		n.env.After(0, func() {
			if !n.halted {
				resumeHeld(n)
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
	c.sleep = time.Duration(millis) * time.Millisecond
	if n.exec != nil {
		// Inside EXEC: the rest of the transaction runs at the later time
		// — but not a script's rest: time stands still for a script, as
		// Redis 7.0 blocks it at the script's start.
		if n.scriptRun == nil {
			n.exec.clockAheadMillis += millis
		}
		n.startSleep(c.nowMillis + millis)
		return resp.OK
	}
	if n.pause.sleeper != "" || c.client == "" {
		return resp.Err("ERR DEBUG SLEEP cannot run here now")
	}
	n.pause.sleeper, n.pause.sleeperSeq = c.client, c.seq
	n.startSleep(c.nowMillis + millis)
	return replyLater
}

// startSleep holds every command until untilMillis (a later sleep
// extends it).
func (n *Node) startSleep(untilMillis int64) {
	p := &n.pause
	p.sleeping, p.sleepUntilMillis = true, max(p.sleepUntilMillis, untilMillis)
	p.sleepGeneration++
	generation := p.sleepGeneration
	wait := time.Duration(max(p.sleepUntilMillis-n.env.Now().UnixMilli(), 0)) * time.Millisecond
	n.env.After(wait, func() {
		if n.halted || n.pause.sleepGeneration != generation {
			return
		}
		endSleep(n)
	})
}

// isDebugSleep tells DEBUG SLEEP apart for debugCommand.
func isDebugSleep(args [][]byte) bool {
	return len(args) == 3 && bytes.EqualFold(args[1], []byte("sleep"))
}
