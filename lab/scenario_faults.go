package lab

import (
	"sort"
	"time"

	"gopkg.in/yaml.v3"

	"syslab/lab/engine"
	"syslab/node"
)

var faultTimingFields = []string{"at", "after", "every", "until", "for"}

var faultActions = []string{
	string(FaultCrash), string(FaultKill), string(FaultRestart), string(FaultPause), string(FaultResume),
	string(FaultPartition), string(FaultOneWay), string(FaultHeal), string(FaultClock), string(FaultDisk),
	string(FaultRandom),
}

var faultFields = append(append([]string{}, faultTimingFields...), faultActions...)

// randomFaultKinds are the faults a nemesis may pick; each has an obvious
// undo (restart, resume, heal) after the nemesis's `for`.
var randomFaultKinds = []string{string(FaultCrash), string(FaultKill), string(FaultPause), string(FaultPartition)}

// driftPPMMax keeps a drifting clock moving forward: at -1e6 ppm it
// would stop.
const driftPPMMax = 500000

// engineActions are the fault actions engine e defines, sorted.
func engineActions(e Engine) []string {
	actor, ok := e.(engine.Actor)
	if !ok {
		return nil
	}
	names := append([]string{}, actor.Actions()...)
	sort.Strings(names)
	return names
}

func (d *decoder) faults(n *yaml.Node, path string, s *Scenario, e Engine) []Fault {
	items, ok := d.seq(n, path)
	if !ok {
		return nil
	}
	var faults []Fault
	var previousAt time.Duration
	for i, item := range items {
		f := d.fault(item, index(path, i), s, previousAt, e)
		previousAt = f.At
		if f.Kind != "" {
			faults = append(faults, f)
		}
	}
	return faults
}

// fault reads one entry; a Fault with an empty Kind means it was
// unreadable. previousAt resolves `after:`.
func (d *decoder) fault(n *yaml.Node, path string, s *Scenario, previousAt time.Duration, e Engine) Fault {
	out := Fault{Line: lineOf(n)}
	extra := engineActions(e)
	f := d.mapping(n, path, append(append([]string{}, faultFields...), extra...))
	if f == nil {
		return out
	}
	errsBefore := len(d.errs)
	action := FaultKind(d.oneOf(f, append(append([]string{}, faultActions...), extra...)...))
	if contains(extra, string(action)) {
		out.Action = string(action)
		action = FaultEngine
	}

	// When it starts.
	switch {
	case f.has("at") && f.has("after"):
		d.errorf(f.keys["after"], path, "give at (from the start of the run) or after (from the previous fault), not both")
	case f.has("at"):
		out.At, _ = d.duration(f.get("at"), f.at("at"), false)
	case f.has("after"):
		after, _ := d.duration(f.get("after"), f.at("after"), false)
		out.At = previousAt + after
	case action != FaultRandom:
		d.errorf(f.node, path, "missing at (from the start of the run) or after (from the previous fault)")
	}
	if s.Duration > 0 && out.At >= s.Duration {
		d.errorf(f.node, path, "starts at %v, not before the scenario's end (duration %v)", out.At, s.Duration)
	}
	// How often, until when.
	if v := f.get("every"); v != nil {
		out.Every, _ = d.positiveDuration(v, f.at("every"))
		if action == FaultRandom {
			d.errorf(f.keys["every"], path, "a random fault sets its pace with random.rate, not every")
		}
	}
	if v := f.get("until"); v != nil {
		if out.Every == 0 && action != FaultRandom {
			d.errorf(f.keys["until"], path, "until bounds repetitions; it needs every")
		}
		until, ok := d.duration(v, f.at("until"), false)
		switch {
		case !ok:
		case until <= out.At:
			d.errorf(v, f.at("until"), "until %v is not after the fault's start %v", until, out.At)
		case s.Duration > 0 && until > s.Duration:
			d.errorf(v, f.at("until"), "until %v is after the scenario's end (duration %v)", until, s.Duration)
		default:
			out.Until = until
		}
	} else if out.Every > 0 || action == FaultRandom {
		out.Until = s.Duration
	}
	// How long.
	if v := f.get("for"); v != nil {
		switch action {
		case FaultRestart, FaultResume, FaultHeal:
			d.errorf(f.keys["for"], path, "%s undoes a fault; it cannot last for a while", action)
		case FaultRandom:
			d.errorf(f.keys["for"], path, "put for inside random: it is how long each random fault lasts")
		default:
			out.For, _ = d.positiveDuration(v, f.at("for"))
			if out.Every > 0 && out.For >= out.Every {
				d.errorf(v, f.at("for"), "lasts %v but repeats every %v: the repetitions would overlap", out.For, out.Every)
			}
		}
	}

	// What it does.
	name := string(action)
	if action == FaultEngine {
		name = out.Action
	}
	at := f.at(name)
	v := f.get(name)
	switch action {
	case "":
		return out
	case FaultEngine:
		if out.For > 0 {
			d.errorf(f.keys["for"], path, "%s is an engine action: it ends when its work is done, not after for", name)
		}
		out.Params = v
		if err := e.(engine.Actor).ValidateAction(name, v, s.Topology.Nodes); err != nil {
			d.errorf(v, at, "%v", err)
		}
	case FaultCrash, FaultKill, FaultRestart, FaultPause, FaultResume:
		out.Nodes = d.nodeList(v, at, s.Topology)
	case FaultPartition:
		out.Partition = d.partition(v, at, s.Topology)
	case FaultOneWay:
		out.OneWay = d.oneWay(v, at, s.Topology)
	case FaultHeal:
		if heal, ok := d.boolean(v, at); ok && !heal {
			d.errorf(v, at, "heal: false does nothing; remove the fault or write heal: true")
		}
	case FaultClock:
		out.Clock = d.clock(v, at, s.Topology)
	case FaultDisk:
		out.Disk = d.diskFault(v, at, s.Topology)
	case FaultRandom:
		out.Random = d.random(v, at, s.Topology)
	}
	if len(d.errs) == errsBefore {
		out.Kind = action
	}
	return out
}

// partition reads `[[a], [b, c]]`: at least two groups, each node in at
// most one.
func (d *decoder) partition(n *yaml.Node, path string, t Topology) [][]node.ID {
	groups, ok := d.seq(n, path)
	if !ok {
		return nil
	}
	if len(groups) < 2 {
		d.errorf(n, path, "a partition needs at least two groups, e.g. [[cache-1], [cache-2, cache-3]]")
		return nil
	}
	var out [][]node.ID
	groupOf := map[node.ID]int{}
	for i, g := range groups {
		gp := index(path, i)
		if dg := deref(g); dg == nil || dg.Kind != yaml.SequenceNode {
			d.errorf(g, gp, "want a list of nodes, got %s", describe(g))
			continue
		}
		ids := d.nodeList(g, gp, t)
		for _, id := range ids {
			if first, dup := groupOf[id]; dup {
				d.errorf(g, gp, "node %q is also in %s; a node belongs to one side", id, index(path, first))
			}
			groupOf[id] = i
		}
		out = append(out, ids)
	}
	return out
}

func (d *decoder) oneWay(n *yaml.Node, path string, t Topology) *OneWay {
	f := d.mapping(n, path, []string{"from", "to"})
	if f == nil {
		return nil
	}
	out := &OneWay{}
	if v := d.require(f, "from"); v != nil {
		out.From = d.nodeList(v, f.at("from"), t)
	}
	if v := d.require(f, "to"); v != nil {
		out.To = d.nodeList(v, f.at("to"), t)
	}
	for _, a := range out.From {
		for _, b := range out.To {
			if a == b {
				d.errorf(f.node, path, "node %q is on both sides", a)
			}
		}
	}
	return out
}

func (d *decoder) clock(n *yaml.Node, path string, t Topology) *ClockFault {
	f := d.mapping(n, path, []string{"node", "offset", "drift_ppm"})
	if f == nil {
		return nil
	}
	out := &ClockFault{}
	if v := d.require(f, "node"); v != nil {
		if name, ok := d.str(v, f.at("node")); ok {
			out.Node = d.nodeRef(v, f.at("node"), name, t)
		}
	}
	if !f.has("offset") && !f.has("drift_ppm") {
		d.errorf(f.node, path, "want offset, drift_ppm or both")
	}
	if v := f.get("offset"); v != nil {
		out.Offset, _ = d.duration(v, f.at("offset"), true)
	}
	if v := f.get("drift_ppm"); v != nil {
		out.DriftPPM, _ = d.float(v, f.at("drift_ppm"))
		if out.DriftPPM > driftPPMMax || out.DriftPPM < -driftPPMMax {
			d.errorf(v, f.at("drift_ppm"), "drift of %v ppm is beyond ±%d", out.DriftPPM, driftPPMMax)
		}
	}
	return out
}

func (d *decoder) diskFault(n *yaml.Node, path string, t Topology) *DiskFault {
	f := d.mapping(n, path, []string{"node", "fault", "probability"})
	if f == nil {
		return nil
	}
	out := &DiskFault{Probability: 1}
	if v := d.require(f, "node"); v != nil {
		if name, ok := d.str(v, f.at("node")); ok {
			out.Node = d.nodeRef(v, f.at("node"), name, t)
		}
	}
	if v := d.require(f, "fault"); v != nil {
		kind, _ := d.enum(v, f.at("fault"), []string{string(DiskEIO), string(DiskFull)})
		out.Fault = DiskFaultKind(kind)
	}
	if v := f.get("probability"); v != nil {
		out.Probability, _ = d.probability(v, f.at("probability"))
	}
	return out
}

func (d *decoder) random(n *yaml.Node, path string, t Topology) *RandomFaults {
	f := d.mapping(n, path, []string{"rate", "kinds", "nodes", "for"})
	if f == nil {
		return nil
	}
	out := &RandomFaults{Nodes: append([]node.ID(nil), t.Nodes...)}
	if v := d.require(f, "rate"); v != nil {
		out.Rate, _ = d.rate(v, f.at("rate"))
	}
	if v := d.require(f, "kinds"); v != nil {
		kindsPath := f.at("kinds")
		items := []*yaml.Node{v}
		if v.Kind == yaml.SequenceNode {
			items = v.Content
		}
		if len(items) == 0 {
			d.errorf(v, kindsPath, "empty list of fault kinds; valid: %s", quoteList(randomFaultKinds))
		}
		for i, item := range items {
			kind, ok := d.enum(item, index(kindsPath, i), randomFaultKinds)
			if !ok {
				continue
			}
			for _, prev := range out.Kinds {
				if prev == FaultKind(kind) {
					d.errorf(item, index(kindsPath, i), "kind %q listed twice", kind)
					ok = false
				}
			}
			if ok {
				out.Kinds = append(out.Kinds, FaultKind(kind))
			}
		}
	}
	if v := f.get("nodes"); v != nil {
		out.Nodes = d.nodeList(v, f.at("nodes"), t)
	}
	if v := d.require(f, "for"); v != nil {
		out.For, _ = d.positiveDuration(v, f.at("for"))
	}
	for _, k := range out.Kinds {
		if k == FaultPartition && len(out.Nodes) < 2 {
			d.errorf(f.node, path, "random partitions need at least two nodes")
		}
	}
	return out
}
