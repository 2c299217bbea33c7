package lab

import (
	"math"
	"runtime/metrics"

	"syslab/reports"
)

// RuntimeStalls is what the Go runtime of this process reports about the
// waits a live run's goroutines had that the simulator has no model of:
// how long runnable goroutines waited for a thread (every hand-off of a
// live message — timer, link writer, reader, loop — is one such wait),
// and the garbage collector's stop-the-world pauses and CPU. They are
// process-wide and measured over one live probe, from runtime/metrics.
type RuntimeStalls struct {
	// SchedLatencyP99 and SchedLatencyMax are of the time goroutines
	// spent runnable before running (upper bounds of the runtime's
	// histogram buckets).
	SchedLatencyP99 reports.Dur `json:"sched_latency_p99"`
	SchedLatencyMax reports.Dur `json:"sched_latency_max"`
	GCCycles        uint64      `json:"gc_cycles"`
	GCPauseMax      reports.Dur `json:"gc_pause_max"`
	// GCCPUSeconds is the CPU the collector took (marking, assists,
	// pauses): on a small machine, CPU the run's goroutines waited for.
	GCCPUSeconds float64 `json:"gc_cpu_seconds"`
}

var runtimeStallMetrics = []string{
	"/sched/latencies:seconds",
	"/gc/cycles/total:gc-cycles",
	"/sched/pauses/total/gc:seconds",
	"/cpu/classes/gc/total:cpu-seconds",
}

// runtimeSnapshot reads the metrics RuntimeStalls is the difference of.
func runtimeSnapshot() []metrics.Sample {
	samples := make([]metrics.Sample, len(runtimeStallMetrics))
	for i, name := range runtimeStallMetrics {
		samples[i].Name = name
	}
	metrics.Read(samples)
	return samples
}

// runtimeStallsSince is what happened between before and now.
func runtimeStallsSince(before []metrics.Sample) RuntimeStalls {
	after := runtimeSnapshot()
	var s RuntimeStalls
	for i := range after {
		a, b := after[i].Value, before[i].Value
		switch a.Kind() {
		case metrics.KindFloat64Histogram:
			p99, top := histogramDelta(b.Float64Histogram(), a.Float64Histogram())
			switch after[i].Name {
			case "/sched/latencies:seconds":
				s.SchedLatencyP99, s.SchedLatencyMax = p99, top
			case "/sched/pauses/total/gc:seconds":
				s.GCPauseMax = top
			}
		case metrics.KindUint64:
			s.GCCycles = a.Uint64() - b.Uint64()
		case metrics.KindFloat64:
			s.GCCPUSeconds = a.Float64() - b.Float64()
		}
	}
	return s
}

// histogramDelta is the 99th percentile and the largest value of the
// observations a cumulative runtime histogram gained from before to
// after, each as the upper bound of its bucket (the lower one for the
// last, unbounded bucket).
func histogramDelta(before, after *metrics.Float64Histogram) (p99, top reports.Dur) {
	counts := make([]uint64, len(after.Counts))
	var total uint64
	for i := range counts {
		counts[i] = after.Counts[i]
		if before != nil && i < len(before.Counts) {
			counts[i] -= before.Counts[i]
		}
		total += counts[i]
	}
	if total == 0 {
		return 0, 0
	}
	bound := func(i int) reports.Dur {
		upper := after.Buckets[i+1]
		if math.IsInf(upper, 1) {
			upper = after.Buckets[i]
		}
		return reports.Dur(upper * 1e9)
	}
	var seen uint64
	want := uint64(math.Ceil(0.99 * float64(total)))
	for i, c := range counts {
		if c == 0 {
			continue
		}
		seen += c
		if p99 == 0 && seen >= want {
			p99 = bound(i)
		}
		top = bound(i)
	}
	return p99, top
}
