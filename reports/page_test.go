package reports

import (
	"encoding/xml"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

var svgPattern = regexp.MustCompile(`(?s)<svg\b.*?</svg>`)

// svgElement is one element of an inline SVG, flattened.
type svgElement struct {
	name  string
	class string
	text  string
	attrs map[string]string
}

// parseSVGs checks that every inline SVG in page is well-formed XML and
// returns its elements per SVG.
func parseSVGs(t *testing.T, page string) [][]svgElement {
	t.Helper()
	var all [][]svgElement
	for i, src := range svgPattern.FindAllString(page, -1) {
		dec := xml.NewDecoder(strings.NewReader(src))
		dec.Strict = true
		var elems []svgElement
		var stack []int
		for {
			tok, err := dec.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("svg %d is not well-formed: %v\n%s", i, err, src)
			}
			switch tok := tok.(type) {
			case xml.StartElement:
				e := svgElement{name: tok.Name.Local, attrs: map[string]string{}}
				for _, a := range tok.Attr {
					e.attrs[a.Name.Local] = a.Value
					if a.Name.Local == "class" {
						e.class = a.Value
					}
				}
				elems = append(elems, e)
				stack = append(stack, len(elems)-1)
			case xml.CharData:
				if len(stack) > 0 {
					elems[stack[len(stack)-1]].text += string(tok)
				}
			case xml.EndElement:
				stack = stack[:len(stack)-1]
			}
		}
		all = append(all, elems)
	}
	return all
}

func ofClass(elems []svgElement, class string) []svgElement {
	var out []svgElement
	for _, e := range elems {
		if e.class == class {
			out = append(out, e)
		}
	}
	return out
}

// assertSelfContained fails if page could fetch anything or shows a
// number that went wrong.
func assertSelfContained(t *testing.T, page string) {
	t.Helper()
	for _, bad := range []string{"http://", "https://", "<script", "<link", "src=", "@import", "url(", "NaN", "Inf", "ZgotmplZ"} {
		if strings.Contains(page, bad) {
			i := strings.Index(page, bad)
			t.Errorf("page contains %q near %q", bad, page[max(0, i-80):min(len(page), i+80)])
		}
	}
}

func TestPageShadesFaultsOnEveryTimePlot(t *testing.T) {
	run := fixtureRun(t)
	page, err := Page(run)
	if err != nil {
		t.Fatal(err)
	}
	assertSelfContained(t, page)
	svgs := parseSVGs(t, page)
	if len(svgs) != len(run.Series)+1 {
		t.Fatalf("got %d SVGs, want one per series plus the percentile plot", len(svgs))
	}
	for i := range run.Series {
		elems := svgs[i]
		windows := ofClass(elems, "fault")
		if len(windows) != 2 {
			t.Errorf("plot %d: %d shaded fault windows, want 2 (partition, pause until end)", i, len(windows))
		}
		if len(ofClass(elems, "fault-instant")) != 2 {
			t.Errorf("plot %d: want 2 instant fault lines (crash, restart)", i)
		}
		var labels []string
		for _, l := range ofClass(elems, "fault-label") {
			labels = append(labels, l.text)
		}
		want := []string{"partition cache-1 | rest", "crash cache-1", "restart cache-1", "pause cache-3"}
		if strings.Join(labels, ";") != strings.Join(want, ";") {
			t.Errorf("plot %d: fault labels %q, want %q", i, labels, want)
		}
		// The pause has no end: its window must reach the right edge.
		pause := windows[1]
		if pause.attrs["x"] == "" || pause.attrs["width"] == "" {
			t.Fatalf("pause window lacks geometry: %v", pause.attrs)
		}
		// The gap at t=45s splits the line in two.
		if n := len(ofClass(elems, "series")); n != 2 {
			t.Errorf("plot %d: %d line segments, want 2 (the missing step at 45s is a gap)", i, n)
		}
	}
	pct := svgs[len(svgs)-1]
	if n := len(ofClass(pct, "series")); n != 2 {
		t.Errorf("percentile plot has %d curves, want one per op (2)", n)
	}
	var ticks []string
	for _, e := range ofClass(pct, "tick") {
		ticks = append(ticks, e.text)
	}
	if !strings.Contains(strings.Join(ticks, " "), "99.9%") {
		t.Errorf("percentile axis ticks %q lack 99.9%%", ticks)
	}
	for _, want := range []string{`<a href="porcupine/user-17.html">`, "cache/failover", "Promise.", "linearizable", "syslab run scenarios/cache/failover.yaml --seed 42", "badge v-fail"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}

func TestPageDegenerateInputs(t *testing.T) {
	hist := NewLatencyHistogram()
	_ = hist.RecordValue(int64(2 * time.Millisecond))
	one := OpStats{Op: "PING", Count: 1, OK: 1}
	if err := one.SetHistogram(hist); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		run  Run
	}{
		{"empty run", Run{Verdict: VerdictUnknown}},
		{"zero points", Run{Verdict: VerdictPass, VirtualDuration: D(time.Minute), Series: []Series{{Name: "throughput", Unit: "ops/s", StepSeconds: 1}}}},
		{"one point at zero", Run{Verdict: VerdictPass, Series: []Series{{Name: "p99", Unit: "ms", Points: []Point{{T: 0, V: 0}}}}}},
		{"one point", Run{Verdict: VerdictPass, Series: []Series{{Name: "p99", Unit: "ms", Points: []Point{{T: D(time.Second), V: 3}}}}}},
		{"flat negative", Run{Verdict: VerdictPass, Series: []Series{{Name: "skew", Unit: "ms", Points: []Point{{T: D(time.Second), V: -4}, {T: D(2 * time.Second), V: -4}}}}}},
		{"huge values", Run{Verdict: VerdictPass, Series: []Series{{Name: "bytes", Unit: "B", Points: []Point{{T: D(time.Hour), V: 1e300}}}}}},
		{"tiny values", Run{Verdict: VerdictPass, Series: []Series{{Name: "ratio", Unit: "", Points: []Point{{T: 1, V: 1e-300}, {T: 2, V: 2e-300}}}}}},
		{"single sample histogram", Run{Verdict: VerdictPass, Ops: []OpStats{one}}},
		{"faults without series", Run{Verdict: VerdictFail, Faults: []Fault{{Kind: FaultKill, Target: "n1"}, {Kind: FaultPartition, Start: D(time.Second)}}}},
		{"corrupt histogram", Run{Verdict: VerdictPass, Ops: []OpStats{{Op: "GET", HDR: "not base64!"}}}},
		{"empty histogram", Run{Verdict: VerdictPass, Ops: []OpStats{{Op: "GET", HDR: mustEncode(t, NewLatencyHistogram())}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			page, err := Page(&tc.run)
			if err != nil {
				t.Fatal(err)
			}
			assertSelfContained(t, page)
			parseSVGs(t, page)
			if _, err := Summary(&tc.run); err != nil {
				t.Fatal(err)
			}
			if _, err := MarshalResults(&tc.run); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// mustEncode returns h in OpStats.HDR's encoding.
func mustEncode(t *testing.T, h *hdrhistogram.Histogram) string {
	t.Helper()
	var s OpStats
	if err := s.SetHistogram(h); err != nil {
		t.Fatal(err)
	}
	return s.HDR
}

func TestPageReportsUndecodableHistogram(t *testing.T) {
	page, err := Page(&Run{Verdict: VerdictPass, Ops: []OpStats{{Op: "GET", HDR: "not base64!"}}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(page, "op GET: decoding histogram") {
		t.Error("page does not say that GET's histogram could not be decoded")
	}
}

func TestPageEscapesText(t *testing.T) {
	run := &Run{Verdict: VerdictPass, Scenario: `<script>alert(1)</script>`,
		Faults: []Fault{{Kind: FaultPartition, Target: `a<b & "c"`, Start: 0, End: D(time.Second)}},
		Series: []Series{{Name: `x<y`, Unit: `&`, Points: []Point{{T: 1, V: 1}}}}}
	page, err := Page(run)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(page, "<script>") || strings.Contains(page, `a<b`) {
		t.Error("page contains unescaped user text")
	}
	parseSVGs(t, page)
}

func BenchmarkPage(b *testing.B) {
	run := fixtureRun(b)
	for b.Loop() {
		if _, err := Page(run); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWrite(b *testing.B) {
	run := fixtureRun(b)
	dir := b.TempDir()
	for b.Loop() {
		if err := Write(dir, run); err != nil {
			b.Fatal(err)
		}
	}
}
