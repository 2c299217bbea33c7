package lab

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"syslab/check"
	"syslab/lab/engine"
	"syslab/loadgen"
	"syslab/reports"
)

// runChecks evaluates the scenario's checks against what the run recorded.
func (r *labRun) runChecks() []reports.Check {
	var out []reports.Check
	for _, c := range r.sc.Checks {
		switch c.Kind {
		case CheckLinearizable:
			out = append(out, r.checkLinearizable(c.Linearizable))
		case CheckLostAckedWrites:
			out = append(out, r.checkLostWrites(c.LostAckedWrites))
		case CheckLatency:
			out = append(out, r.checkLatency(c.Latency)...)
		case CheckErrorRate:
			out = append(out, r.checkErrorRate(c.ErrorRate))
		default:
			out = append(out, r.engineCheck(c))
		}
	}
	return out
}

// engineCheck evaluates a check the engine defines, on the workload's
// operations, if the engine can.
func (r *labRun) engineCheck(c Check) reports.Check {
	e, _ := Lookup(r.sc.Engine)
	runChecker, isRunChecker := e.(engine.RunChecker)
	checker, ok := e.(engine.Checker)
	if !ok && !isRunChecker {
		return reports.Check{
			Name:    string(c.Kind),
			Verdict: reports.VerdictUnknown,
			Detail:  fmt.Sprintf("engine %s names this check but does not evaluate it yet", r.sc.Engine),
		}
	}
	workload := check.History{Meta: r.rec.history.Meta}
	for _, op := range r.rec.history.Ops {
		if op.Client < r.clients {
			workload.Ops = append(workload.Ops, op)
		}
	}
	var res engine.CheckResult
	if isRunChecker {
		res = runChecker.CheckRun(string(c.Kind), c.Params, r.runFacts(&workload))
	} else {
		res = checker.Check(string(c.Kind), c.Params, &workload)
	}
	return reports.Check{Name: string(c.Kind), Verdict: res.Verdict, Expected: res.Expected, Detail: res.Detail, Measured: res.Measured}
}

// runFacts is what an engine's RunChecker judges from.
func (r *labRun) runFacts(workload *check.History) engine.RunFacts {
	facts := engine.RunFacts{History: workload, Metrics: r.nodeMetrics(), Measures: r.measures}
	if r.finals != nil {
		facts.Finals = r.finals.finalValues()
	}
	for _, f := range r.faults {
		facts.Faults = append(facts.Faults, engine.FaultWindow{Kind: f.Kind, Target: f.Target, Start: time.Duration(f.Start), End: time.Duration(f.End)})
	}
	return facts
}

func (r *labRun) checkLinearizable(c *LinearizableCheck) reports.Check {
	viz := ""
	if r.opts.OutDir != "" {
		if err := os.MkdirAll(r.opts.OutDir, 0o755); err == nil {
			viz = filepath.Join(r.opts.OutDir, "linearizability-"+c.Model+".html")
		}
	}
	res := check.Linearizable(&r.rec.history, c.Model, c.Timeout, viz)
	out := fromResult(res, fmt.Sprintf("every operation appears to take effect at one instant between its call and return (%s model)", c.Model))
	out.Name = "linearizable (" + c.Model + ")"
	return out
}

func (r *labRun) checkLostWrites(c *LostAckedWritesCheck) reports.Check {
	lost := check.LostWrites(&r.rec.history, r.finals.finalValues(), r.crashes)
	res := lost.Check(c.Window)
	expected := fmt.Sprintf("at most %d acknowledged writes lost", c.MaxLost)
	if c.Window > 0 {
		expected = fmt.Sprintf("no acknowledged write lost unless acked less than %v before a crash", c.Window)
		if c.MaxLost > 0 {
			expected += fmt.Sprintf(", and at most %d lost in all", c.MaxLost)
		}
	}
	out := fromResult(res, expected)
	out.Name = "lost acknowledged writes"
	// With a window, check.LostReport decides; the count bound applies on
	// top of it (and alone when there is no window).
	n := len(lost.Lost)
	if out.Verdict != reports.VerdictFail && (c.Window == 0 || c.MaxLost > 0) && n > c.MaxLost {
		out.Verdict = reports.VerdictFail
		out.Detail = fmt.Sprintf("%d acknowledged writes lost (allowed %d): %s", n, c.MaxLost, out.Detail)
	} else if out.Verdict == reports.VerdictFail && c.Window == 0 && n <= c.MaxLost {
		out.Verdict = reports.VerdictPass
	}
	if r.opts.OutDir != "" && n > 0 {
		if name, err := writeLostWrites(r.opts.OutDir, lost); err == nil {
			out.Artifacts = append(out.Artifacts, name)
		}
	}
	return out
}

func writeLostWrites(dir string, lost check.LostReport) (string, error) {
	const name = "lost-writes.txt"
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	var b []byte
	for _, l := range lost.Lost {
		final := "(nil)"
		if !l.Final.Nil {
			final = strconv.Quote(l.Final.Value)
		}
		b = fmt.Appendf(b, "%s %q = %q by client %d acked at %v; ", l.Kind, l.Key, l.Value, l.Client, l.AckedAt)
		if l.CrashAfter {
			b = fmt.Appendf(b, "crash at %v (%v after the ack); ", l.CrashAt, l.BeforeCrash)
		} else {
			b = fmt.Appendf(b, "no crash after it; ")
		}
		b = fmt.Appendf(b, "final value %s\n", final)
	}
	return name, os.WriteFile(filepath.Join(dir, name), b, 0o644)
}

// checkLatency measures latency from each operation's intended start (open
// loop), as the recorder kept it, so queueing behind a slow operation
// counts.
func (r *labRun) checkLatency(c *LatencyCheck) []reports.Check {
	rec := r.latencyFor(c.Op, c.Phase)
	scope := scopeText(c.Op, c.Phase)
	var out []reports.Check
	for _, b := range []struct {
		name  string
		p     float64
		limit time.Duration
	}{{"p50", 50, c.P50}, {"p90", 90, c.P90}, {"p99", 99, c.P99}, {"p99.9", 99.9, c.P999}, {"max", 100, c.Max}} {
		if b.limit == 0 {
			continue
		}
		chk := reports.Check{
			Name:     fmt.Sprintf("latency %s %s", b.name, scope),
			Expected: fmt.Sprintf("%s ≤ %v", b.name, b.limit),
			Measured: map[string]float64{"goal_seconds": b.limit.Seconds()},
		}
		if rec.Count() == 0 {
			chk.Verdict = reports.VerdictUnknown
			chk.Detail = "no successful operation to measure"
			out = append(out, chk)
			continue
		}
		got := rec.Percentile(b.p)
		if b.p == 100 {
			got = rec.Max()
		}
		chk.Measured["latency_seconds"] = got.Seconds()
		chk.Measured["samples"] = float64(rec.Count())
		chk.Verdict = reports.VerdictPass
		if got > b.limit {
			chk.Verdict = reports.VerdictFail
		}
		chk.Detail = fmt.Sprintf("%s of %d operations is %v (goal ≤ %v), measured from the intended start", b.name, rec.Count(), got, b.limit)
		out = append(out, chk)
	}
	return out
}

func (r *labRun) latencyFor(op, phase string) *loadgen.Recorder {
	merged := loadgen.NewRecorder()
	if phase == "" {
		for _, k := range sortedKeys(r.rec.latency) {
			if op == "" || k == op {
				merged.Merge(r.rec.latency[k])
			}
		}
		return merged
	}
	for _, k := range sortedKeys(r.rec.perPhase) {
		if k == phase+"/"+op || (op == "" && len(k) > len(phase) && k[:len(phase)+1] == phase+"/") {
			merged.Merge(r.rec.perPhase[k])
		}
	}
	return merged
}

func (r *labRun) checkErrorRate(c *ErrorRateCheck) reports.Check {
	var total, bad int
	for _, op := range r.rec.history.Ops {
		if op.Client >= r.clients || (c.Op != "" && op.Kind != c.Op) {
			continue
		}
		if c.Phase != "" && r.phaseOfClient(op.Client) != c.Phase {
			continue
		}
		total++
		if op.Status != check.StatusOK {
			bad++
		}
	}
	chk := reports.Check{
		Name:     "error rate " + scopeText(c.Op, c.Phase),
		Expected: fmt.Sprintf("≤ %g of operations fail or time out", c.Max),
		Measured: map[string]float64{"goal_rate": c.Max, "operations": float64(total), "errors": float64(bad)},
	}
	if total == 0 {
		chk.Verdict = reports.VerdictUnknown
		chk.Detail = "no operations"
		return chk
	}
	rate := float64(bad) / float64(total)
	chk.Measured["rate"] = rate
	chk.Verdict = reports.VerdictPass
	if rate > c.Max {
		chk.Verdict = reports.VerdictFail
	}
	chk.Detail = fmt.Sprintf("%d of %d operations failed or timed out (%.3g%%)", bad, total, 100*rate)
	return chk
}

// phaseOfClient names the phase a client belongs to: clients are numbered
// phase by phase in file order.
func (r *labRun) phaseOfClient(client int) string {
	first := 0
	for _, p := range r.sc.Workload {
		n := p.Clients
		if !p.OpenLoop() {
			n = p.Concurrency
		}
		n = max(n, 1)
		if client < first+n {
			return p.Name
		}
		first += n
	}
	return ""
}

func scopeText(op, phase string) string {
	s := "of all ops"
	if op != "" {
		s = "of " + op
	}
	if phase != "" {
		s += " in phase " + phase
	}
	return s
}

func fromResult(res check.Result, expected string) reports.Check {
	out := reports.Check{
		Name:     res.Name,
		Verdict:  string(res.Verdict),
		Detail:   res.Detail,
		Expected: expected,
		Measured: res.Measured,
	}
	for _, a := range res.Artifacts {
		out.Artifacts = append(out.Artifacts, filepath.Base(a))
	}
	return out
}
