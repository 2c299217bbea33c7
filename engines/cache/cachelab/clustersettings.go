package cachelab

import (
	"fmt"
	"sort"
	"strconv"
	"time"

	"gopkg.in/yaml.v3"

	"syslab/engines/cache"
	"syslab/engines/cache/cluster"
)

// clusterSettings are the scenario's Redis Cluster settings, spelled as
// in redis.conf (cluster-enabled, cluster-node-timeout in milliseconds,
// cluster-require-full-coverage), and config.bugs, the planted bugs.
type clusterSettings struct {
	Enabled              bool
	NodeTimeout          time.Duration // 0: the engine's default, 15s
	AllowPartialCoverage bool
	Bugs                 bugSettings
}

// bugSettings are config.bugs: test-only switches that plant one classic
// mistake each in the engine, so a sweep can prove the checks catch it.
// Only the lab passes them; a served node has no way to turn them on.
type bugSettings struct {
	// ReplicaAcksBeforeApply: a replica acknowledges the offset it
	// received before applying it (cache.Config.Bugs).
	ReplicaAcksBeforeApply bool
	// The three below are the cluster's (cluster.Config.Bugs).
	IsolatedMasterAcceptsWrites bool
	VoteNotPersisted            bool
	SlotOwnerLowestEpoch        bool
}

// bugNames maps each config.bugs key to its switch.
var bugNames = map[string]func(b *bugSettings) *bool{
	"replica-acks-before-apply":      func(b *bugSettings) *bool { return &b.ReplicaAcksBeforeApply },
	"isolated-master-accepts-writes": func(b *bugSettings) *bool { return &b.IsolatedMasterAcceptsWrites },
	"vote-not-persisted":             func(b *bugSettings) *bool { return &b.VoteNotPersisted },
	"slot-owner-lowest-epoch":        func(b *bugSettings) *bool { return &b.SlotOwnerLowestEpoch },
}

// decodeClusterSetting reads one of clusterKeys into s.
func decodeClusterSetting(s *clusterSettings, key string, v *yaml.Node) error {
	var err error
	switch key {
	case "cluster-enabled":
		err = decodeYesNo(v, &s.Enabled)
	case "cluster-node-timeout":
		var ms int64
		ms, err = strconv.ParseInt(v.Value, 10, 64)
		if err != nil || v.Kind != yaml.ScalarNode || ms < 1 {
			return fmt.Errorf("line %d: config.cluster-node-timeout: %q: want milliseconds, at least 1 (as in redis.conf)", v.Line, v.Value)
		}
		s.NodeTimeout = time.Duration(ms) * time.Millisecond
	case "cluster-require-full-coverage":
		var full bool
		err = decodeYesNo(v, &full)
		s.AllowPartialCoverage = !full
	case "bugs":
		return decodeBugs(&s.Bugs, v)
	}
	if err != nil {
		return fmt.Errorf("line %d: config.%s: %v", v.Line, key, err)
	}
	return nil
}

func decodeBugs(b *bugSettings, n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: config.bugs: want a mapping such as {replica-acks-before-apply: yes}", n.Line)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		sw, ok := bugNames[k.Value]
		if !ok {
			return fmt.Errorf("line %d: config.bugs: unknown bug %q (known: %s)", k.Line, k.Value, sortedNames(bugNames))
		}
		if err := decodeYesNo(v, sw(b)); err != nil {
			return fmt.Errorf("line %d: config.bugs.%s: %v", v.Line, k.Value, err)
		}
	}
	return nil
}

// report is the cluster part of the run's configuration.
func (s clusterSettings) report() map[string]any {
	var bugs []string
	for _, name := range sortedNames(bugNames) {
		if *bugNames[name](&s.Bugs) {
			bugs = append(bugs, name)
		}
	}
	return map[string]any{
		"cluster-enabled":               s.Enabled,
		"cluster-node-timeout":          s.NodeTimeout.Milliseconds(),
		"cluster-require-full-coverage": !s.AllowPartialCoverage,
		"bugs":                          bugs,
	}
}

func sortedNames[V any](m map[string]V) []string {
	names := make([]string, 0, len(m))
	for name := range m {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// applyCluster sets a node's cluster configuration and planted bugs.
func applyCluster(c *cache.Config, s clusterSettings) error {
	c.Bugs.ReplicaAcksBeforeApply = s.Bugs.ReplicaAcksBeforeApply
	if !s.Enabled {
		if s.Bugs.IsolatedMasterAcceptsWrites || s.Bugs.VoteNotPersisted || s.Bugs.SlotOwnerLowestEpoch {
			return fmt.Errorf("cache: config.bugs: the cluster bugs need cluster-enabled: yes")
		}
		return nil
	}
	c.ClusterEnabled = true
	c.Cluster.NodeTimeout = s.NodeTimeout
	c.Cluster.AllowPartialCoverage = s.AllowPartialCoverage
	c.Cluster.Bugs = cluster.Bugs{
		IsolatedMasterAcceptsWrites: s.Bugs.IsolatedMasterAcceptsWrites,
		VoteNotPersisted:            s.Bugs.VoteNotPersisted,
		SlotOwnerLowestEpoch:        s.Bugs.SlotOwnerLowestEpoch,
	}
	return nil
}
