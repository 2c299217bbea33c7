package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"syslab/lab"
	"syslab/reports"
)

var capacityCommand = command{
	name:     "capacity",
	synopsis: "FILE --p99 DURATION [--mode sim|live] [--op OP] [--min N --max N] [--duration D] [--clients N] [--out DIR]",
	summary:  "find the highest open-loop rate at which the scenario's p99 stays under a goal",
	run:      runCapacity,
}

// capacityFile is the search's machine-readable result in its folder.
const capacityFile = "capacity.json"

func runCapacity(_ context.Context, fs *flag.FlagSet, args []string, stdout, stderr io.Writer) error {
	p99 := fs.String("p99", "", "latency goal for the p99, e.g. 1ms (required)")
	mode := fs.String("mode", "sim", "sim (deterministic simulator) or live (real servers)")
	minRate := fs.Float64("min", 100, "first rate tried, ops/s")
	maxRate := fs.Float64("max", 1_000_000, "highest rate tried, ops/s")
	pf := addProbeFlags(fs, "3s", "judge only this operation's latency (default: every op together)",
		"report folder (default out/<scenario>/capacity-<mode>)")
	var goal time.Duration
	sc, probe, err := pf.load(args, func() error {
		if *p99 == "" {
			return usagef("--p99 is required, e.g. --p99 1ms")
		}
		var err error
		if goal, err = lab.ParseDuration(*p99); err != nil || goal <= 0 {
			return usagef("--p99 %q: want a positive duration such as 1ms", *p99)
		}
		return nil
	})
	if err != nil {
		return err
	}
	opts := lab.CapacityOptions{
		P99: goal, Op: *pf.op, MinPerSec: *minRate, MaxPerSec: *maxRate,
		Probe: probe,
		Run:   pf.runOptions(lab.Options{Mode: *mode, RealClock: time.Now}),
		OnProbe: func(p lab.CapacityProbe) {
			fmt.Fprintf(stdout, "  %s\n", probeLine(p))
		},
	}
	dir := *pf.out
	if dir == "" {
		dir = filepath.Join("out", sc.Name, "capacity-"+*mode)
	}
	fmt.Fprintf(stdout, "capacity of %s (%s): p99 %s ≤ %v, rates %s..%s/s, %v per probe\n",
		sc.Name, *mode, opName(*pf.op), goal, fmtRate(*minRate), fmtRate(*maxRate), probe.Duration)
	res, err := lab.Capacity(sc, opts)
	if err != nil {
		if errors.Is(err, lab.ErrBadScenario) {
			return badInputError{err}
		}
		return err
	}
	if err := writeCapacityReport(dir, res); err != nil {
		return err
	}
	fmt.Fprintln(stdout, capacityAnswer(res))
	fmt.Fprintf(stdout, "  report: %s\n", filepath.Join(dir, reports.PageFile))
	return nil
}

func opName(op string) string {
	if op == "" {
		return "of all ops"
	}
	return "of " + op
}

func fmtRate(perSec float64) string { return fmt.Sprintf("%.0f", perSec) }

func probeLine(p lab.CapacityProbe) string {
	verdict := "pass"
	if !p.Pass {
		verdict = "FAIL " + p.Why
	}
	return fmt.Sprintf("%9s/s  achieved %9s/s  p50 %-9v p99 %-9v %s",
		fmtRate(p.RequestedPerSec), fmtRate(p.AchievedPerSec), time.Duration(p.P50).Round(time.Microsecond),
		time.Duration(p.P99).Round(time.Microsecond), verdict)
}

// capacityAnswer is the one line the search comes down to.
func capacityAnswer(r *lab.CapacityResult) string {
	goal := time.Duration(r.GoalP99)
	switch {
	case r.CapacityPerSec == 0:
		return fmt.Sprintf("capacity: below %s ops/s — even the lowest rate tried missed p99 ≤ %v", fmtRate(r.FailedPerSec), goal)
	case r.FailedPerSec == 0:
		return fmt.Sprintf("capacity: at least %s ops/s (the highest rate tried) with p99 ≤ %v", fmtRate(r.CapacityPerSec), goal)
	}
	return fmt.Sprintf("capacity: %s ops/s with p99 ≤ %v (%s ops/s failed; %d probes, %s, seed %d)",
		fmtRate(r.CapacityPerSec), goal, fmtRate(r.FailedPerSec), len(r.Probes), r.Mode, r.Seed)
}

func writeCapacityReport(dir string, r *lab.CapacityResult) error {
	js, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	page := capacityPage(r)
	html, err := page.HTML()
	if err != nil {
		return err
	}
	return reports.WriteFiles(dir, map[string][]byte{
		capacityFile:        append(js, '\n'),
		reports.SummaryFile: []byte(page.Markdown()),
		reports.PageFile:    []byte(html),
	})
}

func capacityPage(r *lab.CapacityResult) reports.TablePage {
	goal := time.Duration(r.GoalP99)
	ms := func(d reports.Dur) float64 { return float64(d) / float64(time.Millisecond) }
	pass := reports.RateLine{Name: "p99, passed"}
	fail := reports.RateLine{Name: "p99, failed"}
	rows := make([][]string, 0, len(r.Probes))
	for i, p := range r.Probes {
		l := &pass
		verdict := "pass"
		if !p.Pass {
			l, verdict = &fail, "fail: "+p.Why
		}
		l.Rates = append(l.Rates, p.RequestedPerSec)
		l.Values = append(l.Values, ms(p.P99))
		rows = append(rows, []string{
			fmt.Sprint(i + 1), fmtRate(p.RequestedPerSec), fmtRate(p.AchievedPerSec), fmt.Sprint(p.Ops),
			time.Duration(p.P50).String(), time.Duration(p.P99).String(),
			fmt.Sprintf("%.3f%%", 100*p.OverloadRate()), verdict,
		})
	}
	var lines []reports.RateLine
	for _, l := range []reports.RateLine{pass, fail} {
		if len(l.Rates) > 0 {
			lines = append(lines, l)
		}
	}
	return reports.TablePage{
		Title: "capacity: " + r.Scenario,
		Facts: fmt.Sprintf("%s · mode %s · seed %d · p99 %s ≤ %v · %v per probe · the scenario asks for %s ops/s",
			r.File, r.Mode, r.Seed, opName(r.Op), goal, time.Duration(r.ProbeDuration), fmtRate(r.ScenarioPerSec)),
		Intro: []string{
			capacityAnswer(r),
			"Each probe runs the scenario's workload (faults and checks left out) with every phase's rate scaled so the whole asks for the offered rate. " +
				"Latency counts from each operation's intended start, so queueing behind a slow operation shows. " +
				"The search doubles the rate until a probe fails, then bisects between the last pass and the first failure to within 5%. " +
				"A probe also fails when more than 0.1% of its operations time out or are dropped.",
		},
		Plots:  []string{reports.RatePlotSVG("p99 vs offered rate", "p99 (ms)", lines, float64(goal)/float64(time.Millisecond), "goal "+goal.String())},
		Tables: []reports.Table{{Title: "probes, in the order they ran", Header: []string{"#", "offered ops/s", "achieved ops/s", "ops", "p50", "p99", "overload", "verdict"}, Rows: rows}},
	}
}
