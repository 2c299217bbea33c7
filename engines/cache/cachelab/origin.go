package cachelab

import (
	"strconv"
	"time"

	"syslab/node"
)

// The origin is the slow store a cache sits in front of — the database a
// cache-aside read falls back to on a miss. It answers every OriginLoad
// after its service time, and each load keeps its one CPU busy for cpu, so
// a burst of misses queues up behind itself the way a real database does
// when a popular key expires. It counts what it served, and the most loads
// that arrived in one originWindow, the herd's peak.
//
// A node is an origin when the scenario gives it the role "origin":
//
//	topology:
//	  nodes: [cache-1, db]
//	  roles: {db: origin}
//	config:
//	  origin: {cpu: 2ms, latency: 5ms}
const roleOrigin = "origin"

// originWindow is the width of the windows the origin counts loads in; its
// peak is reported per second (loads in the busiest window × 10).
const originWindow = 100 * time.Millisecond

// Origin metric names.
const (
	metricOriginLoads     = "origin_requests_total"
	metricOriginPeakQPS   = "origin_peak_qps"
	metricOriginBusyLoads = "origin_queued_loads_max"
)

// OriginLoad asks the origin for key's value. Seq comes back in the
// OriginValue.
type OriginLoad struct {
	Seq uint64
	Key string
}

// OriginValue answers an OriginLoad. Value names the key and the origin's
// time of the load in milliseconds since the Unix epoch ("key@1712000"),
// so a reader can tell how old the value it got is.
type OriginValue struct {
	Seq   uint64
	Key   string
	Value string
}

// originSettings are the origin's costs, from config.origin.
type originSettings struct {
	// CPU is the origin's own work per load: loads are served one at a
	// time, so it sets the origin's capacity (1/CPU loads per second).
	CPU time.Duration
	// Latency is waiting per load that does not hold the CPU (a disk
	// read, a network hop behind the origin).
	Latency time.Duration
}

// originNode is an origin's handler.
type originNode struct {
	cfg originSettings
	env node.Env

	window      int64 // index of the current originWindow
	windowLoads int   // loads that arrived in it
	peakLoads   int   // the most loads any window saw
	pending     int   // loads waiting out their latency
	pendingMax  int
}

func newOrigin(cfg originSettings) node.Factory {
	return func() node.Handler { return &originNode{cfg: cfg, window: -1} }
}

var _ node.Coster = (*originNode)(nil)

func (o *originNode) Start(env node.Env) { o.env = env }

// Cost keeps the origin's CPU busy for each load.
func (o *originNode) Cost(msg node.Message) time.Duration {
	if _, ok := msg.(OriginLoad); ok {
		return o.cfg.CPU
	}
	return 0
}

func (o *originNode) Receive(from node.ID, msg node.Message) {
	load, ok := msg.(OriginLoad)
	if !ok {
		return
	}
	now := o.env.Now()
	o.count(now)
	value := load.Key + "@" + strconv.FormatInt(now.UnixMilli(), 10)
	reply := OriginValue{Seq: load.Seq, Key: load.Key, Value: value}
	if o.cfg.Latency <= 0 {
		o.env.Send(from, reply)
		return
	}
	o.pending++
	o.pendingMax = max(o.pendingMax, o.pending)
	o.env.Metrics().Set(metricOriginBusyLoads, float64(o.pendingMax))
	o.env.After(o.cfg.Latency, func() {
		o.pending--
		o.env.Send(from, reply)
	})
}

// count notes one load arriving at now in its window.
func (o *originNode) count(now time.Time) {
	w := now.UnixNano() / int64(originWindow)
	if w != o.window {
		o.window, o.windowLoads = w, 0
	}
	o.windowLoads++
	m := o.env.Metrics()
	m.Add(metricOriginLoads, 1)
	if o.windowLoads > o.peakLoads {
		o.peakLoads = o.windowLoads
		m.Set(metricOriginPeakQPS, float64(o.peakLoads)*float64(time.Second/originWindow))
	}
}

// originValueAge is how long before at the origin loaded value, and whether
// value is one the origin made.
func originValueAge(value string, at time.Time) (time.Duration, bool) {
	for i := len(value) - 1; i >= 0; i-- {
		if value[i] == '@' {
			ms, err := strconv.ParseInt(value[i+1:], 10, 64)
			if err != nil {
				return 0, false
			}
			return at.Sub(time.UnixMilli(ms)), true
		}
	}
	return 0, false
}
