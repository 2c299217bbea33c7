package lab

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"syscall"
	"time"

	"syslab/live"
	"syslab/loadgen"
	"syslab/node"
	"syslab/reports"
)

// The loopback measurement is what the fidelity report feeds the
// simulator as its network: the round trip of a small message between
// live runtimes on this machine, as a live run's clients and servers see
// it — timer into the sender's loop, encode, the peer link's goroutine and
// write, TCP on loopback, the receiver's reader goroutine, decode and
// inbox, both ways.
//
// It is measured under the load of the run it stands in for: as many
// sending runtimes as the probe has clients, at the probe's rate, spaced
// as its arrivals are, against one echoing runtime. The round trip on a
// machine depends on that load — at a low rate every runtime's goroutines
// park between messages and each message pays the wake-up of a sleeping
// thread (futex, epoll, on a VM the wake of an idle vCPU), at a higher
// rate they find the runtime awake — and on how busy the machine is then,
// so a figure measured once, at another rate or on another day, would be
// wrong.

const (
	// loopbackPadBytes sizes the ping like a cache request (GET of a
	// short key, with the frame's node names).
	loopbackPadBytes = 32
	// loopbackSendersMax and loopbackRateMax bound one measurement.
	loopbackSendersMax = 1024
	loopbackRateMax    = 1e6
	// loopbackWarmupTimeout bounds the first ping of every sender, which
	// dials its connection; loopbackReplyTimeout bounds the wait for the
	// last pongs. Loopback never loses a message, so a missing pong is a
	// broken runtime, not a slow sample.
	loopbackWarmupTimeout = 5 * time.Second
	loopbackReplyTimeout  = 5 * time.Second
	// loopbackQuantiles is how many evenly spaced quantiles of the round
	// trip a measurement keeps (every 0.1%, least and largest included).
	loopbackQuantiles = 1001
	// loopbackSeriesStep is the resolution of the round trip over time
	// that the simulator's links replay: finer than the stalls it is
	// for (a descheduled thread's few ms), coarse enough that most steps
	// hold a ping at the rates fidelity compares.
	loopbackSeriesStep = time.Millisecond
	// loopbackSeriesPointsMax bounds the series (over 15 minutes at 1ms).
	loopbackSeriesPointsMax = 1 << 20
)

// loopbackPing is the measured message, echoed unchanged.
type loopbackPing struct {
	Seq uint64
	Pad []byte
}

var registerLoopback sync.Once

func registerLoopbackPing() {
	registerLoopback.Do(func() {
		live.RegisterValueCodec("lab.loopbackPing", loopbackPing{},
			func(m node.Message) ([]byte, error) {
				p := m.(loopbackPing)
				return append(binary.BigEndian.AppendUint64(nil, p.Seq), p.Pad...), nil
			},
			func(b []byte) (node.Message, error) {
				if len(b) < 8 {
					return nil, fmt.Errorf("loopback ping of %d bytes, want at least 8", len(b))
				}
				return loopbackPing{Seq: binary.BigEndian.Uint64(b), Pad: b[8:]}, nil
			})
	})
}

// LoopbackLoad is the traffic of a loopback measurement.
type LoopbackLoad struct {
	// Senders are sending runtimes, like a probe's client nodes.
	Senders int `json:"senders"`
	// RatePerSec is the pings per second of all senders together.
	RatePerSec float64 `json:"rate_per_sec"`
	// Poisson spaces each sender's pings at random (exponential gaps),
	// otherwise evenly.
	Poisson  bool        `json:"poisson"`
	Duration reports.Dur `json:"duration"`
}

// LoopbackResult is a measured round-trip distribution.
type LoopbackResult struct {
	Load    LoopbackLoad `json:"load"`
	Samples int          `json:"samples"`
	// CPUPerRoundTrip is the process's CPU time (user + system, every
	// runtime, timers and the Go scheduler's spinning included) per ping
	// and pong, for the report: compare it with the engine's calibrated
	// per-message cost.
	CPUPerRoundTrip reports.Dur `json:"cpu_per_round_trip"`
	P50             reports.Dur `json:"round_trip_p50"`
	P90             reports.Dur `json:"round_trip_p90"`
	P99             reports.Dur `json:"round_trip_p99"`
	Max             reports.Dur `json:"round_trip_max"`
	// Quantiles are the round trip's quantiles at evenly spaced
	// probabilities, the least first and the largest last.
	Quantiles []reports.Dur `json:"round_trip_quantiles"`
	// Series is the round trip over the measurement: Series[i] is the
	// mean of the round trips of pings intended in the i-th SeriesStep,
	// linear across steps that had none.
	Series     []reports.Dur `json:"round_trip_series,omitempty"`
	SeriesStep reports.Dur   `json:"round_trip_series_step,omitempty"`
}

// Link is the delay the simulator's links get from this measurement: the
// replayed series (LinkTrace) when there is one, else the quantile fit
// (OneWay).
func (l LoopbackResult) Link(serverMessageCost time.Duration) Delay {
	if len(l.Series) > 0 && l.SeriesStep > 0 {
		return l.LinkTrace(serverMessageCost)
	}
	return l.OneWay(serverMessageCost)
}

// LinkTrace replays the measured round trip over time on every link: a
// message sent at t waits half the round trip measured at t (less the
// server's per-message cost, which the simulator charges as CPU; never
// below a tenth of the round trip), the series repeating past its end.
//
// Why a series and not independent draws: on a busy machine the slow
// round trips come together — every ping of one 30ms stall of a thread is
// slow — and a live client, one request in flight on its connection,
// waits one stall out once. Drawn independently, the same share of slow
// round trips becomes a stall every hundred messages on every link, each
// holding back the messages behind it (in order, as TCP), and the
// simulated latency far exceeds the live one (measured: p50 3–27× live at
// 1250–2500/s on a machine with load 6–9). Replayed, stalls keep their
// times and lengths. A request sent during a stall of length S arrives
// S/2 later, its reply leaves into the stall's last half and waits about
// S/4: such a round trip sees ¾ of the stall, not all of it.
func (l LoopbackResult) LinkTrace(serverMessageCost time.Duration) Delay {
	points := make([]time.Duration, len(l.Series))
	for i, rtt := range l.Series {
		v := float64(rtt)
		points[i] = time.Duration(max(v-float64(serverMessageCost), v/10) / 2)
	}
	return Delay{Kind: DelayTrace, Trace: points, TraceStep: time.Duration(l.SeriesStep)}
}

// OneWay is the delay of one direction of a link in the simulator, an
// empirical distribution fitted to the measured round trips so that two
// independent draws of it (request and reply) add up to the round trip's
// distribution, tail included.
//
// The round trip holds the echoing side's transport work, which the
// simulator charges as the server node's CPU (serverMessageCost, the
// engine's per-message cost), so that is taken out first: W = RTT − cost
// (never below a tenth of the RTT: the cost is an average, a fast round
// trip may have had less of it).
//
// Then W is split in two, differently in its body and its tail. Most
// round trips are two similar halves: there X's quantile is half of W's.
// A slow round trip is mostly one stall (a thread that slept, a
// preempted goroutine) in one direction, while the other was ordinary:
// for the sum of two draws to be slower than w with probability 1−q,
// each direction must be slower than w − median(W)/2 with probability
// (1−q)/2. So X's quantile at p is the larger of W(p)/2 and
// W(2p−1) − W(½)/2; the second wins in a heavy tail. Halving the tail as
// well, as a symmetric fit does, makes a stall of the round trip half as
// long and twice as likely, and the simulated p99 too short.
func (l LoopbackResult) OneWay(serverMessageCost time.Duration) Delay {
	rtt := l.Quantiles
	if len(rtt) < 2 {
		return Delay{Kind: DelayConstant, Mean: time.Duration(l.P50) / 2}
	}
	wire := func(p float64) float64 {
		v := float64(quantileAt(rtt, p))
		return max(v-float64(serverMessageCost), v/10)
	}
	median := wire(0.5)
	out := make([]time.Duration, len(rtt))
	for i := range out {
		p := float64(i) / float64(len(out)-1)
		x := wire(p) / 2
		if p > 0.5 {
			x = max(x, wire(2*p-1)-median/2)
		}
		out[i] = time.Duration(x)
		if i > 0 && out[i] < out[i-1] { // rounding only; both terms grow with p
			out[i] = out[i-1]
		}
	}
	return Delay{Kind: DelayEmpirical, Quantiles: out}
}

// quantileAt is the quantile at p of a table of evenly spaced quantiles,
// linear between them.
func quantileAt(table []reports.Dur, p float64) reports.Dur {
	u := min(max(p, 0), 1) * float64(len(table)-1)
	i := min(int(u), len(table)-2)
	return table[i] + reports.Dur((u-float64(i))*float64(table[i+1]-table[i]))
}

// loopbackSample is one ping: when it was intended (since the
// measurement's start) and its round trip.
type loopbackSample struct{ at, rtt time.Duration }

// pingEcho answers every ping with itself.
type pingEcho struct{ env node.Env }

func (e *pingEcho) Start(env node.Env)                   { e.env = env }
func (e *pingEcho) Receive(from node.ID, m node.Message) { e.env.Send(from, m) }

// loadPinger sends pings as a lab client sends operations: open loop, each
// from an Env.After timer set for its intended time, whatever became of
// the earlier ones, and timed from that intended time to when its pong is
// handled on the loop. So a round trip holds what a live client's
// operation goes through besides the server's work: the timer's lateness
// (large on a busy machine), the hand-off into the loop, the transport
// both ways.
type loadPinger struct {
	env      node.Env
	pad      []byte
	arrivals *loadgen.Arrivals
	duration time.Duration
	start    time.Time
	intended map[uint64]time.Time
	seq      uint64
	ended    bool // the schedule has no more pings in the duration
	pings    []loopbackSample
	// warm is closed when the pong of the first, unmeasured ping (which
	// dials the connections) is in; done when the last pong is.
	warm, done chan struct{}
}

func (p *loadPinger) Start(env node.Env) { p.env = env }

func (p *loadPinger) warmUp() {
	p.env.Send("loopback-echo", loopbackPing{Seq: 0, Pad: p.pad})
}

// begin starts the measured schedule at start.
func (p *loadPinger) begin(start time.Time) {
	p.start = start
	p.next()
}

func (p *loadPinger) next() {
	at, ok := p.arrivals.Next()
	if !ok || at >= p.duration {
		p.ended = true
		p.finishIfDone()
		return
	}
	due := p.start.Add(at)
	p.env.After(time.Until(due), func() {
		p.seq++
		p.intended[p.seq] = due
		p.env.Send("loopback-echo", loopbackPing{Seq: p.seq, Pad: p.pad})
		p.next()
	})
}

func (p *loadPinger) Receive(_ node.ID, m node.Message) {
	ping, ok := m.(loopbackPing)
	if !ok {
		return
	}
	if ping.Seq == 0 {
		close(p.warm)
		return
	}
	if due, ok := p.intended[ping.Seq]; ok {
		p.pings = append(p.pings, loopbackSample{at: due.Sub(p.start), rtt: time.Since(due)})
		delete(p.intended, ping.Seq)
	}
	p.finishIfDone()
}

func (p *loadPinger) finishIfDone() {
	if p.ended && len(p.intended) == 0 && p.done != nil {
		close(p.done)
		p.done = nil
	}
}

// MeasureLoopback sends pings between live runtimes on 127.0.0.1 with the
// given load (see LoopbackLoad and loadPinger) and reports the round
// trips.
func MeasureLoopback(load LoopbackLoad) (LoopbackResult, error) {
	d := time.Duration(load.Duration)
	switch {
	case load.Senders < 1 || load.Senders > loopbackSendersMax:
		return LoopbackResult{}, fmt.Errorf("loopback: %d senders, want 1..%d", load.Senders, loopbackSendersMax)
	case !(load.RatePerSec > 0) || load.RatePerSec > loopbackRateMax:
		return LoopbackResult{}, fmt.Errorf("loopback: rate %v per second, want 0 < rate ≤ %g", load.RatePerSec, loopbackRateMax)
	case d <= 0:
		return LoopbackResult{}, fmt.Errorf("loopback: duration %v, want > 0", d)
	}
	registerLoopbackPing()
	dir, err := os.MkdirTemp("", "syslab-loopback-")
	if err != nil {
		return LoopbackResult{}, err
	}
	defer os.RemoveAll(dir)
	echo, err := live.New(live.Config{Self: "loopback-echo", Listen: "127.0.0.1:0", Dir: filepath.Join(dir, "echo")},
		func() node.Handler { return &pingEcho{} })
	if err != nil {
		return LoopbackResult{}, err
	}
	defer echo.Stop()
	spacing := loadgen.ScheduleSpec{Kind: loadgen.ScheduleConstant, Poisson: load.Poisson}
	pingers := make([]*loadPinger, load.Senders)
	senders := make([]*live.Runtime, load.Senders)
	for i := range pingers {
		arrivals, err := loadgen.NewArrivals(spacing, load.RatePerSec/float64(load.Senders), d, rand.New(rand.NewPCG(uint64(i), 0x100b)))
		if err != nil {
			return LoopbackResult{}, fmt.Errorf("loopback: %w", err)
		}
		p := &loadPinger{pad: make([]byte, loopbackPadBytes), arrivals: arrivals, duration: d,
			intended: map[uint64]time.Time{}, warm: make(chan struct{}), done: make(chan struct{})}
		id := node.ID(fmt.Sprintf("loopback-ping-%d", i))
		rt, err := live.New(live.Config{Self: id, Listen: "127.0.0.1:0", Dir: filepath.Join(dir, string(id))},
			func() node.Handler { return p })
		if err != nil {
			return LoopbackResult{}, err
		}
		defer rt.Stop()
		echo.SetPeer(id, rt.Addr())
		rt.SetPeer("loopback-echo", echo.Addr())
		pingers[i], senders[i] = p, rt
	}
	if err := echo.Start(); err != nil {
		return LoopbackResult{}, err
	}
	for i, rt := range senders {
		if err := rt.Start(); err != nil {
			return LoopbackResult{}, err
		}
		rt.Do(func(node.Handler) { pingers[i].warmUp() })
	}
	warmDeadline := time.After(loopbackWarmupTimeout)
	for i, p := range pingers {
		select {
		case <-p.warm:
		case <-warmDeadline:
			return LoopbackResult{}, fmt.Errorf("loopback: sender %d's first ping not answered within %v", i, loopbackWarmupTimeout)
		}
	}
	cpuBefore, err := processCPU()
	if err != nil {
		return LoopbackResult{}, err
	}
	start := time.Now()
	dones := make([]chan struct{}, len(pingers))
	for i, rt := range senders {
		rt.Do(func(node.Handler) { dones[i] = pingers[i].done; pingers[i].begin(start) })
	}
	deadline := time.After(d + loopbackReplyTimeout)
	for i, done := range dones {
		select {
		case <-done:
		case <-deadline:
			return LoopbackResult{}, fmt.Errorf("loopback: sender %d's pings not all answered within %v of the end", i, loopbackReplyTimeout)
		}
	}
	cpuAfter, err := processCPU()
	if err != nil {
		return LoopbackResult{}, err
	}
	var pings []loopbackSample
	for i, rt := range senders {
		rt.Do(func(node.Handler) { pings = append(pings, pingers[i].pings...) })
	}
	if len(pings) == 0 {
		return LoopbackResult{}, fmt.Errorf("loopback: no ping was due in %v at %v per second; measure longer", d, load.RatePerSec)
	}
	rtts := make([]time.Duration, len(pings))
	for i, p := range pings {
		rtts[i] = p.rtt
	}
	slices.Sort(rtts)
	res := summarizeRoundTrips(rtts)
	res.Load = load
	res.CPUPerRoundTrip = reports.D((cpuAfter - cpuBefore) / time.Duration(len(rtts)))
	res.Series, res.SeriesStep = roundTripSeries(pings, d, loopbackSeriesStep), reports.D(loopbackSeriesStep)
	return res, nil
}

// roundTripSeries bins pings by intended time into steps over d: each
// step's mean round trip, steps without a ping linear between the nearest
// steps with one (or equal to the nearest, at either end).
func roundTripSeries(pings []loopbackSample, d, step time.Duration) []reports.Dur {
	n := min(max(int((d+step-1)/step), 1), loopbackSeriesPointsMax)
	sums := make([]float64, n)
	counts := make([]int, n)
	for _, p := range pings {
		i := min(max(int(p.at/step), 0), n-1)
		sums[i] += float64(p.rtt)
		counts[i]++
	}
	out := make([]reports.Dur, n)
	previous := -1 // the last step with a ping
	for i := range out {
		if counts[i] == 0 {
			continue
		}
		out[i] = reports.Dur(sums[i] / float64(counts[i]))
		if previous < 0 {
			for j := range i {
				out[j] = out[i]
			}
		} else {
			for j := previous + 1; j < i; j++ {
				frac := float64(j-previous) / float64(i-previous)
				out[j] = out[previous] + reports.Dur(frac*float64(out[i]-out[previous]))
			}
		}
		previous = i
	}
	for j := previous + 1; previous >= 0 && j < n; j++ {
		out[j] = out[previous]
	}
	return out
}

// summarizeRoundTrips reads the figures and the quantile table off sorted
// round trips.
func summarizeRoundTrips(sorted []time.Duration) LoopbackResult {
	at := func(p float64) reports.Dur {
		// Linear between order statistics, as the table is sampled.
		u := p * float64(len(sorted)-1)
		i := min(int(u), len(sorted)-1)
		if i == len(sorted)-1 {
			return reports.D(sorted[i])
		}
		return reports.D(sorted[i] + time.Duration((u-float64(i))*float64(sorted[i+1]-sorted[i])))
	}
	n := min(len(sorted), loopbackQuantiles)
	if n < 2 {
		n = 2
	}
	table := make([]reports.Dur, n)
	for i := range table {
		table[i] = at(float64(i) / float64(n-1))
	}
	return LoopbackResult{Samples: len(sorted), P50: at(0.5), P90: at(0.9), P99: at(0.99), Max: reports.D(sorted[len(sorted)-1]), Quantiles: table}
}

// processCPU is the user plus system CPU time this process has used.
func processCPU() (time.Duration, error) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, fmt.Errorf("loopback: getrusage: %w", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), nil
}
