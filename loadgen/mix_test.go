package loadgen

import (
	"math"
	"strings"
	"testing"
)

func TestMixShares(t *testing.T) {
	m, err := ParseMix("get:0.9, set:0.1, del:0")
	if err != nil {
		t.Fatal(err)
	}
	r := seeded(5)
	counts := map[string]int{}
	const draws = 100_000
	for range draws {
		counts[m.Next(r)]++
	}
	for name, want := range map[string]float64{"get": 0.9, "set": 0.1, "del": 0} {
		if got := float64(counts[name]) / draws; math.Abs(got-want) > 0.005 {
			t.Errorf("%s chosen %.4f of the time, want %.2f", name, got, want)
		}
		if got := m.Share(name); math.Abs(got-want) > 1e-12 {
			t.Errorf("Share(%s) = %v, want %v", name, got, want)
		}
	}
	if got := m.Share("incr"); got != 0 {
		t.Errorf("Share of an unknown op = %v", got)
	}
}

func TestMixIgnoresMapOrder(t *testing.T) {
	weights := map[string]float64{"a": 1, "b": 2, "c": 3, "d": 4, "e": 5, "f": 6, "g": 7, "h": 8}
	var first []string
	for attempt := range 20 { // map iteration order differs between NewMix calls
		m, err := NewMix(weights)
		if err != nil {
			t.Fatal(err)
		}
		r := seeded(6)
		var picks []string
		for range 50 {
			picks = append(picks, m.Next(r))
		}
		if attempt == 0 {
			first = picks
		} else if strings.Join(picks, "") != strings.Join(first, "") {
			t.Fatalf("same seed, different choices: %v vs %v", picks, first)
		}
	}
}

func TestParseMixErrors(t *testing.T) {
	cases := []struct{ spec, wantErr string }{
		{"get", "want name:weight"},
		{"get:x", `weight "x" of "get" is not a number`},
		{"get:-1", "want a finite number ≥ 0"},
		{"get:NaN", "want a finite number ≥ 0"},
		{"get:Inf", "want a finite number ≥ 0"},
		{"get:0,set:0", "weights sum to 0"},
		{"get:1,get:2", `"get" given twice`},
		{":1", "empty operation name"},
		{"get:1e308,set:1e308", "weights sum to +Inf"},
	}
	for _, c := range cases {
		if _, err := ParseMix(c.spec); err == nil || !strings.Contains(err.Error(), c.wantErr) {
			t.Errorf("ParseMix(%q) error %v, want %q", c.spec, err, c.wantErr)
		}
	}
}

func FuzzParseMix(f *testing.F) {
	for _, s := range []string{"get:0.9,set:0.1", "a:1", "a:0,b:1e-300", "get:1,,set:1", " get : 1 "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		m, err := ParseMix(spec)
		if err != nil {
			return
		}
		r := seeded(1)
		for range 10 {
			if name := m.Next(r); m.Share(name) <= 0 {
				t.Fatalf("%q chose %q, whose share is %v", spec, name, m.Share(name))
			}
		}
	})
}
