package lab

import (
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"syscall"
	"time"

	"syslab/live"
	"syslab/node"
	"syslab/reports"
)

// The loopback measurement is what the fidelity report feeds the
// simulator as its network: the round trip of a small message between two
// live runtimes on this machine, as a live run's clients and servers see
// it — timer or caller hand-off into the sender's loop, encode, the peer
// link's goroutine and write, TCP on loopback, the receiver's reader
// goroutine, decode and inbox, both ways. It is measured when the report
// runs because it depends on how busy the machine is then: a figure
// checked in from a quiet machine would be wrong on a loaded one.

const (
	// loopbackPadBytes sizes the ping like a cache request (GET of a
	// short key, with the frame's node names).
	loopbackPadBytes = 32
	// loopbackSamplesMax bounds one measurement.
	loopbackSamplesMax = 100_000
	// loopbackReplyTimeout and loopbackPingSlowMax bound a measurement:
	// it gives up after samples × (gap + loopbackPingSlowMax) +
	// loopbackReplyTimeout. Loopback never loses a message, so a missing
	// pong is a broken runtime, not a sample.
	loopbackReplyTimeout = 5 * time.Second
	loopbackPingSlowMax  = 10 * time.Millisecond
	// zScoreP99 is the standard normal quantile of 0.99, for fitting a
	// lognormal to a median and a 99th percentile.
	zScoreP99 = 2.3263
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

// LoopbackResult is a measured round-trip distribution.
type LoopbackResult struct {
	Samples int `json:"samples"`
	// CPUPerRoundTrip is the process's CPU time (user + system, both
	// runtimes, timers and the Go scheduler's spinning included) per ping
	// and pong, for the report: compare it with the engine's calibrated
	// per-message cost.
	CPUPerRoundTrip reports.Dur `json:"cpu_per_round_trip"`
	P50             reports.Dur `json:"round_trip_p50"`
	P90             reports.Dur `json:"round_trip_p90"`
	P99             reports.Dur `json:"round_trip_p99"`
	Max             reports.Dur `json:"round_trip_max"`
}

// OneWay is a lognormal delay for one direction of a link in the
// simulator. The round trip holds the echoing side's transport work,
// which the simulator charges as the server node's CPU (serverMessageCost,
// the engine's per-message cost), so that is taken out; the rest is split
// over the two directions and fitted to its median and 99th percentile
// (the shape of a latency that is mostly fast with a scheduling tail),
// capped at half the largest round trip seen.
func (l LoopbackResult) OneWay(serverMessageCost time.Duration) Delay {
	wire := func(rtt reports.Dur) float64 {
		// Never below a tenth of what was measured: the cost is an
		// average, a fast round trip may have had less of it.
		return max(float64(rtt)-float64(serverMessageCost), float64(rtt)/10) / 2
	}
	median, p99 := wire(l.P50), wire(l.P99)
	if !(median > 0) {
		return Delay{Kind: DelayConstant}
	}
	sigma := 0.0
	if p99 > median {
		sigma = math.Log(p99/median) / zScoreP99
	}
	mean := median * math.Exp(sigma*sigma/2)
	stddev := mean * math.Sqrt(math.Expm1(sigma*sigma))
	return Delay{Kind: DelayLognormal, Mean: time.Duration(mean), Stddev: time.Duration(stddev), Max: time.Duration(l.Max) / 2}
}

// pingEcho answers every ping with itself.
type pingEcho struct{ env node.Env }

func (e *pingEcho) Start(env node.Env)                   { e.env = env }
func (e *pingEcho) Receive(from node.ID, m node.Message) { e.env.Send(from, m) }

// pinger sends pings as a lab client sends operations: each one from an
// Env.After timer set gap ahead, timed from when that timer was due to
// when the pong is handled on the loop. So the round trip holds what a
// live client's operation goes through besides the server's work: the
// timer's lateness (large on a busy machine), the hand-off into the loop,
// the transport both ways.
type pinger struct {
	env     node.Env
	gap     time.Duration
	pad     []byte
	warmup  int // pings not measured: the first dial the connections
	samples int
	sent    int
	due     time.Time
	rtts    []time.Duration
	done    chan struct{}
}

func (p *pinger) Start(env node.Env) { p.env = env }

// next schedules the next ping, or reports the measurement done.
func (p *pinger) next() {
	if p.sent == p.warmup+p.samples {
		close(p.done)
		return
	}
	p.due = time.Now().Add(p.gap)
	p.env.After(p.gap, func() {
		p.sent++
		p.env.Send("loopback-echo", loopbackPing{Seq: uint64(p.sent), Pad: p.pad})
	})
}

func (p *pinger) Receive(node.ID, node.Message) {
	if p.sent > p.warmup {
		p.rtts = append(p.rtts, time.Since(p.due))
	}
	p.next()
}

// MeasureLoopback sends samples pings one at a time, each gap after the
// previous pong, between two live runtimes on 127.0.0.1, and reports the
// round trips: from when the ping's send timer was due to when its pong
// is handled on the sender's loop (see pinger).
func MeasureLoopback(samples int, gap time.Duration) (LoopbackResult, error) {
	if samples <= 0 || samples > loopbackSamplesMax {
		return LoopbackResult{}, fmt.Errorf("loopback: %d samples, want 1..%d", samples, loopbackSamplesMax)
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
	// The first pings dial the connections: not part of the measurement.
	const warmup = 20
	p := &pinger{gap: gap, pad: make([]byte, loopbackPadBytes), warmup: warmup, samples: samples,
		rtts: make([]time.Duration, 0, samples), done: make(chan struct{})}
	sender, err := live.New(live.Config{Self: "loopback-ping", Listen: "127.0.0.1:0", Dir: filepath.Join(dir, "ping")},
		func() node.Handler { return p })
	if err != nil {
		return LoopbackResult{}, err
	}
	echo.SetPeer("loopback-ping", sender.Addr())
	sender.SetPeer("loopback-echo", echo.Addr())
	defer echo.Stop()
	defer sender.Stop()
	if err := echo.Start(); err != nil {
		return LoopbackResult{}, err
	}
	if err := sender.Start(); err != nil {
		return LoopbackResult{}, err
	}
	cpuBefore, err := processCPU()
	if err != nil {
		return LoopbackResult{}, err
	}
	sender.Do(func(node.Handler) { p.next() })
	// Loopback never loses a message: a ping unanswered for long is a
	// broken runtime, not a slow sample.
	deadline := time.Duration(samples+warmup)*(gap+loopbackPingSlowMax) + loopbackReplyTimeout
	select {
	case <-p.done:
	case <-time.After(deadline):
		return LoopbackResult{}, fmt.Errorf("loopback: %d pings not answered within %v", samples+warmup, deadline)
	}
	cpuAfter, err := processCPU()
	if err != nil {
		return LoopbackResult{}, err
	}
	var rtts []time.Duration
	sender.Do(func(node.Handler) { rtts = p.rtts })
	sort.Slice(rtts, func(i, j int) bool { return rtts[i] < rtts[j] })
	at := func(q float64) reports.Dur { return reports.D(rtts[min(len(rtts)-1, int(q*float64(len(rtts))))]) }
	return LoopbackResult{Samples: len(rtts), CPUPerRoundTrip: reports.D((cpuAfter - cpuBefore) / time.Duration(samples+warmup)), P50: at(0.50), P90: at(0.90), P99: at(0.99), Max: reports.D(rtts[len(rtts)-1])}, nil
}

// processCPU is the user plus system CPU time this process has used.
func processCPU() (time.Duration, error) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, fmt.Errorf("loopback: getrusage: %w", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), nil
}
