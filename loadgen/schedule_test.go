package loadgen

import (
	"math"
	"strings"
	"testing"
	"time"
)

func sec(s float64) time.Duration { return time.Duration(math.Round(s * 1e9)) }

// The intended start times of each shape, worked out by hand from
// Λ(t) = k.
func TestScheduleIntendedTimes(t *testing.T) {
	sqrt := math.Sqrt
	tests := []struct {
		name      string
		spec      string
		rate      float64
		runLength time.Duration
		// want are the first intended times; at, when set, pins the
		// arrival with that 1-based index.
		want []time.Duration
		at   map[int]time.Duration
	}{
		{name: "constant 4/s", spec: "constant", rate: 4,
			want: []time.Duration{sec(0.25), sec(0.5), sec(0.75), sec(1)}},
		{name: "constant 3/s rounds each time, never the gaps", spec: "constant", rate: 3,
			want: []time.Duration{333333333, 666666667, sec(1)}, at: map[int]time.Duration{3000: 1000 * time.Second}},
		// 1 → 3 over 2s: Λ(t) = t + t²/2, so t_k = −1 + √(1+2k); after 2s (Λ=4) 3/s.
		{name: "ramp up", spec: "ramp:3:2s", rate: 1,
			want: []time.Duration{sec(sqrt(3) - 1), sec(sqrt(5) - 1), sec(sqrt(7) - 1), sec(2), sec(2 + 1.0/3), sec(2 + 2.0/3)}},
		// The ramp's length defaults to the run's: 3→1 over 2s,
		// Λ(t) = 3t − t²/2, t_k = 3 − √(9−2k); Λ(2) = 4, then 1/s.
		{name: "ramp down over the run", spec: "ramp:1", rate: 3, runLength: 2 * time.Second,
			want: []time.Duration{sec(3 - sqrt(7)), sec(3 - sqrt(5)), sec(3 - sqrt(3)), sec(2), sec(3), sec(4)}},
		// Λ(t) = 2t − t²/2: Λ = 1 at 2 − √2, Λ(2) = 2, then nothing.
		{name: "ramp down to zero ends", spec: "ramp:0:2s", rate: 2,
			want: []time.Duration{sec(2 - sqrt(2)), sec(2)}},
		// 1/s in [0,1), 2/s in [1,2), 3/s in [2,3), …
		{name: "step up", spec: "step:1:1s", rate: 1,
			want: []time.Duration{sec(1), sec(1.5), sec(2), sec(2 + 1.0/3), sec(2 + 2.0/3), sec(3), sec(3.25)}},
		// 4/s in [0,1s), 2/s in [1,2), then 0: six arrivals.
		{name: "step down to zero ends", spec: "step:-2/s:1s", rate: 4,
			want: []time.Duration{sec(0.25), sec(0.5), sec(0.75), sec(1), sec(1.5), sec(2)}},
		// Λ(t) = 10t + (10/π)(1 − cos πt) with period 2s: Λ(1) = 10 + 20/π
		// ≈ 16.37, Λ(2) = 20, so arrival 20 is at 2s, 40 at 4s, 60 at 6s
		// (the rate is 10 ± 10).
		{name: "sine", spec: "sine:10:2s", rate: 10,
			at: map[int]time.Duration{20: sec(2), 40: sec(4), 60: sec(6)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec, err := ParseSchedule(tt.spec)
			if err != nil {
				t.Fatal(err)
			}
			a, err := NewArrivals(spec, tt.rate, tt.runLength, nil)
			if err != nil {
				t.Fatal(err)
			}
			last := max(len(tt.want), 0)
			for k := range tt.at {
				last = max(last, k)
			}
			var got []time.Duration
			for range last {
				at, ok := a.Next()
				if !ok {
					break
				}
				got = append(got, at)
			}
			for i, want := range tt.want {
				if i >= len(got) || got[i] != want {
					t.Fatalf("intended times %v, want %v", got, tt.want)
				}
			}
			if len(tt.want) > 0 && len(tt.at) == 0 && len(got) == len(tt.want) {
				if at, ok := a.Next(); ok && strings.Contains(tt.name, "ends") {
					t.Errorf("an arrival at %v after the schedule ended", at)
				}
			}
			for k, want := range tt.at {
				if k > len(got) {
					t.Fatalf("only %d arrivals, want arrival %d", len(got), k)
				}
				// A time computed by a root search may be off the exact
				// rational one by a nanosecond of rounding.
				if d := got[k-1] - want; d < -1 || d > 1 {
					t.Errorf("arrival %d at %v, want %v", k, got[k-1], want)
				}
			}
		})
	}
}

// Whatever the shape, Λ at each intended time is its mark (1, 2, 3, …)
// to within a nanosecond of rate, and times never go backwards.
func TestScheduleMeetsItsIntegral(t *testing.T) {
	specs := []string{"constant", "ramp:5000:3s", "ramp:10:3s", "step:700:500ms", "step:-300:1s", "sine:900:1500ms", "sine:1000:700ms"}
	for _, text := range specs {
		spec, err := ParseSchedule(text)
		if err != nil {
			t.Fatal(err)
		}
		a, err := NewArrivals(spec, 1000, 10*time.Second, nil)
		if err != nil {
			t.Fatal(err)
		}
		var previous time.Duration
		for k := 1; k <= 20000; k++ {
			at, ok := a.Next()
			if !ok {
				break
			}
			if at < previous {
				t.Fatalf("%s: arrival %d at %v before the previous one at %v", text, k, at, previous)
			}
			previous = at
			// Rounding to whole nanoseconds moves Λ by at most rate·0.5ns.
			slack := a.RatePerSec(at)*1e-9 + 1e-6
			if got := a.Expected(at); math.Abs(got-float64(k)) > slack {
				t.Fatalf("%s: Λ(%v) = %.9f at arrival %d", text, at, got, k)
			}
		}
	}
}

func TestScheduleConstantHasNoDrift(t *testing.T) {
	gap, err := Schedule("constant", 3, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	var total time.Duration
	gaps := map[time.Duration]bool{}
	for range 3000 {
		g, _ := gap()
		gaps[g] = true
		total += g
	}
	if total != 1000*time.Second {
		t.Errorf("3000 requests at 3/s took %v, want exactly 1000s", total)
	}
	if len(gaps) > 2 {
		t.Errorf("constant gaps vary by more than rounding: %v", gaps)
	}
}

func TestSchedulePoisson(t *testing.T) {
	const rate, arrivals = 1000.0, 100_000
	gap, err := Schedule("poisson", rate, 0, seeded(12))
	if err != nil {
		t.Fatal(err)
	}
	var sum, sumSquares float64
	for range arrivals {
		g, _ := gap()
		if g < 0 {
			t.Fatalf("negative gap %v", g)
		}
		sum += g.Seconds()
		sumSquares += g.Seconds() * g.Seconds()
	}
	mean := sum / arrivals
	stddev := math.Sqrt(sumSquares/arrivals - mean*mean)
	// Exponential gaps: the mean is 1/rate and so is the standard deviation.
	if math.Abs(mean-1/rate) > 0.02/rate || math.Abs(stddev-1/rate) > 0.03/rate {
		t.Errorf("gaps mean %.6fs stddev %.6fs, want both %.6fs", mean, stddev, 1/rate)
	}
}

func TestScheduleErrors(t *testing.T) {
	cases := []struct {
		kind      string
		rate      float64
		runLength time.Duration
		wantErr   string
	}{
		{"constant", 0, 0, "want 0 < rate"},
		{"constant", -5, 0, "want 0 < rate"},
		{"constant", math.NaN(), 0, "want 0 < rate"},
		{"constant", math.Inf(1), 0, "want 0 < rate"},
		{"poisson", 10, 0, "needs a random source"},
		{"bursty", 10, 0, `unknown kind "bursty"`},
		{"constant:5", 10, 0, "takes no arguments"},
		{"ramp", 10, 0, "want ramp:TO"},
		{"ramp:100", 10, 0, "needs a length"},
		{"ramp:-1:1s", 10, 0, "want a rate ≥ 0"},
		{"ramp:2e9:1s", 10, 0, "want a rate within"},
		{"ramp:fast:1s", 10, 0, "not a rate"},
		{"ramp:0x10:1s", 10, 0, "not a rate"},
		{"ramp:100:soon", 10, 0, "not a duration"},
		{"ramp:100:-1s", 10, 0, "want > 0"},
		{"step:100", 10, 0, "want step:BY:EVERY"},
		{"step:100:0s", 10, 0, "want > 0"},
		{"sine:20:1s", 10, 0, "amplitude ≤ the rate"},
		{"sine:5", 10, 0, "want sine:AMPLITUDE:PERIOD"},
		{"sine:5:1s:9", 10, 0, "want sine:AMPLITUDE:PERIOD"},
		{"poisson:poisson", 10, 0, "poisson is given once"},
		{"poisson:", 10, 0, `poisson:SHAPE: unknown kind ""`},
		{"poisson:ramp", 10, 0, "poisson:SHAPE: want ramp:TO"},
		{"poisson:sine:20:1s", 10, 0, "amplitude ≤ the rate"},
		{"poisson:constant:5", 10, 0, "takes no arguments"},
		{"ramp:100:1s:poisson", 10, 0, "want ramp:TO or ramp:TO:OVER"},
	}
	for _, c := range cases {
		if _, err := Schedule(c.kind, c.rate, c.runLength, nil); err == nil || !strings.Contains(err.Error(), c.wantErr) {
			t.Errorf("Schedule(%q, %v) error %v, want %q", c.kind, c.rate, err, c.wantErr)
		}
	}
}

func TestScheduleSpecRoundTrip(t *testing.T) {
	for _, text := range []string{"constant", "poisson", "ramp:5000", "ramp:5000:30s", "step:-250:5s", "sine:400:1m0s", "poisson:ramp:5000:30s", "poisson:step:-250:5s", "poisson:sine:400:1m0s"} {
		spec, err := ParseSchedule(text)
		if err != nil {
			t.Fatal(err)
		}
		if spec.String() != text {
			t.Errorf("ParseSchedule(%q).String() = %q", text, spec.String())
		}
	}
}

func FuzzParseSchedule(f *testing.F) {
	for _, s := range []string{"constant", "poisson", "ramp:5000:30s", "ramp:1e3", "step:-250/s:5s", "sine:400:1m", "sine::", "ramp:1:1ns", "step:1e9:1ns", "poisson:ramp:0:2s", "poisson:step:-1:1ms", "poisson:constant", "poisson:poisson"} {
		f.Add(s, 100.0)
	}
	f.Fuzz(func(t *testing.T, text string, rate float64) {
		spec, err := ParseSchedule(text)
		if err != nil {
			return
		}
		again, err := ParseSchedule(spec.String())
		if err != nil || again != spec {
			t.Fatalf("%q → %q → %+v, %v", text, spec.String(), again, err)
		}
		a, err := NewArrivals(spec, rate, time.Second, seeded(1))
		if err != nil {
			return
		}
		var previous time.Duration
		for range 100 {
			at, ok := a.Next()
			if !ok {
				return
			}
			if at < previous {
				t.Fatalf("%q at %v: arrival at %v before %v", text, rate, at, previous)
			}
			previous = at
		}
	})
}
