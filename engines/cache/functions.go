package cache

import (
	"bytes"
	"cmp"
	"errors"
	"slices"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"syslab/engines/cache/persist"
	"syslab/engines/cache/resp"
)

// Functions (Redis 7.0's functions.c): libraries of Lua functions loaded
// once with FUNCTION LOAD and called by name with FCALL and FCALL_RO.
// Unlike EVAL's script cache, libraries are data: they are saved in
// snapshots and AOF bases, logged and replicated as the FUNCTION commands
// that change them, and survive FLUSHALL (FUNCTION FLUSH empties them).
//
// A library is its code, whose first line names it and its engine:
// "#!lua name=mylib". Loading runs the code once (functionlua.go); it
// registers functions with redis.register_function, each with optional
// flags — the shebang flags of EVAL scripts (no-writes, allow-oom, …),
// which FCALL is checked with as EVAL is with a script's.
//
// Library names are case-sensitive and function names are not, as in
// Redis. Where Redis lists libraries in its hash table's order, they are
// listed by name here (and functions in the order they were registered),
// so snapshots and replies do not depend on hashing.

var functionCommands = []commandSpec{
	{name: "fcall", arity: -3, flags: flagMayReplicate | flagRunsScript, movableKeys: keysAfterNumkeys(2), run: fcallCommand},
	{name: "fcall_ro", arity: -3, flags: flagReadonly | flagRunsScript, movableKeys: keysAfterNumkeys(2), run: fcallCommand},
	{name: "function", arity: -2, flagsFor: functionSubcommandFlags, run: functionCommand},
}

// functionLibrary is one loaded library.
type functionLibrary struct {
	name string
	// code is the whole code FUNCTION LOAD was given, shebang included:
	// what snapshots, the AOF and FUNCTION DUMP keep.
	code      string
	functions []*scriptFunction // in the order the code registered them
}

// scriptFunction is one registered function.
type scriptFunction struct {
	name        string
	description *string // nil: none given
	flags       scriptFlags
	callback    *lua.LFunction
	library     *functionLibrary
}

// functionRegistry is a set of libraries and the functions they
// registered: the node's, or one being built by FUNCTION RESTORE.
type functionRegistry struct {
	libraries map[string]*functionLibrary // by name
	functions map[string]*scriptFunction  // by lower-case name
	// codeBytes is what the libraries' code and names take
	// (used_memory_functions).
	codeBytes int64
}

func (r *functionRegistry) link(lib *functionLibrary) {
	if r.libraries == nil {
		r.libraries = make(map[string]*functionLibrary)
		r.functions = make(map[string]*scriptFunction)
	}
	r.libraries[lib.name] = lib
	for _, f := range lib.functions {
		r.functions[strings.ToLower(f.name)] = f
	}
	r.codeBytes += lib.sizeBytes()
}

func (r *functionRegistry) unlink(lib *functionLibrary) {
	delete(r.libraries, lib.name)
	for _, f := range lib.functions {
		delete(r.functions, strings.ToLower(f.name))
	}
	r.codeBytes -= lib.sizeBytes()
}

func (lib *functionLibrary) sizeBytes() int64 {
	n := len(lib.name) + len(lib.code)
	for _, f := range lib.functions {
		n += len(f.name)
		if f.description != nil {
			n += len(*f.description)
		}
	}
	return int64(n)
}

// sorted lists the libraries by name.
func (r *functionRegistry) sorted() []*functionLibrary {
	libs := make([]*functionLibrary, 0, len(r.libraries))
	for _, lib := range r.libraries {
		libs = append(libs, lib)
	}
	slices.SortFunc(libs, func(a, b *functionLibrary) int { return strings.Compare(a.name, b.name) })
	return libs
}

// lookup finds a function by name, whatever its case.
func (r *functionRegistry) lookup(name []byte) *scriptFunction {
	return r.functions[strings.ToLower(string(name))]
}

// add registers f in the library being loaded; it returns Redis's error
// text, or "". Two functions of one library may not differ only in case
// (Redis lets them register and then keeps one of the two).
func (lib *functionLibrary) add(f *scriptFunction) string {
	if !validFunctionName(f.name) {
		return errFunctionNameFormat
	}
	for _, g := range lib.functions {
		if strings.EqualFold(g.name, f.name) {
			return "Function already exists in the library"
		}
	}
	f.library = lib
	lib.functions = append(lib.functions, f)
	return ""
}

// errFunctionNameFormat is Redis's wording for a bad library or function
// name alike.
const errFunctionNameFormat = "Library names can only contain letters, numbers, or underscores(_) and must be at least one character long"

func validFunctionName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// libraryMetadata reads a library's shebang line: "#!<engine>
// name=<name>". The body returned starts at the line's newline, so line
// numbers in errors stay the code's.
func libraryMetadata(code string) (engine, name, body, errText string) {
	if !strings.HasPrefix(code, "#!") {
		return "", "", "", "Missing library metadata"
	}
	end := strings.IndexByte(code, '\n')
	if end < 0 {
		return "", "", "", "Invalid library metadata"
	}
	parts, ok := resp.SplitArgs([]byte(code[:end]))
	if !ok || len(parts) == 0 {
		return "", "", "", "Invalid library metadata"
	}
	hasName := false
	for _, part := range parts[1:] {
		if len(part) >= 5 && strings.EqualFold(string(part[:5]), "name=") {
			if hasName {
				return "", "", "", "Invalid metadata value, name argument was given multiple times"
			}
			name, hasName = string(part[5:]), true
			continue
		}
		return "", "", "", "Invalid metadata value given: " + string(part)
	}
	if !hasName {
		return "", "", "", "Library name was not given"
	}
	return string(parts[0][2:]), name, code[end:], ""
}

// createLibrary compiles code and loads it into r, replacing a library of
// the same name only if replace. It returns the library, or Redis's error
// text with r unchanged.
func (n *Node) createLibrary(code string, replace bool, r *functionRegistry) (*functionLibrary, string) {
	engine, name, body, errText := libraryMetadata(code)
	if errText != "" {
		return nil, errText
	}
	if !validFunctionName(name) {
		return nil, errFunctionNameFormat
	}
	if !strings.EqualFold(engine, "lua") {
		return nil, "Engine '" + engine + "' not found"
	}
	old := r.libraries[name]
	if old != nil && !replace {
		return nil, "Library '" + name + "' already exists"
	}
	proto, errText := compileLua(body, functionChunkName)
	if errText != "" {
		return nil, "Error compiling function: " + errText
	}
	if n.functionEngine == nil {
		n.functionEngine = newFunctionEngine(n)
	}
	lib := &functionLibrary{name: name, code: code}
	if errText := n.functionEngine.load(lib, proto, max(cmp.Or(n.cfg.ScriptStepsMax, defaultScriptStepsMax)/functionLoadStepsDivisor, 1)); errText != "" {
		return nil, errText
	}
	if len(lib.functions) == 0 {
		return nil, "No functions registered"
	}
	for _, f := range lib.functions {
		if g := r.lookup([]byte(f.name)); g != nil && g.library != old {
			return nil, "Function " + f.name + " already exists"
		}
	}
	if old != nil {
		r.unlink(old)
	}
	r.link(lib)
	return lib, ""
}

// join adds src's libraries to r (FUNCTION RESTORE APPEND or REPLACE):
// all of them, or none and Redis's error text.
func (r *functionRegistry) join(src *functionRegistry, replace bool) string {
	libs := src.sorted()
	replaced := make(map[*functionLibrary]bool)
	for _, lib := range libs {
		if old := r.libraries[lib.name]; old != nil {
			if !replace {
				return "Library " + lib.name + " already exists"
			}
			replaced[old] = true
		}
	}
	for _, lib := range libs {
		for _, f := range lib.functions {
			if g := r.lookup([]byte(f.name)); g != nil && !replaced[g.library] {
				return "Function " + f.name + " already exists"
			}
		}
	}
	for _, lib := range libs {
		if old := r.libraries[lib.name]; old != nil {
			r.unlink(old)
		}
		r.link(lib)
	}
	return ""
}

// fcallCommand is FCALL and FCALL_RO.
func fcallCommand(c *call) resp.Value {
	n := c.node
	if len(n.monitors) > 0 {
		n.showMonitors(c.session, c.spec, c.args) // first, as Redis feeds them
	}
	f := n.functions.lookup(c.args[1])
	if f == nil {
		return resp.Err("ERR Function not found")
	}
	numkeys, ok := resp.ParseInt(c.args[2])
	if !ok {
		return resp.Err("ERR Bad number of keys provided")
	}
	if numkeys > int64(len(c.args)-3) {
		return resp.Err("ERR Number of keys can't be greater than number of args")
	}
	if numkeys < 0 {
		return resp.Err("ERR Number of keys can't be negative")
	}
	run := &scriptRun{node: n, caller: c, name: f.name, flags: f.flags, protocol: resp.RESP2, targets: toBoth, slot: -1, function: true}
	run.readOnly = c.spec.flags&flagReadonly != 0 || f.flags&scriptNoWrites != 0
	if refusal, refused := n.refuseScript(run); refused {
		return refusal
	}
	keys := c.args[3 : 3+numkeys]
	return n.runScript(run, keys, func() resp.Value {
		return n.functionEngine.callFunction(f, run, keys, c.args[3+numkeys:], n.scriptStepsMax())
	})
}

// functionSubcommandFlags are each FUNCTION subcommand's flags, as Redis
// declares them: the ones that change the libraries are writes (refused
// on a read-only replica, held by CLIENT PAUSE WRITE), and loading ones
// may need memory.
func functionSubcommandFlags(args [][]byte) commandFlags {
	switch strings.ToLower(string(args[1])) {
	case "load", "restore":
		return flagWrite | flagDenyOOM
	case "delete", "flush":
		return flagWrite
	}
	return 0
}

// functionSubcommandArity is each subcommand's arity, as Redis's command
// table has it.
var functionSubcommandArity = map[string]int{
	"load": -3, "delete": 3, "list": -2, "flush": -2, "dump": 2, "restore": -3, "stats": 2, "kill": 2, "help": 2,
}

var functionHelp = []string{
	"FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
	"LOAD [REPLACE] <library code>",
	"    Load a library from its code (its first line: #!lua name=<library>); with",
	"    REPLACE, a library of the same name is replaced. Returns the library's name.",
	"DELETE <library name>",
	"    Unload a library and its functions.",
	"LIST [LIBRARYNAME <pattern>] [WITHCODE]",
	"    Describe the libraries (those whose name matches the pattern): name, engine,",
	"    functions with their descriptions and flags, and the code with WITHCODE.",
	"STATS",
	"    The function running (none can be while this runs here) and, per engine,",
	"    how many libraries and functions are loaded.",
	"KILL",
	"    Stop the function running (none can be while this runs here).",
	"FLUSH [ASYNC|SYNC]",
	"    Unload every library (both modes do it at once here).",
	"DUMP",
	"    Serialize every library into a payload FUNCTION RESTORE takes.",
	"RESTORE <payload> [FLUSH|APPEND|REPLACE]",
	"    Load the libraries of a payload: FLUSH unloads the others first; APPEND (the",
	"    default) fails if one is loaded already; REPLACE replaces those. A function",
	"    name taken by another library fails the whole restore.",
	"HELP",
	"    Print this help.",
}

func functionCommand(c *call) resp.Value {
	n := c.node
	sub, refusal, ok := checkSubcommand(c, "function", functionSubcommandArity)
	if !ok {
		return refusal
	}
	switch sub {
	case "help":
		return helpReply(c, functionHelp)
	case "load":
		return functionLoad(c)
	case "delete":
		lib := n.functions.libraries[string(c.args[2])]
		if lib == nil {
			return resp.Err("ERR Library not found")
		}
		n.functions.unlink(lib)
		c.propagate(c.args...)
		return resp.OK
	case "list":
		return functionList(c)
	case "flush":
		if len(c.args) > 3 {
			return errSubcommandSyntax(c.args[1], "FUNCTION")
		}
		if len(c.args) == 3 && !strings.EqualFold(string(c.args[2]), "sync") && !strings.EqualFold(string(c.args[2]), "async") {
			return resp.Err("ERR FUNCTION FLUSH only supports SYNC|ASYNC option")
		}
		n.functions = functionRegistry{}
		c.propagate(c.args...)
		return resp.OK
	case "dump":
		libs := n.functions.sorted()
		codes := make([][]byte, len(libs))
		for i, lib := range libs {
			codes[i] = []byte(lib.code)
		}
		return resp.Bulk(persist.EncodeFunctionsPayload(codes))
	case "restore":
		return functionRestore(c)
	case "stats":
		if run := n.busyScript(); run != nil && !run.function {
			return replyBusyEval // Redis names no EVAL script here
		}
		return resp.Value{Kind: resp.Map, Elems: []resp.Value{
			resp.BulkFromString("running_script"), n.runningScriptStats(),
			resp.BulkFromString("engines"), {Kind: resp.Map, Elems: []resp.Value{
				resp.BulkFromString("LUA"), {Kind: resp.Map, Elems: []resp.Value{
					resp.BulkFromString("libraries_count"), resp.Int(int64(len(n.functions.libraries))),
					resp.BulkFromString("functions_count"), resp.Int(int64(len(n.functions.functions))),
				}},
			}},
		}}
	case "kill":
		return n.killScript(false)
	}
	return errUnknownSubcommand(c.args[1], "FUNCTION")
}

func functionLoad(c *call) resp.Value {
	replace := false
	at := 2
	for ; at < len(c.args)-1; at++ {
		if !strings.EqualFold(string(c.args[at]), "replace") {
			return resp.Err("ERR Unknown option given: " + string(c.args[at]))
		}
		replace = true
	}
	lib, errText := c.node.createLibrary(string(c.args[at]), replace, &c.node.functions)
	if errText != "" {
		return resp.Err("ERR " + errText)
	}
	c.propagate(c.args...)
	return resp.BulkFromString(lib.name)
}

func functionList(c *call) resp.Value {
	withCode := false
	var pattern []byte
	for i := 2; i < len(c.args); i++ {
		arg := c.args[i]
		switch {
		case !withCode && strings.EqualFold(string(arg), "withcode"):
			withCode = true
			continue
		case pattern == nil && strings.EqualFold(string(arg), "libraryname"):
			if i == len(c.args)-1 {
				return resp.Err("ERR library name argument was not given")
			}
			i++
			pattern = c.args[i]
			continue
		}
		return resp.Err("ERR Unknown argument " + string(arg))
	}
	list := resp.Value{Kind: resp.Array, Elems: []resp.Value{}}
	for _, lib := range c.node.functions.sorted() {
		// Redis matches the pattern without regard to case.
		if pattern != nil && !globMatch(bytes.ToLower(pattern), bytes.ToLower([]byte(lib.name))) {
			continue
		}
		functions := make([]resp.Value, 0, len(lib.functions))
		for _, f := range lib.functions {
			description := resp.NullBulk
			if f.description != nil {
				description = resp.BulkFromString(*f.description)
			}
			flags := resp.Value{Kind: resp.Set, Elems: []resp.Value{}}
			for _, name := range scriptFlagNames {
				if f.flags&name.flag != 0 {
					flags.Elems = append(flags.Elems, resp.Simple(name.name))
				}
			}
			functions = append(functions, resp.Value{Kind: resp.Map, Elems: []resp.Value{
				resp.BulkFromString("name"), resp.BulkFromString(f.name),
				resp.BulkFromString("description"), description,
				resp.BulkFromString("flags"), flags,
			}})
		}
		entry := resp.Value{Kind: resp.Map, Elems: []resp.Value{
			resp.BulkFromString("library_name"), resp.BulkFromString(lib.name),
			resp.BulkFromString("engine"), resp.BulkFromString("LUA"),
			resp.BulkFromString("functions"), resp.ArrayOf(functions...),
		}}
		if withCode {
			entry.Elems = append(entry.Elems, resp.BulkFromString("library_code"), resp.BulkFromString(lib.code))
		}
		list.Elems = append(list.Elems, entry)
	}
	return list
}

func functionRestore(c *call) resp.Value {
	n := c.node
	if len(c.args) > 4 {
		return errSubcommandSyntax(c.args[1], "FUNCTION")
	}
	policy := "append"
	if len(c.args) == 4 {
		policy = strings.ToLower(string(c.args[3]))
		if policy != "append" && policy != "replace" && policy != "flush" {
			return resp.Err("ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.")
		}
	}
	codes, err := persist.DecodeFunctionsPayload(c.args[2])
	switch {
	case errors.Is(err, persist.ErrDumpPayload), errors.Is(err, persist.ErrFunctionsPayloadType), errors.Is(err, persist.ErrFunctionsPayloadRead):
		return resp.Err("ERR " + err.Error())
	case err != nil:
		return resp.Err("ERR Failed loading library payload")
	}
	var restored functionRegistry
	for _, code := range codes {
		if _, errText := n.createLibrary(string(code), false, &restored); errText != "" {
			return resp.Err("ERR " + errText)
		}
	}
	if policy == "flush" {
		n.functions = restored
	} else if errText := n.functions.join(&restored, policy == "replace"); errText != "" {
		return resp.Err("ERR " + errText)
	}
	c.propagate(c.args...)
	return resp.OK
}

// loadFunctionLibrary loads a library a snapshot holds; replace lets it
// replace one of the same name (DEBUG RELOAD MERGE).
func (n *Node) loadFunctionLibrary(code []byte, replace bool) error {
	if _, errText := n.createLibrary(string(code), replace, &n.functions); errText != "" {
		return errors.New(errText)
	}
	return nil
}

// writeFunctionLibraries writes every library into a snapshot, by name.
func (n *Node) writeFunctionLibraries(w persist.SnapshotWriter) {
	for _, lib := range n.functions.sorted() {
		w.WriteFunctionLibrary([]byte(lib.code))
	}
}
