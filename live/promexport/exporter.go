// Package promexport exports a live node's metrics to Prometheus. Its
// Exporter is the node.Metrics a live runtime (and the protocol server
// around it) records into: every Add, Set and Observe with a name such as
// `cache_commands_total{cmd="get"}` becomes a series of a client_golang
// counter, gauge or histogram vector, created on first use and served on
// /metrics in the text exposition format.
//
// It is an adapter: it is safe for concurrent use, because a live node's
// loop and its server's connection goroutines record at once.
package promexport

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"syslab/node"
)

// LatencyBuckets are the histogram bounds, in seconds, of every family
// whose name ends in _seconds: 10 per decade from 10µs to 10s. The
// client_golang defaults start at 5ms, which would put every command of a
// cache into one bucket; here the sub-millisecond range has 20 buckets and
// a quantile read from them is off by at most one bucket width (26%).
var LatencyBuckets = prometheus.ExponentialBucketsRange(10e-6, 10, 61)

// SizeBuckets are the bounds of families ending in _bytes: powers of 4 from
// 64 B to 64 MiB.
var SizeBuckets = prometheus.ExponentialBuckets(64, 4, 11)

// OtherBuckets are the bounds of any other histogram: client_golang's
// defaults.
var OtherBuckets = prometheus.DefBuckets

// rejectedFamily counts samples the Exporter could not record. A name that
// breaks a rule is a bug in the code that recorded it, not an outage, so it
// is counted and logged once rather than returned or panicked on.
const rejectedFamily = "syslab_metrics_rejected_total"

// Config configures an Exporter.
type Config struct {
	// ConstLabels are added to every series (for example node="cache-1").
	ConstLabels map[string]string
	// Log receives one line per name that is rejected; nil discards.
	Log io.Writer
	// NoRuntimeMetrics leaves out the Go runtime and process collectors
	// (go_*, process_*), which tests that compare whole outputs don't want.
	NoRuntimeMetrics bool
}

// Exporter is a node.Metrics backed by a Prometheus registry.
type Exporter struct {
	cfg      Config
	registry *prometheus.Registry
	rejected *prometheus.CounterVec

	// series caches a name string → its recorder, so the hot path is one
	// lock-free map load (the names a node uses are few and repeat).
	series sync.Map // string → *series
	// logged holds the rejection messages already written to Log.
	logged sync.Map // string → bool

	mu       sync.Mutex // guards families and registration
	families map[string]*family
}

var _ node.Metrics = (*Exporter)(nil)

type kind uint8

const (
	kindCounter kind = iota + 1
	kindGauge
	kindHistogram
)

func (k kind) String() string {
	switch k {
	case kindCounter:
		return "counter"
	case kindGauge:
		return "gauge"
	case kindHistogram:
		return "histogram"
	}
	return "unknown"
}

// family is one metric name with a fixed kind and label names.
type family struct {
	kind       kind
	labelNames []string
	counters   *prometheus.CounterVec
	gauges     *prometheus.GaugeVec
	histograms *prometheus.HistogramVec
}

// series is a resolved name: exactly one of its fields is set, or err when
// the name was rejected (kept so a bad name is logged once, not per call).
type series struct {
	kind     kind
	counter  prometheus.Counter
	gauge    prometheus.Gauge
	observer prometheus.Observer
	err      error
}

// New returns an Exporter with its own registry.
func New(cfg Config) *Exporter {
	e := &Exporter{cfg: cfg, registry: prometheus.NewRegistry(), families: make(map[string]*family)}
	e.rejected = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name:        rejectedFamily,
		Help:        "Samples dropped because their metric name was malformed or conflicted with an earlier use.",
		ConstLabels: cfg.ConstLabels,
	}, []string{"reason"})
	e.registry.MustRegister(e.rejected)
	for _, reason := range []string{"bad_name", "kind_conflict", "negative_delta"} {
		e.rejected.WithLabelValues(reason) // exported as 0 from the start
	}
	if !cfg.NoRuntimeMetrics {
		e.registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	return e
}

// Registry is the registry the Exporter registers into; callers may
// register collectors of their own there, and tests gather from it.
func (e *Exporter) Registry() *prometheus.Registry { return e.registry }

// Handler serves the registry in the Prometheus exposition formats.
func (e *Exporter) Handler() http.Handler {
	return promhttp.HandlerFor(e.registry, promhttp.HandlerOpts{Registry: e.registry})
}

// Add increases a counter. A negative delta is rejected: Prometheus
// counters only go up (a reset is a restart of the process).
func (e *Exporter) Add(name string, delta float64) {
	s := e.lookup(name, kindCounter)
	if s == nil {
		return
	}
	if delta < 0 {
		e.reject("negative_delta", fmt.Errorf("metric %q: counter decreased by %v", name, -delta))
		return
	}
	s.counter.Add(delta)
}

// Set sets a gauge.
func (e *Exporter) Set(name string, value float64) {
	if s := e.lookup(name, kindGauge); s != nil {
		s.gauge.Set(value)
	}
}

// Observe records a histogram sample.
func (e *Exporter) Observe(name string, value float64) {
	if s := e.lookup(name, kindHistogram); s != nil {
		s.observer.Observe(value)
	}
}

// lookup resolves name to its recorder of kind k, creating the family and
// series on first use; nil when the name is rejected.
func (e *Exporter) lookup(name string, k kind) *series {
	if v, ok := e.series.Load(name); ok {
		s := v.(*series)
		if s.err == nil && s.kind == k {
			return s
		}
		if s.err != nil {
			e.reject("bad_name", s.err)
			return nil
		}
		e.reject("kind_conflict", fmt.Errorf("metric %q: used as a %s after being a %s", name, k, s.kind))
		return nil
	}
	s := e.resolve(name, k)
	actual, _ := e.series.LoadOrStore(name, s)
	s = actual.(*series)
	if s.err != nil {
		e.reject("bad_name", s.err)
		return nil
	}
	if s.kind != k {
		e.reject("kind_conflict", fmt.Errorf("metric %q: used as a %s after being a %s", name, k, s.kind))
		return nil
	}
	return s
}

func (e *Exporter) resolve(name string, k kind) *series {
	p, err := parseName(name)
	if err != nil {
		return &series{err: err}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	f, ok := e.families[p.family]
	if !ok {
		f, err = e.newFamily(p, k)
		if err != nil {
			return &series{err: err}
		}
		e.families[p.family] = f
	}
	if f.kind != k {
		return &series{err: fmt.Errorf("metric %q: family %s is a %s, not a %s", name, p.family, f.kind, k)}
	}
	if got, want := p.labelNames(), f.labelNames; !equalStrings(got, want) {
		return &series{err: fmt.Errorf("metric %q: family %s has labels {%s}, not {%s}", name, p.family, strings.Join(want, ","), strings.Join(got, ","))}
	}
	values := make([]string, len(p.labels))
	for i, l := range p.labels {
		values[i] = l.value
	}
	s := &series{kind: k}
	switch k {
	case kindCounter:
		s.counter, err = f.counters.GetMetricWithLabelValues(values...)
	case kindGauge:
		s.gauge, err = f.gauges.GetMetricWithLabelValues(values...)
	case kindHistogram:
		s.observer, err = f.histograms.GetMetricWithLabelValues(values...)
	}
	if err != nil {
		return &series{err: fmt.Errorf("metric %q: %w", name, err)}
	}
	return s
}

func (e *Exporter) newFamily(p parsedName, k kind) (*family, error) {
	help := helpFor(p.family, k)
	f := &family{kind: k, labelNames: p.labelNames()}
	var c prometheus.Collector
	switch k {
	case kindCounter:
		f.counters = prometheus.NewCounterVec(prometheus.CounterOpts{Name: p.family, Help: help, ConstLabels: e.cfg.ConstLabels}, f.labelNames)
		c = f.counters
	case kindGauge:
		f.gauges = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: p.family, Help: help, ConstLabels: e.cfg.ConstLabels}, f.labelNames)
		c = f.gauges
	case kindHistogram:
		f.histograms = prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: p.family, Help: help, ConstLabels: e.cfg.ConstLabels,
			Buckets: bucketsFor(p.family),
			// Native histograms too, for a Prometheus that scrapes them:
			// ~10% wide buckets at any scale, no bounds to choose.
			NativeHistogramBucketFactor:     1.1,
			NativeHistogramMaxBucketNumber:  160,
			NativeHistogramMinResetDuration: 0,
		}, f.labelNames)
		c = f.histograms
	}
	if err := e.registry.Register(c); err != nil {
		return nil, fmt.Errorf("metric family %s: %w", p.family, err)
	}
	return f, nil
}

// reject counts a sample that could not be recorded and logs each distinct
// problem once, so a bad name in a hot path cannot flood the log.
func (e *Exporter) reject(reason string, err error) {
	e.rejected.WithLabelValues(reason).Inc()
	if e.cfg.Log == nil {
		return
	}
	if _, seen := e.logged.LoadOrStore(err.Error(), true); !seen {
		fmt.Fprintf(e.cfg.Log, "promexport: %v\n", err)
	}
}

// bucketsFor picks histogram bounds by the unit the name ends in.
func bucketsFor(family string) []float64 {
	switch {
	case strings.HasSuffix(family, "_seconds"):
		return LatencyBuckets
	case strings.HasSuffix(family, "_bytes"):
		return SizeBuckets
	}
	return OtherBuckets
}

// helpFor is the HELP line of a family created on first use. Node code
// names its metrics where it records them and has no place for prose, so
// the help says where the series come from.
func helpFor(family string, k kind) string {
	return fmt.Sprintf("%s recorded by a syslab node (%s).", family, k)
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
