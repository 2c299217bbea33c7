package server

import (
	"bufio"
	"bytes"
	"net"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"syslab/engines/cache"
)

// The node may not look at its own process (the node contract), so the
// server measures it and tells the node, which reports the figures in
// MEMORY STATS, INFO memory and INFO cpu (cache.ProcessStats).

// processMemoryInterval is how often the server measures the process.
// Redis refreshes its allocator figures every 100 ms in serverCron; a
// second is plenty for a figure people read by hand or scrape.
const processMemoryInterval = time.Second

// processReporter is the sender of ProcessStats reports to the node.
const processReporter = "process"

// Go runtime metrics read for each report (runtime/metrics: no
// stop-the-world, unlike runtime.ReadMemStats).
const (
	metricHeapObjects  = "/memory/classes/heap/objects:bytes"
	metricHeapUnused   = "/memory/classes/heap/unused:bytes"
	metricHeapReleased = "/memory/classes/heap/released:bytes"
	metricMappedTotal  = "/memory/classes/total:bytes"
)

// reportProcessStats measures the process now and every
// processMemoryInterval until the server closes.
func (s *Server) reportProcessStats() {
	defer s.wg.Done()
	samples := []metrics.Sample{{Name: metricHeapObjects}, {Name: metricHeapUnused}, {Name: metricHeapReleased}, {Name: metricMappedTotal}}
	totalSystem := totalSystemMemoryBytes()
	identity := s.processIdentity()
	ticker := time.NewTicker(processMemoryInterval)
	defer ticker.Stop()
	for {
		stats := measureProcessStats(samples, totalSystem)
		stats.ProcessID, stats.Executable, stats.OS, stats.TCPPort = identity.ProcessID, identity.Executable, identity.OS, identity.TCPPort
		if !s.rt.Handle(processReporter, stats) {
			return // the node is stopping
		}
		select {
		case <-s.closing:
			return
		case <-ticker.C:
		}
	}
}

// measureProcessStats reads the Go heap as the allocator figures, the
// resident set from /proc (0 where there is none) and the CPU times.
func measureProcessStats(samples []metrics.Sample, totalSystemBytes int64) cache.ProcessStats {
	metrics.Read(samples)
	value := func(i int) int64 {
		if samples[i].Value.Kind() != metrics.KindUint64 {
			return 0
		}
		return int64(samples[i].Value.Uint64())
	}
	objects, unused, released, mapped := value(0), value(1), value(2), value(3)
	p := cache.ProcessStats{
		HeapObjectsBytes: objects,
		HeapInUseBytes:   objects + unused,
		RuntimeHeldBytes: mapped - released,
		RSSBytes:         residentSetBytes(),
		TotalSystemBytes: totalSystemBytes,
		Allocator:        runtime.Version(),
	}
	p.CPUUserSeconds, p.CPUSysSeconds = cpuSeconds(syscall.RUSAGE_SELF)
	p.CPUUserChildrenSeconds, p.CPUSysChildrenSeconds = cpuSeconds(syscall.RUSAGE_CHILDREN)
	return p
}

// processIdentity is what does not change while the server runs: its
// process id, executable, operating system and TCP port.
func (s *Server) processIdentity() cache.ProcessStats {
	p := cache.ProcessStats{ProcessID: os.Getpid(), OS: operatingSystem()}
	p.Executable, _ = os.Executable()
	if _, port, err := net.SplitHostPort(s.addr); err == nil {
		p.TCPPort, _ = strconv.Atoi(port)
	}
	return p
}

// operatingSystem is uname's system, release and machine, as Redis's INFO
// shows them ("Linux 6.1.0-18-amd64 x86_64"), or Go's names without uname.
func operatingSystem() string {
	var u unix.Utsname
	if unix.Uname(&u) != nil {
		return runtime.GOOS + " " + runtime.GOARCH
	}
	text := func(b []byte) string { return string(bytes.TrimRight(b, "\x00")) }
	return text(u.Sysname[:]) + " " + text(u.Release[:]) + " " + text(u.Machine[:])
}

// cpuSeconds is the user and system CPU time of who (getrusage), or 0s.
func cpuSeconds(who int) (user, sys float64) {
	var u syscall.Rusage
	if syscall.Getrusage(who, &u) != nil {
		return 0, 0
	}
	seconds := func(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
	return seconds(u.Utime), seconds(u.Stime)
}

// residentSetBytes is the process's RSS from /proc/self/statm (its second
// field, in pages), or 0 without /proc.
func residentSetBytes() int64 {
	data, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	fields := bytes.Fields(data)
	if len(fields) < 2 {
		return 0
	}
	pages, err := strconv.ParseInt(string(fields[1]), 10, 64)
	if err != nil {
		return 0
	}
	return pages * int64(os.Getpagesize())
}

// totalSystemMemoryBytes is MemTotal from /proc/meminfo, or 0 without it.
func totalSystemMemoryBytes() int64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	scanner := bufio.NewScanner(f)
	for scanner.Scan() {
		rest, ok := bytes.CutPrefix(scanner.Bytes(), []byte("MemTotal:"))
		if !ok {
			continue
		}
		fields := bytes.Fields(rest) // "16318412 kB"
		if len(fields) == 2 && string(fields[1]) == "kB" {
			if kib, err := strconv.ParseInt(string(fields[0]), 10, 64); err == nil {
				return kib * 1024
			}
		}
		return 0
	}
	return 0
}
