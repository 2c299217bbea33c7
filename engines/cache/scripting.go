package cache

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"strings"
	"time"

	lua "github.com/yuin/gopher-lua"

	"syslab/engines/cache/resp"
)

// Lua scripting (Redis 7.0's eval.c): EVAL, EVALSHA, their _RO forms and
// SCRIPT LOAD / EXISTS / FLUSH / KILL. A script runs atomically: no other
// command runs until it ends. Its writes are propagated as their effects
// (the commands it called, in a MULTI/EXEC when more than one), never as
// the script, as Redis 7.0 always does — so replicas and the AOF need not
// run Lua, and a script's randomness cannot make them diverge.
//
// The interpreter and the Lua-side conversions are in scriptlua.go, the
// redis.* library in scriptredislib.go, what redis.call checks before it
// runs a command in scriptcall.go. FCALL runs the functions of libraries
// (functions.go) through the same checks and runScript.
//
// A script that runs past busy-reply-threshold answers other clients
// BUSY until it ends or SCRIPT KILL stops it (scriptbusy.go) — in live
// mode; in the simulator, where nobody could kill it, a script is stopped
// after Config.ScriptStepsMax Lua instructions instead, with its writes so
// far kept, which Redis would refuse to do. There is no Lua debugger
// (SCRIPT DEBUG).

var scriptingCommands = []commandSpec{
	{name: "eval", arity: -3, flags: flagMayReplicate | flagRunsScript, movableKeys: keysAfterNumkeys(2), run: evalCommand},
	{name: "evalsha", arity: -3, flags: flagMayReplicate | flagRunsScript, movableKeys: keysAfterNumkeys(2), run: evalCommand},
	{name: "eval_ro", arity: -3, flags: flagReadonly | flagRunsScript, movableKeys: keysAfterNumkeys(2), run: evalCommand},
	{name: "evalsha_ro", arity: -3, flags: flagReadonly | flagRunsScript, movableKeys: keysAfterNumkeys(2), run: evalCommand},
	{name: "script", arity: -2, run: scriptCommand},
}

// defaultScriptStepsMax bounds the Lua instructions of one script where
// scripts cannot time out (the simulator): one to four seconds at
// gopher-lua's pace (measured: 115 million a second for an empty loop,
// 45 million for a loop of calls) — about when Redis starts answering BUSY
// (busy-reply-threshold, 5 s).
const defaultScriptStepsMax = 200_000_000

var replyNoScript = resp.Err("NOSCRIPT No matching script. Please use EVAL.")

// scriptFlags are what a script's shebang line declares ("#!lua
// flags=no-writes,allow-oom"); a script without one runs in compatibility
// mode, where the checks are made command by command instead.
type scriptFlags uint8

const (
	scriptCompatMode scriptFlags = 1 << iota
	scriptNoWrites
	scriptAllowOOM
	scriptAllowStale
	scriptNoCluster
	scriptAllowCrossSlot
)

var scriptFlagNames = []struct {
	name string
	flag scriptFlags
}{
	{"no-writes", scriptNoWrites},
	{"allow-oom", scriptAllowOOM},
	{"allow-stale", scriptAllowStale},
	{"no-cluster", scriptNoCluster},
	{"allow-cross-slot-keys", scriptAllowCrossSlot},
}

// cachedScript is a script the node has compiled, by its SHA1.
type cachedScript struct {
	body  string
	proto *lua.FunctionProto
	flags scriptFlags
}

// scripting is the node's script cache and interpreter.
type scripting struct {
	scripts map[string]*cachedScript // by lower-case hex SHA1
	// bodyBytes is what the cached bodies take (INFO's
	// used_memory_scripts_eval).
	bodyBytes int64
	engine    *luaEngine // made at the first script
	// lastBody and lastSHA are the last body hashed: EVAL's is hashed
	// before it runs (scriptCommandFlags) and again as it runs.
	lastBody, lastSHA string
}

// scriptRun is one script running.
type scriptRun struct {
	node   *Node
	caller *call
	// name is what errors call the script: its SHA1, or the function's name.
	name  string
	flags scriptFlags
	// readOnly: EVAL_RO, or a no-writes script: writes are refused.
	readOnly bool
	// wrote is set at the first write: from then on nothing may refuse
	// a command for the server's state (OOM, a replica's read-only…),
	// since the script could not be undone.
	wrote bool
	// protocol is what redis.setresp chose (RESP2 at the start).
	protocol int
	// targets are where the script's writes go (redis.set_repl).
	targets propagateTargets
	// slot is the cluster slot the script's keys must hash to; -1 until
	// one is known.
	slot int
	// function: FCALL's, else EVAL's. startedAt is the stopwatch reading
	// when it began; timedOut is set once it ran past busy-reply-threshold,
	// killed by SCRIPT KILL or FUNCTION KILL (scriptbusy.go).
	// unservable: it timed out where nobody could be served, and got a
	// bound.
	function                     bool
	startedAt                    time.Duration
	timedOut, killed, unservable bool
}

func scriptSHA(body []byte) string {
	sum := sha1.Sum(body)
	return hex.EncodeToString(sum[:])
}

// bodySHA is scriptSHA, hashing a body once for the checks before EVAL
// runs and for its run.
func (sc *scripting) bodySHA(body []byte) string {
	if string(body) != sc.lastBody {
		sc.lastBody, sc.lastSHA = string(body), scriptSHA(body)
	}
	return sc.lastSHA
}

// loadScript compiles body into the cache, or finds it there.
func (n *Node) loadScript(body []byte) (string, *cachedScript, resp.Value) {
	sha := n.scripting.bodySHA(body)
	if s := n.scripting.scripts[sha]; s != nil {
		return sha, s, resp.Value{}
	}
	flags, code, refusal := parseShebang(body)
	if refusal.Kind != 0 {
		return "", nil, refusal
	}
	proto, refusal := compileScript(code)
	if refusal.Kind != 0 {
		return "", nil, refusal
	}
	s := &cachedScript{body: string(body), proto: proto, flags: flags}
	if n.scripting.scripts == nil {
		n.scripting.scripts = make(map[string]*cachedScript)
	}
	n.scripting.scripts[sha] = s
	n.scripting.bodyBytes += int64(len(body) + len(sha))
	return sha, s, resp.Value{}
}

// parseShebang reads a leading "#!lua flags=…" line. The code returned
// keeps the line's newline, so line numbers in errors stay the script's.
func parseShebang(body []byte) (scriptFlags, string, resp.Value) {
	if !bytes.HasPrefix(body, []byte("#!")) {
		return scriptCompatMode, string(body), resp.Value{}
	}
	end := bytes.IndexByte(body, '\n')
	if end < 0 {
		return 0, "", resp.Err("ERR Invalid script shebang")
	}
	parts, ok := resp.SplitArgs(body[:end])
	if !ok || len(parts) == 0 {
		return 0, "", resp.Err("ERR Invalid engine in script shebang")
	}
	if string(parts[0]) != "#!lua" {
		return 0, "", resp.Err("ERR Unexpected engine in script shebang: " + string(parts[0]))
	}
	var flags scriptFlags
	for _, part := range parts[1:] {
		list, isFlags := bytes.CutPrefix(part, []byte("flags="))
		if !isFlags {
			return 0, "", resp.Err("ERR Unknown lua shebang option: " + string(part))
		}
		for _, name := range strings.Split(string(list), ",") {
			known := false
			for _, f := range scriptFlagNames {
				if name == f.name {
					flags, known = flags|f.flag, true
				}
			}
			if !known {
				return 0, "", resp.Err("ERR Unexpected flag in script shebang: " + name)
			}
		}
	}
	return flags, string(body[end:]), resp.Value{}
}

func evalCommand(c *call) resp.Value {
	n := c.node
	numkeys, ok := resp.ParseInt(c.args[2])
	if !ok {
		return resp.Err(errNotInteger)
	}
	if numkeys > int64(len(c.args)-3) {
		return resp.Err("ERR Number of keys can't be greater than number of args")
	}
	if numkeys < 0 {
		return resp.Err("ERR Number of keys can't be negative")
	}
	var sha string
	var script *cachedScript
	if strings.HasPrefix(c.spec.name, "evalsha") {
		sha = strings.ToLower(string(c.args[1]))
		if script = n.scripting.scripts[sha]; script == nil {
			return replyNoScript
		}
	} else {
		var refusal resp.Value
		if sha, script, refusal = n.loadScript(c.args[1]); refusal.Kind != 0 {
			return refusal
		}
	}
	run := &scriptRun{node: n, caller: c, name: sha, flags: script.flags, protocol: resp.RESP2, targets: toBoth, slot: -1}
	run.readOnly = c.spec.flags&flagReadonly != 0 || script.flags&scriptNoWrites != 0
	if refusal, refused := n.refuseScript(run); refused {
		return refusal
	}
	if n.scripting.engine == nil {
		n.scripting.engine = newLuaEngine(n)
	}
	if len(n.monitors) > 0 {
		n.showMonitors(c.session, c.spec, c.args) // before its calls (EVAL is skip_monitor)
	}
	keys := c.args[3 : 3+numkeys]
	return n.runScript(run, keys, func() resp.Value {
		return n.scripting.engine.callScript(script.proto, run, keys, c.args[3+numkeys:], n.scriptStepsMax())
	})
}

// runScript runs a script that passed its checks (EVAL's body, FCALL's
// function) as one atomic unit: its writes are one transaction, and a
// SELECT in it is its own.
func (n *Node) runScript(run *scriptRun, keys [][]byte, body func() resp.Value) resp.Value {
	if n.router != nil && len(keys) > 0 {
		run.slot = keySlot(keys[0])
	}
	// Inside EXEC the transaction already wraps what the script writes;
	// otherwise the script is a transaction of its own in the AOF and the
	// replication stream.
	ownTransaction := n.exec == nil
	if ownTransaction {
		n.exec = &execState{}
	}
	s := run.caller.session
	dbIndex := s.dbIndex
	if n.clock.stopwatch != nil {
		run.startedAt = n.clock.stopwatch.Elapsed()
	}
	n.scriptRun = run
	reply := body()
	n.scriptRun = nil
	s.dbIndex = dbIndex
	if ownTransaction {
		// A script stopped after it wrote (SHUTDOWN NOSAVE, the server
		// stopping) is not logged whole: Redis exits before its effects
		// are, and an AOF left ending in an open MULTI is reverted on
		// load, as a torn transaction.
		if !(run.killed && run.wrote) {
			n.finishTransactionLog()
		}
		n.exec = nil
	}
	return reply
}

// scriptCommandFlags is what EVAL and its kin are checked with before
// they run (Redis's evalGetCommandFlags): their own flags, unless the
// script has a shebang, whose flags then say — a write unless no-writes,
// refused for memory unless allow-oom or no-writes, refused on a stale
// replica unless allow-stale, and known not to be a may-replicate. The script is found in the cache, or its shebang read.
func (n *Node) scriptCommandFlags(flags commandFlags, spec *commandSpec, args [][]byte) commandFlags {
	var declared scriptFlags
	if strings.HasPrefix(spec.name, "fcall") {
		f := n.functions.lookup(args[1])
		if f == nil {
			return flags
		}
		declared = f.flags
	} else if strings.HasPrefix(spec.name, "evalsha") {
		s := n.scripting.scripts[strings.ToLower(string(args[1]))]
		if s == nil {
			return flags
		}
		declared = s.flags
	} else if s := n.scripting.scripts[n.scripting.bodySHA(args[1])]; s != nil {
		declared = s.flags
	} else {
		var refusal resp.Value
		if declared, _, refusal = parseShebang(args[1]); refusal.Kind != 0 {
			return flags
		}
	}
	if declared&scriptCompatMode != 0 {
		return flags
	}
	flags &^= flagWrite | flagDenyOOM | flagMayReplicate
	if declared&scriptAllowStale == 0 {
		flags |= flagNotStale
	}
	if declared&scriptNoWrites == 0 {
		flags |= flagWrite
		if declared&scriptAllowOOM == 0 {
			flags |= flagDenyOOM
		}
	}
	return flags
}

// refuseScript is Redis's scriptPrepareForRun: the checks a script with a
// shebang gets before it runs, from its declared flags (a script without
// one is checked command by command, scriptcall.go).
func (n *Node) refuseScript(run *scriptRun) (resp.Value, bool) {
	stale := n.servingStale()
	if run.flags&scriptCompatMode != 0 {
		if stale {
			return replyMasterDown, true
		}
		return resp.Value{}, false
	}
	if run.flags&scriptNoCluster != 0 && n.router != nil {
		return resp.Err("ERR Can not run script on cluster, 'no-cluster' flag is set."), true
	}
	if stale && run.flags&scriptAllowStale == 0 {
		return resp.Err("MASTERDOWN Link with MASTER is down, replica-serve-stale-data is set to 'no' and 'allow-stale' flag is not set on the script."), true
	}
	if run.flags&scriptNoWrites == 0 {
		if n.isReplica() && !n.cfg.ReplicaWritable {
			return resp.Err("READONLY Can not run script with write flag on readonly replica"), true
		}
		if n.aofErr != nil {
			return resp.Err("MISCONF Redis is configured to persist data to AOF, but it's currently unable to persist to disk. Writable scripts are blocked. Use 'no-writes' flag for read only scripts. AOF error: " + n.aofErr.Error()), true
		}
		if run.caller.spec.flags&flagReadonly != 0 {
			return resp.Err("ERR Can not execute a script with write flag using *_ro command."), true
		}
		if !n.isReplica() && n.cfg.MinReplicasToWrite > 0 && n.goodReplicas() < n.cfg.MinReplicasToWrite {
			return replyNoReplicas, true
		}
	}
	if run.flags&(scriptAllowOOM|scriptNoWrites) == 0 && n.cfg.MaxMemoryBytes > 0 && !n.isReplica() && n.maxmemoryCountedBytes() > n.cfg.MaxMemoryBytes {
		return resp.Err("OOM allow-oom flag is not set on the script, can not run it when used memory > 'maxmemory'"), true
	}
	return resp.Value{}, false
}

var scriptHelp = []string{
	"SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
	"EXISTS <sha1> [<sha1> ...]",
	"    For each SHA1, 1 if the script is in the cache, else 0.",
	"FLUSH [ASYNC|SYNC]",
	"    Empty the script cache (both modes do it at once here).",
	"KILL",
	"    Stop the running script (none can be running while this runs here).",
	"LOAD <script>",
	"    Compile a script into the cache and return its SHA1, without running it.",
	"HELP",
	"    Print this help.",
}

func scriptCommand(c *call) resp.Value {
	n := c.node
	sub := strings.ToLower(string(c.args[1]))
	switch sub {
	case "help":
		return helpReply(c, scriptHelp)
	case "load":
		if len(c.args) != 3 {
			return errSubcommandArity("script", sub)
		}
		sha, _, refusal := n.loadScript(c.args[2])
		if refusal.Kind != 0 {
			return refusal
		}
		return resp.BulkFromString(sha)
	case "exists":
		if len(c.args) < 3 {
			return errSubcommandArity("script", sub)
		}
		v := resp.Value{Kind: resp.Array, Elems: make([]resp.Value, 0, len(c.args)-2)}
		for _, sha := range c.args[2:] {
			_, cached := n.scripting.scripts[strings.ToLower(string(sha))]
			v.Elems = append(v.Elems, resp.Int(int64(boolInt(cached))))
		}
		return v
	case "flush":
		if len(c.args) > 3 || len(c.args) == 3 && !strings.EqualFold(string(c.args[2]), "sync") && !strings.EqualFold(string(c.args[2]), "async") {
			return resp.Err("ERR SCRIPT FLUSH only support SYNC|ASYNC option")
		}
		n.flushScripts()
		return resp.OK
	case "kill":
		if len(c.args) != 2 {
			return errSubcommandArity("script", sub)
		}
		return n.killScript(true)
	}
	return errUnknownSubcommand(c.args[1], "SCRIPT")
}

// flushScripts empties the cache and starts a new interpreter, as Redis
// does: what scripts left in Lua's state goes too.
func (n *Node) flushScripts() {
	if e := n.scripting.engine; e != nil {
		e.state.Close()
	}
	n.scripting = scripting{}
}
