package cache

import (
	"strconv"
	"strings"

	"syslab/engines/cache/resp"
)

// DEBUG, the subset tools and test suites use: SLEEP (pause.go), OBJECT,
// SET-ACTIVE-EXPIRE, PAUSE-CRON. Redis 7.0 refuses DEBUG unless enable-debug-command
// allows it; this node always allows these harmless ones.

// debugState is the node's DEBUG switches.
type debugState struct {
	// activeExpireOff is DEBUG SET-ACTIVE-EXPIRE 0: keys expire only
	// lazily, when read.
	activeExpireOff bool
	// cronPaused is DEBUG PAUSE-CRON 1: the cron's expiry cycle and
	// tracking-table trimming stop (the node keeps its timers running).
	cronPaused bool
}

func debugCommand(c *call) resp.Value {
	sub := strings.ToLower(string(c.args[1]))
	switch {
	case sub == "sleep" && len(c.args) == 3:
		return debugSleep(c)
	case sub == "set-active-expire" && len(c.args) == 3:
		on, err := strconv.Atoi(string(c.args[2]))
		if err != nil {
			return resp.Err(errNotInteger)
		}
		c.node.debug.activeExpireOff = on == 0
		return resp.OK
	case sub == "pause-cron" && len(c.args) == 3:
		on, err := strconv.Atoi(string(c.args[2]))
		if err != nil {
			return resp.Err(errNotInteger)
		}
		c.node.debug.cronPaused = on != 0
		return resp.OK
	case sub == "object" && len(c.args) == 3:
		e := c.db.lookupNoTouch(c.args[2], c.nowMillis)
		if e == nil {
			return resp.Err("ERR no such key")
		}
		return resp.Simple("Value at:0 refcount:1 encoding:" + e.value.encoding() +
			" serializedlength:" + strconv.FormatInt(e.accountedBytes, 10) +
			" lru:" + strconv.FormatInt(e.lruMillis/1000%(1<<24), 10) +
			" lru_seconds_idle:" + strconv.FormatInt(max(c.nowMillis-e.lruMillis, 0)/1000, 10))
	case sub == "help" && len(c.args) == 2:
		return helpReply(c, debugHelp)
	}
	return errUnknownSubcommand(c.args[1], "DEBUG")
}

var debugHelp = []string{
	"DEBUG <subcommand> [<arg> ...]. Subcommands here are:",
	"OBJECT <key>",
	"    Show how the key's value is stored.",
	"PAUSE-CRON <0|1>",
	"    Stop (1) or restart (0) the cron's expiry cycle and tracking-table trimming.",
	"SET-ACTIVE-EXPIRE <0|1>",
	"    Stop (0) or restart (1) the active expiry cycle; keys still expire when read.",
	"SLEEP <seconds>",
	"    Hold every command for that long, then answer OK.",
	"HELP",
	"    Print this help.",
}
