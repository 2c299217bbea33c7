package live

import (
	"fmt"
	"time"

	"syslab/reports"
)

// Load models, as results.json and the report name them.
const (
	ModelOpenLoop   = "open-loop"
	ModelClosedLoop = "closed-loop"
)

// scheduleLateShareMax is the share of late sends above which the
// schedule check says the latencies cannot be trusted: the generator, not
// the server, was the bottleneck.
const scheduleLateShareMax = 0.01

// ReportOptions completes a Result into a report.
type ReportOptions struct {
	// P99Goal, when not 0, adds a check: p99 over every operation ≤ goal.
	P99Goal time.Duration
	// Reproduce is the command line that ran the load.
	Reproduce string
}

// Model says how the load was generated, in words a report shows.
func (r *Result) Model() string {
	if r.OpenLoop() {
		return fmt.Sprintf("%s: schedule %s, base rate %g ops/s (latency from each operation's intended start; coordinated omission corrected)",
			ModelOpenLoop, r.Config.Schedule, r.Config.RatePerSec)
	}
	return fmt.Sprintf("%s with %d workers (latency from send; coordinated omission not corrected)", ModelClosedLoop, r.Config.Closed)
}

// Report renders the result as a live run for reports.Write.
func (r *Result) Report(opts ReportOptions) (*reports.Run, error) {
	cfg := r.Config
	model := ModelClosedLoop
	if r.OpenLoop() {
		model = ModelOpenLoop
	}
	run := &reports.Run{
		Scenario:        "load-" + cfg.Workload.Name,
		Description:     r.Model() + ". Workload " + cfg.Workload.About + ".",
		Engine:          r.protocol(),
		Mode:            reports.ModeLive,
		Seed:            cfg.Seed,
		VirtualDuration: reports.Dur(r.Elapsed),
		Promise:         "The server answers this load without errors" + goalClause(opts.P99Goal) + ".",
		Config: map[string]any{
			"target":                  r.TargetString(),
			"workload":                cfg.Workload.Name,
			"key_distribution":        cfg.Workload.Distribution,
			"load_model":              model,
			"duration":                cfg.Duration.String(),
			"connections":             cfg.Connections,
			"inflight_per_connection": cfg.InflightMax,
			"late_after":              cfg.LateAfter.String(),
		},
		Errors:    map[string]int{},
		Reproduce: opts.Reproduce,
		Real:      reports.RealTime{DurationSec: r.Elapsed.Seconds(), StartedAt: r.StartedAt},
	}
	if r.OpenLoop() {
		run.Config["rate_per_sec"] = cfg.RatePerSec
		run.Config["schedule"] = cfg.Schedule
		run.Throughput.RequestedPerSec = cfg.RequestedPerSec()
	} else {
		run.Config["closed_workers"] = cfg.Closed
	}
	if cfg.HTTP.URL != "" {
		run.Config["http_method"] = cfg.HTTP.Method
		if names := cfg.HTTP.HeaderNames(); len(names) > 0 {
			run.Config["http_headers"] = names // names only: values may be credentials
		}
		run.Config["driver"] = "vegeta attacker, latency from our intended start"
		delete(run.Config, "inflight_per_connection")
		run.Config["workers_max"] = cfg.Connections * cfg.InflightMax
	}
	if opts.P99Goal > 0 {
		run.Config["p99_goal"] = opts.P99Goal.String()
	}
	run.Throughput.AchievedPerSec = r.AchievedPerSec()
	for k, n := range r.Errors {
		run.Errors[k] = n
	}
	if r.Dropped > 0 {
		run.Errors["dropped: in-flight bound full"] = int(r.Dropped)
	}
	for _, kind := range sortedKinds(r.Ops) {
		op := r.Ops[kind]
		stats := reports.OpStats{Op: kind, Count: int(op.Count()), OK: int(op.OK), Fail: int(op.Fail + op.Dropped), Info: int(op.Info)}
		if op.Latency.Count() > 0 {
			hdr, err := op.Latency.Encode()
			if err != nil {
				return nil, err
			}
			stats.HDR = hdr
			stats.P50 = reports.Dur(op.Latency.Percentile(50))
			stats.P90 = reports.Dur(op.Latency.Percentile(90))
			stats.P99 = reports.Dur(op.Latency.Percentile(99))
			stats.P999 = reports.Dur(op.Latency.Percentile(99.9))
			stats.Max = reports.Dur(op.Latency.Max())
		}
		run.Ops = append(run.Ops, stats)
	}
	run.Series = r.series()
	run.Checks = r.checks(opts)
	run.Verdict = reports.RunVerdict(run.Checks, false)
	return run, nil
}

// protocol is what the run spoke: resp or http.
func (r *Result) protocol() string {
	if r.Config.HTTP.URL != "" {
		return "http"
	}
	return "resp"
}

// TargetString names the server the run drove, without secrets.
func (r *Result) TargetString() string {
	if r.Config.HTTP.URL != "" {
		return r.Config.HTTP.String()
	}
	return r.Config.Target.String()
}

func goalClause(goal time.Duration) string {
	if goal <= 0 {
		return ""
	}
	return ", with p99 latency at most " + goal.String()
}

// series plots throughput and p99 per second; a second in which nothing
// completed has throughput 0 and no p99 point.
func (r *Result) series() []reports.Series {
	tput := reports.Series{Name: "throughput (ops/s)", Unit: "ops/s", StepSeconds: 1}
	p99 := reports.Series{Name: "p99 latency (ms)", Unit: "ms", StepSeconds: 1}
	for _, p := range r.Series {
		end := reports.Dur(p.Start + time.Second)
		tput.Points = append(tput.Points, reports.Point{T: end, V: float64(p.Count)})
		if p.Count > 0 {
			p99.Points = append(p99.Points, reports.Point{T: end, V: float64(p.LatencyP99) / 1e6})
		}
	}
	return []reports.Series{tput, p99}
}

func (r *Result) checks(opts ReportOptions) []reports.Check {
	var checks []reports.Check
	var answered, failed int64
	for _, op := range r.Ops {
		answered += op.OK + op.Fail + op.Info
		failed += op.Fail
	}
	errCheck := reports.Check{
		Name:     "errors",
		Expected: "no operation fails",
		Verdict:  reports.VerdictPass,
		Measured: map[string]float64{"failed_ops": float64(failed), "ops": float64(answered)},
		Detail:   fmt.Sprintf("%d of %d operations failed", failed, answered),
	}
	if failed > 0 {
		errCheck.Verdict = reports.VerdictFail
	}
	checks = append(checks, errCheck)
	if r.OpenLoop() {
		sent := answered
		lateShare := 0.0
		if sent > 0 {
			lateShare = float64(r.Late) / float64(sent)
		}
		c := reports.Check{
			Name:     "schedule",
			Expected: fmt.Sprintf("no dropped sends, at most %g%% of sends later than %v", scheduleLateShareMax*100, r.Config.LateAfter),
			Verdict:  reports.VerdictPass,
			Measured: map[string]float64{
				"requested_per_sec": r.Config.RequestedPerSec(),
				"achieved_per_sec":  r.AchievedPerSec(),
				"late_sends":        float64(r.Late),
				"dropped_sends":     float64(r.Dropped),
			},
			Detail: fmt.Sprintf("requested %g ops/s, achieved %.0f; %d sends late by more than %v, %d dropped",
				r.Config.RequestedPerSec(), r.AchievedPerSec(), r.Late, r.Config.LateAfter, r.Dropped),
		}
		if r.Dropped > 0 || lateShare > scheduleLateShareMax {
			// The generator could not keep the schedule: the latencies
			// describe the generator as much as the server.
			c.Verdict = reports.VerdictUnknown
			c.Detail += "; the generator did not keep its schedule, so latencies are not the server's alone"
		}
		checks = append(checks, c)
	}
	if opts.P99Goal > 0 {
		all := r.AllLatency()
		checks = append(checks, reports.LatencyGoalCheck(99, all.Percentile(99), opts.P99Goal, all.Count()))
	}
	return checks
}
