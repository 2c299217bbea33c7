package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// syslabBinary is the CLI built once by TestMain, so the tests exercise the
// real program: flag parsing, exit codes, signals.
var syslabBinary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "syslab-cli-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	syslabBinary = filepath.Join(dir, "syslab")
	build := exec.Command("go", "build", "-o", syslabBinary, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintf(os.Stderr, "building syslab: %v\n", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type cliResult struct {
	exitCode       int
	stdout, stderr string
}

func runCLI(t *testing.T, stdin string, args ...string) cliResult {
	t.Helper()
	cmd := exec.Command(syslabBinary, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdin = strings.NewReader(stdin)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exitErr *exec.ExitError
	code := 0
	switch {
	case errors.As(err, &exitErr):
		code = exitErr.ExitCode()
	case err != nil:
		t.Fatalf("running syslab %q: %v", args, err)
	}
	return cliResult{exitCode: code, stdout: stdout.String(), stderr: stderr.String()}
}

func TestExitCodesAndUsage(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		exitCode   int
		stdoutHas  []string
		stderrHas  []string
		stdoutNone bool
	}{
		{"version", []string{"version"}, 0, []string{"syslab " + version, "go go1.", "revision "}, nil, false},
		{"help", []string{"help"}, 0, []string{"usage: syslab <command>", "version", "serve"}, nil, false},
		{"no command", nil, 2, nil, []string{"usage: syslab <command>"}, true},
		{"unknown command", []string{"frobnicate"}, 2, nil, []string{`unknown command "frobnicate"`, "usage: syslab <command>"}, true},
		{"bad flag", []string{"version", "--bogus"}, 2, nil, []string{"flag provided but not defined: -bogus", "usage: syslab version"}, true},
		{"stray argument", []string{"version", "extra"}, 2, nil, []string{`unexpected argument "extra"`, "usage: syslab version"}, true},
		{"command help", []string{"version", "-h"}, 0, nil, []string{"usage: syslab version"}, true},
		{"serve without engine", []string{"serve"}, 2, nil, []string{"missing engine", "usage: syslab serve"}, true},
		{"serve unknown engine", []string{"serve", "postgres"}, 2, nil, []string{`unknown engine "postgres"`, "usage: syslab serve"}, true},
		{"serve bad flag", []string{"serve", "cache", "--bogus"}, 2, nil, []string{"flag provided but not defined: -bogus", "usage: syslab serve cache", "-appendfsync"}, true},
		{"serve bad appendonly", []string{"serve", "cache", "--appendonly", "maybe"}, 2, nil, []string{`invalid value "maybe" for --appendonly`, "usage:"}, true},
		{"serve bad appendfsync", []string{"serve", "cache", "--appendfsync", "sometimes"}, 2, nil, []string{"sometimes", "usage:"}, true},
		{"serve bad maxmemory", []string{"serve", "cache", "--maxmemory", "12xb"}, 2, nil, []string{`invalid value "12xb" for --maxmemory`, "usage:"}, true},
		{"serve bad policy", []string{"serve", "cache", "--maxmemory-policy", "nope"}, 2, nil, []string{`maxmemory-policy "nope"`, "usage:"}, true},
		{"serve bad save", []string{"serve", "cache", "--save", "60"}, 2, nil, []string{"save", "usage:"}, true},
		{"serve help", []string{"serve", "-h"}, 0, nil, []string{"engines:", "cache"}, true},
		{"benchsum missing file", []string{"benchsum", "/nonexistent/bench.txt"}, 1, nil, []string{"no such file"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := runCLI(t, "", tt.args...)
			if got.exitCode != tt.exitCode {
				t.Errorf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", got.exitCode, tt.exitCode, got.stdout, got.stderr)
			}
			for _, s := range tt.stdoutHas {
				if !strings.Contains(got.stdout, s) {
					t.Errorf("stdout lacks %q:\n%s", s, got.stdout)
				}
			}
			for _, s := range tt.stderrHas {
				if !strings.Contains(got.stderr, s) {
					t.Errorf("stderr lacks %q:\n%s", s, got.stderr)
				}
			}
			if tt.stdoutNone && got.stdout != "" {
				t.Errorf("stdout should be empty, got:\n%s", got.stdout)
			}
		})
	}
}

func TestBenchsumFromStdin(t *testing.T) {
	input := strings.Join([]string{
		"goos: linux",
		"pkg: syslab/sim",
		"BenchmarkPingPong-8   	 3000000	       400.0 ns/op	   2500000 events/s	       0 B/op	       0 allocs/op",
		"BenchmarkPingPong-8   	 3000000	       500.0 ns/op	   2000000 events/s	       0 B/op	       0 allocs/op",
		"BenchmarkPingPong-8   	 3000000	       450.0 ns/op	   2200000 events/s	       0 B/op	       0 allocs/op",
		"pkg: syslab/engines/cache",
		"BenchmarkGet-8   	 1000000	      1000 ns/op	      48 B/op	       2 allocs/op",
		"BenchmarkGet-8   	 1000000	      1200 ns/op	      48 B/op	       2 allocs/op",
		"PASS",
	}, "\n")
	got := runCLI(t, input, "benchsum")
	if got.exitCode != 0 {
		t.Fatalf("exit %d: %s", got.exitCode, got.stderr)
	}
	for _, want := range []string{
		"simulator speed (median events/s):",
		"BenchmarkPingPong-8                      2.20M",
		"syslab/sim\n  BenchmarkPingPong-8                       3 runs  450 ns/op  2.20M events/s  0 B/op  0 allocs/op",
		"syslab/engines/cache\n  BenchmarkGet-8                            2 runs  1100 ns/op  48 B/op  2 allocs/op",
	} {
		if !strings.Contains(got.stdout, want) {
			t.Errorf("summary lacks %q:\n%s", want, got.stdout)
		}
	}

	empty := runCLI(t, "PASS\nok  syslab/sim 0.1s\n", "benchsum")
	if empty.exitCode != 1 || !strings.Contains(empty.stderr, "no benchmark results") {
		t.Errorf("benchsum on input without results: exit %d, stderr %q; want exit 1 naming the problem", empty.exitCode, empty.stderr)
	}
}

// TestServeCacheAnswersAndStopsOnSignal runs the real server through the
// CLI: it must answer PING over RESP and exit 0 on SIGTERM.
func TestServeCacheAnswersAndStopsOnSignal(t *testing.T) {
	s := serveCacheProcess(t, t.TempDir(), "--appendonly", "yes", "--appendfsync", "always")
	conn := s.dial()
	if _, err := conn.Write([]byte("*1\r\n$4\r\nPING\r\n")); err != nil {
		t.Fatal(err)
	}
	reply, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		t.Fatalf("reading PING reply: %v (server stderr: %s)", err, s.stderr.String())
	}
	if reply != "+PONG\r\n" {
		t.Fatalf("PING replied %q, want +PONG", reply)
	}
	s.terminate()
}

// freeAddr returns a loopback address no one listened on a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// dialUntil connects to addr, retrying every dialRetryInterval until timeout
// passes or the server process exits.
func dialUntil(t *testing.T, addr string, timeout time.Duration, exited chan error) net.Conn {
	t.Helper()
	const dialRetryInterval = 20 * time.Millisecond
	retry := time.NewTicker(dialRetryInterval)
	defer retry.Stop()
	giveUp := time.After(timeout)
	for {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			return conn
		}
		select {
		case exitErr := <-exited:
			exited <- exitErr // the caller still waits for it
			t.Fatalf("server exited before accepting connections: %v", exitErr)
		case <-giveUp:
			t.Fatalf("server not accepting on %s after %v: %v", addr, timeout, err)
		case <-retry.C:
		}
	}
}

// syslab capacity in sim prints each probe and the answer, writes its
// report folder, and gives the same answer for the same seed.
func TestCapacityInSimAnswersTheSameTwice(t *testing.T) {
	dir := t.TempDir()
	args := []string{"capacity", filepath.Join("..", "..", "scenarios", "cache", "read-mostly-capacity.yaml"),
		"--p99", "1ms", "--op", "get", "--min", "1000", "--max", "64000", "--duration", "500ms", "--clients", "4"}
	a := runCLI(t, "", append(args, "--out", filepath.Join(dir, "a"))...)
	b := runCLI(t, "", append(args, "--out", filepath.Join(dir, "b"))...)
	if a.exitCode != 0 {
		t.Fatalf("exit %d\n%s%s", a.exitCode, a.stdout, a.stderr)
	}
	answer := func(out string) string {
		for _, l := range strings.Split(out, "\n") {
			if strings.HasPrefix(l, "capacity: ") {
				return l
			}
		}
		return ""
	}
	if answer(a.stdout) == "" || answer(a.stdout) != answer(b.stdout) {
		t.Fatalf("answers differ or are missing:\n%s\n---\n%s", a.stdout, b.stdout)
	}
	for _, f := range []string{"capacity.json", "summary.md", "index.html"} {
		if _, err := os.Stat(filepath.Join(dir, "a", f)); err != nil {
			t.Error(err)
		}
	}
	if bad := runCLI(t, "", "capacity", args[1]); bad.exitCode != 2 || !strings.Contains(bad.stderr, "--p99 is required") {
		t.Fatalf("without --p99: exit %d, stderr %q", bad.exitCode, bad.stderr)
	}
}
