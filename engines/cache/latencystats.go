package cache

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// INFO latencystats: per-command latency percentiles, as Redis 7.0 keeps
// them while latency-tracking is yes (its default). Each command (and
// container subcommand, "client|id") that ran gets an HDR histogram of its
// durations (commandclock.go) from 1 ns to 1 s with two significant
// digits, Redis's LATENCY_HISTOGRAM_* bounds; INFO prints the percentiles
// of latency-tracking-info-percentiles ("50 99 99.9") in microseconds:
//
//	latency_percentiles_usec_get:p50=1.003,p99=3.007,p99.9=10.047
//
// CONFIG RESETSTAT drops the histograms with the other command counters.
const (
	latencyHistogramMinNanos   = 1
	latencyHistogramMaxNanos   = int64(time.Second)
	latencyHistogramSigFigures = 2
)

type latencyTracking struct {
	disabled bool // latency-tracking no
	// percentiles are latency-tracking-info-percentiles, 0..100 each.
	percentiles []float64
}

func newLatencyTracking() latencyTracking {
	return latencyTracking{percentiles: []float64{50, 99, 99.9}}
}

// recordLatency adds a command's duration to its histogram.
func (n *Node) recordLatency(s *commandStat, duration time.Duration) {
	if n.latency.disabled {
		return
	}
	if s.latency == nil {
		s.latency = hdrhistogram.New(latencyHistogramMinNanos, latencyHistogramMaxNanos, latencyHistogramSigFigures)
	}
	nanos := min(max(duration.Nanoseconds(), latencyHistogramMinNanos), latencyHistogramMaxNanos)
	_ = s.latency.RecordValue(nanos) // within the histogram's range by the clamp above
}

// writeLatencyStats writes INFO latencystats, in name order.
func (n *Node) writeLatencyStats(field func(name string, value any)) {
	byName := n.latencyHistograms()
	for _, name := range slices.Sorted(maps.Keys(byName)) { // never map order
		h := byName[name]
		parts := make([]string, len(n.latency.percentiles))
		for i, p := range n.latency.percentiles {
			micros := float64(h.ValueAtQuantile(p)) / 1000
			parts[i] = "p" + formatPercentile(p) + "=" + strconv.FormatFloat(micros, 'f', 3, 64)
		}
		field("latency_percentiles_usec_"+name, strings.Join(parts, ","))
	}
}

// latencyHistograms are the commands' histograms by name ("get",
// "client|id").
func (n *Node) latencyHistograms() map[string]*hdrhistogram.Histogram {
	byName := map[string]*hdrhistogram.Histogram{}
	for _, s := range n.cmdStats.byCommand {
		if s.latency != nil {
			byName[s.name] = s.latency
		}
	}
	for name, s := range n.cmdStats.bySubcommand {
		if s.latency != nil {
			byName[name] = s.latency
		}
	}
	return byName
}

// formatPercentile prints p as Redis does ("%f" with trailing zeros and
// point trimmed): 50, 99.9.
func formatPercentile(p float64) string {
	s := strconv.FormatFloat(p, 'f', 6, 64)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

func init() {
	configParams["latency-tracking"] = negatedYesNoParam(func(n *Node) *bool { return &n.latency.disabled })
	configParams["latency-tracking-info-percentiles"] = configParam{
		get: func(n *Node) string {
			parts := make([]string, len(n.latency.percentiles))
			for i, p := range n.latency.percentiles {
				parts[i] = formatPercentile(p)
			}
			return strings.Join(parts, " ")
		},
		set: func(n *Node, v string) (string, bool) {
			words := strings.Fields(v)
			percentiles := make([]float64, 0, len(words))
			for _, w := range words {
				p, err := strconv.ParseFloat(w, 64)
				if err != nil || p != p {
					return "Invalid latency-tracking-info-percentiles parameters", false
				}
				if p < 0 || p > 100 {
					return "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]", false
				}
				percentiles = append(percentiles, p)
			}
			n.latency.percentiles = percentiles
			return "", true
		},
	}
}
