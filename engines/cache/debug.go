package cache

import (
	"crypto/sha1"
	"encoding/binary"
	"encoding/hex"
	"math"
	"strconv"
	"strings"

	"syslab/engines/cache/persist"
	"syslab/engines/cache/resp"
)

// DEBUG, the subset tools and test suites use: SLEEP (pause.go), OBJECT,
// SET-ACTIVE-EXPIRE, PAUSE-CRON, SET-DISABLE-DENY-SCRIPTS, RELOAD. Redis 7.0 refuses DEBUG unless enable-debug-command
// allows it; this node always allows these harmless ones.

// debugState is the node's DEBUG switches.
type debugState struct {
	// activeExpireOff is DEBUG SET-ACTIVE-EXPIRE 0: keys expire only
	// lazily, when read.
	activeExpireOff bool
	// cronPaused is DEBUG PAUSE-CRON 1: the cron's expiry cycle and
	// tracking-table trimming stop (the node keeps its timers running).
	cronPaused bool
	// denyScriptsOff is DEBUG SET-DISABLE-DENY-SCRIPTS 1: scripts may call
	// the commands Redis keeps from them (CLIENT LIST, for one).
	denyScriptsOff bool
}

// setDebugSwitch reads a DEBUG switch's 0 or 1 (any non-zero integer is
// on, as Redis's atoi reads it) and sets it.
func setDebugSwitch(arg []byte, set func(on bool)) resp.Value {
	on, err := strconv.Atoi(string(arg))
	if err != nil {
		return resp.Err(errNotInteger)
	}
	set(on != 0)
	return resp.OK
}

func debugCommand(c *call) resp.Value {
	switch sub := strings.ToLower(string(c.args[1])); {
	case sub == "sleep" && len(c.args) == 3:
		return debugSleep(c)
	case sub == "set-active-expire" && len(c.args) == 3:
		return setDebugSwitch(c.args[2], func(on bool) { c.node.debug.activeExpireOff = !on })
	case sub == "pause-cron" && len(c.args) == 3:
		return setDebugSwitch(c.args[2], func(on bool) { c.node.debug.cronPaused = on })
	case sub == "set-disable-deny-scripts" && len(c.args) == 3:
		return setDebugSwitch(c.args[2], func(on bool) { c.node.debug.denyScriptsOff = on })
	case sub == "object" && len(c.args) == 3:
		e := c.db.peek(c.args[2]) // as Redis's dictFind: an expired key is still there
		if e == nil {
			return resp.Err("ERR no such key")
		}
		return resp.Simple("Value at:0 refcount:1 encoding:" + e.value.encoding() +
			" serializedlength:" + strconv.FormatInt(e.accountedBytes, 10) +
			" lru:" + strconv.FormatInt(e.lruMillis/1000%(1<<24), 10) +
			" lru_seconds_idle:" + strconv.FormatInt(max(c.nowMillis-e.lruMillis, 0)/1000, 10))
	case sub == "digest" && len(c.args) == 2:
		return resp.Simple(hex.EncodeToString(c.node.datasetDigest()))
	case sub == "digest-value":
		digests := make([]resp.Value, 0, len(c.args)-2)
		for _, key := range c.args[2:] {
			digest := make([]byte, sha1.Size)
			// peek: a debug command sees logically expired keys too
			if e := c.db.peek(key); e != nil {
				valueDigest(digest, e)
			}
			digests = append(digests, resp.Simple(hex.EncodeToString(digest)))
		}
		return resp.ArrayOf(digests...)
	case sub == "reload":
		return debugReload(c)
	case sub == "loadaof" && len(c.args) == 2:
		return debugLoadAOF(c)
	case sub == "quicklist-packed-threshold" && len(c.args) == 3:
		// Redis's hook to make its quicklists store large elements in
		// nodes of their own ("plain"), so tests reach that code. Our
		// lists keep every element the same way whatever its size
		// (lists.go): the threshold is checked as Redis checks it and
		// changes nothing.
		// 0 restores Redis's default.
		if size, ok := parseMemory(string(c.args[2])); !ok || size > 1<<32-1<<20 {
			return resp.Err("ERR argument must be a memory value bigger than 1 and smaller than 4gb")
		}
		return resp.OK
	case sub == "protocol" && len(c.args) == 3:
		return debugProtocol(c, strings.ToLower(string(c.args[2])))
	case sub == "help" && len(c.args) == 2:
		return helpReply(c, debugHelp)
	}
	return errSubcommandSyntax(c.args[1], "DEBUG")
}

var replyReloadFailed = resp.Err("ERR Error trying to load the RDB dump")

// debugReload is DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE], as Redis's: save
// the snapshot (unless NOSAVE), empty every database (unless NOFLUSH) and
// load the snapshot file back — a round trip through the RDB format that
// tests use to check a value survives it. With NOFLUSH the file's keys
// join the ones in memory; a key in both replaces the one in memory with
// MERGE and is an error without (where Redis stops the server, the node
// answers the error with the keys loaded before the duplicate in place).
//
// Loading creates keys without keyspace events (as Redis's loader), and
// nothing is propagated: the AOF and replicas keep the data they had,
// which is the same unless NOFLUSH merged another file.
func debugReload(c *call) resp.Value {
	n := c.node
	flush, save, merge := true, true, false
	for _, opt := range c.args[2:] {
		switch strings.ToLower(string(opt)) {
		case "merge":
			merge = true
		case "noflush":
			flush = false
		case "nosave":
			save = false
		default:
			return resp.Err("ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.")
		}
	}
	disk := n.env.Disk()
	if disk == nil {
		return resp.Err("ERR " + errNoDisk.Error())
	}
	if save {
		if err := n.saveNow(); err != nil {
			return resp.Err("ERR") // as SAVE: the log says why
		}
	}
	if flush {
		n.emptyAllDatabases(c.nowMillis)
		n.functions = functionRegistry{} // the file has them
	}
	data, err := disk.ReadFile(n.cfg.DBFilename)
	if err == nil {
		n.loading = true
		loader := &rdbLoader{node: n, skipExpired: !n.isReplica(), nowMillis: c.nowMillis, replaceExisting: merge}
		err = persist.LoadRDB(data, loader)
		n.loading = false
	}
	if err != nil {
		n.env.Logf("cache: DEBUG RELOAD: loading %s failed: %v", n.cfg.DBFilename, err)
		return replyReloadFailed
	}
	n.env.Logf("cache: DB reloaded by DEBUG RELOAD")
	return resp.OK
}

// replayAOF is Node.replay, reached through a variable because the
// command table holds DEBUG LOADAOF, which replays commands: Go rejects
// that initialization cycle (as pause.go's endPause).
var replayAOF func(n *Node, dbIndex int, args [][]byte) error

func init() { replayAOF = (*Node).replay }

// debugLoadAOF is DEBUG LOADAOF: what the AOF holds is written out and
// synced, the data emptied and the AOF replayed from disk, so a test can
// check that the AOF alone gives back the dataset. With appendonly no the
// AOF on disk (a BGREWRITEAOF's) is loaded. Redis exits when there is no
// AOF to load; here that is an error reply, and the data stays.
func debugLoadAOF(c *call) resp.Value {
	n := c.node
	m := n.manifest
	if n.aof != nil {
		if err := n.writeAOF(); err != nil {
			return misconf(err)
		}
		if err := n.aof.Sync(); err != nil {
			n.noteAOFError(err)
			return misconf(err)
		}
	} else {
		onDisk, found, err := persist.ReadManifest(n.aofDisk())
		switch {
		case err != nil:
			return resp.Err("ERR cannot read the append only file's manifest: " + err.Error())
		case !found:
			return resp.Err("ERR there is no append only file to load (appendonly is no and BGREWRITEAOF has not written one)")
		}
		m = onDisk
	}
	n.emptyAllDatabases(c.nowMillis)
	n.functions = functionRegistry{} // the AOF has them
	n.loading = true
	_, err := persist.LoadAOFFiles(n.aofDisk(), m, len(n.dbs), func(db int, args [][]byte) error { return replayAOF(n, db, args) },
		&rdbLoader{node: n})
	n.loading = false
	if err != nil {
		n.env.Logf("cache: DEBUG LOADAOF: loading the append only file failed: %v", err)
		return resp.Err("ERR loading the append only file failed: " + err.Error())
	}
	n.env.Logf("cache: append only file loaded by DEBUG LOADAOF")
	return resp.OK
}

// DEBUG DIGEST and DIGEST-VALUE compute Redis's digests (debug.c), so a
// dataset can be compared with one held by redis-server: SHA1s combined
// by xor where order does not matter (keys, set members, hash fields,
// sorted set members) and chained where it does (list elements).

// xorDigest xors SHA1(data) into digest.
func xorDigest(digest, data []byte) {
	sum := sha1.Sum(data)
	for i := range digest {
		digest[i] ^= sum[i]
	}
}

// mixDigest xors SHA1(data) into digest, then replaces digest by its SHA1.
func mixDigest(digest, data []byte) {
	xorDigest(digest, data)
	sum := sha1.Sum(digest)
	copy(digest, sum[:])
}

// redisTypeCodes are Redis's OBJ_STRING … OBJ_HASH, mixed in first.
var redisTypeCodes = map[string]uint32{"string": 0, "list": 1, "set": 2, "zset": 3, "hash": 4, "stream": 6}

// valueDigest mixes e's value and expiry into digest (xorObjectDigest).
func valueDigest(digest []byte, e *entry) {
	mixDigest(digest, binary.BigEndian.AppendUint32(nil, redisTypeCodes[e.value.typeName()]))
	switch v := e.value.(type) {
	case *stringObject:
		mixDigest(digest, v.data)
	case *listObject:
		for i := range v.len() {
			mixDigest(digest, v.at(i))
		}
	case *setObject:
		v.each(func(member []byte) bool {
			xorDigest(digest, member)
			return true
		})
	case *zsetObject:
		for x := v.zsl.first(); x != nil; x = x.levels[0].forward {
			var elem [sha1.Size]byte
			mixDigest(elem[:], []byte(x.member))
			mixDigest(elem[:], []byte(formatScoreG17(x.score)))
			xorDigest(digest, elem[:])
		}
	case *streamObject:
		v.rangeEntries(streamIDMin, streamIDMax, false, func(e *streamEntry) bool {
			mixDigest(digest, []byte(strconv.FormatUint(e.id.ms, 10)+"."+strconv.FormatUint(e.id.seq, 10)))
			for _, f := range e.fields {
				mixDigest(digest, f)
			}
			return true
		})
	case *hashObject:
		v.each(func(field, value []byte) bool {
			var elem [sha1.Size]byte
			mixDigest(elem[:], field)
			mixDigest(elem[:], value)
			xorDigest(digest, elem[:])
			return true
		})
	}
	if e.expireAtMillis != noExpiry {
		xorDigest(digest, []byte("!!expire!!"))
	}
}

// formatScoreG17 is C's "%.17g", which the digest of a sorted set uses.
func formatScoreG17(score float64) string {
	switch {
	case math.IsInf(score, 1):
		return "inf"
	case math.IsInf(score, -1):
		return "-inf"
	}
	return strconv.FormatFloat(score, 'g', 17, 64)
}

// datasetDigest is DEBUG DIGEST: per database (by index), each key's
// digest (its name, then its value) xored together; zeros when empty.
func (n *Node) datasetDigest() []byte {
	final := make([]byte, sha1.Size)
	for i, ks := range n.dbs {
		if ks.size() == 0 {
			continue
		}
		mixDigest(final, binary.BigEndian.AppendUint32(nil, uint32(i)))
		ks.dict.RangeRef(func(key string, e *entry) bool { // xor: order does not matter
			digest := make([]byte, sha1.Size)
			mixDigest(digest, []byte(key))
			valueDigest(digest, e)
			xorDigest(final, digest)
			return true
		})
	}
	return final
}

// debugProtocol is DEBUG PROTOCOL <type>: one reply of each RESP3 type,
// the values Redis sends, so clients (and Redis's own suite) can test
// their parsers. RESP2 clients get an attribute's reply without the
// attribute, as from Redis. A push before the reply is a shape the node's
// replies cannot take: refused.
func debugProtocol(c *call, name string) resp.Value {
	switch name {
	case "string":
		return resp.BulkFromString("Hello World")
	case "integer":
		return resp.Int(12345)
	case "double":
		return resp.Value{Kind: resp.Double, Float: 3.141}
	case "bignum":
		return resp.Value{Kind: resp.BigNumber, Str: []byte("1234567999999999999999999999999999999")}
	case "null":
		return resp.NullBulk
	case "array", "set":
		kind := map[string]resp.Kind{"array": resp.Array, "set": resp.Set}[name]
		return resp.Value{Kind: kind, Elems: []resp.Value{resp.Int(0), resp.Int(1), resp.Int(2)}}
	case "map":
		elems := make([]resp.Value, 0, 6)
		for j := range int64(3) {
			elems = append(elems, resp.Int(j), resp.Value{Kind: resp.Boolean, Int: map[bool]int64{true: 1}[j == 1]})
		}
		return resp.Value{Kind: resp.Map, Elems: elems}
	case "attrib":
		return resp.Value{Kind: resp.Attribute, Elems: []resp.Value{
			resp.BulkFromString("key-popularity"),
			resp.ArrayOf(resp.BulkFromString("key:123"), resp.Int(90)),
			resp.BulkFromString("Some real reply following the attribute"),
		}}
	case "push":
		if c.node.protocolOf(c.client) < resp.RESP3 {
			return resp.Err("ERR RESP2 is not supported by this command")
		}
		return resp.Err("ERR DEBUG PROTOCOL push is not supported by this server")
	case "verbatim":
		return resp.Value{Kind: resp.Verbatim, Str: []byte("This is a verbatim\nstring")}
	case "true", "false":
		return resp.Value{Kind: resp.Boolean, Int: map[string]int64{"true": 1}[name]}
	}
	return resp.Err("ERR Wrong protocol type name. Please use one of the following: string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false")
}

var debugHelp = []string{
	"DEBUG <subcommand> [<arg> ...]. Subcommands here are:",
	"OBJECT <key>",
	"    Show how the key's value is stored.",
	"DIGEST",
	"    Output a hex signature of the whole dataset, as Redis computes it.",
	"DIGEST-VALUE <key> [<key> ...]",
	"    Output a hex signature of the values of the given keys.",
	"PROTOCOL <type>",
	"    Reply with a test value of a RESP3 type: string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false.",
	"RELOAD [MERGE] [NOFLUSH] [NOSAVE]",
	"    Save the snapshot, empty the databases and load the snapshot back. NOSAVE loads the file as it is,",
	"    NOFLUSH keeps the keys in memory, MERGE lets the file's keys replace them.",
	"LOADAOF",
	"    Write out and sync the append only file, empty the databases and load the file back.",
	"QUICKLIST-PACKED-THRESHOLD <size>",
	"    Accepted for Redis's tests; lists here store large elements as they store small ones.",
	"PAUSE-CRON <0|1>",
	"    Stop (1) or restart (0) the cron's expiry cycle and tracking-table trimming.",
	"SET-ACTIVE-EXPIRE <0|1>",
	"    Stop (0) or restart (1) the active expiry cycle; keys still expire when read.",
	"SET-DISABLE-DENY-SCRIPTS <0|1>",
	"    Let scripts call (1) the commands normally denied to them (CLIENT LIST…), or not (0).",
	"SLEEP <seconds>",
	"    Hold every command for that long, then answer OK.",
	"HELP",
	"    Print this help.",
}
