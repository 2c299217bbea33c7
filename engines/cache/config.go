package cache

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"syslab/engines/cache/cluster"
	"syslab/node"
)

// Config is the cache node's configuration; the zero value is valid and
// means Redis's defaults with persistence off.
type Config struct {
	// AppendOnly turns the append-only file on (appendonly yes).
	AppendOnly bool
	// RequirePass is the default user's password (requirepass); empty:
	// none, every client is authenticated (auth.go).
	RequirePass string
	// AppendFsync is when the AOF is synced: "always" (before the reply),
	// "everysec" (default) or "no" (left to the OS).
	AppendFsync string
	// Hz is how many times a second background work (active expiry, AOF
	// sync retries) runs; Redis's default is 10, its range 1..500.
	Hz int
	// Databases is the number of logical databases SELECT can choose from;
	// Redis's default is 16.
	Databases int

	// Save holds the automatic snapshot rules, Redis's "save" directive:
	// pairs of "<seconds> <changes>" — snapshot (BGSAVE) when at least
	// <changes> writes happened and <seconds> passed since the last
	// snapshot. "" means no automatic snapshots, so the zero Config keeps
	// persistence off; DefaultSave is Redis's default.
	Save string
	// PeersByAddress makes MIGRATE's host and port name the target as
	// "host:port" — a standalone server, whose adapter turns the
	// MigrateRequest into RESTOREs to a RESP server there. Otherwise
	// (the simulator) the host alone is the target node's ID; cluster
	// mode maps addresses to its peers itself.
	PeersByAddress bool
	// Dir is the data directory as the adapter opened it, reported by
	// CONFIG GET dir; the node itself reaches files only through
	// env.Disk. "" in the simulator.
	Dir string
	// DBFilename is the snapshot's file name; "" means "dump.rdb". The
	// node loads it at start unless AppendOnly is set.
	DBFilename string
	// EnableDebugCommand, EnableProtectedConfigs and EnableModuleCommand
	// are Redis's enable-* settings (protected.go): "no" (or ""), "yes" or
	// "local". They decide who may run DEBUG and set dir and dbfilename;
	// this node has no MODULE command, so the third is only reported.
	EnableDebugCommand, EnableProtectedConfigs, EnableModuleCommand string
	// AOFNoRDBPreamble writes AOF bases as commands instead of RDB
	// (aof-use-rdb-preamble no; Redis's default is yes).
	AOFNoRDBPreamble bool
	// AutoAOFRewritePercentage rewrites the AOF once it grew by this
	// percentage over its size after the last rewrite; 0 means Redis's
	// default, 100, and a negative value turns automatic rewrites off
	// (Redis's 0).
	AutoAOFRewritePercentage int
	// AutoAOFRewriteMinSizeBytes is the AOF size below which it is never
	// rewritten automatically; 0 means Redis's default, 64 MiB.
	AutoAOFRewriteMinSizeBytes int64
	// MaxMemoryBytes is maxmemory: the used memory (memory.go: Redis's
	// start-up memory included, as Redis counts it) past which keys are
	// evicted before each command; 0 means no limit.
	MaxMemoryBytes int64
	// MaxMemoryPolicy is maxmemory-policy: which keys go when over the
	// limit (evict.go); default noeviction.
	MaxMemoryPolicy string
	// MaxMemorySamples is maxmemory-samples: keys sampled per database
	// per eviction by the LRU, LFU and TTL policies; default 5, 1..64.
	MaxMemorySamples int

	// MaxMemoryEvictionTenacity is maxmemory-eviction-tenacity, 0..100:
	// how long one command's eviction may run before the rest is left to
	// a timer (evict.go); 0 here means Redis's default, 10, and a negative
	// value means 0.
	MaxMemoryEvictionTenacity int
	// MaxClients is maxclients: a connection an adapter introduces
	// (Connected) while this many clients are connected is refused; 0
	// means Redis's default, 10000. Simulated clients, which never
	// connect, are not counted against it.
	MaxClients int
	// Settings are the encoding thresholds and stream node limits to set
	// at start, in order, each "name value" as CONFIG SET takes it
	// ("stream-node-max-entries 10"). They are applied before anything is
	// loaded, so collections read from disk use them. Validate checks the
	// names; a value CONFIG SET would refuse makes the node refuse service
	// with the reason.
	Settings []string
	// ClientOutputBufferLimit is client-output-buffer-limit at start, in
	// Redis's form ("pubsub 64mb 16mb 90"; classes not named keep Redis's
	// defaults); "" leaves them all (outputlimits.go).
	ClientOutputBufferLimit string
	// ScriptStepsMax is how many Lua instructions one script may run
	// before it is stopped with an error (scripting.go); 0 means no bound
	// where scripts can be killed (scriptbusy.go), else
	// defaultScriptStepsMax.
	ScriptStepsMax int64

	// NotifyKeyspaceEvents is notify-keyspace-events: the classes of
	// keyspace notifications published (notify.go), in Redis's letters
	// ("KEA", "Kx", …); "" (the default) publishes none.
	NotifyKeyspaceEvents string

	// ReplicaOf makes the node a replica of that node (replicaof; on a
	// standalone server "host:port", see PeersByAddress), which
	// it follows from start; "" means a master.
	ReplicaOf node.ID
	// ReplBacklogSizeBytes is repl-backlog-size: how much of its
	// replication stream a master keeps for partial resyncs; 0 means
	// Redis's default, 1 MiB.
	ReplBacklogSizeBytes int64
	// ReplTimeout is repl-timeout: a replica that hears nothing from its
	// master for this long, or a master that gets no ack from a replica,
	// calls the link down; 0 means Redis's default, 60 s.
	ReplTimeout time.Duration
	// MinReplicasToWrite is min-replicas-to-write: a master refuses writes
	// (NOREPLICAS) unless this many replicas are online with a lag of at
	// most MinReplicasMaxLagSeconds; 0 turns the check off.
	MinReplicasToWrite int
	// MinReplicasMaxLagSeconds is min-replicas-max-lag; 0 means 10.
	MinReplicasMaxLagSeconds int
	// ReplPingReplicaPeriodSeconds is repl-ping-replica-period: how often
	// a master with replicas puts a PING into its stream; 0 means 10.
	ReplPingReplicaPeriodSeconds int
	// MasterUser and MasterAuth are masteruser and masterauth: the login a
	// replica gives a master it reaches over a socket ("" for none).
	MasterUser, MasterAuth string
	// ReplicaNoStaleData is replica-serve-stale-data no: a replica whose
	// link is down answers MASTERDOWN instead of serving its data.
	ReplicaNoStaleData bool
	// ReplBacklogTTLSeconds is repl-backlog-ttl: a master without
	// replicas for this long frees its backlog; 0 here means Redis's
	// default, 3600; a negative value keeps the backlog for good (CONFIG
	// SET repl-backlog-ttl 0).
	ReplBacklogTTLSeconds int
	// ReplicaWritable is replica-read-only no: a replica takes writes from
	// its own clients (replication_writable.go).
	ReplicaWritable bool
	// limits are the collection encoding thresholds (encoding.go): not
	// part of a scenario's configuration; Redis's defaults at start, then
	// CONFIG SET.
	limits encodingLimits
	// Bugs plant test-only mistakes (bugs.go); production leaves them off.
	Bugs Bugs
	// ClusterEnabled is cluster-enabled yes: the node is a Redis Cluster
	// node (cluster.go), configured by Cluster (node timeout, coverage,
	// announced address, nodes.conf name, planted bugs).
	ClusterEnabled bool
	Cluster        cluster.Config
}

// DefaultSave is Redis's default "save" rule set.
const DefaultSave = "3600 1 300 100 60 10000"

const (
	defaultHz                     = 10
	hzMax                         = 500
	defaultDatabases              = 16
	defaultDBFilename             = "dump.rdb"
	defaultAOFRewritePercentage   = 100
	defaultAOFRewriteMinSizeBytes = 64 << 20
	databasesMax                  = 1 << 16
	// defaultMaxMemorySamples and maxMemorySamplesMax are Redis's default
	// and range for maxmemory-samples.
	defaultMaxMemorySamples = 5
	// defaultMaxClients is Redis's maxclients default.
	defaultMaxClients   = 10000
	maxMemorySamplesMax = 64
	// replBacklogBytesMax bounds repl-backlog-size (1 GiB): the backlog is
	// allocated whole when the first replica attaches.
	replBacklogBytesMax = 1 << 30
)

// Fsync policies for Config.AppendFsync.
const (
	FsyncAlways   = "always"
	FsyncEverysec = "everysec"
	FsyncNo       = "no"
)

// Validate reports the first invalid field. Zero values are valid: they
// stand for the defaults.
func (c Config) Validate() error {
	switch c.AppendFsync {
	case "", FsyncAlways, FsyncEverysec, FsyncNo:
	default:
		return fmt.Errorf("cache config: appendfsync %q: must be always, everysec or no", c.AppendFsync)
	}
	if c.Hz < 0 || c.Hz > hzMax {
		return fmt.Errorf("cache config: hz %d: must be between 1 and %d (0 means %d)", c.Hz, hzMax, defaultHz)
	}
	if c.Databases < 0 || c.Databases > databasesMax {
		return fmt.Errorf("cache config: databases %d: must be between 1 and %d (0 means %d)", c.Databases, databasesMax, defaultDatabases)
	}
	if _, ok := parseNotifyFlags(c.NotifyKeyspaceEvents); !ok {
		return fmt.Errorf("cache config: notify-keyspace-events %q: %s", c.NotifyKeyspaceEvents, errNotifyFlags)
	}
	startSettings := encodingParams()
	for _, setting := range c.Settings {
		name, _, _ := strings.Cut(setting, " ")
		if _, known := startSettings[strings.ToLower(name)]; !known {
			return fmt.Errorf("cache config: setting %q: %q is not an encoding or stream-node setting (the others have flags of their own)", setting, name)
		}
	}
	if _, reason, ok := parseOutputLimits(defaultOutputLimits, c.ClientOutputBufferLimit); !ok {
		return fmt.Errorf("cache config: client-output-buffer-limit %q: %s", c.ClientOutputBufferLimit, reason)
	}
	if _, err := parseSaveRules(c.Save); err != nil {
		return fmt.Errorf("cache config: save %q: %v", c.Save, err)
	}
	if c.DBFilename != "" {
		if err := node.ValidName(c.DBFilename); err != nil {
			return fmt.Errorf("cache config: dbfilename: %v", err)
		}
	}
	for _, setting := range []struct{ name, value string }{
		{"enable-debug-command", c.EnableDebugCommand},
		{"enable-protected-configs", c.EnableProtectedConfigs},
		{"enable-module-command", c.EnableModuleCommand},
	} {
		if err := validProtectedSetting(setting.name, setting.value); err != nil {
			return err
		}
	}
	if c.AutoAOFRewriteMinSizeBytes < 0 {
		return fmt.Errorf("cache config: auto-aof-rewrite-min-size %d: must not be negative", c.AutoAOFRewriteMinSizeBytes)
	}
	if c.MaxMemoryBytes < 0 {
		return fmt.Errorf("cache config: maxmemory %d: must not be negative (0 means no limit)", c.MaxMemoryBytes)
	}
	if c.MaxMemoryPolicy != "" && !slices.Contains(maxMemoryPolicies, c.MaxMemoryPolicy) {
		return fmt.Errorf("cache config: maxmemory-policy %q: must be one of %s", c.MaxMemoryPolicy, strings.Join(maxMemoryPolicies, ", "))
	}
	if c.ReplicaOf != "" {
		// A node's name, or a standalone server's master "host:port".
		if _, _, isAddr := splitHostPort(c.ReplicaOf); !isAddr {
			if err := node.ValidName(string(c.ReplicaOf)); err != nil {
				return fmt.Errorf("cache config: replicaof: %v", err)
			}
		}
	}
	if c.ReplBacklogSizeBytes < 0 || c.ReplBacklogSizeBytes > replBacklogBytesMax {
		return fmt.Errorf("cache config: repl-backlog-size %d: must be between 1 and %d bytes (0 means 1mb)", c.ReplBacklogSizeBytes, replBacklogBytesMax)
	}
	if c.ReplTimeout < 0 {
		return fmt.Errorf("cache config: repl-timeout %s: must not be negative (0 means 60s)", c.ReplTimeout)
	}
	if c.ReplPingReplicaPeriodSeconds < 0 {
		return fmt.Errorf("cache config: repl-ping-replica-period %d: must not be negative (0 means %d)", c.ReplPingReplicaPeriodSeconds, defaultReplPingReplicaPeriodSeconds)
	}
	if c.MinReplicasToWrite < 0 || c.MinReplicasMaxLagSeconds < 0 {
		return fmt.Errorf("cache config: min-replicas-to-write %d, min-replicas-max-lag %d: must not be negative", c.MinReplicasToWrite, c.MinReplicasMaxLagSeconds)
	}
	if c.ClusterEnabled {
		if err := c.Cluster.Validate(); err != nil {
			return fmt.Errorf("cache config: %v", err)
		}
		if c.ReplicaOf != "" {
			return fmt.Errorf("cache config: replicaof %q: a cluster node's master is chosen with CLUSTER REPLICATE, not replicaof", c.ReplicaOf)
		}
	}
	if c.MaxMemoryEvictionTenacity > evictionTenacityMax {
		return fmt.Errorf("cache config: maxmemory-eviction-tenacity %d: must be between 0 and %d (0 here means %d)", c.MaxMemoryEvictionTenacity, evictionTenacityMax, defaultEvictionTenacity)
	}
	if c.MaxClients < 0 {
		return fmt.Errorf("cache config: maxclients %d: must be at least 1 (0 means %d)", c.MaxClients, defaultMaxClients)
	}
	if c.MaxMemorySamples < 0 || c.MaxMemorySamples > maxMemorySamplesMax {
		return fmt.Errorf("cache config: maxmemory-samples %d: must be between 1 and %d (0 means %d)", c.MaxMemorySamples, maxMemorySamplesMax, defaultMaxMemorySamples)
	}
	return nil
}

// withDefaults fills zero fields with Redis's defaults.
func (c Config) withDefaults() Config {
	c.limits = defaultEncodingLimits // CONFIG SET changes them (encoding.go)
	if c.AppendFsync == "" {
		c.AppendFsync = FsyncEverysec
	}
	if c.Hz == 0 {
		c.Hz = defaultHz
	}
	if c.Databases == 0 {
		c.Databases = defaultDatabases
	}
	if c.DBFilename == "" {
		c.DBFilename = defaultDBFilename
	}
	if c.AutoAOFRewritePercentage == 0 {
		c.AutoAOFRewritePercentage = defaultAOFRewritePercentage
	}
	if c.AutoAOFRewriteMinSizeBytes == 0 {
		c.AutoAOFRewriteMinSizeBytes = defaultAOFRewriteMinSizeBytes
	}
	if c.MaxMemoryPolicy == "" {
		c.MaxMemoryPolicy = PolicyNoEviction
	}
	if c.MaxMemorySamples == 0 {
		c.MaxMemorySamples = defaultMaxMemorySamples
	}
	if c.MaxClients == 0 {
		c.MaxClients = defaultMaxClients
	}
	for _, setting := range []*string{&c.EnableDebugCommand, &c.EnableProtectedConfigs, &c.EnableModuleCommand} {
		if *setting == "" {
			*setting = ProtectedNo
		}
	}
	switch {
	case c.MaxMemoryEvictionTenacity == 0:
		c.MaxMemoryEvictionTenacity = defaultEvictionTenacity
	case c.MaxMemoryEvictionTenacity < 0:
		c.MaxMemoryEvictionTenacity = 0
	}
	if c.ReplBacklogSizeBytes == 0 {
		c.ReplBacklogSizeBytes = defaultReplBacklogBytes
	}
	if c.ReplTimeout == 0 {
		c.ReplTimeout = defaultReplTimeout
	}
	if c.MinReplicasMaxLagSeconds == 0 {
		c.MinReplicasMaxLagSeconds = defaultMinReplicasMaxLagSeconds
	}
	if c.ReplBacklogTTLSeconds == 0 {
		c.ReplBacklogTTLSeconds = defaultReplBacklogTTLSeconds
	}
	if c.ReplPingReplicaPeriodSeconds == 0 {
		c.ReplPingReplicaPeriodSeconds = defaultReplPingReplicaPeriodSeconds
	}
	return c
}
