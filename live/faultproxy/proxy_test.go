package faultproxy

import (
	"bytes"
	"crypto/rand"
	"errors"
	"io"
	"net"
	"os"
	"syscall"
	"testing"
	"time"
)

// waitDeadline bounds every blocking read in these tests: a fault that
// hides bytes is proven by a read timing out at a deadline, never by a
// sleep.
const waitDeadline = 10 * time.Second

// startEcho runs a TCP echo server on a random port of 127.0.0.1.
func startEcho(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				io.Copy(conn, conn)
			}()
		}
	}()
	return ln.Addr().String()
}

func startProxy(t *testing.T) *Proxy {
	t.Helper()
	p, err := New("127.0.0.1:0", startEcho(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func dial(t *testing.T, p *Proxy) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// roundTrip writes msg and reads the echo within the deadline.
func roundTrip(conn net.Conn, msg []byte, deadline time.Duration) ([]byte, error) {
	conn.SetDeadline(time.Now().Add(deadline))
	defer conn.SetDeadline(time.Time{})
	if _, err := conn.Write(msg); err != nil {
		return nil, err
	}
	got := make([]byte, len(msg))
	_, err := io.ReadFull(conn, got)
	return got, err
}

func mustEcho(t *testing.T, conn net.Conn, msg string) {
	t.Helper()
	got, err := roundTrip(conn, []byte(msg), waitDeadline)
	if err != nil || string(got) != msg {
		t.Fatalf("echo of %q = %q, %v", msg, got, err)
	}
}

func TestPassThrough(t *testing.T) {
	p := startProxy(t)
	conn := dial(t, p)
	mustEcho(t, conn, "hello")
	// More than the proxy buffers per direction, so bounded queues and
	// backpressure are on the path.
	big := make([]byte, 3*pipeChunksMax*chunkBytesMax)
	rand.Read(big)
	done := make(chan error, 1)
	go func() { _, err := conn.Write(big); done <- err }()
	got := make([]byte, len(big))
	conn.SetReadDeadline(time.Now().Add(waitDeadline))
	if _, err := io.ReadFull(conn, got); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, big) {
		t.Fatal("bytes corrupted through the proxy")
	}
}

// Latency is shown by a lower bound only: a delayed byte cannot arrive
// early, however loaded the machine; an upper bound would be flaky.
func TestLatency(t *testing.T) {
	p := startProxy(t)
	conn := dial(t, p)
	mustEcho(t, conn, "warm")
	const latency = 100 * time.Millisecond
	p.SetLatency(latency, 0)
	start := time.Now()
	mustEcho(t, conn, "slow")
	if rtt := time.Since(start); rtt < 2*latency {
		t.Fatalf("round trip %v with %v each way, want at least %v", rtt, latency, 2*latency)
	}
}

func TestJitterKeepsOrder(t *testing.T) {
	p := startProxy(t)
	p.SetLatency(5*time.Millisecond, 5*time.Millisecond)
	conn := dial(t, p)
	var sent bytes.Buffer
	for i := range 200 {
		msg := []byte{byte(i), byte(i >> 8)}
		sent.Write(msg)
		if _, err := conn.Write(msg); err != nil {
			t.Fatal(err)
		}
	}
	got := make([]byte, sent.Len())
	conn.SetReadDeadline(time.Now().Add(waitDeadline))
	if _, err := io.ReadFull(conn, got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, sent.Bytes()) {
		t.Fatal("jitter reordered or corrupted the stream")
	}
}

func TestDropBlackHoles(t *testing.T) {
	p := startProxy(t)
	conn := dial(t, p)
	mustEcho(t, conn, "before")
	p.SetDrop(true)
	_, err := roundTrip(conn, []byte("lost"), 300*time.Millisecond)
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("read during drop: %v, want a deadline timeout (bytes swallowed, connection open)", err)
	}
	p.SetDrop(false)
	mustEcho(t, conn, "after") // "lost" is gone for good
}

func TestPartitionAndHeal(t *testing.T) {
	p := startProxy(t)
	existing := dial(t, p)
	mustEcho(t, existing, "up")
	p.Partition()
	if _, err := roundTrip(existing, []byte("x"), waitDeadline); !isResetOrClosed(err) {
		t.Fatalf("existing connection during partition: %v, want reset", err)
	}
	expectReset(t, p)
	p.Heal()
	mustEcho(t, dial(t, p), "healed")
}

func TestResetAll(t *testing.T) {
	p := startProxy(t)
	conn := dial(t, p)
	mustEcho(t, conn, "up")
	p.ResetAll()
	conn.SetReadDeadline(time.Now().Add(waitDeadline))
	_, err := conn.Read(make([]byte, 1))
	if !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("read after ResetAll: %v, want ECONNRESET", err)
	}
	mustEcho(t, dial(t, p), "new connections still work")
}

func TestBandwidth(t *testing.T) {
	p := startProxy(t)
	conn := dial(t, p)
	mustEcho(t, conn, "warm")
	const bytesPerSec = 200_000
	p.SetBandwidth(bytesPerSec)
	payload := make([]byte, bytesPerSec/2) // half a second each way at best
	start := time.Now()
	go conn.Write(payload)
	conn.SetReadDeadline(time.Now().Add(waitDeadline))
	if _, err := io.ReadFull(conn, make([]byte, len(payload))); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took < 400*time.Millisecond {
		t.Fatalf("%d bytes at %d B/s took %v, want at least 400ms", len(payload), bytesPerSec, took)
	}
	p.SetBandwidth(0)
	mustEcho(t, conn, "uncapped")
}

func TestClose(t *testing.T) {
	p := startProxy(t)
	conn := dial(t, p)
	mustEcho(t, conn, "up")
	p.Close()
	if _, err := roundTrip(conn, []byte("x"), waitDeadline); err == nil {
		t.Fatal("connection survived Close")
	}
	if c, err := net.Dial("tcp", p.Addr()); err == nil {
		c.Close()
		t.Fatal("proxy still accepts after Close")
	}
	if err := p.Start(); err == nil {
		t.Fatal("Start after Close succeeded")
	}
}

func TestTargetDownResetsClient(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := ln.Addr().String()
	ln.Close()
	p, err := New("127.0.0.1:0", dead)
	if err != nil {
		t.Fatal(err)
	}
	p.Start()
	defer p.Close()
	expectReset(t, p)
}

// expectReset connects through p and expects the proxy to reset the
// connection. The proxy accepts and then resets, so the reset may reach
// the client's connect already, or only its first read.
func expectReset(t *testing.T, p *Proxy) {
	t.Helper()
	conn, err := net.Dial("tcp", p.Addr())
	if err != nil {
		if !isResetOrClosed(err) {
			t.Fatalf("dial: %v, want reset", err)
		}
		return
	}
	defer conn.Close()
	if _, err := roundTrip(conn, []byte("x"), waitDeadline); !isResetOrClosed(err) {
		t.Fatalf("new connection: %v, want reset", err)
	}
}

func isResetOrClosed(err error) bool {
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.EOF) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.EPIPE)
}

func BenchmarkThroughput(b *testing.B) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err == nil {
			io.Copy(io.Discard, c)
		}
	}()
	p, _ := New("127.0.0.1:0", ln.Addr().String())
	p.Start()
	defer p.Close()
	conn, _ := net.Dial("tcp", p.Addr())
	defer conn.Close()
	buf := make([]byte, 64<<10)
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		conn.Write(buf)
	}
}
