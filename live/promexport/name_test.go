package promexport

import (
	"strings"
	"testing"
)

func TestParseName(t *testing.T) {
	cases := []struct {
		in, want string // want is the canonical form, or an error substring prefixed by "error: "
	}{
		{`cache_keys`, `cache_keys`},
		{`ns:cache_keys`, `ns:cache_keys`},
		{`cache_commands_total{cmd="get"}`, `cache_commands_total{cmd="get"}`},
		{`x{b="2",a="1"}`, `x{a="1",b="2"}`},
		{`x{a="1",}`, `x{a="1"}`},
		{`x{}`, `x`},
		{`x{a="q\"uo\\te\n"}`, `x{a="q\"uo\\te\n"}`},
		{`x{a=""}`, `x{a=""}`},
		{``, `error: invalid family name`},
		{`9lives`, `error: invalid family name`},
		{`cache-keys`, `error: invalid family name`},
		{`x{a=1}`, `error: double-quoted`},
		{`x{a="1"`, `error: want ',' or '}'`},
		{`x{a="1}`, `error: unterminated value`},
		{`x{a="1"}y`, `error: unexpected "y"`},
		{`x{a="1",a="2"}`, `error: given twice`},
		{`x{__name__="y"}`, `error: invalid label name`},
		{`x{1a="y"}`, `error: invalid label name`},
		{`x{a="\t"}`, `error: unknown escape`},
		{"x{a=\"\xff\"}", `error: not valid UTF-8`},
		{`x{a}`, `error: want name="value"`},
	}
	for _, c := range cases {
		p, err := parseName(c.in)
		if want, isErr := strings.CutPrefix(c.want, "error: "); isErr {
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("parseName(%q) = %v, %v; want error containing %q", c.in, p, err, want)
			}
			continue
		}
		if err != nil || p.String() != c.want {
			t.Errorf("parseName(%q) = %q, %v; want %q", c.in, p.String(), err, c.want)
		}
	}
}

// FuzzParseName checks that any string either fails to parse or parses into
// a name whose canonical form parses back to itself.
func FuzzParseName(f *testing.F) {
	for _, s := range []string{`cache_keys`, `a{b="c"}`, `x{b="2",a="1",}`, `x{a="q\"\\\n"}`, `x{a="1"`, `{}`, `x{a=""}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := parseName(s)
		if err != nil {
			return
		}
		again, err := parseName(p.String())
		if err != nil {
			t.Fatalf("canonical form %q of %q does not parse: %v", p.String(), s, err)
		}
		if again.String() != p.String() {
			t.Fatalf("canonical form changed: %q → %q", p.String(), again.String())
		}
	})
}
