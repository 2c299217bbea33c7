package cache

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
	"time"

	"syslab/engines/cache/persist"
	"syslab/engines/cache/resp"
	"syslab/node"
)

// doArgs runs one command given as separate arguments (a library's code
// holds newlines and quotes) and returns the reply as redis-cli renders it.
func doArgs(n *Node, env *testEnv, client node.ID, args ...string) string {
	argv := make([][]byte, len(args))
	for i, a := range args {
		argv[i] = []byte(a)
	}
	n.Receive(client, Command{Seq: uint64(len(env.replies)), Args: argv})
	return env.replies[len(env.replies)-1].Value.String()
}

const libraryMylib = "#!lua name=mylib\n" +
	"local function pair(keys, args) return {keys[1], args[1]} end\n" +
	"redis.register_function('echo_pair', function(keys, args) return pair(keys, args) end)\n" +
	"redis.register_function{function_name='setter', callback=function(keys, args) return redis.call('set', keys[1], args[1]) end, description='sets a key'}\n" +
	"redis.register_function{function_name='reader', callback=function(keys) return redis.call('get', keys[1]) end, flags={'no-writes'}}\n"

func TestFunctionLoadAndCall(t *testing.T) {
	n, env := startNode(t, Config{})
	if got := doArgs(n, env, "c", "FUNCTION", "LOAD", libraryMylib); got != `"mylib"` {
		t.Fatalf("FUNCTION LOAD = %s", got)
	}
	for _, c := range []struct{ line, want string }{
		{"FCALL echo_pair 1 k a", `["k" "a"]`},
		{"FCALL ECHO_PAIR 0 a", `[]`}, // names are not case-sensitive; {nil, "a"} converts as Lua's # sees it
		{"FCALL setter 1 k v", `"OK"`},
		{"FCALL_RO reader 1 k", `"v"`},
		{"FCALL_RO setter 1 k v", "(error) ERR Can not execute a script with write flag using *_ro command."},
		{"FCALL nope 0", "(error) ERR Function not found"},
		{"FCALL reader x", "(error) ERR Bad number of keys provided"},
		{"FCALL reader 2 k", "(error) ERR Number of keys can't be greater than number of args"},
		{"FCALL reader -1", "(error) ERR Number of keys can't be negative"},
		{"FUNCTION STATS", `["running_script" (nil) "engines" ["LUA" ["libraries_count" (integer) 1 "functions_count" (integer) 3]]]`},
		{"FUNCTION LIST LIBRARYNAME MY*", `[["library_name" "mylib" "engine" "LUA" "functions" [["name" "echo_pair" "description" (nil) "flags" []] ["name" "setter" "description" "sets a key" "flags" []] ["name" "reader" "description" (nil) "flags" ["no-writes"]]]]]`},
		{"FUNCTION LIST LIBRARYNAME other*", `[]`},
		{"FUNCTION DELETE MYLIB", "(error) ERR Library not found"}, // library names are case-sensitive
		{"FUNCTION DELETE mylib", `"OK"`},
		{"FCALL reader 1 k", "(error) ERR Function not found"},
		{"GET k", `"v"`},
	} {
		if got := do(n, env, "c", c.line); got != c.want {
			t.Errorf("%s = %s, want %s", c.line, got, c.want)
		}
	}
}

// What FUNCTION LOAD refuses, and that a refused load changes nothing.
func TestFunctionLoadErrors(t *testing.T) {
	n, env := startNode(t, Config{ScriptStepsMax: 100_000})
	doArgs(n, env, "c", "FUNCTION", "LOAD", "#!lua name=lib1\nredis.register_function('f1', function() return 1 end)")
	for _, c := range []struct{ code, want string }{
		{"return 1", "ERR Missing library metadata"},
		{"#!lua name=x", "ERR Invalid library metadata"},
		{"#!lua\nreturn 1", "ERR Library name was not given"},
		{"#!lua name=a name=b\n", "ERR Invalid metadata value, name argument was given multiple times"},
		{"#!lua name=x foo=bar\n", "ERR Invalid metadata value given: foo=bar"},
		{"#!lua name=bad-name\n", "ERR Library names can only contain letters, numbers, or underscores(_) and must be at least one character long"},
		{"#!js name=x\n", "ERR Engine 'js' not found"},
		{"#!lua name=lib1\nredis.register_function('f9', function() return 1 end)", "ERR Library 'lib1' already exists"},
		{"#!lua name=x\nreturn 1", "ERR No functions registered"},
		{"#!lua name=x\nredis.register_function('F1', function() return 1 end)", "ERR Function F1 already exists"},
		{"#!lua name=x\nredis.register_function('g', function() end) redis.register_function('g', function() end)", "ERR Error registering functions: ERR Function already exists in the library"},
		{"#!lua name=x\nredis.register_function('', function() end)", "ERR Error registering functions: ERR Library names can only contain letters, numbers, or underscores(_) and must be at least one character long"},
		{"#!lua name=x\nredis.register_function('g')", "ERR Error registering functions: ERR calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments)."},
		{"#!lua name=x\nredis.register_function('g', 'h')", "ERR Error registering functions: ERR second argument to redis.register_function must be a function"},
		{"#!lua name=x\nredis.register_function{function_name='g', callback=function() end, flags={'nope'}}", "ERR Error registering functions: ERR unknown flag given"},
		{"#!lua name=x\nredis.register_function{callback=function() end}", "ERR Error registering functions: ERR redis.register_function must get a function name argument"},
		{"#!lua name=x\nredis.call('ping')", "ERR Error registering functions: ERR user_function:2: Script attempted to access nonexistent global variable 'call'"},
		{"#!lua name=x\nreturn math.random()", "ERR Error registering functions: ERR user_function:2: Script attempted to access nonexistent global variable 'math'"},
		{"#!lua name=x\na = 1", "ERR Error registering functions: ERR user_function:2: Attempt to modify a readonly table"},
		{"#!lua name=x\nlocal a = 1 while true do a = a + 1 end", "ERR Error registering functions: ERR FUNCTION LOAD timeout"},
	} {
		if got := doArgs(n, env, "c", "FUNCTION", "LOAD", c.code); got != "(error) "+c.want {
			t.Errorf("FUNCTION LOAD %q = %s, want %s", c.code, got, c.want)
		}
	}
	if got := doArgs(n, env, "c", "FUNCTION", "LOAD", "REPLACE", "#!lua name=lib1\nreturn 1"); got != "(error) ERR No functions registered" {
		t.Fatalf("a failed REPLACE = %s", got)
	}
	if got := do(n, env, "c", "FCALL f1 0"); got != "(integer) 1" {
		t.Fatalf("after refused loads FCALL f1 = %s: the old library must stay", got)
	}
}

// A library's environment: what loading sees, what a call sees, and that
// neither can be changed.
func TestFunctionEnvironments(t *testing.T) {
	n, env := startNode(t, Config{})
	code := "#!lua name=lib\n" +
		"local lib = redis\n" +
		"local function ping() return redis.call('ping') end\n" +
		"redis.register_function('ping', function() return ping() end)\n" +
		"redis.register_function('smuggle', function() lib.math = math end)\n" +
		"redis.register_function('late', function() lib.register_function('x', function() end) end)\n" +
		"redis.register_function('global', function() g = 1 end)\n" +
		"redis.register_function('args', function(keys, args) return {#keys, #args, type(KEYS)} end)\n"
	if got := doArgs(n, env, "c", "FUNCTION", "LOAD", code); got != `"lib"` {
		t.Fatalf("FUNCTION LOAD = %s", got)
	}
	for _, c := range []struct{ line, want string }{
		{"FCALL ping 0", `"PONG"`},
		{"FCALL smuggle 0", "(error) ERR user_function:5: Attempt to modify a readonly table script: smuggle, on @user_function:5."},
		{"FCALL late 0", "(error) ERR redis.register_function can only be called on FUNCTION LOAD command script: late, on @user_function:6."},
		{"FCALL global 0", "(error) ERR user_function:7: Attempt to modify a readonly table script: global, on @user_function:7."},
	} {
		if got := do(n, env, "c", c.line); got != c.want {
			t.Errorf("%s = %s, want %s", c.line, got, c.want)
		}
	}
	if got := do(n, env, "c", "FCALL args 2 a b c"); !strings.HasPrefix(got, "(error) ERR user_function:8: Script attempted to access nonexistent global variable 'KEYS'") {
		t.Errorf("a function reading KEYS = %s: functions get their keys as a parameter", got)
	}
}

func TestFunctionDumpRestore(t *testing.T) {
	n, env := startNode(t, Config{})
	lib1 := "#!lua name=lib1\nredis.register_function('f1', function() return 1 end)"
	lib2 := "#!lua name=lib2\nredis.register_function('f2', function() return 2 end)"
	doArgs(n, env, "c", "FUNCTION", "LOAD", lib1)
	doArgs(n, env, "c", "FUNCTION", "LOAD", lib2)
	n.Receive("c", Command{Seq: 99, Args: [][]byte{[]byte("FUNCTION"), []byte("DUMP")}})
	payload := string(env.replies[len(env.replies)-1].Value.Str)
	restore := func(policy ...string) string {
		return doArgs(n, env, "c", append([]string{"FUNCTION", "RESTORE", payload}, policy...)...)
	}
	if got := restore(); got != "(error) ERR Library lib1 already exists" {
		t.Fatalf("RESTORE over loaded libraries = %s", got)
	}
	do(n, env, "c", "FUNCTION DELETE lib1")
	doArgs(n, env, "c", "FUNCTION", "LOAD", "#!lua name=other\nredis.register_function('f1', function() return 'other' end)")
	if got := restore("REPLACE"); got != "(error) ERR Function f1 already exists" {
		t.Fatalf("RESTORE REPLACE with a function name taken = %s", got)
	}
	if got := do(n, env, "c", "FCALL f1 0"); got != `"other"` {
		t.Fatalf("a refused RESTORE changed the libraries: FCALL f1 = %s", got)
	}
	if got := restore("FLUSH"); got != `"OK"` {
		t.Fatalf("RESTORE FLUSH = %s", got)
	}
	if got := do(n, env, "c", "FUNCTION LIST"); strings.Contains(got, "other") || !strings.Contains(got, "lib1") || !strings.Contains(got, "lib2") {
		t.Fatalf("after RESTORE FLUSH: %s", got)
	}
	if got := restore("REPLACE"); got != `"OK"` {
		t.Fatalf("RESTORE REPLACE of the same libraries = %s", got)
	}
	for _, c := range []struct{ args []string }{{[]string{"FUNCTION", "RESTORE", "bad"}}, {[]string{"FUNCTION", "RESTORE", payload[:len(payload)-1] + "x"}}} {
		if got := doArgs(n, env, "c", c.args...); got != "(error) ERR DUMP payload version or checksum are wrong" {
			t.Errorf("RESTORE of a damaged payload = %s", got)
		}
	}
	if got := restore("KEEP"); got != "(error) ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE." {
		t.Errorf("RESTORE KEEP = %s", got)
	}
}

// Libraries are data: they survive FLUSHALL, a restart from a snapshot,
// a restart from the AOF, and an AOF rewritten into an RDB base or into
// commands.
func TestSimFunctionsPersist(t *testing.T) {
	for _, c := range []struct {
		name string
		cfg  Config
	}{
		{"rdb", Config{}},
		{"aof", Config{AppendOnly: true, AppendFsync: FsyncAlways}},
		{"aof-rewritten", Config{AppendOnly: true, AppendFsync: FsyncAlways}},
		{"aof-rewritten-commands", Config{AppendOnly: true, AppendFsync: FsyncAlways, AOFNoRDBPreamble: true}},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.cfg.EnableDebugCommand = ProtectedYes
			h := newSimHarness(t, 71, c.cfg, realDisk)
			h.expect(`FUNCTION LOAD "#!lua name=keep\nredis.register_function('kept', function(keys) return redis.call('incr', keys[1]) end)"`, `"keep"`)
			h.expect(`FUNCTION LOAD "#!lua name=gone\nredis.register_function('dropped', function() return 0 end)"`, `"gone"`)
			h.expect("FUNCTION DELETE gone", `"OK"`)
			h.expect("FLUSHALL", `"OK"`)
			h.expect("FCALL kept 1 n", "(integer) 1")
			switch c.name {
			case "rdb":
				h.expect("SAVE", `"OK"`)
			case "aof-rewritten", "aof-rewritten-commands":
				h.expect("BGREWRITEAOF", `"Background append only file rewriting started"`)
				h.waitFor("the rewrite", 10*time.Second, func() bool {
					f, _ := infoFields(t, h.do("INFO persistence"))
					return f["aof_rewrite_in_progress"] == "0" && f["aof_rewrites"] == "1"
				})
			}
			h.restart()
			h.expect("FCALL kept 1 n", "(integer) 2")
			h.expect("FCALL dropped 0", "(error) ERR Function not found")
			h.expect("DEBUG RELOAD", `"OK"`)
			h.expect("FCALL kept 1 n", "(integer) 3")
			h.expect("DEBUG RELOAD NOSAVE NOFLUSH", "(error) ERR Error trying to load the RDB dump")
			h.expect("DEBUG RELOAD NOSAVE NOFLUSH MERGE", `"OK"`)
			h.expect("FUNCTION STATS", `["running_script" (nil) "engines" ["LUA" ["libraries_count" (integer) 1 "functions_count" (integer) 1]]]`)
		})
	}
}

// FUNCTION LOAD, DELETE and FLUSH reach a replica; a full sync brings the
// master's libraries and drops the replica's own; a replica refuses them
// from clients.
func TestFunctionsReplicate(t *testing.T) {
	h := newReplHarness(t, 17, Config{})
	h.settle(2 * time.Second)
	load := `FUNCTION LOAD "#!lua name=lib\nredis.register_function{function_name='get', callback=function(keys) return redis.call('get', keys[1]) end, flags={'no-writes'}}"`
	if got := h.do(masterID, load, time.Second); got != `"lib"` {
		t.Fatalf("FUNCTION LOAD on the master = %s", got)
	}
	h.do(masterID, "SET k v", time.Second)
	h.settle(2 * time.Second)
	if got := h.do(replicaID, "FCALL_RO get 1 k", time.Second); got != `"v"` {
		t.Fatalf("FCALL_RO on the replica = %s", got)
	}
	if got := h.do(replicaID, `FUNCTION LOAD "#!lua name=mine\nredis.register_function('x', function() return 1 end)"`, time.Second); got != "(error) READONLY You can't write against a read only replica." {
		t.Fatalf("FUNCTION LOAD on a read-only replica = %s", got)
	}
	h.do(masterID, "FUNCTION FLUSH", time.Second)
	h.settle(2 * time.Second)
	if got := h.do(replicaID, "FUNCTION LIST", time.Second); got != "[]" {
		t.Fatalf("after FUNCTION FLUSH on the master, the replica lists %s", got)
	}
	// A full sync: the replica's own library (loaded while it was a
	// master) gives way to the master's.
	h.do(replicaID, "REPLICAOF NO ONE", time.Second)
	h.do(replicaID, `FUNCTION LOAD "#!lua name=mine\nredis.register_function('x', function() return 1 end)"`, time.Second)
	h.do(masterID, load, time.Second)
	h.do(replicaID, "REPLICAOF "+string(masterID)+" 6379", time.Second)
	h.settle(3 * time.Second)
	if got := h.do(replicaID, "FUNCTION LIST", time.Second); !strings.Contains(got, `"lib"`) || strings.Contains(got, `"mine"`) {
		t.Fatalf("after a full sync the replica lists %s, want the master's library alone", got)
	}
}

// FCALL's writes reach the AOF as their effects in one transaction, as
// EVAL's do; the FUNCTION commands as they were given.
func TestSimFunctionEffectsInAOF(t *testing.T) {
	h := newSimHarness(t, 37, Config{AppendOnly: true, AppendFsync: FsyncAlways}, realDisk)
	h.expect(`FUNCTION LOAD "#!lua name=l\nredis.register_function('two', function() redis.call('set', 'a', '1') redis.call('incr', 'b') end)"`, `"l"`)
	h.expect("FCALL two 0", "(nil)")
	h.expect("FUNCTION DELETE l", `"OK"`)
	aof, _ := h.w.Disk(cacheID).ReadFile(firstIncrName)
	var words []string
	for _, line := range strings.Split(string(aof), "\r\n") {
		if line != "" && line[0] != '*' && line[0] != '$' {
			words = append(words, strings.ReplaceAll(line, "\n", "|"))
		}
	}
	want := "SELECT 0 FUNCTION LOAD #!lua name=l|redis.register_function('two', function() redis.call('set', 'a', '1') redis.call('incr', 'b') end) MULTI SET a 1 incr b EXEC FUNCTION DELETE l"
	if got := strings.Join(words, " "); got != want {
		t.Errorf("AOF holds %q,\nwant %q", got, want)
	}
}

func TestFunctionFlagsChecks(t *testing.T) {
	n, env := startNode(t, Config{})
	doArgs(n, env, "c", "FUNCTION", "LOAD", "#!lua name=lib\n"+
		"redis.register_function('w', function() return redis.call('set', 'x', '1') end)\n"+
		"redis.register_function{function_name='ro', callback=function() return redis.call('set', 'x', '1') end, flags={'no-writes'}}\n"+
		"redis.register_function{function_name='oom', callback=function() return redis.call('set', 'x', '1') end, flags={'allow-oom'}}\n")
	do(n, env, "c", "CONFIG SET maxmemory 1")
	for _, c := range []struct{ line, want string }{
		{"FCALL w 0", "(error) OOM command not allowed when used memory > 'maxmemory'."}, // refused before it runs, as Redis's processCommand does
		{"FCALL oom 0", `"OK"`},
		{"FCALL ro 0", "(error) ERR Write commands are not allowed from read-only scripts. script: ro, on @user_function:3."},
		{"FUNCTION FLUSH", `"OK"`}, // not denyoom
	} {
		if got := do(n, env, "c", c.line); got != c.want {
			t.Errorf("%s = %s, want %s", c.line, got, c.want)
		}
	}
	if got := doArgs(n, env, "c", "FUNCTION", "LOAD", "#!lua name=l\nredis.register_function('f', function() end)"); got != "(error) OOM command not allowed when used memory > 'maxmemory'." {
		t.Errorf("FUNCTION LOAD over maxmemory = %s", got)
	}
}

// Replies compared with redis-server 7.0 byte for byte, in both protocols.
func TestFunctionsAgreeWithRedis(t *testing.T) {
	forEachProtocol(t, Config{}, exact(
		"FUNCTION FLUSH",
		`FUNCTION LOAD "#!lua name=lib1\nredis.register_function{function_name='f1', callback=function(keys, args) return {keys[1], args[1], 3.5} end, description='one', flags={'no-writes', 'allow-stale'}}"`,
		`FUNCTION LOAD "#!lua name=lib2\nredis.register_function('f2', function() return redis.setresp(3) end)"`,
		"FCALL f1 1 k a", "FCALL_RO F1 0", "FCALL f2 0",
		// One library per listing: Redis lists several in its hash table's order.
		"FUNCTION LIST LIBRARYNAME LIB2", "FUNCTION LIST WITHCODE LIBRARYNAME lib1", "FUNCTION LIST LIBRARYNAME *1",
		"FUNCTION LIST LIBRARYNAME", "FUNCTION LIST WITHCODE WITHCODE", "FUNCTION LIST bad",
		"FUNCTION STATS", "FUNCTION KILL",
		`FUNCTION LOAD "#!lua name=lib1\n"`, `FUNCTION LOAD "#!lua name=x\nreturn 1"`,
		`FUNCTION LOAD "#!lua name=x\nredis.register_function('f1', function() end)"`,
		`FUNCTION LOAD "#!lua name=x\nredis.register_function()"`,
		`FUNCTION LOAD "#!lua name=x\nredis.register_function{function_name=1, callback=function() end, flags='x'}"`,
		`FUNCTION LOAD "#!lua name=x\nlocal t = redis.call"`,
		`FUNCTION LOAD "#!LUA name=\"quoted\"\nredis.register_function('q', function() return 'q' end)"`,
		"FCALL q 0", "FUNCTION LOAD x y", "FUNCTION LOAD", "FUNCTION DELETE", "FUNCTION DELETE nope",
		"FUNCTION FLUSH BAD", "FUNCTION FLUSH SYNC EXTRA", "FUNCTION RESTORE x y z", "FUNCTION RESTORE bad",
		"FUNCTION NOPE", "FUNCTION STATS x",
		"FUNCTION DELETE lib2", "FUNCTION FLUSH ASYNC", "FUNCTION LIST", "FCALL f1 0",
	))
}

// FUNCTION DUMP payloads cross between redis-server and the node both
// ways. (Redis compresses the code with LZF where this node does not, so
// the bytes differ; each side reads the other's.)
func TestFunctionDumpExchangesWithRedis(t *testing.T) {
	c := newComparison(t, Config{}, resp.RESP2)
	load := `FUNCTION LOAD "#!lua name=lib\nredis.register_function{function_name='f', callback=function() return 'from ' .. redis.REDIS_VERSION end, description='a function whose library is long enough to be compressed', flags={'no-writes'}}"`
	c.check("FUNCTION FLUSH", sameReply)
	c.check(load, sameReply)
	theirs := c.onRedis("FUNCTION DUMP")
	ours := c.onNode("FUNCTION DUMP")[0]
	c.check("FUNCTION FLUSH", sameReply)
	if v := c.onNode("FUNCTION RESTORE " + quoteArg(theirs.Str)); v[0].String() != `"OK"` {
		t.Fatalf("the node restoring redis-server's payload: %s", v[0])
	}
	if v := c.onRedis("FUNCTION RESTORE " + quoteArg(ours.Str)); v.String() != `"OK"` {
		t.Fatalf("redis-server restoring the node's payload: %s", v)
	}
	c.check("FUNCTION LIST WITHCODE", sameReply)
	c.check("FCALL f 0", sameReply)
}

// quoteArg quotes b for a command line (resp.SplitArgs reads \xHH).
func quoteArg(b []byte) string {
	var out strings.Builder
	out.WriteByte('"')
	for _, c := range b {
		out.WriteString("\\x")
		out.WriteString(strconv.FormatUint(uint64(c)>>4, 16))
		out.WriteString(strconv.FormatUint(uint64(c)&15, 16))
	}
	out.WriteByte('"')
	return out.String()
}

// FuzzFunctionLoad loads arbitrary library code and calls what it
// registered: the node must answer both (the library's name or an error,
// the function's reply or an error), never panic, keep every error on one
// line, and still serve the next command. A library that loads loads
// again from a snapshot, unchanged.
func FuzzFunctionLoad(f *testing.F) {
	for _, seed := range []struct{ code, arg string }{
		{"#!lua name=l\nredis.register_function('f', function(keys, args) return redis.call('set', keys[1], args[1]) end)", "v"},
		{"#!lua name=l\nredis.register_function{function_name='f', callback=function(k, a) return a end, flags={'no-writes', 'allow-stale'}, description='d'}", "x"},
		{"#!lua name=l\nlocal n = 0 redis.register_function('f', function() n = n + 1 return n end)", ""},
		{"#!lua name=l\nredis.register_function('f', function() while true do end end)", ""},
		{"#!lua name=l\nwhile true do end", ""},
		{"#!lua name=\"l x\"\nredis.register_function('f', function() end)", ""},
		{"#!lua name=l name=m\n", ""},
		{"#!lua name=l\nredis.register_function('f', function() return redis.register_function('g', function() end) end)", ""},
		{"#!lua name=l\nredis.register_function{function_name='f', callback=function() end, flags={1, 2}}", ""},
		{"#!lua name=l\nlocal r = redis redis.register_function('f', function() r.x = 1 end)", ""},
		{"#!lua name=l\nredis.register_function('f', function() return cjson.decode(ARGV[1]) end)", "{}"},
		{"#!lua name=l\nredis.register_function('f', function(k, a) return loadstring(a[1])() end)", "return redis.call('flushall')"},
	} {
		f.Add(seed.code, seed.arg)
	}
	f.Fuzz(func(t *testing.T, code, arg string) {
		if len(code) > 4096 {
			return
		}
		n, env := startNode(t, Config{EnableDebugCommand: ProtectedYes, ScriptStepsMax: 1_000_000})
		oneLineAnswer := func(what string) resp.Value {
			reply := env.replies[len(env.replies)-1].Value
			if reply.Kind == 0 {
				t.Fatalf("%s answered nothing", what)
			}
			if (reply.Kind == resp.Error || reply.Kind == resp.SimpleString) && strings.ContainsAny(string(reply.Str), "\r\n") {
				t.Fatalf("%s answered a line break: %q", what, reply.Str)
			}
			return reply
		}
		doArgs(n, env, "fuzz", "FUNCTION", "LOAD", code)
		if oneLineAnswer("FUNCTION LOAD "+strconv.Quote(code)).Kind == resp.BulkString {
			do(n, env, "fuzz", "FUNCTION LIST")
			list := oneLineAnswer("FUNCTION LIST").String()
			for _, f := range n.functions.functions {
				doArgs(n, env, "fuzz", "FCALL", f.name, "1", "k", arg)
				oneLineAnswer("FCALL " + f.name)
			}
			var snapshot bytes.Buffer
			w := persist.NewRDBWriter(&snapshot, persist.RDBHeader{})
			n.writeFunctionLibraries(w)
			if err := w.Finish(); err != nil {
				t.Fatal(err)
			}
			loaded, loadedEnv := startNode(t, Config{})
			if err := persist.LoadRDB(snapshot.Bytes(), &rdbLoader{node: loaded}); err != nil {
				t.Fatalf("a snapshot of library %q does not load: %v", code, err)
			}
			if got := do(loaded, loadedEnv, "fuzz", "FUNCTION LIST"); got != list {
				t.Fatalf("loaded from a snapshot, the libraries list as\n%s\nnot\n%s", got, list)
			}
		}
		if got := do(n, env, "other", "PING"); got != `"PONG"` {
			t.Fatalf("PING after loading %q = %s", code, got)
		}
	})
}
