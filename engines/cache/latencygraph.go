package cache

import (
	"strconv"
	"strings"
)

// LATENCY GRAPH <event>: Redis's ASCII sparkline of an event class's
// samples, oldest first. A title with the samples' high and low and the
// all-time high, a rule, then the graph, at most latencyGraphColumns
// samples wide (a longer series continues in another block below): each
// sample is a column latencyGraphRows characters tall, filled up to its
// height on a scale from the lowest sample to the highest, then, under a
// blank line, the sample's age written downwards ("12s", "3m", "2h", "1d").
const (
	latencyGraphColumns = 80
	latencyGraphRows    = 4
)

// sparklineLevels are the characters of a column's top cell, lowest
// first; the cells under the top are filled with '|'.
const sparklineLevels = "_o#"

func latencyGraph(event string, ts *latencySeries, nowSeconds int64) string {
	samples := ts.history()
	var b strings.Builder
	low, high := int64(0), int64(0)
	for i, s := range samples {
		if i == 0 || s.millis < low {
			low = s.millis
		}
		if i == 0 || s.millis > high {
			high = s.millis
		}
	}
	b.WriteString(event + " - high " + strconv.FormatInt(high, 10) + " ms, low " + strconv.FormatInt(low, 10) +
		" ms (all time high " + strconv.FormatInt(ts.maxMs, 10) + " ms)\n")
	b.WriteString(strings.Repeat("-", latencyGraphColumns) + "\n")
	labels := make([]string, len(samples))
	for i, s := range samples {
		labels[i] = sampleAge(nowSeconds - s.unixSeconds)
	}
	for start := 0; start < len(samples); start += latencyGraphColumns {
		if start > 0 {
			b.WriteByte('\n')
		}
		end := min(start+latencyGraphColumns, len(samples))
		writeSparkline(&b, samples[start:end], labels[start:end], low, high)
	}
	return b.String()
}

// sampleAge is how long ago a sample was taken, in its largest whole unit.
func sampleAge(seconds int64) string {
	switch {
	case seconds < 60:
		return strconv.FormatInt(seconds, 10) + "s"
	case seconds < 3600:
		return strconv.FormatInt(seconds/60, 10) + "m"
	case seconds < 24*3600:
		return strconv.FormatInt(seconds/3600, 10) + "h"
	}
	return strconv.FormatInt(seconds/(24*3600), 10) + "d"
}

// writeSparkline draws samples (scaled between low and high of the whole
// series) and their labels, a line per row.
func writeSparkline(b *strings.Builder, samples []latencySample, labels []string, low, high int64) {
	levels := len(sparklineLevels) * latencyGraphRows
	span := float64(high - low)
	if span == 0 {
		span = 1
	}
	heights := make([]int, len(samples))
	for i, s := range samples {
		// Redis truncates twice: the scaled value to an integer, then its
		// quotient by the span; the order decides which level a sample gets.
		h := int(float64(int(float64(s.millis-low)*float64(levels))) / span)
		heights[i] = min(max(h, 0), levels-1)
	}
	line := make([]byte, len(samples))
	for row := 0; row < latencyGraphRows; row++ {
		for i, h := range heights {
			line[i] = ' '
			switch top := h - (latencyGraphRows-row-1)*len(sparklineLevels); {
			case top >= len(sparklineLevels):
				line[i] = '|'
			case top >= 0:
				line[i] = sparklineLevels[top]
			}
		}
		b.Write(line)
		b.WriteByte('\n')
	}
	if len(samples) == 0 {
		return
	}
	b.WriteString(strings.Repeat(" ", len(samples)) + "\n") // between the graph and the labels
	for depth := 0; ; depth++ {
		more := false
		for i, label := range labels {
			line[i] = ' '
			if depth < len(label) {
				line[i], more = label[depth], true
			}
		}
		if !more {
			return
		}
		b.Write(line)
		b.WriteByte('\n')
	}
}
