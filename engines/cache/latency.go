package cache

import (
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"syslab/engines/cache/resp"
)

// The latency monitor and the LATENCY command, as Redis 7.0 has them.
//
// With latency-monitor-threshold set (milliseconds; 0, the default, turns
// the monitor off), work that takes at least that long is a sample of its
// event class, kept per class as one sample per second (the highest) in a
// ring of the last latencySamplesMax seconds, with the all-time maximum:
//
//	command             a command not flagged fast (commandclock.go times it)
//	fast-command        a command flagged fast
//	expire-cycle        one run of the active expiry cycle
//	eviction-cycle      one run of eviction that freed keys
//	command-unblocking  serving a blocked command (BLPOP …) once its key is ready
//
// The cycles are timed only in a server (node.Stopwatch): in the
// simulator the cost model prices commands but not the cycles. Redis's
// other classes (AOF writes and fsyncs, fork, …) are not recorded.
//
// LATENCY HISTOGRAM reads the per-command histograms of INFO latencystats
// (latencystats.go); LATENCY GRAPH draws a class's samples (latencygraph.go).
var latencyCommands = []commandSpec{
	{name: "latency", arity: -2, run: latencyCommand},
}

const (
	// latencySamplesMax is how many seconds of samples a class keeps
	// (Redis's LATENCY_TS_LEN).
	latencySamplesMax = 160
	// latencyHistogramFirstBucketNanos is LATENCY HISTOGRAM's first bucket
	// bound; each next one doubles it (Redis's log iteration from 1024 ns).
	latencyHistogramFirstBucketNanos = 1024
)

const (
	latencyEventCommand       = "command"
	latencyEventFastCommand   = "fast-command"
	latencyEventExpireCycle   = "expire-cycle"
	latencyEventEvictionCycle = "eviction-cycle"
	// latencyEventCommandUnblocking is the serving of a blocked command.
	latencyEventCommandUnblocking = "command-unblocking"
)

type latencySample struct {
	unixSeconds int64
	millis      int64
}

// latencySeries is one event class: samples is a ring written at next.
type latencySeries struct {
	samples [latencySamplesMax]latencySample
	next    int
	maxMs   int64
}

type latencyMonitor struct {
	thresholdMillis int64
	events          map[string]*latencySeries
}

// noteLatency records that event took duration, if the monitor is on and
// it took at least the threshold.
func (n *Node) noteLatency(event string, duration time.Duration) {
	m := &n.latencyMonitor
	ms := duration.Milliseconds()
	if m.thresholdMillis == 0 || ms < m.thresholdMillis {
		return
	}
	if m.events == nil {
		m.events = map[string]*latencySeries{}
	}
	ts := m.events[event]
	if ts == nil {
		ts = &latencySeries{}
		m.events[event] = ts
	}
	ts.maxMs = max(ts.maxMs, ms)
	now := n.env.Now().Unix()
	if prev := &ts.samples[(ts.next+latencySamplesMax-1)%latencySamplesMax]; prev.unixSeconds == now {
		prev.millis = max(prev.millis, ms) // one sample per second: its highest
		return
	}
	ts.samples[ts.next] = latencySample{unixSeconds: now, millis: ms}
	ts.next = (ts.next + 1) % latencySamplesMax
}

// timeCycle runs cycle and notes its duration as event; only a server
// can time it (see the top of this file).
func (n *Node) timeCycle(event string, cycle func() bool) bool {
	sw := n.clock.stopwatch
	if sw == nil || n.latencyMonitor.thresholdMillis == 0 {
		return cycle()
	}
	start := sw.Elapsed()
	worked := cycle()
	if worked {
		n.noteLatency(event, sw.Elapsed()-start)
	}
	return worked
}

// latest is the newest sample of ts.
func (ts *latencySeries) latest() latencySample {
	return ts.samples[(ts.next+latencySamplesMax-1)%latencySamplesMax]
}

// history is ts's samples, oldest first.
func (ts *latencySeries) history() []latencySample {
	var out []latencySample
	for i := range latencySamplesMax {
		s := ts.samples[(ts.next+i)%latencySamplesMax]
		if s.unixSeconds != 0 {
			out = append(out, s)
		}
	}
	return out
}

func latencyCommand(c *call) resp.Value {
	n := c.node
	m := &n.latencyMonitor
	sub := strings.ToLower(string(c.args[1]))
	switch sub {
	case "help", "latest", "doctor":
		if len(c.args) != 2 {
			return errSubcommandArity("latency", sub)
		}
	case "history", "graph":
		if len(c.args) != 3 {
			return errSubcommandArity("latency", sub)
		}
	case "reset", "histogram":
	default:
		return errUnknownSubcommand(c.args[1], "LATENCY")
	}
	switch sub {
	case "help":
		return helpReply(c, latencyHelp)
	case "latest":
		var out []resp.Value
		for _, name := range slices.Sorted(maps.Keys(m.events)) {
			ts := m.events[name]
			last := ts.latest()
			out = append(out, resp.ArrayOf(resp.BulkFromString(name), resp.Int(last.unixSeconds), resp.Int(last.millis), resp.Int(ts.maxMs)))
		}
		return resp.ArrayOf(out...)
	case "history":
		ts := m.events[string(c.args[2])]
		if ts == nil {
			return resp.ArrayOf()
		}
		var out []resp.Value
		for _, s := range ts.history() {
			out = append(out, resp.ArrayOf(resp.Int(s.unixSeconds), resp.Int(s.millis)))
		}
		return resp.ArrayOf(out...)
	case "reset":
		if len(c.args) == 2 {
			count := len(m.events)
			m.events = nil
			return resp.Int(int64(count))
		}
		count := 0
		for _, name := range c.args[2:] {
			if _, ok := m.events[string(name)]; ok {
				delete(m.events, string(name))
				count++
			}
		}
		return resp.Int(int64(count))
	case "doctor":
		return resp.Value{Kind: resp.Verbatim, Str: []byte(n.latencyDoctor())}
	case "graph":
		ts := m.events[string(c.args[2])]
		if ts == nil {
			return resp.Err("ERR No samples available for event '" + string(c.args[2]) + "'")
		}
		return resp.Value{Kind: resp.Verbatim, Str: []byte(latencyGraph(string(c.args[2]), ts, c.nowMillis/1000))} // latencygraph.go
	}
	return n.latencyHistogram(c.args[2:])
}

// latencyHistogram is LATENCY HISTOGRAM [command …]: for each command
// with a histogram (all of them without arguments; a container command
// stands for its subcommands; unknown names are skipped), its calls and
// the cumulative count of calls at or below each power-of-two bucket, in
// microseconds, where the count grew.
func (n *Node) latencyHistogram(names [][]byte) resp.Value {
	histograms := n.latencyHistograms()
	var chosen []string
	if len(names) == 0 {
		chosen = slices.Sorted(maps.Keys(histograms))
	} else {
		for _, raw := range names {
			name := strings.ToLower(string(raw))
			if _, ok := histograms[name]; ok {
				chosen = append(chosen, name)
				continue
			}
			for _, full := range slices.Sorted(maps.Keys(histograms)) {
				if strings.HasPrefix(full, name+"|") {
					chosen = append(chosen, full)
				}
			}
		}
	}
	out := resp.Value{Kind: resp.Map}
	seen := map[string]bool{}
	for _, name := range chosen {
		if seen[name] {
			continue
		}
		seen[name] = true
		h := histograms[name]
		buckets := resp.Value{Kind: resp.Map}
		bound := int64(latencyHistogramFirstBucketNanos)
		var cumulative, reported int64
		for _, bar := range h.Distribution() {
			if bar.Count == 0 {
				continue
			}
			for bar.From > bound {
				if cumulative > reported {
					buckets.Elems = append(buckets.Elems, resp.Int(bound/1000), resp.Int(cumulative))
					reported = cumulative
				}
				bound *= 2
			}
			cumulative += bar.Count
		}
		if cumulative > reported {
			buckets.Elems = append(buckets.Elems, resp.Int(bound/1000), resp.Int(cumulative))
		}
		out.Elems = append(out.Elems, resp.BulkFromString(name), resp.Value{Kind: resp.Map, Elems: []resp.Value{
			resp.BulkFromString("calls"), resp.Int(h.TotalCount()),
			resp.BulkFromString("histogram_usec"), buckets,
		}})
	}
	return out
}

// latencyDoctor reports the monitor's samples in words.
func (n *Node) latencyDoctor() string {
	m := &n.latencyMonitor
	var b strings.Builder
	if m.thresholdMillis == 0 {
		b.WriteString("The latency monitor is off: set latency-monitor-threshold (milliseconds) to record what takes longer.\n")
	}
	if len(m.events) == 0 {
		b.WriteString("No latency samples: nothing has taken latency-monitor-threshold or longer since the last LATENCY RESET.\n")
		return b.String()
	}
	b.WriteString("Latency samples by event (at least " + strconv.FormatInt(m.thresholdMillis, 10) + " ms each):\n\n")
	for i, name := range slices.Sorted(maps.Keys(m.events)) {
		ts := m.events[name]
		history := ts.history()
		var sum int64
		for _, s := range history {
			sum += s.millis
		}
		b.WriteString(strconv.Itoa(i+1) + ". " + name + ": " + strconv.Itoa(len(history)) + " seconds with samples, average " +
			strconv.FormatInt(sum/int64(max(len(history), 1)), 10) + " ms, highest " + strconv.FormatInt(ts.maxMs, 10) + " ms.\n")
	}
	b.WriteString("\nWhat to look at: slow commands are in SLOWLOG GET; expire-cycle samples come from many keys expiring at once; " +
		"eviction-cycle samples from writes over maxmemory freeing many keys at a time.\n")
	return b.String()
}

var latencyHelp = []string{
	"LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
	"DOCTOR",
	"    Report the latency samples in words.",
	"GRAPH <event>",
	"    Draw the samples of <event> as an ASCII graph.",
	"HISTORY <event>",
	"    Return the time and latency of each second's sample of <event>.",
	"LATEST",
	"    Return the latest and the highest sample of every event.",
	"RESET [<event> ...]",
	"    Forget the samples of the given events (default: of all events).",
	"HISTOGRAM [COMMAND ...]",
	"    Return the cumulative distribution of the latencies of the given commands",
	"    (default: of every command that ran).",
	"HELP",
	"    Print this help.",
}

func init() {
	configParams["latency-monitor-threshold"] = configParam{
		get: func(n *Node) string { return strconv.FormatInt(n.latencyMonitor.thresholdMillis, 10) },
		set: func(n *Node, v string) (string, bool) {
			i, reason, ok := parseInt64Config(v, 0, math.MaxInt64)
			if ok {
				n.latencyMonitor.thresholdMillis = i
			}
			return reason, ok
		},
	}
}
