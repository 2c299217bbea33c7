package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
)

var benchsumCommand = command{
	name:     "benchsum",
	synopsis: "[file]",
	summary:  "summarise `go test -bench` output (a file, or stdin): the median of every metric per benchmark, simulator events/s first",
	run:      runBenchsum,
}

// benchLineBytesMax bounds one line of benchmark output; go test never
// comes close, and a longer line is not a benchmark result.
const benchLineBytesMax = 1 << 20

// benchResult is one line of `go test -bench` output:
// "BenchmarkGet-8   1000000   1052 ns/op   48 B/op   2 allocs/op".
type benchResult struct {
	name       string
	iterations int64
	metrics    []benchMetric
}

type benchMetric struct {
	value float64
	unit  string
}

// parseBenchLine reads one result line; ok is false for anything else
// (headers, PASS, log output), which the summary skips.
func parseBenchLine(line string) (r benchResult, ok bool) {
	fields := strings.Fields(line)
	if len(fields) < 4 || len(fields)%2 != 0 || !strings.HasPrefix(fields[0], "Benchmark") {
		return benchResult{}, false
	}
	iterations, err := strconv.ParseInt(fields[1], 10, 64)
	if err != nil || iterations <= 0 {
		return benchResult{}, false
	}
	r = benchResult{name: fields[0], iterations: iterations}
	for i := 2; i < len(fields); i += 2 {
		value, err := strconv.ParseFloat(fields[i], 64)
		if err != nil || math.IsNaN(value) || math.IsInf(value, 0) {
			return benchResult{}, false
		}
		r.metrics = append(r.metrics, benchMetric{value: value, unit: fields[i+1]})
	}
	return r, true
}

// benchSeries gathers every run of one benchmark (go test -count N prints
// it N times).
type benchSeries struct {
	pkg, name string
	runs      int
	units     []string // in first-seen order
	values    map[string][]float64
}

func runBenchsum(_ context.Context, fs *flag.FlagSet, args []string, stdout, _ io.Writer) error {
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	var in io.Reader = os.Stdin
	switch fs.NArg() {
	case 0:
	case 1:
		f, err := os.Open(fs.Arg(0))
		if err != nil {
			return err
		}
		defer f.Close()
		in = f
	default:
		return usagef("want at most one file, got %d arguments", fs.NArg())
	}
	series, err := readBenchSeries(in)
	if err != nil {
		return err
	}
	if len(series) == 0 {
		return fmt.Errorf("no benchmark results in the input")
	}
	writeBenchSummary(stdout, series)
	return nil
}

func readBenchSeries(in io.Reader) ([]*benchSeries, error) {
	var (
		ordered []*benchSeries
		byKey   = map[string]*benchSeries{}
		pkg     string
	)
	scanner := bufio.NewScanner(in)
	scanner.Buffer(make([]byte, 0, 64*1024), benchLineBytesMax)
	for scanner.Scan() {
		line := scanner.Text()
		if p, ok := strings.CutPrefix(line, "pkg: "); ok {
			pkg = strings.TrimSpace(p)
			continue
		}
		r, ok := parseBenchLine(line)
		if !ok {
			continue
		}
		key := pkg + " " + r.name
		s := byKey[key]
		if s == nil {
			s = &benchSeries{pkg: pkg, name: r.name, values: map[string][]float64{}}
			byKey[key] = s
			ordered = append(ordered, s)
		}
		s.runs++
		for _, m := range r.metrics {
			if _, seen := s.values[m.unit]; !seen {
				s.units = append(s.units, m.unit)
			}
			s.values[m.unit] = append(s.values[m.unit], m.value)
		}
	}
	if err := scanner.Err(); err != nil {
		return nil, fmt.Errorf("reading benchmark output: %w", err)
	}
	return ordered, nil
}

func writeBenchSummary(w io.Writer, series []*benchSeries) {
	const eventsUnit = "events/s"
	var simSpeed []*benchSeries
	for _, s := range series {
		if _, ok := s.values[eventsUnit]; ok {
			simSpeed = append(simSpeed, s)
		}
	}
	if len(simSpeed) > 0 {
		fmt.Fprintf(w, "simulator speed (median %s):\n", eventsUnit)
		for _, s := range simSpeed {
			fmt.Fprintf(w, "  %-40s %s\n", s.name, formatMetric(median(s.values[eventsUnit])))
		}
	} else {
		fmt.Fprintf(w, "simulator speed: no benchmark reported %s\n", eventsUnit)
	}

	fmt.Fprintln(w, "\nmedians per benchmark:")
	pkg := "\x00"
	for _, s := range series {
		if s.pkg != pkg {
			pkg = s.pkg
			fmt.Fprintf(w, "%s\n", pkg)
		}
		var cells []string
		for _, unit := range s.units {
			cells = append(cells, formatMetric(median(s.values[unit]))+" "+unit)
		}
		fmt.Fprintf(w, "  %-40s %2d runs  %s\n", s.name, s.runs, strings.Join(cells, "  "))
	}
}

func median(values []float64) float64 {
	if len(values) == 0 {
		panic("median of no values")
	}
	sorted := append([]float64(nil), values...)
	sort.Float64s(sorted)
	mid := len(sorted) / 2
	if len(sorted)%2 == 1 {
		return sorted[mid]
	}
	return (sorted[mid-1] + sorted[mid]) / 2
}

func formatMetric(v float64) string {
	switch abs := math.Abs(v); {
	case abs >= 1e6:
		return strconv.FormatFloat(v/1e6, 'f', 2, 64) + "M"
	case abs >= 1e4:
		return strconv.FormatFloat(v, 'f', 0, 64)
	default:
		return strconv.FormatFloat(v, 'g', 4, 64)
	}
}
