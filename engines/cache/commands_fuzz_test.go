package cache

import (
	"slices"
	"testing"

	"syslab/engines/cache/resp"
)

// FuzzCommandArguments runs arbitrary arguments through the commands whose
// argument parsing this file's seeds exercise (CLIENT KILL/LIST/PAUSE/
// REPLY, COMMAND GETKEYS, the movable-key commands, ZMPOP, MEMORY, DEBUG,
// CONFIG SET of the encoding limits, GEO, streams), with every keyspace notification
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
		"XADD st MAXLEN ~ 1 LIMIT 2 * f v", "XADD st 5-* f v g w", "XTRIM st MINID = 2", "XRANGE st (1-1 + COUNT 1",
		"XREVRANGE st + - COUNT 2", "XDEL st 1-1 9", "XSETID st 99-1 ENTRIESADDED 7 MAXDELETEDID 1-1",
		"XREAD COUNT 1 BLOCK 1 STREAMS st a 0 $", "XREADGROUP GROUP g c COUNT 5 NOACK STREAMS st >",
		"XREADGROUP GROUP g c BLOCK 0 STREAMS st 0", "XGROUP CREATE st g2 $ MKSTREAM ENTRIESREAD 3",
		"XGROUP SETID st g 0", "XGROUP CREATECONSUMER st g x", "XGROUP DELCONSUMER st g c", "XGROUP DESTROY st g",
		"XACK st g 1-1", "XPENDING st g IDLE 0 - + 5 c", "XCLAIM st g d 0 1-1 FORCE RETRYCOUNT 3 LASTID 9-9",
		"XAUTOCLAIM st g d 0 0 COUNT 2 JUSTID", "XINFO STREAM st FULL COUNT 1", "XINFO GROUPS st", "XINFO CONSUMERS st g",
		"CONFIG SET stream-node-max-entries 1",
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
		for _, setup := range []string{"RPUSH a x y", "ZADD z 1 m 2 n", "SADD b 1 2", "XADD st 1-1 f v", "XGROUP CREATE st g 0",
			"XREADGROUP GROUP g c STREAMS st >"} {
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
