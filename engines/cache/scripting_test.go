package cache

import (
	"strings"
	"testing"

	"syslab/engines/cache/resp"
	"syslab/node"
)

// eval runs EVAL with a script body (which may hold spaces and quotes)
// and further arguments, and returns the reply as redis-cli renders it.
func eval(n *Node, env *testEnv, client node.ID, body string, rest ...string) string {
	args := [][]byte{[]byte("EVAL"), []byte(body)}
	for _, a := range rest {
		args = append(args, []byte(a))
	}
	n.Receive(client, Command{Seq: uint64(len(env.replies)), Args: args})
	return env.replies[len(env.replies)-1].Value.String()
}

// The replies below were read from redis-server 7.0.15 for the same
// scripts.
func TestEvalConvertsLuaValuesAsRedis(t *testing.T) {
	n, env := startNode(t, Config{})
	for _, c := range []struct{ body, want string }{
		{"return 'hello'", `"hello"`},
		{"return 3.99", `(integer) 3`},
		{"return -3.7", `(integer) -3`},
		{"return 1e20", `(integer) -9223372036854775808`},
		{"return true", `(integer) 1`},
		{"return false", `(nil)`},
		{"return nil", `(nil)`},
		{"return {1,2,3,'x',nil,5}", `[(integer) 1 (integer) 2 (integer) 3 "x"]`},
		{"return {1,{2,3},redis.call('ping')}", `[(integer) 1 [(integer) 2 (integer) 3] "PONG"]`},
		{"return {err='My err'}", `(error) My err`},
		{"return {ok='fine'}", `"fine"`},
		{"return {1, {err='x'}}", `[(integer) 1 (error) x]`},
		{"return redis.error_reply('MY code')", `(error) MY code`},
		{"return redis.error_reply('plain')", `(error) ERR plain`},
		{"return redis.status_reply('cool')", `"cool"`},
		{"return redis.sha1hex('')", `"da39a3ee5e6b4b0d3255bfef95601890afd80709"`},
		{"return redis.call('incr','k'), 5", `(integer) 1`},
		{"return type(redis.call('get','nokey'))", `"boolean"`},
		{"local t = redis.call('set','k','v'); return t.ok", `"OK"`},
		{"return loadstring", `(nil)`},
		{"return _VERSION", `"Lua 5.1"`},
		{"return redis.REDIS_VERSION .. ' ' .. redis.REDIS_VERSION_NUM", `"7.0.15 458767"`},
		{"return {redis.LOG_WARNING, redis.REPL_ALL, redis.REPL_REPLICA}", `[(integer) 3 (integer) 3 (integer) 2]`},
		{"return {tostring(0.1+0.2), tostring(1/3), tostring(-0.5)}", `["0.3" "0.33333333333333" "-0.5"]`},
		{"local t = {} return {tostring(t), tostring({}), tostring(t)}", `["table: 0x1" "table: 0x2" "table: 0x1"]`},
	} {
		if got := eval(n, env, "c", c.body, "0"); got != c.want {
			t.Errorf("EVAL %q = %s, want %s", c.body, got, c.want)
		}
	}
}

func TestEvalKeysAndArgv(t *testing.T) {
	n, env := startNode(t, Config{})
	if got := eval(n, env, "c", "return {KEYS[1], KEYS[2], ARGV[1], #KEYS + #ARGV}", "2", "a", "b", "c"); got != `["a" "b" "c" (integer) 3]` {
		t.Fatalf("KEYS/ARGV = %s", got)
	}
	if got := eval(n, env, "c", "return redis.call('set', KEYS[1], ARGV[1])", "1", "k", "v"); got != `"OK"` {
		t.Fatalf("SET through a script = %s", got)
	}
	if got := do(n, env, "c", "GET k"); got != `"v"` {
		t.Fatalf("GET k after the script = %s", got)
	}
	// Numbers become arguments as %.17g, strings as they are.
	if got := eval(n, env, "c", "redis.call('set', 'n', 3.5) return redis.call('get', 'n')", "0"); got != `"3.5"` {
		t.Fatalf("a number argument = %s", got)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"2", "s"}, "(error) ERR Number of keys can't be greater than number of args"},
		{[]string{"-1"}, "(error) ERR Number of keys can't be negative"},
		{[]string{"x"}, "(error) ERR value is not an integer or out of range"},
	} {
		if got := eval(n, env, "c", "return 1", c.args...); got != c.want {
			t.Errorf("EVAL numkeys %q = %s, want %s", c.args, got, c.want)
		}
	}
}

func TestEvalErrorsAsRedis(t *testing.T) {
	n, env := startNode(t, Config{})
	do(n, env, "c", "SET s str")
	sha := func(body string) string { return scriptSHA([]byte(body)) }
	for _, c := range []struct{ body, want string }{
		{"error('boom')", "(error) ERR user_script:1: boom script: " + sha("error('boom')") + ", on @user_script:1."},
		{"\nlocal x = 1\nerror('boom')", "(error) ERR user_script:3: boom script: " + sha("\nlocal x = 1\nerror('boom')") + ", on @user_script:3."},
		{"return redis.call('set','a')", "(error) ERR Wrong number of args calling Redis command from script script: " + sha("return redis.call('set','a')") + ", on @user_script:1."},
		{"return redis.call('nosuch')", "(error) ERR Unknown Redis command called from script script: " + sha("return redis.call('nosuch')") + ", on @user_script:1."},
		{"return redis.pcall('set','a')", "(error) ERR Wrong number of args calling Redis command from script"},
		{"return redis.call('incr','s')", "(error) ERR value is not an integer or out of range script: " + sha("return redis.call('incr','s')") + ", on @user_script:1."},
		{"return redis.pcall('incr','s')", "(error) ERR value is not an integer or out of range"},
		{"local t=redis.pcall('incr','s'); return t.err", `"ERR value is not an integer or out of range"`},
		{"return redis.call('subscribe','x')", "(error) ERR This Redis command is not allowed from script script: " + sha("return redis.call('subscribe','x')") + ", on @user_script:1."},
		{"return redis.call('blpop','nolist',0)", "(error) ERR This Redis command is not allowed from script script: " + sha("return redis.call('blpop','nolist',0)") + ", on @user_script:1."},
		{"return redis.call('eval','return 1',0)", "(error) ERR This Redis command is not allowed from script script: " + sha("return redis.call('eval','return 1',0)") + ", on @user_script:1."},
		{"return redis.call('set','n', {})", "(error) ERR Lua redis lib command arguments must be strings or integers script: " + sha("return redis.call('set','n', {})") + ", on @user_script:1."},
		{"return redis.call()", "(error) ERR Please specify at least one argument for this redis lib call script: " + sha("return redis.call()") + ", on @user_script:1."},
		{"x = 5", "(error) ERR user_script:1: Attempt to modify a readonly table script: " + sha("x = 5") + ", on @user_script:1."},
		{"redis.call = nil return 1", "(error) ERR user_script:1: Attempt to modify a readonly table script: " + sha("redis.call = nil return 1") + ", on @user_script:1."},
		{"string.x = 1 return 1", "(error) ERR user_script:1: Attempt to modify a readonly table script: " + sha("string.x = 1 return 1") + ", on @user_script:1."},
		{"setmetatable(_G, {})", "(error) ERR user_script:1: Attempt to modify a readonly table script: " + sha("setmetatable(_G, {})") + ", on @user_script:1."},
		{"local g = getmetatable(_G) g.__index = {}", "(error) ERR user_script:1: Attempt to modify a readonly table script: " + sha("local g = getmetatable(_G) g.__index = {}") + ", on @user_script:1."},
		{"rawset(_G, 'x', 1) return 1", "(error) ERR user_script:1: Attempt to modify a readonly table script: " + sha("rawset(_G, 'x', 1) return 1") + ", on @user_script:1."},
		{"return y", "(error) ERR user_script:1: Script attempted to access nonexistent global variable 'y' script: " + sha("return y") + ", on @user_script:1."},
		{"print('hi') return 1", "(error) ERR user_script:1: Script attempted to access nonexistent global variable 'print' script: " + sha("print('hi') return 1") + ", on @user_script:1."},
		{"return os.time()", "(error) ERR user_script:1: Script attempted to access nonexistent global variable 'os' script: " + sha("return os.time()") + ", on @user_script:1."},
		{"error(1.5)", "(error) ERR user_script:1: 1.5 script: " + sha("error(1.5)") + ", on @user_script:1."},
		{"error(true)", "(error) ERR true script: " + sha("error(true)") + ", on @user_script:1."},
		{"return math.random(0)", "(error) ERR user_script:1: bad argument #1 to 'random' (interval is empty) script: " + sha("return math.random(0)") + ", on @user_script:1."},
		{"return cmsgpack.pack()", "(error) ERR user_script:1: bad argument #0 to 'pack' (MessagePack pack needs input.) script: " + sha("return cmsgpack.pack()") + ", on @user_script:1."},
		{"error({err='CODE custom'})", "(error) CODE custom script: " + sha("error({err='CODE custom'})") + ", on @user_script:1."},
	} {
		if got := eval(n, env, "c", c.body, "0"); got != c.want {
			t.Errorf("EVAL %q\n got %s\nwant %s", c.body, got, c.want)
		}
	}
	if got := eval(n, env, "c", "syntax error here", "0"); !strings.HasPrefix(got, "(error) ERR Error compiling script (new function): user_script:1: ") {
		t.Errorf("a syntax error = %s", got)
	}
	// The script cache keeps nothing that did not compile.
	if got := do(n, env, "c", "SCRIPT EXISTS "+sha("syntax error here")); got != "[(integer) 0]" {
		t.Errorf("SCRIPT EXISTS of a script that did not compile = %s", got)
	}
}

func TestEvalshaAndScriptCache(t *testing.T) {
	n, env := startNode(t, Config{})
	const one = "e0e1f9fabfc9d4800c877a703b823ac0578ff8db" // SHA1 of "return 1"
	for _, c := range []step{
		{0, "EVALSHA " + one + " 0", "(error) NOSCRIPT No matching script. Please use EVAL."},
		{0, "EVALSHA abc 0", "(error) NOSCRIPT No matching script. Please use EVAL."},
		{0, "SCRIPT LOAD \"return 1\"", `"` + one + `"`},
		{0, "SCRIPT EXISTS " + one + " abc", "[(integer) 1 (integer) 0]"},
		{0, "EVALSHA " + strings.ToUpper(one) + " 0", "(integer) 1"},
		{0, "EVALSHA_RO " + one + " 0", "(integer) 1"},
		{0, "SCRIPT FLUSH", `"OK"`},
		{0, "SCRIPT EXISTS " + one, "[(integer) 0]"},
		{0, "SCRIPT FLUSH ASYNC", `"OK"`},
		{0, "SCRIPT FLUSH foo", "(error) ERR SCRIPT FLUSH only support SYNC|ASYNC option"},
		{0, "SCRIPT KILL", "(error) NOTBUSY No scripts in execution right now."},
		{0, "SCRIPT EXISTS", "(error) ERR wrong number of arguments for 'script|exists' command"},
		{0, "SCRIPT NOPE", "(error) ERR unknown subcommand 'NOPE'. Try SCRIPT HELP."},
	} {
		if got := do(n, env, "c", c.command); got != c.want {
			t.Errorf("%s = %s, want %s", c.command, got, c.want)
		}
	}
	// EVAL caches what it ran.
	eval(n, env, "c", "return 1", "0")
	if got := do(n, env, "c", "EVALSHA "+one+" 0"); got != "(integer) 1" {
		t.Errorf("EVALSHA after EVAL = %s", got)
	}
	if got := do(n, env, "c", "INFO memory"); !strings.Contains(got, "number_of_cached_scripts:1") {
		t.Errorf("INFO memory does not count the cached script")
	}
}

func TestReadOnlyScripts(t *testing.T) {
	n, env := startNode(t, Config{})
	write := "return redis.call('set','x','1')"
	args := [][]byte{[]byte("EVAL_RO"), []byte(write), []byte("0")}
	n.Receive("c", Command{Seq: 1, Args: args})
	want := "(error) ERR Write commands are not allowed from read-only scripts. script: " + scriptSHA([]byte(write)) + ", on @user_script:1."
	if got := env.replies[len(env.replies)-1].Value.String(); got != want {
		t.Errorf("EVAL_RO of a write = %s, want %s", got, want)
	}
	noWrites := "#!lua flags=no-writes\nreturn redis.call('set','x','1')"
	want = "(error) ERR Write commands are not allowed from read-only scripts. script: " + scriptSHA([]byte(noWrites)) + ", on @user_script:2."
	if got := eval(n, env, "c", noWrites, "0"); got != want {
		t.Errorf("a no-writes script's write = %s, want %s", got, want)
	}
	if got := eval(n, env, "c", "#!lua flags=no-writes\nreturn redis.call('publish','ch','m')", "0"); !strings.Contains(got, "Write commands are not allowed") {
		t.Errorf("a no-writes script's PUBLISH = %s, want refused (may_replicate)", got)
	}
	n.Receive("c", Command{Seq: 2, Args: [][]byte{[]byte("EVAL_RO"), []byte("#!lua\nreturn 1"), []byte("0")}})
	if got := env.replies[len(env.replies)-1].Value.String(); got != "(error) ERR Can not execute a script with write flag using *_ro command." {
		t.Errorf("EVAL_RO of a script without no-writes = %s", got)
	}
	for _, c := range []struct{ body, want string }{
		{"#!lua flags=bad\nreturn 1", "(error) ERR Unexpected flag in script shebang: bad"},
		{"#!nope\nreturn 1", "(error) ERR Unexpected engine in script shebang: #!nope"},
		{"#!lua", "(error) ERR Invalid script shebang"},
		{"#!lua name=x\nreturn 1", "(error) ERR Unknown lua shebang option: name=x"},
		{"#!lua flags=no-writes,allow-oom\nreturn redis.call('get','x')", `(nil)`},
	} {
		if got := eval(n, env, "c", c.body, "0"); got != c.want {
			t.Errorf("EVAL %q = %s, want %s", c.body, got, c.want)
		}
	}
}

// math.random is Redis's generator: a fresh node gives the numbers a
// fresh redis-server gives.
func TestScriptRandomIsRedisSequence(t *testing.T) {
	n, env := startNode(t, Config{})
	got := eval(n, env, "c", "return {tostring(math.random()), tostring(math.random(100)), tostring(math.random(5,10))}", "0")
	if got != `["0.39646477363839" "85" "7"]` {
		t.Errorf("the first random numbers = %s, want redis-server's", got)
	}
	got = eval(n, env, "c", "math.randomseed(42) return {tostring(math.random()), tostring(math.random(1000))}", "0")
	if got != `["0.74452500033403" "343"]` {
		t.Errorf("after randomseed(42) = %s, want redis-server's", got)
	}
}

func TestScriptBitLibrary(t *testing.T) {
	n, env := startNode(t, Config{})
	got := eval(n, env, "c", "return {bit.band(0xff, 0x0f), bit.bor(1,2,4), bit.bxor(5,3), bit.bnot(0), bit.lshift(1,31), bit.rshift(-1,28), bit.arshift(-256,4), bit.rol(0x12345678, 8), bit.ror(0x12345678, 8), bit.bswap(0x12345678), bit.tohex(255), bit.tohex(-1, -4), bit.tobit(0xffffffff + 1), bit.tobit(1.5), bit.tobit(2.5)}", "0")
	want := `[(integer) 15 (integer) 7 (integer) 6 (integer) -1 (integer) -2147483648 (integer) 15 (integer) -16 (integer) 878082066 (integer) 2014458966 (integer) 2018915346 "000000ff" "FFFF" (integer) 0 (integer) 2 (integer) 2]`
	if got != want {
		t.Errorf("bit library = %s\nwant %s", got, want)
	}
}

// A script's writes reach the AOF as its effects, in one transaction, and
// come back on restart; a script's SELECT stays the script's.
func TestSimScriptEffectsInAOF(t *testing.T) {
	h := newSimHarness(t, 29, Config{AppendOnly: true, AppendFsync: FsyncAlways}, realDisk)
	h.expect(`EVAL "redis.call('set','a','1') redis.call('select','2') redis.call('incr','b') return 1" 0`, "(integer) 1")
	h.expect("EXISTS b", "(integer) 0")
	h.expect(`EVAL "return redis.call('get','a')" 0`, `"1"`)
	h.expect(`EVAL "redis.call('set','one','1') return 1" 0`, "(integer) 1")
	h.expect(`EVAL "redis.set_repl(redis.REPL_NONE) redis.call('set','quiet','1') return 1" 0`, "(integer) 1")
	aof, _ := h.w.Disk(cacheID).ReadFile(firstIncrName)
	var words []string
	for _, line := range strings.Split(string(aof), "\r\n") {
		if line != "" && line[0] != '*' && line[0] != '$' {
			words = append(words, line)
		}
	}
	want := "SELECT 0 MULTI SET a 1 SELECT 2 incr b EXEC SELECT 0 SET one 1"
	if got := strings.Join(words, " "); got != want {
		t.Errorf("AOF holds %q, want %q (effects, one transaction, nothing after REPL_NONE)", got, want)
	}
	h.restart()
	h.expect("GET one", `"1"`)
	h.expect("GET quiet", "(nil)")
	h.expect("SELECT 2", `"OK"`)
	h.expect("GET b", `"1"`)
}

// A script whose command failed and raised it is a failed call of that
// command and of EVAL, and one error reply in INFO errorstats, not two.
func TestScriptErrorCountedOnce(t *testing.T) {
	n, env := startNode(t, Config{})
	do(n, env, "c", "SET s str")
	do(n, env, "c", "CONFIG RESETSTAT")
	eval(n, env, "c", "return redis.call('incr','s')", "0")
	stats := do(n, env, "c", "INFO commandstats")
	if !strings.Contains(stats, "cmdstat_incr:calls=1,") || !strings.Contains(stats, "rejected_calls=0,failed_calls=1") {
		t.Errorf("INCR's stats: %s", stats)
	}
	if !strings.Contains(stats, "cmdstat_eval:calls=1,") || !strings.Contains(stats[strings.Index(stats, "cmdstat_eval"):], "failed_calls=1") {
		t.Errorf("EVAL not counted as a failed call: %s", stats)
	}
	if got := do(n, env, "c", "INFO errorstats"); !strings.Contains(got, "errorstat_ERR:count=1") {
		t.Errorf("errorstats: %s", got)
	}
}

// A script that never ends is stopped; the node answers on.
func TestRunawayScriptIsStopped(t *testing.T) {
	n, env := startNode(t, Config{})
	e := newLuaEngine(n)
	n.scripting.engine = e
	proto, refusal := compileScript("local i = 0 while true do i = i + 1 end")
	if refusal.Kind != 0 {
		t.Fatal(refusal.String())
	}
	run := &scriptRun{node: n, name: "x", protocol: resp.RESP2, targets: toBoth, slot: -1}
	got := e.callScript(proto, run, nil, nil, 10_000)
	if got.Kind != resp.Error || !strings.Contains(string(got.Str), "Script stopped after 10000 Lua instructions") {
		t.Fatalf("a runaway script = %s", got.String())
	}
	// pcall cannot swallow the stop.
	proto, _ = compileScript("while true do pcall(function() while true do end end) end")
	if got := e.callScript(proto, run, nil, nil, 10_000); got.Kind != resp.Error {
		t.Fatalf("a script that pcalls around the stop = %s", got.String())
	}
	if got := do(n, env, "c", "PING"); got != `"PONG"` {
		t.Fatalf("PING after a stopped script = %s", got)
	}
}

// EVAL inside MULTI runs at EXEC, in the transaction.
func TestEvalInsideMulti(t *testing.T) {
	runScript(t, []step{
		{0, "MULTI", `"OK"`},
		{0, "EVAL \"return redis.call('incr', KEYS[1])\" 1 counter", `"QUEUED"`},
		{0, "INCR counter", `"QUEUED"`},
		{0, "EXEC", `[(integer) 1 (integer) 2]`},
	})
}

// A monitor sees EVAL, then its script's calls from "lua".
func TestMonitorSeesScriptCallsFromLua(t *testing.T) {
	n, env := startNode(t, Config{})
	do(n, env, "monitor", "MONITOR")
	eval(n, env, "c", "return redis.call('set', KEYS[1], 'v')", "1", "k")
	var lines []string
	for _, p := range env.pushes {
		if p.to == "monitor" {
			lines = append(lines, string(p.push.Value.Str))
		}
	}
	if len(lines) != 2 || !strings.Contains(lines[0], `"EVAL"`) || !strings.HasSuffix(lines[1], ` [0 lua] "set" "k" "v"`) {
		t.Fatalf("monitor lines: %q", lines)
	}
}

// cjson encodes and decodes as redis-server 7.0's does (replies read from
// redis-server 7.0.15 for the same scripts).
func TestScriptCjsonAsRedis(t *testing.T) {
	n, env := startNode(t, Config{})
	errAt := func(body, msg string) string {
		return "(error) ERR user_script:1: " + msg + " script: " + scriptSHA([]byte(body)) + ", on @user_script:1."
	}
	for _, c := range []struct{ body, want string }{
		{"return cjson.encode({1,2,3})", `"[1,2,3]"`},
		{"return cjson.encode({a=1})", `"{\"a\":1}"`},
		{"return cjson.encode({})", `"{}"`},
		{`return cjson.encode('a/b\n"\\'..string.char(1)..string.char(127))`, `"\"a\\/b\\n\\\"\\\\\\u0001\\u007f\""`},
		{"return cjson.encode({0.1, 1/3, 100, -0, 1e20, 123456789012345})", `"[0.1,0.33333333333333,100,-0,1e+20,1.2345678901234e+14]"`},
		{"return cjson.encode({[1]=1,[3]=2})", `"[1,null,2]"`},
		{"return cjson.encode({[2]='x'})", `"[null,\"x\"]"`},
		{"return cjson.encode({[1.5]=1})", `"{\"1.5\":1}"`},
		{"return cjson.encode(cjson.null)", `"null"`},
		{"return cjson.encode({[1]=1,[20]=2})", errAt("return cjson.encode({[1]=1,[20]=2})", "Cannot serialise table: excessively sparse array")},
		{"return cjson.encode(1/0)", errAt("return cjson.encode(1/0)", "Cannot serialise number: must not be NaN or Inf")},
		{"return cjson.encode({[true]=1})", errAt("return cjson.encode({[true]=1})", "Cannot serialise boolean: table key must be a number or string")},
		{`local t = cjson.decode('[1,"a",null,true,{"x":[]}]') return {t[1], t[2], tostring(t[3] == cjson.null), tostring(t[4]), type(t[5].x)}`, `[(integer) 1 "a" "true" "true" "table"]`},
		{"return table.concat(cjson.decode('[0.0, -5e3, -1, 0.3e-3, 1023.2, 0e10]'), ' ')", `"0 -5000 -1 0.0003 1023.2 0"`},
		{"return cjson.decode('{')", errAt("return cjson.decode('{')", "Expected object key string but found T_END at character 2")},
		{"return cjson.decode('')", errAt("return cjson.decode('')", "Expected value but found T_END at character 1")},
		{"return cjson.decode('[1,2')", errAt("return cjson.decode('[1,2')", "Expected comma or array end but found T_END at character 5")},
		{"return cjson.decode('[1] x')", errAt("return cjson.decode('[1] x')", "Expected the end but found invalid token at character 5")},
		{`return cjson.decode('{"a":1,}')`, errAt(`return cjson.decode('{"a":1,}')`, "Expected object key string but found T_OBJ_END at character 8")},
		{`return cjson.decode('"abc')`, errAt(`return cjson.decode('"abc')`, "Expected value but found unexpected end of string at character 5")},
		{"return cjson.decode('[tru]')", errAt("return cjson.decode('[tru]')", "Expected value but found invalid token at character 2")},
		{"return cjson.decode('-')", errAt("return cjson.decode('-')", "Expected value but found invalid number at character 1")},
		{`return cjson.decode('"\\x"')`, errAt(`return cjson.decode('"\\x"')`, "Expected value but found invalid escape code at character 2")},
		{"return cjson.decode('NaN')", `(integer) -9223372036854775808`},
		{"return cjson.decode('0x10')", `(integer) 16`},
		{"return cjson.decode(' 12 ')", `(integer) 12`},
		{"return cjson.decode('01')", `(integer) 1`},
		{`return cjson.decode('"\\u00e9\\ud83d\\ude00"')`, `"é😀"`},
		{"return {cjson.encode_sparse_array()}", `[(nil) (integer) 2 (integer) 10]`},
		{"return {cjson.encode_max_depth(), cjson.decode_max_depth(), cjson.encode_number_precision()}", `[(integer) 1000 (integer) 1000 (integer) 14]`},
		{"return tostring(cjson.null)", `"userdata: (nil)"`},
		{"return cjson._NAME .. cjson._VERSION", `"cjson2.1.0"`},
		{"cjson.encode = function() return 1 end", errAt("cjson.encode = function() return 1 end", "Attempt to modify a readonly table")},
	} {
		if got := eval(n, env, "c", c.body, "0"); got != c.want {
			t.Errorf("EVAL %s\n got %s\nwant %s", c.body, got, c.want)
		}
	}
}

// cmsgpack packs and unpacks as redis-server 7.0's does (bytes read from
// redis-server 7.0.15 for the same script).
func TestScriptCmsgpackAsRedis(t *testing.T) {
	n, env := startNode(t, Config{})
	packed := eval(n, env, "c", "return cmsgpack.pack(1, 'a', {1,2}, {a=1}, true, nil, 1.5, 0.1, -1, -200, 300, 70000, 5000000000, -5000000000)", "0")
	want := "\x01\xa1a\x92\x01\x02\x81\xa1a\x01\xc3\xc0\xca?\xc0\x00\x00\xcb?\xb9\x99\x99\x99\x99\x99\x9a\xff\xd1\xff8\xcd\x01,\xce\x00\x01\x11p\xcf\x00\x00\x00\x01*\x05\xf2\x00\xd3\xff\xff\xff\xfe\xd5\xfa\x0e\x00"
	if packed != resp.BulkFromString(want).String() {
		t.Errorf("cmsgpack.pack = %s\nwant %q", packed, want)
	}
	errAt := func(body, msg string) string {
		return "(error) ERR user_script:1: " + msg + " script: " + scriptSHA([]byte(body)) + ", on @user_script:1."
	}
	for _, c := range []struct{ body, want string }{
		{"return {cmsgpack.unpack(cmsgpack.pack(1, 'a', true, 1.5))}", `[(integer) 1 "a" (integer) 1 (integer) 1]`},
		{"return {cmsgpack.unpack_one(cmsgpack.pack(1,2,3))}", `[(integer) 1 (integer) 1]`},
		{"return {cmsgpack.unpack_limit(cmsgpack.pack(1,2,3), 2)}", `[(integer) 2 (integer) 1 (integer) 2]`},
		{"return {cmsgpack.unpack_limit(cmsgpack.pack(1,2,3), 5)}", `[(integer) -1 (integer) 1 (integer) 2 (integer) 3]`},
		{"local t = cmsgpack.unpack(cmsgpack.pack({a={b={'c'}}, [1]=2})) return {t.a.b[1], t[1]}", `["c" (integer) 2]`},
		{"local t = {} t[1] = t return #cmsgpack.pack(t)", `(integer) 17`}, // 16 nested arrays of one, then nil
		{"return cmsgpack.unpack('\\193')", errAt("return cmsgpack.unpack('\\193')", "Bad data format in input.")},
		{"return cmsgpack.unpack('\\205')", errAt("return cmsgpack.unpack('\\205')", "Missing bytes in input.")},
		{"return {cmsgpack.unpack_one(cmsgpack.pack(1,2,3), 5)}", errAt("return {cmsgpack.unpack_one(cmsgpack.pack(1,2,3), 5)}", "Start offset 5 greater than input length 3.")},
	} {
		if got := eval(n, env, "c", c.body, "0"); got != c.want {
			t.Errorf("EVAL %s\n got %s\nwant %s", c.body, got, c.want)
		}
	}
}

// A script that reads makes its caller track the keys it declared; one
// that only writes tracks nothing (Redis 7.0's rule).
func TestScriptTracksDeclaredKeys(t *testing.T) {
	n, env := startNode(t, Config{})
	do(n, env, "c", "HELLO 3")
	do(n, env, "c", "CLIENT TRACKING on")
	eval(n, env, "c", "redis.call('set', 'key3', 'bar')", "2", "key1", "key2")
	since := len(env.pushes)
	do(n, env, "w", "MSET key1 1 key2 1")
	if got := invalidatedKeys(env, "c", since); len(got) != 0 {
		t.Fatalf("a writing script tracked %q", got)
	}
	eval(n, env, "c", "redis.call('get', 'key3')", "2", "key1", "key2")
	since = len(env.pushes)
	do(n, env, "w", "MSET key3 2 key2 2 key1 2")
	if got := strings.Join(invalidatedKeys(env, "c", since), " "); got != "key2 key1" {
		t.Fatalf("after a reading script, invalidated %q, want the declared keys key2 key1", got)
	}
}

// Scripts keep the simulator's promise: the same seed gives the same
// trace, whatever a script draws from math.random, prints with tostring
// or builds with cjson and cmsgpack — and a script that runs away is
// stopped at the same instruction every time. A different script changes
// the trace, so the check can fail.
func TestSimScriptsDeterministic(t *testing.T) {
	run := func(extra string) uint64 {
		h := newSimHarness(t, 43, Config{AppendOnly: true, AppendFsync: FsyncAlways, ScriptStepsMax: 100_000}, realDisk)
		for i := range 20 {
			h.do(`EVAL "local t = {} for i = 1, 10 do t[i] = math.random(1000) end redis.call('rpush', KEYS[1], cjson.encode(t), tostring({}), tostring(math.random())) return cmsgpack.pack(t)" 1 k` + itoa(i%3))
		}
		h.do(`EVAL "redis.call('incr', 'n') while true do end" 0`)
		h.do(`EVAL "` + extra + `" 0`)
		return h.w.TraceHash()
	}
	first := run("return redis.call('get', 'n')")
	if again := run("return redis.call('get', 'n')"); again != first {
		t.Fatalf("same seed, same scripts: trace %x then %x", first, again)
	}
	if other := run("return redis.call('incr', 'n')"); other == first {
		t.Fatal("a different script left the same trace: the scripts' effects were not traced")
	}
}
