package cache

import (
	"sort"
	"strconv"
	"strings"

	"syslab/engines/cache/resp"
)

// commandFlags say how the node must treat a command before running it.
type commandFlags uint16

const (
	// flagWrite: the command may change the keyspace, so it is refused
	// while the AOF cannot be written (MISCONF).
	flagWrite commandFlags = 1 << iota
	// flagReadonly: the command only reads.
	flagReadonly
	// flagFast: O(1) or O(log n), as Redis labels it.
	flagFast
	// flagDenyOOM: the command may grow memory, so it is refused with an
	// OOM error when eviction cannot get under maxmemory (Redis's
	// "denyoom"; see evict.go).
	flagDenyOOM
	// flagMayReplicate: the command does not write keys but goes into the
	// replication stream (PUBLISH), so CLIENT PAUSE WRITE holds it like a
	// write (Redis's "may_replicate"; see pause.go).
	flagMayReplicate
	// flagSkipSlowlog: the command is not logged in SLOWLOG (EXEC: the
	// commands it runs are; Redis's "skip_slowlog").
	flagSkipSlowlog
	// flagProtected: the command runs only where enable-debug-command
	// allows it (DEBUG; Redis's "protected"; see protected.go).
	flagProtected
	// flagRunsScript: the command runs a script whose shebang may
	// declare the flags the command is checked with (EVAL and its kin;
	// see scriptCommandFlags).
	flagRunsScript
	// flagNotStale: refused on a stale replica although its docs allow
	// it — a script whose shebang does not declare allow-stale.
	flagNotStale
)

// commandSpec is one row of the command table.
type commandSpec struct {
	// name is the lower-case name, as Redis's error messages spell it.
	name string
	// arity counts the arguments including the name: N means exactly N,
	// -N means at least N.
	arity int
	flags commandFlags
	// firstKey, lastKey and keyStep locate the key arguments as Redis's
	// legacy key specs do: args[firstKey], args[firstKey+keyStep], … up to
	// args[lastKey]; a negative lastKey counts from the end (-1 is the last
	// argument); firstKey 0 means the command takes no key. Cluster slot
	// checks, WATCH, client tracking and memory accounting read them.
	firstKey, lastKey, keyStep int
	// movableKeys, when set, finds the keys of a command whose key
	// positions depend on its arguments (Redis's movablekeys commands,
	// whose keys follow a numkeys argument: LMPOP, ZUNIONSTORE, …); keys
	// calls it instead of reading the legacy spec. It returns nil when the
	// arguments are malformed, as Redis's getkeys does (the command itself
	// then answers the error and changes nothing). keyspecs.go.
	movableKeys func(args [][]byte) [][]byte
	run         func(c *call) resp.Value
	// flagsFor, when set, gives the flags a call is checked with from its
	// arguments: a container whose subcommands differ (FUNCTION LOAD
	// writes, FUNCTION LIST does not).
	flagsFor func(args [][]byte) commandFlags
	// metricName is precomputed so counting a command allocates nothing.
	metricName string
	// index numbers the table's commands from 0, for per-command
	// counters kept in slices (cmdstats.go).
	index int
}

// commandTable maps lower-case names to their specs. It is built once from
// the per-file lists (strings.go, db.go, …) and never changes.

var commandTable = buildCommandTable(connectionCommands, keyspaceCommands, stringCommands, expireCommands, multiCommands, introspectionCommands, configCommands, setCommands, hashCommands, zsetCommands, clientCommands, pubsubCommands, listCommands, snapshotCommands, aofRewriteCommands, replicationCommands, replicationHandshakeCommands, roleCommands, zsetPopCommands, clusterCommands, dumpCommands, clusterRoutingCommands, migrateCommands, shutdownCommands, authCommands, monitorCommands, shardPubsubCommands, sortCommands, bitopsCommands, hllCommands, slowlogCommands, latencyCommands, scriptingCommands, functionCommands, geoCommands, streamCommands, streamReadCommands, streamGroupCommands)

func buildCommandTable(groups ...[]commandSpec) map[string]*commandSpec {
	table := make(map[string]*commandSpec)
	for _, group := range groups {
		for i := range group {
			spec := &group[i]
			if spec.name != strings.ToLower(spec.name) || spec.arity == 0 || spec.run == nil {
				panic("cache: malformed command table entry " + spec.name)
			}
			if _, dup := table[spec.name]; dup {
				panic("cache: command " + spec.name + " registered twice")
			}
			spec.metricName = `cache_commands_total{cmd="` + spec.name + `"}`
			spec.index = len(table)
			table[spec.name] = spec
		}
	}
	return table
}

// keys returns the key arguments of a call to spec.
func (spec *commandSpec) keys(args [][]byte) [][]byte {
	if spec.movableKeys != nil {
		return spec.movableKeys(args)
	}
	if spec.firstKey == 0 || spec.firstKey >= len(args) {
		return nil
	}
	last := spec.lastKey
	if last < 0 {
		last += len(args)
	}
	step := max(spec.keyStep, 1)
	if step == 1 {
		// Contiguous keys (nearly every command): a view of args, so the
		// write path does not allocate to name its keys. Callers only read.
		if last < spec.firstKey {
			return nil
		}
		return args[spec.firstKey:min(last+1, len(args)):min(last+1, len(args))]
	}
	var keys [][]byte
	for i := spec.firstKey; i <= last && i < len(args); i += step {
		keys = append(keys, args[i])
	}
	return keys
}

// commandNameBytesMax is the longest command name looked up; every Redis
// command name is shorter.
const commandNameBytesMax = 32

// lookupCommand finds the spec for a client-supplied name, case-insensitively.
// It runs for every command, so it probes commandIndex instead of the
// map: the name is lowered and hashed in one pass, without a copy.
func lookupCommand(name []byte) *commandSpec {
	if len(name) > commandNameBytesMax {
		return nil
	}
	h := uint32(fnvOffset32)
	for _, c := range name {
		h = (h ^ uint32(lowerByte(c))) * fnvPrime32
	}
	for i := h & (commandIndexSize - 1); ; i = (i + 1) & (commandIndexSize - 1) {
		spec := commandIndex[i]
		if spec == nil {
			return nil
		}
		if len(spec.name) == len(name) && equalLowered(name, spec.name) {
			return spec
		}
	}
}

// commandIndexSize is the size of commandIndex, a power of two at least
// four times the number of commands, so probe runs stay short and there
// is always an empty slot to end a miss.
const commandIndexSize = 1024

// FNV-1a, 32 bits: the hash of commandIndex.
const (
	fnvOffset32 = 2166136261
	fnvPrime32  = 16777619
)

// commandIndex is commandTable as an open-addressed table (linear
// probing from commandNameHash).
var commandIndex = buildCommandIndex(commandTable)

func buildCommandIndex(table map[string]*commandSpec) *[commandIndexSize]*commandSpec {
	if len(table)*4 > commandIndexSize {
		panic("cache: commandIndexSize is too small for " + strconv.Itoa(len(table)) + " commands")
	}
	names := make([]string, 0, len(table))
	for name := range table {
		names = append(names, name)
	}
	sort.Strings(names) // the layout depends on the names alone
	var index [commandIndexSize]*commandSpec
	for _, name := range names {
		i := commandNameHash(name) & (commandIndexSize - 1)
		for index[i] != nil {
			i = (i + 1) & (commandIndexSize - 1)
		}
		index[i] = table[name]
	}
	return &index
}

// commandNameHash is the hash lookupCommand computes, of a lower-case name.
func commandNameHash(name string) uint32 {
	h := uint32(fnvOffset32)
	for i := range len(name) {
		h = (h ^ uint32(name[i])) * fnvPrime32
	}
	return h
}

func lowerByte(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		c += 'a' - 'A'
	}
	return c
}

// equalLowered reports whether name, with A-Z lowered, is lower.
func equalLowered(name []byte, lower string) bool {
	for i, c := range name {
		if lowerByte(c) != lower[i] {
			return false
		}
	}
	return true
}

// arityOK applies Redis's arity rule.
func (spec *commandSpec) arityOK(argc int) bool {
	if spec.arity > 0 {
		return argc == spec.arity
	}
	return argc >= -spec.arity
}

// Redis's error replies, word for word.
const (
	errSyntax        = "ERR syntax error"
	errNotInteger    = "ERR value is not an integer or out of range"
	errWrongType     = "WRONGTYPE Operation against a key holding the wrong kind of value"
	errOverflow      = "ERR increment or decrement would overflow"
	errDBOutOfRange  = "ERR DB index is out of range"
	unknownArgsBytes = 128 // how much of the arguments Redis quotes back
)

func errWrongArity(name string) resp.Value {
	return resp.Err("ERR wrong number of arguments for '" + name + "' command")
}

func errInvalidExpire(name string) resp.Value {
	return resp.Err("ERR invalid expire time in '" + name + "' command")
}

// errUnknownCommand words the error as Redis 7 does, quoting the name and
// the start of the arguments, each cut at 128 bytes.
func errUnknownCommand(args [][]byte) resp.Value {
	var b strings.Builder
	b.WriteString("ERR unknown command '")
	b.Write(args[0][:min(len(args[0]), unknownArgsBytes)])
	b.WriteString("', with args beginning with: ")
	quoted := 0
	for _, arg := range args[1:] {
		if quoted >= unknownArgsBytes {
			break
		}
		room := unknownArgsBytes - quoted
		piece := "'" + string(arg[:min(len(arg), room)]) + "' "
		b.WriteString(piece)
		quoted += len(piece)
	}
	return resp.Err(b.String())
}
