package lab

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"time"

	"syslab/check"
	"syslab/lab/engine"
	"syslab/live"
	"syslab/loadgen"
	"syslab/node"
	"syslab/reports"
	"syslab/sim"
)

// Options are the command line's say over a run.
type Options struct {
	// Seed overrides the scenario's seed when SeedSet.
	Seed    uint64
	SeedSet bool
	// Mode is "sim" (default) or "live".
	Mode string
	// OutDir receives the report; empty writes nothing but still checks.
	OutDir string
	// Progress, if set, gets a one-line progress display, redrawn in place.
	Progress io.Writer
	// RealClock reads wall-clock time for the report's real-time fields;
	// nil leaves them zero.
	RealClock func() time.Time
}

// Recovery after the workload: the runner heals every fault, waits this
// long for nodes to come back, then reads every written key to find lost
// writes. Each final read is tried finalReadAttempts times.
const (
	recoveryDelay     = 2 * time.Second
	finalReadTimeout  = time.Second
	finalReadAttempts = 5
	// finalReadsBudget is how much virtual time the final reads may take
	// before the run gives up on the keys left unread.
	finalReadsBudget = 5 * time.Minute
)

// ErrBadScenario marks errors in what the user asked for, as opposed to
// failures of the lab itself.
var ErrBadScenario = errors.New("bad scenario")

// Run executes a scenario and returns its report, already written to
// opts.OutDir when that is set.
func Run(sc *Scenario, opts Options) (*reports.Run, error) {
	mode := opts.Mode
	switch mode {
	case "":
		mode = reports.ModeSim
	case reports.ModeSim, reports.ModeLive:
	default:
		return nil, fmt.Errorf("%w: unknown mode %q: want sim or live", ErrBadScenario, opts.Mode)
	}
	seed := sc.Seed
	if opts.SeedSet {
		seed = opts.Seed
	}
	eng, ok := Lookup(sc.Engine)
	if !ok {
		return nil, fmt.Errorf("%w: %s: engine %q is not built into this binary", ErrBadScenario, sc.File, sc.Engine)
	}
	cluster, err := eng.Build(engine.Spec{Nodes: sc.Topology.Nodes, Roles: sc.Topology.Roles, Config: sc.Config, Duration: sc.Duration, Actions: engineActionSchedule(sc)})
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrBadScenario, sc.File, err)
	}
	r := &labRun{sc: sc, seed: seed, mode: mode, opts: opts, cluster: cluster, rec: newRecorder()}
	if err := r.build(); err != nil {
		if r.w != nil {
			r.w.Close()
		}
		return nil, err
	}
	r.execute()
	r.w.Close()
	if cluster.Measures != nil {
		r.measures = cluster.Measures()
	}
	run, err := r.report()
	if err != nil {
		return nil, err
	}
	if opts.OutDir != "" {
		if err := reports.Write(opts.OutDir, run); err != nil {
			return nil, err
		}
		if err := writeHistory(opts.OutDir, &r.rec.history); err != nil {
			return nil, err
		}
	}
	return run, nil
}

// labRun is one scenario run, in the simulator or live.
type labRun struct {
	sc      *Scenario
	seed    uint64
	mode    string
	opts    Options
	cluster *engine.Cluster
	rec     *recorder
	w       world

	clients  int
	faults   []reports.Fault
	crashes  []time.Duration
	finals   *finalReader
	measures map[string]float64 // the engine's lab-side counts
	started  time.Time
	finished time.Time
}

func (r *labRun) build() error {
	if r.mode == reports.ModeLive {
		for _, name := range sortedKeys(r.cluster.Messages) {
			if c, ok := r.cluster.Codecs[name]; ok {
				live.RegisterValueCodec(name, r.cluster.Messages[name], c.Encode, c.Decode)
			} else {
				live.RegisterValue(name, r.cluster.Messages[name])
			}
		}
		dataDir := ""
		if r.opts.OutDir != "" {
			dataDir = filepath.Join(r.opts.OutDir, "live-data")
			if err := os.RemoveAll(dataDir); err != nil {
				return err
			}
		}
		w, err := newLiveWorld(r.seed, dataDir, cutsLinks(r.sc.Faults))
		if err != nil {
			return err
		}
		r.w = w
	} else {
		cfg := sim.Config{
			Seed:      r.seed,
			Network:   linkConfig(r.sc.Network),
			Disk:      diskConfig(r.sc.Disk),
			RealClock: r.opts.RealClock,
		}
		if err := cfg.Validate(); err != nil {
			return fmt.Errorf("%w: %s: %v", ErrBadScenario, r.sc.File, err)
		}
		r.w = simWorld{sim.New(cfg)}
	}
	for _, id := range r.sc.Topology.Nodes {
		f, ok := r.cluster.Factories[id]
		if !ok {
			return fmt.Errorf("lab: engine %s built no node %s", r.sc.Engine, id)
		}
		if err := r.w.AddServer(id, f); err != nil {
			return err
		}
	}
	if r.cluster.Operator != nil {
		if err := r.w.AddClient(engine.OperatorID, r.cluster.Operator()); err != nil {
			return err
		}
	}
	for i := range r.sc.Workload {
		if err := r.addClients(&r.sc.Workload[i]); err != nil {
			return fmt.Errorf("%w: %s:%d: workload %s: %v", ErrBadScenario, r.sc.File, r.sc.Workload[i].Line, r.sc.Workload[i].Name, err)
		}
	}
	return nil
}

// engineActionSchedule lists the engine actions of the fault schedule at
// every time they are due, in time order (ties in file order).
func engineActionSchedule(sc *Scenario) []engine.Action {
	var out []engine.Action
	for _, f := range sc.Faults {
		if f.Kind != FaultEngine {
			continue
		}
		for at := f.At; ; at += f.Every {
			out = append(out, engine.Action{At: at, Name: f.Action, Params: f.Params})
			if f.Every == 0 || at+f.Every >= f.Until {
				break
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At < out[j].At })
	return out
}

// addClients adds the client processes of one phase. An open-loop phase
// shares its rate among its clients; a closed-loop phase runs one client
// per unit of concurrency.
func (r *labRun) addClients(p *Phase) error {
	n := p.Clients
	if !p.OpenLoop() {
		n = p.Concurrency
	}
	if n < 1 {
		n = 1
	}
	weights := map[string]float64{}
	for _, m := range p.Mix {
		weights[m.Op] = m.Weight
	}
	for i := 0; i < n; i++ {
		id := r.clients
		r.clients++
		stream := r.w.Stream(fmt.Sprintf("client/%d", id))
		keys, err := loadgen.ParseDistribution(distributionSpec(p.Keys.Distribution), p.Keys.Count)
		if err != nil {
			return err
		}
		mix, err := loadgen.NewMix(weights)
		if err != nil {
			return err
		}
		c := &clientProc{
			id:     id,
			phase:  p,
			proto:  r.cluster.NewClient(stream),
			rec:    r.rec,
			rng:    stream,
			keys:   keys,
			mix:    mix,
			values: valueSource{minBytes: p.Values.MinBytes, maxBytes: p.Values.MaxBytes},
			now:    r.w.Now,
		}
		c.conv, _ = c.proto.(engine.Conversation)
		if p.OpenLoop() {
			// Each of the n clients takes 1/n of every rate in the schedule.
			spec, err := loadgen.ParseSchedule(string(p.Arrival))
			if err != nil {
				return err
			}
			arrivals, err := loadgen.NewArrivals(spec.Scaled(1/float64(n)), p.Rate.PerSecond()/float64(n), p.Duration, stream)
			if err != nil {
				return err
			}
			c.arrivals = arrivals
		}
		if err := r.w.AddClient(clientID(id), c); err != nil {
			return err
		}
	}
	return nil
}

func clientID(i int) node.ID { return node.ID(fmt.Sprintf("client-%d", i)) }

func distributionSpec(d KeyDistribution) string {
	switch d.Kind {
	case KeysZipf:
		return fmt.Sprintf("zipf:%g", d.ZipfS)
	case KeysHotspot:
		return fmt.Sprintf("hotspot:%g:%g", d.HotFraction, d.HotShare)
	case KeysLatest:
		return "latest"
	case KeysSequential:
		return "sequential"
	}
	return "uniform"
}

// execute runs the workload and faults, then recovers the cluster and reads
// back every key that was written.
func (r *labRun) execute() {
	if r.opts.RealClock != nil {
		r.started = r.opts.RealClock()
	}
	// Time zero of the run is now: in live mode building the world took
	// real time, which must not eat into the first phase.
	r.w.Begin()
	r.scheduleFaults()
	end := r.sc.Duration
	r.runWithProgress(end)
	r.recover()
	r.finals = newFinalReader(r)
	if err := r.w.AddClient("final-reader", r.finals); err != nil {
		// Without final reads lost writes cannot be judged; the check
		// reports every key unverified.
		r.finals.giveUp()
	}
	deadline := r.w.Now() + recoveryDelay + finalReadsBudget
	for !r.finals.done() && r.w.Now() < deadline {
		r.w.Run(min(r.w.Now()+time.Second, deadline))
	}
	if r.opts.RealClock != nil {
		r.finished = r.opts.RealClock()
	}
	if r.opts.Progress != nil {
		fmt.Fprintln(r.opts.Progress)
	}
}

// runWithProgress advances the world to end in steps, redrawing the
// progress line between them.
func (r *labRun) runWithProgress(end time.Duration) {
	step := end / 100
	if step < time.Second {
		step = time.Second
	}
	for r.w.Now() < end {
		r.w.Run(min(r.w.Now()+step, end))
		if r.opts.Progress != nil {
			fmt.Fprintf(r.opts.Progress, "\r%s  %s  %6.1f%%  %d ops  %d events",
				r.sc.Name, r.w.Now().Truncate(time.Millisecond), 100*float64(r.w.Now())/float64(end),
				r.rec.count(), r.w.Events())
		}
	}
}

// recover undoes every fault still in force so the final reads see the
// cluster as it comes back.
func (r *labRun) recover() {
	r.w.At(r.w.Now(), func() {
		r.w.Heal()
		for _, id := range r.sc.Topology.Nodes {
			r.w.SetDiskFault(id, sim.DiskFault{})
			if r.w.Paused(id) {
				r.w.Resume(id)
			}
			if !r.w.Up(id) {
				r.w.Restart(id)
				r.note(reports.FaultRestart, string(id), "recovery after the workload")
			}
		}
	})
}

// report turns what the run saw into a reports.Run, checks included.
func (r *labRun) report() (*reports.Run, error) {
	run := &reports.Run{
		Scenario:        r.sc.Name,
		Description:     r.sc.Description,
		File:            r.sc.File,
		Engine:          r.sc.Engine,
		Mode:            r.mode,
		Seed:            r.seed,
		TraceHash:       r.w.TraceHash(),
		Events:          r.w.Events(),
		VirtualDuration: reports.D(r.w.Now()),
		Promise:         r.sc.Promise,
		Config:          r.cluster.Config,
		Faults:          r.faults,
		ExpectFail:      r.sc.Expect == ExpectFail,
		Reproduce:       fmt.Sprintf("syslab run %s --seed %d --mode %s", r.sc.File, r.seed, r.mode),
	}
	if !r.started.IsZero() {
		real := r.finished.Sub(r.started)
		run.Real.DurationSec = real.Seconds()
		if real > 0 {
			run.Real.EventsPerSec = float64(run.Events) / real.Seconds()
		}
	}
	var err error
	if run.Ops, err = r.opStats(); err != nil {
		return nil, err
	}
	run.Throughput = r.throughput()
	run.Errors = r.errorCounts()
	run.Series = r.series()
	run.Metrics = r.nodeMetrics()
	if len(r.measures) > 0 {
		if run.Metrics == nil {
			run.Metrics = map[string]map[string]float64{}
		}
		run.Metrics["lab"] = r.measures
	}
	run.Checks = r.runChecks()
	run.Verdict = reports.RunVerdict(run.Checks, run.ExpectFail)
	return run, nil
}

func (r *labRun) opStats() ([]reports.OpStats, error) {
	counts := map[string]*reports.OpStats{}
	for _, op := range r.rec.history.Ops {
		if op.Client >= r.clients {
			continue // final reads
		}
		s, ok := counts[op.Kind]
		if !ok {
			s = &reports.OpStats{Op: op.Kind}
			counts[op.Kind] = s
		}
		s.Count++
		switch op.Status {
		case "ok":
			s.OK++
		case "fail":
			s.Fail++
		default:
			s.Info++
		}
	}
	kinds := sortedKeys(counts)
	out := make([]reports.OpStats, 0, len(kinds))
	for _, k := range kinds {
		s := counts[k]
		if h, ok := r.rec.latency[k]; ok {
			s.P50, s.P90, s.P99, s.P999 = reports.D(h.Percentile(50)), reports.D(h.Percentile(90)), reports.D(h.Percentile(99)), reports.D(h.Percentile(99.9))
			s.Max = reports.D(h.Max())
			enc, err := h.Encode()
			if err != nil {
				return nil, fmt.Errorf("lab: encoding %s latency histogram: %v", k, err)
			}
			s.HDR = enc
		}
		out = append(out, *s)
	}
	return out, nil
}

// throughput compares the open-loop rate asked for with what completed,
// both over the span of the workload.
func (r *labRun) throughput() reports.Throughput {
	var first, last time.Duration = -1, 0
	var requested float64
	for _, p := range r.sc.Workload {
		if first < 0 || p.Start < first {
			first = p.Start
		}
		last = max(last, p.End())
		requested += p.Rate.PerSecond() * p.Duration.Seconds()
	}
	span := (last - first).Seconds()
	if span <= 0 {
		return reports.Throughput{}
	}
	ok := 0
	for _, c := range r.rec.completions {
		if c.ok {
			ok++
		}
	}
	return reports.Throughput{RequestedPerSec: requested / span, AchievedPerSec: float64(ok) / span}
}

func (r *labRun) errorCounts() map[string]int {
	errs := map[string]int{}
	for _, op := range r.rec.history.Ops {
		if op.Client >= r.clients || op.Status == "ok" {
			continue
		}
		errs[errorKind(op.Error)]++
	}
	for kind, n := range r.rec.droppedOps {
		errs["dropped "+kind+" (client queue full)"] += n
	}
	return errs
}

// errorKind shortens an error to its class: the Redis error code, or the
// first words of a lab error.
func errorKind(msg string) string {
	if msg == "" {
		return "unknown"
	}
	for i, c := range msg {
		if c == ' ' && i > 0 {
			if msg[:i] == "timeout" {
				return "timeout"
			}
			return msg[:i]
		}
	}
	return msg
}

// series buckets completions per second of virtual time.
func (r *labRun) series() []reports.Series {
	const step = time.Second
	end := r.sc.Duration
	buckets := int(end / step)
	if end%step != 0 {
		buckets++
	}
	counts := make([]int, buckets)
	lat := make([][]time.Duration, buckets)
	for _, c := range r.rec.completions {
		i := int(c.at / step)
		if i >= buckets {
			continue
		}
		if c.ok {
			counts[i]++
			lat[i] = append(lat[i], c.latency)
		}
	}
	tput := reports.Series{Name: "throughput (ops/s)", Unit: "ops/s", StepSeconds: step.Seconds()}
	p99 := reports.Series{Name: "p99 latency (ms)", Unit: "ms", StepSeconds: step.Seconds()}
	for i := range buckets {
		t := reports.D(time.Duration(i+1) * step)
		tput.Points = append(tput.Points, reports.Point{T: t, V: float64(counts[i]) / step.Seconds()})
		if len(lat[i]) > 0 {
			p99.Points = append(p99.Points, reports.Point{T: t, V: float64(quantile(lat[i], 0.99)) / float64(time.Millisecond)})
		}
	}
	return []reports.Series{tput, p99}
}

// quantile sorts xs and returns the nearest-rank q quantile.
func quantile(xs []time.Duration, q float64) time.Duration {
	sort.Slice(xs, func(i, j int) bool { return xs[i] < xs[j] })
	rank := int(q*float64(len(xs))+0.999999) - 1
	return xs[min(max(rank, 0), len(xs)-1)]
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func linkConfig(n Network) sim.LinkConfig {
	return sim.LinkConfig{Latency: latency(n.Latency), Loss: n.Loss, Duplicate: n.Duplicate, Unordered: n.Duplicate > 0}
}

func diskConfig(d DiskModel) sim.DiskConfig {
	return sim.DiskConfig{SyncLatency: latency(d.SyncLatency), Writeback: d.Writeback, TornWrites: d.TornWrites}
}

func fmtHash(h uint64) string { return fmt.Sprintf("%016x", h) }

func latency(d Delay) sim.Latency {
	return sim.Latency{Kind: string(d.Kind), Mean: d.Mean, Min: d.Min, Max: d.Max, StdDev: d.Stddev, Quantiles: d.Quantiles,
		Trace: d.Trace, TraceStep: d.TraceStep}
}

// HistoryFile is the name of the run's history in its report folder; `syslab
// check` verifies it again offline.
const HistoryFile = "history.json"

func writeHistory(dir string, h *check.History) error {
	var b bytes.Buffer
	if err := h.Write(&b); err != nil {
		return fmt.Errorf("lab: history: %w", err)
	}
	return os.WriteFile(filepath.Join(dir, HistoryFile), b.Bytes(), 0o644)
}

// nodeMetrics collects what each server node recorded, leaving out values
// JSON cannot carry.
func (r *labRun) nodeMetrics() map[string]map[string]float64 {
	var out map[string]map[string]float64
	for _, id := range r.sc.Topology.Nodes {
		for name, v := range r.w.NodeMetrics(id) {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				continue
			}
			if out == nil {
				out = map[string]map[string]float64{}
			}
			if out[string(id)] == nil {
				out[string(id)] = map[string]float64{}
			}
			out[string(id)][name] = v
		}
	}
	return out
}

// cutsLinks says whether a fault schedule may partition or cut a link,
// which in live mode needs a fault proxy on every link.
func cutsLinks(faults []Fault) bool {
	for _, f := range faults {
		switch f.Kind {
		case FaultPartition, FaultOneWay, FaultHeal, FaultRandom:
			return true
		}
	}
	return false
}
