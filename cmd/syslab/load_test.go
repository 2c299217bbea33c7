package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"syslab/engines/cache"
	"syslab/engines/cache/server"
	"syslab/reports"
)

func TestLoadFlagErrorsExit2(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no rate", []string{"load"}, "want --rate N"},
		{"rate and closed", []string{"load", "--rate", "10", "--closed", "2"}, "exclude each other"},
		{"bad target", []string{"load", "--rate", "10", "--target", "tcp://x"}, "--target"},
		{"bad workload", []string{"load", "--rate", "10", "--workload", "ycsb-e"}, "range scans"},
		{"bad value size", []string{"load", "--rate", "10", "--value-size", "big"}, "--value-size"},
		{"bad schedule", []string{"load", "--rate", "10", "--schedule", "bursty"}, "unknown kind"},
		{"bad distribution", []string{"load", "--rate", "10", "--distribution", "zipf:7"}, "theta"},
		{"zero duration", []string{"load", "--rate", "10", "--duration", "0s"}, "--duration"},
		{"negative closed", []string{"load", "--closed", "-1"}, "--closed"},
		{"no connections", []string{"load", "--rate", "10", "--connections", "0"}, "--connections"},
		{"stray argument", []string{"load", "--rate", "10", "extra"}, `unexpected argument "extra"`},
		{"undefined flag", []string{"load", "--bogus"}, "flag provided but not defined"},
		{"bad schedule", []string{"load", "--rate", "10", "--schedule", "sine:99:1s"}, "amplitude"},
		{"schedule without length", []string{"load", "--rate", "10", "--schedule", "ramp:50:0s"}, "want > 0"},
		{"schedule in a closed loop", []string{"load", "--closed", "2", "--schedule", "ramp:50"}, "a closed loop has none"},
		{"method on redis", []string{"load", "--rate", "10", "--method", "POST"}, "apply to http:// targets"},
		{"header on redis", []string{"load", "--rate", "10", "--header", "X-A: b"}, "--header apply to http:// targets"},
		{"header without colon", []string{"load", "--rate", "10", "--target", "http://h/x", "--header", "X-A b"}, `--header: header "X-A b": want "Name: value"`},
		{"header name with a space", []string{"load", "--rate", "10", "--target", "http://h/x", "--header", "X A: b"}, "is not a header name"},
		{"bad poisson shape", []string{"load", "--rate", "10", "--schedule", "poisson:bursty"}, `poisson:SHAPE: unknown kind "bursty"`},
		{"bad http target", []string{"load", "--rate", "10", "--target", "http://:80/x"}, "no host"},
		{"get with a body", []string{"load", "--rate", "10", "--target", "http://h/x", "--body", "b"}, "has no body"},
		{"bad method", []string{"load", "--rate", "10", "--target", "http://h/x", "--method", "BREW"}, "BREW"},
		{"bad pyroscope", []string{"load", "--rate", "10", "--pyroscope", "nope"}, "--pyroscope"},
		{"merge without runs", []string{"report", "merge", "out"}, "at least one run"},
		{"merge missing run", []string{"report", "merge", t.TempDir(), filepath.Join(t.TempDir(), "nope")}, "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := runCLI(t, "", tt.args...)
			if res.exitCode != 2 || !strings.Contains(res.stderr, tt.want) {
				t.Errorf("syslab %q: exit %d, stderr %q; want exit 2 and %q", tt.args, res.exitCode, res.stderr, tt.want)
			}
		})
	}
}

// Two load runs against the cache, one with a goal it cannot meet (exit
// 1), then `report merge` of both: the merged counts are the sums.
func TestLoadAndMerge(t *testing.T) {
	srv, err := server.Start(server.Config{Addr: "127.0.0.1:0", Dir: t.TempDir(),
		Cache: cache.Config{AppendFsync: cache.FsyncEverysec, Hz: 10, Databases: 16}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	target := "redis://" + srv.Addr()
	dirA, dirB, merged := t.TempDir(), t.TempDir(), t.TempDir()
	a := runCLI(t, "", "load", "--target", target, "--workload", "ycsb-b", "--rate", "500", "--duration", "400ms", "--out", dirA)
	if a.exitCode != 0 || !strings.Contains(a.stdout, "coordinated omission corrected") {
		t.Fatalf("open-loop load: exit %d\nstdout %s\nstderr %s", a.exitCode, a.stdout, a.stderr)
	}
	b := runCLI(t, "", "load", "--target", target, "--workload", "ycsb-b", "--closed", "4", "--duration", "300ms", "--p99", "1ns", "--out", dirB)
	if b.exitCode != 1 || !strings.Contains(b.stderr, "latency/all/p99 failed") || !strings.Contains(b.stdout, "coordinated omission not corrected") {
		t.Fatalf("closed-loop load with an impossible goal: exit %d\nstdout %s\nstderr %s", b.exitCode, b.stdout, b.stderr)
	}
	m := runCLI(t, "", "report", "merge", merged, dirA, filepath.Join(dirB, "results.json"))
	if m.exitCode != 0 {
		t.Fatalf("merge: exit %d, stderr %s", m.exitCode, m.stderr)
	}
	runA, errA := reports.ReadRun(filepath.Join(dirA, "results.json"))
	runB, errB := reports.ReadRun(filepath.Join(dirB, "results.json"))
	runM, errM := reports.ReadRun(filepath.Join(merged, "results.json"))
	if errA != nil || errB != nil || errM != nil {
		t.Fatal(errA, errB, errM)
	}
	// results.json names the load model, as the report's text does.
	for _, c := range []struct {
		run   *reports.Run
		model string
		text  string
	}{{runA, "open-loop", "coordinated omission corrected"}, {runB, "closed-loop", "coordinated omission not corrected"}} {
		if c.run.Config["load_model"] != c.model || !strings.Contains(c.run.Description, c.text) {
			t.Errorf("results.json: load_model %v, description %q; want %s and %q", c.run.Config["load_model"], c.run.Description, c.model, c.text)
		}
	}
	if runB.Throughput.RequestedPerSec != 0 || runA.Throughput.RequestedPerSec != 500 {
		t.Errorf("requested rate: open %v, closed %v; want 500 and none", runA.Throughput.RequestedPerSec, runB.Throughput.RequestedPerSec)
	}
	count := func(r *reports.Run) (n int) {
		for _, op := range r.Ops {
			n += op.Count
		}
		return n
	}
	if count(runM) != count(runA)+count(runB) || count(runA) == 0 || count(runB) == 0 {
		t.Errorf("merged %d ops, want %d + %d", count(runM), count(runA), count(runB))
	}
}

// An unreachable server is a failed run (exit 1), not bad input.
func TestLoadUnreachableExits1(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	for _, target := range []string{"redis://" + addr, "http://" + addr + "/x"} {
		res := runCLI(t, "", "load", "--target", target, "--rate", "10", "--duration", "100ms", "--out", t.TempDir())
		if res.exitCode != 1 || !strings.Contains(res.stderr, "connect") {
			t.Errorf("load of %s: exit %d, stderr %q; want exit 1 and the failed connect", target, res.exitCode, res.stderr)
		}
	}
}

// `syslab load` of an HTTP server: a ramp from 200/s to 400/s through
// vegeta, its metrics scraped while it runs, results.json naming the
// protocol, the model and the ramp's mean as the requested rate; then an
// impossible goal exits 1.
func TestLoadHTTPWithMetrics(t *testing.T) {
	var seen atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen.Add(1)
		io.WriteString(w, "ok")
	}))
	defer srv.Close()
	dir := t.TempDir()
	cmd := exec.Command(syslabBinary, "load", "--target", srv.URL+"/items/{key}", "--rate", "200", "--schedule", "ramp:400",
		"--duration", "2s", "--metrics-addr", "127.0.0.1:0", "--out", dir, "--quiet")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stdout strings.Builder
	cmd.Stdout = &stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	lines := bufio.NewScanner(stderr)
	metricsURL := ""
	for metricsURL == "" && lines.Scan() {
		if rest, ok := strings.CutPrefix(lines.Text(), "metrics on "); ok {
			metricsURL = rest
		}
	}
	if metricsURL == "" {
		t.Fatal("syslab load did not say where its metrics are")
	}
	go io.Copy(io.Discard, stderr)
	// Scrape until a request's duration was observed and the requested
	// rate is set (the gauges move once a second). The histogram family
	// is made at its first observation, so a scrape that began gathering
	// before it can show the counters of later requests without it.
	deadline := time.Now().Add(10 * time.Second)
	for {
		body := scrape(t, metricsURL)
		if sampleValue(body, `loadgen_requests_total{op="get",outcome="ok"}`) > 0 &&
			sampleValue(body, `loadgen_request_duration_seconds_count{op="get"}`) > 0 &&
			sampleValue(body, "loadgen_rate_requested_per_second") >= 200 {
			if !strings.Contains(body, `loadgen_request_duration_seconds_bucket{op="get",le="0.0001`) {
				t.Errorf("the latency histogram has no sub-millisecond buckets:\n%s", body)
			}
			break
		}
		if time.Now().After(deadline) || body == "" {
			t.Fatalf("metrics never showed the run (empty: the run ended):\n%s", body)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("syslab load: %v\n%s", err, stdout.String())
	}
	run, err := reports.ReadRun(filepath.Join(dir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	// Λ(2s) = (200 + 400)/2 · 2 = 600 requests, a mean of 300/s.
	if run.Engine != "http" || run.Config["load_model"] != "open-loop" || run.Config["schedule"] != "ramp:400" ||
		run.Throughput.RequestedPerSec != 300 || seen.Load() != 599 {
		t.Errorf("results.json: engine %s, model %v, schedule %v, requested %v/s; server saw %d requests; want http, open-loop, ramp:400, 300/s, 599",
			run.Engine, run.Config["load_model"], run.Config["schedule"], run.Throughput.RequestedPerSec, seen.Load())
	}
	res := runCLI(t, "", "load", "--target", srv.URL+"/", "--closed", "2", "--duration", "200ms", "--p99", "1ns", "--out", t.TempDir())
	if res.exitCode != 1 || !strings.Contains(res.stderr, "latency/all/p99 failed") {
		t.Errorf("HTTP load with an impossible goal: exit %d, stderr %q; want 1", res.exitCode, res.stderr)
	}
}

// sampleValue is the value of the series named exactly so in a text
// exposition, or -1.
func sampleValue(exposition, series string) float64 {
	for _, line := range strings.Split(exposition, "\n") {
		if rest, ok := strings.CutPrefix(line, series+" "); ok {
			v, err := strconv.ParseFloat(rest, 64)
			if err == nil {
				return v
			}
		}
	}
	return -1
}

// `syslab load --header` sends each header with every request (a repeated
// one with each value), the report names the headers but keeps their
// values out, and a Poisson ramp issues about as many requests as its
// integral asks for.
func TestLoadHTTPHeadersWithPoissonRamp(t *testing.T) {
	var seen, wrong atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen.Add(1)
		if r.Header.Get("Authorization") != "Bearer s3cret" || r.Header.Get("X-Tenant") != "acme" ||
			strings.Join(r.Header.Values("X-Trace"), ",") != "a,b" {
			wrong.Add(1)
		}
		io.WriteString(w, "ok")
	}))
	defer srv.Close()
	dir := t.TempDir()
	res := runCLI(t, "", "load", "--target", srv.URL+"/items/{key}", "--rate", "100", "--schedule", "poisson:ramp:300",
		"--duration", "2s", "--header", "Authorization: Bearer s3cret", "--header", "X-Tenant:acme",
		"--header", "X-Trace: a", "--header=X-Trace: b", "--out", dir, "--quiet")
	if res.exitCode != 0 {
		t.Fatalf("syslab load: exit %d, stderr %q", res.exitCode, res.stderr)
	}
	// Λ(2s) = (100 + 300)/2 · 2 = 400; a Poisson count within 5σ (100).
	if n := seen.Load(); n < 300 || n > 500 || wrong.Load() != 0 {
		t.Errorf("server saw %d requests, %d without the headers; want 400 ± 100, all with them", n, wrong.Load())
	}
	run, err := reports.ReadRun(filepath.Join(dir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	js, err := os.ReadFile(filepath.Join(dir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(run.Config["http_headers"]) != "[Authorization X-Tenant X-Trace]" || run.Config["schedule"] != "poisson:ramp:300" ||
		bytes.Contains(js, []byte("s3cret")) || !strings.Contains(run.Reproduce, "Authorization: …") {
		t.Errorf("results.json: headers %v, schedule %v, reproduce %q, secret in the file: %v",
			run.Config["http_headers"], run.Config["schedule"], run.Reproduce, bytes.Contains(js, []byte("s3cret")))
	}
}
