package cache

import (
	"context"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/parse"

	"syslab/engines/cache/resp"
)

// The Lua side of scripting (Redis's script_lua.c and eval.c's set-up):
// one interpreter per node, made at the first script, Lua 5.1 as Redis's
// (gopher-lua, a Lua 5.1 VM in Go — no cgo, nothing that reaches the world
// once the libraries below are all a script can see).
//
// What a script sees is Redis 7.0's environment: the base library without
// the functions that load files, print or touch the environment table
// (print, dofile, loadfile, require, module, getfenv, setfenv, newproxy),
// and the string, table, math and coroutine libraries, the bit, cjson,
// cmsgpack and struct libraries, and redis.*. Globals and library tables
// are read-only: assigning one is "Attempt to modify a readonly table" and
// reading a missing global is an error, as in Redis.
//
// Nothing a script computes may depend on the process: math.random is
// Redis's own generator (scriptrand.go), collectgarbage and gcinfo report
// 0, and tostring names tables and functions by the order a run first
// printed them rather than by address. Numbers print as Lua 5.1 prints
// them in tostring; concatenation ("x" .. 0.1) keeps gopher-lua's
// shortest exact form.

const (
	// scriptChunkName is the name errors give a script's lines, as
	// Redis's "user_script:1:"; the error suffix names the source with
	// Lua's "@" prefix.
	scriptChunkName = "user_script"
	// scriptReplyDepthMax bounds the nesting of a table a script returns
	// (a table that holds itself would never end); deeper levels are
	// answered as Redis does when its Lua stack runs out.
	scriptReplyDepthMax = 1000
	// scriptCallStackFrames bounds the Lua call depth (gopher-lua's
	// default), so runaway recursion is a Lua error, not a Go crash.
	scriptCallStackFrames = 256
	// scriptRegistrySlotsMax bounds the Lua data stack.
	scriptRegistrySlotsMax = 1 << 20
)

var (
	errScriptReadonlyTable = "Attempt to modify a readonly table"
	replyLuaStackLimit     = resp.Err("ERR reached lua stack limit")
)

// luaEngine is the node's interpreter and what it keeps between scripts.
type luaEngine struct {
	state *lua.LState
	// env is the read-only view of the globals that scripts run in;
	// readonly holds it and every library table's view.
	env      *lua.LTable
	readonly map[*lua.LTable]bool
	// locked is what getmetatable answers for a read-only table: itself
	// read-only, so a script cannot loosen the protection through it.
	locked  *lua.LTable
	handler *lua.LFunction
	steps   stepBudget
	// jsonNull is cjson.null, printed as C prints a NULL light userdata.
	jsonNull *lua.LUserData
	// redisLib is the redis table itself (globals hold a read-only view).
	redisLib *lua.LTable
	// run is the script running; nil between scripts.
	run *scriptRun
	// names numbers the tables and functions tostring named in this run.
	names map[lua.LValue]int
}

// stepBudget stops a script that runs too long. gopher-lua asks its
// context for Done before every instruction it executes; this context
// counts those calls and, past the budget, raises a Lua error instead of
// answering — so the count is of instructions, the same on every run, and
// no channel or timer is involved. Once over, every further instruction
// raises again, so a pcall in the script cannot swallow the stop. The
// same count paces the script's interrupts (scriptbusy.go): whether it
// timed out, and then serving others and noticing SCRIPT KILL.
type stepBudget struct {
	state *lua.LState
	used  int64
	limit int64
	// exhausted, when set, is the error (table) raised past the limit
	// instead of errScriptStepsExhausted's string (FUNCTION LOAD's timeout).
	exhausted string
	// run is the script running (nil while a library loads);
	// interruptAt the count of its next interrupt.
	run         *scriptRun
	interruptAt int64
}

func (b *stepBudget) Done() <-chan struct{} {
	b.used++
	if b.used > b.limit {
		if b.exhausted != "" {
			raiseScriptError(b.state, b.exhausted)
		}
		b.state.RaiseError("%s", errScriptStepsExhausted(b.limit))
	}
	if b.used >= b.interruptAt {
		b.interrupt()
	}
	return nil // never cancelled from outside
}

// start readies the budget for a script (run nil: a library's load).
func (b *stepBudget) start(run *scriptRun, limit int64, exhausted string) {
	b.used, b.limit, b.exhausted, b.run = 0, limit, exhausted, run
	b.interruptAt = math.MaxInt64
	if run != nil {
		b.interruptAt = scriptInterruptSteps
	}
}

// interrupt is scriptInterrupt's turn; a killed script raises here at
// every instruction from then on.
func (b *stepBudget) interrupt() {
	b.interruptAt = b.used + scriptInterruptSteps
	if b.run.node.scriptInterrupt(b.run) {
		b.interruptAt = b.used + 1
		raiseScriptError(b.state, scriptKilledError)
	}
	if b.run.unservable && b.limit-b.used > defaultScriptStepsMax {
		b.limit = b.used + defaultScriptStepsMax
	}
}

func (b *stepBudget) Deadline() (time.Time, bool) { return time.Time{}, false }
func (b *stepBudget) Err() error                  { return nil }
func (b *stepBudget) Value(any) any               { return nil }

var _ context.Context = (*stepBudget)(nil)

func errScriptStepsExhausted(limit int64) string {
	return "Script stopped after " + strconv.FormatInt(limit, 10) +
		" Lua instructions (lua-time-limit: a script holds the node while it runs)"
}

// newLuaEngine builds the interpreter and its environment.
func newLuaEngine(n *Node) *luaEngine {
	L := lua.NewState(lua.Options{
		SkipOpenLibs:        true,
		CallStackSize:       scriptCallStackFrames,
		RegistryMaxSize:     scriptRegistrySlotsMax,
		MinimizeStackMemory: true,
	})
	e := &luaEngine{state: L, readonly: make(map[*lua.LTable]bool), names: make(map[lua.LValue]int)}
	e.steps.state = L
	for _, lib := range []struct {
		name string
		open lua.LGFunction
	}{
		{lua.BaseLibName, lua.OpenBase},
		{lua.TabLibName, lua.OpenTable},
		{lua.StringLibName, lua.OpenString},
		{lua.MathLibName, lua.OpenMath},
		{lua.CoroutineLibName, lua.OpenCoroutine},
	} {
		L.Push(L.NewFunction(lib.open))
		L.Push(lua.LString(lib.name))
		L.Call(1, 0)
	}
	globals := L.Get(lua.GlobalsIndex).(*lua.LTable)
	for _, name := range []string{"print", "dofile", "loadfile", "require", "module", "getfenv", "setfenv",
		"newproxy", "_printregs", "_GOPHER_LUA_VERSION"} {
		globals.RawSetString(name, lua.LNil)
	}
	zero := func(L *lua.LState) int { L.Push(lua.LNumber(0)); return 1 }
	globals.RawSetString("collectgarbage", L.NewFunction(zero))
	globals.RawSetString("gcinfo", L.NewFunction(zero))
	globals.RawSetString("tostring", L.NewFunction(e.tostring))
	globals.RawSetString("rawset", L.NewFunction(e.rawset))
	globals.RawSetString("setmetatable", L.NewFunction(e.setmetatable))
	globals.RawSetString("error", L.NewFunction(luaError))
	e.locked = L.NewTable()
	lockedMeta := L.NewTable()
	lockedMeta.RawSetString("__newindex", L.NewFunction(raiseReadonly))
	lockedMeta.RawSetString("__metatable", e.locked)
	L.SetMetatable(e.locked, lockedMeta)
	e.readonly[e.locked] = true
	math := globals.RawGetString("math").(*lua.LTable)
	math.RawSetString("random", L.NewFunction(func(L *lua.LState) int { return e.mathRandom(L, n) }))
	math.RawSetString("randomseed", L.NewFunction(func(L *lua.LState) int {
		n.scriptRand.seed(int32(checkInt(L, 1)))
		return 0
	}))
	globals.RawSetString("bit", newBitLibrary(L))
	e.jsonNull = L.NewUserData()
	globals.RawSetString("cjson", newCjsonLibrary(L, e.jsonNull))
	globals.RawSetString("cmsgpack", newCmsgpackLibrary(L))
	globals.RawSetString("struct", newStructLibrary(L))
	e.redisLib = e.newRedisLibrary(L, n)
	globals.RawSetString("redis", e.redisLib)
	e.handler = L.NewFunction(e.errorHandler)

	// Scripts see the globals through a read-only view; the libraries too.
	for _, lib := range []string{"string", "table", "math", "coroutine", "bit", "cjson", "cmsgpack", "struct", "redis"} {
		globals.RawSetString(lib, e.readonlyView(L, globals.RawGetString(lib).(*lua.LTable), false))
	}
	e.env = e.readonlyView(L, globals, true)
	globals.RawSetString("_G", e.env)
	L.SetContext(&e.steps)
	return e
}

// readonlyView returns an empty table that reads through to t and refuses
// every write; strict also makes reading a missing key an error (the
// globals: a misspelt name is a bug, as Redis reports it).
func (e *luaEngine) readonlyView(L *lua.LState, t *lua.LTable, strict bool) *lua.LTable {
	view := L.NewTable()
	meta := L.NewTable()
	if strict {
		meta.RawSetString("__index", L.NewFunction(func(L *lua.LState) int {
			key := L.Get(2)
			v := t.RawGet(key)
			if v == lua.LNil {
				L.RaiseError("Script attempted to access nonexistent global variable '%s'", lua.LVAsString(key))
			}
			L.Push(v)
			return 1
		}))
	} else {
		meta.RawSetString("__index", t)
	}
	meta.RawSetString("__newindex", L.NewFunction(raiseReadonly))
	meta.RawSetString("__metatable", e.locked)
	L.SetMetatable(view, meta)
	e.readonly[view] = true
	return view
}

// luaError is Lua's error: as Lua 5.1, a number raised is a message too,
// and gets the position in front (gopher-lua's leaves it a number).
func luaError(L *lua.LState) int {
	v := L.CheckAny(1)
	if n, ok := v.(lua.LNumber); ok {
		v = lua.LString(formatLuaNumber(float64(n)))
	}
	L.Error(v, L.OptInt(2, 1))
	return 0
}

// argErrorName finds gopher-lua's "bad argument #1 to sub (…)", which Lua
// 5.1 words "bad argument #1 to 'sub' (…)".
var argErrorName = regexp.MustCompile(`bad argument #(-?\d+) to ([\w.:]+) \(`)

func raiseReadonly(L *lua.LState) int {
	L.RaiseError("%s", errScriptReadonlyTable)
	return 0
}

// setmetatable is Lua's, except on a read-only table.
func (e *luaEngine) setmetatable(L *lua.LState) int {
	t := L.CheckTable(1)
	if e.readonly[t] {
		raiseReadonly(L)
	}
	meta := L.Get(2)
	if meta != lua.LNil && meta.Type() != lua.LTTable {
		L.ArgError(2, "nil or table expected")
	}
	if L.GetMetaField(t, "__metatable") != lua.LNil {
		L.RaiseError("cannot change a protected metatable")
	}
	L.SetMetatable(t, meta)
	L.Push(t)
	return 1
}

// rawset is Lua's, except on a read-only table.
func (e *luaEngine) rawset(L *lua.LState) int {
	t := L.CheckTable(1)
	if e.readonly[t] {
		L.RaiseError("%s", errScriptReadonlyTable)
	}
	L.RawSet(t, L.CheckAny(2), L.CheckAny(3))
	return 0
}

// tostring is Lua's, with stable names for values Lua names by address.
func (e *luaEngine) tostring(L *lua.LState) int {
	v := L.CheckAny(1)
	if mt, ok := L.GetMetaField(v, "__tostring").(*lua.LFunction); ok {
		L.Push(mt)
		L.Push(v)
		L.Call(1, 1)
		return 1
	}
	L.Push(lua.LString(e.stableString(v)))
	return 1
}

// stableString prints v as Lua does, except that a table, function or
// coroutine is named by the order this run first printed it ("table:
// 0x1") rather than by its address, which would differ between runs.
func (e *luaEngine) stableString(v lua.LValue) string {
	if v == e.jsonNull {
		return "userdata: (nil)"
	}
	switch v.Type() {
	case lua.LTTable, lua.LTFunction, lua.LTUserData, lua.LTThread, lua.LTChannel:
		id, ok := e.names[v]
		if !ok {
			id = len(e.names) + 1
			e.names[v] = id
		}
		return v.Type().String() + ": 0x" + strconv.FormatInt(int64(id), 16)
	case lua.LTNumber:
		return formatLuaNumber(float64(v.(lua.LNumber)))
	}
	return v.String()
}

// formatLuaNumber is Lua 5.1's number format, "%.14g" (gopher-lua prints
// the shortest exact form, so 0.1+0.2 would read 0.30000000000000004).
// Only tostring uses it: concatenation keeps gopher-lua's form.
func formatLuaNumber(f float64) string {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return resp.FormatDouble(f) // inf, -inf, nan: as Lua prints them too
	}
	return strconv.FormatFloat(f, 'g', 14, 64)
}

// mathRandom is Redis's math.random over its rand48 generator.
func (e *luaEngine) mathRandom(L *lua.LState, n *Node) int {
	r := n.scriptRand.float()
	switch L.GetTop() {
	case 0:
		L.Push(lua.LNumber(r))
	case 1:
		upper := checkInt(L, 1)
		if upper < 1 {
			L.ArgError(1, "interval is empty")
		}
		L.Push(lua.LNumber(math.Floor(r*float64(upper)) + 1))
	case 2:
		lower, upper := checkInt(L, 1), checkInt(L, 2)
		if lower > upper {
			L.ArgError(2, "interval is empty")
		}
		L.Push(lua.LNumber(math.Floor(r*float64(upper-lower+1)) + float64(lower)))
	default:
		L.RaiseError("wrong number of arguments")
	}
	return 1
}

// checkInt is Lua 5.1's luaL_checkint: a number, or a string that reads
// as one, truncated to an integer.
func checkInt(L *lua.LState, i int) int64 {
	if text, ok := L.Get(i).(lua.LString); ok {
		if f, err := strconv.ParseFloat(strings.TrimSpace(string(text)), 64); err == nil {
			return luaNumberToInt(f)
		}
	}
	return luaNumberToInt(float64(L.CheckNumber(i)))
}

// errorHandler turns what a failing script raised into Redis's error
// table: {err = "CODE message", source = "@user_script", line = N}, the
// line being the script's (not that of redis.call, a Go function).
func (e *luaEngine) errorHandler(L *lua.LState) int {
	raised := L.Get(1)
	t, ok := raised.(*lua.LTable)
	if !ok {
		text := e.stableString(raised)
		if _, isString := raised.(lua.LString); isString {
			text = argErrorName.ReplaceAllString(text, "bad argument #$1 to '$2' (")
		}
		t = L.NewTable()
		t.RawSetString("err", lua.LString("ERR "+text))
	}
	level := 1
	if dbg, found := L.GetStack(level); found {
		if _, err := L.GetInfo("Sl", dbg, lua.LNil); err == nil && dbg.What == "G" {
			level = 2
		}
	}
	if dbg, found := L.GetStack(level); found {
		if _, err := L.GetInfo("Sl", dbg, lua.LNil); err == nil && dbg.CurrentLine > 0 {
			t.RawSetString("source", lua.LString("@"+dbg.Source))
			t.RawSetString("line", lua.LNumber(dbg.CurrentLine))
		}
	}
	L.Push(t)
	return 1
}

// compileScript compiles a script body (its shebang line already blanked
// out) into a function prototype, or returns Redis's compile error.
func compileScript(body string) (*lua.FunctionProto, resp.Value) {
	proto, errText := compileLua(body, scriptChunkName)
	if errText != "" {
		return nil, resp.Err("ERR Error compiling script (new function): " + errText)
	}
	return proto, resp.Value{}
}

// compileLua compiles Lua code whose lines errors name chunkName, or
// words why it does not compile as Lua does: "chunk:1: msg near 'token'".
func compileLua(code, chunkName string) (*lua.FunctionProto, string) {
	chunk, err := parse.Parse(strings.NewReader(code), chunkName)
	if err != nil {
		return nil, compileErrorText(err, chunkName)
	}
	proto, err := lua.Compile(chunk, chunkName)
	if err != nil {
		return nil, compileErrorText(err, chunkName)
	}
	return proto, ""
}

func compileErrorText(err error, chunkName string) string {
	var text string
	if pe, ok := err.(*parse.Error); ok {
		line := "EOF"
		if pe.Pos.Line != parse.EOF {
			line = strconv.Itoa(pe.Pos.Line)
		}
		text = chunkName + ":" + line + ": " + strings.TrimSpace(pe.Message)
		if pe.Token != "" {
			text += " near '" + pe.Token + "'"
		}
	} else {
		text = err.Error()
	}
	return strings.Join(strings.Fields(text), " ")
}

// callScript runs a compiled script with KEYS and ARGV set, within a step
// budget, and returns its reply in Redis's conversion.
func (e *luaEngine) callScript(proto *lua.FunctionProto, run *scriptRun, keys, argv [][]byte, stepsMax int64) resp.Value {
	L := e.state
	globals := L.Get(lua.GlobalsIndex).(*lua.LTable)
	globals.RawSetString("KEYS", stringsTable(L, keys))
	globals.RawSetString("ARGV", stringsTable(L, argv))
	fn := L.NewFunctionFromProto(proto)
	fn.Env = e.env
	return e.call(fn, run, stepsMax)
}

// call runs fn with args within a step budget and returns its reply in
// Redis's conversion: a script's body, or a function's callback.
func (e *luaEngine) call(fn *lua.LFunction, run *scriptRun, stepsMax int64, args ...lua.LValue) resp.Value {
	L := e.state
	e.run = run
	defer func() {
		e.run, e.steps.run = nil, nil
		clear(e.names)
	}()
	e.steps.start(run, stepsMax, "")
	top := L.GetTop()
	L.Push(fn)
	for _, arg := range args {
		L.Push(arg)
	}
	err := L.PCall(len(args), 1, e.handler)
	if err != nil {
		L.SetTop(top)
		return run.errorReply(err)
	}
	v := L.Get(-1)
	L.SetTop(top)
	if t, ok := v.(*lua.LTable); ok && t.RawGetString("ignore_error_stats_update") == lua.LTrue {
		// The error a redis.pcall returned, returned in turn: counted
		// already when its command failed.
		run.node.errorCounted = t.RawGetString("err").Type() == lua.LTString
	}
	return e.toReply(v, run.protocol, 0)
}

func stringsTable(L *lua.LState, items [][]byte) *lua.LTable {
	t := L.CreateTable(len(items), 0)
	for i, item := range items {
		t.RawSetInt(i+1, lua.LString(item))
	}
	return t
}

// errorReply words a script's failure: the error's text, then which
// script and line raised it.
func (run *scriptRun) errorReply(err error) resp.Value {
	apiErr, ok := err.(*lua.ApiError)
	if !ok {
		return resp.Err("ERR Error running script " + run.name + ", " + oneLine(err.Error()))
	}
	t, ok := apiErr.Object.(*lua.LTable)
	if !ok {
		return resp.Err("ERR Error running script " + run.name + ", " + oneLine(apiErr.Object.String()))
	}
	if t.RawGetString("ignore_error_stats_update") == lua.LTrue {
		run.node.errorCounted = true
	}
	msg, ok := t.RawGetString("err").(lua.LString)
	if !ok {
		msg = "ERR unknown error"
	}
	text := oneLine(string(msg))
	source, hasSource := t.RawGetString("source").(lua.LString)
	line, hasLine := t.RawGetString("line").(lua.LNumber)
	if hasSource && hasLine {
		text += " script: " + run.name + ", on " + string(source) + ":" + strconv.Itoa(int(line)) + "."
	}
	return resp.Value{Kind: resp.Error, Str: []byte(text)}
}

// oneLine keeps a status or error on one line as Redis does, each CR and
// LF becoming a space.
func oneLine(s string) string {
	return strings.NewReplacer("\r", " ", "\n", " ").Replace(s)
}

// toReply converts a Lua value to a reply (Redis's luaReplyToRedisReply):
// strings are bulk strings, numbers integers (truncated), true 1 (or a
// RESP3 boolean) and false nil; a table is an error ({err=…}), a status
// ({ok=…}), a RESP3 double, big number, verbatim string, map or set, or
// else an array of its elements from 1 to the first nil.
func (e *luaEngine) toReply(v lua.LValue, protocol int, depth int) resp.Value {
	if depth > scriptReplyDepthMax {
		return replyLuaStackLimit
	}
	switch v := v.(type) {
	case lua.LString:
		return resp.BulkFromString(string(v))
	case lua.LBool:
		if protocol == resp.RESP3 {
			return resp.Value{Kind: resp.Boolean, Int: int64(boolInt(bool(v)))}
		}
		if v {
			return resp.Int(1)
		}
		return resp.NullBulk
	case lua.LNumber:
		return resp.Int(luaNumberToInt(float64(v)))
	case *lua.LTable:
		return e.tableToReply(v, protocol, depth)
	}
	return resp.NullBulk
}

func (e *luaEngine) tableToReply(t *lua.LTable, protocol int, depth int) resp.Value {
	if msg, ok := t.RawGetString("err").(lua.LString); ok {
		return resp.Value{Kind: resp.Error, Str: []byte(oneLine(string(msg)))}
	}
	if status, ok := t.RawGetString("ok").(lua.LString); ok {
		return resp.Simple(oneLine(string(status)))
	}
	if d, ok := t.RawGetString("double").(lua.LNumber); ok {
		return resp.Value{Kind: resp.Double, Float: float64(d)}
	}
	if big, ok := t.RawGetString("big_number").(lua.LString); ok {
		return resp.Value{Kind: resp.BigNumber, Str: []byte(oneLine(string(big)))}
	}
	if vt, ok := t.RawGetString("verbatim_string").(*lua.LTable); ok {
		format, okFormat := vt.RawGetString("format").(lua.LString)
		text, okText := vt.RawGetString("string").(lua.LString)
		if okFormat && okText && format == "txt" {
			return resp.Value{Kind: resp.Verbatim, Str: []byte(text)}
		}
		if okFormat && okText {
			return resp.BulkFromString(string(text)) // only txt: has a kind of its own here
		}
	}
	if m, ok := t.RawGetString("map").(*lua.LTable); ok {
		var elems []resp.Value
		for key, val := m.Next(lua.LNil); key != lua.LNil; key, val = m.Next(key) {
			elems = append(elems, e.toReply(key, protocol, depth+1), e.toReply(val, protocol, depth+1))
		}
		return resp.Value{Kind: resp.Map, Elems: elems}
	}
	if set, ok := t.RawGetString("set").(*lua.LTable); ok {
		var elems []resp.Value
		for key, _ := set.Next(lua.LNil); key != lua.LNil; key, _ = set.Next(key) {
			elems = append(elems, e.toReply(key, protocol, depth+1))
		}
		return resp.Value{Kind: resp.Set, Elems: elems}
	}
	elems := []resp.Value{}
	for i := 1; ; i++ {
		item := t.RawGetInt(i)
		if item == lua.LNil {
			break
		}
		elems = append(elems, e.toReply(item, protocol, depth+1))
	}
	return resp.Value{Kind: resp.Array, Elems: elems}
}

// luaNumberToInt is C's (long long) cast of a Lua number as Redis's build
// does it on x86-64: truncation, and the most negative integer for what
// does not fit (NaN included).
func luaNumberToInt(f float64) int64 {
	if math.IsNaN(f) || f >= 1<<63 || f < -(1<<63) {
		return math.MinInt64
	}
	return int64(f)
}

// toLua converts a command's reply for the script (Redis's
// redisProtocolToLuaType), as the RESP version the script chose would
// carry it: in RESP2 a map is a flat array, a double a string, a boolean
// 1 or 0, and nulls are false.
func toLua(L *lua.LState, v resp.Value, protocol int, depth int) lua.LValue {
	if depth > scriptReplyDepthMax {
		return lua.LFalse
	}
	resp3 := protocol == resp.RESP3
	switch v.Kind {
	case resp.SimpleString:
		return fieldTable(L, "ok", lua.LString(v.Str))
	case resp.Error:
		return fieldTable(L, "err", lua.LString(strings.TrimRight(string(v.Str), "\r\n")))
	case resp.Integer:
		return lua.LNumber(v.Int)
	case resp.BulkString:
		return lua.LString(v.Str)
	case resp.Null, resp.NullArray:
		if resp3 {
			return lua.LNil
		}
		return lua.LFalse
	case resp.Boolean:
		if resp3 {
			return lua.LBool(v.Int != 0)
		}
		return lua.LNumber(v.Int)
	case resp.Double:
		if resp3 {
			return fieldTable(L, "double", lua.LNumber(v.Float))
		}
		if len(v.Str) > 0 {
			return lua.LString(v.Str) // GEOPOS's coordinates, as the command prints them
		}
		return lua.LString(resp.FormatDouble(v.Float))
	case resp.BigNumber:
		if resp3 {
			return fieldTable(L, "big_number", lua.LString(v.Str))
		}
		return lua.LString(v.Str)
	case resp.Verbatim:
		if resp3 {
			inner := L.CreateTable(0, 2)
			inner.RawSetString("format", lua.LString("txt"))
			inner.RawSetString("string", lua.LString(v.Str))
			return fieldTable(L, "verbatim_string", inner)
		}
		return lua.LString(v.Str)
	case resp.Map:
		if resp3 {
			m := L.CreateTable(0, len(v.Elems)/2)
			for i := 0; i+1 < len(v.Elems); i += 2 {
				rawSetKey(m, toLua(L, v.Elems[i], protocol, depth+1), toLua(L, v.Elems[i+1], protocol, depth+1))
			}
			return fieldTable(L, "map", m)
		}
		return arrayToLua(L, v.Elems, protocol, depth)
	case resp.Set:
		if resp3 {
			set := L.CreateTable(0, len(v.Elems))
			for _, el := range v.Elems {
				rawSetKey(set, toLua(L, el, protocol, depth+1), lua.LTrue)
			}
			return fieldTable(L, "set", set)
		}
		return arrayToLua(L, v.Elems, protocol, depth)
	case resp.Pairs:
		if resp3 {
			t := L.CreateTable(len(v.Elems)/2, 0)
			for i := 0; i+1 < len(v.Elems); i += 2 {
				t.RawSetInt(i/2+1, arrayToLua(L, v.Elems[i:i+2], protocol, depth+1))
			}
			return t
		}
		return arrayToLua(L, v.Elems, protocol, depth)
	case resp.Attribute:
		if len(v.Elems) > 0 {
			return toLua(L, v.Elems[len(v.Elems)-1], protocol, depth)
		}
		return lua.LFalse
	}
	return arrayToLua(L, v.Elems, protocol, depth) // Array, Push
}

// fieldTable is {name = value}, the shape Redis gives a reply that is not
// a plain string, number or array.
func fieldTable(L *lua.LState, name string, value lua.LValue) *lua.LTable {
	t := L.CreateTable(0, 1)
	t.RawSetString(name, value)
	return t
}

// rawSetKey sets t[key] unless the key is one Lua tables cannot hold
// (nil, or NaN: a RESP3 null or nan inside a map or set).
func rawSetKey(t *lua.LTable, key, value lua.LValue) {
	if f, isNumber := key.(lua.LNumber); key == lua.LNil || isNumber && math.IsNaN(float64(f)) {
		return
	}
	t.RawSet(key, value)
}

func arrayToLua(L *lua.LState, elems []resp.Value, protocol int, depth int) *lua.LTable {
	t := L.CreateTable(len(elems), 0)
	for i, el := range elems {
		t.RawSetInt(i+1, toLua(L, el, protocol, depth+1))
	}
	return t
}
