package lab

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse feeds arbitrary bytes to the loader: it must never panic,
// must fail with a located ErrorList, and whatever it accepts must
// survive a round trip through Scenario.YAML.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.yaml")
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(base))
	for _, seed := range []string{
		"", "---", "[]", "name: [", "a: &x [*x]\nname: *x",
		"name: t\nengine: fakecache\nduration: 1s\ntopology: {nodes: [a]}\nworkload: &w [{<<: *w}]",
		"name: t\nengine: fakecache\nduration: 1s\ntopology: {nodes: {count: 2, prefix: n}}\nconfig: &c {x: *c}\nworkload: [{clients: 1, rate: 1/s, mix: {get: 1}}]",
		"checks: [{latency: {p99: 1ms}}, 3, {a: 1, b: 2}]\nfaults: [{random: {rate: 1e400/s}}]",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse("fuzz.yaml", data)
		if err != nil {
			var list ErrorList
			if !errors.As(err, &list) || len(list) == 0 {
				t.Fatalf("error is not a non-empty ErrorList: %T %v", err, err)
			}
			for _, e := range list {
				if e.Line < 1 || !strings.HasPrefix(e.Error(), "fuzz.yaml:") {
					t.Fatalf("error without file:line: %q", e.Error())
				}
			}
			return
		}
		out, err := s.YAML()
		if err != nil {
			t.Fatalf("YAML of an accepted scenario: %v", err)
		}
		// Anchors inside config or engine-check params are copied as they
		// are, so an alias to an anchor outside them cannot round-trip.
		if strings.ContainsAny(string(data), "*&") {
			return
		}
		again, err := Parse("fuzz.yaml", out)
		if err != nil {
			t.Fatalf("re-parse of\n%s\nfailed: %v", out, err)
		}
		if a, b := normalize(t, s), normalize(t, again); a != b {
			t.Fatalf("round trip changed the scenario\nfirst:\n%s\nsecond:\n%s", a, b)
		}
	})
}
