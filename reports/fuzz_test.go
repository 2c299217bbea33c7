package reports

import (
	"bytes"
	"strings"
	"testing"
)

// FuzzParseRun feeds arbitrary bytes to the results.json parser. Whatever
// it accepts must render to Markdown and HTML without a panic or a NaN, and
// must survive a write/read round trip unchanged.
func FuzzParseRun(f *testing.F) {
	good, err := MarshalResults(fixtureRun(f))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add([]byte(`{"format_version":1,"verdict":"pass"}`))
	f.Add([]byte(`{"format_version":1,"verdict":"unknown","series":[{"name":"x","points":[{"t":0,"v":0}]}],"faults":[{"kind":"pause","start":5}]}`))
	f.Add([]byte(`{"format_version":1,"verdict":"pass","ops":[{"op":"GET","hdr":"HISTFAAAAA=="}]}`))
	f.Add([]byte(`{"format_version":1,"verdict":"fail","virtual_duration":-1}`))
	f.Add([]byte(`{"format_version":1,"verdict":"pass","series":[{"name":"x","step_seconds":1e308,"points":[{"t":9223372036854775807,"v":-1e308},{"t":9223372036854775807,"v":1e308}]}]}`))
	f.Add([]byte(`not json`))
	f.Add([]byte(``))
	f.Fuzz(func(t *testing.T, input []byte) {
		run, err := ParseRun(input)
		if err != nil {
			return
		}
		if _, err := Summary(run); err != nil {
			t.Fatalf("parsed run does not render to Markdown: %v", err)
		}
		page, err := Page(run)
		if err != nil {
			t.Fatalf("parsed run does not render to HTML: %v", err)
		}
		for _, svg := range svgPattern.FindAllString(page, -1) {
			if strings.Contains(svg, "NaN") || strings.Contains(svg, "Inf") {
				t.Fatalf("plot contains a non-finite coordinate:\n%s", svg)
			}
		}
		once, err := MarshalResults(run)
		if err != nil {
			t.Fatalf("parsed run does not marshal: %v", err)
		}
		again, err := ParseRun(once)
		if err != nil {
			t.Fatalf("marshalled run does not parse back: %v", err)
		}
		twice, err := MarshalResults(again)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(once, twice) {
			t.Fatalf("round trip changed results.json:\n%s\n---\n%s", once, twice)
		}
	})
}
