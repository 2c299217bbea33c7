package cache

import (
	"bytes"
	"strconv"
	"strings"

	"syslab/engines/cache/resp"
)

// Introspection commands (Redis's server.c, object.c, networking.c):
// INFO, TIME, COMMAND, OBJECT, MEMORY USAGE, DEBUG, CLIENT. CONFIG is in
// config_commands.go.
var introspectionCommands = []commandSpec{
	{name: "info", arity: -1, run: infoCommand},
	{name: "time", arity: 1, flags: flagFast, run: timeCommand},
	{name: "command", arity: -1, run: commandCommand},
	{name: "object", arity: -2, flags: flagReadonly, firstKey: 2, lastKey: 2, keyStep: 1, run: objectCommand},
	{name: "memory", arity: -2, flags: flagReadonly, run: memoryCommand},
	{name: "debug", arity: -2, flags: flagProtected, run: debugCommand},
}

// redisVersion is what INFO reports: the Redis this node imitates.
const redisVersion = "7.0.15"

func errUnknownSubcommand(sub []byte, command string) resp.Value {
	return resp.Err("ERR unknown subcommand '" + string(sub[:min(len(sub), unknownArgsBytes)]) + "'. Try " + command + " HELP.")
}

// errSubcommandSyntax is Redis's addReplySubcommandSyntaxError: what a
// command that checks its own subcommands' arguments answers, naming the
// subcommand as it was typed (it cannot tell a wrong name from a wrong
// argument count).
func errSubcommandSyntax(sub []byte, command string) resp.Value {
	return resp.Err("ERR unknown subcommand or wrong number of arguments for '" + string(sub[:min(len(sub), unknownArgsBytes)]) + "'. Try " + command + " HELP.")
}

// checkSubcommand answers an unknown subcommand or a wrong argument count
// as Redis's dispatch of a container command does, for the containers
// that keep their subcommands' arities in a map (FUNCTION, XGROUP, XINFO).
func checkSubcommand(c *call, command string, arities map[string]int) (string, resp.Value, bool) {
	sub := strings.ToLower(string(c.args[1]))
	arity, known := arities[sub]
	if !known {
		return sub, errUnknownSubcommand(c.args[1], strings.ToUpper(command)), false
	}
	if !(&commandSpec{arity: arity}).arityOK(len(c.args)) {
		return sub, errSubcommandArity(command, sub), false
	}
	return sub, resp.Value{}, true
}

func errSubcommandArity(command, sub string) resp.Value {
	return resp.Err("ERR wrong number of arguments for '" + command + "|" + sub + "' command")
}

// infoSections lists the sections INFO knows, in Redis 7.0's order, and
// whether each is in the default set (INFO, INFO default); "all" adds the
// others, "everything" too (there are no modules to add).
var infoSections = []struct {
	name      string
	isDefault bool
}{
	{"server", true}, {"clients", true}, {"memory", true}, {"persistence", true}, {"stats", true},
	{"replication", true}, {"cpu", true}, {"modules", true}, {"commandstats", false}, {"errorstats", true},
	{"latencystats", false}, {"cluster", true}, {"keyspace", true},
}

func infoCommand(c *call) resp.Value {
	wanted := map[string]bool{}
	addAll := func(defaultsOnly bool) {
		for _, s := range infoSections {
			if s.isDefault || !defaultsOnly {
				wanted[s.name] = true
			}
		}
	}
	if len(c.args) == 1 {
		addAll(true)
	}
	for _, arg := range c.args[1:] {
		switch name := strings.ToLower(string(arg)); name {
		case "all", "everything":
			addAll(false)
		case "default":
			addAll(true)
		default:
			wanted[name] = true
		}
	}
	var b strings.Builder
	for _, section := range infoSections { // fixed order, never map order
		if !wanted[section.name] {
			continue
		}
		if b.Len() > 0 {
			b.WriteString("\r\n")
		}
		title := strings.ToUpper(section.name[:1]) + section.name[1:]
		if section.name == "cpu" {
			title = "CPU"
		}
		b.WriteString("# " + title + "\r\n")
		c.node.writeInfoSection(&b, section.name, c.nowMillis)
	}
	return resp.Value{Kind: resp.Verbatim, Str: []byte(b.String())}
}

func (n *Node) writeInfoSection(b *strings.Builder, section string, nowMillis int64) {
	field := func(name string, value any) {
		b.WriteString(name)
		b.WriteByte(':')
		switch v := value.(type) {
		case string:
			b.WriteString(v)
		case int:
			b.WriteString(strconv.Itoa(v))
		case int64:
			b.WriteString(strconv.FormatInt(v, 10))
		}
		b.WriteString("\r\n")
	}
	switch section {
	case "server":
		uptimeSeconds := (nowMillis - n.startMillis) / 1000
		// Process facts come from the adapter (ProcessStats); a node in
		// the simulator has none and shows Redis's "unknown" zeros.
		process := n.memory.process
		field("redis_version", redisVersion)
		field("redis_git_sha1", "00000000") // what a build without git shows
		field("redis_git_dirty", 0)
		field("redis_mode", map[bool]string{false: "standalone", true: "cluster"}[n.cfg.ClusterEnabled])
		field("os", process.OS)
		field("arch_bits", 64)
		field("process_id", process.ProcessID)
		field("process_supervised", "no")
		field("run_id", n.runID())
		field("tcp_port", process.TCPPort)
		field("server_time_usec", nowMillis*1000)
		field("uptime_in_seconds", uptimeSeconds)
		field("uptime_in_days", uptimeSeconds/86400)
		field("hz", n.cfg.Hz)
		field("configured_hz", n.cfg.Hz)
		field("lru_clock", (nowMillis/1000)&lruClockMax) // seconds, as LRU_CLOCK_RESOLUTION 1000
		field("executable", process.Executable)
		field("config_file", "")
		field("io_threads_active", 0)
	case "clients":
		// The node knows only clients with session state (SELECT, MULTI,
		// WATCH, SETNAME); the others leave no trace until they do.
		field("connected_clients", len(n.sessions))
		field("maxclients", n.cfg.MaxClients)
		field("client_recent_max_input_buffer", n.largestQueryBufferBytes())
		field("client_recent_max_output_buffer", n.largestOutputBufferBytes())
		// The test suites of clients and of Redis itself wait on this
		// field to know a BLPOP has reached the server. Clients held by
		// CLIENT PAUSE count as blocked, as Redis's postponed clients do.
		field("blocked_clients", n.BlockedClients()+n.heldClients())
		field("tracking_clients", len(n.tracking.clients))
	case "memory":
		n.writeMemoryInfo(field) // memorystats.go
	case "persistence":
		n.writePersistenceInfo(field) // persistinfo.go
	case "stats":
		field("total_connections_received", n.stats.ConnectionsReceived)
		field("total_commands_processed", n.stats.Commands)
		field("instantaneous_ops_per_sec", n.opsRate.perSec())
		field("rejected_connections", n.stats.RejectedConnections)
		field("sync_full", n.repl.fullSyncs)
		field("sync_partial_ok", n.repl.partialOK)
		field("sync_partial_err", n.repl.partialErr)
		field("expired_keys", n.stats.ExpiredKeys)
		field("evicted_keys", n.stats.EvictedKeys)
		field("keyspace_hits", n.stats.KeyspaceHits)
		field("keyspace_misses", n.stats.KeyspaceMisses)
		field("pubsub_channels", len(n.pubsub.channels))
		field("pubsub_patterns", len(n.pubsub.patternOrder))
		field("pubsubshard_channels", len(n.pubsub.shards))
		// Snapshots are written by the node itself, a slice per tick
		// (snapshot.go): there is never a fork.
		field("latest_fork_usec", 0)
		field("total_forks", 0)
		// MIGRATE keeps no connections: the node sends to its peer as
		// it sends any message (migrate.go).
		field("migrate_cached_sockets", 0)
		trackingKeys := 0
		if n.tracking.keys != nil {
			trackingKeys = n.tracking.keys.Len()
		}
		field("tracking_total_keys", trackingKeys)
		field("tracking_total_items", n.tracking.items)
		field("tracking_total_prefixes", len(n.tracking.prefixOrder))
		field("unexpected_error_replies", 0)
		field("total_error_replies", n.cmdStats.errorReplies)
	case "replication":
		n.writeReplicationInfo(field) // replication.go
	case "cpu":
		// The adapter's measurement (memorystats.go); 0 in the simulator.
		// A Go process has no main thread running the node, so the
		// main-thread figures are 0.
		p := n.memory.process
		seconds := func(v float64) string { return strconv.FormatFloat(v, 'f', 6, 64) }
		field("used_cpu_sys", seconds(p.CPUSysSeconds))
		field("used_cpu_user", seconds(p.CPUUserSeconds))
		field("used_cpu_sys_children", seconds(p.CPUSysChildrenSeconds))
		field("used_cpu_user_children", seconds(p.CPUUserChildrenSeconds))
		field("used_cpu_sys_main_thread", seconds(0))
		field("used_cpu_user_main_thread", seconds(0))
	case "commandstats":
		n.writeCommandStats(field) // cmdstats.go
	case "errorstats":
		n.writeErrorStats(field)
	case "latencystats":
		n.writeLatencyStats(field) // latencystats.go
	case "cluster":
		field("cluster_enabled", boolInt(n.cfg.ClusterEnabled))
	case "keyspace":
		for i, ks := range n.dbs {
			if ks.size() == 0 {
				continue
			}
			b.WriteString("db" + strconv.Itoa(i) + ":keys=" + strconv.Itoa(ks.size()) + ",expires=" + strconv.Itoa(ks.volatile.len()) +
				",avg_ttl=" + strconv.FormatInt(ks.avgTTLMillis(nowMillis), 10) + "\r\n")
		}
	}
}

// avgTTLSampleKeys bounds the keys INFO looks at for avg_ttl, which Redis
// also only estimates (from the expiry cycle's samples).
const avgTTLSampleKeys = 100

func (ks *keyspace) avgTTLMillis(nowMillis int64) int64 {
	var sum, count int64
	for _, key := range ks.volatile.keys[:min(len(ks.volatile.keys), avgTTLSampleKeys)] {
		if e, ok := ks.dict.Get(key); ok && e.expireAtMillis > nowMillis {
			sum += e.expireAtMillis - nowMillis
			count++
		}
	}
	if count == 0 {
		return 0
	}
	return sum / count
}

// humanBytes prints like Redis's bytesToHuman: B, K, M, G with two decimals.
func humanBytes(n int64) string {
	f := float64(n)
	switch {
	case n < 1024:
		return strconv.FormatInt(n, 10) + "B"
	case n < 1024*1024:
		return strconv.FormatFloat(f/1024, 'f', 2, 64) + "K"
	case n < 1024*1024*1024:
		return strconv.FormatFloat(f/(1024*1024), 'f', 2, 64) + "M"
	}
	return strconv.FormatFloat(f/(1024*1024*1024), 'f', 2, 64) + "G"
}

func timeCommand(c *call) resp.Value {
	now := c.node.env.Now()
	return resp.ArrayOf(resp.BulkFromString(strconv.FormatInt(now.Unix(), 10)),
		resp.BulkFromString(strconv.Itoa(now.Nanosecond()/1000)))
}

// sharedIntegersMax: Redis shares the objects of the integers 0..9999, and
// OBJECT REFCOUNT answers INT_MAX for them.
const sharedIntegersMax = 10000

// lruClockMax is Redis's LRU_CLOCK_MAX: INFO's lru_clock wraps at 24 bits.
const lruClockMax = 1<<24 - 1

// runID is INFO's run_id, 40 random hex digits as Redis's, drawn when
// first asked for (as the replication id) so a node that is never asked
// draws nothing from its random source.
func (n *Node) runID() string {
	if n.runIDHex == "" {
		n.runIDHex = newReplID(n.env) // replication.go: the same shape
	}
	return n.runIDHex
}

func objectCommand(c *call) resp.Value {
	sub := strings.ToLower(string(c.args[1]))
	switch sub {
	case "encoding", "freq", "idletime", "refcount":
	case "help":
		return helpReply(c, objectHelp) // memorystats.go
	default:
		return errUnknownSubcommand(c.args[1], "OBJECT")
	}
	if len(c.args) != 3 {
		return errSubcommandArity("object", sub)
	}
	e := c.db.lookupNoTouch(c.args[2], c.nowMillis)
	if e == nil {
		return resp.NullBulk
	}
	lfu := c.node.policy.kind == policyLFU
	switch sub {
	case "encoding":
		return resp.BulkFromString(e.value.encoding())
	case "freq":
		if !lfu {
			return resp.Err("ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.")
		}
		return resp.Int(int64(e.lfu))
	case "idletime":
		if lfu {
			return resp.Err("ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.")
		}
		return resp.Int(max(c.nowMillis-e.lruMillis, 0) / 1000)
	}
	if s, ok := e.value.(*stringObject); ok && s.sharedInteger() {
		return resp.Int(1<<31 - 1) // OBJ_SHARED_REFCOUNT
	}
	return resp.Int(1)
}

// memoryCommand is MEMORY USAGE key [SAMPLES n]: the bytes the key is
// charged for (the running estimate, never a walk of the value).
func memoryCommand(c *call) resp.Value {
	sub := strings.ToLower(string(c.args[1]))
	if sub != "usage" {
		return memoryInfoCommand(c, sub) // memorystats.go
	}
	if len(c.args) < 3 {
		return errSubcommandArity("memory", sub)
	}
	if len(c.args) != 3 && (len(c.args) != 5 || !bytes.EqualFold(c.args[3], []byte("samples"))) {
		return resp.Err(errSyntax)
	}
	if len(c.args) == 5 {
		// Checked as Redis does, though the estimate samples nothing.
		samples, ok := resp.ParseInt(c.args[4])
		if !ok {
			return resp.Err(errNotInteger)
		}
		if samples < 0 {
			return resp.Err(errSyntax)
		}
	}
	e := c.db.lookupNoTouch(c.args[2], c.nowMillis)
	if e == nil {
		return resp.NullBulk
	}
	return resp.Int(e.accountedBytes)
}

// redisVersionNum is redisVersion as Redis's REDIS_VERSION_NUM: 0x00MMmmpp.
const redisVersionNum = 7<<16 | 0<<8 | 15
