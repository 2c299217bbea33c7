package live

import (
	"bufio"
	"context"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"syslab/engines/cache"
	"syslab/engines/cache/resp"
	"syslab/engines/cache/server"
	"syslab/internal/realredis"
	"syslab/loadgen"
	"syslab/reports"
)

// stallServer is a tiny RESP server: GET answers nil, anything else +OK
// (PING +PONG). Once it has answered stallAfter commands it stops
// answering anyone for stallFor, as a server in a long GC pause or a
// blocking command would, then answers everything that waited.
type stallServer struct {
	ln         net.Listener
	stallAfter int64
	stallFor   time.Duration
	answered   atomic.Int64
	stallOnce  sync.Once
	stallEnd   atomic.Int64 // unix ns; 0 before the stall
	wg         sync.WaitGroup
	mu         sync.Mutex
	conns      []net.Conn
}

// kill closes the listener and every connection: the server is gone.
func (s *stallServer) kill() {
	s.ln.Close()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.conns {
		c.Close()
	}
}

func startStallServer(t *testing.T, stallAfter int64, stallFor time.Duration) *stallServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &stallServer{ln: ln, stallAfter: stallAfter, stallFor: stallFor}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.conns = append(s.conns, nc)
			s.mu.Unlock()
			s.wg.Add(1)
			go func() { defer s.wg.Done(); s.serve(nc) }()
		}
	}()
	t.Cleanup(func() { ln.Close(); s.wg.Wait() })
	return s
}

func (s *stallServer) addr() string { return s.ln.Addr().String() }

func (s *stallServer) serve(nc net.Conn) {
	defer nc.Close()
	br := bufio.NewReader(nc)
	rr := resp.NewReader(br)
	bw := bufio.NewWriter(nc)
	for {
		args, err := rr.ReadCommand()
		if err != nil {
			return
		}
		if s.answered.Add(1) == s.stallAfter {
			s.stallOnce.Do(func() { s.stallEnd.Store(time.Now().Add(s.stallFor).UnixNano()) })
		}
		if end := s.stallEnd.Load(); end != 0 {
			time.Sleep(time.Until(time.Unix(0, end)))
		}
		switch strings.ToUpper(string(args[0])) {
		case "GET":
			bw.WriteString("$-1\r\n")
		case "PING":
			bw.WriteString("+PONG\r\n")
		default:
			bw.WriteString("+OK\r\n")
		}
		if br.Buffered() == 0 { // flush once the pipelined batch is read
			if err := bw.Flush(); err != nil {
				return
			}
		}
	}
}

func testConfig(t *testing.T, addr, workload string) Config {
	t.Helper()
	w, err := loadgen.ParseWorkload(workload, 1000, "")
	if err != nil {
		t.Fatal(err)
	}
	target, err := ParseTarget("redis://" + addr)
	if err != nil {
		t.Fatal(err)
	}
	return Config{
		Target: target, Workload: w, ValueSize: loadgen.ConstantSize(32),
		Schedule: "constant", Connections: 4, InflightMax: DefaultInflightMax, Seed: 1,
	}
}

// The acceptance test of coordinated omission: a server that stalls for
// one second in the middle of a constant-rate run. Measured from each
// operation's intended start, the operations scheduled during the stall
// waited up to a second, a third of the run's operations: p99 shows the
// stall. A closed loop stops sending while the server stalls; only its
// few outstanding operations see the stall, and its p99 hides it.
func TestStallShowsInOpenLoopP99AndHidesInClosedLoop(t *testing.T) {
	const stall = time.Second
	open := startStallServer(t, 1000, stall) // 1 s into a 1000/s run
	cfg := testConfig(t, open.addr(), "ycsb-a")
	cfg.RatePerSec, cfg.Duration = 1000, 3*time.Second
	res, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	all := res.AllLatency()
	if p99 := all.Percentile(99); p99 < stall/2 {
		t.Errorf("open loop: p99 %v hides a %v stall; want ≥ %v", p99, stall, stall/2)
	}
	if res.Completed() < 2900 || res.Dropped != 0 {
		t.Errorf("open loop: %d completed, %d dropped; want about 3000 and none dropped", res.Completed(), res.Dropped)
	}
	run, err := res.Report(ReportOptions{P99Goal: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if run.Verdict != reports.VerdictFail || !strings.Contains(run.Description, "coordinated omission corrected") {
		t.Errorf("open loop report: verdict %s, description %q; want fail and the model named", run.Verdict, run.Description)
	}

	closed := startStallServer(t, 1000, stall)
	cfg = testConfig(t, closed.addr(), "ycsb-a")
	cfg.Closed, cfg.Duration = 4, 3*time.Second
	res, err = Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	all = res.AllLatency()
	if all.Max() < stall*9/10 {
		t.Errorf("closed loop: max %v; the stall of %v should show there", all.Max(), stall)
	}
	if p99 := all.Percentile(99); p99 >= stall/2 {
		t.Errorf("closed loop: p99 %v; a closed loop was expected to hide the stall (under %v)", p99, stall/2)
	}
	run, err = res.Report(ReportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(run.Description, "closed-loop") || !strings.Contains(run.Description, "coordinated omission not corrected") {
		t.Errorf("closed loop report does not say which model it used: %q", run.Description)
	}
	if run.Throughput.RequestedPerSec != 0 {
		t.Errorf("closed loop requested %v ops/s, want 0 (no target rate)", run.Throughput.RequestedPerSec)
	}
}

// With a small in-flight bound, the operations scheduled while the server
// stalls find every connection full: they are dropped and counted, and
// the schedule check says the run's latencies are not the server's alone.
func TestFullInflightBoundDropsAndCounts(t *testing.T) {
	s := startStallServer(t, 200, 500*time.Millisecond)
	cfg := testConfig(t, s.addr(), "get")
	cfg.RatePerSec, cfg.Duration = 1000, time.Second
	cfg.Connections, cfg.InflightMax = 1, 10
	res, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if res.Dropped < 100 {
		t.Errorf("dropped %d sends; a 500ms stall at 1000/s with 10 slots should drop hundreds", res.Dropped)
	}
	op := res.Ops[loadgen.OpGet]
	if op.Dropped != res.Dropped || op.Count() != 999 && op.Count() != 1000 {
		t.Errorf("get: %d dropped of %d, run dropped %d; want the run's drops on the op and ~1000 scheduled", op.Dropped, op.Count(), res.Dropped)
	}
	run, err := res.Report(ReportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range run.Checks {
		if c.Name == "schedule" && c.Verdict != reports.VerdictUnknown {
			t.Errorf("schedule check %s with %d drops, want unknown", c.Verdict, res.Dropped)
		}
	}
}

// A server that goes away mid-run: the run ends with an error naming the
// lost connections rather than hanging.
func TestLostServerEndsTheRun(t *testing.T) {
	s := startStallServer(t, 0, 0)
	cfg := testConfig(t, s.addr(), "get")
	cfg.RatePerSec, cfg.Duration, cfg.Connections = 1000, 30*time.Second, 2
	go func() {
		for s.answered.Load() < 100 {
			time.Sleep(time.Millisecond)
		}
		s.kill()
	}()
	_, err := Run(context.Background(), cfg)
	if err == nil || !strings.Contains(err.Error(), "every connection") {
		t.Fatalf("run against a vanished server: %v, want every connection lost", err)
	}
}

func redisTarget(t *testing.T) string { return realredis.StartTCP(t) }

func cacheTarget(t *testing.T) string {
	srv, err := server.Start(server.Config{
		Addr: "127.0.0.1:0", Dir: t.TempDir(),
		Cache: cache.Config{AppendFsync: cache.FsyncEverysec, Hz: 10, Databases: 16},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv.Addr()
}

// Every workload, open and closed loop, against real Redis and our cache:
// operations complete and none fails.
func TestRealServers(t *testing.T) {
	for _, server := range []struct {
		name  string
		start func(*testing.T) string
	}{{"redis-server", redisTarget}, {"syslab-cache", cacheTarget}} {
		t.Run(server.name, func(t *testing.T) {
			addr := server.start(t)
			for _, w := range loadgen.WorkloadNames() {
				cfg := testConfig(t, addr, w)
				cfg.RatePerSec, cfg.Duration = 2000, 300*time.Millisecond
				if w == "ycsb-f" {
					cfg.RatePerSec, cfg.Closed = 0, 8
				}
				res, err := Run(context.Background(), cfg)
				if err != nil {
					t.Fatalf("%s: %v", w, err)
				}
				if res.Completed() < 100 || len(res.Errors) > 0 {
					t.Errorf("%s: %d completed, errors %v; want ops and no errors", w, res.Completed(), res.Errors)
				}
				for kind, op := range res.Ops {
					if op.Fail+op.Info+op.Dropped > 0 {
						t.Errorf("%s %s: %d failed, %d unanswered, %d dropped", w, kind, op.Fail, op.Info, op.Dropped)
					}
				}
			}
		})
	}
}

func TestParseTarget(t *testing.T) {
	tests := []struct {
		in   string
		want Target
		err  string
	}{
		{"redis://127.0.0.1:6380", Target{Addr: "127.0.0.1:6380"}, ""},
		{"redis://localhost", Target{Addr: "localhost:6379"}, ""},
		{"redis://:secret@h:1/3", Target{Addr: "h:1", Password: "secret", DB: 3}, ""},
		{"redis://secret@h:1", Target{Addr: "h:1", Password: "secret"}, ""},
		{"redis://alice:pw@[::1]:7000", Target{Addr: "[::1]:7000", Username: "alice", Password: "pw"}, ""},
		{"http://h:1", Target{}, "scheme"},
		{"redis://h:99999", Target{}, "port"},
		{"redis://h:1/x", Target{}, "database"},
		{"redis://", Target{}, "no host"},
		{"127.0.0.1:6379", Target{}, ""},
	}
	for _, tt := range tests {
		got, err := ParseTarget(tt.in)
		if tt.in == "127.0.0.1:6379" {
			if err == nil {
				t.Errorf("ParseTarget(%q) accepted an address without a scheme", tt.in)
			}
			continue
		}
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParseTarget(%q) = %v, want error with %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseTarget(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
}

func FuzzParseTarget(f *testing.F) {
	for _, s := range []string{"redis://127.0.0.1:6379", "redis://:pw@h/2", "redis://u:p@[::1]:1/0", "redis://h:0", "redis:h", "", "redis://%zz"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		target, err := ParseTarget(s)
		if err != nil {
			return
		}
		if _, _, err := net.SplitHostPort(target.Addr); err != nil {
			t.Fatalf("ParseTarget(%q) gave address %q: %v", s, target.Addr, err)
		}
		if target.DB < 0 || target.DB > targetDBMax {
			t.Fatalf("ParseTarget(%q) gave database %d", s, target.DB)
		}
		again, err := ParseTarget(target.String())
		if err != nil || again.Addr != target.Addr || again.DB != target.DB {
			t.Fatalf("ParseTarget(%q).String() = %q does not read back: %+v, %v", s, target.String(), again, err)
		}
	})
}
