package cache

import (
	"slices"
	"testing"

	"syslab/engines/cache/resp"
)

// FuzzCommandArguments runs arbitrary arguments through the commands whose
// argument parsing this file's seeds exercise (CLIENT KILL/LIST/PAUSE/
// REPLY, COMMAND GETKEYS, the movable-key commands, ZMPOP, MEMORY, DEBUG,
// CONFIG SET of the encoding limits, GEO), with every keyspace notification
// on and a subscriber listening: the node must answer, never panic, and
// the keys the command table names must be the keys Redis's key specs
// name.
func FuzzCommandArguments(f *testing.F) {
	for _, seed := range []string{
		"CLIENT KILL 1.2.3.4:5", "CLIENT KILL ID 1 TYPE pubsub SKIPME no", "CLIENT KILL ADDR a LADDR b USER default",
		"CLIENT LIST TYPE replica", "CLIENT LIST ID 1 2 x", "CLIENT PAUSE 10 WRITE", "CLIENT UNPAUSE",
		"CLIENT REPLY SKIP", "CLIENT UNBLOCK 1 ERROR", "CLIENT NO-EVICT on",
		"COMMAND GETKEYS zunionstore d 2 a b", "COMMAND GETKEYSANDFLAGS set k v get", "COMMAND GETKEYS lmpop -5 a left",
		"COMMAND LIST FILTERBY PATTERN z*", "COMMAND DOCS get set", "COMMAND INFO lmpop",
		"LMPOP 2 a b LEFT COUNT 2", "BLMPOP 0.1 1 a RIGHT", "SINTERCARD 2 a b LIMIT 1", "ZINTERCARD 1 a",
		"ZUNIONSTORE d 2 a b WEIGHTS 1 2 AGGREGATE MAX", "ZMPOP 1 z MIN COUNT 3", "BZMPOP 0.1 2 a b MAX",
		"BZPOPMIN a b 0.1", "MEMORY STATS", "MEMORY DOCTOR", "OBJECT HELP", "DEBUG SLEEP 0", "DEBUG SET-ACTIVE-EXPIRE 0",
		"CONFIG SET hash-max-listpack-entries 1", "CONFIG SET zset-max-listpack-value 1kb",
		"LMOVE a a LEFT RIGHT", "SMOVE b c 1", "ZRANGESTORE d z 0 -1", "DEBUG RELOAD NOSAVE", "GETEX a PXAT 1",
		"CONFIG SET notify-keyspace-events Kx", "SINTERSTORE b nokey", "COPY a b DB 3 REPLACE", "MOVE a 2",
		"GEOADD z CH 1 1 m 181 0 x", "GEOSEARCH z FROMMEMBER m BYBOX 1e9 0 km COUNT 2 ANY WITHHASH", "GEOPOS z m n x",
		"GEORADIUS z 0 0 1e10 km STORE d STOREDIST d", "GEORADIUSBYMEMBER z n 0 m DESC", "GEOSEARCHSTORE d z FROMLONLAT -180 85.05112878 BYRADIUS 1 mi",
		"GEODIST z m n ft", "GEOHASH z m",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, line string) {
		args, ok := resp.SplitArgs([]byte(line))
		if !ok || len(args) == 0 || len(args) > 64 {
			return
		}
		n, env := startNode(t, Config{NotifyKeyspaceEvents: "KEAnm"})
		do(n, env, "subscriber", "PSUBSCRIBE *")
		for _, setup := range []string{"RPUSH a x y", "ZADD z 1 m 2 n", "SADD b 1 2"} {
			do(n, env, "setup", setup)
		}
		if len(env.pushes) == 0 {
			t.Fatal("the setup sent the subscriber no notification")
		}
		n.Receive("fuzz", Command{Seq: 1, Args: args})
		getkeys := append([][]byte{[]byte("COMMAND"), []byte("GETKEYSANDFLAGS")}, args...)
		n.Receive("fuzz", Command{Seq: 2, Args: getkeys})
		env.Advance(0) // pauses and unpauses end on timers

		spec := commands[string(lowerASCII(args[0]))]
		if spec == nil || !spec.arityOK(len(args)) {
			return
		}
		fromSpecs, _ := keysAndFlags(spec, commandDocTable[spec.name], args)
		if !slices.EqualFunc(spec.keys(args), fromSpecs, func(a, b []byte) bool { return string(a) == string(b) }) {
			t.Errorf("%q: the command table names keys %q, the key specs %q", line, spec.keys(args), fromSpecs)
		}
	})
}

func lowerASCII(b []byte) []byte {
	out := make([]byte, len(b))
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		out[i] = c
	}
	return out
}
