package cache

import (
	"strings"
	"testing"

	"syslab/engines/cache/resp"
)

// FuzzEval runs arbitrary Lua through EVAL, with an arbitrary argument
// (which the cjson, cmsgpack and struct seeds decode): the node must answer every
// script (a reply, or an error — syntax, runtime, a refused command, a
// stopped runaway, a malformed document), never panic, and still serve
// the next command.
func FuzzEval(f *testing.F) {
	for _, seed := range []struct{ body, arg string }{
		{"return redis.call('set', KEYS[1], ARGV[1])", "v"},
		{"return redis.pcall('incr', KEYS[1])", "1"},
		{"local t = {} for i = 1, 100 do t[i] = redis.call('rpush', KEYS[1], i) end return t", ""},
		{"local t = {} t[1] = t return t", ""},
		{"return {err = ARGV[1]}", "\r\n-ERR x\r\n"},
		{"return {ok = ARGV[1]}", "a\r\nb"},
		{"return {double = 1/0, big_number = '1e400', map = {a = 1}, set = {x = true}}", ""},
		{"redis.setresp(3) return redis.call('hgetall', KEYS[1])", ""},
		{"return cjson.encode({})", ""},
		{"return cjson.encode(cjson.decode(ARGV[1]))", `{"a":[1,2.5,"x\u00e9",null,true],"b":{}}`},
		{"return cjson.decode(ARGV[1])", `[[[[[[[[[[1e400, -0x1f, NaN, "\ud800"]]]]]]]]]]`},
		{"return {cmsgpack.unpack(ARGV[1])}", "\x93\x01\xa1a\xdc\x00\x01\xc0\xde\x00\x01\xa1k\xcb\x7f\xf8\x00\x00\x00\x00\x00\x00"},
		{"return {cmsgpack.unpack_limit(ARGV[1], 1, 1)}", "\x01\x02\xdd\xff\xff\xff\xff"},
		{"return cmsgpack.unpack(cmsgpack.pack(KEYS, ARGV, {ARGV[1], {k = ARGV}}))", "v"},
		{"return {struct.unpack('>i3 b c0 s !8 d', ARGV[1])}", "\x01\x02\x03\x02abhi\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\xf0\x3f"},
		{"return {struct.size(ARGV[1]), struct.pack(ARGV[1], 1, 2, 3, 'x', 'y')}", "!2 b i9 x I17 c0 s"},
		{"error(setmetatable({}, {__tostring = function() error('x') end}))", ""},
		{"return string.rep('x', 1e6)", ""},
		{"return coroutine.wrap(function() coroutine.yield(redis.call('ping')) end)()", ""},
		{"while true do end", ""},
		{"local function f() return f() end return f()", ""},
		{"return loadstring(ARGV[1])()", "return 1 +"},
		{"return tostring(math.random(1, 2^40))", ""},
		{"return bit.tohex(ARGV[1], -9)", "12"},
		{"return redis.call('select', '3') and redis.call('set', 'k', 'v')", ""},
		{"#!lua flags=no-writes\nreturn redis.call('del', KEYS[1])", ""},
		{"return redis.call('eval', 'return 1', 0)", ""},
		{"return redis.call('config', 'set', 'maxmemory', '1')", ""},
		{"return redis.call('flushall')", ""},
		{"return redis.call('debug', 'sleep', '0')", ""},
	} {
		f.Add(seed.body, seed.arg)
	}
	f.Fuzz(func(t *testing.T, body, arg string) {
		if len(body) > 4096 {
			return
		}
		// A small step budget: the runaway seeds end in milliseconds.
		n, env := startNode(t, Config{EnableDebugCommand: ProtectedYes, ScriptStepsMax: 1_000_000})
		do(n, env, "setup", "RPUSH k a b c")
		args := [][]byte{[]byte("EVAL"), []byte(body), []byte("1"), []byte("k"), []byte(arg)}
		n.Receive("fuzz", Command{Seq: 1, Args: args})
		reply := env.replies[len(env.replies)-1].Value
		if reply.Kind == 0 {
			t.Fatalf("EVAL %q answered nothing", body)
		}
		if reply.Kind == resp.Error && strings.ContainsAny(string(reply.Str), "\r\n") {
			t.Fatalf("EVAL %q answered an error of more than one line: %q", body, reply.Str)
		}
		if reply.Kind == resp.SimpleString && strings.ContainsAny(string(reply.Str), "\r\n") {
			t.Fatalf("EVAL %q answered a status of more than one line: %q", body, reply.Str)
		}
		if got := do(n, env, "other", "PING"); got != `"PONG"` {
			t.Fatalf("PING after EVAL %q = %s", body, got)
		}
	})
}
