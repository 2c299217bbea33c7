package lab

import (
	"bytes"
	"strconv"
	"time"

	"gopkg.in/yaml.v3"

	"syslab/node"
)

// YAML writes the scenario back as a scenario file with every default
// spelled out, so a report can show exactly what ran. Parsing the output
// gives the same Scenario, apart from line numbers.
func (s *Scenario) YAML() ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(s.node()); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// mapNode builds a mapping node in the order fields are added, which is
// the order the README documents them in.
type mapNode struct{ n *yaml.Node }

func newMap() mapNode { return mapNode{&yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}} }

func (m mapNode) add(key string, value *yaml.Node) mapNode {
	m.n.Content = append(m.n.Content, strNode(key), value)
	return m
}

func (m mapNode) flow() *yaml.Node { m.n.Style = yaml.FlowStyle; return m.n }

func strNode(s string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
}

func intNode(v int64) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.FormatInt(v, 10)}
}

func floatNode(v float64) *yaml.Node {
	text := strconv.FormatFloat(v, 'g', -1, 64)
	tag := "!!float"
	if _, err := strconv.ParseInt(text, 10, 64); err == nil {
		tag = "!!int" // 1 reads back as a number either way; keep it plain
	}
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: text}
}

func boolNode(v bool) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(v)}
}

func durNode(v time.Duration) *yaml.Node {
	if v == 0 {
		return strNode("0s")
	}
	return strNode(v.String())
}

func seqNode(flow bool, items ...*yaml.Node) *yaml.Node {
	n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Content: items}
	if flow {
		n.Style = yaml.FlowStyle
	}
	return n
}

func idsNode(ids []node.ID) *yaml.Node {
	items := make([]*yaml.Node, len(ids))
	for i, id := range ids {
		items[i] = strNode(string(id))
	}
	return seqNode(true, items...)
}

func (s *Scenario) node() *yaml.Node {
	m := newMap().add("name", strNode(s.Name))
	if s.Description != "" {
		m.add("description", strNode(s.Description))
	}
	if s.Promise != "" {
		m.add("promise", strNode(s.Promise))
	}
	m.add("engine", strNode(s.Engine)).
		add("expect", strNode(string(s.Expect))).
		add("seed", &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.FormatUint(s.Seed, 10)}).
		add("duration", durNode(s.Duration))

	topo := newMap().add("nodes", idsNode(s.Topology.Nodes))
	if len(s.Topology.Roles) > 0 {
		roles := newMap()
		for _, id := range s.Topology.Nodes { // topology order, not map order
			if role, ok := s.Topology.Roles[id]; ok {
				roles.add(string(id), strNode(role))
			}
		}
		topo.add("roles", roles.flow())
	}
	m.add("topology", topo.n)
	if s.Config != nil && len(s.Config.Content) > 0 {
		m.add("config", s.Config)
	}
	m.add("network", newMap().
		add("latency", s.Network.Latency.node()).
		add("loss", floatNode(s.Network.Loss)).
		add("duplicate", floatNode(s.Network.Duplicate)).n)
	m.add("disk", newMap().
		add("sync_latency", s.Disk.SyncLatency.node()).
		add("writeback", durNode(s.Disk.Writeback)).
		add("torn_writes", boolNode(s.Disk.TornWrites)).n)

	phases := seqNode(false)
	for _, p := range s.Workload {
		phases.Content = append(phases.Content, p.node())
	}
	m.add("workload", phases)
	if len(s.Faults) > 0 {
		faults := seqNode(false)
		for _, f := range s.Faults {
			faults.Content = append(faults.Content, f.node())
		}
		m.add("faults", faults)
	}
	if len(s.Checks) > 0 {
		checks := seqNode(false)
		for _, c := range s.Checks {
			checks.Content = append(checks.Content, newMap().add(string(c.Kind), c.node()).n)
		}
		m.add("checks", checks)
	}
	return m.n
}

func (d Delay) node() *yaml.Node {
	m := newMap().add("kind", strNode(string(d.Kind)))
	if d.Kind == DelayEmpirical {
		items := make([]*yaml.Node, len(d.Quantiles))
		for i, q := range d.Quantiles {
			items[i] = durNode(q)
		}
		return m.add("quantiles", seqNode(true, items...)).flow()
	}
	for _, field := range delayParams[d.Kind] {
		v := map[string]time.Duration{"mean": d.Mean, "stddev": d.Stddev, "min": d.Min, "max": d.Max}[field]
		m.add(field, durNode(v))
	}
	return m.flow()
}

func (p Phase) node() *yaml.Node {
	m := newMap().
		add("name", strNode(p.Name)).
		add("start", durNode(p.Start)).
		add("duration", durNode(p.Duration)).
		add("clients", intNode(int64(p.Clients)))
	if p.OpenLoop() {
		m.add("rate", strNode(p.Rate.String())).add("arrival", strNode(string(p.Arrival)))
	} else {
		m.add("concurrency", intNode(int64(p.Concurrency)))
	}
	m.add("keys", newMap().
		add("count", intNode(int64(p.Keys.Count))).
		add("prefix", strNode(p.Keys.Prefix)).
		add("distribution", strNode(p.Keys.Distribution.String())).flow())
	if p.Values.MinBytes == p.Values.MaxBytes {
		m.add("values", newMap().add("size", intNode(int64(p.Values.MinBytes))).flow())
	} else {
		m.add("values", newMap().
			add("min", intNode(int64(p.Values.MinBytes))).
			add("max", intNode(int64(p.Values.MaxBytes))).flow())
	}
	mix := newMap()
	for _, w := range p.Mix {
		mix.add(w.Op, floatNode(w.Weight))
	}
	m.add("mix", mix.flow())
	m.add("timeout", durNode(p.Timeout))
	return m.n
}

func (f Fault) node() *yaml.Node {
	m := newMap()
	if f.Kind != FaultRandom || f.At > 0 {
		m.add("at", durNode(f.At))
	}
	if f.Every > 0 {
		m.add("every", durNode(f.Every))
	}
	if f.Every > 0 || f.Kind == FaultRandom {
		m.add("until", durNode(f.Until))
	}
	if f.For > 0 {
		m.add("for", durNode(f.For))
	}
	var action *yaml.Node
	switch f.Kind {
	case FaultCrash, FaultKill, FaultRestart, FaultPause, FaultResume:
		action = idsNode(f.Nodes)
	case FaultPartition:
		groups := make([]*yaml.Node, len(f.Partition))
		for i, g := range f.Partition {
			groups[i] = idsNode(g)
		}
		action = seqNode(true, groups...)
	case FaultOneWay:
		action = newMap().add("from", idsNode(f.OneWay.From)).add("to", idsNode(f.OneWay.To)).flow()
	case FaultHeal:
		action = boolNode(true)
	case FaultClock:
		action = newMap().add("node", strNode(string(f.Clock.Node))).
			add("offset", durNode(f.Clock.Offset)).
			add("drift_ppm", floatNode(f.Clock.DriftPPM)).flow()
	case FaultDisk:
		action = newMap().add("node", strNode(string(f.Disk.Node))).
			add("fault", strNode(string(f.Disk.Fault))).
			add("probability", floatNode(f.Disk.Probability)).flow()
	case FaultRandom:
		kinds := make([]*yaml.Node, len(f.Random.Kinds))
		for i, k := range f.Random.Kinds {
			kinds[i] = strNode(string(k))
		}
		action = newMap().add("rate", strNode(f.Random.Rate.String())).
			add("kinds", seqNode(true, kinds...)).
			add("nodes", idsNode(f.Random.Nodes)).
			add("for", durNode(f.Random.For)).flow()
	case FaultEngine:
		return m.add(f.Action, f.Params).n
	default:
		panic("lab: Fault.node: unknown kind " + string(f.Kind))
	}
	return m.add(string(f.Kind), action).n
}

func (c Check) node() *yaml.Node {
	scope := func(m mapNode, op, phase string) mapNode {
		if op != "" {
			m.add("op", strNode(op))
		}
		if phase != "" {
			m.add("phase", strNode(phase))
		}
		return m
	}
	switch c.Kind {
	case CheckLinearizable:
		return newMap().add("model", strNode(c.Linearizable.Model)).
			add("timeout", durNode(c.Linearizable.Timeout)).flow()
	case CheckLostAckedWrites:
		m := newMap().add("max", intNode(int64(c.LostAckedWrites.MaxLost)))
		if c.LostAckedWrites.Window > 0 {
			m.add("max_window", durNode(c.LostAckedWrites.Window))
		}
		return m.flow()
	case CheckLatency:
		l := c.Latency
		m := scope(newMap(), l.Op, l.Phase)
		for i, bound := range []time.Duration{l.P50, l.P90, l.P99, l.P999, l.Max} {
			if bound > 0 {
				m.add(latencyBounds[i], durNode(bound))
			}
		}
		return m.flow()
	case CheckErrorRate:
		return scope(newMap(), c.ErrorRate.Op, c.ErrorRate.Phase).add("max", floatNode(c.ErrorRate.Max)).flow()
	}
	if c.Params == nil {
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}
	}
	return c.Params
}
