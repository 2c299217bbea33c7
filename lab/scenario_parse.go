package lab

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"syslab/node"
	"syslab/sim"
)

// scenarioBytesMax bounds a scenario file; real ones are a few KiB, and
// the bound keeps a wrong path (a log, a binary) from being slurped.
const scenarioBytesMax = 1 << 20

// Load reads and parses the scenario file at path.
func Load(path string) (*Scenario, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("scenario %s: %w", path, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, scenarioBytesMax+1))
	if err != nil {
		return nil, fmt.Errorf("scenario %s: %w", path, err)
	}
	return Parse(path, data)
}

// Parse parses and validates a scenario; name is the file name used in
// messages. On failure the error is an ErrorList naming every problem
// found, each with its line.
func Parse(name string, data []byte) (*Scenario, error) {
	fail := func(line int, format string, args ...any) (*Scenario, error) {
		return nil, ErrorList{{File: name, Line: line, Msg: fmt.Sprintf(format, args...)}}
	}
	if len(data) > scenarioBytesMax {
		return fail(1, "file larger than %d bytes; a scenario is a few KiB", scenarioBytesMax)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return fail(1, "empty file")
		}
		return fail(yamlErrorLine(err), "%s", yamlErrorText(err))
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		line := extra.Line
		if err != nil {
			line = yamlErrorLine(err)
		}
		return fail(line, "more than one YAML document (---); a file holds one scenario")
	}
	d := &decoder{file: name}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	s := d.scenario(root)
	s.File = name
	if len(d.errs) > 0 {
		sortErrors(d.errs)
		if len(d.errs) > errorsReportedMax {
			more := len(d.errs) - errorsReportedMax
			d.errs = append(d.errs[:errorsReportedMax:errorsReportedMax],
				&Error{File: name, Line: d.errs[errorsReportedMax].Line, Msg: fmt.Sprintf("… and %d more problems", more)})
		}
		return nil, ErrorList(d.errs)
	}
	return s, nil
}

// yamlErrorLine digs the line out of a yaml.v3 syntax error ("yaml: line
// 7: did not find expected key"); 1 when it has none.
func yamlErrorLine(err error) int {
	var line int
	text := err.Error()
	if i := strings.Index(text, "line "); i >= 0 {
		if _, scanErr := fmt.Sscanf(text[i:], "line %d", &line); scanErr == nil && line > 0 {
			return line
		}
	}
	return 1
}

// yamlErrorText strips yaml.v3's "yaml: line N: " prefix, since Error
// puts the line first already.
func yamlErrorText(err error) string {
	text := strings.TrimPrefix(err.Error(), "yaml: ")
	if strings.HasPrefix(text, "line ") {
		if _, rest, ok := strings.Cut(text, ": "); ok {
			text = rest
		}
	}
	return "invalid YAML: " + text
}

var scenarioFields = []string{
	"name", "description", "promise", "engine", "expect", "seed", "duration",
	"topology", "config", "network", "disk", "workload", "faults", "checks",
}

// defaultSeed is the seed of a scenario that names none.
const defaultSeed = 1

func (d *decoder) scenario(root *yaml.Node) *Scenario {
	s := &Scenario{Expect: ExpectPass, Seed: defaultSeed}
	f := d.mapping(root, "", scenarioFields)
	if f == nil {
		return s
	}
	if v := d.require(f, "name"); v != nil {
		if name, ok := d.str(v, "name"); ok {
			if err := checkName(name); err != nil {
				d.errorf(v, "name", "%v", err)
			}
			s.Name = name
		}
	}
	if v := f.get("description"); v != nil {
		s.Description, _ = d.str(v, "description")
	}
	if v := f.get("promise"); v != nil {
		s.Promise, _ = d.str(v, "promise")
	}
	if v := f.get("expect"); v != nil {
		e, _ := d.enum(v, "expect", []string{string(ExpectPass), string(ExpectFail)})
		s.Expect = Expectation(e)
	}
	if v := f.get("seed"); v != nil {
		var seed uint64
		if n, ok := d.scalar(v); !ok || n.ShortTag() != "!!int" || n.Decode(&seed) != nil {
			d.errorf(v, "seed", "want a whole number from 0 to 2^64-1, got %s", describe(v))
		}
		s.Seed = seed
	}
	if v := d.require(f, "duration"); v != nil {
		s.Duration, _ = d.positiveDuration(v, "duration")
	}
	var engine Engine
	if v := d.require(f, "engine"); v != nil {
		if name, ok := d.str(v, "engine"); ok {
			s.Engine = name
			var found bool
			if engine, found = Lookup(name); !found {
				known := Engines()
				d.errorf(v, "engine", "unknown engine %q%s; registered: %s", name, suggest(name, known), strings.Join(known, ", "))
			}
		}
	}
	if v := d.require(f, "topology"); v != nil {
		s.Topology = d.topology(v, "topology")
	}
	s.Config = f.get("config")
	if s.Config == nil {
		s.Config = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: f.node.Line, Column: f.node.Column}
	}
	if s.Config.Kind != yaml.MappingNode {
		d.errorf(s.Config, "config", "want a mapping of engine settings, got %s", describe(s.Config))
	} else if engine != nil {
		if err := engine.ValidateConfig(s.Config); err != nil {
			d.errs = append(d.errs, rebase(err, d.file, s.Config, "config")...)
		}
	}
	s.Network = defaultNetwork()
	if v := f.get("network"); v != nil {
		s.Network = d.network(v, "network")
	}
	s.Disk = defaultDisk()
	if v := f.get("disk"); v != nil {
		s.Disk = d.disk(v, "disk")
	}
	if v := d.require(f, "workload"); v != nil {
		s.Workload = d.workload(v, "workload", s, engine)
	}
	if v := f.get("faults"); v != nil {
		s.Faults = d.faults(v, "faults", s, engine)
	}
	if v := f.get("checks"); v != nil {
		s.Checks = d.checks(v, "checks", s, engine)
	}
	if s.Expect == ExpectFail && len(s.Checks) == 0 && f.has("expect") {
		d.errorf(f.get("expect"), "expect", "expect: fail needs at least one check that can fail")
	}
	return s
}

// checkName admits names that are safe as file and directory names, since
// scenario names become result directories and node names disk folders.
func checkName(name string) error {
	if err := node.ValidName(name); err != nil {
		return err
	}
	if name[0] == '.' || name[0] == '-' {
		return fmt.Errorf("name %q must start with a letter, digit or '_'", name)
	}
	return nil
}

var topologyFields = []string{"nodes", "roles"}

// topology reads `nodes: [a, b]` or `nodes: {count: 3, prefix: cache-}`
// (cache-1 … cache-3), with optional `roles: {cache-1: primary}`.
func (d *decoder) topology(n *yaml.Node, path string) Topology {
	var t Topology
	f := d.mapping(n, path, topologyFields)
	if f == nil {
		return t
	}
	v := d.require(f, "nodes")
	nodesPath := f.at("nodes")
	switch {
	case v == nil:
	case v.Kind == yaml.MappingNode:
		g := d.mapping(v, nodesPath, []string{"count", "prefix"})
		if g == nil {
			break
		}
		count := 0
		if c := d.require(g, "count"); c != nil {
			count, _ = d.count(c, g.at("count"), 1)
		}
		prefix := ""
		if p := d.require(g, "prefix"); p != nil {
			prefix, _ = d.str(p, g.at("prefix"))
		}
		// topologyNodesMax bounds a generated topology; the simulator
		// holds every node in one process.
		const topologyNodesMax = 10000
		if count > topologyNodesMax {
			d.errorf(v, nodesPath, "count %d is more than %d nodes", count, topologyNodesMax)
			break
		}
		for i := 1; i <= count; i++ {
			t.Nodes = append(t.Nodes, node.ID(fmt.Sprintf("%s%d", prefix, i)))
		}
		if count > 0 {
			if err := checkName(string(t.Nodes[0])); err != nil {
				d.errorf(v, nodesPath, "prefix makes bad node names: %v", err)
			}
		}
	default:
		items, _ := d.seq(v, nodesPath)
		seen := map[string]int{}
		for i, item := range items {
			name, ok := d.str(item, index(nodesPath, i))
			if !ok {
				continue
			}
			if err := checkName(name); err != nil {
				d.errorf(item, index(nodesPath, i), "%v", err)
				continue
			}
			if first, dup := seen[name]; dup {
				d.errorf(item, index(nodesPath, i), "node %q listed twice (also %s)", name, index(nodesPath, first))
				continue
			}
			seen[name] = i
			t.Nodes = append(t.Nodes, node.ID(name))
		}
		if v.Kind == yaml.SequenceNode && len(items) == 0 {
			d.errorf(v, nodesPath, "a topology needs at least one node")
		}
	}
	if r := f.get("roles"); r != nil {
		rolesPath := f.at("roles")
		rm := deref(r)
		if rm.Kind != yaml.MappingNode {
			d.errorf(r, rolesPath, "want a mapping of node: role, got %s", describe(r))
			return t
		}
		t.Roles = map[node.ID]string{}
		for i := 0; i+1 < len(rm.Content); i += 2 {
			key := deref(rm.Content[i])
			name, ok := d.str(key, rolesPath)
			if !ok {
				continue
			}
			id := d.nodeRef(key, rolesPath, name, t)
			if id == "" {
				continue
			}
			if _, dup := t.Roles[id]; dup {
				d.errorf(key, rolesPath, "node %q given a role twice", name)
				continue
			}
			role, ok := d.str(rm.Content[i+1], joinPath(rolesPath, name))
			if ok && role == "" {
				d.errorf(rm.Content[i+1], joinPath(rolesPath, name), "empty role")
				continue
			}
			if ok {
				t.Roles[id] = role
			}
		}
	}
	return t
}

// nodeRef checks that name is a node of the topology.
func (d *decoder) nodeRef(n *yaml.Node, path, name string, t Topology) node.ID {
	if t.Has(node.ID(name)) {
		return node.ID(name)
	}
	if len(t.Nodes) == 0 {
		return "" // the topology itself is broken and already reported
	}
	names := make([]string, len(t.Nodes))
	for i, id := range t.Nodes {
		names[i] = string(id)
	}
	d.errorf(n, path, "unknown node %q%s; the topology has %s", name, suggest(name, names), summarize(names))
	return ""
}

// summarize lists names, shortening long lists.
func summarize(names []string) string {
	const shownMax = 8
	if len(names) <= shownMax {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s … %s (%d nodes)", strings.Join(names[:shownMax-1], ", "), names[len(names)-1], len(names))
}

// nodeList reads one node name or a list of them, all in the topology.
func (d *decoder) nodeList(n *yaml.Node, path string, t Topology) []node.ID {
	n = deref(n)
	items := []*yaml.Node{n}
	if n.Kind == yaml.SequenceNode {
		items = n.Content
		if len(items) == 0 {
			d.errorf(n, path, "empty list of nodes")
		}
	}
	var ids []node.ID
	for i, item := range items {
		itemPath := path
		if n.Kind == yaml.SequenceNode {
			itemPath = index(path, i)
		}
		name, ok := d.str(item, itemPath)
		if !ok {
			continue
		}
		id := d.nodeRef(item, itemPath, name, t)
		if id == "" {
			continue
		}
		for _, prev := range ids {
			if prev == id {
				d.errorf(item, itemPath, "node %q listed twice", name)
				id = ""
				break
			}
		}
		if id != "" {
			ids = append(ids, id)
		}
	}
	return ids
}

func defaultNetwork() Network {
	// 100µs one way is a quiet network inside one data centre.
	return Network{Latency: Delay{Kind: DelayConstant, Mean: 100 * time.Microsecond}}
}

func (d *decoder) network(n *yaml.Node, path string) Network {
	net := defaultNetwork()
	f := d.mapping(n, path, []string{"latency", "loss", "duplicate"})
	if f == nil {
		return net
	}
	if v := f.get("latency"); v != nil {
		net.Latency = d.delay(v, f.at("latency"))
	}
	if v := f.get("loss"); v != nil {
		net.Loss, _ = d.probability(v, f.at("loss"))
	}
	if v := f.get("duplicate"); v != nil {
		net.Duplicate, _ = d.probability(v, f.at("duplicate"))
	}
	return net
}

func defaultDisk() DiskModel {
	// A datacenter SSD syncs in about a millisecond; Linux writes dirty
	// pages back after 30s (vm.dirty_expire_centisecs = 3000); a crash
	// may tear the tail of an append, so formats must cope by default.
	return DiskModel{
		SyncLatency: Delay{Kind: DelayConstant, Mean: time.Millisecond},
		Writeback:   30 * time.Second,
		TornWrites:  true,
	}
}

func (d *decoder) disk(n *yaml.Node, path string) DiskModel {
	m := defaultDisk()
	f := d.mapping(n, path, []string{"sync_latency", "writeback", "torn_writes"})
	if f == nil {
		return m
	}
	if v := f.get("sync_latency"); v != nil {
		m.SyncLatency = d.delay(v, f.at("sync_latency"))
	}
	if v := f.get("writeback"); v != nil {
		m.Writeback, _ = d.duration(v, f.at("writeback"), false)
	}
	if v := f.get("torn_writes"); v != nil {
		m.TornWrites, _ = d.boolean(v, f.at("torn_writes"))
	}
	return m
}

var delayKinds = []string{
	string(DelayConstant), string(DelayUniform), string(DelayNormal), string(DelayExponential), string(DelayLognormal),
	string(DelayEmpirical),
}

// delayParams says which fields each delay kind takes, all required.
var delayParams = map[DelayKind][]string{
	DelayConstant:    {"mean"},
	DelayUniform:     {"min", "max"},
	DelayNormal:      {"mean", "stddev"},
	DelayExponential: {"mean"},
	DelayLognormal:   {"mean", "stddev"},
	DelayEmpirical:   {"quantiles"},
}

// delay reads `{kind: normal, mean: 200us, stddev: 50us}` or a bare
// duration, which is a constant delay.
func (d *decoder) delay(n *yaml.Node, path string) Delay {
	if s, ok := d.scalar(n); ok {
		v, _ := d.duration(s, path, false)
		return Delay{Kind: DelayConstant, Mean: v}
	}
	f := d.mapping(n, path, []string{"kind", "mean", "stddev", "min", "max", "quantiles"})
	if f == nil {
		return Delay{}
	}
	var out Delay
	k := d.require(f, "kind")
	if k == nil {
		return out
	}
	kind, ok := d.enum(k, f.at("kind"), delayKinds)
	if !ok {
		return out
	}
	out.Kind = DelayKind(kind)
	params := delayParams[out.Kind]
	for _, field := range []string{"mean", "stddev", "min", "max", "quantiles"} {
		v := f.get(field)
		switch {
		case v == nil && contains(params, field):
			d.errorf(f.node, path, "kind %s needs %s", kind, quoteList(params))
			return out
		case v != nil && !contains(params, field):
			d.errorf(f.keys[field], path, "kind %s takes only %s, not %q", kind, quoteList(params), field)
			continue
		case v == nil:
			continue
		case field == "quantiles":
			out.Quantiles = d.quantiles(v, f.at(field))
			continue
		}
		value, _ := d.duration(v, f.at(field), false)
		switch field {
		case "mean":
			out.Mean = value
		case "stddev":
			out.Stddev = value
		case "min":
			out.Min = value
		case "max":
			out.Max = value
		}
	}
	if out.Kind == DelayUniform && out.Min > out.Max {
		d.errorf(f.node, path, "min %v is above max %v", out.Min, out.Max)
	}
	if out.Kind == DelayLognormal && out.Mean == 0 {
		d.errorf(f.get("mean"), f.at("mean"), "a lognormal delay needs a mean above zero")
	}
	return out
}

// quantiles reads an empirical delay's table: a list of 2 or more
// durations in ascending order.
func (d *decoder) quantiles(n *yaml.Node, path string) []time.Duration {
	n = deref(n)
	if n.Kind != yaml.SequenceNode {
		d.errorf(n, path, "want a list of durations, least first: [50us, 80us, 2ms]")
		return nil
	}
	if len(n.Content) < 2 || len(n.Content) > sim.EmpiricalQuantilesMax {
		d.errorf(n, path, "%d quantiles, want 2 to %d (the least and the largest at least)", len(n.Content), sim.EmpiricalQuantilesMax)
		return nil
	}
	out := make([]time.Duration, 0, len(n.Content))
	for i, item := range n.Content {
		v, ok := d.duration(item, index(path, i), false)
		if !ok {
			return nil
		}
		if i > 0 && v < out[i-1] {
			d.errorf(item, index(path, i), "%v is below the quantile before it (%v): want ascending order", v, out[i-1])
			return nil
		}
		out = append(out, v)
	}
	return out
}
