package cache

import (
	"strings"

	lua "github.com/yuin/gopher-lua"

	"syslab/engines/cache/resp"
)

// The functions' interpreter (Redis 7.0's function_lua.c): a Lua state of
// its own, apart from EVAL's, in which FUNCTION LOAD runs a library's code
// once so that it registers its functions, and FCALL calls them.
//
// A library's code runs in a narrow environment: its globals hold only a
// redis table, and that table only register_function, log, the log levels
// and the version — loading registers functions, it does not touch data.
// The callbacks it registers are closures over that same environment,
// which FCALL switches to the full one: what EVAL's scripts see, less KEYS
// and ARGV (a function gets its keys and arguments as its two
// parameters). Both are read-only and reading a missing name is an error,
// so a library cannot keep state in globals between calls.

const (
	// functionChunkName names a library's lines in errors, as Redis's
	// "user_function:3:".
	functionChunkName = "user_function"
	// functionLoadStepsDivisor makes FUNCTION LOAD's budget of Lua
	// instructions a tenth of a script's, as Redis gives a load 500 ms
	// where a script runs 5 s before it is called busy.
	functionLoadStepsDivisor = 10
)

// functionEngine is the functions' interpreter.
type functionEngine struct {
	lua *luaEngine
	// env is every library's environment: while a library loads its reads
	// go to loadGlobals, otherwise to the full globals.
	env         *lua.LTable
	loadGlobals *lua.LTable
	globals     *lua.LTable
	// loading is the library being loaded; nil outside FUNCTION LOAD.
	loading *functionLibrary
}

func newFunctionEngine(n *Node) *functionEngine {
	e := newLuaEngine(n)
	L := e.state
	fe := &functionEngine{lua: e, globals: L.Get(lua.GlobalsIndex).(*lua.LTable)}

	loadRedis := L.NewTable()
	loadRedis.RawSetString("register_function", L.NewFunction(fe.registerFunction))
	for _, name := range []string{"log", "LOG_DEBUG", "LOG_VERBOSE", "LOG_NOTICE", "LOG_WARNING", "REDIS_VERSION", "REDIS_VERSION_NUM"} {
		loadRedis.RawSetString(name, e.redisLib.RawGetString(name))
	}
	fe.loadGlobals = L.NewTable()
	fe.loadGlobals.RawSetString("redis", e.readonlyView(L, loadRedis, true))

	fe.env = L.NewTable()
	meta := L.NewTable()
	meta.RawSetString("__index", L.NewFunction(func(L *lua.LState) int {
		key := L.Get(2)
		scope := fe.globals
		if fe.loading != nil {
			scope = fe.loadGlobals
		}
		v := scope.RawGet(key)
		if v == lua.LNil {
			L.RaiseError("Script attempted to access nonexistent global variable '%s'", lua.LVAsString(key))
		}
		L.Push(v)
		return 1
	}))
	meta.RawSetString("__newindex", L.NewFunction(raiseReadonly))
	meta.RawSetString("__metatable", e.locked)
	L.SetMetatable(fe.env, meta)
	e.readonly[fe.env] = true
	return fe
}

// load runs a library's compiled code so that it registers its functions
// into lib. It returns Redis's error text, or "" when the code ran.
func (fe *functionEngine) load(lib *functionLibrary, proto *lua.FunctionProto, stepsMax int64) string {
	L := fe.lua.state
	fn := L.NewFunctionFromProto(proto)
	fn.Env = fe.env
	fe.loading = lib
	fe.lua.steps.start(nil, stepsMax, "FUNCTION LOAD timeout")
	top := L.GetTop()
	L.Push(fn)
	err := L.PCall(0, 0, nil)
	L.SetTop(top)
	fe.loading = nil
	clear(fe.lua.names)
	if err == nil {
		return ""
	}
	return "Error registering functions: " + loadErrorText(err)
}

// loadErrorText is the message of an error a library's code raised, as
// Redis's luaExtractErrorInformation reads it: a string gets the ERR code
// in front, an error table gives its err field.
func loadErrorText(err error) string {
	apiErr, ok := err.(*lua.ApiError)
	if !ok {
		return oneLine(err.Error())
	}
	switch v := apiErr.Object.(type) {
	case lua.LString:
		return "ERR " + oneLine(string(v))
	case *lua.LTable:
		if msg, ok := v.RawGetString("err").(lua.LString); ok {
			return oneLine(string(msg))
		}
	}
	return "ERR " + oneLine(apiErr.Object.String())
}

// callFunction runs a registered function with its keys and arguments.
func (fe *functionEngine) callFunction(f *scriptFunction, run *scriptRun, keys, argv [][]byte, stepsMax int64) resp.Value {
	L := fe.lua.state
	return fe.lua.call(f.callback, run, stepsMax, stringsTable(L, keys), stringsTable(L, argv))
}

// registerFunction is redis.register_function(name, callback) or
// redis.register_function{function_name=…, callback=…, description=…,
// flags={…}}, callable only while a library loads.
func (fe *functionEngine) registerFunction(L *lua.LState) int {
	lib := fe.loading
	if lib == nil {
		raiseScriptError(L, "redis.register_function can only be called on FUNCTION LOAD command")
	}
	var f *scriptFunction
	var msg string
	switch L.GetTop() {
	case 1:
		f, msg = registeredByName(L)
	case 2:
		f, msg = registeredByPosition(L)
	default:
		msg = "wrong number of arguments to redis.register_function"
	}
	if msg == "" {
		msg = lib.add(f)
	}
	if msg != "" {
		raiseScriptError(L, msg)
	}
	return 0
}

// luaStringArg is Lua's lua_isstring/lua_tostring: a string, or a number
// as a string.
func luaStringArg(v lua.LValue) (string, bool) {
	switch v := v.(type) {
	case lua.LString:
		return string(v), true
	case lua.LNumber:
		return v.String(), true
	}
	return "", false
}

func registeredByPosition(L *lua.LState) (*scriptFunction, string) {
	name, ok := luaStringArg(L.Get(1))
	if !ok {
		return nil, "first argument to redis.register_function must be a string"
	}
	callback, ok := L.Get(2).(*lua.LFunction)
	if !ok {
		return nil, "second argument to redis.register_function must be a function"
	}
	return &scriptFunction{name: name, callback: callback}, ""
}

func registeredByName(L *lua.LState) (*scriptFunction, string) {
	args, ok := L.Get(1).(*lua.LTable)
	if !ok {
		return nil, "calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments)."
	}
	f := &scriptFunction{}
	hasName := false
	// Next walks the table in insertion order: which bad argument is
	// reported first does not depend on hashing.
	for key, value := args.Next(lua.LNil); key != lua.LNil; key, value = args.Next(key) {
		name, ok := luaStringArg(key)
		if !ok {
			return nil, "named argument key given to redis.register_function is not a string"
		}
		switch strings.ToLower(name) {
		case "function_name":
			if f.name, ok = luaStringArg(value); !ok {
				return nil, "function_name argument given to redis.register_function must be a string"
			}
			hasName = true
		case "description":
			description, ok := luaStringArg(value)
			if !ok {
				return nil, "description argument given to redis.register_function must be a string"
			}
			f.description = &description
		case "callback":
			if f.callback, ok = value.(*lua.LFunction); !ok {
				return nil, "callback argument given to redis.register_function must be a function"
			}
		case "flags":
			list, ok := value.(*lua.LTable)
			if !ok {
				return nil, "flags argument to redis.register_function must be a table representing function flags"
			}
			if f.flags, ok = functionFlags(list); !ok {
				return nil, "unknown flag given"
			}
		default:
			return nil, "unknown argument given to redis.register_function"
		}
	}
	if !hasName {
		return nil, "redis.register_function must get a function name argument"
	}
	if f.callback == nil {
		return nil, "redis.register_function must get a callback argument"
	}
	return f, ""
}

// functionFlags reads a function's flags, list[1] up to the first nil;
// false if one is not a flag's name (case does not matter).
func functionFlags(list *lua.LTable) (scriptFlags, bool) {
	var flags scriptFlags
	for i := 1; ; i++ {
		v := list.RawGetInt(i)
		if v == lua.LNil {
			return flags, true
		}
		name, ok := luaStringArg(v)
		if !ok {
			return 0, false
		}
		known := false
		for _, f := range scriptFlagNames {
			if strings.EqualFold(name, f.name) {
				flags, known = flags|f.flag, true
			}
		}
		if !known {
			return 0, false
		}
	}
}
