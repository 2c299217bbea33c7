package reports

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// LatencyGoalCheck is the check "the percentile-th latency over every
// operation is at most goal", named latency/all/pNN, with the goal in
// Measured so that MergeRuns can decide it again over merged histograms.
func LatencyGoalCheck(percentile float64, observed, goal time.Duration, samples int64) Check {
	p := strconv.FormatFloat(percentile, 'f', -1, 64)
	c := Check{
		Name:     "latency/all/p" + p,
		Expected: fmt.Sprintf("p%s ≤ %v", p, goal),
		Measured: map[string]float64{
			"goal_seconds":    goal.Seconds(),
			"latency_seconds": observed.Seconds(),
			"samples":         float64(samples),
			"percentile":      percentile,
		},
	}
	switch {
	case samples == 0:
		c.Verdict = VerdictUnknown
		c.Detail = "no successful operations to measure"
	case observed > goal:
		c.Verdict = VerdictFail
		c.Detail = fmt.Sprintf("p%s of %d operations is %v, over the goal of %v", p, samples, observed, goal)
	default:
		c.Verdict = VerdictPass
		c.Detail = fmt.Sprintf("p%s of %d operations is %v, within the goal of %v", p, samples, observed, goal)
	}
	return c
}

// MergeRuns combines runs of one load taken at the same time from several
// machines into one: operation counts, errors and throughput add up;
// latency histograms merge, and the percentiles are read again from the
// merged histograms (so the merged p99 is the p99 of every operation, not
// an average of p99s). Series whose unit is "ops/s" add up step by step;
// other series keep the highest value of any run at each step. A latency
// goal check is decided again over the merged histograms; any other check
// keeps the worst verdict of the runs. Every operation with samples must
// carry its histogram, all of one geometry.
func MergeRuns(runs []*Run) (*Run, error) {
	if len(runs) == 0 {
		return nil, errors.New("merge: no runs")
	}
	first := runs[0]
	out := &Run{
		Scenario:    first.Scenario,
		Description: fmt.Sprintf("Merge of %d runs. %s", len(runs), first.Description),
		Engine:      first.Engine,
		Mode:        first.Mode,
		Seed:        first.Seed,
		Promise:     first.Promise,
		Config:      map[string]any{},
		Errors:      map[string]int{},
		Reproduce:   first.Reproduce,
	}
	for k, v := range first.Config {
		out.Config[k] = v
	}
	out.Config["merged_runs"] = len(runs)
	hists := map[string]*hdrhistogram.Histogram{}
	ops := map[string]*OpStats{}
	series := map[string]*Series{}
	var seriesOrder, opOrder []string
	for i, run := range runs {
		if run.Mode != first.Mode {
			return nil, fmt.Errorf("merge: run %d is %q mode, run 0 is %q", i, run.Mode, first.Mode)
		}
		out.VirtualDuration = max(out.VirtualDuration, run.VirtualDuration)
		out.Throughput.RequestedPerSec += run.Throughput.RequestedPerSec
		out.Throughput.AchievedPerSec += run.Throughput.AchievedPerSec
		out.Real.DurationSec = math.Max(out.Real.DurationSec, run.Real.DurationSec)
		if !run.Real.StartedAt.IsZero() && (out.Real.StartedAt.IsZero() || run.Real.StartedAt.Before(out.Real.StartedAt)) {
			out.Real.StartedAt = run.Real.StartedAt
		}
		for k, n := range run.Errors {
			out.Errors[k] += n
		}
		out.Faults = append(out.Faults, run.Faults...)
		for _, op := range run.Ops {
			acc, ok := ops[op.Op]
			if !ok {
				acc = &OpStats{Op: op.Op}
				ops[op.Op] = acc
				opOrder = append(opOrder, op.Op)
			}
			acc.Count += op.Count
			acc.OK += op.OK
			acc.Fail += op.Fail
			acc.Info += op.Info
			h, err := decodeHistogram(op.HDR)
			if err != nil {
				return nil, fmt.Errorf("merge: run %d op %q: %w", i, op.Op, err)
			}
			if h == nil {
				if op.OK+op.Info > 0 {
					return nil, fmt.Errorf("merge: run %d op %q has %d answered operations but no histogram", i, op.Op, op.OK+op.Info)
				}
				continue
			}
			if err := mergeHistogram(hists, op.Op, h); err != nil {
				return nil, fmt.Errorf("merge: run %d op %q: %w", i, op.Op, err)
			}
		}
		for _, s := range run.Series {
			acc, ok := series[s.Name]
			if !ok {
				acc = &Series{Name: s.Name, Unit: s.Unit, StepSeconds: s.StepSeconds}
				series[s.Name] = acc
				seriesOrder = append(seriesOrder, s.Name)
			}
			if acc.StepSeconds != s.StepSeconds {
				return nil, fmt.Errorf("merge: run %d series %q has %gs steps, run 0 has %gs", i, s.Name, s.StepSeconds, acc.StepSeconds)
			}
			acc.Points = mergePoints(acc.Points, s.Points, s.Unit == "ops/s")
		}
	}
	all := (*hdrhistogram.Histogram)(nil)
	for _, name := range opOrder {
		op := ops[name]
		if h := hists[name]; h != nil {
			if err := op.SetHistogram(h); err != nil {
				return nil, err
			}
			if all == nil {
				all = hdrhistogram.New(h.LowestTrackableValue(), h.HighestTrackableValue(), int(h.SignificantFigures()))
			}
			all.Merge(h)
		}
		out.Ops = append(out.Ops, *op)
	}
	for _, name := range seriesOrder {
		out.Series = append(out.Series, *series[name])
	}
	out.Checks = mergeChecks(runs, all)
	out.Verdict = RunVerdict(out.Checks, false)
	return out, nil
}

func mergeHistogram(into map[string]*hdrhistogram.Histogram, op string, h *hdrhistogram.Histogram) error {
	acc, ok := into[op]
	if !ok {
		into[op] = h
		return nil
	}
	if acc.LowestTrackableValue() != h.LowestTrackableValue() || acc.HighestTrackableValue() != h.HighestTrackableValue() ||
		acc.SignificantFigures() != h.SignificantFigures() {
		return fmt.Errorf("histogram geometry %d..%d at %d digits differs from the first run's %d..%d at %d",
			h.LowestTrackableValue(), h.HighestTrackableValue(), h.SignificantFigures(),
			acc.LowestTrackableValue(), acc.HighestTrackableValue(), acc.SignificantFigures())
	}
	if dropped := acc.Merge(h); dropped != 0 {
		return fmt.Errorf("merging histograms dropped %d samples", dropped)
	}
	return nil
}

// mergePoints combines two time-ordered point lists by time: adding values
// at equal times when sum, else keeping the larger.
func mergePoints(a, b []Point, sum bool) []Point {
	byT := map[Dur]float64{}
	for _, p := range a {
		byT[p.T] = p.V
	}
	for _, p := range b {
		if v, ok := byT[p.T]; ok {
			if sum {
				byT[p.T] = v + p.V
			} else {
				byT[p.T] = math.Max(v, p.V)
			}
			continue
		}
		byT[p.T] = p.V
	}
	out := make([]Point, 0, len(byT))
	for t, v := range byT {
		out = append(out, Point{T: t, V: v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].T < out[j].T })
	return out
}

// mergeChecks decides latency goals again over all (every operation's
// merged histogram) and keeps the worst verdict of every other check.
func mergeChecks(runs []*Run, all *hdrhistogram.Histogram) []Check {
	var order []string
	byName := map[string][]Check{}
	for _, run := range runs {
		for _, c := range run.Checks {
			if _, ok := byName[c.Name]; !ok {
				order = append(order, c.Name)
			}
			byName[c.Name] = append(byName[c.Name], c)
		}
	}
	var out []Check
	for _, name := range order {
		cs := byName[name]
		goal, hasGoal := cs[0].Measured["goal_seconds"]
		p, hasP := cs[0].Measured["percentile"]
		if strings.HasPrefix(name, "latency/all/") && hasGoal && hasP && len(cs) == len(runs) && sameGoal(cs, goal, p) {
			observed, samples := time.Duration(0), int64(0)
			if all != nil {
				observed, samples = time.Duration(all.ValueAtPercentile(p)), all.TotalCount()
			}
			out = append(out, LatencyGoalCheck(p, observed, time.Duration(goal*float64(time.Second)), samples))
			continue
		}
		worst := cs[0]
		var details []string
		for i, c := range cs {
			if checkSeverity[c.Verdict] > checkSeverity[worst.Verdict] {
				worst = c
			}
			details = append(details, fmt.Sprintf("run %d: %s", i, c.Detail))
		}
		merged := worst
		merged.Detail = fmt.Sprintf("worst of %d runs. %s", len(cs), strings.Join(details, "; "))
		out = append(out, merged)
	}
	return out
}

func sameGoal(cs []Check, goal, p float64) bool {
	for _, c := range cs {
		if c.Measured["goal_seconds"] != goal || c.Measured["percentile"] != p {
			return false
		}
	}
	return true
}
