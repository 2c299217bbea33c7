package live

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"syslab/loadgen"
)

// An HTTP run hands the sending to vegeta's Attacker: its pacer loop,
// its pool of workers (grown on demand, up to a bound) and its HTTP
// client. What we keep is the measure.
//
// What vegeta's Result means: Timestamp is when a worker took the tick
// and began the request (read under the lock that also hands out Seq,
// so Seq and Timestamp have the same order), and Latency runs from
// there to the end of the response body. That is the send, not the
// intended start: when every worker is busy, or the pacer's goroutine
// is late, a request begins after its turn and vegeta's own latency
// leaves the wait out. So here each result is matched, by Seq, to the
// intended start our schedule gave the Seq-th tick (Seq counts hits
// from 0 in the order workers took them), and its latency is counted
// from that start to Timestamp + Latency. Two workers that take
// neighbouring ticks at the same instant may swap Seqs; the error is
// then at most one gap of the schedule.
//
// The pacer is ours too (schedulePacer), so an HTTP run keeps exactly
// the intended times a RESP run has; TestVegetaPacersAgreeWithOurs
// checks vegeta's own pacers against ours.

const (
	// httpRequestsMax bounds an HTTP run's schedule: the intended start
	// of every request is kept (8 bytes each) until the run ends, since
	// results come back in any order.
	httpRequestsMax = 1 << 25
	// httpWorkersInitial is how many workers the attacker starts with.
	httpWorkersInitial = 16
	// httpErrorKindBytesMax bounds a transport error's text in the
	// errors table.
	httpErrorKindBytesMax = 60
)

// schedulePacer is a vegeta.Pacer that waits for our schedule's
// intended times. vegeta calls Pace from one goroutine with hits = 0, 1,
// 2, … (it counts the ticks it has handed out).
type schedulePacer struct {
	arrivals *loadgen.Arrivals
	duration time.Duration
	// next is the intended start of hit number index-1; sent mirrors
	// index for other goroutines.
	index uint64
	next  time.Duration
	sent  atomic.Int64
	ended bool
	// began is the attack's start as a wall-clock time, worked out on
	// the first call from the elapsed time vegeta passes (vegeta keeps
	// its start to itself).
	began atomic.Pointer[time.Time]
}

func (p *schedulePacer) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	if p.began.Load() == nil {
		began := time.Now().Add(-elapsed)
		p.began.Store(&began)
	}
	// Pull arrivals until the one of hit number `hits` (0-based).
	for !p.ended && p.index <= hits {
		at, ok := p.arrivals.Next()
		if !ok || at >= p.duration {
			p.ended = true // the schedule has no arrival for this hit
			break
		}
		p.next = at
		p.index++
		p.sent.Store(int64(p.index))
	}
	if p.ended {
		return 0, true
	}
	return p.next - elapsed, false
}

func (p *schedulePacer) Rate(elapsed time.Duration) float64 { return p.arrivals.RatePerSec(elapsed) }

// RunHTTP runs cfg against cfg.HTTP: open loop through the schedule, or
// closed loop with cfg.Closed workers (vegeta at unbounded rate with
// that many workers, each sending when its last request returned).
// cfg.Connections bounds the open connections; the attacker's workers,
// one per request in flight, are bounded by Connections × InflightMax.
// A request times out after DrainTimeout, so the run ends at most that
// long after its last send.
func RunHTTP(ctx context.Context, cfg Config) (*Result, error) {
	cfg.setDefaults()
	if cfg.ValueSize == nil {
		cfg.ValueSize = loadgen.ConstantSize(0)
	}
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	if _, err := ParseHTTPTarget(cfg.HTTP.URL, cfg.HTTP.Method, cfg.HTTP.Body); err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	if cfg.HTTP.Method == "" {
		cfg.HTTP.Method = "GET"
	}
	kind := cfg.HTTP.opKind()
	r := newRunner(cfg, []string{kind})

	// Requests come from the workload's keys, drawn under a lock since
	// vegeta's workers call the targeter at once.
	var targetMu sync.Mutex
	keys := rand.New(rand.NewPCG(cfg.Seed, 2))
	var keyBuf []byte
	targeter := func(tgt *vegeta.Target) error {
		targetMu.Lock()
		op := cfg.Workload.Next(keys)
		keyBuf = strconv.AppendInt(append(keyBuf[:0], cfg.KeyPrefix...), int64(op.Key), 10)
		key := string(keyBuf)
		targetMu.Unlock()
		tgt.Method = cfg.HTTP.Method
		tgt.URL = strings.ReplaceAll(cfg.HTTP.URL, keyPlaceholder, key)
		if cfg.HTTP.Body != "" {
			tgt.Body = []byte(strings.ReplaceAll(cfg.HTTP.Body, keyPlaceholder, key))
		}
		tgt.Header = cfg.HTTP.Header
		return nil
	}

	workersMax := uint64(cfg.Connections) * uint64(cfg.InflightMax)
	workersInitial := min(httpWorkersInitial, workersMax)
	// An open loop's attack ends with its schedule (the pacer stops it),
	// not at vegeta's clock: a hit vegeta is late to send is still sent,
	// late and counted, as the RESP driver does.
	attackFor := time.Duration(0)
	var pacer vegeta.Pacer
	var ours *schedulePacer
	var intended *loadgen.Arrivals
	if r.openLoop {
		pacing, err := cfg.arrivals()
		if err != nil {
			return nil, fmt.Errorf("load: %w", err)
		}
		if n := pacing.Expected(cfg.Duration); n > httpRequestsMax {
			return nil, fmt.Errorf("load: the schedule asks for %.0f requests, more than %d an HTTP run keeps track of; shorten the run", n, httpRequestsMax)
		}
		ours = &schedulePacer{arrivals: pacing, duration: cfg.Duration}
		pacer = ours
		// A second copy of the schedule gives the Seq-th intended start.
		if intended, err = cfg.arrivals(); err != nil {
			return nil, fmt.Errorf("load: %w", err)
		}
	} else {
		pacer = vegeta.ConstantPacer{} // unbounded rate: the workers are the bound
		workersMax, workersInitial = uint64(cfg.Closed), uint64(cfg.Closed)
		attackFor = cfg.Duration
	}
	if err := preflight(cfg.HTTP, cfg.DialTimeout); err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	attacker := vegeta.NewAttacker(
		vegeta.Workers(workersInitial),
		vegeta.MaxWorkers(workersMax),
		vegeta.Connections(cfg.Connections),
		vegeta.MaxConnections(cfg.Connections),
		vegeta.Timeout(cfg.DrainTimeout),
		vegeta.KeepAlive(true),
		vegeta.MaxBody(0), // read and discard bodies; keep none
		vegeta.Redirects(vegeta.NoFollow),
	)

	var answered atomic.Int64
	r.inFlight = func() int64 {
		if ours == nil {
			return 0 // a closed loop has Closed requests in flight
		}
		return max(ours.sent.Load()-answered.Load(), 0)
	}
	r.start = time.Now()
	stopProgress := r.startProgress()
	stopWatch := context.AfterFunc(ctx, func() { attacker.Stop() })
	defer stopWatch()
	results := attacker.Attack(targeter, pacer, attackFor, "syslab")

	var intendedBySeq []time.Duration
	var late int64
	batch := make([]completion, 0, recordBatchMax)
	for res := range results {
		answered.Add(1)
		began := r.start
		if ours != nil {
			if b := ours.began.Load(); b != nil {
				began = *b
			}
		}
		sent := res.Timestamp.Sub(began)
		end := sent + res.Latency
		start := sent // closed loop: from the send, as vegeta measures
		if r.openLoop {
			for uint64(len(intendedBySeq)) <= res.Seq {
				at, ok := intended.Next()
				if !ok {
					// More results than the schedule has arrivals: a bug
					// in the pacer, not the server.
					panic(fmt.Sprintf("live: HTTP result %d beyond the schedule's %d arrivals", res.Seq, len(intendedBySeq)))
				}
				intendedBySeq = append(intendedBySeq, at)
			}
			start = min(intendedBySeq[res.Seq], sent)
			if sent-intendedBySeq[res.Seq] > cfg.LateAfter {
				late++
				r.metrics.late()
			}
		}
		comp := completion{kind: kind, at: end, latency: max(end-start, 0), service: res.Latency}
		if res.Error != "" {
			comp.errKind = httpErrorKind(res)
		}
		batch = append(batch, comp)
		if len(batch) == cap(batch) {
			r.stats.record(batch)
			batch = batch[:0]
		}
	}
	r.stats.record(batch)
	stopProgress()
	return &Result{
		Config:    cfg,
		Ops:       r.stats.ops,
		Errors:    r.stats.errors,
		Series:    r.stats.series.Points(),
		Late:      late,
		Elapsed:   max(r.stats.last, min(time.Since(r.start), cfg.Duration)),
		StartedAt: r.start,
	}, nil
}

// preflight connects to the target's host once, so a wrong address is an
// error before the run rather than a run of failures.
func preflight(t HTTPTarget, timeout time.Duration) error {
	u, err := url.Parse(strings.ReplaceAll(t.URL, keyPlaceholder, "key"))
	if err != nil {
		return err
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	nc, err := net.DialTimeout("tcp", net.JoinHostPort(u.Hostname(), port), timeout)
	if err != nil {
		return fmt.Errorf("connect to %s: %w", t, err)
	}
	return nc.Close()
}

// httpErrorKind names a failed request for the errors table: its status
// code, or a short form of the transport error.
func httpErrorKind(res *vegeta.Result) string {
	if res.Code != 0 {
		return "http " + strconv.Itoa(int(res.Code))
	}
	msg := res.Error
	switch {
	case strings.Contains(msg, "Client.Timeout") || strings.Contains(msg, "deadline exceeded"):
		return "transport: timeout"
	case strings.Contains(msg, "connection refused"):
		return "transport: connection refused"
	case strings.Contains(msg, "connection reset"):
		return "transport: connection reset"
	}
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		msg = msg[i+2:]
	}
	if len(msg) > httpErrorKindBytesMax {
		msg = msg[:httpErrorKindBytesMax]
	}
	return "transport: " + msg
}
