package reports

import (
	"fmt"
	"math"
)

// faultLabelRows bounds how many rows of fault labels stack at the top of a
// plot before labels are allowed to overlap.
const faultLabelRows = 4

// faultLabelRowHeightPx is the vertical distance between label rows.
const faultLabelRowHeightPx = 14.0

// faultSwatchPx is the colour square before a fault label plus its gap.
const faultSwatchPx = 11.0

// faultColour picks the shading of a fault window by kind, so that the same
// kind looks the same on every plot.
func faultColour(kind string) string {
	switch kind {
	case FaultPartition:
		return colourOrange
	case FaultPause:
		return colourSky
	case FaultClock:
		return colourPurple
	case FaultDisk:
		return colourYellow
	}
	return colourVermilion
}

// timeAxisEndSec is how much virtual time the plots span: the whole run, or
// as far as any point or fault reaches if the runner left the duration out.
func timeAxisEndSec(run *Run) float64 {
	end := run.VirtualDuration.Seconds()
	for _, s := range run.Series {
		if n := len(s.Points); n > 0 {
			end = max(end, s.Points[n-1].T.Seconds())
		}
	}
	for _, f := range run.Faults {
		end = max(end, f.Start.Seconds(), f.End.Seconds())
	}
	return end
}

// seriesSVG plots one series over virtual time with every fault shaded.
func seriesSVG(run *Run, s Series) string {
	endSec := timeAxisEndSec(run)
	xLo, xHi := dataRange(0, endSec)
	xTicks, xLo, xHi := niceTicks(xLo, xHi, 8)

	yMin, yMax := 0.0, 0.0
	for _, p := range s.Points {
		yMin, yMax = min(yMin, plotValue(p.V)), max(yMax, plotValue(p.V))
	}
	// Headroom keeps a line at the maximum off the plot's top edge.
	yLo, yHi := dataRange(yMin, yMax*1.05)
	yTicks, yLo, yHi := niceTicks(yLo, yHi, 6)

	c := &chart{
		title:  s.Name,
		xTitle: "virtual time (s)",
		yTitle: s.Unit,
		x:      axis{lo: xLo, hi: xHi, ticks: xTicks, label: number},
		y:      axis{lo: yLo, hi: yHi, ticks: yTicks, label: number},
	}
	labels, rows := c.layoutFaultLabels(run.Faults, endSec)
	c.labelBandPx = float64(rows) * faultLabelRowHeightPx
	c.frame()
	c.faults(labels)
	// A step without data was left out by the runner; joining across it
	// would draw a line through a gap that means "nothing completed".
	gapSec := math.Inf(1)
	if s.StepSeconds > 0 {
		gapSec = 1.5 * s.StepSeconds
	}
	var xs, ys []float64
	for i, p := range s.Points {
		t := p.T.Seconds()
		if i > 0 && t-s.Points[i-1].T.Seconds() > gapSec {
			c.line(xs, ys, colourBlue)
			xs, ys = xs[:0], ys[:0]
		}
		xs, ys = append(xs, t), append(ys, plotValue(p.V))
	}
	c.line(xs, ys, colourBlue)
	if len(s.Points) == 0 {
		c.note("no data")
	}
	return c.svg("timeseries")
}

// faultLabel is a fault's label placed in a row of the band above a plot.
type faultLabel struct {
	span  faultSpan
	xPx   float64 // where the fault starts on the plot
	textX float64 // where its label starts
	row   int
}

// layoutFaultLabels puts each label in the first row of the band where it
// does not run into an earlier one; with more than faultLabelRows crowded
// together the last row takes the rest, overlapping.
func (c *chart) layoutFaultLabels(faults []Fault, runSec float64) (labels []faultLabel, rows int) {
	rowEndPx := make([]float64, faultLabelRows)
	for i := range rowEndPx {
		rowEndPx[i] = math.Inf(-1)
	}
	right := marginLeftPx + c.plotWidthPx()
	for _, f := range faults {
		s := spanOf(f, runSec)
		x := c.clampX(c.px(s.startSec))
		widthPx := float64(len([]rune(f.label())))*charWidthPx + faultSwatchPx + 2*labelPaddingPx
		// A label near the right edge would be cut off: end it at the edge.
		textX := max(min(x, right-widthPx), marginLeftPx)
		row := faultLabelRows - 1
		for r := range rowEndPx {
			if rowEndPx[r] < textX {
				row = r
				break
			}
		}
		rowEndPx[row] = textX + widthPx
		rows = max(rows, row+1)
		labels = append(labels, faultLabel{span: s, xPx: x, textX: textX, row: row})
	}
	return labels, rows
}

// faults shades each fault window and draws each instant as a dashed
// vertical line. Labels sit in the band above the plot, each joined to its
// fault by a short tick, so they never cover the data.
func (c *chart) faults(labels []faultLabel) {
	top, bottom := c.topPx(), c.topPx()+c.plotHeightPx()
	for _, l := range labels {
		f, s := l.span.fault, l.span
		colour := faultColour(f.Kind)
		title := esc(f.label() + " " + s.when() + detailSuffix(f.Detail))
		if s.instant {
			fmt.Fprintf(&c.body, `<line class="fault-instant" x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s"><title>%s</title></line>`+"\n",
				coord(l.xPx), coord(top), coord(l.xPx), coord(bottom), colour, title)
		} else {
			x2 := c.clampX(c.px(s.endSec))
			fmt.Fprintf(&c.body, `<rect class="fault" x="%s" y="%s" width="%s" height="%s" fill="%s"><title>%s</title></rect>`+"\n",
				coord(l.xPx), coord(top), coord(max(x2-l.xPx, 1)), coord(bottom-top), colour, title)
		}
		baseline := marginTopPx + float64(l.row+1)*faultLabelRowHeightPx - 3
		fmt.Fprintf(&c.body, `<line class="fault-tick" x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s"/>`+"\n",
			coord(l.xPx), coord(baseline+3), coord(l.xPx), coord(top), colour)
		fmt.Fprintf(&c.body, `<rect x="%s" y="%s" width="8" height="8" fill="%s"/><text class="fault-label" x="%s" y="%s">%s</text>`+"\n",
			coord(l.textX), coord(baseline-8), colour, coord(l.textX+faultSwatchPx), coord(baseline), esc(f.label()))
	}
}

func (c *chart) clampX(x float64) float64 {
	return min(max(x, marginLeftPx), marginLeftPx+c.plotWidthPx())
}

func detailSuffix(detail string) string {
	if detail == "" {
		return ""
	}
	return ": " + detail
}
