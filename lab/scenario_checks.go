package lab

import (
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"syslab/check"
)

var builtinChecks = []string{
	string(CheckLinearizable), string(CheckLostAckedWrites), string(CheckLatency), string(CheckErrorRate),
}

func isBuiltinCheck(k CheckKind) bool { return contains(builtinChecks, string(k)) }

// linearizabilityModels are the porcupine models package check provides.
var linearizabilityModels = check.ModelNames()

// defaultLinearizabilityTimeout is porcupine's real-time budget when the
// scenario gives none; past it the verdict is "unknown", said honestly.
const defaultLinearizabilityTimeout = 30 * time.Second

// checks reads the list of checks; each entry is a one-field mapping from
// the check name to its parameters.
func (d *decoder) checks(n *yaml.Node, path string, s *Scenario, engine Engine) []Check {
	items, ok := d.seq(n, path)
	if !ok {
		return nil
	}
	known := append([]string{}, builtinChecks...)
	var engineChecks []string
	if engine != nil {
		engineChecks = append(engineChecks, engine.Checks()...)
		sort.Strings(engineChecks)
		known = append(known, engineChecks...)
	}
	var out []Check
	for i, item := range items {
		ip := index(path, i)
		m := deref(item)
		if m == nil || m.Kind != yaml.MappingNode || len(m.Content) != 2 {
			d.errorf(item, ip, "want one check as `name: {params}`, e.g. `- latency: {op: get, p99: 5ms}`; got %s", describe(item))
			continue
		}
		key := deref(m.Content[0])
		name, ok := d.str(key, ip)
		if !ok {
			continue
		}
		if !contains(known, name) {
			d.errorf(key, ip, "unknown check %q%s; valid: %s", name, suggest(name, known), strings.Join(known, ", "))
			continue
		}
		params := m.Content[1]
		cp := joinPath(ip, name)
		errsBefore := len(d.errs)
		c := Check{Line: lineOf(item), Kind: CheckKind(name)}
		switch c.Kind {
		case CheckLinearizable:
			c.Linearizable = d.linearizable(params, cp)
		case CheckLostAckedWrites:
			c.LostAckedWrites = d.lostAckedWrites(params, cp)
		case CheckLatency:
			c.Latency = d.latency(params, cp, s, engine)
		case CheckErrorRate:
			c.ErrorRate = d.errorRate(params, cp, s, engine)
		default:
			c.Params = deref(params)
			if v, ok := engine.(CheckValidator); ok {
				if err := v.ValidateCheck(name, c.Params); err != nil {
					d.errs = append(d.errs, rebase(err, d.file, c.Params, cp)...)
				}
			}
		}
		if len(d.errs) == errsBefore {
			out = append(out, c)
		}
	}
	return out
}

func (d *decoder) linearizable(n *yaml.Node, path string) *LinearizableCheck {
	out := &LinearizableCheck{Model: "register", Timeout: defaultLinearizabilityTimeout}
	f := d.mapping(n, path, []string{"model", "timeout"})
	if f == nil {
		return out
	}
	if v := f.get("model"); v != nil {
		out.Model, _ = d.enum(v, f.at("model"), linearizabilityModels)
	}
	if v := f.get("timeout"); v != nil {
		out.Timeout, _ = d.positiveDuration(v, f.at("timeout"))
	}
	return out
}

func (d *decoder) lostAckedWrites(n *yaml.Node, path string) *LostAckedWritesCheck {
	out := &LostAckedWritesCheck{}
	f := d.mapping(n, path, []string{"max", "max_window"})
	if f == nil {
		return out
	}
	if !f.has("max") && !f.has("max_window") {
		d.errorf(f.node, path, "want max (lost writes allowed), max_window (only writes older than this must survive a crash) or both")
	}
	if v := f.get("max"); v != nil {
		out.MaxLost, _ = d.count(v, f.at("max"), 0)
	}
	if v := f.get("max_window"); v != nil {
		out.Window, _ = d.positiveDuration(v, f.at("max_window"))
	}
	return out
}

// scope reads the op and phase a latency or error-rate check applies to.
func (d *decoder) scope(f *fields, s *Scenario, engine Engine) (op, phase string) {
	if v := f.get("op"); v != nil && engine != nil {
		ops := append([]string{}, engine.Ops()...)
		sort.Strings(ops)
		op, _ = d.enum(v, f.at("op"), ops)
	} else if v != nil {
		op, _ = d.str(v, f.at("op"))
	}
	if v := f.get("phase"); v != nil {
		names := make([]string, len(s.Workload))
		for i, p := range s.Workload {
			names[i] = p.Name
		}
		phase, _ = d.enum(v, f.at("phase"), names)
	}
	return op, phase
}

var latencyBounds = []string{"p50", "p90", "p99", "p999", "max"}

func (d *decoder) latency(n *yaml.Node, path string, s *Scenario, engine Engine) *LatencyCheck {
	out := &LatencyCheck{}
	f := d.mapping(n, path, append([]string{"op", "phase"}, latencyBounds...))
	if f == nil {
		return out
	}
	out.Op, out.Phase = d.scope(f, s, engine)
	bounds := []*time.Duration{&out.P50, &out.P90, &out.P99, &out.P999, &out.Max}
	given := 0
	for i, name := range latencyBounds {
		if v := f.get(name); v != nil {
			*bounds[i], _ = d.positiveDuration(v, f.at(name))
			given++
		}
	}
	if given == 0 {
		d.errorf(f.node, path, "want at least one bound: %s", strings.Join(latencyBounds, ", "))
	}
	return out
}

func (d *decoder) errorRate(n *yaml.Node, path string, s *Scenario, engine Engine) *ErrorRateCheck {
	out := &ErrorRateCheck{}
	f := d.mapping(n, path, []string{"op", "phase", "max"})
	if f == nil {
		return out
	}
	out.Op, out.Phase = d.scope(f, s, engine)
	if v := d.require(f, "max"); v != nil {
		out.Max, _ = d.probability(v, f.at("max"))
	}
	return out
}
