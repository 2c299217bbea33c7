package live

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"syslab/engines/cache/resp"
	"syslab/loadgen"
	"syslab/node"
)

// Defaults and bounds of a run.
const (
	DefaultConnections  = 16
	DefaultInflightMax  = 1000
	DefaultLateAfter    = time.Millisecond
	DefaultDrainTimeout = 5 * time.Second
	DefaultDialTimeout  = 5 * time.Second
	connectionsMax      = 4096
	closedWorkersMax    = 1 << 20
	// sleepMin is the shortest wait the pacer sleeps for: timers are not
	// finer than tens of microseconds, so nearer sends go out at once, a
	// little early. Their latency is then counted from the send (see
	// readLoop), never from the later intended start.
	sleepMin = 100 * time.Microsecond
)

// Config describes one load run.
type Config struct {
	Target   Target
	Workload *loadgen.Workload
	// ValueSize picks the size of every SET's value.
	ValueSize loadgen.SizeChooser
	// KeyPrefix comes before each key's index: "key:" gives key:0, key:1, …
	KeyPrefix string
	// Open loop: operations start at the intended times of Schedule (a
	// loadgen.ParseSchedule text: constant, poisson, ramp, step, sine)
	// with base rate RatePerSec. Closed loop: Closed > 0 workers each keep one
	// operation outstanding, and the rate is whatever the server allows.
	RatePerSec float64
	Schedule   string
	Closed     int
	Duration   time.Duration
	// Connections to open; each holds at most InflightMax operations.
	Connections int
	InflightMax int
	// LateAfter: a send that goes out more than this after its intended
	// start counts as late.
	LateAfter time.Duration
	// DrainTimeout is how long to wait, after the last send, for replies.
	DrainTimeout time.Duration
	DialTimeout  time.Duration
	Seed         uint64
	// Progress, when set, is called about once a second.
	Progress func(Progress)
	// Metrics, when set, receives the run's Prometheus families (see
	// MetricNames) as it goes.
	Metrics node.Metrics
	// HTTP, when its URL is set, makes the run an HTTP one driven by
	// vegeta's attacker (see RunHTTP); Target is then unused.
	HTTP HTTPTarget
}

// Progress is one second of a run.
type Progress struct {
	Elapsed   time.Duration
	OpsPerSec float64
	P50, P99  time.Duration
	Errors    int64
}

// Result is what a run measured.
type Result struct {
	Config Config
	Ops    map[string]*OpResult
	Errors map[string]int
	// Series is throughput and p99 per second of the run, by completion.
	Series []loadgen.SeriesPoint
	// Late and Dropped sends (open loop only).
	Late, Dropped int64
	// Elapsed runs from the start to the last completion (or the end of
	// the schedule, whichever is later).
	Elapsed   time.Duration
	StartedAt time.Time
}

// OpenLoop tells whether the run paced operations by a schedule.
func (r *Result) OpenLoop() bool { return r.Config.Closed == 0 }

// Completed is how many operations got an answer.
func (r *Result) Completed() int64 {
	var n int64
	for _, op := range r.Ops {
		n += op.OK + op.Fail
	}
	return n
}

// AchievedPerSec is answered operations per second of the run.
func (r *Result) AchievedPerSec() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Completed()) / r.Elapsed.Seconds()
}

// AllLatency merges every operation kind's latencies.
func (r *Result) AllLatency() *loadgen.Recorder {
	all := loadgen.NewRecorder()
	for _, k := range sortedKinds(r.Ops) {
		all.Merge(r.Ops[k].Latency)
	}
	return all
}

func (cfg *Config) validate() error {
	switch {
	case cfg.Workload == nil:
		return errors.New("no workload")
	case cfg.ValueSize == nil:
		return errors.New("no value size")
	case cfg.Duration <= 0:
		return fmt.Errorf("duration %v: want > 0", cfg.Duration)
	case cfg.Connections < 1 || cfg.Connections > connectionsMax:
		return fmt.Errorf("connections %d: want 1 to %d", cfg.Connections, connectionsMax)
	case cfg.InflightMax < 1:
		return fmt.Errorf("in-flight bound %d per connection: want ≥ 1", cfg.InflightMax)
	case cfg.Closed < 0 || cfg.Closed > closedWorkersMax:
		return fmt.Errorf("closed-loop workers %d: want 0 (open loop) to %d", cfg.Closed, closedWorkersMax)
	case cfg.Closed == 0 && !(cfg.RatePerSec > 0):
		return fmt.Errorf("rate %v: an open-loop run needs a rate > 0", cfg.RatePerSec)
	}
	if cfg.Closed == 0 {
		if _, err := cfg.arrivals(); err != nil {
			return err
		}
	}
	return nil
}

// arrivals starts the open loop's schedule.
func (cfg *Config) arrivals() (*loadgen.Arrivals, error) {
	spec, err := loadgen.ParseSchedule(cfg.Schedule)
	if err != nil {
		return nil, err
	}
	return loadgen.NewArrivals(spec, cfg.RatePerSec, cfg.Duration, rand.New(rand.NewPCG(cfg.Seed, 1)))
}

// RequestedPerSec is the mean rate the schedule asks for over the run
// (the base rate, unless it ramps, steps or swings); 0 in a closed loop.
func (cfg *Config) RequestedPerSec() float64 {
	if cfg.Closed > 0 {
		return 0
	}
	arrivals, err := cfg.arrivals()
	if err != nil {
		return 0
	}
	return arrivals.Expected(cfg.Duration) / cfg.Duration.Seconds()
}

func newRunner(cfg Config, kinds []string) *runner {
	r := &runner{cfg: cfg, openLoop: cfg.Closed == 0}
	r.inFlight = func() int64 {
		var n int64
		for _, c := range r.conns {
			n += c.inflight.Load()
		}
		return n
	}
	r.metrics = newLoadMetrics(cfg.Metrics, kinds)
	r.stats = newStats(kinds, r.metrics)
	if r.openLoop {
		// A schedule of its own, for the rate at any instant: the
		// pacer's advances as it goes.
		if arrivals, err := cfg.arrivals(); err == nil {
			r.rateAt = arrivals.RatePerSec
		}
	}
	return r
}

func (cfg *Config) setDefaults() {
	if cfg.KeyPrefix == "" {
		cfg.KeyPrefix = "key:"
	}
	if cfg.LateAfter == 0 {
		cfg.LateAfter = DefaultLateAfter
	}
	if cfg.DrainTimeout == 0 {
		cfg.DrainTimeout = DefaultDrainTimeout
	}
	if cfg.DialTimeout == 0 {
		cfg.DialTimeout = DefaultDialTimeout
	}
}

// runner is one run in progress.
type runner struct {
	cfg      Config
	openLoop bool
	start    time.Time
	conns    []*conn
	stats    *stats
	metrics  *loadMetrics
	// rateAt is the schedule's rate at an instant of the run (open loop).
	rateAt func(time.Duration) float64
	// inFlight counts requests sent and not answered.
	inFlight func() int64
	// closedUntil is, in a closed loop, the time since the start until
	// which an answer starts the next operation; 0 once the loop ends.
	closedUntil atomic.Int64
	// closedGen draws the closed loop's operations; readers of every
	// connection share it.
	closedGen struct {
		mu     sync.Mutex
		wr, sr *rand.Rand
	}
	// values is random bytes; every SET sends a prefix of it.
	values []byte
	// nextConn is where the pacer's round robin starts (pacer goroutine only).
	nextConn int
}

func (r *runner) since() time.Duration { return time.Since(r.start) }

// appendCommand encodes cl's next command.
func (r *runner) appendCommand(dst []byte, cl *call) []byte {
	var keyBuf [40]byte
	key := strconv.AppendInt(append(keyBuf[:0], r.cfg.KeyPrefix...), int64(cl.key), 10)
	switch {
	case cl.kind == loadgen.OpGet, cl.kind == loadgen.OpRMW && !cl.rmwWriting:
		return resp.AppendCommand(dst, []byte("GET"), key)
	default: // set, insert, the write half of rmw
		return resp.AppendCommand(dst, []byte("SET"), key, r.values[:cl.valueBytes])
	}
}

// Run connects, runs the load for cfg.Duration and waits for the replies.
// An error means the run could not start or every connection was lost;
// server error replies are results, not errors.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if cfg.HTTP.URL != "" {
		return RunHTTP(ctx, cfg)
	}
	cfg.setDefaults()
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	r := newRunner(cfg, cfg.Workload.Ops())
	inflightMax := cfg.InflightMax
	if !r.openLoop {
		// Every worker must find a slot on its own connection.
		inflightMax = max(inflightMax, (cfg.Closed+cfg.Connections-1)/cfg.Connections)
	}
	defer func() {
		for _, c := range r.conns {
			c.stop(nil)
		}
	}()
	for i := range cfg.Connections {
		nc, err := net.DialTimeout("tcp", cfg.Target.Addr, cfg.DialTimeout)
		if err != nil {
			return nil, fmt.Errorf("load: connect to %s: %w", cfg.Target, err)
		}
		c := newConn(i, nc, r, inflightMax)
		r.conns = append(r.conns, c)
		if err := c.handshake(cfg.Target, cfg.DialTimeout); err != nil {
			return nil, fmt.Errorf("load: %s: %w", cfg.Target, err)
		}
	}
	r.values = make([]byte, valueBytesFor(cfg.ValueSize))
	vr := rand.New(rand.NewPCG(cfg.Seed, 3))
	for i := range r.values {
		r.values[i] = 'a' + byte(vr.IntN(26))
	}

	var loops sync.WaitGroup
	r.start = time.Now()
	for _, c := range r.conns {
		loops.Add(2)
		go func() { defer loops.Done(); c.writeLoop() }()
		go func() { defer loops.Done(); c.readLoop() }()
	}
	stopProgress := r.startProgress()

	var dropped int64
	var err error
	if r.openLoop {
		dropped, err = r.pace(ctx)
	} else {
		err = r.closedLoop(ctx)
	}
	if err == nil {
		r.drain(ctx)
	}
	end := r.since()
	for _, c := range r.conns {
		c.stop(nil)
	}
	loops.Wait()
	stopProgress()
	r.collectUnanswered(end)

	res := &Result{
		Config:    cfg,
		Ops:       r.stats.ops,
		Errors:    r.stats.errors,
		Series:    r.stats.series.Points(),
		Dropped:   dropped,
		Elapsed:   max(r.stats.last, min(end, cfg.Duration)),
		StartedAt: r.start,
	}
	for _, c := range r.conns {
		res.Late += c.late.Load()
	}
	return res, err
}

// valueBytesFor finds the largest size sizes can pick by asking it.
func valueBytesFor(sizes loadgen.SizeChooser) int {
	switch s := sizes.(type) {
	case loadgen.ConstantSize:
		return int(s)
	case loadgen.UniformSize:
		return s.MaxBytes
	}
	panic(fmt.Sprintf("live: value size chooser %T has no known maximum", sizes))
}

// opFor builds the next call from the workload.
func (r *runner) opFor(wr, sr *rand.Rand, intended time.Duration) *call {
	return r.fillOp(new(call), wr, sr, intended)
}

// fillOp makes cl, new or done with, the next call.
func (r *runner) fillOp(cl *call, wr, sr *rand.Rand, intended time.Duration) *call {
	op := r.cfg.Workload.Next(wr)
	*cl = call{kind: op.Kind, key: op.Key, intended: intended}
	if op.Kind != loadgen.OpGet {
		cl.valueBytes = r.cfg.ValueSize.Next(sr)
	}
	return cl
}

// pace runs the open loop: every operation gets an intended start from
// the schedule and is sent then, whatever happened to earlier ones. When
// every connection is at its in-flight bound the operation is dropped and
// counted — waiting would hide the server's slowness from the latencies.
func (r *runner) pace(ctx context.Context) (dropped int64, err error) {
	arrivals, err := r.cfg.arrivals()
	if err != nil {
		return 0, err
	}
	wr, sr := rand.New(rand.NewPCG(r.cfg.Seed, 2)), rand.New(rand.NewPCG(r.cfg.Seed, 4))
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	for i := 0; ; i++ {
		at, ok := arrivals.Next()
		if !ok || at >= r.cfg.Duration {
			return dropped, nil
		}
		if wait := at - r.since(); wait > sleepMin {
			timer.Reset(wait)
			select {
			case <-ctx.Done():
				return dropped, nil
			case <-timer.C:
			}
		} else if i%256 == 0 && ctx.Err() != nil {
			return dropped, nil
		}
		cl := r.opFor(wr, sr, at)
		c := r.pickConn()
		if c == nil {
			if r.allStopped() {
				return dropped, r.lostError()
			}
			dropped++
			r.stats.dropped(cl.kind)
			continue
		}
		c.submit(cl)
	}
}

// pickConn takes a slot on the next connection that has one, round robin.
func (r *runner) pickConn() *conn {
	n := len(r.conns)
	for i := range n {
		c := r.conns[(r.nextConn+i)%n]
		if c.tryAcquire() {
			r.nextConn = (r.nextConn + i + 1) % n
			return c
		}
	}
	return nil
}

func (r *runner) allStopped() bool {
	for _, c := range r.conns {
		if !c.stopped() {
			return false
		}
	}
	return true
}

func (r *runner) lostError() error {
	return fmt.Errorf("load: every connection to %s was lost (first: %v)", r.cfg.Target, r.conns[0].err)
}

// closedLoop keeps Closed operations outstanding: it starts them spread
// over the connections, and each connection's reader starts the next one
// the moment an answer comes in (see conn.next), until the run's
// duration has passed. Latency is from the issue: a stalled server stalls
// the loop, and the operations it would have sent meanwhile are never
// measured (coordinated omission, not corrected).
//
// Why the reader and not a goroutine per worker: a worker would cost two
// goroutine wake-ups per operation (reader → worker → writer), and on a
// busy machine each wake-up waits for a core; the loop then measures the
// scheduler, not the server. redis-benchmark, the yardstick, is one
// event loop.
func (r *runner) closedLoop(ctx context.Context) error {
	r.closedGen.wr = rand.New(rand.NewPCG(r.cfg.Seed, 2))
	r.closedGen.sr = rand.New(rand.NewPCG(r.cfg.Seed, 4))
	r.closedUntil.Store(int64(r.cfg.Duration))
	for w := range r.cfg.Closed {
		c := r.conns[w%len(r.conns)]
		if !c.tryAcquire() {
			break // stopped: the bound fits every worker
		}
		c.submit(r.nextClosed(r.since(), nil))
	}
	timer := time.NewTimer(r.cfg.Duration - r.since())
	defer timer.Stop()
	select {
	case <-ctx.Done():
	case <-timer.C:
	case <-r.allDead():
	}
	r.closedUntil.Store(0) // readers stop issuing
	if r.allStopped() && ctx.Err() == nil {
		return r.lostError()
	}
	return nil
}

// nextClosed makes the closed loop's next operation, issued at now, in
// reuse (a call that completed and nobody holds any more) or a new call.
func (r *runner) nextClosed(now time.Duration, reuse *call) *call {
	if reuse == nil {
		reuse = new(call)
	}
	r.closedGen.mu.Lock()
	defer r.closedGen.mu.Unlock()
	return r.fillOp(reuse, r.closedGen.wr, r.closedGen.sr, now)
}

// allDead is closed once every connection has stopped.
func (r *runner) allDead() <-chan struct{} {
	dead := make(chan struct{})
	go func() {
		for _, c := range r.conns {
			<-c.dead
		}
		close(dead)
	}()
	return dead
}

// drain waits until every call is answered, the drain timeout passes or
// ctx ends.
func (r *runner) drain(ctx context.Context) {
	deadline := time.Now().Add(r.cfg.DrainTimeout)
	const poll = time.Millisecond
	for time.Now().Before(deadline) && ctx.Err() == nil {
		busy := false
		for _, c := range r.conns {
			if !c.stopped() && c.inflight.Load() > 0 {
				busy = true
				break
			}
		}
		if !busy {
			return
		}
		time.Sleep(poll)
	}
}

// collectUnanswered accounts for the calls left in the queues once every
// connection's goroutines have stopped: on a connection the run closed
// they are unknown outcomes with the latency they had reached by end; on
// a lost connection they failed.
func (r *runner) collectUnanswered(end time.Duration) {
	for _, c := range r.conns {
		errKind := ""
		if c.err != nil {
			errKind = "connection lost"
		}
		for _, q := range []chan *call{c.pending, c.send} {
			for drained := false; !drained; {
				select {
				case cl := <-q:
					r.stats.unanswered(cl.kind, end, end-min(cl.intended, sentOr(cl, end)), errKind)
				default:
					drained = true
				}
			}
		}
	}
}

// sentOr is when cl was sent, or end if it never was.
func sentOr(cl *call, end time.Duration) time.Duration {
	if cl.sent == 0 && !cl.rmwWriting {
		return end
	}
	return cl.sent
}

// startProgress calls cfg.Progress and updates the rate gauges once a
// second until the returned stop.
func (r *runner) startProgress() (stop func()) {
	if r.cfg.Progress == nil && r.cfg.Metrics == nil {
		return func() {}
	}
	quit, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		last := time.Duration(0)
		for {
			select {
			case <-quit:
				r.metrics.gauges(0, 0, 0)
				return
			case <-tick.C:
			}
			now := r.since()
			rec, errs := r.stats.takeInterval()
			p := Progress{
				Elapsed:   now,
				OpsPerSec: float64(rec.Count()+errs) / (now - last).Seconds(),
				P50:       rec.Percentile(50),
				P99:       rec.Percentile(99),
				Errors:    errs,
			}
			requested := 0.0
			if r.rateAt != nil && now < r.cfg.Duration {
				requested = r.rateAt(now)
			}
			r.metrics.gauges(requested, p.OpsPerSec, r.inFlight())
			if r.cfg.Progress != nil {
				r.cfg.Progress(p)
			}
			last = now
		}
	}()
	return func() { close(quit); <-finished }
}
