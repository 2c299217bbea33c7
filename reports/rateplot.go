package reports

import (
	"bytes"
	"cmp"
	"html/template"
	"math"
	"slices"
)

// RateLine is one curve of a plot against offered load: a value (a
// latency in ms, a throughput) at each rate tried. Points need not be
// sorted; the plot sorts them by rate.
type RateLine struct {
	Name   string
	Rates  []float64 // ops/s, > 0
	Values []float64
}

// RatePlotSVG plots values against offered rate on a logarithmic rate
// axis (capacity searches double the rate, so a linear axis would crowd
// the first probes into a corner). goal, when positive, is drawn as a
// dashed horizontal line labelled goalLabel; failing points are the
// caller's to mark by giving them their own line.
func RatePlotSVG(title, yTitle string, lines []RateLine, goal float64, goalLabel string) string {
	xLo, xHi := math.Inf(1), math.Inf(-1)
	yHi := goal
	for _, l := range lines {
		for i, r := range l.Rates {
			if r > 0 {
				xLo, xHi = math.Min(xLo, r), math.Max(xHi, r)
			}
			yHi = math.Max(yHi, plotValue(l.Values[i]))
		}
	}
	if math.IsInf(xLo, 1) {
		xLo, xHi = 1, 10
	}
	// Whole decades around the data, ticks at 1, 2 and 5 of each.
	decLo, decHi := math.Floor(math.Log10(xLo)), math.Ceil(math.Log10(xHi))
	if decHi <= decLo {
		decHi = decLo + 1
	}
	var xTicks []float64
	for d := decLo; d <= decHi; d++ {
		for _, m := range []float64{1, 2, 5} {
			if v := d + math.Log10(m); v <= decHi+1e-9 && (m == 1 || decHi-decLo <= 3) {
				xTicks = append(xTicks, v)
			}
		}
	}
	yLo, yHiR := dataRange(0, yHi*1.05)
	yTicks, yLo, yHiR := niceTicks(yLo, yHiR, 6)
	c := &chart{
		title:  title,
		xTitle: "offered rate (ops/s, log scale)",
		yTitle: yTitle,
		x:      axis{lo: decLo, hi: decHi, ticks: xTicks, label: func(v float64) string { return number(math.Round(math.Pow(10, v))) }},
		y:      axis{lo: yLo, hi: yHiR, ticks: yTicks, label: number},
	}
	c.frame()
	var names, colours []string
	for i, l := range lines {
		colour := lineColours[i%len(lineColours)]
		order := make([]int, 0, len(l.Rates))
		for j, r := range l.Rates {
			if r > 0 {
				order = append(order, j)
			}
		}
		slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(l.Rates[a], l.Rates[b]) })
		xs := make([]float64, len(order))
		ys := make([]float64, len(order))
		for k, j := range order {
			xs[k], ys[k] = math.Log10(l.Rates[j]), plotValue(l.Values[j])
		}
		c.line(xs, ys, colour)
		for k := range xs { // every probe is a point a reader can count
			c.marker(xs[k], ys[k], colour)
		}
		names, colours = append(names, l.Name), append(colours, colour)
	}
	if goal > 0 {
		c.hline(goal, goalLabel)
	}
	c.legend(names, colours)
	if len(lines) == 0 {
		c.note("no probes")
	}
	return c.svg("rateplot")
}

func (c *chart) marker(x, y float64, colour string) {
	c.body.WriteString(`<circle class="marker" cx="` + coord(c.px(x)) + `" cy="` + coord(c.py(y)) + `" r="` + coord(markerRadiusPx) + `" fill="` + colour + `"/>` + "\n")
}

// hline draws a dashed horizontal reference line at y with a label.
func (c *chart) hline(y float64, label string) {
	left, right := marginLeftPx, marginLeftPx+c.plotWidthPx()
	py := coord(c.py(y))
	c.body.WriteString(`<line class="fault-instant" stroke="` + colourBlack + `" x1="` + coord(left) + `" y1="` + py + `" x2="` + coord(right) + `" y2="` + py + `"/>` + "\n")
	c.body.WriteString(`<text class="fault-label" x="` + coord(right-4) + `" y="` + coord(c.py(y)-4) + `" text-anchor="end">` + esc(label) + `</text>` + "\n")
}

// TablePage is a self-contained HTML page in the run pages' style: a
// title, a line of facts, plots (SVG from this package) and tables. It
// serves reports that are not one run — capacity searches, fidelity.
type TablePage struct {
	Title  string
	Facts  string
	Intro  []string // paragraphs
	Plots  []string // SVG
	Tables []Table
}

// Table is a titled table of preformatted cells.
type Table struct {
	Title  string
	Header []string
	Rows   [][]string
}

var tablePageTemplate = template.Must(template.New("table").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}}</title>
<style>{{.CSS}}</style></head><body>
<h1>{{.Title}}</h1>
<p class="facts">{{.Facts}}</p>
{{range .Intro}}<p>{{.}}</p>
{{end}}{{range .Plots}}<div class="plot">{{.}}</div>
{{end}}{{range .Tables}}<h2>{{.Title}}</h2>
<table><tr>{{range .Header}}<th>{{.}}</th>{{end}}</tr>
{{range .Rows}}<tr>{{range .}}<td>{{.}}</td>{{end}}</tr>
{{end}}</table>
{{end}}</body></html>
`))

// HTML renders the page.
func (p TablePage) HTML() (string, error) {
	plots := make([]template.HTML, len(p.Plots))
	for i, s := range p.Plots {
		plots[i] = template.HTML(s) // built by this package, escaped as drawn
	}
	var b bytes.Buffer
	err := tablePageTemplate.Execute(&b, struct {
		TablePage
		CSS   template.CSS
		Plots []template.HTML
	}{p, template.CSS(pageCSS), plots})
	return b.String(), err
}

// Markdown renders the page's text and tables (not its plots) for a
// summary.md.
func (p TablePage) Markdown() string {
	var b bytes.Buffer
	b.WriteString("# " + p.Title + "\n\n")
	if p.Facts != "" {
		b.WriteString(p.Facts + "\n\n")
	}
	for _, s := range p.Intro {
		b.WriteString(s + "\n\n")
	}
	for _, t := range p.Tables {
		b.WriteString("## " + t.Title + "\n\n|")
		for _, h := range t.Header {
			b.WriteString(" " + h + " |")
		}
		b.WriteString("\n|")
		for range t.Header {
			b.WriteString("---|")
		}
		b.WriteString("\n")
		for _, r := range t.Rows {
			b.WriteString("|")
			for _, cell := range r {
				b.WriteString(" " + cell + " |")
			}
			b.WriteString("\n")
		}
		b.WriteString("\n")
	}
	return b.String()
}

// WriteFiles writes files into dir (created if needed), each through a
// temporary name and a rename.
func WriteFiles(dir string, files map[string][]byte) error { return writeFiles(dir, files) }
