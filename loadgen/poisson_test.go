package loadgen

import (
	"math"
	"slices"
	"testing"
	"time"
)

// Shaped Poisson arrivals are a non-homogeneous Poisson process: the count
// in any window [a, b) is Poisson with mean Λ(b) − Λ(a), whatever the
// shape. The test counts arrivals in windows over many seeds and checks
// both halves of that against Λ worked out by hand (not the code's own
// integral): the mean count of each window, and the spread of the counts
// (a Poisson count's variance equals its mean, which even spacing, with
// almost no variance, fails). The seeds are fixed, so the test gives the
// same answer every run; its bounds are 5 standard deviations, so a
// correct process fails them with a probability below 10⁻⁵ per check.
func TestPoissonShapesFollowTheirRate(t *testing.T) {
	const (
		seeds  = 200
		window = 250 * time.Millisecond
		span   = 4 * time.Second
		zMax   = 5.0
	)
	tests := []struct {
		spec string
		rate float64
		// integral is Λ(t), t in seconds, worked out by hand.
		integral func(t float64) float64
	}{
		{"poisson", 2000, func(t float64) float64 { return 2000 * t }},
		// 1000 → 5000 over 2s, then 5000/s.
		{"poisson:ramp:5000:2s", 1000, func(t float64) float64 {
			if t <= 2 {
				return 1000*t + 1000*t*t
			}
			return 6000 + 5000*(t-2)
		}},
		// 4000 → 0 over 3s, then nothing: Λ stops at 6000.
		{"poisson:ramp:0:3s", 4000, func(t float64) float64 {
			t = min(t, 3)
			return 4000*t - 4000*t*t/6
		}},
		// 1000/s in [0,1s), 2000 in [1,2), 3000 in [2,3), 4000 in [3,4).
		{"poisson:step:1000:1s", 1000, func(t float64) float64 {
			whole := math.Floor(t)
			return 1000*whole*(whole+1)/2 + 1000*(whole+1)*(t-whole)
		}},
		// 3000 ± 2000 with a 1.5s period.
		{"poisson:sine:2000:1500ms", 3000, func(t float64) float64 {
			return 3000*t + 2000*1.5/(2*math.Pi)*(1-math.Cos(2*math.Pi*t/1.5))
		}},
	}
	windows := int(span / window)
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			expected := make([]float64, windows)
			for w := range expected {
				a, b := (time.Duration(w) * window).Seconds(), (time.Duration(w+1) * window).Seconds()
				expected[w] = tt.integral(b) - tt.integral(a)
			}
			counts := windowCounts(t, tt.spec, tt.rate, span, window, seeds)
			fit := fitPoisson(counts, expected)
			t.Logf("worst window mean %.2fσ off, spread %.2fσ off", fit.meanZMax, fit.spreadZ)
			if fit.meanZMax > zMax || math.Abs(fit.spreadZ) > zMax {
				t.Errorf("counts per %v window over %d seeds do not fit Poisson(Λ): worst window mean %.1fσ off, spread %.1fσ off (means %v, want %v)",
					window, seeds, fit.meanZMax, fit.spreadZ, fit.means, expected)
			}

			// The same check must reject what is not this process: the
			// shape with even spacing (right means, no spread) …
			shape := "constant"
			if tt.spec != "poisson" {
				shape = tt.spec[len("poisson:"):]
			}
			even := windowCounts(t, shape, tt.rate, span, window, seeds)
			if f := fitPoisson(even, expected); math.Abs(f.spreadZ) <= zMax {
				t.Errorf("even spacing passed as Poisson: spread %.1fσ off", f.spreadZ)
			}
			// … and Poisson arrivals at the base rate throughout, where
			// the shape changes the rate (the right spread, wrong means).
			if tt.spec != "poisson" {
				flat := windowCounts(t, "poisson", tt.rate, span, window, seeds)
				if f := fitPoisson(flat, expected); f.meanZMax <= zMax {
					t.Errorf("a constant rate passed as %s: worst window mean only %.1fσ off", tt.spec, f.meanZMax)
				}
			}
		})
	}
}

// windowCounts runs the schedule once per seed (1…seeds) and counts its
// arrivals in each window of [0, span).
func windowCounts(t *testing.T, text string, rate float64, span, window time.Duration, seeds int) [][]int {
	t.Helper()
	spec, err := ParseSchedule(text)
	if err != nil {
		t.Fatal(err)
	}
	counts := make([][]int, seeds)
	for s := range counts {
		a, err := NewArrivals(spec, rate, 0, seeded(uint64(s+1)))
		if err != nil {
			t.Fatal(err)
		}
		counts[s] = make([]int, span/window)
		for {
			at, ok := a.Next()
			if !ok || at >= span {
				break
			}
			counts[s][at/window]++
		}
	}
	return counts
}

type poissonFit struct {
	means []float64
	// meanZMax is the largest distance, in standard errors, of a window's
	// mean count over the seeds from its expected count.
	meanZMax float64
	// spreadZ is how far Pearson's statistic Σ (N − μ)²/μ over every seed
	// and window is from its mean under Poisson counts, in its standard
	// deviations: for a Poisson N, (N − μ)²/μ has mean 1 and variance
	// 2 + 1/μ.
	spreadZ float64
}

func fitPoisson(counts [][]int, expected []float64) poissonFit {
	f := poissonFit{means: make([]float64, len(expected))}
	var pearson, mean, variance float64
	for w, mu := range expected {
		if mu == 0 {
			// Nothing is due: any arrival at all is a miss by far.
			for s := range counts {
				f.means[w] += float64(counts[s][w]) / float64(len(counts))
			}
			if f.means[w] > 0 {
				f.meanZMax = math.Inf(1)
			}
			continue
		}
		for s := range counts {
			n := float64(counts[s][w])
			f.means[w] += n / float64(len(counts))
			pearson += (n - mu) * (n - mu) / mu
			mean++
			variance += 2 + 1/mu
		}
		f.meanZMax = max(f.meanZMax, math.Abs(f.means[w]-mu)/math.Sqrt(mu/float64(len(counts))))
	}
	f.spreadZ = (pearson - mean) / math.Sqrt(variance)
	return f
}

// A seed gives the same arrivals every time; another seed gives others.
func TestPoissonShapeIsDeterministic(t *testing.T) {
	for _, text := range []string{"poisson", "poisson:ramp:5000:2s", "poisson:step:-500:1s", "poisson:sine:900:700ms"} {
		spec, err := ParseSchedule(text)
		if err != nil {
			t.Fatal(err)
		}
		run := func(seed uint64) []time.Duration {
			a, err := NewArrivals(spec, 1000, 3*time.Second, seeded(seed))
			if err != nil {
				t.Fatal(err)
			}
			var times []time.Duration
			for range 2000 {
				at, ok := a.Next()
				if !ok {
					break
				}
				times = append(times, at)
			}
			return times
		}
		first, again, other := run(7), run(7), run(8)
		if !slices.Equal(first, again) {
			t.Errorf("%s: seed 7 gave two different schedules", text)
		}
		if slices.Equal(first, other) {
			t.Errorf("%s: seeds 7 and 8 gave the same schedule", text)
		}
	}
}
