package node

// Metrics is where a node records what it wants observed. Names follow
// Prometheus conventions and may carry a label set in exposition syntax,
// for example `cache_commands_total{cmd="get"}`. The simulator keeps them
// per node for reports; live mode exports them on /metrics.
type Metrics interface {
	// Add increases a counter.
	Add(name string, delta float64)
	// Set sets a gauge.
	Set(name string, value float64)
	// Observe records one sample of a distribution (a histogram in
	// Prometheus terms). Values carry their unit in the name: _seconds,
	// _bytes.
	Observe(name string, value float64)
}

// NopMetrics discards everything.
type NopMetrics struct{}

func (NopMetrics) Add(string, float64)     {}
func (NopMetrics) Set(string, float64)     {}
func (NopMetrics) Observe(string, float64) {}
