package loadgen

import (
	"strings"
	"testing"
)

func TestParseValueSize(t *testing.T) {
	cases := []struct {
		spec     string
		min, max int
		wantErr  string
	}{
		{spec: "100", min: 100, max: 100},
		{spec: "constant:0", min: 0, max: 0},
		{spec: "uniform:10:20", min: 10, max: 20},
		{spec: "uniform:7:7", min: 7, max: 7},
		{spec: "uniform:20:10", wantErr: "min 20 is above max 10"},
		{spec: "uniform:10", wantErr: "want uniform:MIN:MAX"},
		{spec: "constant:1:2", wantErr: "want constant:BYTES"},
		{spec: "-5", wantErr: "want a whole number"},
		{spec: "constant:600000000", wantErr: "from 0 to 536870912"},
		{spec: "normal:10:2", wantErr: `unknown kind "normal"`},
		{spec: "", wantErr: "unknown kind"},
	}
	for _, c := range cases {
		sizes, err := ParseValueSize(c.spec)
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("ParseValueSize(%q) error %v, want %q", c.spec, err, c.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseValueSize(%q): %v", c.spec, err)
			continue
		}
		r := seeded(3)
		seen := map[int]bool{}
		for range 1000 {
			n := sizes.Next(r)
			if n < c.min || n > c.max {
				t.Fatalf("%q gave %d, want [%d, %d]", c.spec, n, c.min, c.max)
			}
			seen[n] = true
		}
		if !seen[c.min] || !seen[c.max] {
			t.Errorf("%q never gave its bounds %d and %d in 1000 draws", c.spec, c.min, c.max)
		}
	}
}

func FuzzParseValueSize(f *testing.F) {
	for _, s := range []string{"100", "constant:5", "uniform:1:10", "uniform:0:536870912", "x:1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		sizes, err := ParseValueSize(spec)
		if err != nil {
			return
		}
		r := seeded(1)
		for range 10 {
			if n := sizes.Next(r); n < 0 || n > valueBytesMax {
				t.Fatalf("%q gave size %d", spec, n)
			}
		}
	})
}
