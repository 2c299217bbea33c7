package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"go/format"
	"io"
	"os"
	"sort"
	"strings"
)

var calibrateCommand = command{
	name:     "calibrate",
	synopsis: "BENCHFILE [--out FILE]",
	summary:  "turn the cache core's per-command benchmarks into its sim CPU cost table (make calibrate)",
	run:      runCalibrate,
}

// calibratedBenchmarks maps each per-command benchmark of engines/cache
// (one command per iteration, replies discarded, no network or disk) to
// the command it times. Benchmarks of several commands per iteration
// (MULTI/EXEC, push+pop pairs) or of variable work (SCAN, ranges) are left
// out: their cost depends on arguments the table does not see.
var calibratedBenchmarks = map[string]string{
	"BenchmarkNodeGet":       "get",
	"BenchmarkNodeSet":       "set",
	"BenchmarkNodeHget":      "hget",
	"BenchmarkNodeHset":      "hset",
	"BenchmarkNodeSadd":      "sadd",
	"BenchmarkNodeSismember": "sismember",
	"BenchmarkNodeZadd":      "zadd",
	"BenchmarkNodeZscore":    "zscore",
	"BenchmarkNodeZrank":     "zrank",
	"BenchmarkNodeZincrby":   "zincrby",
	"BenchmarkNodeIncr":      "incr",
	// Lists (engines/cache/bench_families_test.go).
	"BenchmarkNodeLpush":  "lpush",
	"BenchmarkNodeRpush":  "rpush",
	"BenchmarkNodeLpop":   "lpop",
	"BenchmarkNodeRpop":   "rpop",
	"BenchmarkNodeLlen":   "llen",
	"BenchmarkNodeLindex": "lindex",
}

// calibrateClassOf says which cost class each calibrated command stands
// for: the class cost is the median over its commands, and covers every
// command of the class the benchmarks do not time.
var calibrateClassOf = map[string]string{
	"get": "read", "hget": "read", "sismember": "read", "zscore": "read", "zrank": "read",
	"set": "write", "hset": "write", "sadd": "write", "zadd": "write",
	"zincrby": "write", "incr": "write", "lpush": "write", "rpush": "write", "lpop": "write", "rpop": "write",
	"llen": "read", "lindex": "read",
}

// transportBenchmark times a GET through the live transport (cachelab's
// BenchmarkLiveGetRoundTrip), reporting the process's CPU per round trip
// as cpu-ns/op: client and server side of the transport, plus the GET.
const (
	transportBenchmark = "BenchmarkLiveGetRoundTrip"
	transportCPUUnit   = "cpu-ns/op"
)

// calibratedNsMax bounds a command's calibrated cost: a single command of
// these benchmarks taking a second would mean the output is not what it
// seems.
const calibratedNsMax = 1e9

func runCalibrate(_ context.Context, fs *flag.FlagSet, args []string, stdout, _ io.Writer) error {
	out := fs.String("out", "", "write the Go file here (default: stdout)")
	files, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(files) != 1 {
		return usagef("want exactly one file of `go test -bench` output")
	}
	raw, err := os.ReadFile(files[0])
	if err != nil {
		return badInputError{err}
	}
	src, err := calibratedCostSource(raw)
	if err != nil {
		return badInputError{fmt.Errorf("%s: %w", files[0], err)}
	}
	if *out == "" {
		_, err = stdout.Write(src)
		return err
	}
	if err := os.WriteFile(*out, src, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s\n", *out)
	return nil
}

// calibratedCostSource renders engines/cache/cost_calibrated.go from
// benchmark output: each command's median ns/op, and per class the median
// of its commands' medians.
func calibratedCostSource(benchOutput []byte) ([]byte, error) {
	series, err := readBenchSeries(bytes.NewReader(benchOutput))
	if err != nil {
		return nil, err
	}
	machine := benchMachine(benchOutput)
	perCommand := map[string]float64{}
	runs := map[string]int{}
	var roundTripCPU []float64
	for _, s := range series {
		name := s.name
		if i := strings.LastIndexByte(name, '-'); i > 0 { // the -GOMAXPROCS suffix
			name = name[:i]
		}
		if name == transportBenchmark {
			roundTripCPU = s.values[transportCPUUnit]
			continue
		}
		cmd, ok := calibratedBenchmarks[name]
		if !ok {
			continue
		}
		ns, ok := s.values["ns/op"]
		if !ok || len(ns) == 0 {
			continue
		}
		v := median(ns)
		if !(v > 0) || v > calibratedNsMax {
			return nil, fmt.Errorf("%s: median %v ns/op is not a plausible cost of one command", s.name, v)
		}
		perCommand[cmd] = v
		runs[cmd] = len(ns)
	}
	classes := map[string][]float64{}
	for cmd, v := range perCommand {
		classes[calibrateClassOf[cmd]] = append(classes[calibrateClassOf[cmd]], v)
	}
	for _, class := range []string{"read", "write"} {
		if len(classes[class]) == 0 {
			return nil, fmt.Errorf("no %s benchmark with ns/op among %s: run `make calibrate`, which runs them", class, benchmarkNames())
		}
	}
	if len(roundTripCPU) == 0 {
		return nil, fmt.Errorf("no %s with %s: run `make calibrate`, which runs it", transportBenchmark, transportCPUUnit)
	}
	// The round trip's CPU is the GET plus the transport's work on both
	// sides, which do the same steps (read, decode, hand to the loop,
	// encode, write): the server's share is half of what is left.
	roundTrip := median(roundTripCPU)
	perMessage := (roundTrip - perCommand["get"]) / 2
	if !(perMessage > 0) || roundTrip > calibratedNsMax {
		return nil, fmt.Errorf("%s: median %v %s against GET's %v ns/op leaves no plausible transport cost", transportBenchmark, roundTrip, transportCPUUnit, perCommand["get"])
	}
	cmds := make([]string, 0, len(perCommand))
	for c := range perCommand {
		cmds = append(cmds, c)
	}
	sort.Strings(cmds)

	var b bytes.Buffer
	b.WriteString("// Code generated by `make calibrate` (syslab calibrate); DO NOT EDIT.\n\n")
	b.WriteString("package cache\n\n")
	b.WriteString(`// How these figures were made: ` + "`make calibrate`" + ` runs, 5 times each,
// the cache core's per-command benchmarks (BenchmarkNode…: one command per
// iteration through Node.Receive, replies discarded, no network, no disk)
// and cachelab's BenchmarkLiveGetRoundTrip (GETs one at a time between a
// client runtime and a cache node runtime over loopback TCP, as a live run
// sends them), and ` + "`syslab calibrate`" + ` keeps the median of each.
//
// The mapping to virtual time is one to one: a command whose handler took a
// median of N ns keeps its simulated node busy N ns of virtual time, plus
// calibratedMessageCost for every message the node takes off the network:
// half of what the round trip cost in CPU beyond the GET (process CPU time
// by getrusage, user + system, both runtimes — robust to other processes
// taking the cores, which wall time is not), since client and server do
// the same transport steps (read, decode, hand to the event loop, encode,
// write). Wire time is not here: the simulator's links carry it (the
// fidelity report fits them to a loopback round trip it measures). A class
// cost (read, write) is the median of its benchmarked commands and prices
// every command of the class without a benchmark of its own.
//
`)
	fmt.Fprintf(&b, "// Measured on: %s.\n\n", machine)
	b.WriteString("import \"time\"\n\n")
	fmt.Fprintf(&b, "const (\n\tcalibratedReadFast = %s // median of %s\n\tcalibratedWriteFast = %s // median of %s\n",
		nsLiteral(median(classes["read"])), classMembers(perCommand, "read"),
		nsLiteral(median(classes["write"])), classMembers(perCommand, "write"))
	fmt.Fprintf(&b, "\t// calibratedMessageCost: (median %.0f cpu-ns per GET round trip, %d runs, - GET) / 2\n\tcalibratedMessageCost = %s\n)\n\n",
		roundTrip, len(roundTripCPU), nsLiteral(perMessage))
	b.WriteString("// calibratedCommandCost is each benchmarked command's median virtual CPU\n// cost, by lower-case command name.\n")
	b.WriteString("var calibratedCommandCost = map[string]time.Duration{\n")
	for _, c := range cmds {
		fmt.Fprintf(&b, "\t%q: %s, // %d runs\n", c, nsLiteral(perCommand[c]), runs[c])
	}
	b.WriteString("}\n")
	return format.Source(b.Bytes())
}

func nsLiteral(ns float64) string {
	return fmt.Sprintf("%d * time.Nanosecond", int64(ns+0.5))
}

func classMembers(perCommand map[string]float64, class string) string {
	var names []string
	for c := range perCommand {
		if calibrateClassOf[c] == class {
			names = append(names, strings.ToUpper(c))
		}
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

func benchmarkNames() string {
	names := make([]string, 0, len(calibratedBenchmarks))
	for n := range calibratedBenchmarks {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// benchMachine describes where the benchmarks ran, from go test's header
// lines ("goos: linux", "goarch: amd64", "cpu: …").
func benchMachine(out []byte) string {
	var parts []string
	for _, line := range strings.Split(string(out), "\n") {
		for _, key := range []string{"goos: ", "goarch: ", "cpu: "} {
			if v, ok := strings.CutPrefix(line, key); ok && len(parts) < 3 {
				parts = append(parts, sanitizeComment(strings.TrimSpace(v)))
			}
		}
	}
	if len(parts) == 0 {
		return "an unnamed machine (no goos/goarch/cpu lines in the input)"
	}
	return strings.Join(parts, ", ")
}

// sanitizeComment keeps text that goes into a // comment printable and on
// one line.
func sanitizeComment(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, s)
	if len(s) > 120 {
		s = s[:120]
	}
	return strings.ToValidUTF8(s, "?")
}
