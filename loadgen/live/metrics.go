package live

import (
	"fmt"
	"sort"

	"syslab/node"
)

// The load generator's own Prometheus families (the names
// dashboards/README.md proposed), recorded through a node.Metrics: the
// live/promexport Exporter serves them on `syslab load --metrics-addr`.
// Request duration is the measure the report uses — from each
// operation's intended start in an open loop, from its send in a closed
// loop; service duration is always from the send, for comparison. Both
// names end in _seconds, so the exporter gives them sub-millisecond
// buckets.
const (
	metricRequests        = "loadgen_requests_total"
	metricRequestDuration = "loadgen_request_duration_seconds"
	metricServiceDuration = "loadgen_service_duration_seconds"
	metricLate            = "loadgen_sends_late_total"
	metricDropped         = "loadgen_sends_dropped_total"
	metricRequested       = "loadgen_rate_requested_per_second"
	metricAchieved        = "loadgen_rate_achieved_per_second"
	metricInFlight        = "loadgen_in_flight_requests"
)

// Request outcomes, the values of the outcome label.
const (
	outcomeOK         = "ok"
	outcomeError      = "error"
	outcomeUnanswered = "unanswered"
	outcomeDropped    = "dropped"
)

// MetricNames lists every family the load generator records, for
// dashboards and their test.
func MetricNames() []string {
	return []string{metricRequests, metricRequestDuration, metricServiceDuration, metricLate, metricDropped, metricRequested, metricAchieved, metricInFlight}
}

// opMetricNames are one operation kind's series names, built once so the
// hot path formats nothing.
type opMetricNames struct {
	ok, failed, unanswered, dropped, requestDuration, serviceDuration string
}

// loadMetrics records a run into a node.Metrics; every method is safe for
// concurrent use when the Metrics is (the Exporter is).
type loadMetrics struct {
	m   node.Metrics
	ops map[string]opMetricNames
}

func newLoadMetrics(m node.Metrics, kinds []string) *loadMetrics {
	if m == nil {
		m = node.NopMetrics{}
	}
	lm := &loadMetrics{m: m, ops: map[string]opMetricNames{}}
	sorted := append([]string(nil), kinds...)
	sort.Strings(sorted)
	for _, k := range sorted {
		series := func(outcome string) string {
			return fmt.Sprintf("%s{op=%q,outcome=%q}", metricRequests, k, outcome)
		}
		names := opMetricNames{
			ok: series(outcomeOK), failed: series(outcomeError), unanswered: series(outcomeUnanswered),
			dropped:         series(outcomeDropped),
			requestDuration: fmt.Sprintf("%s{op=%q}", metricRequestDuration, k),
			serviceDuration: fmt.Sprintf("%s{op=%q}", metricServiceDuration, k),
		}
		lm.ops[k] = names
		// Every counter exists from the start, at 0, so a dashboard
		// shows a flat line rather than no data.
		for _, n := range []string{names.ok, names.failed, names.unanswered, names.dropped} {
			m.Add(n, 0)
		}
	}
	m.Add(metricLate, 0)
	m.Add(metricDropped, 0)
	m.Set(metricRequested, 0)
	m.Set(metricAchieved, 0)
	m.Set(metricInFlight, 0)
	return lm
}

func (lm *loadMetrics) completed(c completion) {
	names := lm.ops[c.kind]
	if c.errKind != "" {
		lm.m.Add(names.failed, 1)
		return
	}
	lm.m.Add(names.ok, 1)
	lm.m.Observe(names.requestDuration, c.latency.Seconds())
	lm.m.Observe(names.serviceDuration, c.service.Seconds())
}

func (lm *loadMetrics) unanswered(kind string, failed bool) {
	if failed {
		lm.m.Add(lm.ops[kind].failed, 1)
		return
	}
	lm.m.Add(lm.ops[kind].unanswered, 1)
}

func (lm *loadMetrics) dropped(kind string) {
	lm.m.Add(lm.ops[kind].dropped, 1)
	lm.m.Add(metricDropped, 1)
}

func (lm *loadMetrics) late() { lm.m.Add(metricLate, 1) }

// gauges sets the schedule's rate now, what completed over the last
// interval and what is in flight.
func (lm *loadMetrics) gauges(requestedPerSec, achievedPerSec float64, inFlight int64) {
	lm.m.Set(metricRequested, requestedPerSec)
	lm.m.Set(metricAchieved, achievedPerSec)
	lm.m.Set(metricInFlight, float64(inFlight))
}
