package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"syslab/lab"
	"syslab/reports"
)

var fidelityCommand = command{
	name:     "fidelity",
	synopsis: "FILE [--rates R1,R2,…] [--sim-network loopback|scenario] [--op OP] [--duration D] [--clients N] [--out DIR]",
	summary:  "run a scenario in sim and live at a few rates; compare throughput, p50 and p99",
	run:      runFidelity,
}

const fidelityFile = "fidelity.json"

func runFidelity(_ context.Context, fs *flag.FlagSet, args []string, stdout, _ io.Writer) error {
	rates := fs.String("rates", "", "offered rates in ops/s, comma-separated (default: ¼, ½ and 1× the scenario's)")
	simNetwork := fs.String("sim-network", "loopback", "the sim runs' network: loopback (this machine's live round trip, measured first) or scenario (the file's own)")
	pf := addProbeFlags(fs, "5s", "compare only this operation's latency (default: every op together)",
		"report folder (default out/<scenario>/fidelity)")
	sc, probe, err := pf.load(args, nil)
	if err != nil {
		return err
	}
	var list []float64
	if *rates == "" {
		base := lab.OpenLoopRate(sc)
		list = []float64{base / 4, base / 2, base}
	} else if list, err = parseRates(*rates); err != nil {
		return usagef("--rates: %v", err)
	}
	opts := lab.FidelityOptions{
		RatesPerSec: list, Op: *pf.op,
		Probe: probe,
		Run:   pf.runOptions(lab.Options{RealClock: time.Now}),
		OnRow: func(r lab.FidelityRow) {
			fmt.Fprintln(stdout, "  "+strings.Join(fidelityCells(r), "  "))
			fmt.Fprintln(stdout, "      "+rowNotes(r))
		},
	}
	switch *simNetwork {
	case "scenario":
	case "loopback":
		// As long as a probe, so the sim replays the round trip over its
		// whole run without repeating it.
		opts.LoopbackDuration = probe.Duration
	default:
		return usagef("--sim-network %q: want loopback or scenario", *simNetwork)
	}
	dir := *pf.out
	if dir == "" {
		dir = filepath.Join("out", sc.Name, "fidelity")
	}
	fmt.Fprintf(stdout, "fidelity of %s: sim vs live, %v per run; columns: %s\n", sc.Name, probe.Duration, strings.Join(fidelityHeader, " | "))
	loadBefore := machineLoad()
	res, err := lab.Fidelity(sc, opts)
	if err != nil {
		if errors.Is(err, lab.ErrBadScenario) {
			return badInputError{err}
		}
		return err
	}
	res.MachineLoad = machineLoadSentence(loadBefore, machineLoad())
	js, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return err
	}
	page := fidelityPage(res)
	html, err := page.HTML()
	if err != nil {
		return err
	}
	if err := reports.WriteFiles(dir, map[string][]byte{
		fidelityFile:        append(js, '\n'),
		reports.SummaryFile: []byte(page.Markdown()),
		reports.PageFile:    []byte(html),
	}); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "  "+simLinkSentence(res))
	fmt.Fprintln(stdout, "  "+res.MachineLoad)
	fmt.Fprintln(stdout, fidelityVerdict(res))
	fmt.Fprintf(stdout, "  report: %s\n", filepath.Join(dir, reports.PageFile))
	return nil
}

// parseRates reads a comma-separated list of positive rates in ops/s.
func parseRates(s string) ([]float64, error) {
	var out []float64
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil || !(v > 0) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("%q is not a positive rate in ops/s", f)
		}
		out = append(out, v)
	}
	return out, nil
}

var fidelityHeader = []string{"offered ops/s", "ops sim", "ops live", "achieved sim", "achieved live", "ratio",
	"p50 sim", "p50 live", "ratio", "p99 sim", "p99 live", "ratio"}

func fidelityCells(r lab.FidelityRow) []string {
	tput, p50, p99 := r.Ratios()
	us := func(d reports.Dur) string { return time.Duration(d).Round(time.Microsecond).String() }
	return []string{
		fmtRate(r.RequestedPerSec), fmt.Sprint(r.Sim.Ops), fmt.Sprint(r.Live.Ops),
		fmtRate(r.Sim.AchievedPerSec), fmtRate(r.Live.AchievedPerSec), ratioCell(tput),
		us(r.Sim.P50), us(r.Live.P50), ratioCell(p50),
		us(r.Sim.P99), us(r.Live.P99), ratioCell(p99),
	}
}

// ratioCell shows sim/live, flagged when outside the tolerance.
func ratioCell(r float64) string {
	if math.IsNaN(r) {
		return "n/a"
	}
	s := strconv.FormatFloat(r, 'f', 2, 64)
	if !lab.Within(r) {
		s += " ✗"
	}
	return s
}

func fidelityVerdict(res *lab.FidelityResult) string {
	total, within := 0, 0
	for _, r := range res.Rows {
		a, b, c := r.Ratios()
		for _, x := range []float64{a, b, c} {
			total++
			if lab.Within(x) {
				within++
			}
		}
	}
	return fmt.Sprintf("fidelity: %d of %d figures within ±%.0f%% (sim/live)", within, total, 100*res.Tolerance)
}

// simLinkSentence says what network the sim runs had.
func simLinkSentence(res *lab.FidelityResult) string {
	if len(res.Rows) == 0 || res.Rows[0].SimLinkLatency == nil {
		return "The sim runs used the scenario's own network."
	}
	return "Before each rate, this machine's live round trip was measured under that rate's load for as long as a run (one sending runtime per client, " +
		"at the rate and spacing of the probe, against one echoing runtime), and the sim run's links replayed it over time: " +
		"a message sent at t waits half the round trip measured at t, less the server's per-message cost the cost table charges as CPU, " +
		"so the machine's stalls come at the same times and last as long in the sim as in the measurement."
}

// rowNotes says, for one rate, what the sim's links were fitted to and
// what the live process's Go runtime saw: the waits the sim does not
// model.
func rowNotes(r lab.FidelityRow) string {
	us := func(d reports.Dur) time.Duration { return time.Duration(d).Round(time.Microsecond) }
	s := ""
	if lb := r.Loopback; lb != nil {
		s = fmt.Sprintf("loopback (%d round trips): p50 %v p99 %v max %v, CPU %v each", lb.Samples, us(lb.P50), us(lb.P99), us(lb.Max), us(lb.CPUPerRoundTrip))
		if l := r.SimLinkLatency; l != nil && len(l.Trace) > 0 {
			s += fmt.Sprintf(" → sim links replay it, %d points %v apart; ", len(l.Trace), l.TraceStep)
		} else {
			s += "; "
		}
	}
	rt := r.LiveRuntime
	return s + fmt.Sprintf("live runtime: goroutine wait for a thread p99 %v max %v, %d GCs (pause max %v, %.2fs CPU)",
		us(rt.SchedLatencyP99), us(rt.SchedLatencyMax), rt.GCCycles, us(rt.GCPauseMax), rt.GCCPUSeconds)
}

func fidelityPage(res *lab.FidelityResult) reports.TablePage {
	rows := make([][]string, 0, len(res.Rows))
	notes := make([][]string, 0, len(res.Rows))
	for _, r := range res.Rows {
		rows = append(rows, fidelityCells(r))
		notes = append(notes, []string{fmtRate(r.RequestedPerSec), rowNotes(r)})
	}
	return reports.TablePage{
		Title: "fidelity: " + res.Scenario,
		Facts: fmt.Sprintf("%s · seed %d · latency %s · %v per run", res.File, res.Seed, opName(res.Op), time.Duration(res.ProbeDuration)),
		Intro: []string{
			fidelityVerdict(res),
			"Each rate runs the scenario's workload (faults and checks left out) twice with the same seed: in the simulator and live on loopback. " +
				"Ratios are sim/live; ✗ marks one outside ±25%. Below saturation the two should agree; past it they saturate on different resources. " +
				"\"ops\" counts operations issued: a live run that issues fewer lost part of its schedule (start-up, or a client that fell behind).",
			simLinkSentence(res),
			res.MachineLoad,
		},
		Tables: []reports.Table{{Title: "sim vs live", Header: fidelityHeader, Rows: rows},
			{Title: "what the sim's links were fitted to, and what the live runtime saw", Header: []string{"offered ops/s", "notes"}, Rows: notes}},
	}
}

// machineLoad is the 1-minute load average from /proc/loadavg, -1 where
// there is none (not Linux).
func machineLoad() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return -1
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return -1
	}
	v, err := strconv.ParseFloat(f[0], 64)
	if err != nil {
		return -1
	}
	return v
}

// machineLoadSentence says how busy the machine was: live runs share its
// cores with everything else on it, the simulator's virtual CPU does not,
// so a load above the core count makes live latencies the machine's, not
// the design's.
func machineLoadSentence(before, after float64) string {
	if before < 0 || after < 0 {
		return "Machine load: unknown (no /proc/loadavg)."
	}
	cores := runtime.NumCPU()
	s := fmt.Sprintf("Machine load (1-minute average) %.1f before, %.1f after, on %d cores.", before, after, cores)
	if max(before, after) > float64(cores) {
		s += " More runnable work than cores: the live runs waited for CPU the simulator does not model, so their latencies say more about the machine than the design. Compare on a quiet machine."
	}
	return s
}
