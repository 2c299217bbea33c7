package cache

import (
	"strconv"
	"strings"

	"syslab/engines/cache/resp"
)

// MEMORY STATS, DOCTOR and HELP, and the HELP of OBJECT: what monitoring
// and redis-cli read about memory. MEMORY USAGE is in info.go.
//
// MEMORY STATS and INFO memory answer Redis 7.0's fields in its order,
// from one memoryOverview. Their figures come from two places:
//
//   - The node's own accounting (memory.go): used_memory (total.allocated),
//     start-up memory, the per-database hashtable overheads, the dataset,
//     the replication backlog, the AOF buffer,
//     and the peak, which the node samples every cron tick and whenever
//     it reports memory (Redis samples in serverCron and after commands).
//     This is the Redis memory model applied to the keys, not what the Go
//     process spends on them, and it is what maxmemory compares against.
//   - The process, which a core package may not look at (no runtime or os
//     calls: the node contract). The adapter that runs the node in a real
//     process (server.go) measures it and sends a ProcessStats message
//     every second; allocator.*, the RSS and the fragmentation figures are
//     the latest report's. They measure the whole Go process — the Go
//     heap is the allocator here — so the fragmentation ratio (RSS over
//     used_memory) shows the runtime's and the buffers' cost over the
//     Redis model, as Redis's shows jemalloc's over its own count.
//
// A node that has had no report — every node in the simulator, where
// there is no process of its own — reports its accounted used_memory as
// allocator and RSS figures, ratios 1 and 0 bytes of fragmentation: an
// estimate that says "no overhead measured", never a measurement, and
// INFO's mem_allocator says so ("model"). What the node has no part of is
// 0: Lua and functions (not implemented), cluster links and replica
// output buffers (node messages, not client buffers) and client buffers
// (the adapter's). Start-up memory is Redis's figure (memory.go).

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

// ProcessStats is the adapter's measurement of the process a node runs in
// (see above): memory, and the CPU time INFO cpu reports. Figures that
// could not be measured are 0.
type ProcessStats struct {
	// HeapObjectsBytes is what live heap objects take (allocator.allocated).
	HeapObjectsBytes int64
	// HeapInUseBytes is the heap spans holding objects, with their unused
	// slots (allocator.active).
	HeapInUseBytes int64
	// RuntimeHeldBytes is the memory the runtime has mapped and not
	// returned to the OS (allocator.resident).
	RuntimeHeldBytes int64
	// RSSBytes is the process's resident set size.
	RSSBytes int64
	// TotalSystemBytes is the machine's memory (INFO total_system_memory).
	TotalSystemBytes int64
	// Allocator names the runtime (INFO mem_allocator): "go1.26.0".
	Allocator string
	// CPUUserSeconds and CPUSysSeconds are the process's CPU time so far,
	// the Children ones its waited-for children's (INFO cpu).
	CPUUserSeconds, CPUSysSeconds                 float64
	CPUUserChildrenSeconds, CPUSysChildrenSeconds float64

	// ProcessID, Executable, OS (uname's "Linux 6.1.0 x86_64") and
	// TCPPort, the port clients connect to, are INFO server's
	// process_id, executable, os and tcp_port.
	ProcessID  int
	Executable string
	OS         string
	TCPPort    int
}

// processMemoryModel is INFO's mem_allocator for a node whose figures are
// its own estimates.
const processMemoryModel = "model"

// memoryState is the node's memory bookkeeping beyond the per-key counts.
type memoryState struct {
	// peakBytes is the highest used memory sampled (used_memory_peak).
	peakBytes int64
	// process is the adapter's latest report; processKnown once one came.
	process      ProcessStats
	processKnown bool
	// queryBuffersBytes sums the clients' query buffers as their adapter
	// reported them (QueryBuffer): Redis counts them in used_memory
	// (mem_clients_normal), and so does maxmemory.
	queryBuffersBytes int64
}

// noteQueryBuffer records s's query buffer size in the clients' total.
func (n *Node) noteQueryBuffer(s *session, bytes int) {
	n.memory.queryBuffersBytes += int64(bytes - s.meta.queryBufferBytes)
	s.meta.queryBufferBytes = bytes
}

// samplePeakMemory notes the current used memory in the peak.
func (n *Node) samplePeakMemory() int64 {
	used := n.usedMemoryBytes()
	n.memory.peakBytes = max(n.memory.peakBytes, used)
	return used
}

// memoryOverview is what MEMORY STATS and INFO memory report (Redis's
// struct redisMemOverhead plus the allocator figures).
type memoryOverview struct {
	usedBytes, peakBytes, aofBufferBytes, backlogBytes, clientsBytes int64
	dbs                                                              []dbOverhead
	overheadBytes, keys, bytesPerKey                                 int64
	datasetBytes                                                     int64
	// datasetPercent and peakPercent, and the ratios, are float32 as in
	// Redis, whose replies print them through a double.
	datasetPercent, peakPercent           float32
	allocated, active, resident, rssBytes int64
	allocatorFragRatio, allocatorRSSRatio float32
	rssOverheadRatio, fragmentationRatio  float32
	totalSystemBytes                      int64
	allocator                             string
}

type dbOverhead struct {
	index                  int
	mainBytes, expireBytes int64
}

// Per-entry overheads Redis reports for a database's two hashtables: a
// dictEntry and a bucket pointer per key.
const (
	dictEntryOverheadBytes = 24 + 8
)

func (n *Node) memoryOverview() memoryOverview {
	o := memoryOverview{usedBytes: n.samplePeakMemory(), peakBytes: n.memory.peakBytes,
		aofBufferBytes: n.aofBufferBytes(), backlogBytes: n.replicationBacklogBytes(), clientsBytes: n.memory.queryBuffersBytes}
	o.overheadBytes = startupMemoryBytes + o.backlogBytes + o.aofBufferBytes + o.clientsBytes
	for i, ks := range n.dbs {
		if ks.size() == 0 {
			continue
		}
		d := dbOverhead{index: i, mainBytes: int64(ks.size()) * dictEntryOverheadBytes, expireBytes: int64(ks.volatile.len()) * dictEntryOverheadBytes}
		o.dbs = append(o.dbs, d)
		o.keys += int64(ks.size())
		o.overheadBytes += d.mainBytes + d.expireBytes
	}
	o.datasetBytes = max(o.usedBytes-o.overheadBytes, 0)
	if o.keys > 0 {
		o.bytesPerKey = (o.usedBytes - startupMemoryBytes) / o.keys
	}
	o.datasetPercent = percentOf(o.datasetBytes, o.usedBytes)
	o.peakPercent = percentOf(o.usedBytes, o.peakBytes)
	o.allocated, o.active, o.resident, o.rssBytes = o.usedBytes, o.usedBytes, o.usedBytes, o.usedBytes
	o.allocator = processMemoryModel
	if p := n.memory.process; n.memory.processKnown {
		o.allocated, o.active, o.resident, o.rssBytes = p.HeapObjectsBytes, p.HeapInUseBytes, p.RuntimeHeldBytes, p.RSSBytes
		o.totalSystemBytes, o.allocator = p.TotalSystemBytes, p.Allocator
	}
	o.allocatorFragRatio = ratioOf(o.active, o.allocated)
	o.allocatorRSSRatio = ratioOf(o.resident, o.active)
	o.rssOverheadRatio = ratioOf(o.rssBytes, o.resident)
	o.fragmentationRatio = ratioOf(o.rssBytes, o.usedBytes)
	return o
}

// percentOf and ratioOf are 0 for a zero whole, as Redis's are only
// because its wholes are never zero.
func percentOf(part, whole int64) float32 {
	if whole == 0 {
		return 0
	}
	return float32(part) * 100 / float32(whole)
}

func ratioOf(a, b int64) float32 {
	if b == 0 {
		return 0
	}
	return float32(a) / float32(b)
}

func (n *Node) memoryStats() resp.Value {
	o := n.memoryOverview()
	var m []resp.Value
	add := func(name string, v resp.Value) { m = append(m, resp.BulkFromString(name), v) }
	addInt := func(name string, v int64) { add(name, resp.Int(v)) }
	addFloat := func(name string, v float32) { add(name, doubleReply(float64(v))) }
	addInt("peak.allocated", o.peakBytes)
	addInt("total.allocated", o.usedBytes)
	addInt("startup.allocated", startupMemoryBytes)
	addInt("replication.backlog", o.backlogBytes)
	addInt("clients.slaves", 0)
	addInt("clients.normal", o.clientsBytes)
	addInt("cluster.links", 0)
	addInt("aof.buffer", o.aofBufferBytes)
	addInt("lua.caches", n.scripting.bodyBytes)
	addInt("functions.caches", n.functions.codeBytes)
	for _, d := range o.dbs {
		add("db."+strconv.Itoa(d.index), resp.Value{Kind: resp.Map, Elems: []resp.Value{
			resp.BulkFromString("overhead.hashtable.main"), resp.Int(d.mainBytes),
			resp.BulkFromString("overhead.hashtable.expires"), resp.Int(d.expireBytes),
			resp.BulkFromString("overhead.hashtable.slot-to-keys"), resp.Int(0),
		}})
	}
	addInt("overhead.total", o.overheadBytes)
	addInt("keys.count", o.keys)
	addInt("keys.bytes-per-key", o.bytesPerKey)
	addInt("dataset.bytes", o.datasetBytes)
	addFloat("dataset.percentage", o.datasetPercent)
	addFloat("peak.percentage", o.peakPercent)
	addInt("allocator.allocated", o.allocated)
	addInt("allocator.active", o.active)
	addInt("allocator.resident", o.resident)
	addFloat("allocator-fragmentation.ratio", o.allocatorFragRatio)
	addInt("allocator-fragmentation.bytes", o.active-o.allocated)
	addFloat("allocator-rss.ratio", o.allocatorRSSRatio)
	addInt("allocator-rss.bytes", o.resident-o.active)
	addFloat("rss-overhead.ratio", o.rssOverheadRatio)
	addInt("rss-overhead.bytes", o.rssBytes-o.resident)
	addFloat("fragmentation", o.fragmentationRatio)
	addInt("fragmentation.bytes", o.rssBytes-o.usedBytes)
	return resp.Value{Kind: resp.Map, Elems: m}
}

// writeMemoryInfo writes INFO's memory section: Redis 7.0's fields in its
// order, from the same overview as MEMORY STATS.
func (n *Node) writeMemoryInfo(field func(name string, value any)) {
	o := n.memoryOverview()
	percent := func(v float32) string { return strconv.FormatFloat(float64(v), 'f', 2, 64) + "%" }
	ratio := func(v float32) string { return strconv.FormatFloat(float64(v), 'f', 2, 64) }
	withHuman := func(name string, v int64) {
		field(name, v)
		field(name+"_human", humanBytes(v))
	}
	withHuman("used_memory", o.usedBytes)
	withHuman("used_memory_rss", o.rssBytes)
	withHuman("used_memory_peak", o.peakBytes)
	field("used_memory_peak_perc", percent(o.peakPercent))
	field("used_memory_overhead", o.overheadBytes)
	field("used_memory_startup", startupMemoryBytes)
	field("used_memory_dataset", o.datasetBytes)
	field("used_memory_dataset_perc", percent(o.datasetPercent))
	field("allocator_allocated", o.allocated)
	field("allocator_active", o.active)
	field("allocator_resident", o.resident)
	withHuman("total_system_memory", o.totalSystemBytes)
	// The Lua VMs' own memory is part of the Go heap and not told apart
	// (0); the cached scripts and the libraries' code are counted.
	scriptBytes := n.scripting.bodyBytes
	functionBytes := n.functions.codeBytes
	field("used_memory_lua", 0)
	field("used_memory_vm_eval", 0)
	field("used_memory_lua_human", humanBytes(0))
	field("used_memory_scripts_eval", scriptBytes)
	field("number_of_cached_scripts", len(n.scripting.scripts))
	field("number_of_functions", len(n.functions.functions))
	field("number_of_libraries", len(n.functions.libraries))
	field("used_memory_vm_functions", 0)
	withHuman("used_memory_vm_total", 0)
	field("used_memory_functions", functionBytes)
	withHuman("used_memory_scripts", scriptBytes+functionBytes)
	withHuman("maxmemory", n.cfg.MaxMemoryBytes)
	field("maxmemory_policy", n.cfg.MaxMemoryPolicy)
	field("allocator_frag_ratio", ratio(o.allocatorFragRatio))
	field("allocator_frag_bytes", o.active-o.allocated)
	field("allocator_rss_ratio", ratio(o.allocatorRSSRatio))
	field("allocator_rss_bytes", o.resident-o.active)
	field("rss_overhead_ratio", ratio(o.rssOverheadRatio))
	field("rss_overhead_bytes", o.rssBytes-o.resident)
	field("mem_fragmentation_ratio", ratio(o.fragmentationRatio))
	field("mem_fragmentation_bytes", o.rssBytes-o.usedBytes)
	field("mem_not_counted_for_evict", o.aofBufferBytes)
	field("mem_replication_backlog", o.backlogBytes)
	field("mem_total_replication_buffers", o.backlogBytes)
	field("mem_clients_slaves", 0)
	field("mem_clients_normal", o.clientsBytes)
	field("mem_cluster_links", 0)
	field("mem_aof_buffer", o.aofBufferBytes)
	field("mem_allocator", o.allocator)
	field("active_defrag_running", 0)
	field("lazyfree_pending_objects", 0)
	field("lazyfreed_objects", 0)
}

// memoryDoctor reports what this node can tell about its memory: used
// memory against maxmemory.
func (n *Node) memoryDoctor() string {
	used := n.maxmemoryCountedBytes()
	max := n.cfg.MaxMemoryBytes
	switch {
	case max == 0:
		return "No memory problems found: used memory is " + humanBytes(used) + " and maxmemory is not set, so nothing will be evicted or refused.\n"
	case used >= max:
		return "Used memory (" + humanBytes(used) + ") is at maxmemory (" + humanBytes(max) + "): writes evict keys by " +
			n.cfg.MaxMemoryPolicy + " or, under noeviction, are refused.\n"
	}
	return "No memory problems found: used memory is " + humanBytes(used) + " of maxmemory " + humanBytes(max) + ".\n"
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
