package cachelab

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gopkg.in/yaml.v3"

	"syslab/engines/cache"
	"syslab/engines/cache/cluster"
	"syslab/lab/engine"
	"syslab/node"
)

// A cluster scenario is the replication topology with cluster-enabled on:
// the nodes without a role are the masters, in topology order, and each
// `replica-of:<master>` node becomes that master's replica through CLUSTER
// REPLICATE at bootstrap (not through replicaof):
//
//	topology:
//	  nodes: [c1, c2, c3, c4, c5, c6]
//	  roles: {c4: "replica-of:c1", c5: "replica-of:c2", c6: "replica-of:c3"}
//	config:
//	  cluster-enabled: yes
//	  cluster-node-timeout: 2000

// clusterLayout is who is master of what at bootstrap.
type clusterLayout struct {
	nodes    []node.ID // topology order
	masters  []node.ID // topology order
	masterOf map[node.ID]node.ID
}

func newClusterLayout(spec engine.Spec, masterOf map[node.ID]node.ID) (clusterLayout, error) {
	l := clusterLayout{nodes: spec.Nodes, masterOf: masterOf}
	for _, id := range spec.Nodes {
		if spec.Roles[id] == roleOrigin {
			return l, fmt.Errorf("cache: cluster mode: node %s: an origin node is not supported in a cluster scenario", id)
		}
		if _, replica := masterOf[id]; !replica {
			l.masters = append(l.masters, id)
		}
	}
	if len(l.masters) == 0 || len(l.masters) > cluster.SlotCount {
		return l, fmt.Errorf("cache: cluster mode needs 1 to %d masters, got %d", cluster.SlotCount, len(l.masters))
	}
	return l, nil
}

// rangeOf is the slot range master id gets at bootstrap, split as
// redis-cli's cluster create splits it (single-precision slots per node,
// each range ending at the rounded cursor), so 3 masters get 0-5460,
// 5461-10922 and 10923-16383 as with the real tool.
func (l clusterLayout) rangeOf(id node.ID) [2]int {
	n := len(l.masters)
	perNode := float32(cluster.SlotCount) / float32(n)
	first, cursor := 0, float32(0)
	for i, m := range l.masters {
		last := int(math.Round(float64(cursor + perNode - 1)))
		if last > cluster.SlotCount || i == n-1 {
			last = cluster.SlotCount - 1
		}
		last = max(last, first)
		if m == id {
			return [2]int{first, last}
		}
		first = last + 1
		cursor += perNode
	}
	panic("cachelab: rangeOf: " + string(id) + " is not a master")
}

// replicaNodes are the replicas, topology order.
func (l clusterLayout) replicaNodes() []node.ID {
	var out []node.ID
	for _, id := range l.nodes {
		if _, ok := l.masterOf[id]; ok {
			out = append(out, id)
		}
	}
	return out
}

// slotRanges is the slot map right after bootstrap, as CLUSTER SLOTS
// would answer it: a client's map before it learns anything.
func (l clusterLayout) slotRanges() []slotRange {
	out := make([]slotRange, 0, len(l.masters))
	for _, m := range l.masters {
		r := l.rangeOf(m)
		sr := slotRange{first: r[0], last: r[1], master: m}
		for _, id := range l.replicaNodes() {
			if l.masterOf[id] == m {
				sr.replicas = append(sr.replicas, id)
			}
		}
		out = append(out, sr)
	}
	return out
}

// clusterPort is the client port every cluster node announces.
const clusterPort = 6379

// clusterOps are the operations a cluster scenario's workload may use: the
// ones that are one command each.
var clusterOps = []string{"del", "get", "incr", "read_through", "set"}

// buildCluster builds a cluster scenario's nodes, its client and operator.
func buildCluster(spec engine.Spec, set settings, masterOf map[node.ID]node.ID) (*engine.Cluster, error) {
	layout, err := newClusterLayout(spec, masterOf)
	if err != nil {
		return nil, err
	}
	if set.client.Herd != HerdNone || set.client.Split > 1 || set.client.Tracking {
		return nil, fmt.Errorf("cache: cluster mode: config.client herd_mitigation, split and tracking are not supported by the cluster client")
	}
	factories := make(map[node.ID]node.Factory, len(spec.Nodes))
	for _, id := range spec.Nodes {
		cfg := set.cache
		if err := applyCluster(&cfg, set.cluster); err != nil {
			return nil, err
		}
		// Each node is its own host on Redis's port, as in a real
		// deployment; in the simulator an address's host is the node ID
		// (cluster-announce-ip).
		cfg.Cluster.AnnounceIP, cfg.Cluster.AnnouncePort = string(id), clusterPort
		factories[id] = cache.New(cfg)
	}
	var counts []*redirectCounts // one per client, summed after the run
	facts := &operatorFacts{}
	report := configReport(set.cache)
	report["client"] = set.client.report()
	report["cluster"] = set.cluster.report()
	messages := map[string]node.Message{
		"cache.Command":        cache.Command{},
		"cache.Reply":          cache.Reply{},
		"cache.Push":           cache.Push{},
		"cache.Disconnected":   cache.Disconnected{},
		"cache.ReplSync":       cache.ReplSync{},
		"cache.ReplFullResync": cache.ReplFullResync{},
		"cache.ReplRDBChunk":   cache.ReplRDBChunk{},
		"cache.ReplContinue":   cache.ReplContinue{},
		"cache.ReplStream":     cache.ReplStream{},
		"cache.ReplPing":       cache.ReplPing{},
		"cache.ReplAck":        cache.ReplAck{},
		"cache.ReplDetach":     cache.ReplDetach{},
		"cache.MigrateRequest": cache.MigrateRequest{},
		"cache.MigrateAck":     cache.MigrateAck{},
	}
	for name, msg := range cluster.Messages() {
		messages[name] = msg
	}
	return &engine.Cluster{
		Factories: factories,
		NewClient: func(r *rand.Rand) engine.Client {
			c := &redirectCounts{}
			counts = append(counts, c)
			return newClusterClient(layout, set.client, c, r)
		},
		Config:   report,
		Messages: messages,
		Operator: func() node.Handler {
			return newOperator(layout, spec.Actions, spec.Duration, facts)
		},
		Measures: func() map[string]float64 {
			m := facts.measures()
			for k, v := range sumCounts(counts) {
				m[k] = v
			}
			return m
		},
	}, nil
}

var _ engine.Actor = Engine{}

// Actions are the cache's engine actions for the fault schedule.
func (Engine) Actions() []string { return []string{actionReshard} }

func (Engine) ValidateAction(name string, params *yaml.Node, nodes []node.ID) error {
	if name != actionReshard {
		return fmt.Errorf("cache: unknown action %q", name)
	}
	_, err := decodeReshard(params, nodes)
	return err
}
