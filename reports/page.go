package reports

import (
	"bytes"
	"html/template"
	"strconv"
	"strings"
)

// pageData is what the run page template reads; everything is preformatted
// here so the template only lays it out.
type pageData struct {
	CSS        template.CSS
	Title      string
	Verdict    string
	Symbol     string
	Facts      string
	ExpectFail bool
	Promise    string
	Desc       string
	Checks     []Check
	Plots      []template.HTML
	PlotNotes  []string
	OpHeader   []string
	OpRows     [][]string
	Throughput []string
	Errors     [][]string
	Faults     [][]string
	Config     [][]string
	Metrics    [][]string
	Reproduce  string
	RealTime   string
}

// Page renders index.html for one run: a single self-contained file with
// inline CSS and SVG.
func Page(run *Run) (string, error) {
	if err := run.Validate(); err != nil {
		return "", err
	}
	d := pageData{
		CSS:        template.CSS(pageCSS),
		Title:      titleOf(run),
		Verdict:    run.Verdict,
		Symbol:     verdictSymbol(run.Verdict),
		Facts:      runFacts(run),
		ExpectFail: run.ExpectFail,
		Promise:    run.Promise,
		Desc:       run.Description,
		Checks:     run.Checks,
		OpHeader:   []string{"op", "count", "ok", "fail", "info", "p50", "p90", "p99", "p99.9", "max"},
		OpRows:     opRows(run.Ops),
		Throughput: throughputRow(run.Throughput),
		Errors:     errorRows(run.Errors),
		Faults:     faultRows(run),
		Config:     configRows(run.Config),
		Metrics:    metricRows(run.Metrics),
		Reproduce:  oneLine(run.Reproduce),
		RealTime:   realTimeText(run),
	}
	// The SVG is built by this package with every piece of text escaped,
	// which is what makes handing it to the template as HTML safe.
	for _, s := range run.Series {
		d.Plots = append(d.Plots, template.HTML(seriesSVG(run, s)))
	}
	var curves []opCurve
	for _, op := range run.Ops {
		h, err := decodeHistogram(op.HDR)
		if err != nil {
			d.PlotNotes = append(d.PlotNotes, "op "+op.Op+": "+err.Error())
			continue
		}
		if h != nil && h.TotalCount() > 0 {
			curves = append(curves, opCurve{op: op.Op, curve: percentileCurve(h)})
		}
	}
	d.Plots = append(d.Plots, template.HTML(percentileSVG(curves)))

	var b bytes.Buffer
	if err := runPage.Execute(&b, d); err != nil {
		return "", err
	}
	return b.String(), nil
}

var pageFuncs = template.FuncMap{
	"measured": measuredText,
	"num":      func(i int) bool { return i > 0 },
	"itoa":     strconv.Itoa,
	"join":     strings.Join,
}

var runPage = template.Must(template.New("run").Funcs(pageFuncs).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}: {{.Verdict}}</title>
<style>{{.CSS}}</style>
</head>
<body>
<header>
<h1><span class="badge v-{{.Verdict}}">{{.Symbol}} {{.Verdict}}</span> {{.Title}}</h1>
<p class="facts">{{.Facts}}</p>
{{if .ExpectFail}}<p class="muted">This scenario expects to fail: it demonstrates a weakness of the design.</p>{{end}}
{{if .Promise}}<div class="promise"><strong>Promise.</strong> {{.Promise}}</div>{{end}}
{{if .Desc}}<p>{{.Desc}}</p>{{end}}
</header>

<h2>Checks</h2>
{{if .Checks}}<table>
<tr><th>check</th><th>verdict</th><th>expected</th><th>detail</th><th>measured</th><th>artifacts</th></tr>
{{range .Checks}}<tr><td>{{.Name}}</td><td class="t-{{.Verdict}}">{{.Verdict}}</td><td>{{.Expected}}</td><td>{{.Detail}}</td><td>{{measured .Measured}}</td><td>{{range $i, $a := .Artifacts}}{{if num $i}}<br>{{end}}<a href="{{$a}}">{{$a}}</a>{{end}}</td></tr>
{{end}}</table>{{else}}<p>No checks ran, so nothing was proved.</p>{{end}}

<h2>Over time</h2>
{{range .Plots}}<div class="plot">{{.}}</div>
{{end}}{{range .PlotNotes}}<p class="warn">{{.}}</p>
{{end}}
<h2>Latency</h2>
{{if .OpRows}}<table>
<tr>{{range $i, $h := .OpHeader}}<th{{if num $i}} class="num"{{end}}>{{$h}}</th>{{end}}</tr>
{{range .OpRows}}<tr>{{range $i, $c := .}}<td{{if num $i}} class="num"{{end}}>{{$c}}</td>{{end}}</tr>
{{end}}</table>{{else}}<p>No operations recorded.</p>{{end}}

<h2>Throughput</h2>
<table><tr><th class="num">requested</th><th class="num">achieved</th><th class="num">achieved / requested</th></tr>
<tr>{{range .Throughput}}<td class="num">{{.}}</td>{{end}}</tr></table>

<h2>Errors</h2>
{{if .Errors}}<table><tr><th>error</th><th class="num">count</th></tr>
{{range .Errors}}<tr><td>{{index . 0}}</td><td class="num">{{index . 1}}</td></tr>
{{end}}</table>{{else}}<p>None.</p>{{end}}

<h2>Faults</h2>
{{if .Faults}}<table><tr><th>when (virtual)</th><th>kind</th><th>target</th><th>detail</th></tr>
{{range .Faults}}<tr>{{range .}}<td>{{.}}</td>{{end}}</tr>
{{end}}</table>{{else}}<p>None injected.</p>{{end}}

<h2>Configuration</h2>
{{if .Config}}<table><tr><th>setting</th><th>value</th></tr>
{{range .Config}}<tr><td>{{index . 0}}</td><td><code>{{index . 1}}</code></td></tr>
{{end}}</table>{{else}}<p>Engine defaults.</p>{{end}}

{{if .Metrics}}<h2>Node metrics</h2>
<table><tr><th>node</th><th>metric</th><th>value</th></tr>
{{range .Metrics}}<tr><td>{{index . 0}}</td><td><code>{{index . 1}}</code></td><td class="num">{{index . 2}}</td></tr>
{{end}}</table>{{end}}

<h2>Reproduce</h2>
{{if .Reproduce}}<pre><code>{{.Reproduce}}</code></pre>{{else}}<p>No command recorded.</p>{{end}}
{{if .RealTime}}
<h2>Real time</h2>
<p class="muted">{{.RealTime}} Wall-clock figures differ between runs of the same seed.</p>{{end}}
</body>
</html>
`))
