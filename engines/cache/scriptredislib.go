package cache

import (
	"crypto/sha1"
	"encoding/hex"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"syslab/engines/cache/resp"
)

// The redis table scripts call the server through (Redis 7.0's set, less
// the ACL and debugger functions): call and pcall, error_reply and
// status_reply, sha1hex, log and its levels, setresp, set_repl and its
// flags, replicate_commands (always on since 7.0), and the version.

// Log levels (redis.LOG_*), as Redis numbers them.
const (
	scriptLogDebug = iota
	scriptLogVerbose
	scriptLogNotice
	scriptLogWarning
)

// redis.set_repl flags, as Redis numbers them.
const (
	scriptReplNone    = 0
	scriptReplAOF     = 1
	scriptReplReplica = 2
	scriptReplAll     = scriptReplAOF | scriptReplReplica
)

func (e *luaEngine) newRedisLibrary(L *lua.LState, n *Node) *lua.LTable {
	lib := L.NewTable()
	fn := func(name string, f lua.LGFunction) { lib.RawSetString(name, L.NewFunction(f)) }
	fn("call", func(L *lua.LState) int { return e.redisCall(L, true) })
	fn("pcall", func(L *lua.LState) int { return e.redisCall(L, false) })
	fn("error_reply", func(L *lua.LState) int { return replyTable(L, "err") })
	fn("status_reply", func(L *lua.LState) int { return replyTable(L, "ok") })
	fn("sha1hex", func(L *lua.LState) int {
		if L.GetTop() != 1 {
			raiseScriptError(L, "wrong number of arguments")
		}
		sum := sha1.Sum([]byte(L.ToString(1)))
		L.Push(lua.LString(hex.EncodeToString(sum[:])))
		return 1
	})
	fn("log", func(L *lua.LState) int {
		if L.GetTop() < 2 {
			raiseScriptError(L, "redis.log() requires two arguments or more.")
		}
		level, ok := L.Get(1).(lua.LNumber)
		if !ok {
			raiseScriptError(L, "First argument must be a number (log level).")
		}
		if level < scriptLogDebug || level > scriptLogWarning {
			raiseScriptError(L, "Invalid debug level.")
		}
		if int(level) >= scriptLogNotice { // the default loglevel, notice, hides the others
			parts := make([]string, 0, L.GetTop()-1)
			for i := 2; i <= L.GetTop(); i++ {
				parts = append(parts, L.ToString(i))
			}
			n.env.Logf("cache: script: %s", strings.Join(parts, " "))
		}
		return 0
	})
	fn("setresp", func(L *lua.LState) int {
		run := e.runOrRaise(L, "redis.setresp can only be called inside a script invocation")
		if L.GetTop() != 1 {
			raiseScriptError(L, "redis.setresp() requires one argument.")
		}
		version := L.CheckInt(1)
		if version != resp.RESP2 && version != resp.RESP3 {
			raiseScriptError(L, "RESP version must be 2 or 3.")
		}
		run.protocol = version
		return 0
	})
	fn("set_repl", func(L *lua.LState) int {
		run := e.runOrRaise(L, "redis.set_repl can only be called inside a script invocation")
		if L.GetTop() != 1 {
			raiseScriptError(L, "redis.set_repl() requires two arguments.")
		}
		flags := L.CheckInt(1)
		if flags&^scriptReplAll != 0 {
			raiseScriptError(L, "Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.")
		}
		run.targets = 0
		if flags&scriptReplAOF != 0 {
			run.targets |= toAOF
		}
		if flags&scriptReplReplica != 0 {
			run.targets |= toReplicas
		}
		return 0
	})
	fn("replicate_commands", func(L *lua.LState) int { L.Push(lua.LTrue); return 1 })
	fn("breakpoint", func(L *lua.LState) int { L.Push(lua.LFalse); return 1 })
	fn("debug", func(L *lua.LState) int { return 0 })
	for name, value := range map[string]int{
		"LOG_DEBUG": scriptLogDebug, "LOG_VERBOSE": scriptLogVerbose, "LOG_NOTICE": scriptLogNotice, "LOG_WARNING": scriptLogWarning,
		"REPL_NONE": scriptReplNone, "REPL_AOF": scriptReplAOF, "REPL_SLAVE": scriptReplReplica, "REPL_REPLICA": scriptReplReplica, "REPL_ALL": scriptReplAll,
	} {
		lib.RawSetString(name, lua.LNumber(value)) // order is irrelevant: each is its own key
	}
	lib.RawSetString("REDIS_VERSION", lua.LString(redisVersion))
	lib.RawSetString("REDIS_VERSION_NUM", lua.LNumber(redisVersionNum))
	return lib
}

// raiseScriptError raises msg as Redis's luaPushError + luaError do: an
// error table, so the script's error reply keeps the ERR code.
func raiseScriptError(L *lua.LState, msg string) {
	L.Error(errorTable(L, msg), 1)
}

// errorTable is Redis's luaPushErrorBuff: {err = "CODE message"}, the code
// taken from a leading "-CODE " or else ERR.
func errorTable(L *lua.LState, msg string) *lua.LTable {
	code := "ERR"
	if rest, ok := strings.CutPrefix(msg, "-"); ok {
		code, msg = "ERR", rest
		if c, m, found := strings.Cut(rest, " "); found {
			code, msg = c, m
		}
	}
	t := L.CreateTable(0, 1)
	t.RawSetString("err", lua.LString(code+" "+strings.TrimRight(msg, "\r\n")))
	return t
}

func (e *luaEngine) runOrRaise(L *lua.LState, msg string) *scriptRun {
	if e.run == nil {
		raiseScriptError(L, msg)
	}
	return e.run
}

// replyTable is error_reply / status_reply: {field = text}. A wrong
// argument is returned as an error table, not raised, as Redis does.
func replyTable(L *lua.LState, field string) int {
	if L.GetTop() != 1 || L.Get(1).Type() != lua.LTString {
		L.Push(errorTable(L, "wrong number or type of arguments"))
		return 1
	}
	text := L.ToString(1)
	if field == "err" {
		if !strings.HasPrefix(text, "-") {
			text = "-" + text // error_reply's text starts with its code
		}
		L.Push(errorTable(L, text))
		return 1
	}
	t := L.CreateTable(0, 1)
	t.RawSetString(field, lua.LString(text))
	L.Push(t)
	return 1
}

// redisCall is redis.call (raise) and redis.pcall: it runs a command as
// the script's caller and converts the reply for the script. A failure
// raises an error table from call, and is returned as one by pcall.
func (e *luaEngine) redisCall(L *lua.LState, raise bool) int {
	run := e.runOrRaise(L, "redis.call/pcall can only be called inside a script invocation")
	args, problem := scriptCommandArgs(L)
	var reply resp.Value
	if problem != "" {
		reply = resp.Err("ERR " + problem)
	} else {
		reply = run.node.scriptCall(run, args) // scriptcall.go
	}
	if reply.Kind == resp.Error {
		t := errorTable(L, "-"+string(reply.Str))
		// The command's error was counted when it was answered; raised to
		// the caller, it is not counted again.
		t.RawSetString("ignore_error_stats_update", lua.LTrue)
		if raise {
			L.Error(t, 1)
		}
		L.Push(t)
		return 1
	}
	L.Push(toLua(L, reply, run.protocol, 0))
	return 1
}

// scriptCommandArgs takes redis.call's arguments: strings as they are,
// numbers as "%.17g" (Lua's own formatting would lose precision), anything
// else a problem to report.
func scriptCommandArgs(L *lua.LState) ([][]byte, string) {
	top := L.GetTop()
	if top == 0 {
		return nil, "Please specify at least one argument for this redis lib call"
	}
	args := make([][]byte, top)
	for i := 1; i <= top; i++ {
		switch v := L.Get(i).(type) {
		case lua.LString:
			args[i-1] = []byte(v)
		case lua.LNumber:
			args[i-1] = []byte(resp.FormatDouble(float64(v)))
		default:
			return nil, "Lua redis lib command arguments must be strings or integers"
		}
	}
	return args, ""
}
