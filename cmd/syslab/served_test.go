package main

import (
	"bytes"
	"net"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// served is a `syslab serve cache` process started by a test.
type served struct {
	t      *testing.T
	addr   string
	cmd    *exec.Cmd
	stderr bytes.Buffer
	exited chan error
	done   bool
}

// serveCacheProcess starts `syslab serve cache` on a free address over dir
// with the extra flags, waits until it accepts connections, and kills it
// when the test ends if the test did not stop it.
func serveCacheProcess(t *testing.T, dir string, flags ...string) *served {
	t.Helper()
	return serveCacheProcessAt(t, freeAddr(t), dir, flags...)
}

// serveCacheProcessAt is serveCacheProcess on a given address (a cluster
// node's bus port follows from its client port, so tests choose both).
func serveCacheProcessAt(t *testing.T, addr, dir string, flags ...string) *served {
	t.Helper()
	s := &served{t: t, addr: addr, exited: make(chan error, 1)}
	args := append([]string{"serve", "cache", "--addr", s.addr, "--dir", dir}, flags...)
	s.cmd = exec.Command(syslabBinary, args...)
	s.cmd.Stderr = &s.stderr
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.exited <- s.cmd.Wait() }()
	t.Cleanup(s.kill)
	dialUntil(t, s.addr, 10*time.Second, s.exited).Close()
	return s
}

// dial opens a connection with a 10 s deadline.
func (s *served) dial() net.Conn {
	s.t.Helper()
	conn, err := net.DialTimeout("tcp", s.addr, time.Second)
	if err != nil {
		s.t.Fatal(err)
	}
	if err := conn.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
		s.t.Fatal(err)
	}
	s.t.Cleanup(func() { conn.Close() })
	return conn
}

// kill ends the process with SIGKILL: no shutdown hook runs.
func (s *served) kill() {
	if s.done {
		return
	}
	s.done = true
	s.cmd.Process.Kill()
	<-s.exited
}

// terminate sends SIGTERM and fails the test unless the process exits 0.
func (s *served) terminate() {
	s.t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		s.t.Fatal(err)
	}
	select {
	case err := <-s.exited:
		s.done = true
		if err != nil {
			s.t.Fatalf("serve exited with %v after SIGTERM, want status 0; stderr:\n%s", err, s.stderr.String())
		}
	case <-time.After(30 * time.Second):
		s.t.Fatalf("serve still running 30s after SIGTERM; stderr:\n%s", s.stderr.String())
	}
}
