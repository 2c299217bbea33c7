// Package cachelab is the cache engine's glue to the lab: it builds cache
// nodes from a scenario and gives the lab a client that speaks to them with
// cache.Command messages, the same commands redis-cli would send.
//
// Several nodes without cluster mode are independent shards: the client
// routes each key by its hash slot to a fixed node, as a Redis Cluster
// client would with a settled slot map.
package cachelab

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"syslab/engines/cache"
	"syslab/engines/cache/cluster"
	"syslab/lab/engine"
	"syslab/node"
)

// Engine is the cache as scenarios see it.
type Engine struct{}

// MessageCost is what a simulated cache node charges per message
// received (engine.MessageCoster).
func (Engine) MessageCost() time.Duration { return cache.MessageCost() }

// New returns the cache engine's lab glue.
func New() Engine { return Engine{} }

func (Engine) Name() string { return "cache" }

// Ops are the operations a workload mix may name, each one Redis command.
// read_through is a cache in front of a store: read the key and, on a
// miss, fill it — done in one command, SET key value GET, which answers
// the old value (nil on a miss) and stores the new one either way.
//
// read_through_origin is the cache-aside read of an application in front
// of a database: GET; on a miss load the value from the origin node and
// SET it with config.client.ttl, with config.client.herd_mitigation
// deciding how readers that miss together share the load (herd.go).
func (Engine) Ops() []string {
	return []string{"del", "get", "incr", "read_through", opReadThroughOrigin, "set"}
}

func (Engine) Checks() []string { return checkNames }

func (Engine) ValidateConfig(cfg *yaml.Node) error {
	_, err := decodeSettings(cfg)
	return err
}

func (Engine) Build(spec engine.Spec) (*engine.Cluster, error) {
	set, err := decodeSettings(spec.Config)
	if err != nil {
		return nil, err
	}
	masterOf, err := replicaRoles(spec)
	if err != nil {
		return nil, err
	}
	if set.cluster.Enabled {
		return buildCluster(spec, set, masterOf) // clusterbuild.go
	}
	factories := make(map[node.ID]node.Factory, len(spec.Nodes))
	var servers []node.ID // the masters: clients send every operation to one
	var origin node.ID
	for _, id := range spec.Nodes {
		switch {
		case spec.Roles[id] == roleOrigin:
			if origin != "" {
				return nil, fmt.Errorf("cache: two origin nodes, %s and %s: want at most one", origin, id)
			}
			factories[id] = newOrigin(set.origin)
			origin = id
		default:
			nodeCfg := set.cache
			nodeCfg.ReplicaOf = masterOf[id]
			if err := applyCluster(&nodeCfg, set.cluster); err != nil {
				return nil, err
			}
			factories[id] = cache.New(nodeCfg)
			if nodeCfg.ReplicaOf == "" {
				servers = append(servers, id)
			}
		}
	}
	if len(servers) == 0 {
		return nil, fmt.Errorf("cache: topology has no cache nodes")
	}
	report := configReport(set.cache)
	report["client"] = set.client.report()
	if origin != "" {
		report["origin"] = map[string]any{"cpu": set.origin.CPU.String(), "latency": set.origin.Latency.String()}
	}
	return &engine.Cluster{
		Factories: factories,
		NewClient: func(r *rand.Rand) engine.Client {
			c := newClient(servers, origin, set.client, r)
			c.replicas = replicasByMaster(spec.Nodes, masterOf)
			return c
		},
		Config: report,
		Codecs: wireCodecs(),
		Messages: withClusterBus(map[string]node.Message{
			"cache.Command":      cache.Command{},
			"cache.Reply":        cache.Reply{},
			"cache.Push":         cache.Push{},
			"cache.Disconnected": cache.Disconnected{},
			// CLIENT LIST addresses and CLIENT KILL (clients.go).
			"cache.Connected":       cache.Connected{},
			"cache.CloseConnection": cache.CloseConnection{},
			// Replication between cache nodes (replication.go).
			"cache.ReplSync":       cache.ReplSync{},
			"cache.ReplFullResync": cache.ReplFullResync{},
			"cache.ReplRDBChunk":   cache.ReplRDBChunk{},
			"cache.ReplContinue":   cache.ReplContinue{},
			"cache.ReplStream":     cache.ReplStream{},
			"cache.ReplPing":       cache.ReplPing{},
			"cache.ReplAck":        cache.ReplAck{},
			"cache.ReplDetach":     cache.ReplDetach{},
			// MIGRATE between cache nodes (migrate.go).
			"cache.MigrateRequest": cache.MigrateRequest{},
			"cache.MigrateAck":     cache.MigrateAck{},
			// The simulated database behind a cache (origin.go).
			"cachelab.OriginLoad":  OriginLoad{},
			"cachelab.OriginValue": OriginValue{},
		}),
	}, nil
}

// withClusterBus adds the cluster bus messages (package cluster) to an
// engine's message registry.
func withClusterBus(messages map[string]node.Message) map[string]node.Message {
	for name, prototype := range cluster.Messages() {
		messages[name] = prototype
	}
	return messages
}

// rolePrefixReplica starts a replica's role: "replica-of:<master node>"
// (a master needs no role; the simulated database is roleOrigin).
const rolePrefixReplica = "replica-of:"

// replicaRoles reads the topology's roles into each replica's master. A
// replica's master must be a node of the topology and not itself a
// replica: a node serves replicas of its own, but lab topologies do not
// build such chains yet.
func replicaRoles(spec engine.Spec) (map[node.ID]node.ID, error) {
	known := make(map[node.ID]bool, len(spec.Nodes))
	for _, id := range spec.Nodes {
		known[id] = true
	}
	masterOf := map[node.ID]node.ID{}
	for _, id := range spec.Nodes { // topology order, never map order
		role, ok := spec.Roles[id]
		if !ok || role == roleOrigin {
			continue
		}
		master, isReplica := strings.CutPrefix(role, rolePrefixReplica)
		switch {
		case !isReplica:
			return nil, fmt.Errorf("cache: node %s: unknown role %q (the cache knows %q<master node> and %q)", id, role, rolePrefixReplica, roleOrigin)
		case !known[node.ID(master)]:
			return nil, fmt.Errorf("cache: node %s: role %q names no node of the topology", id, role)
		case node.ID(master) == id:
			return nil, fmt.Errorf("cache: node %s: role %q: a node cannot replicate itself", id, role)
		}
		masterOf[id] = node.ID(master)
	}
	for id, master := range masterOf {
		if _, chained := masterOf[master]; chained {
			return nil, fmt.Errorf("cache: node %s replicates %s, itself a replica: chained replication is not supported in lab topologies yet", id, master)
		}
	}
	return masterOf, nil
}

// settings are a scenario's config: the servers' own (as in redis.conf),
// the lab clients' (config.client) and the origin's (config.origin).
type settings struct {
	cache   cache.Config
	client  clientSettings
	origin  originSettings
	cluster clusterSettings // clustersettings.go
}

// decodeSettings splits config into its three parts.
func decodeSettings(n *yaml.Node) (settings, error) {
	s := settings{client: defaultClientSettings()}
	if n != nil && n.Kind == yaml.MappingNode {
		rest := *n
		rest.Content = nil
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			var err error
			switch k.Value {
			case "client":
				s.client, err = decodeClientSettings(v)
			case "origin":
				s.origin, err = decodeOriginSettings(v)
			case "cluster-enabled", "cluster-node-timeout", "cluster-require-full-coverage", "bugs":
				err = decodeClusterSetting(&s.cluster, k.Value, v)
			default:
				rest.Content = append(rest.Content, k, v)
			}
			if err != nil {
				return s, err
			}
		}
		n = &rest
	}
	var err error
	s.cache, err = decodeConfig(n)
	return s, err
}

// configFields maps each scenario config field to how it sets cache.Config.
var configFields = map[string]func(c *cache.Config, v *yaml.Node) error{
	"appendonly": func(c *cache.Config, v *yaml.Node) error { return decodeYesNo(v, &c.AppendOnly) },
	"appendfsync": func(c *cache.Config, v *yaml.Node) error {
		return v.Decode(&c.AppendFsync)
	},
	"hz":        func(c *cache.Config, v *yaml.Node) error { return v.Decode(&c.Hz) },
	"databases": func(c *cache.Config, v *yaml.Node) error { return v.Decode(&c.Databases) },
	"maxmemory": func(c *cache.Config, v *yaml.Node) error {
		n, err := parseMemory(v.Value)
		c.MaxMemoryBytes = n
		return err
	},
	"maxmemory-policy":  func(c *cache.Config, v *yaml.Node) error { return v.Decode(&c.MaxMemoryPolicy) },
	"maxmemory-samples": func(c *cache.Config, v *yaml.Node) error { return v.Decode(&c.MaxMemorySamples) },
	// notify-keyspace-events takes Redis's letters ("KEA"); "" is none.
	"notify-keyspace-events": func(c *cache.Config, v *yaml.Node) error { return v.Decode(&c.NotifyKeyspaceEvents) },
	// save takes Redis's "<seconds> <changes> …" text; "" turns snapshots off.
	"save": func(c *cache.Config, v *yaml.Node) error { return v.Decode(&c.Save) },
	"aof-use-rdb-preamble": func(c *cache.Config, v *yaml.Node) error {
		var preamble bool
		if err := decodeYesNo(v, &preamble); err != nil {
			return err
		}
		c.AOFNoRDBPreamble = !preamble
		return nil
	},
	"auto-aof-rewrite-percentage": func(c *cache.Config, v *yaml.Node) error {
		if err := v.Decode(&c.AutoAOFRewritePercentage); err != nil {
			return err
		}
		if c.AutoAOFRewritePercentage == 0 {
			c.AutoAOFRewritePercentage = -1 // Redis's 0: never rewrite automatically
		}
		return nil
	},
	"repl-backlog-size": func(c *cache.Config, v *yaml.Node) error {
		n, err := parseMemory(v.Value)
		c.ReplBacklogSizeBytes = n
		return err
	},
	// repl-timeout is in seconds, as in redis.conf.
	"repl-timeout": func(c *cache.Config, v *yaml.Node) error {
		var seconds int
		if err := v.Decode(&seconds); err != nil {
			return err
		}
		if seconds < 1 {
			return fmt.Errorf("%d: want at least 1 second", seconds)
		}
		c.ReplTimeout = time.Duration(seconds) * time.Second
		return nil
	},
	"min-replicas-to-write": func(c *cache.Config, v *yaml.Node) error { return v.Decode(&c.MinReplicasToWrite) },
	"min-replicas-max-lag": func(c *cache.Config, v *yaml.Node) error {
		return v.Decode(&c.MinReplicasMaxLagSeconds)
	},
	"auto-aof-rewrite-min-size": func(c *cache.Config, v *yaml.Node) error {
		n, err := parseMemory(v.Value)
		c.AutoAOFRewriteMinSizeBytes = n
		return err
	},
}

// parseMemory reads a memory size as redis.conf writes it (100mb, 1gb,
// 5000 bytes), with the cache's own parser, CONFIG SET's.
func parseMemory(s string) (int64, error) {
	n, ok := cache.ParseMemoryBytes(strings.TrimSpace(s))
	if !ok {
		return 0, fmt.Errorf("%q: want a size such as 100mb, 1gb or a number of bytes (units b, k, kb, m, mb, g, gb)", s)
	}
	return n, nil
}

func decodeConfig(n *yaml.Node) (cache.Config, error) {
	var cfg cache.Config
	if n == nil || n.Kind == 0 {
		return cfg, nil
	}
	if n.Kind != yaml.MappingNode {
		return cfg, fmt.Errorf("line %d: config: want a mapping of cache settings", n.Line)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		set, ok := configFields[k.Value]
		if !ok {
			return cfg, fmt.Errorf("line %d: config: unknown cache setting %q (known: %s, and bugs, client, cluster-enabled, cluster-node-timeout, cluster-require-full-coverage, origin)", k.Line, k.Value, knownFields())
		}
		if err := set(&cfg, v); err != nil {
			return cfg, fmt.Errorf("line %d: config.%s: %v", v.Line, k.Value, err)
		}
	}
	if err := cfg.Validate(); err != nil {
		return cfg, fmt.Errorf("line %d: %v", n.Line, err)
	}
	return cfg, nil
}

// decodeYesNo takes a YAML boolean or Redis's own yes/no spelling.
func decodeYesNo(v *yaml.Node, out *bool) error {
	switch v.Value {
	case "yes":
		*out = true
		return nil
	case "no":
		*out = false
		return nil
	}
	return v.Decode(out)
}

func knownFields() string {
	names := make([]string, 0, len(configFields))
	for name := range configFields {
		names = append(names, name)
	}
	sort.Strings(names)
	return fmt.Sprint(names)
}

func configReport(c cache.Config) map[string]any {
	fsync := c.AppendFsync
	if fsync == "" {
		fsync = cache.FsyncEverysec
	}
	report := map[string]any{
		"save":                 c.Save,
		"aof-use-rdb-preamble": !c.AOFNoRDBPreamble,
		"appendonly":           c.AppendOnly,
		"appendfsync":          fsync,
		"hz":                   c.Hz,
		"databases":            c.Databases,
		// maxmemory is in bytes; policy and samples as they will run.
		"maxmemory":         c.MaxMemoryBytes,
		"maxmemory-policy":  cmp.Or(c.MaxMemoryPolicy, cache.PolicyNoEviction),
		"maxmemory-samples": cmp.Or(c.MaxMemorySamples, 5),
		// Replication, as it will run.
		"repl-backlog-size":     cmp.Or(c.ReplBacklogSizeBytes, 1<<20),
		"repl-timeout":          int(cmp.Or(c.ReplTimeout, 60*time.Second) / time.Second),
		"min-replicas-to-write": c.MinReplicasToWrite,
		"min-replicas-max-lag":  cmp.Or(c.MinReplicasMaxLagSeconds, 10),
	}
	if c.NotifyKeyspaceEvents != "" {
		// Only when set, so reports of scenarios without it stay as they were.
		report["notify-keyspace-events"] = c.NotifyKeyspaceEvents
	}
	return report
}
