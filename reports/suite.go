package reports

import (
	"bytes"
	"fmt"
	"html/template"
	"strings"
	"time"
)

// SuiteEntry is one scenario of a suite run: its run and the folder,
// relative to the suite's folder, that holds its report.
type SuiteEntry struct {
	Dir string
	Run *Run
}

type suiteRow struct {
	Scenario, Dir, Verdict, Symbol, Promise, Checks, Seed, Expectation, Measured string
}

// headlineMeasures are the numbers a suite row shows for its checks, in
// this order of preference: the one that best says how the check went.
var headlineMeasures = []struct {
	name    string
	percent bool
}{
	{"hit_rate", true}, {"busiest_node_get_share", true}, {"lost_writes", false}, {"loss_window_max_seconds", false},
	{"latency_seconds", false}, {"rate", true}, {"origin_peak_qps", false}, {"origin_requests", false},
}

// headline is "check: value" for each check of run that measured one of
// headlineMeasures, so scenarios that differ in one setting (an eviction
// policy) compare in one table.
func headline(run *Run) string {
	var parts []string
	for _, c := range run.Checks {
		for _, m := range headlineMeasures {
			v, ok := c.Measured[m.name]
			if !ok {
				continue
			}
			text := number(v)
			switch {
			case m.percent:
				text = fmt.Sprintf("%.1f%%", 100*v)
			case strings.HasSuffix(m.name, "_seconds"):
				text = D(time.Duration(v * float64(time.Second))).String()
			}
			label := strings.TrimSuffix(m.name, "_seconds")
			if m.name == "latency_seconds" {
				label = latencyLabel(c.Name)
			}
			parts = append(parts, label+" "+text)
			break
		}
	}
	return strings.Join(parts, "; ")
}

// latencyLabel names a latency check's figure by its percentile and op
// ("p99 get") when the check's name says them ("latency p99 of get").
func latencyLabel(checkName string) string {
	f := strings.Fields(checkName)
	if len(f) >= 2 && f[0] == "latency" && strings.HasPrefix(f[1], "p") {
		if len(f) >= 4 && f[2] == "of" {
			return f[1] + " " + f[3]
		}
		return f[1]
	}
	return "latency"
}

// WriteSuiteIndex writes index.html and summary.md into dir for a suite of
// scenarios, each run once: scenario, what it promises, its verdict and
// whether that is what the scenario expects, with a link to its report.
func WriteSuiteIndex(dir string, entries []SuiteEntry) error {
	var rows []suiteRow
	met := 0
	for i, e := range entries {
		if e.Run == nil {
			return fmt.Errorf("suite index %s: entry %d has no run", dir, i)
		}
		if err := e.Run.Validate(); err != nil {
			return fmt.Errorf("suite index %s: %s: %w", dir, e.Dir, err)
		}
		passed := 0
		for _, c := range e.Run.Checks {
			if c.Verdict == VerdictPass {
				passed++
			}
		}
		expectation := "as expected"
		if e.Run.Verdict != VerdictPass && e.Run.Verdict != VerdictExpectedFail {
			expectation = "NOT as expected"
		} else {
			met++
		}
		rows = append(rows, suiteRow{
			Scenario: e.Run.Scenario, Dir: e.Dir, Verdict: e.Run.Verdict, Symbol: verdictSymbol(e.Run.Verdict),
			Promise: oneLine(e.Run.Promise), Checks: fmt.Sprintf("%d/%d pass", passed, len(e.Run.Checks)),
			Seed: fmt.Sprint(e.Run.Seed), Expectation: expectation, Measured: headline(e.Run),
		})
	}
	totals := fmt.Sprintf("%d scenarios · %d ended as they expect · %d did not", len(rows), met, len(rows)-met)

	var md strings.Builder
	fmt.Fprintf(&md, "# Scenario suite\n\n%s\n\n", totals)
	var table [][]string
	for _, r := range rows {
		table = append(table, []string{"[" + r.Scenario + "](" + r.Dir + "/" + SummaryFile + ")", r.Symbol + " " + r.Verdict, r.Expectation, r.Checks, r.Measured, r.Seed, r.Promise})
	}
	mdTable(&md, []string{"scenario", "verdict", "expectation", "checks", "measured", "seed", "promise"}, table)

	var page bytes.Buffer
	err := suitePage.Execute(&page, struct {
		CSS    template.CSS
		Totals string
		Rows   []suiteRow
	}{template.CSS(pageCSS), totals, rows})
	if err != nil {
		return fmt.Errorf("suite index %s: %w", dir, err)
	}
	return writeFiles(dir, map[string][]byte{PageFile: page.Bytes(), SummaryFile: []byte(md.String())})
}

var suitePage = template.Must(template.New("suite").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Scenario suite</title>
<style>{{.CSS}}</style>
</head>
<body>
<h1>Scenario suite</h1>
<p class="facts">{{.Totals}}</p>
<table><tr><th>scenario</th><th>verdict</th><th>expectation</th><th>checks</th><th>measured</th><th>seed</th><th>promise</th></tr>
{{range .Rows}}<tr><td><a href="{{.Dir}}/index.html">{{.Scenario}}</a></td><td class="t-{{.Verdict}}">{{.Symbol}} {{.Verdict}}</td><td>{{.Expectation}}</td><td>{{.Checks}}</td><td>{{.Measured}}</td><td class="num">{{.Seed}}</td><td>{{.Promise}}</td></tr>
{{end}}</table>
</body>
</html>
`))
