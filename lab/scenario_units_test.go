package lab

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"250ms", 250 * time.Millisecond, true},
		{"200us", 200 * time.Microsecond, true},
		{"200µs", 200 * time.Microsecond, true},
		{"200μs", 200 * time.Microsecond, true},
		{"1m30s", 90 * time.Second, true},
		{"-2s", -2 * time.Second, true},
		{"0", 0, true},
		{"60", 0, false},
		{"1d", 0, false},
		{"", 0, false},
		{"9999999999h", 0, false},
	} {
		got, err := ParseDuration(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v, ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func TestParseRate(t *testing.T) {
	for _, tc := range []struct {
		in        string
		perSecond float64 // 0: want an error
	}{
		{"2000/s", 2000},
		{"120/m", 2},
		{"1/10s", 0.1},
		{"0.5/s", 0.5},
		{"3600/h", 1},
		{"1/10us", 100000},
		{" 5 / s ", 5},
		{"2000", 0},
		{"0/s", 0},
		{"-1/s", 0},
		{"1/0s", 0},
		{"1/-1s", 0},
		{"NaN/s", 0},
		{"Inf/s", 0},
		{"fast/s", 0},
		{"1/fortnight", 0},
		{"2/ns", 0}, // faster than virtual time resolves
	} {
		r, err := ParseRate(tc.in)
		switch {
		case tc.perSecond == 0 && err == nil:
			t.Errorf("ParseRate(%q) = %v, want an error", tc.in, r)
		case tc.perSecond != 0 && (err != nil || math.Abs(r.PerSecond()-tc.perSecond) > 1e-9*tc.perSecond):
			t.Errorf("ParseRate(%q) = %v/s, %v; want %v/s", tc.in, r.PerSecond(), err, tc.perSecond)
		case err == nil:
			back, err := ParseRate(r.String())
			if err != nil || back != r {
				t.Errorf("ParseRate(%q).String() = %q does not read back: %v, %v", tc.in, r.String(), back, err)
			}
		}
	}
	if got := (Rate{Count: 2000, Per: time.Second}).Interval(); got != 500*time.Microsecond {
		t.Errorf("Interval of 2000/s = %v, want 500µs", got)
	}
}

func TestParseKeyDistribution(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want KeyDistribution
		ok   bool
	}{
		{"uniform", KeyDistribution{Kind: KeysUniform}, true},
		{"zipf:0.99", KeyDistribution{Kind: KeysZipf, ZipfS: 0.99}, true},
		{"hotspot:0.01:0.9", KeyDistribution{Kind: KeysHotspot, HotFraction: 0.01, HotShare: 0.9}, true},
		{"latest", KeyDistribution{Kind: KeysLatest}, true},
		{"sequential", KeyDistribution{Kind: KeysSequential}, true},
		{"zipf", KeyDistribution{}, false},
		{"zipf:0", KeyDistribution{}, false},
		{"zipf:x", KeyDistribution{}, false},
		{"hotspot:0.01", KeyDistribution{}, false},
		{"hotspot:0:0.5", KeyDistribution{}, false},
		{"hotspot:0.5:1.5", KeyDistribution{}, false},
		{"uniform:1", KeyDistribution{}, false},
		{"zipfian", KeyDistribution{}, false},
	} {
		got, err := ParseKeyDistribution(tc.in)
		if (err == nil) != tc.ok || (tc.ok && got != tc.want) {
			t.Errorf("ParseKeyDistribution(%q) = %+v, %v; want %+v ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
		if tc.ok && got.String() != tc.in {
			t.Errorf("String() = %q, want %q", got.String(), tc.in)
		}
	}
}

func TestSuggest(t *testing.T) {
	known := []string{"name", "partition", "pause", "at", "after", "for"}
	for _, tc := range []struct{ word, want string }{
		{"parition", ` (did you mean "partition"?)`},
		{"partiton", ` (did you mean "partition"?)`},
		{"paritiion", ` (did you mean "partition"?)`},
		{"nmae", ` (did you mean "name"?)`},
		{"Name", ` (did you mean "name"?)`},
		{"fo", ` (did you mean "for"?)`},
		{"x", ""},
		{"zzzzzz", ""},
		{"partitionss", ` (did you mean "partition"?)`},
		{"partitionsss", ""},
	} {
		if got := suggest(tc.word, known); got != tc.want {
			t.Errorf("suggest(%q) = %q, want %q", tc.word, got, tc.want)
		}
	}
}

// TestDelaySample checks each distribution's sample mean and spread over
// a fixed seed; the bounds are loose enough that only a wrong formula
// (not sampling noise) breaks them.
func TestDelaySample(t *testing.T) {
	const samples = 200000
	ms := float64(time.Millisecond)
	for _, tc := range []struct {
		d                Delay
		wantMean, wantSD float64 // in ms
	}{
		{Delay{Kind: DelayConstant, Mean: 2 * time.Millisecond}, 2, 0},
		{Delay{Kind: DelayUniform, Min: time.Millisecond, Max: 3 * time.Millisecond}, 2, 2 / math.Sqrt(12)},
		{Delay{Kind: DelayNormal, Mean: 10 * time.Millisecond, Stddev: time.Millisecond}, 10, 1},
		{Delay{Kind: DelayExponential, Mean: 5 * time.Millisecond}, 5, 5},
		{Delay{Kind: DelayLognormal, Mean: 4 * time.Millisecond, Stddev: 2 * time.Millisecond}, 4, 2},
	} {
		r := rand.New(rand.NewPCG(1, 2))
		var sum, sumSq float64
		for range samples {
			v := float64(tc.d.Sample(r)) / ms
			if v < 0 {
				t.Fatalf("%s: negative sample %v", tc.d.Kind, v)
			}
			sum += v
			sumSq += v * v
		}
		mean := sum / samples
		sd := math.Sqrt(math.Max(0, sumSq/samples-mean*mean))
		if math.Abs(mean-tc.wantMean) > 0.02*tc.wantMean || math.Abs(sd-tc.wantSD) > 0.03*tc.wantMean {
			t.Errorf("%s: mean %.4fms sd %.4fms, want %.4fms sd %.4fms", tc.d.Kind, mean, sd, tc.wantMean, tc.wantSD)
		}
	}
}

func TestDelaySampleClampsAtZero(t *testing.T) {
	d := Delay{Kind: DelayNormal, Mean: time.Microsecond, Stddev: time.Millisecond}
	r := rand.New(rand.NewPCG(3, 4))
	zeros := 0
	for range 1000 {
		v := d.Sample(r)
		if v < 0 {
			t.Fatalf("negative delay %v", v)
		}
		if v == 0 {
			zeros++
		}
	}
	if zeros == 0 {
		t.Errorf("a normal delay with mean far below its stddev never clamped to zero")
	}
}
