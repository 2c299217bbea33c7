package reports

import (
	"fmt"
	"html"
	"strconv"
	"strings"
)

// Palette: Okabe and Ito's colours, which stay distinct under the common
// forms of colour blindness.
const (
	colourBlue      = "#0072B2"
	colourOrange    = "#E69F00"
	colourGreen     = "#009E73"
	colourVermilion = "#D55E00"
	colourPurple    = "#CC79A7"
	colourSky       = "#56B4E9"
	colourYellow    = "#F0E442"
	colourBlack     = "#000000"
	colourGrid      = "#e3e3e3"
	colourAxis      = "#555555"
)

// lineColours is the order in which lines of one plot take colours.
var lineColours = []string{colourBlue, colourVermilion, colourGreen, colourPurple, colourOrange, colourSky, colourBlack}

// Chart geometry in SVG user units (pixels at 100% zoom).
const (
	chartWidthPx    = 960.0
	plotHeightPx    = 218.0
	marginLeftPx    = 72.0
	marginRightPx   = 24.0
	marginTopPx     = 36.0
	marginBottomPx  = 46.0
	fontSizePx      = 12.0
	charWidthPx     = 6.6 // average glyph advance at fontSizePx, for laying out labels
	labelPaddingPx  = 4.0
	markerRadiusPx  = 3.5
	titleBaselinePx = 20.0
)

// axis maps a data range onto pixels and knows its tick labels.
type axis struct {
	lo, hi float64
	ticks  []float64
	label  func(float64) string
}

// chart builds one SVG plot. Coordinates given to its drawing methods are
// data values; it converts them to pixels.
type chart struct {
	title, xTitle, yTitle string
	x, y                  axis
	// labelBandPx is room between the title and the plot area for labels
	// that must not cover the data (fault names).
	labelBandPx float64
	body        strings.Builder
}

func (c *chart) plotWidthPx() float64  { return chartWidthPx - marginLeftPx - marginRightPx }
func (c *chart) plotHeightPx() float64 { return plotHeightPx }
func (c *chart) topPx() float64        { return marginTopPx + c.labelBandPx }
func (c *chart) heightPx() float64     { return c.topPx() + plotHeightPx + marginBottomPx }

func (c *chart) px(x float64) float64 {
	return marginLeftPx + (x-c.x.lo)/(c.x.hi-c.x.lo)*c.plotWidthPx()
}

func (c *chart) py(y float64) float64 {
	return c.topPx() + c.plotHeightPx() - (y-c.y.lo)/(c.y.hi-c.y.lo)*c.plotHeightPx()
}

// coord formats a pixel coordinate with one decimal: enough for a sharp
// line, short enough to keep the file small.
func coord(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

func esc(s string) string { return html.EscapeString(s) }

// frame draws the grid, ticks, tick labels and axis titles.
func (c *chart) frame() {
	if !(c.x.hi > c.x.lo) || !(c.y.hi > c.y.lo) {
		panic(fmt.Sprintf("chart %q: empty axis range x=[%v,%v] y=[%v,%v]", c.title, c.x.lo, c.x.hi, c.y.lo, c.y.hi))
	}
	left, right := marginLeftPx, marginLeftPx+c.plotWidthPx()
	top, bottom := c.topPx(), c.topPx()+c.plotHeightPx()
	b := &c.body
	fmt.Fprintf(b, `<text class="title" x="%s" y="%s">%s</text>`+"\n", coord(left), coord(titleBaselinePx), esc(c.title))
	for _, t := range c.y.ticks {
		y := c.py(t)
		fmt.Fprintf(b, `<line class="grid" x1="%s" y1="%s" x2="%s" y2="%s"/>`, coord(left), coord(y), coord(right), coord(y))
		fmt.Fprintf(b, `<text class="tick" x="%s" y="%s" text-anchor="end">%s</text>`+"\n", coord(left-6), coord(y+4), esc(c.y.label(t)))
	}
	for _, t := range c.x.ticks {
		x := c.px(t)
		fmt.Fprintf(b, `<line class="grid" x1="%s" y1="%s" x2="%s" y2="%s"/>`, coord(x), coord(top), coord(x), coord(bottom))
		fmt.Fprintf(b, `<text class="tick" x="%s" y="%s" text-anchor="middle">%s</text>`+"\n", coord(x), coord(bottom+16), esc(c.x.label(t)))
	}
	fmt.Fprintf(b, `<rect class="plotarea" x="%s" y="%s" width="%s" height="%s"/>`+"\n", coord(left), coord(top), coord(right-left), coord(bottom-top))
	fmt.Fprintf(b, `<text class="axistitle" x="%s" y="%s" text-anchor="middle">%s</text>`+"\n", coord((left+right)/2), coord(c.heightPx()-8), esc(c.xTitle))
	fmt.Fprintf(b, `<text class="axistitle" x="14" y="%s" text-anchor="middle" transform="rotate(-90 14 %s)">%s</text>`+"\n",
		coord((top+bottom)/2), coord((top+bottom)/2), esc(c.yTitle))
}

// line draws consecutive points joined; a single point gets a marker so it
// stays visible.
func (c *chart) line(xs, ys []float64, colour string) {
	if len(xs) != len(ys) {
		panic("chart.line: x and y lengths differ")
	}
	switch len(xs) {
	case 0:
		return
	case 1:
		fmt.Fprintf(&c.body, `<circle class="marker" cx="%s" cy="%s" r="%s" fill="%s"/>`+"\n",
			coord(c.px(xs[0])), coord(c.py(ys[0])), coord(markerRadiusPx), colour)
		return
	}
	var pts strings.Builder
	for i := range xs {
		if i > 0 {
			pts.WriteByte(' ')
		}
		pts.WriteString(coord(c.px(xs[i])) + "," + coord(c.py(ys[i])))
	}
	fmt.Fprintf(&c.body, `<polyline class="series" fill="none" stroke="%s" points="%s"/>`+"\n", colour, pts.String())
}

// note writes a message in the middle of the plot area, e.g. "no data".
func (c *chart) note(msg string) {
	fmt.Fprintf(&c.body, `<text class="note" x="%s" y="%s" text-anchor="middle">%s</text>`+"\n",
		coord(marginLeftPx+c.plotWidthPx()/2), coord(c.topPx()+c.plotHeightPx()/2), esc(msg))
}

// legend lists names with their colours along the top right.
func (c *chart) legend(names, colours []string) {
	x := chartWidthPx - marginRightPx
	for i := len(names) - 1; i >= 0; i-- {
		w := float64(len([]rune(names[i])))*charWidthPx + 34
		x -= w
		fmt.Fprintf(&c.body, `<rect x="%s" y="%s" width="12" height="4" fill="%s"/><text class="legend" x="%s" y="%s">%s</text>`+"\n",
			coord(x), coord(titleBaselinePx-5), colours[i], coord(x+16), coord(titleBaselinePx), esc(names[i]))
	}
}

// svg wraps the drawing. The SVG scales with the page through its viewBox;
// it is inline, so it needs no namespace declaration and fetches nothing.
func (c *chart) svg(class string) string {
	return fmt.Sprintf(`<svg class="%s" viewBox="0 0 %s %s" role="img" aria-label="%s">`+"\n%s</svg>",
		esc(class), coord(chartWidthPx), coord(c.heightPx()), esc(c.title), c.body.String())
}
