package reports

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Summary renders summary.md: the verdict first, then the promise, checks,
// latency, throughput, errors, faults, configuration and how to reproduce.
// Wall-clock facts come last under their own heading.
func Summary(run *Run) (string, error) {
	if err := run.Validate(); err != nil {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# %s: %s %s\n\n", titleOf(run), verdictSymbol(run.Verdict), strings.ToUpper(run.Verdict))
	b.WriteString(runFacts(run) + "\n\n")
	if run.ExpectFail {
		b.WriteString("This scenario expects to fail: it demonstrates a weakness of the design.\n\n")
	}
	if run.Promise != "" {
		b.WriteString("**Promise.** " + oneLine(run.Promise) + "\n\n")
	}
	if run.Description != "" {
		b.WriteString(oneLine(run.Description) + "\n\n")
	}

	b.WriteString("## Checks\n\n")
	if len(run.Checks) == 0 {
		b.WriteString("No checks ran, so nothing was proved.\n\n")
	} else {
		rows := make([][]string, 0, len(run.Checks))
		for _, c := range run.Checks {
			rows = append(rows, []string{c.Name, verdictSymbol(c.Verdict) + " " + c.Verdict, c.Expected, c.Detail,
				measuredText(c.Measured), strings.Join(c.Artifacts, ", ")})
		}
		mdTable(&b, []string{"check", "verdict", "expected", "detail", "measured", "artifacts"}, rows)
		b.WriteString("\n")
	}

	b.WriteString("## Latency\n\n")
	if len(run.Ops) == 0 {
		b.WriteString("No operations recorded.\n\n")
	} else {
		mdTable(&b, []string{"op", "count", "ok", "fail", "info", "p50", "p90", "p99", "p99.9", "max"}, opRows(run.Ops))
		b.WriteString("\n")
	}

	b.WriteString("## Throughput\n\n")
	mdTable(&b, []string{"requested", "achieved", "achieved / requested"}, [][]string{throughputRow(run.Throughput)})
	b.WriteString("\n")

	b.WriteString("## Errors\n\n")
	if len(run.Errors) == 0 {
		b.WriteString("None.\n\n")
	} else {
		mdTable(&b, []string{"error", "count"}, errorRows(run.Errors))
		b.WriteString("\n")
	}

	b.WriteString("## Faults\n\n")
	if len(run.Faults) == 0 {
		b.WriteString("None injected.\n\n")
	} else {
		mdTable(&b, []string{"when (virtual)", "kind", "target", "detail"}, faultRows(run))
		b.WriteString("\n")
	}

	b.WriteString("## Configuration\n\n")
	if len(run.Config) == 0 {
		b.WriteString("Engine defaults.\n\n")
	} else {
		mdTable(&b, []string{"setting", "value"}, configRows(run.Config))
		b.WriteString("\n")
	}

	if rows := metricRows(run.Metrics); len(rows) > 0 {
		b.WriteString("## Node metrics\n\n")
		mdTable(&b, []string{"node", "metric", "value"}, rows)
		b.WriteString("\n")
	}

	b.WriteString("## Reproduce\n\n")
	if run.Reproduce == "" {
		b.WriteString("No command recorded.\n\n")
	} else {
		fence := codeFence(run.Reproduce)
		fmt.Fprintf(&b, "%ssh\n%s\n%s\n\n", fence, oneLine(run.Reproduce), fence)
	}

	if text := realTimeText(run); text != "" {
		b.WriteString("## Real time\n\n")
		b.WriteString(text + " Wall-clock figures differ between runs of the same seed.\n")
	}
	return b.String(), nil
}

func titleOf(run *Run) string {
	if run.Scenario != "" {
		return run.Scenario
	}
	if run.File != "" {
		return run.File
	}
	return "run"
}

// runFacts is the one line under the title that identifies the run.
func runFacts(run *Run) string {
	facts := []string{}
	add := func(name, value string) {
		if value != "" {
			facts = append(facts, name+" "+value)
		}
	}
	add("engine", run.Engine)
	add("mode", run.Mode)
	facts = append(facts, "seed "+strconv.FormatUint(run.Seed, 10))
	facts = append(facts, run.VirtualDuration.String()+" of virtual time")
	facts = append(facts, strconv.FormatUint(run.Events, 10)+" events")
	add("trace", run.TraceHash)
	add("file", run.File)
	return strings.Join(facts, " · ")
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

func opRows(ops []OpStats) [][]string {
	rows := make([][]string, 0, len(ops))
	for _, o := range ops {
		rows = append(rows, []string{o.Op, strconv.Itoa(o.Count), strconv.Itoa(o.OK), strconv.Itoa(o.Fail), strconv.Itoa(o.Info),
			o.P50.String(), o.P90.String(), o.P99.String(), o.P999.String(), o.Max.String()})
	}
	return rows
}

func throughputRow(t Throughput) []string {
	if t.RequestedPerSec == 0 {
		return []string{"closed loop", number(t.AchievedPerSec) + " ops/s", "–"}
	}
	ratio := t.AchievedPerSec / t.RequestedPerSec * 100
	return []string{number(t.RequestedPerSec) + " ops/s", number(t.AchievedPerSec) + " ops/s", number(ratio) + "%"}
}

func errorRows(errs map[string]int) [][]string {
	rows := [][]string{}
	for _, k := range sortedKeys(errs) {
		rows = append(rows, []string{k, strconv.Itoa(errs[k])})
	}
	return rows
}

func faultRows(run *Run) [][]string {
	runSec := timeAxisEndSec(run)
	rows := [][]string{}
	for _, f := range run.Faults {
		rows = append(rows, []string{spanOf(f, runSec).when(), f.Kind, f.Target, f.Detail})
	}
	return rows
}

func configRows(config map[string]any) [][]string {
	rows := [][]string{}
	for _, k := range sortedKeys(config) {
		rows = append(rows, []string{k, configValue(config[k])})
	}
	return rows
}

// realTimeText states the wall-clock facts, or "" when there are none.
func realTimeText(run *Run) string {
	r := run.Real
	if r.DurationSec == 0 && r.EventsPerSec == 0 && r.StartedAt.IsZero() {
		return ""
	}
	var parts []string
	if r.DurationSec > 0 {
		parts = append(parts, "took "+Dur(r.DurationSec*float64(time.Second)).String()+" of real time")
	}
	if r.EventsPerSec > 0 {
		parts = append(parts, number(r.EventsPerSec)+" events/s")
	}
	if !r.StartedAt.IsZero() {
		parts = append(parts, "started "+r.StartedAt.UTC().Format(time.RFC3339))
	}
	return "The run " + strings.Join(parts, ", ") + "."
}

// metricRows lists every node's metrics, nodes and names sorted.
func metricRows(metrics map[string]map[string]float64) [][]string {
	var rows [][]string
	for _, nodeName := range sortedKeys(metrics) {
		m := metrics[nodeName]
		for _, name := range sortedKeys(m) {
			rows = append(rows, []string{nodeName, name, number(m[name])})
		}
	}
	return rows
}
