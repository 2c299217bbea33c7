package reports

import (
	"math"
	"time"
)

// percentileTicks are the labelled positions of the percentile axis.
var percentileTicks = []struct {
	nines float64
	label string
}{
	{0, "0%"}, {percentileToNines(50), "50%"}, {1, "90%"}, {2, "99%"}, {3, "99.9%"}, {4, "99.99%"}, {5, "99.999%"},
}

// latencyUnit picks the unit that shows the largest latency of a plot with
// readable numbers.
func latencyUnit(maxLatency Dur) (name string, size float64) {
	switch {
	case maxLatency < Dur(time.Microsecond):
		return "ns", 1
	case maxLatency < Dur(time.Millisecond):
		return "µs", 1e3
	case maxLatency < Dur(time.Second):
		return "ms", 1e6
	}
	return "s", 1e9
}

// opCurve is one op's percentile curve.
type opCurve struct {
	op    string
	curve []curvePoint
}

// percentileSVG plots latency against percentile for every op that has a
// histogram. Curves of ops whose histogram cannot be decoded are left out;
// the caller reports them.
func percentileSVG(curves []opCurve) string {
	endNines := 2.0 // show up to 99% even for tiny samples, so the axis reads
	var maxLatency Dur
	for _, oc := range curves {
		for _, p := range oc.curve {
			endNines = max(endNines, p.nines)
			maxLatency = max(maxLatency, p.latency)
		}
	}
	endNines = math.Min(math.Ceil(endNines-1e-9), ninesMax)
	var xTicks []float64
	labels := map[float64]string{}
	for _, t := range percentileTicks {
		if t.nines <= endNines+1e-9 {
			xTicks = append(xTicks, t.nines)
			labels[t.nines] = t.label
		}
	}
	unitName, unitSize := latencyUnit(maxLatency)
	yLo, yHi := dataRange(0, float64(maxLatency)/unitSize)
	yTicks, yLo, yHi := niceTicks(yLo, yHi, 6)
	c := &chart{
		title:  "latency by percentile",
		xTitle: "percentile",
		yTitle: "latency (" + unitName + ")",
		x:      axis{lo: 0, hi: endNines, ticks: xTicks, label: func(v float64) string { return labels[v] }},
		y:      axis{lo: yLo, hi: yHi, ticks: yTicks, label: number},
	}
	c.frame()
	var names, colours []string
	for i, oc := range curves {
		colour := lineColours[i%len(lineColours)]
		xs := make([]float64, len(oc.curve))
		ys := make([]float64, len(oc.curve))
		for j, p := range oc.curve {
			xs[j], ys[j] = p.nines, float64(p.latency)/unitSize
		}
		c.line(xs, ys, colour)
		names, colours = append(names, oc.op), append(colours, colour)
	}
	c.legend(names, colours)
	if len(curves) == 0 {
		c.note("no latency histograms recorded")
	}
	return c.svg("percentiles")
}
