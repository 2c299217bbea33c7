package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"

	"syslab/engines/cache"
	"syslab/engines/cache/cluster"
	"syslab/engines/cache/server"
	"syslab/node"
)

var serveCommand = command{
	name:     "serve",
	synopsis: "<engine> [flags]",
	summary:  "run one engine as an ordinary server until SIGINT or SIGTERM (engines: " + strings.Join(serveEngineNames(), ", ") + ")",
	run:      runServe,
}

// serveEngine runs one engine's real server. The other engines (metrics,
// flags, iam, autocomplete) join this table as their servers are written.
type serveEngine struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, stderr io.Writer) error
}

var serveEngines = []serveEngine{
	{name: "cache", summary: "Redis-compatible cache speaking RESP (redis-cli, go-redis)", run: serveCache},
}

func serveEngineNames() []string {
	names := make([]string, len(serveEngines))
	for i, e := range serveEngines {
		names[i] = e.name
	}
	return names
}

func runServe(ctx context.Context, _ *flag.FlagSet, args []string, _, stderr io.Writer) error {
	if len(args) == 0 {
		return usagef("missing engine; one of: %s", strings.Join(serveEngineNames(), ", "))
	}
	if args[0] == "-h" || args[0] == "-help" || args[0] == "--help" {
		fmt.Fprintf(stderr, "usage: syslab serve <engine> [flags]\n\nengines:\n")
		for _, e := range serveEngines {
			fmt.Fprintf(stderr, "  %-7s %s\n", e.name, e.summary)
		}
		fmt.Fprintf(stderr, "\nrun 'syslab serve <engine> -h' for an engine's flags\n")
		return errHelpPrinted
	}
	for _, e := range serveEngines {
		if e.name == args[0] {
			return e.run(ctx, args[1:], stderr)
		}
	}
	return usagef("unknown engine %q; one of: %s", args[0], strings.Join(serveEngineNames(), ", "))
}

func serveCache(ctx context.Context, args []string, stderr io.Writer) error {
	fs := newFlagSet("syslab serve cache", "[flags]",
		"Serve the Redis-compatible cache on a TCP address; the append-only file and dump.rdb live in --dir.", stderr)
	addr := fs.String("addr", "127.0.0.1:6379", "TCP `address` to listen on (port 0 picks a free one)")
	dir := fs.String("dir", "data", "`directory` for the append-only file and dump.rdb")
	appendOnly := fs.String("appendonly", "no", "log every write to the append-only file: yes|no")
	appendFsync := fs.String("appendfsync", cache.FsyncEverysec, "when the append-only file is synced: always|everysec|no")
	save := fs.String("save", cache.DefaultSave, "snapshot rules `\"<seconds> <changes> …\"` (Redis's default); \"\" for no snapshots")
	requirePass := fs.String("requirepass", "", "`password` clients must give (AUTH, HELLO … AUTH) before other commands; empty: none")
	maxMemory := fs.String("maxmemory", "0", "memory limit, as Redis counts used_memory (100mb, 2gb, bytes); 0 = no limit")
	maxMemoryPolicy := fs.String("maxmemory-policy", cache.PolicyNoEviction, "what goes when over --maxmemory: noeviction, allkeys-lru|lfu|random, volatile-lru|lfu|random|ttl")
	notifyEvents := fs.String("notify-keyspace-events", "", "keyspace notification classes in Redis's letters (\"KEA\", \"Ex\"); \"\" for none")
	ioThreads := fs.Int("io-threads", 1, "event loops serving connections (Redis's io-threads): each reads, parses and writes for its share on its own thread; commands still run one at a time")
	replicaOf := fs.String("replicaof", "", "follow the master at `\"<host> <port>\"` from start (redis-server, or another syslab server), as REPLICAOF does; \"\" for a master")
	masterAuth := fs.String("masterauth", "", "`password` this replica gives its master (AUTH); empty: none")
	masterUser := fs.String("masteruser", "", "`user` name this replica gives its master with --masterauth; empty: the default user")
	maxClients := fs.Int("maxclients", 10000, "connections served at once; one more is refused with Redis's \"max number of clients reached\" (maxclients)")
	outputLimits := fs.String("client-output-buffer-limit", "", "output buffer limits in Redis's form, `\"<class> <hard> <soft> <seconds> …\"` (classes normal, replica, pubsub; \"pubsub 64mb 16mb 90\"); classes not named keep Redis's defaults")
	enableDebug := fs.String("enable-debug-command", cache.ProtectedNo, "who may run DEBUG: no, yes, or local (loopback and unix-socket clients), as Redis's enable-debug-command")
	enableProtected := fs.String("enable-protected-configs", cache.ProtectedNo, "who may CONFIG SET dir and dbfilename: no, yes, or local, as Redis's enable-protected-configs")
	enableModule := fs.String("enable-module-command", cache.ProtectedNo, "Redis's enable-module-command, reported by CONFIG GET (this server has no MODULE command): no, yes or local")
	gcPercent := fs.Int("gogc", -1, fmt.Sprintf("Go garbage collector target `percent` (GOGC), raised while the live heap is small to leave at least %d MiB between collections; -1 = %d; a GOGC environment variable wins and turns the raising off", gcHeadroomMinBytes>>20, serveGCPercentDefault))
	var settings []string
	fs.Func("set", "set an encoding threshold or stream node limit at start, as CONFIG SET would, `\"<name> <value>\"` (\"stream-node-max-entries 10\", \"hash-max-listpack-entries 64\"); repeatable, applied in order", func(v string) error {
		settings = append(settings, v)
		return nil
	})
	clusterFlags := addClusterServeFlags(fs)
	obs := addObserveFlags(fs, "syslab.cache")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	if err := obs.validate(); err != nil {
		return err
	}
	appendOnlyOn, err := parseYesNo("appendonly", *appendOnly)
	if err != nil {
		return err
	}
	maxMemoryBytes, ok := cache.ParseMemoryBytes(*maxMemory)
	if !ok {
		return usagef("invalid value %q for --maxmemory: want bytes or a size such as 100mb", *maxMemory)
	}
	cfg := server.Config{
		Addr: *addr,
		Dir:  *dir,
		Cache: cache.Config{
			AppendOnly:      appendOnlyOn,
			AppendFsync:     *appendFsync,
			RequirePass:     *requirePass,
			Hz:              10,
			Databases:       16,
			Save:            *save,
			MaxMemoryBytes:  maxMemoryBytes,
			MaxMemoryPolicy: *maxMemoryPolicy,

			NotifyKeyspaceEvents: *notifyEvents,
			MasterAuth:           *masterAuth,
			MasterUser:           *masterUser,

			Settings:                settings,
			MaxClients:              *maxClients,
			ClientOutputBufferLimit: *outputLimits,
			EnableDebugCommand:      *enableDebug,
			EnableProtectedConfigs:  *enableProtected,
			EnableModuleCommand:     *enableModule,
		},
		Log:       stderr,
		IOThreads: *ioThreads,
	}
	if *maxClients < 1 {
		return usagef("invalid value %d for --maxclients: want at least 1", *maxClients)
	}
	if *ioThreads < 1 || *ioThreads > 128 {
		return usagef("invalid value %d for --io-threads: want 1 to 128", *ioThreads)
	}
	clusterNode, clustered, err := clusterFlags.resolve(*addr)
	if err != nil {
		return err
	}
	if clustered {
		cfg.BusAddr, cfg.BusID = clusterNode.busListen, clusterNode.busID
		cfg.Cache.ClusterEnabled = true
		cfg.Cache.Cluster = cluster.Config{
			NodeTimeout:     clusterNode.nodeTimeout,
			ConfigFile:      clusterNode.configFile,
			AnnounceIP:      clusterNode.announceIP,
			AnnouncePort:    clusterNode.announcePort,
			AnnounceBusPort: clusterNode.announceBusPort,
			// A peer's bus node.ID is its bus address, which the live
			// runtime dials (server.Config.BusAddr turns on DialByID).
			BusID: busNodeID,
		}
	}
	if *replicaOf != "" {
		master, err := parseReplicaOf(*replicaOf)
		if err != nil {
			return err
		}
		cfg.Cache.ReplicaOf = master
	}
	if err := cfg.Cache.Validate(); err != nil {
		return usagef("%v", err)
	}
	if err := os.MkdirAll(cfg.Dir, 0o755); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	if *gcPercent < -1 {
		return usagef("invalid value %d for --gogc: want a percentage, or -1 for the default", *gcPercent)
	}
	restoreGC := tuneServeGC(*gcPercent, maxMemoryBytes, stderr)
	defer restoreGC()
	restoreProcs := ensureProcsForLoops(*ioThreads, stderr)
	defer restoreProcs()
	stopObserving, err := obs.start(stderr)
	if err != nil {
		return err
	}
	cfg.Metrics = obs.metrics
	err = server.Run(ctx, cfg)
	if errors.Is(err, context.Canceled) {
		err = nil // SIGINT or SIGTERM: a clean shutdown
	}
	return errors.Join(err, stopObserving())
}

// parseReplicaOf reads --replicaof "<host> <port>" (redis.conf's spelling)
// into the master's name on a standalone server, "host:port".
func parseReplicaOf(value string) (node.ID, error) {
	fields := strings.Fields(value)
	if len(fields) != 2 {
		return "", usagef("invalid value %q for --replicaof: want \"<host> <port>\"", value)
	}
	port, err := strconv.Atoi(fields[1])
	if err != nil || port < 1 || port > 65535 {
		return "", usagef("invalid value %q for --replicaof: the port must be 1 to 65535", value)
	}
	return node.ID(net.JoinHostPort(fields[0], strconv.Itoa(port))), nil
}

// parseYesNo reads a boolean the way redis.conf spells it.
func parseYesNo(flagName, value string) (bool, error) {
	switch strings.ToLower(value) {
	case "yes":
		return true, nil
	case "no":
		return false, nil
	}
	return false, usagef("invalid value %q for --%s: want yes or no", value, flagName)
}
