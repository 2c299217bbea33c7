package live

import (
	"sort"
	"sync"
	"time"

	"syslab/loadgen"
)

// completion is one finished operation as a reader saw it.
type completion struct {
	kind    string
	at      time.Duration // since the run's start
	latency time.Duration
	// service is from the send to the answer (latency is from the
	// intended start in an open loop).
	service time.Duration
	errKind string // empty when the server answered without an error
}

// OpResult is what happened to one kind of operation.
type OpResult struct {
	// Latency holds the successful operations.
	Latency *loadgen.Recorder
	// OK and Fail were answered; Info were still unanswered when the run
	// gave up on them (recorded in Latency with the latency they had
	// reached, a lower bound); Dropped were never sent because every
	// connection's in-flight bound was full at their intended start.
	OK, Fail, Info, Dropped int64
}

// Count is every operation the schedule asked for.
func (o *OpResult) Count() int64 { return o.OK + o.Fail + o.Info + o.Dropped }

// stats gathers completions from every reader under one lock, taken once
// per batch of replies.
type stats struct {
	mu     sync.Mutex
	ops    map[string]*OpResult
	errors map[string]int
	series *loadgen.Series
	// last is when the latest operation completed.
	last time.Duration
	// interval is what completed since the last progress line.
	interval       *loadgen.Recorder
	intervalErrors int64
	// metrics mirrors every record into Prometheus families.
	metrics *loadMetrics
}

func newStats(kinds []string, metrics *loadMetrics) *stats {
	s := &stats{ops: map[string]*OpResult{}, errors: map[string]int{}, interval: loadgen.NewRecorder(), metrics: metrics}
	for _, k := range kinds {
		s.ops[k] = &OpResult{Latency: loadgen.NewRecorder()}
	}
	series, err := loadgen.NewSeries(time.Second)
	if err != nil {
		panic(err)
	}
	s.series = series
	return s
}

func (s *stats) record(batch []completion) {
	if len(batch) == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range batch {
		s.metrics.completed(c)
		op := s.ops[c.kind]
		s.last = max(s.last, c.at)
		if c.errKind != "" {
			op.Fail++
			s.errors[c.errKind]++
			s.intervalErrors++
			continue
		}
		op.OK++
		op.Latency.Record(c.latency)
		s.interval.Record(c.latency)
		s.series.Record(c.at, c.latency)
	}
}

// unanswered records an operation the run stopped waiting for: with the
// latency it had reached when the connection closed, or as a failure when
// the connection was lost (errKind set).
func (s *stats) unanswered(kind string, at, latency time.Duration, errKind string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	op := s.ops[kind]
	s.metrics.unanswered(kind, errKind != "")
	if errKind != "" {
		op.Fail++
		s.errors[errKind]++
		return
	}
	op.Info++
	op.Latency.Record(latency)
	s.series.Record(at, latency)
}

func (s *stats) dropped(kind string) {
	s.mu.Lock()
	s.ops[kind].Dropped++
	s.mu.Unlock()
	s.metrics.dropped(kind)
}

// takeInterval returns what completed since the last call and starts anew.
func (s *stats) takeInterval() (*loadgen.Recorder, int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, errs := s.interval, s.intervalErrors
	s.interval, s.intervalErrors = loadgen.NewRecorder(), 0
	return rec, errs
}

func sortedKinds(ops map[string]*OpResult) []string {
	kinds := make([]string, 0, len(ops))
	for k := range ops {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	return kinds
}
