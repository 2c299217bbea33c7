package main

import (
	"bufio"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/pprof/profile"
)

// TestServeCacheMetricsAndProfiles runs `serve cache --metrics-addr
// --profile-dir`: /metrics shows the commands it answered with their
// latency histogram, and SIGTERM leaves parseable CPU and heap profiles.
func TestServeCacheMetricsAndProfiles(t *testing.T) {
	metricsAddr := freeAddr(t)
	profileDir := filepath.Join(t.TempDir(), "profiles")
	served := serveCacheProcess(t, t.TempDir(), "--metrics-addr", metricsAddr, "--profile-dir", profileDir)
	stderr := &served.stderr
	conn := served.dial()
	if _, err := conn.Write([]byte("*1\r\n$4\r\nPING\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n")); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(conn)
	for range 2 {
		if _, err := r.ReadString('\n'); err != nil {
			t.Fatalf("reading reply: %v (server stderr: %s)", err, stderr.String())
		}
	}

	// The latency of a reply is recorded just after it is flushed, so
	// scrape until both are in.
	var text string
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		text = scrape(t, "http://"+metricsAddr+"/metrics")
		// A readiness probe's connection may not be seen closed yet:
		// wait for the gauge to settle at this test's one connection too.
		if strings.Contains(text, "cache_command_duration_seconds_count 2\n") && strings.Contains(text, "cache_connected_clients 1\n") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/metrics never counted 2 command latencies with 1 client connected:\n%s", text)
		}
	}
	for _, want := range []string{
		`cache_commands_total{cmd="ping"} 1`,
		`cache_commands_total{cmd="set"} 1`,
		`cache_connected_clients 1`,
		`cache_command_duration_seconds_bucket{le="1e-05"}`,
		`go_goroutines`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}

	served.terminate()
	for _, name := range []string{"cpu.pprof", "heap.pprof"} {
		f, err := os.Open(filepath.Join(profileDir, name))
		if err != nil {
			t.Fatalf("%v; stderr:\n%s", err, stderr.String())
		}
		_, err = profile.Parse(f)
		f.Close()
		if err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func scrape(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(body)
}

func TestServeObserveFlagErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--pyroscope", "localhost:4040"}, `invalid value "localhost:4040" for --pyroscope`},
		{[]string{"--metrics-addr", "nonsense"}, "metrics server"},
		{[]string{"--gogc", "-5"}, "invalid value -5 for --gogc"},
		{[]string{"--gogc", "x"}, `invalid value "x" for flag -gogc`},
	} {
		args := append([]string{"serve", "cache", "--addr", "127.0.0.1:0", "--dir", t.TempDir()}, c.args...)
		res := runCLI(t, "", args...)
		if res.exitCode == 0 || !strings.Contains(res.stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want an error containing %q", c.args, res.exitCode, res.stderr, c.want)
		}
	}
}
