package server

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"syslab/engines/cache"
)

// A served node reports its process's memory, measured by the server:
// the Go heap as the allocator, the RSS from /proc.
func TestMemoryStatsReportTheProcess(t *testing.T) {
	s := startServer(t, cache.Config{})
	c := newClient(t, s)
	ctx := context.Background()
	field := func(info, name string) string {
		for _, line := range strings.Split(info, "\r\n") {
			if v, ok := strings.CutPrefix(line, name+":"); ok {
				return v
			}
		}
		return ""
	}
	// The first report is sent as the server starts; wait for it to land.
	var info string
	deadline := time.Now().Add(10 * time.Second)
	for {
		var err error
		if info, err = c.Info(ctx, "memory").Result(); err != nil {
			t.Fatal(err)
		}
		if field(info, "mem_allocator") == runtime.Version() {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no process report reached the node: mem_allocator:%s", field(info, "mem_allocator"))
		}
		time.Sleep(10 * time.Millisecond)
	}
	number := func(name string) int64 {
		v, err := strconv.ParseInt(field(info, name), 10, 64)
		if err != nil {
			t.Fatalf("INFO memory %s = %q", name, field(info, name))
		}
		return v
	}
	allocated, active, resident := number("allocator_allocated"), number("allocator_active"), number("allocator_resident")
	if allocated <= 0 || active < allocated || resident < active {
		t.Fatalf("allocator figures allocated %d, active %d, resident %d: want 0 < allocated <= active <= resident", allocated, active, resident)
	}
	if runtime.GOOS == "linux" && number("used_memory_rss") <= 0 {
		t.Fatalf("used_memory_rss = %d on Linux", number("used_memory_rss"))
	}
	cpu, err := c.Info(ctx, "cpu").Result()
	if err != nil {
		t.Fatal(err)
	}
	server, err := c.Info(ctx, "server").Result()
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(s.Addr())
	if got := field(server, "process_id"); got != strconv.Itoa(os.Getpid()) {
		t.Errorf("INFO server process_id = %q, want %d", got, os.Getpid())
	}
	if got := field(server, "tcp_port"); got != port {
		t.Errorf("INFO server tcp_port = %q, want %s", got, port)
	}
	if exe, _ := os.Executable(); field(server, "executable") != exe {
		t.Errorf("INFO server executable = %q, want %q", field(server, "executable"), exe)
	}
	if runtime.GOOS == "linux" && !strings.HasPrefix(field(server, "os"), "Linux ") {
		t.Errorf("INFO server os = %q, want uname's \"Linux <release> <machine>\"", field(server, "os"))
	}
	if got, err := c.ConfigGet(ctx, "dir").Result(); err != nil || !filepath.IsAbs(got["dir"]) {
		t.Errorf("CONFIG GET dir = %v, %v; want the absolute data directory", got, err)
	}
	if runID := field(server, "run_id"); len(runID) != 40 || strings.Trim(runID, "0123456789abcdef") != "" {
		t.Errorf("INFO server run_id = %q, want 40 hex digits", runID)
	}
	if v, err := strconv.ParseFloat(field(cpu, "used_cpu_user"), 64); err != nil || v <= 0 {
		t.Fatalf("INFO cpu used_cpu_user = %q after the process ran: want the process's CPU time", field(cpu, "used_cpu_user"))
	}
	stats, err := c.Do(ctx, "MEMORY", "STATS").Slice()
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(stats); i += 2 {
		if stats[i] == "allocator.allocated" {
			if v, ok := stats[i+1].(int64); !ok || v <= 0 {
				t.Fatalf("MEMORY STATS allocator.allocated = %v", stats[i+1])
			}
			return
		}
	}
	t.Fatalf("MEMORY STATS has no allocator.allocated: %v", stats)
}

// Once a client has read the OK of its QUIT, the node has forgotten it,
// as Redis has freed it by then: CLIENT LIST from another connection no
// longer shows it (tracking.tcl relies on it for a broken redirect).
func TestQuitClientIsGoneOnceItReadOK(t *testing.T) {
	s := startServer(t, cache.Config{})
	other := newClient(t, s)
	ctx := context.Background()
	for range 20 {
		conn, err := net.Dial("tcp", s.Addr())
		if err != nil {
			t.Fatal(err)
		}
		r := bufio.NewReader(conn)
		fmt.Fprint(conn, "CLIENT ID\r\n")
		idLine, _ := r.ReadString('\n')
		fmt.Fprint(conn, "QUIT\r\n")
		if ok, _ := r.ReadString('\n'); ok != "+OK\r\n" {
			t.Fatalf("QUIT answered %q", ok)
		}
		id := strings.TrimSpace(strings.TrimPrefix(idLine, ":"))
		list, err := other.ClientList(ctx).Result()
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(list, "id="+id+" ") {
			t.Fatalf("client %s still listed after it read QUIT's OK:\n%s", id, list)
		}
		conn.Close()
	}
}
