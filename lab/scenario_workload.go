package lab

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"syslab/loadgen"
)

var phaseFields = []string{
	"name", "start", "duration", "clients", "rate", "concurrency", "arrival",
	"keys", "values", "mix", "timeout",
}

// Defaults a phase gets for fields it leaves out.
const (
	defaultOpTimeout  = time.Second
	defaultValueBytes = 64
	defaultKeyPrefix  = "key:"
	defaultKeyCount   = 1000
)

// Bounds that keep one phase inside what a single simulated world holds.
const (
	phaseClientsMax = 100000
	phaseKeysMax    = 1 << 30
	valueBytesMax   = 512 << 20 // Redis's own limit for a string value
)

func (d *decoder) workload(n *yaml.Node, path string, s *Scenario, engine Engine) []Phase {
	items, ok := d.seq(n, path)
	if !ok {
		return nil
	}
	if len(items) == 0 {
		d.errorf(n, path, "a scenario needs at least one workload phase")
	}
	var phases []Phase
	seen := map[string]int{}
	for i, item := range items {
		p, ok := d.phase(item, index(path, i), i, s, engine)
		if !ok {
			continue
		}
		if first, dup := seen[p.Name]; dup {
			d.errorf(item, index(path, i), "phase name %q already used by %s", p.Name, index(path, first))
		}
		seen[p.Name] = i
		phases = append(phases, p)
	}
	return phases
}

func (d *decoder) phase(n *yaml.Node, path string, i int, s *Scenario, engine Engine) (Phase, bool) {
	p := Phase{
		Line:    lineOf(n),
		Name:    fmt.Sprintf("phase-%d", i+1),
		Arrival: ArrivalConstant,
		Keys:    Keys{Count: defaultKeyCount, Prefix: defaultKeyPrefix, Distribution: KeyDistribution{Kind: KeysUniform}},
		Values:  Values{MinBytes: defaultValueBytes, MaxBytes: defaultValueBytes},
		Timeout: defaultOpTimeout,
	}
	f := d.mapping(n, path, phaseFields)
	if f == nil {
		return p, false
	}
	errsBefore := len(d.errs)
	if v := f.get("name"); v != nil {
		if name, ok := d.str(v, f.at("name")); ok {
			if err := checkName(name); err != nil {
				d.errorf(v, f.at("name"), "%v", err)
			}
			p.Name = name
		}
	}
	if v := f.get("start"); v != nil {
		p.Start, _ = d.duration(v, f.at("start"), false)
	}
	if s.Duration > 0 && p.Start >= s.Duration {
		d.errorf(f.get("start"), f.at("start"), "starts at %v, not before the scenario's end (duration %v)", p.Start, s.Duration)
	}
	p.Duration = s.Duration - p.Start
	if v := f.get("duration"); v != nil {
		if dur, ok := d.positiveDuration(v, f.at("duration")); ok {
			if s.Duration > 0 && p.Start+dur > s.Duration {
				d.errorf(v, f.at("duration"), "phase ends at %v, after the scenario's end (duration %v)", p.Start+dur, s.Duration)
			}
			p.Duration = dur
		}
	}
	if v := d.require(f, "clients"); v != nil {
		p.Clients, _ = d.count(v, f.at("clients"), 1)
		if p.Clients > phaseClientsMax {
			d.errorf(v, f.at("clients"), "%d clients is more than %d", p.Clients, phaseClientsMax)
		}
	}
	switch d.oneOf(f, "rate", "concurrency") {
	case "rate":
		p.Rate, _ = d.rate(f.get("rate"), f.at("rate"))
	case "concurrency":
		v := f.get("concurrency")
		p.Concurrency, _ = d.count(v, f.at("concurrency"), 1)
		if p.Clients > 0 && p.Concurrency > 0 && p.Concurrency < p.Clients {
			d.errorf(v, f.at("concurrency"), "concurrency %d is below clients %d: each client keeps at least one operation outstanding", p.Concurrency, p.Clients)
		}
		if f.has("arrival") {
			d.errorf(f.keys["arrival"], path, "arrival applies to open-loop phases (rate), not to concurrency")
		}
	}
	if v := f.get("arrival"); v != nil {
		if text, ok := d.str(v, f.at("arrival")); ok {
			if err := checkArrival(text, p.Rate.PerSecond(), p.Duration); err != nil {
				d.errorf(v, f.at("arrival"), "%v", err)
			}
			p.Arrival = Arrival(text)
		}
	}
	if v := f.get("keys"); v != nil {
		p.Keys = d.keys(v, f.at("keys"))
	}
	if v := f.get("values"); v != nil {
		p.Values = d.values(v, f.at("values"))
	}
	if v := d.require(f, "mix"); v != nil {
		p.Mix = d.mix(v, f.at("mix"), engine)
	}
	if v := f.get("timeout"); v != nil {
		p.Timeout, _ = d.positiveDuration(v, f.at("timeout"))
	}
	return p, len(d.errs) == errsBefore
}

// checkArrival builds the schedule once, so a ramp that falls outside the
// rate bounds or a sine deeper than the rate is an error of the file.
func checkArrival(text string, ratePerSec float64, phaseLength time.Duration) error {
	spec, err := loadgen.ParseSchedule(text)
	if err != nil {
		return err
	}
	if ratePerSec <= 0 {
		return nil // the rate's own error is reported
	}
	_, err = loadgen.NewArrivals(spec, ratePerSec, phaseLength, rand.New(rand.NewPCG(0, 0)))
	return err
}

func (d *decoder) keys(n *yaml.Node, path string) Keys {
	k := Keys{Count: defaultKeyCount, Prefix: defaultKeyPrefix, Distribution: KeyDistribution{Kind: KeysUniform}}
	f := d.mapping(n, path, []string{"count", "prefix", "distribution"})
	if f == nil {
		return k
	}
	if v := f.get("count"); v != nil {
		k.Count, _ = d.count(v, f.at("count"), 1)
		if k.Count > phaseKeysMax {
			d.errorf(v, f.at("count"), "%d keys is more than %d", k.Count, phaseKeysMax)
		}
	}
	if v := f.get("prefix"); v != nil {
		k.Prefix, _ = d.str(v, f.at("prefix"))
	}
	if v := f.get("distribution"); v != nil {
		if text, ok := d.str(v, f.at("distribution")); ok {
			dist, err := ParseKeyDistribution(text)
			if err != nil {
				d.errorf(v, f.at("distribution"), "%v", err)
			}
			k.Distribution = dist
		}
	}
	return k
}

// values reads `{size: 64}` or `{min: 16, max: 256}` (bytes).
func (d *decoder) values(n *yaml.Node, path string) Values {
	out := Values{MinBytes: defaultValueBytes, MaxBytes: defaultValueBytes}
	f := d.mapping(n, path, []string{"size", "min", "max"})
	if f == nil {
		return out
	}
	read := func(field string) int {
		v, _ := d.count(f.get(field), f.at(field), 0)
		if v > valueBytesMax {
			d.errorf(f.get(field), f.at(field), "%d bytes is more than %d", v, valueBytesMax)
		}
		return v
	}
	switch {
	case f.has("size") && (f.has("min") || f.has("max")):
		d.errorf(f.node, path, "give either size or min and max, not both")
	case f.has("size"):
		out.MinBytes = read("size")
		out.MaxBytes = out.MinBytes
	case f.has("min") && f.has("max"):
		out.MinBytes, out.MaxBytes = read("min"), read("max")
		if out.MinBytes > out.MaxBytes {
			d.errorf(f.node, path, "min %d is above max %d", out.MinBytes, out.MaxBytes)
		}
	default:
		d.errorf(f.node, path, "want size, or both min and max")
	}
	return out
}

// mix reads `{get: 0.5, set: 0.4}`: op names from the engine, weights
// above zero and relative (they need not add up to one).
func (d *decoder) mix(n *yaml.Node, path string, engine Engine) []OpWeight {
	m := deref(n)
	if m.Kind != yaml.MappingNode {
		d.errorf(n, path, "want a mapping of op: weight, got %s", describe(n))
		return nil
	}
	if len(m.Content) == 0 {
		d.errorf(n, path, "an empty mix issues no operations")
		return nil
	}
	var ops []string
	if engine != nil {
		ops = append(ops, engine.Ops()...)
		sort.Strings(ops)
	}
	var mix []OpWeight
	for i := 0; i+1 < len(m.Content); i += 2 {
		key := deref(m.Content[i])
		op, ok := d.str(key, path)
		if !ok {
			continue
		}
		if engine != nil && !contains(ops, op) {
			d.errorf(key, path, "unknown op %q%s; engine %s has %s", op, suggest(op, ops), engine.Name(), strings.Join(ops, ", "))
			continue
		}
		for _, prev := range mix {
			if prev.Op == op {
				d.errorf(key, path, "op %q given twice", op)
				ok = false
			}
		}
		weight, wok := d.float(m.Content[i+1], joinPath(path, op))
		if wok && weight <= 0 {
			d.errorf(m.Content[i+1], joinPath(path, op), "weight must be above zero, got %v (leave the op out instead)", weight)
			wok = false
		}
		if ok && wok {
			mix = append(mix, OpWeight{Op: op, Weight: weight})
		}
	}
	return mix
}
