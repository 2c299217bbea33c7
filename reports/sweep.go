package reports

import (
	"bytes"
	"fmt"
	"html/template"
	"slices"
	"strconv"
	"strings"
)

// RunDirName is the folder, relative to a sweep's folder, that holds one
// run's report. The sweep index links there, so the runner must write each
// run with Write(filepath.Join(sweepDir, RunDirName(run)), run).
func RunDirName(run *Run) string {
	return "seed-" + strconv.FormatUint(run.Seed, 10)
}

// sweepCheckColumnsMax bounds how many checks get their own column in the
// sweep table; more would make it unreadable, and each run's page has all.
const sweepCheckColumnsMax = 6

// sweepRow is one run as the sweep index shows it.
type sweepRow struct {
	Seed      string
	Dir       string
	Verdict   string
	Symbol    string
	TraceHash string
	Checks    []string // verdict per check column, "" if the run lacks it
	Reproduce string
}

type sweepData struct {
	CSS          template.CSS
	Title        string
	Totals       string
	Counts       [][]string
	CheckColumns []string
	Rows         []sweepRow
	Failing      []sweepRow
}

// WriteSweepIndex writes index.html and summary.md into dir for a sweep of
// runs over seeds: failing runs first with the command that replays each,
// then every run with its verdict, trace hash and key checks, and totals.
// Each run's report is expected in RunDirName(run) under dir.
func WriteSweepIndex(dir string, runs []*Run) error {
	d, err := sweepOf(runs)
	if err != nil {
		return fmt.Errorf("sweep index %s: %w", dir, err)
	}
	var page bytes.Buffer
	if err := sweepPage.Execute(&page, d); err != nil {
		return fmt.Errorf("sweep index %s: %w", dir, err)
	}
	return writeFiles(dir, map[string][]byte{
		PageFile:    page.Bytes(),
		SummaryFile: []byte(sweepSummary(d)),
	})
}

func sweepOf(runs []*Run) (*sweepData, error) {
	seen := map[string]bool{}
	var columns []string
	columnSet := map[string]bool{}
	for i, r := range runs {
		if r == nil {
			return nil, fmt.Errorf("runs[%d] is nil", i)
		}
		if err := r.Validate(); err != nil {
			return nil, fmt.Errorf("seed %d: %w", r.Seed, err)
		}
		if seen[RunDirName(r)] {
			return nil, fmt.Errorf("seed %d appears twice: each run needs its own folder", r.Seed)
		}
		seen[RunDirName(r)] = true
		// Columns follow the order checks first appear in, which is the
		// scenario's order; map order never gets a say.
		for _, c := range r.Checks {
			if !columnSet[c.Name] && len(columns) < sweepCheckColumnsMax {
				columnSet[c.Name] = true
				columns = append(columns, c.Name)
			}
		}
	}
	ordered := slices.Clone(runs)
	slices.SortStableFunc(ordered, func(a, b *Run) int {
		if d := verdictRank(a.Verdict) - verdictRank(b.Verdict); d != 0 {
			return d
		}
		switch {
		case a.Seed < b.Seed:
			return -1
		case a.Seed > b.Seed:
			return 1
		}
		return 0
	})

	d := &sweepData{CSS: template.CSS(pageCSS), CheckColumns: columns}
	counts := map[string]int{}
	var events uint64
	var virtual Dur
	for _, r := range ordered {
		row := sweepRow{
			Seed: strconv.FormatUint(r.Seed, 10), Dir: RunDirName(r), Verdict: r.Verdict,
			Symbol: verdictSymbol(r.Verdict), TraceHash: r.TraceHash, Reproduce: oneLine(r.Reproduce),
		}
		for _, name := range columns {
			v := ""
			for _, c := range r.Checks {
				if c.Name == name {
					v = c.Verdict
					break
				}
			}
			row.Checks = append(row.Checks, v)
		}
		d.Rows = append(d.Rows, row)
		if r.Verdict == VerdictFail || r.Verdict == VerdictUnknown {
			d.Failing = append(d.Failing, row)
		}
		counts[r.Verdict]++
		events += r.Events
		virtual += r.VirtualDuration
	}
	if len(runs) > 0 {
		d.Title = titleOf(runs[0])
	} else {
		d.Title = "sweep"
	}
	for _, v := range runVerdicts {
		d.Counts = append(d.Counts, []string{v, strconv.Itoa(counts[v])})
	}
	d.Totals = fmt.Sprintf("%d runs · %d pass · %d fail · %d unknown · %d expected-fail · %d events · %s of virtual time",
		len(runs), counts[VerdictPass], counts[VerdictFail], counts[VerdictUnknown], counts[VerdictExpectedFail], events, virtual)
	return d, nil
}

func sweepSummary(d *sweepData) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Sweep: %s\n\n%s\n\n", d.Title, d.Totals)
	b.WriteString("## Failing and unknown seeds\n\n")
	if len(d.Failing) == 0 {
		b.WriteString("None.\n\n")
	} else {
		rows := [][]string{}
		for _, r := range d.Failing {
			rows = append(rows, []string{r.Seed, verdictSymbol(r.Verdict) + " " + r.Verdict, "`" + r.Reproduce + "`"})
		}
		mdTable(&b, []string{"seed", "verdict", "reproduce"}, rows)
		b.WriteString("\n")
	}
	b.WriteString("## All runs\n\n")
	if len(d.Rows) == 0 {
		b.WriteString("No runs.\n")
		return b.String()
	}
	header := append([]string{"seed", "verdict", "trace hash"}, d.CheckColumns...)
	header = append(header, "report")
	rows := [][]string{}
	for _, r := range d.Rows {
		row := []string{r.Seed, verdictSymbol(r.Verdict) + " " + r.Verdict, r.TraceHash}
		row = append(row, r.Checks...)
		row = append(row, "["+r.Dir+"]("+r.Dir+"/"+SummaryFile+")")
		rows = append(rows, row)
	}
	mdTable(&b, header, rows)
	return b.String()
}

var sweepPage = template.Must(template.New("sweep").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sweep: {{.Title}}</title>
<style>{{.CSS}}</style>
</head>
<body>
<h1>Sweep: {{.Title}}</h1>
<p class="facts">{{.Totals}}</p>
<table><tr>{{range .Counts}}<th class="num"><span class="t-{{index . 0}}">{{index . 0}}</span></th>{{end}}</tr>
<tr>{{range .Counts}}<td class="num">{{index . 1}}</td>{{end}}</tr></table>

<h2>Failing and unknown seeds</h2>
{{if .Failing}}<table><tr><th>seed</th><th>verdict</th><th>reproduce</th></tr>
{{range .Failing}}<tr><td><a href="{{.Dir}}/index.html">{{.Seed}}</a></td><td class="t-{{.Verdict}}">{{.Symbol}} {{.Verdict}}</td><td><code>{{.Reproduce}}</code></td></tr>
{{end}}</table>{{else}}<p>None.</p>{{end}}

<h2>All runs</h2>
{{if .Rows}}<table><tr><th>seed</th><th>verdict</th><th>trace hash</th>{{range .CheckColumns}}<th>{{.}}</th>{{end}}</tr>
{{range .Rows}}<tr><td><a href="{{.Dir}}/index.html">{{.Seed}}</a></td><td class="t-{{.Verdict}}">{{.Symbol}} {{.Verdict}}</td><td><code>{{.TraceHash}}</code></td>{{range .Checks}}<td class="t-{{.}}">{{.}}</td>{{end}}</tr>
{{end}}</table>{{else}}<p>No runs.</p>{{end}}
</body>
</html>
`))
