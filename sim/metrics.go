package sim

import (
	"sort"
	"strings"

	"syslab/node"
)

// MetricKind says how a metric aggregates.
type MetricKind string

const (
	MetricCounter   MetricKind = "counter"   // Value is the sum of Add deltas
	MetricGauge     MetricKind = "gauge"     // Value is the last Set
	MetricHistogram MetricKind = "histogram" // Count and Sum of Observe samples
)

// Metric is one named series of a node, as of the snapshot.
type Metric struct {
	Name  string
	Kind  MetricKind
	Value float64 // counter or gauge
	Count uint64  // histogram: samples observed
	Sum   float64 // histogram: sum of samples
}

// nodeMetrics keeps a node's metrics across its incarnations, so a report
// sees a node's totals for the whole run.
type nodeMetrics struct {
	byName map[string]*Metric
}

var _ node.Metrics = (*nodeMetrics)(nil)

func newNodeMetrics() *nodeMetrics { return &nodeMetrics{byName: make(map[string]*Metric)} }

func (m *nodeMetrics) get(name string, kind MetricKind) *Metric {
	s, ok := m.byName[name]
	if !ok {
		s = &Metric{Name: name, Kind: kind}
		m.byName[name] = s
	}
	return s
}

func (m *nodeMetrics) Add(name string, delta float64) { m.get(name, MetricCounter).Value += delta }
func (m *nodeMetrics) Set(name string, value float64) { m.get(name, MetricGauge).Value = value }

func (m *nodeMetrics) Observe(name string, value float64) {
	s := m.get(name, MetricHistogram)
	s.Count++
	s.Sum += value
}

// Metrics returns a snapshot of the node's metrics sorted by name.
func (w *World) Metrics(id node.ID) []Metric {
	m := w.mustNode(id).metrics
	out := make([]Metric, 0, len(m.byName))
	for _, s := range m.byName {
		out = append(out, *s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// MetricValues flattens Metrics into Prometheus-style series: counters and
// gauges by name, histograms as name_count and name_sum (the suffix goes
// before any label set, as in the exposition format).
func (w *World) MetricValues(id node.ID) map[string]float64 {
	out := make(map[string]float64)
	for _, m := range w.Metrics(id) {
		if m.Kind != MetricHistogram {
			out[m.Name] = m.Value
			continue
		}
		out[withSuffix(m.Name, "_count")] = float64(m.Count)
		out[withSuffix(m.Name, "_sum")] = m.Sum
	}
	return out
}

func withSuffix(name, suffix string) string {
	if i := strings.IndexByte(name, '{'); i >= 0 {
		return name[:i] + suffix + name[i:]
	}
	return name + suffix
}
