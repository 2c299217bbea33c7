package loadgen

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
)

// Mix chooses operation names by weight, e.g. 90% get, 10% set.
type Mix struct {
	names []string // sorted, so a map's order never decides a choice
	// cumulative[i] is the total weight of names[0..i].
	cumulative []float64
}

// NewMix builds a Mix from weights; they need not sum to 1. Weights must
// be finite and non-negative, and at least one positive.
func NewMix(weights map[string]float64) (*Mix, error) {
	if len(weights) == 0 {
		return nil, fmt.Errorf("operation mix: no operations")
	}
	m := &Mix{}
	for name := range weights {
		m.names = append(m.names, name)
	}
	sort.Strings(m.names)
	total := 0.0
	for _, name := range m.names {
		w := weights[name]
		if name == "" {
			return nil, fmt.Errorf("operation mix: empty operation name")
		}
		if !(w >= 0) || math.IsInf(w, 0) {
			return nil, fmt.Errorf("operation mix: weight of %q is %v: want a finite number ≥ 0", name, w)
		}
		total += w
		m.cumulative = append(m.cumulative, total)
	}
	if !(total > 0) || math.IsInf(total, 0) {
		return nil, fmt.Errorf("operation mix: weights sum to %v: want a finite number > 0", total)
	}
	return m, nil
}

// ParseMix reads "get:0.9,set:0.1" (spaces allowed around items).
func ParseMix(spec string) (*Mix, error) {
	weights := map[string]float64{}
	for _, item := range strings.Split(spec, ",") {
		name, weight, found := strings.Cut(strings.TrimSpace(item), ":")
		if !found {
			return nil, fmt.Errorf("operation mix %q: item %q: want name:weight", spec, item)
		}
		if _, dup := weights[name]; dup {
			return nil, fmt.Errorf("operation mix %q: %q given twice", spec, name)
		}
		w, err := strconv.ParseFloat(weight, 64)
		if err != nil {
			return nil, fmt.Errorf("operation mix %q: weight %q of %q is not a number", spec, weight, name)
		}
		weights[name] = w
	}
	m, err := NewMix(weights)
	if err != nil {
		return nil, fmt.Errorf("%w (in %q)", err, spec)
	}
	return m, nil
}

// Next chooses an operation name.
func (m *Mix) Next(r *rand.Rand) string {
	total := m.cumulative[len(m.cumulative)-1]
	x := r.Float64() * total
	i := sort.Search(len(m.cumulative), func(i int) bool { return m.cumulative[i] > x })
	if i == len(m.names) { // only if rounding put x at the very top
		i = len(m.names) - 1
	}
	return m.names[i]
}

// Share is the fraction of operations that are name.
func (m *Mix) Share(name string) float64 {
	i := sort.SearchStrings(m.names, name)
	if i == len(m.names) || m.names[i] != name {
		return 0
	}
	prev := 0.0
	if i > 0 {
		prev = m.cumulative[i-1]
	}
	return (m.cumulative[i] - prev) / m.cumulative[len(m.cumulative)-1]
}

// Names lists the operations, sorted.
func (m *Mix) Names() []string { return append([]string(nil), m.names...) }
