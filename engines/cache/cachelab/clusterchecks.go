package cachelab

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"syslab/check"
	"syslab/engines/cache/cluster"
	"syslab/lab/engine"
)

// The cluster checks, judged from the run's history and what the
// operator and clients counted (engine.RunFacts.Measures).
const (
	// checkConverged: after the faults every node agrees on one slot map
	// covering all 16384 slots, within `within`.
	checkConverged = "cluster_converged"
	// checkUnavailability bounds, per hash slot, the longest stretch from
	// the first failed or timed-out operation to the next successful one.
	// Its report gives the time to a new master after a crash.
	checkUnavailability = "unavailability"
	// checkRedirects demands at least so many MOVED and ASK redirects
	// followed (a reshard must show them), and reports them.
	checkRedirects = "redirects"
	// checkStaleReads bounds how far successful reads lag behind the
	// latest write of their key acknowledged before the read began.
	checkStaleReads = "stale_reads"

	// checkSplitBrainWrites counts acknowledged writes that were lost
	// although they were acknowledged while a partition had lasted
	// longer than grace: a master cut off from the majority must stop
	// accepting writes after node-timeout, so none may exist.
	checkSplitBrainWrites = "split_brain_writes"
)

// checkLostAfterCrash counts lost writes acknowledged after a crash had
// lasted grace: async replication may lose what the dead master
// acknowledged before it died, never what the new master acknowledged
// after it took over.
const checkLostAfterCrash = "lost_after_crash"

// checkElectionSafety: no two masters ever owned slots under the same
// config epoch in what the operator sampled.
const checkElectionSafety = "election_safety"

var clusterCheckNames = []string{checkConverged, checkElectionSafety, checkLostAfterCrash, checkRedirects, checkSplitBrainWrites, checkStaleReads, checkUnavailability}

// boundParams reads a mapping of named durations or numbers.
func boundParams(name string, params *yaml.Node, known ...string) (map[string]float64, error) {
	out := map[string]float64{}
	if params == nil || params.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("line %d: %s: want a mapping of %s", lineOf(params), name, strings.Join(known, ", "))
	}
	for i := 0; i+1 < len(params.Content); i += 2 {
		k, v := params.Content[i], params.Content[i+1]
		if !contains(known, k.Value) {
			return nil, fmt.Errorf("line %d: %s: unknown field %q (known: %s)", k.Line, name, k.Value, strings.Join(known, ", "))
		}
		if d, err := time.ParseDuration(v.Value); err == nil && d >= 0 {
			out[k.Value] = d.Seconds()
			continue
		}
		f, err := strconv.ParseFloat(v.Value, 64)
		if err != nil || f < 0 || v.Kind != yaml.ScalarNode {
			return nil, fmt.Errorf("line %d: %s.%s: want a duration such as 5s or a number ≥ 0, got %q", v.Line, name, k.Value, v.Value)
		}
		out[k.Value] = f
	}
	return out, nil
}

var clusterCheckFields = map[string][]string{
	checkConverged:        {"within"},
	checkUnavailability:   {"max", "p50"},
	checkRedirects:        {"min_moved", "min_ask"},
	checkStaleReads:       {"max", "p99"},
	checkSplitBrainWrites: {"grace", "max"},
	checkElectionSafety:   {},
	checkLostAfterCrash:   {"grace", "max"},
}

func clusterCheck(name string, params *yaml.Node, run engine.RunFacts) engine.CheckResult {
	p, err := boundParams(name, params, clusterCheckFields[name]...)
	if err != nil {
		return engine.CheckResult{Verdict: "unknown", Detail: err.Error()}
	}
	m := run.Measures
	switch name {
	case checkConverged:
		return converged(p, m)
	case checkRedirects:
		return redirects(p, m)
	case checkUnavailability:
		res := unavailability(p, run.History)
		timeToNewMaster(&res, run)
		return res
	case checkStaleReads:
		return staleReads(p, run.History)
	case checkSplitBrainWrites, checkLostAfterCrash:
		return lostInWindows(name, p, run)
	case checkElectionSafety:
		res := engine.CheckResult{
			Expected: "one master per config epoch (each election has one winner)",
			Measured: map[string]float64{"epoch_conflicts": m["epoch_conflicts"], "epoch_samples": m["epoch_samples"], "epoch_zero_owners": m["epoch_zero_owners"]},
		}
		if m["epoch_samples"] == 0 {
			res.Verdict, res.Detail = "unknown", "the operator took no CLUSTER NODES sample"
			return res
		}
		// A master owning slots at config epoch 0 is as wrong as two
		// winners of one epoch: no election yields epoch 0, so a node
		// showing it recorded a slot claim without the claimer's epoch.
		res.Verdict = verdict(m["epoch_conflicts"] == 0 && m["epoch_zero_owners"] == 0)
		res.Detail = fmt.Sprintf("%g conflicting claims in %g samples", m["epoch_conflicts"], m["epoch_samples"])
		if m["epoch_conflicts"] > 0 {
			res.Measured["epoch_conflict_first_s"], res.Measured["epoch_conflict_epoch"] = m["epoch_conflict_first_s"], m["epoch_conflict_epoch"]
			res.Detail += fmt.Sprintf("; the first at %.3fs: two masters own slots under config epoch %g (one election, two winners)", m["epoch_conflict_first_s"], m["epoch_conflict_epoch"])
		}
		if z := m["epoch_zero_owners"]; z > 0 {
			res.Detail += fmt.Sprintf("; %g sampled lines showed a master owning slots at config epoch 0 (no election yields it)", z)
		}
		return res
	}
	return engine.CheckResult{Verdict: "unknown", Detail: "cache: unknown check " + name}
}

func verdict(ok bool) string {
	if ok {
		return "pass"
	}
	return "fail"
}

func converged(p map[string]float64, m map[string]float64) engine.CheckResult {
	res := engine.CheckResult{Expected: "every node agrees on one slot map covering all 16384 slots after the faults", Measured: map[string]float64{}}
	if within, ok := p["within"]; ok {
		res.Expected += fmt.Sprintf(", within %gs", within)
	}
	if m["converge_checked"] != 1 {
		res.Verdict, res.Detail = "unknown", "the operator did not get to check convergence (live run, or the run ended first)"
		return res
	}
	for _, k := range []string{"converged", "converged_after_ms", "slots_covered", "bootstrap_ms"} {
		res.Measured[k] = m[k]
	}
	ok := m["converged"] == 1
	if within, set := p["within"]; set && m["converged_after_ms"] > within*1000 {
		ok = false
	}
	res.Verdict = verdict(ok)
	if m["converged"] == 1 {
		res.Detail = fmt.Sprintf("agreed %.0f ms after the faults ended, %g slots covered", m["converged_after_ms"], m["slots_covered"])
	} else {
		res.Detail = fmt.Sprintf("no agreement %.0f ms after the faults ended (%g slots covered)", m["converged_after_ms"], m["slots_covered"])
	}
	return res
}

func redirects(p map[string]float64, m map[string]float64) engine.CheckResult {
	res := engine.CheckResult{
		Expected: fmt.Sprintf("at least %g MOVED and %g ASK redirects followed", p["min_moved"], p["min_ask"]),
		Measured: map[string]float64{},
	}
	for k, v := range m {
		if strings.HasPrefix(k, "client_") || strings.HasPrefix(k, "reshard_") {
			res.Measured[k] = v
		}
	}
	res.Verdict = verdict(m["client_moved"] >= p["min_moved"] && m["client_ask"] >= p["min_ask"])
	res.Detail = fmt.Sprintf("clients followed %g MOVED, %g ASK, retried %g TRYAGAIN and %g CLUSTERDOWN; the operator moved %g slots (%g keys) in %.0f ms with %g errors",
		m["client_moved"], m["client_ask"], m["client_tryagain"], m["client_clusterdown"], m["reshard_slots_moved"], m["reshard_keys_moved"], m["reshard_ms"], m["reshard_errors"])
	return res
}

// unavailability walks each slot's operations in call order: a stretch
// starts at the first operation that failed or timed out and ends at the
// return of the next one that succeeded.
func unavailability(p map[string]float64, h *check.History) engine.CheckResult {
	ops := append([]check.Op(nil), h.Ops...)
	sort.SliceStable(ops, func(i, j int) bool { return ops[i].Call < ops[j].Call })
	open := map[int]time.Duration{} // slot → start of its current stretch
	var stretches []time.Duration
	worstSlot, worst := -1, time.Duration(0)
	var worstFrom time.Duration
	for _, op := range ops {
		slot := cluster.KeySlot([]byte(op.Key))
		start, down := open[slot]
		switch {
		case op.Status != check.StatusOK && !down:
			open[slot] = op.Call
		case op.Status == check.StatusOK && down:
			d := op.Return - start
			stretches = append(stretches, d)
			if d > worst {
				worst, worstSlot, worstFrom = d, slot, start
			}
			delete(open, slot)
		}
	}
	unresolved := len(open)
	res := engine.CheckResult{Measured: map[string]float64{"slots_interrupted": float64(len(stretches)), "slots_never_recovered": float64(unresolved)}}
	res.Expected = "per slot, first failed to next successful operation"
	if max, ok := p["max"]; ok {
		res.Expected += fmt.Sprintf(": at most %gs", max)
	}
	if p50, ok := p["p50"]; ok {
		res.Expected += fmt.Sprintf(", median at most %gs", p50)
	}
	if len(stretches) > 0 {
		sort.Slice(stretches, func(i, j int) bool { return stretches[i] < stretches[j] })
		res.Measured["unavailable_max_s"] = worst.Seconds()
		res.Measured["unavailable_p50_s"] = stretches[len(stretches)/2].Seconds()
		res.Detail = fmt.Sprintf("%d unavailability stretches; longest %v on slot %d from %v; median %v",
			len(stretches), worst.Round(time.Millisecond), worstSlot, worstFrom.Round(time.Millisecond), stretches[len(stretches)/2].Round(time.Millisecond))
	} else {
		res.Detail = "no slot was ever unavailable"
	}
	// A slot whose last operations failed may just not have been asked
	// again (a cold key): reported, not judged. So is a long stretch on a
	// cold slot, which is why p50 is the steadier bound.
	ok := true
	if max, set := p["max"]; set && worst.Seconds() > max {
		ok = false
	}
	if p50, set := p["p50"]; set && len(stretches) > 0 && stretches[len(stretches)/2].Seconds() > p50 {
		ok = false
	}
	if unresolved > 0 {
		res.Detail += fmt.Sprintf("; %d slots failed to the end of the workload", unresolved)
	}
	res.Verdict = verdict(ok)
	return res
}

// staleReads measures each successful get against the writes of its key:
// its lag is how long before the read began the first acknowledged write
// newer than the value it returned had returned (0 for a fresh read).
func staleReads(p map[string]float64, h *check.History) engine.CheckResult {
	type write struct {
		value          string
		nilValue       bool
		call, returned time.Duration
	}
	writes := map[string][]write{} // acknowledged set/del by key, by return time
	for _, op := range h.Ops {
		if op.Status != check.StatusOK {
			continue
		}
		switch op.Kind {
		case "set":
			writes[op.Key] = append(writes[op.Key], write{value: op.Input, call: op.Call, returned: op.Return})
		case "del":
			writes[op.Key] = append(writes[op.Key], write{nilValue: true, call: op.Call, returned: op.Return})
		}
	}
	for _, ws := range writes {
		sort.SliceStable(ws, func(i, j int) bool { return ws[i].returned < ws[j].returned })
	}
	var lags []time.Duration
	stale := 0
	for _, op := range h.Ops {
		if op.Kind != "get" || op.Status != check.StatusOK {
			continue
		}
		ws := writes[op.Key]
		// The value read: which write produced it (the latest such).
		readAt := -1
		for i, w := range ws {
			if (op.Nil && w.nilValue) || (!op.Nil && !w.nilValue && w.value == op.Output) {
				readAt = i
			}
		}
		var lag time.Duration
		for i := readAt + 1; i < len(ws); i++ {
			if ws[i].returned < op.Call && ws[i].call > 0 {
				lag = op.Call - ws[i].returned
				break
			}
		}
		if lag > 0 {
			stale++
		}
		lags = append(lags, lag)
	}
	res := engine.CheckResult{Measured: map[string]float64{"reads": float64(len(lags)), "stale_reads": float64(stale)}}
	var parts []string
	if v, ok := p["max"]; ok {
		parts = append(parts, fmt.Sprintf("max %gs", v))
	}
	if v, ok := p["p99"]; ok {
		parts = append(parts, fmt.Sprintf("p99 %gs", v))
	}
	res.Expected = "read lag behind the latest acknowledged write: " + strings.Join(parts, ", ")
	if len(lags) == 0 {
		res.Verdict, res.Detail = "unknown", "no successful read"
		return res
	}
	sort.Slice(lags, func(i, j int) bool { return lags[i] < lags[j] })
	maxLag := lags[len(lags)-1]
	p99 := lags[min(len(lags)-1, len(lags)*99/100)]
	res.Measured["lag_max_s"], res.Measured["lag_p99_s"] = maxLag.Seconds(), p99.Seconds()
	ok := true
	if v, set := p["max"]; set && maxLag.Seconds() > v {
		ok = false
	}
	if v, set := p["p99"]; set && p99.Seconds() > v {
		ok = false
	}
	res.Verdict = verdict(ok)
	res.Detail = fmt.Sprintf("%d of %d reads stale; lag p99 %v, max %v", stale, len(lags), p99.Round(time.Microsecond), maxLag.Round(time.Microsecond))
	return res
}

// lostInWindows counts lost writes acknowledged inside the windows the
// check looks at: partitions that had lasted grace (split_brain_writes),
// or from grace after a crash or kill to the end (lost_after_crash).
func lostInWindows(name string, p map[string]float64, run engine.RunFacts) engine.CheckResult {
	grace := time.Duration(p["grace"] * float64(time.Second))
	what := "while a partition had lasted over"
	if name == checkLostAfterCrash {
		what = "after a crash had lasted"
	}
	res := engine.CheckResult{
		Expected: fmt.Sprintf("at most %g lost writes acknowledged %s %v", p["max"], what, grace),
		Measured: map[string]float64{},
	}
	if run.Finals == nil {
		res.Verdict, res.Detail = "unknown", "no final reads to judge lost writes by"
		return res
	}
	var windows [][2]time.Duration
	for _, f := range run.Faults {
		switch {
		case name == checkSplitBrainWrites && f.Kind == "partition" && f.End > f.Start+grace:
			windows = append(windows, [2]time.Duration{f.Start + grace, f.End})
		case name == checkLostAfterCrash && (f.Kind == "crash" || f.Kind == "kill"):
			windows = append(windows, [2]time.Duration{f.Start + grace, 1<<63 - 1})
		}
	}
	lost := check.LostWrites(run.History, run.Finals, nil)
	count, first := 0, ""
	for _, l := range lost.Lost {
		for _, w := range windows {
			if l.AckedAt >= w[0] && l.AckedAt <= w[1] {
				count++
				if first == "" {
					first = fmt.Sprintf("%s %q acknowledged at %v", l.Kind, l.Key, l.AckedAt.Round(time.Millisecond))
				}
				break
			}
		}
	}
	res.Measured[name] = float64(count)
	res.Measured["lost_writes"] = float64(len(lost.Lost))
	res.Verdict = verdict(float64(count) <= p["max"])
	res.Detail = fmt.Sprintf("%d of %d lost writes were acknowledged %s %v", count, len(lost.Lost), what, grace)
	if first != "" {
		res.Detail += "; first: " + first
	}
	return res
}

// timeToNewMaster adds, for each crash or kill, how long the slots it
// interrupted took to serve again as the clients saw it: from the crash
// to the first successful operation on each slot whose first failure
// came within crashFailureWindow of it; the median and the longest.
func timeToNewMaster(res *engine.CheckResult, run engine.RunFacts) {
	const crashFailureWindow = time.Second
	ops := append([]check.Op(nil), run.History.Ops...)
	sort.SliceStable(ops, func(i, j int) bool { return ops[i].Call < ops[j].Call })
	for i, f := range run.Faults {
		if f.Kind != "crash" && f.Kind != "kill" {
			continue
		}
		failed := map[int]bool{}
		recovered := map[int]time.Duration{}
		for _, op := range ops {
			if op.Call < f.Start {
				continue
			}
			slot := cluster.KeySlot([]byte(op.Key))
			switch {
			case op.Status != check.StatusOK && op.Call < f.Start+crashFailureWindow:
				failed[slot] = true
			case op.Status == check.StatusOK && failed[slot]:
				if _, done := recovered[slot]; !done {
					recovered[slot] = op.Return - f.Start
				}
			}
		}
		var times []time.Duration
		for _, d := range recovered {
			times = append(times, d)
		}
		if len(times) == 0 {
			continue
		}
		sort.Slice(times, func(a, b int) bool { return times[a] < times[b] })
		key := fmt.Sprintf("new_master_s_%d_%s", i, f.Target)
		res.Measured[key+"_p50"] = times[len(times)/2].Seconds()
		res.Measured[key+"_max"] = times[len(times)-1].Seconds()
		res.Detail += fmt.Sprintf("; %s of %s at %v: its slots served again after %v (median of %d slots), %v at most",
			f.Kind, f.Target, f.Start.Round(time.Millisecond), times[len(times)/2].Round(time.Millisecond), len(times), times[len(times)-1].Round(time.Millisecond))
	}
}
