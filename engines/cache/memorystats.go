package cache

import (
	"strconv"
	"strings"

	"syslab/engines/cache/resp"
)

// MEMORY STATS, DOCTOR and HELP, and the HELP of OBJECT: what monitoring
// and redis-cli read about memory. MEMORY USAGE is in info.go.
//
// MEMORY STATS answers Redis 7.0's fields in its order. The node measures
// its dataset (memory.go's per-key accounting), not an allocator: the
// allocator, RSS and fragmentation figures equal the dataset with ratios
// of 1, the peak is the current figure, and what this node does not have
// (Lua, functions, cluster links, replica output buffers, client buffers,
// which the adapter owns) is 0.

func memoryInfoCommand(c *call, sub string) resp.Value {
	switch sub {
	case "stats", "doctor", "help", "malloc-stats", "purge":
		if len(c.args) != 2 {
			return errSubcommandArity("memory", sub)
		}
	default:
		return errUnknownSubcommand(c.args[1], "MEMORY")
	}
	switch sub {
	case "stats":
		return c.node.memoryStats()
	case "doctor":
		return resp.Value{Kind: resp.Verbatim, Str: []byte(c.node.memoryDoctor())}
	case "malloc-stats":
		return resp.Value{Kind: resp.Verbatim, Str: []byte("Stats not supported for the current allocator")}
	case "purge":
		return resp.OK
	}
	return helpReply(c, memoryHelp)
}

// Per-entry overheads Redis reports for a database's two hashtables: a
// dictEntry and a bucket pointer per key.
const (
	dictEntryOverheadBytes = 24 + 8
)

func (n *Node) memoryStats() resp.Value {
	used := n.usedMemoryBytes()
	var keys, overhead int64
	var dbs []resp.Value
	for i, ks := range n.dbs {
		if ks.size() == 0 {
			continue
		}
		main := int64(ks.size()) * dictEntryOverheadBytes
		expires := int64(ks.volatile.len()) * dictEntryOverheadBytes
		keys += int64(ks.size())
		overhead += main + expires
		dbs = append(dbs, resp.BulkFromString("db."+strconv.Itoa(i)), resp.Value{Kind: resp.Map, Elems: []resp.Value{
			resp.BulkFromString("overhead.hashtable.main"), resp.Int(main),
			resp.BulkFromString("overhead.hashtable.expires"), resp.Int(expires),
			resp.BulkFromString("overhead.hashtable.slot-to-keys"), resp.Int(0),
		}})
	}
	aofBuffer := int64(0)
	if n.aof != nil {
		aofBuffer = int64(n.aof.PendingBytes())
	}
	dataset := max(used-overhead, 0)
	bytesPerKey := int64(0)
	if keys > 0 {
		bytesPerKey = used / keys
	}
	percentOf := func(part, whole int64) float64 {
		if whole == 0 {
			return 0
		}
		return 100 * float64(part) / float64(whole)
	}
	m := []resp.Value{
		resp.BulkFromString("peak.allocated"), resp.Int(used),
		resp.BulkFromString("total.allocated"), resp.Int(used),
		resp.BulkFromString("startup.allocated"), resp.Int(0),
		resp.BulkFromString("replication.backlog"), resp.Int(0),
		resp.BulkFromString("clients.slaves"), resp.Int(0),
		resp.BulkFromString("clients.normal"), resp.Int(0),
		resp.BulkFromString("cluster.links"), resp.Int(0),
		resp.BulkFromString("aof.buffer"), resp.Int(aofBuffer),
		resp.BulkFromString("lua.caches"), resp.Int(0),
		resp.BulkFromString("functions.caches"), resp.Int(0),
	}
	m = append(m, dbs...)
	m = append(m,
		resp.BulkFromString("overhead.total"), resp.Int(overhead+aofBuffer),
		resp.BulkFromString("keys.count"), resp.Int(keys),
		resp.BulkFromString("keys.bytes-per-key"), resp.Int(bytesPerKey),
		resp.BulkFromString("dataset.bytes"), resp.Int(dataset),
		resp.BulkFromString("dataset.percentage"), doubleReply(percentOf(dataset, used)),
		resp.BulkFromString("peak.percentage"), doubleReply(percentOf(used, used)),
		resp.BulkFromString("allocator.allocated"), resp.Int(used),
		resp.BulkFromString("allocator.active"), resp.Int(used),
		resp.BulkFromString("allocator.resident"), resp.Int(used),
		resp.BulkFromString("allocator-fragmentation.ratio"), doubleReply(1),
		resp.BulkFromString("allocator-fragmentation.bytes"), resp.Int(0),
		resp.BulkFromString("allocator-rss.ratio"), doubleReply(1),
		resp.BulkFromString("allocator-rss.bytes"), resp.Int(0),
		resp.BulkFromString("rss-overhead.ratio"), doubleReply(1),
		resp.BulkFromString("rss-overhead.bytes"), resp.Int(0),
		resp.BulkFromString("fragmentation"), doubleReply(1),
		resp.BulkFromString("fragmentation.bytes"), resp.Int(0),
	)
	return resp.Value{Kind: resp.Map, Elems: m}
}

// memoryDoctor reports what this node can tell about its memory: the
// dataset against maxmemory.
func (n *Node) memoryDoctor() string {
	used := n.usedMemoryBytes()
	max := n.cfg.MaxMemoryBytes
	switch {
	case max == 0:
		return "No memory problems found: the dataset uses " + humanBytes(used) + " and maxmemory is not set, so nothing will be evicted or refused.\n"
	case used >= max:
		return "The dataset (" + humanBytes(used) + ") is at maxmemory (" + humanBytes(max) + "): writes evict keys by " +
			n.cfg.MaxMemoryPolicy + " or, under noeviction, are refused.\n"
	}
	return "No memory problems found: the dataset uses " + humanBytes(used) + " of maxmemory " + humanBytes(max) + ".\n"
}

var memoryHelp = []string{
	"MEMORY <subcommand> [<arg> ...]. Subcommands here are:",
	"DOCTOR",
	"    Report memory problems.",
	"MALLOC-STATS",
	"    Report allocator statistics (none here).",
	"PURGE",
	"    Return memory to the system (nothing to do here).",
	"STATS",
	"    Report memory use.",
	"USAGE <key> [SAMPLES <count>]",
	"    Report the bytes a key and its value use.",
	"HELP",
	"    Print this help.",
}

var objectHelp = []string{
	"OBJECT <subcommand> [<arg> ...]. Subcommands here are:",
	"ENCODING <key>",
	"    Show how the key's value is stored.",
	"FREQ <key>",
	"    Show the key's access frequency counter (LFU policies).",
	"IDLETIME <key>",
	"    Show the seconds since the key was last read or written (LRU policies).",
	"REFCOUNT <key>",
	"    Show how many references the value has.",
	"HELP",
	"    Print this help.",
}

// helpReply answers a HELP subcommand (which takes no argument) with
// lines, as Redis's addReplyHelp: an array of status strings.
func helpReply(c *call, lines []string) resp.Value {
	if len(c.args) != 2 {
		return errSubcommandArity(strings.ToLower(string(c.args[0])), "help")
	}
	v := resp.Value{Kind: resp.Array, Elems: make([]resp.Value, len(lines))}
	for i, line := range lines {
		v.Elems[i] = resp.Simple(line)
	}
	return v
}
