package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"time"

	"syslab/loadgen"
	"syslab/loadgen/live"
	"syslab/reports"
)

var loadCommand = command{
	name:     "load",
	synopsis: "--target redis://HOST:PORT|http://HOST:PORT/path/{key} [--header 'Name: value']… --workload NAME (--rate N [--schedule S] | --closed N) [--duration 30s] [--p99 1ms] [--out DIR] [--metrics-addr ADDR]",
	summary:  "drive a live RESP or HTTP server with open-loop (or closed-loop) load and write its report; exit 1 if a goal is missed, 2 on bad input",
	run:      runLoad,
}

// keyCountMax bounds --keys: a key index must fit the workload's int and
// the zipfian's precomputation stays quick.
const keyCountMax = 1 << 31

func runLoad(ctx context.Context, fs *flag.FlagSet, args []string, stdout, stderr io.Writer) error {
	targetURL := fs.String("target", "redis://127.0.0.1:6379", "server `URL`: redis://[[user]:password@]host[:port][/db], or http(s)://host[:port]/path where {key} in the path or query stands for each request's key (sent by vegeta's attacker)")
	method := fs.String("method", "GET", "HTTP targets: request method")
	body := fs.String("body", "", "HTTP targets: request body; {key} stands for the key")
	var headers []string
	fs.Func("header", "HTTP targets: `\"Name: value\"` added to every request, as curl -H; repeat for more", func(v string) error {
		headers = append(headers, v)
		return nil
	})
	workloadName := fs.String("workload", "ycsb-a", "workload: "+strings.Join(loadgen.WorkloadNames(), ", ")+" (ycsb-e, scans, is not supported); for an http:// target only its keys are used, every request is --method")
	rate := fs.Float64("rate", 0, "open loop: operations per second to start, whatever the server's speed")
	schedule := fs.String("schedule", "constant", "open-loop arrivals, from the base --rate: constant, poisson, ramp:TO[:OVER] (linear to TO ops/s over OVER, default the whole run), step:BY:EVERY (BY ops/s more every EVERY), sine:AMPLITUDE:PERIOD (rate ± AMPLITUDE); poisson:SHAPE gives any shape random (Poisson) arrivals, e.g. poisson:ramp:20000:60s")
	closed := fs.Int("closed", 0, "closed loop instead: `N` workers, each with one operation outstanding (latency from send; coordinated omission not corrected)")
	duration := fs.Duration("duration", 30*time.Second, "how long to send")
	p99 := fs.Duration("p99", 0, "latency goal: exit 1 when p99 over every operation is above it")
	out := fs.String("out", "", "report folder (default out/load/<workload>)")
	connections := fs.Int("connections", live.DefaultConnections, "connections to open")
	inflight := fs.Int("inflight", live.DefaultInflightMax, "operations in flight per connection at most; beyond, sends are dropped and counted")
	seed := fs.Uint64("seed", 1, "seed of the schedule, keys and values")
	keys := fs.Int("keys", 100_000, "number of keys the workload starts with")
	distribution := fs.String("distribution", "", "key distribution instead of the workload's own (uniform, zipf[:theta], scrambled, hotspot:F:S, latest, sequential)")
	valueSize := fs.String("value-size", "100", "SET value size in bytes: N or uniform:MIN:MAX")
	keyPrefix := fs.String("key-prefix", "key:", "prefix of every key")
	lateAfter := fs.Duration("late", live.DefaultLateAfter, "a send later than this after its intended start counts as late")
	drain := fs.Duration("drain", live.DefaultDrainTimeout, "after the last send, how long to wait for replies")
	quiet := fs.Bool("quiet", false, "no progress line")
	observe := addObserveFlags(fs, "syslab-load")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := observe.validate(); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	var target live.Target
	var httpTarget live.HTTPTarget
	var err error
	if strings.HasPrefix(*targetURL, "http://") || strings.HasPrefix(*targetURL, "https://") {
		if httpTarget, err = live.ParseHTTPTarget(*targetURL, *method, *body); err != nil {
			return usagef("--target: %v", err)
		}
		for _, h := range headers {
			if err := httpTarget.AddHeader(h); err != nil {
				return usagef("--header: %v", err)
			}
		}
	} else {
		if isFlagSet(fs, "method") || isFlagSet(fs, "body") || len(headers) > 0 {
			return usagef("--method, --body and --header apply to http:// targets")
		}
		if target, err = live.ParseTarget(*targetURL); err != nil {
			return usagef("--target: %v", err)
		}
	}
	if *keys < 1 || *keys > keyCountMax {
		return usagef("--keys %d: want 1 to %d", *keys, keyCountMax)
	}
	workload, err := loadgen.ParseWorkload(*workloadName, *keys, *distribution)
	if err != nil {
		return usagef("--workload: %v", err)
	}
	sizes, err := loadgen.ParseValueSize(*valueSize)
	if err != nil {
		return usagef("--value-size: %v", err)
	}
	switch {
	case *closed < 0:
		return usagef("--closed %d: want a number of workers ≥ 1", *closed)
	case *closed > 0 && isFlagSet(fs, "rate"):
		return usagef("--rate and --closed exclude each other: an open loop has a rate, a closed loop has workers")
	case *closed == 0 && !(*rate > 0):
		return usagef("want --rate N (open loop) or --closed N (closed loop)")
	case *duration <= 0:
		return usagef("--duration %v: want > 0", *duration)
	case *p99 < 0:
		return usagef("--p99 %v: want > 0", *p99)
	case *connections < 1:
		return usagef("--connections %d: want ≥ 1", *connections)
	case *inflight < 1:
		return usagef("--inflight %d: want ≥ 1", *inflight)
	case *lateAfter <= 0:
		return usagef("--late %v: want > 0", *lateAfter)
	case *drain <= 0:
		return usagef("--drain %v: want > 0", *drain)
	}
	if *closed == 0 {
		if _, err := loadgen.Schedule(*schedule, *rate, *duration, rand.New(rand.NewPCG(0, 0))); err != nil {
			return usagef("--schedule/--rate: %v", err)
		}
	} else if isFlagSet(fs, "schedule") {
		return usagef("--schedule paces an open loop (--rate); a closed loop has none")
	}
	cfg := live.Config{
		Target: target, Workload: workload, ValueSize: sizes, KeyPrefix: *keyPrefix,
		RatePerSec: *rate, Schedule: *schedule, Closed: *closed, Duration: *duration,
		Connections: *connections, InflightMax: *inflight, LateAfter: *lateAfter,
		DrainTimeout: *drain, Seed: *seed, HTTP: httpTarget,
	}
	stopObserving, err := observe.start(stderr)
	if err != nil {
		return err
	}
	defer func() {
		if err := stopObserving(); err != nil {
			fmt.Fprintf(stderr, "syslab load: %v\n", err)
		}
	}()
	cfg.Metrics = observe.metrics
	if !*quiet && isTerminal(stderr) {
		cfg.Progress = func(p live.Progress) {
			fmt.Fprintf(stderr, "%6.1fs  %9.0f ops/s  p50 %-9v  p99 %-9v  errors %d\n",
				p.Elapsed.Seconds(), p.OpsPerSec, p.P50, p.P99, p.Errors)
		}
	}
	res, err := live.Run(ctx, cfg)
	if err != nil {
		return err
	}
	run, err := res.Report(live.ReportOptions{P99Goal: *p99, Reproduce: "syslab load " + strings.Join(withoutHeaderValues(args), " ")})
	if err != nil {
		return err
	}
	dir := *out
	if dir == "" {
		dir = filepath.Join("out", "load", workload.Name)
	}
	if err := reports.Write(dir, run); err != nil {
		return err
	}
	printLoadSummary(stdout, res, run)
	fmt.Fprintf(stdout, "%s\n", filepath.Join(dir, reports.PageFile))
	for _, c := range run.Checks {
		if c.Verdict == reports.VerdictFail {
			return checkFailedError{fmt.Sprintf("check %s failed: %s", c.Name, c.Detail)}
		}
	}
	return nil
}

func printLoadSummary(w io.Writer, res *live.Result, run *reports.Run) {
	fmt.Fprintf(w, "%s\n", res.Model())
	if res.OpenLoop() {
		fmt.Fprintf(w, "requested %.0f ops/s, achieved %.0f ops/s; late sends %d, dropped %d\n",
			run.Throughput.RequestedPerSec, run.Throughput.AchievedPerSec, res.Late, res.Dropped)
	} else {
		fmt.Fprintf(w, "achieved %.0f ops/s\n", run.Throughput.AchievedPerSec)
	}
	fmt.Fprintf(w, "%-7s %9s %7s %5s %10s %10s %10s %10s\n", "op", "count", "fail", "info", "p50", "p99", "p99.9", "max")
	for _, op := range run.Ops {
		fmt.Fprintf(w, "%-7s %9d %7d %5d %10v %10v %10v %10v\n", op.Op, op.Count, op.Fail, op.Info,
			time.Duration(op.P50), time.Duration(op.P99), time.Duration(op.P999), time.Duration(op.Max))
	}
	for _, c := range run.Checks {
		fmt.Fprintf(w, "check %-16s %-7s %s\n", c.Name, c.Verdict, c.Detail)
	}
}

// withoutHeaderValues is args with every --header's value replaced by
// "…", for the report's replay line: a header may carry a credential.
func withoutHeaderValues(args []string) []string {
	out := make([]string, len(args))
	copy(out, args)
	for i := 0; i < len(out); i++ {
		flagName, value, hasValue := strings.Cut(strings.TrimLeft(out[i], "-"), "=")
		if !strings.HasPrefix(out[i], "-") || flagName != "header" {
			continue
		}
		if !hasValue {
			if i+1 == len(out) {
				break
			}
			i++
			value = out[i]
		}
		name, _, _ := strings.Cut(value, ":")
		redacted := strings.TrimSpace(name) + ": …"
		if hasValue {
			out[i] = "--header=" + redacted
		} else {
			out[i] = redacted
		}
	}
	return out
}
