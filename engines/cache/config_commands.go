package cache

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"syslab/engines/cache/persist"
	"syslab/engines/cache/resp"
	"syslab/node"
)

// CONFIG GET / SET / RESETSTAT over the parameters this node has. Config
// (config.go) is what a node starts with; CONFIG SET changes the running
// node only, as Redis does without CONFIG REWRITE.
var configCommands = []commandSpec{
	{name: "config", arity: -2, run: configCommand},
}

var maxmemoryPolicies = []string{"volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl", "allkeys-lru", "allkeys-lfu", "allkeys-random", "noeviction"}

// configParam is one parameter: how to read it and how to set it (nil set:
// immutable). set returns the reason text of Redis's CONFIG SET error.
type configParam struct {
	get func(n *Node) string
	set func(n *Node, value string) (reason string, ok bool)
	// hidden: only its exact name finds it, as Redis's HIDDEN_CONFIG
	// test hooks (a pattern such as * leaves it out).
	hidden bool
	// protected: only a client enable-protected-configs allows may set it
	// (protected.go).
	protected bool
}

// intConfigParam is a parameter holding 0..INT_MAX, worded as Redis's
// createIntConfig parameters are.
func intConfigParam(field func(n *Node) *int) configParam {
	return intConfigParamFrom(0, field)
}

// intConfigParamFrom is intConfigParam for least..INT_MAX.
func intConfigParamFrom(least int64, field func(n *Node) *int) configParam {
	return configParam{
		get: func(n *Node) string { return strconv.Itoa(*field(n)) },
		set: func(n *Node, v string) (string, bool) {
			i, reason, ok := parseIntConfig(v, least)
			if ok {
				*field(n) = i
			}
			return reason, ok
		},
	}
}

// offableIntConfigParam is a 0..INT_MAX parameter whose 0 turns a
// feature off. Config keeps that as -1, because a Config's 0 means
// Redis's default.
func offableIntConfigParam(field func(n *Node) *int) configParam {
	return configParam{
		get: func(n *Node) string { return strconv.Itoa(max(*field(n), 0)) },
		set: func(n *Node, v string) (string, bool) {
			i, reason, ok := parseIntConfig(v, 0)
			switch {
			case !ok:
			case i == 0:
				*field(n) = -1
			default:
				*field(n) = i
			}
			return reason, ok
		},
	}
}

// parseIntConfig reads a value of least..INT_MAX, with the reasons
// Redis's createIntConfig parameters give when it is not one.
func parseIntConfig(v string, least int64) (int, string, bool) {
	i, ok := resp.ParseInt([]byte(v))
	if !ok {
		return 0, "argument couldn't be parsed into an integer", false
	}
	if i < least || i > 1<<31-1 {
		return 0, "argument must be between " + strconv.FormatInt(least, 10) + " and 2147483647 inclusive", false
	}
	return int(i), "", true
}

// parseInt64Config is parseIntConfig for least..most (Redis's
// createLongLongConfig and createULongConfig parameters go to LLONG_MAX,
// math.MaxInt64).
func parseInt64Config(v string, least, most int64) (int64, string, bool) {
	i, ok := resp.ParseInt([]byte(v))
	if !ok {
		return 0, "argument couldn't be parsed into an integer", false
	}
	if i < least || i > most {
		return 0, "argument must be between " + strconv.FormatInt(least, 10) + " and " + strconv.FormatInt(most, 10) + " inclusive", false
	}
	return i, "", true
}

// memoryConfigParam is a parameter holding bytes, set as Redis's memory
// values are ("100mb", "2gb" or a plain number).
func memoryConfigParam(field func(n *Node) *int64) configParam {
	return configParam{
		get: func(n *Node) string { return strconv.FormatInt(*field(n), 10) },
		set: func(n *Node, v string) (string, bool) {
			bytes, ok := parseMemory(v)
			if !ok {
				return "argument must be a memory value", false
			}
			*field(n) = bytes
			return "", true
		},
	}
}

var configParams = map[string]configParam{
	"maxmemory": memoryConfigParam(func(n *Node) *int64 { return &n.cfg.MaxMemoryBytes }),
	"maxmemory-policy": {
		get: func(n *Node) string { return n.cfg.MaxMemoryPolicy },
		set: func(n *Node, v string) (string, bool) {
			for _, p := range maxmemoryPolicies {
				if strings.EqualFold(v, p) {
					n.cfg.MaxMemoryPolicy = p
					n.applyMaxMemoryPolicy()
					return "", true
				}
			}
			return "argument(s) must be one of the following: " + strings.Join(maxmemoryPolicies, ", "), false
		},
	},
	"maxmemory-samples": intConfigParamFrom(1, func(n *Node) *int { return &n.cfg.MaxMemorySamples }),
	"maxmemory-eviction-tenacity": {
		get: func(n *Node) string { return strconv.Itoa(n.cfg.MaxMemoryEvictionTenacity) },
		set: func(n *Node, v string) (string, bool) {
			i, reason, ok := parseInt64Config(v, 0, evictionTenacityMax)
			if ok {
				n.cfg.MaxMemoryEvictionTenacity = int(i)
			}
			return reason, ok
		},
	},
	"maxclients": intConfigParamFrom(1, func(n *Node) *int { return &n.cfg.MaxClients }),
	"client-output-buffer-limit": {
		get: func(n *Node) string { return n.outputLimitsConfig() },
		set: func(n *Node, v string) (string, bool) { return n.setOutputLimits(v) }, // outputlimits.go
	},
	"client-query-buffer-limit": queryBufferLimitParam, // querybuflimit.go
	"min-replicas-to-write":     intConfigParam(func(n *Node) *int { return &n.cfg.MinReplicasToWrite }),
	"min-replicas-max-lag":      intConfigParam(func(n *Node) *int { return &n.cfg.MinReplicasMaxLagSeconds }),
	"min-slaves-to-write":       intConfigParam(func(n *Node) *int { return &n.cfg.MinReplicasToWrite }),
	"min-slaves-max-lag":        intConfigParam(func(n *Node) *int { return &n.cfg.MinReplicasMaxLagSeconds }),
	"repl-backlog-ttl":          offableIntConfigParam(func(n *Node) *int { return &n.cfg.ReplBacklogTTLSeconds }),
	"repl-backlog-size": {
		get: func(n *Node) string { return strconv.FormatInt(n.cfg.ReplBacklogSizeBytes, 10) },
		set: func(n *Node, v string) (string, bool) {
			size, ok := parseMemory(v)
			if !ok || size < 1 || size > replBacklogBytesMax {
				return "argument must be a memory value between 1 and " + strconv.Itoa(replBacklogBytesMax) + " bytes", false
			}
			// Redis raises a smaller size to its minimum, 16kb.
			n.cfg.ReplBacklogSizeBytes = max(size, replBacklogBytesMin)
			if n.repl.backlog != nil {
				n.repl.backlog.Resize(int(n.cfg.ReplBacklogSizeBytes))
			}
			return "", true
		},
	},
	// Redis's minimum for repl-ping-replica-period is 1; its other name is
	// repl-ping-slave-period.
	"repl-ping-replica-period": replPingPeriodParam,
	"repl-ping-slave-period":   replPingPeriodParam,
	"repl-timeout": {
		get: func(n *Node) string { return strconv.Itoa(int(n.cfg.ReplTimeout / time.Second)) },
		set: func(n *Node, v string) (string, bool) {
			i, reason, ok := parseIntConfig(v, 1)
			if ok {
				n.cfg.ReplTimeout = time.Duration(i) * time.Second
			}
			return reason, ok
		},
	},
	"replica-read-only":        replicaReadOnlyParam,
	"slave-read-only":          replicaReadOnlyParam,
	"replica-serve-stale-data": staleDataParam,
	"slave-serve-stale-data":   staleDataParam,
	"masterauth": {
		get: func(n *Node) string { return n.cfg.MasterAuth },
		set: func(n *Node, v string) (string, bool) { n.cfg.MasterAuth = v; return "", true }, // used from the next connection to the master
	},
	"masteruser": {
		get: func(n *Node) string { return n.cfg.MasterUser },
		set: func(n *Node, v string) (string, bool) { n.cfg.MasterUser = v; return "", true },
	},
	"tracking-table-max-keys": {
		get: func(n *Node) string { return strconv.FormatInt(n.tracking.maxKeys, 10) },
		set: func(n *Node, v string) (string, bool) {
			i, reason, ok := parseInt64Config(v, 0, math.MaxInt64)
			if ok {
				n.tracking.maxKeys = i // applied before the next command (tracking.go)
			}
			return reason, ok
		},
	},
	"hz": {
		get: func(n *Node) string { return strconv.Itoa(n.cfg.Hz) },
		set: func(n *Node, v string) (string, bool) {
			i, ok := resp.ParseInt([]byte(v))
			if !ok {
				return "argument couldn't be parsed into an integer", false
			}
			n.cfg.Hz = int(min(max(i, 1), hzMax)) // Redis clamps
			return "", true
		},
	},
	"requirepass": {
		get: func(n *Node) string { return n.cfg.RequirePass },
		set: func(n *Node, v string) (string, bool) {
			n.cfg.RequirePass = v // clients logged in stay so (auth.go)
			return "", true
		},
	},
	"appendonly": {
		get: func(n *Node) string { return yesNo(n.cfg.AppendOnly) },
		set: func(n *Node, v string) (string, bool) {
			on, ok := parseYesNo(v)
			if !ok {
				return "argument must be 'yes' or 'no'", false
			}
			switch {
			case on == n.cfg.AppendOnly:
			case on:
				if err := n.startAppendOnly(); err != nil { // aofswitch.go
					return "the AOF could not be turned on: " + err.Error(), false
				}
			default:
				n.stopAppendOnly()
			}
			return "", true
		},
	},
	// Read by the next rewrite.
	"aof-use-rdb-preamble":        negatedYesNoParam(func(n *Node) *bool { return &n.cfg.AOFNoRDBPreamble }),
	"auto-aof-rewrite-percentage": offableIntConfigParam(func(n *Node) *int { return &n.cfg.AutoAOFRewritePercentage }),
	"auto-aof-rewrite-min-size":   memoryConfigParam(func(n *Node) *int64 { return &n.cfg.AutoAOFRewriteMinSizeBytes }),
	// Fixed facts of this server, which Redis reports and refuses to change
	// (REPLICAOF changes the master; CONFIG SET cannot).
	"replicaof":      {get: replicaOfConfig},
	"slaveof":        {get: replicaOfConfig},
	"appendfilename": {get: func(*Node) string { return persist.AOFName }},
	"appenddirname":  {get: func(*Node) string { return persist.AOFDirName }},
	"daemonize":      {get: func(*Node) string { return "no" }}, // syslab serve stays in the foreground
	"appendfsync": {
		get: func(n *Node) string { return n.cfg.AppendFsync },
		set: func(n *Node, v string) (string, bool) {
			for _, p := range []string{FsyncEverysec, FsyncAlways, FsyncNo} {
				if strings.EqualFold(v, p) {
					n.setAppendFsync(p)
					return "", true
				}
			}
			return "argument(s) must be one of the following: everysec, always, no", false
		},
	},
	"save": {
		get: func(n *Node) string { return n.cfg.Save },
		set: func(n *Node, v string) (string, bool) {
			fields := strings.Fields(v)
			if len(fields)%2 != 0 {
				return "Invalid save parameters", false
			}
			for _, f := range fields {
				if _, ok := resp.ParseInt([]byte(f)); !ok {
					return "Invalid save parameters", false
				}
			}
			rules, err := parseSaveRules(strings.Join(fields, " "))
			if err != nil {
				return "Invalid save parameters", false
			}
			n.cfg.Save, n.saveRules = strings.Join(fields, " "), rules
			return "", true
		},
	},
	"notify-keyspace-events": {
		get: func(n *Node) string { return formatNotifyFlags(n.notifyFlags) },
		set: func(n *Node, v string) (string, bool) {
			flags, ok := parseNotifyFlags(v)
			if !ok {
				return errNotifyFlags, false
			}
			n.cfg.NotifyKeyspaceEvents, n.notifyFlags = v, flags
			return "", true
		},
	},
	"databases":       {get: func(n *Node) string { return strconv.Itoa(len(n.dbs)) }},
	"cluster-enabled": {get: func(n *Node) string { return yesNo(n.cfg.ClusterEnabled) }},
	// dir and dbfilename name files: protected configs (protected.go).
	"dbfilename": {
		get:       func(n *Node) string { return n.cfg.DBFilename },
		set:       setDBFilename,
		protected: true,
	},
	"dir": {
		get: func(n *Node) string { return n.cfg.Dir },
		// Redis changes its working directory; a node reaches files only
		// through env.Disk, which the adapter opened on its --dir.
		set: func(*Node, string) (string, bool) {
			return "this server's data directory is fixed at start (syslab serve cache --dir)", false
		},
		protected: true,
	},
	"enable-debug-command":     protectedSettingParam(func(n *Node) string { return n.cfg.EnableDebugCommand }),
	"enable-protected-configs": protectedSettingParam(func(n *Node) string { return n.cfg.EnableProtectedConfigs }),
	"enable-module-command":    protectedSettingParam(func(n *Node) string { return n.cfg.EnableModuleCommand }),
}

// negatedYesNoParam is a yes/no parameter whose default is yes, kept in
// Config as its negation so the zero Config means Redis's default.
func negatedYesNoParam(field func(n *Node) *bool) configParam {
	return configParam{
		get: func(n *Node) string { return yesNo(!*field(n)) },
		set: func(n *Node, v string) (string, bool) {
			on, ok := parseYesNo(v)
			if !ok {
				return "argument must be 'yes' or 'no'", false
			}
			*field(n) = !on
			return "", true
		},
	}
}

var (
	replicaReadOnlyParam = negatedYesNoParam(func(n *Node) *bool { return &n.cfg.ReplicaWritable })
	staleDataParam       = negatedYesNoParam(func(n *Node) *bool { return &n.cfg.ReplicaNoStaleData })
)

var replPingPeriodParam = intConfigParamFrom(1, func(n *Node) *int { return &n.cfg.ReplPingReplicaPeriodSeconds })

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func parseYesNo(v string) (bool, bool) {
	switch strings.ToLower(v) {
	case "yes":
		return true, true
	case "no":
		return false, true
	}
	return false, false
}

// setAppendFsync switches the fsync policy, arming the everysec timer the
// first time it is needed.
func (n *Node) setAppendFsync(policy string) {
	n.cfg.AppendFsync = policy
	if policy == FsyncEverysec && n.aof != nil && !n.everysecArmed {
		n.everysecArmed = true
		n.env.After(everysecInterval, n.everysecSync)
	}
}

// parseMemory reads a memory value as Redis's memtoull: a number with an
// optional unit b, k (1000), kb (1024), m, mb, g, gb, case-insensitive.
// ParseMemoryBytes reads a memory size as redis.conf and CONFIG SET spell
// it: plain bytes, or with a unit (k, m, g = powers of 1000; kb, mb, gb =
// powers of 1024), case-insensitive.
func ParseMemoryBytes(v string) (int64, bool) { return parseMemory(v) }

func parseMemory(v string) (int64, bool) {
	lower := strings.ToLower(v)
	units := []struct {
		suffix string
		mul    int64
	}{{"kb", 1 << 10}, {"mb", 1 << 20}, {"gb", 1 << 30}, {"k", 1000}, {"m", 1000 * 1000}, {"g", 1000 * 1000 * 1000}, {"b", 1}}
	mul := int64(1)
	for _, u := range units {
		if strings.HasSuffix(lower, u.suffix) {
			lower, mul = strings.TrimSuffix(lower, u.suffix), u.mul
			break
		}
	}
	n, err := strconv.ParseUint(lower, 10, 63)
	if err != nil || int64(n) > (1<<63-1)/mul {
		return 0, false
	}
	return int64(n) * mul, true
}

func configCommand(c *call) resp.Value {
	sub := strings.ToLower(string(c.args[1]))
	switch sub {
	case "get":
		if len(c.args) < 3 {
			return errSubcommandArity("config", sub)
		}
		return configGet(c)
	case "set":
		if len(c.args) < 4 || len(c.args)%2 != 0 {
			return errSubcommandArity("config", sub)
		}
		return configSet(c)
	case "rewrite":
		if len(c.args) != 2 {
			return errSubcommandArity("config", sub)
		}
		// Settings come from the command line (syslab serve), as when
		// redis-server starts without a file.
		return resp.Err("ERR The server is running without a config file")
	case "resetstat":
		if len(c.args) != 2 {
			return errSubcommandArity("config", sub)
		}
		s := &c.node.stats
		s.Commands, s.ExpiredKeys, s.KeyspaceHits, s.KeyspaceMisses, s.AOFWriteFails = 0, 0, 0, 0, 0
		s.EvictedKeys, s.ConnectionsReceived, s.RejectedConnections = 0, 0, 0
		r := &c.node.repl
		r.fullSyncs, r.partialOK, r.partialErr = 0, 0, 0
		c.node.opsRate = opsRate{} // the next cron tick takes a new baseline
		c.node.cmdStats.reset()
		return resp.OK
	case "help":
		return helpReply(c, configHelp)
	}
	return errUnknownSubcommand(c.args[1], "CONFIG")
}

var configHelp = []string{
	"CONFIG <subcommand> [<arg> ...]. Subcommands here are:",
	"GET <pattern> [<pattern> ...]",
	"    Give the parameters that match the glob patterns, with their values.",
	"SET <parameter> <value> [<parameter> <value> ...]",
	"    Change parameters, all or none.",
	"RESETSTAT",
	"    Zero the counters INFO reports (commands, hits, misses, expired, evicted).",
	"REWRITE",
	"    Write the settings back to the config file (refused: settings come from the command line).",
	"HELP",
	"    Print this help.",
}

// configGet answers a map of every parameter matching any pattern, in
// name order; an exact name is echoed back as given, as Redis does.
func configGet(c *call) resp.Value {
	names := make([]string, 0, len(configParams))
	for name, p := range configParams {
		if !p.hidden {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	seen := map[string]bool{}
	var elems []resp.Value
	for _, pattern := range c.args[2:] {
		lower := []byte(strings.ToLower(string(pattern)))
		if p, ok := configParams[string(lower)]; ok {
			if !seen[string(lower)] {
				seen[string(lower)] = true
				elems = append(elems, resp.Bulk(pattern), resp.BulkFromString(p.get(c.node)))
			}
			continue
		}
		for _, name := range names {
			if !seen[name] && globMatch(lower, []byte(name)) {
				seen[name] = true
				elems = append(elems, resp.BulkFromString(name), resp.BulkFromString(configParams[name].get(c.node)))
			}
		}
	}
	return resp.Value{Kind: resp.Map, Elems: elems}
}

// configSet checks every parameter before changing any, like Redis 7's
// multi-parameter CONFIG SET (which also rolls back on failure).
func configSet(c *call) resp.Value {
	seen := map[string]bool{}
	for j := 2; j < len(c.args); j += 2 {
		name := strings.ToLower(string(c.args[j]))
		p, ok := configParams[name]
		if !ok {
			return resp.Err("ERR Unknown option or number of arguments for CONFIG SET - '" + string(c.args[j]) + "'")
		}
		if p.set == nil {
			return configSetFailed(string(c.args[j]), "can't set immutable config")
		}
		if p.protected && !allowsProtected(c.node.cfg.EnableProtectedConfigs, c.session) {
			return configSetFailed(string(c.args[j]), "can't set protected config")
		}
		if seen[name] {
			return configSetFailed(string(c.args[j]), "duplicate parameter")
		}
		seen[name] = true
	}
	// All or nothing, as Redis: a failed parameter undoes the ones before.
	savedCfg := c.node.cfg
	for j := 2; j < len(c.args); j += 2 {
		name := strings.ToLower(string(c.args[j]))
		if reason, ok := configParams[name].set(c.node, string(c.args[j+1])); !ok {
			c.node.cfg = savedCfg
			c.node.saveRules, _ = parseSaveRules(savedCfg.Save)
			c.node.applyMaxMemoryPolicy()
			c.node.notifyFlags, _ = parseNotifyFlags(savedCfg.NotifyKeyspaceEvents)
			return configSetFailed(string(c.args[j]), reason)
		}
	}
	if seen["maxmemory"] && !c.node.isReplica() {
		// A limit below the memory in use evicts at once, as Redis's
		// updateMaxmemory does, not only before the next command —
		// except inside EXEC, whose commands run as one: there Redis's
		// eviction timer fires after the transaction.
		if c.node.exec == nil {
			c.node.performEvictions()
		} else {
			c.node.env.After(0, c.node.evictAfterTransaction)
		}
	}
	return resp.OK
}

func configSetFailed(name, reason string) resp.Value {
	return resp.Err("ERR CONFIG SET failed (possibly related to argument '" + name + "') - " + reason)
}

// replicaOfConfig is CONFIG GET replicaof: "host port" of the master this
// node follows, "" on a master.
func replicaOfConfig(n *Node) string {
	l := n.repl.link
	if l == nil {
		return ""
	}
	host, port := n.peerAddress(l.master, l.masterPort)
	return host + " " + strconv.Itoa(port)
}

// setDBFilename is CONFIG SET dbfilename: a plain file name, as Redis's
// isValidDBfilename wants, that the node's disk also takes with the
// prefix of the temporary file a snapshot is written to first.
func setDBFilename(n *Node, v string) (string, bool) {
	if strings.ContainsAny(v, `/\`) {
		return "dbfilename can't be a path, just a filename", false
	}
	if err := node.ValidName("temp-bgsave-" + v); err != nil || v == "" {
		return fmt.Sprintf("dbfilename %q is not a file name this server can write", v), false
	}
	n.cfg.DBFilename = v
	return "", true
}
