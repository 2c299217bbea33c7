package main

import (
	"math"
	"strings"
	"testing"
)

func TestParseBenchLine(t *testing.T) {
	tests := []struct {
		line    string
		ok      bool
		name    string
		metrics []benchMetric
	}{
		{"BenchmarkGet-8   	 1000000	      1052 ns/op	      48 B/op	       2 allocs/op", true, "BenchmarkGet-8",
			[]benchMetric{{1052, "ns/op"}, {48, "B/op"}, {2, "allocs/op"}}},
		{"BenchmarkPingPong 100 12.5 ns/op 2.4e+06 events/s", true, "BenchmarkPingPong",
			[]benchMetric{{12.5, "ns/op"}, {2.4e6, "events/s"}}},
		{"BenchmarkGet-8 --- FAIL: something", false, "", nil},
		{"BenchmarkGet-8", false, "", nil},
		{"BenchmarkGet-8 0 10 ns/op", false, "", nil},
		{"BenchmarkGet-8 -5 10 ns/op", false, "", nil},
		{"BenchmarkGet-8 10 NaN ns/op", false, "", nil},
		{"BenchmarkGet-8 10 +Inf ns/op", false, "", nil},
		{"BenchmarkGet-8 10 10 ns/op 5", false, "", nil},
		{"ok  	syslab/sim	1.2s", false, "", nil},
		{"PASS", false, "", nil},
		{"", false, "", nil},
	}
	for _, tt := range tests {
		r, ok := parseBenchLine(tt.line)
		if ok != tt.ok {
			t.Errorf("parseBenchLine(%q) ok = %v, want %v", tt.line, ok, tt.ok)
			continue
		}
		if !ok {
			continue
		}
		if r.name != tt.name || len(r.metrics) != len(tt.metrics) {
			t.Errorf("parseBenchLine(%q) = %+v, want name %q metrics %v", tt.line, r, tt.name, tt.metrics)
			continue
		}
		for i := range tt.metrics {
			if r.metrics[i] != tt.metrics[i] {
				t.Errorf("parseBenchLine(%q) metric %d = %v, want %v", tt.line, i, r.metrics[i], tt.metrics[i])
			}
		}
	}
}

func TestMedian(t *testing.T) {
	tests := []struct {
		values []float64
		want   float64
	}{
		{[]float64{3}, 3},
		{[]float64{5, 1, 3}, 3},
		{[]float64{4, 1, 3, 2}, 2.5},
	}
	for _, tt := range tests {
		if got := median(tt.values); got != tt.want {
			t.Errorf("median(%v) = %v, want %v", tt.values, got, tt.want)
		}
	}
}

func TestFormatMetric(t *testing.T) {
	tests := []struct {
		v    float64
		want string
	}{
		{0, "0"},
		{0.25, "0.25"},
		{412.3, "412.3"},
		{12345, "12345"},
		{2_431_000, "2.43M"},
	}
	for _, tt := range tests {
		if got := formatMetric(tt.v); got != tt.want {
			t.Errorf("formatMetric(%v) = %q, want %q", tt.v, got, tt.want)
		}
	}
}

// FuzzParseBenchLine: any line is either skipped or parsed into a result
// whose fields are sane, and summarising it never panics.
func FuzzParseBenchLine(f *testing.F) {
	for _, seed := range []string{
		"BenchmarkGet-8   	 1000000	      1052 ns/op	      48 B/op	       2 allocs/op",
		"BenchmarkPingPong 100 12.5 ns/op 2.4e+06 events/s",
		"BenchmarkX 1 1e309 ns/op",
		"BenchmarkX 9223372036854775807 -0 x",
		"pkg: syslab/sim",
		"PASS",
		"",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, line string) {
		r, ok := parseBenchLine(line)
		if ok {
			if !strings.HasPrefix(r.name, "Benchmark") || r.iterations <= 0 || len(r.metrics) == 0 {
				t.Fatalf("parseBenchLine(%q) accepted a bad result %+v", line, r)
			}
			for _, m := range r.metrics {
				if math.IsNaN(m.value) || math.IsInf(m.value, 0) || m.unit == "" {
					t.Fatalf("parseBenchLine(%q) kept metric %+v", line, m)
				}
			}
		}
		series, err := readBenchSeries(strings.NewReader(line))
		if err != nil {
			return // an over-long line is an error, not a panic
		}
		writeBenchSummary(&strings.Builder{}, series)
	})
}
