// Package realredis starts a redis-server for tests that compare with, or
// talk to, real Redis over TCP. Without redis-server on PATH the test is
// skipped loudly; under CI=true it fails, as CI installs it.
package realredis

import (
	"net"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"
)

// startTimeout bounds the wait for a started redis-server to accept.
const startTimeout = 10 * time.Second

// Require returns the path of redis-server, or skips the test loudly
// (fails it under CI=true) when it is not installed.
func Require(t testing.TB) string {
	t.Helper()
	path, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("redis-server is not on PATH; CI must install it (apt-get install redis-server)")
		}
		t.Skip("SKIPPED: redis-server is not on PATH, so this test against real Redis did not run")
	}
	return path
}

// StartTCP starts a redis-server on a free loopback port, without
// persistence, stopped when the test ends, and returns its address; args
// are more redis-server flags ("--replicaof", "127.0.0.1 6380").
func StartTCP(t testing.TB, args ...string) string {
	t.Helper()
	path := Require(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := exec.Command(path, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", t.TempDir())
	cmd.Args = append(cmd.Args, args...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	addr := "127.0.0.1:" + strconv.Itoa(port)
	for deadline := time.Now().Add(startTimeout); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return addr
		}
	}
	t.Fatalf("redis-server did not accept on %s within %v", addr, startTimeout)
	return ""
}
