package reports

import (
	"encoding/xml"
	"strings"
	"testing"
)

func TestRatePlotIsWellFormedWithAPointPerProbeAndTheGoal(t *testing.T) {
	svg := RatePlotSVG("p99 vs offered rate", "p99 (ms)", []RateLine{
		{Name: "pass", Rates: []float64{4000, 1000, 2000}, Values: []float64{0.5, 0.3, 0.4}},
		{Name: "fail", Rates: []float64{8000}, Values: []float64{26}},
	}, 1, "goal 1ms")
	if err := xml.Unmarshal([]byte(svg), new(any)); err != nil {
		t.Fatalf("not well-formed XML: %v\n%s", err, svg)
	}
	if n := strings.Count(svg, `class="marker"`); n != 4+1 { // four probes, plus line()'s own marker for a single point
		t.Errorf("%d markers, want 5", n)
	}
	for _, want := range []string{"goal 1ms", "offered rate", ">1000<", ">10000<"} {
		if !strings.Contains(svg, want) {
			t.Errorf("plot lacks %q", want)
		}
	}
}

func TestRatePlotWithoutProbesStillDraws(t *testing.T) {
	svg := RatePlotSVG("empty", "p99 (ms)", nil, 0, "")
	if !strings.Contains(svg, "no probes") {
		t.Fatal("an empty plot should say it has no probes")
	}
}

func TestTablePageEscapesCellsAndRendersMarkdown(t *testing.T) {
	p := TablePage{Title: "capacity", Facts: "sim", Tables: []Table{{Title: "probes", Header: []string{"rate", "why"}, Rows: [][]string{{"1000", "<script>"}}}}}
	html, err := p.HTML()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(html, "<script>") || !strings.Contains(html, "&lt;script&gt;") {
		t.Fatal("cell text not escaped")
	}
	md := p.Markdown()
	if !strings.Contains(md, "| rate | why |\n|---|---|\n| 1000 | <script> |") {
		t.Fatalf("markdown table:\n%s", md)
	}
}
