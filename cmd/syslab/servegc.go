package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// The cache server's garbage-collector settings. A cache's heap is almost
// all live data (its keys), and Go's default GOGC=100 lets the heap grow to
// twice the live data between collections: the process then holds about
// twice what it stores. Measured with 1M keys of 16-byte values (scripts/
// bench-cache.sh's memory test): RSS 221 bytes/key at GOGC=100, 189 at 50,
// redis-server 123.
//
// A small keyspace has the opposite problem: at GOGC=50 a live heap of
// 20 MB is collected after every 10 MB allocated, several times a second
// under redis-benchmark, and each collection's mark phase (15–20 ms on 2
// cores) takes a core's quarter and assists from the event loop while it
// runs. That was the largest part of the cache's p99 gap to redis-server
// under -P 16 (with GOGC=off the gap closed for every command; see the
// cache issue's notes). So the collector also keeps at least
// gcHeadroomMinBytes of allocation between collections: GOGC is raised
// while the live heap is small and returns to the base once half the live
// heap is more than that floor, so large datasets keep their memory
// figures.
const (
	// serveGCPercentDefault is GOGC for `serve cache` unless the GOGC
	// environment variable or --gogc says otherwise.
	serveGCPercentDefault = 50
	// gcHeadroomMinBytes is the least a collection leaves to allocate
	// before the next: the most extra memory a small dataset costs.
	gcHeadroomMinBytes = 64 << 20
	// gcPercentChangeMin is the relative change of the computed GOGC below
	// which it is left alone: debug.SetGCPercent stops the world briefly.
	gcPercentChangeMin = 0.10
	// memoryLimitPerMaxMemory and memoryLimitSlackBytes set the Go
	// runtime's soft memory limit when --maxmemory is given: the keyspace's
	// accounted bytes (Redis's used_memory semantics) are below what the
	// Go heap holds for them (headers, the dict's nodes, GC metadata), so
	// the limit leaves that room and a slack for buffers; below it GOGC
	// rules, near it the collector runs more often instead of letting the
	// heap double past it.
	memoryLimitPerMaxMemory = 3
	memoryLimitSlackBytes   = 64 << 20
)

// tuneServeGC applies the settings above and returns a function that
// stops the headroom tuning and restores the collector's settings.
// gcPercent < 0 means the default; an explicit GOGC or GOMEMLIMIT in the
// environment wins over the flag and the default, as the Go runtime
// documents them (with GOGC set, no headroom tuning either).
func tuneServeGC(gcPercent int, maxMemoryBytes int64, log io.Writer) (restore func()) {
	var restores []func()
	if os.Getenv("GOGC") == "" {
		if gcPercent < 0 {
			gcPercent = serveGCPercentDefault
		}
		previous := debug.SetGCPercent(gcPercent)
		tuner := &gcHeadroomTuner{basePercent: gcPercent, percent: gcPercent, headroomMinBytes: gcHeadroomMinBytes}
		tuner.start()
		restores = append(restores, func() {
			tuner.stop()
			debug.SetGCPercent(previous)
		})
	}
	if maxMemoryBytes > 0 && os.Getenv("GOMEMLIMIT") == "" {
		limit := maxMemoryBytes*memoryLimitPerMaxMemory + memoryLimitSlackBytes
		previous := debug.SetMemoryLimit(limit)
		fmt.Fprintf(log, "go runtime soft memory limit %d bytes (%d × maxmemory + %d)\n", limit, memoryLimitPerMaxMemory, memoryLimitSlackBytes)
		restores = append(restores, func() { debug.SetMemoryLimit(previous) })
	}
	return func() {
		for _, restore := range restores {
			restore()
		}
	}
}

// gcHeadroomTuner sets GOGC after every collection so that the next one
// comes after at least headroomMinBytes of allocation, and never sooner
// than basePercent says.
type gcHeadroomTuner struct {
	basePercent      int
	headroomMinBytes uint64

	mu      sync.Mutex
	percent int // what SetGCPercent was last given
	stopped bool
	sample  []metrics.Sample
}

// gcSentinel is garbage the tuner allocates to hear of the next
// collection: its cleanup runs once a cycle found it unreachable. It holds
// a pointer so the tiny allocator (which batches small pointer-free
// objects, delaying their collection) leaves it alone.
type gcSentinel struct {
	_ *byte
	_ [6]uint64
}

func (t *gcHeadroomTuner) start() {
	t.sample = []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	t.afterCollection()
}

func (t *gcHeadroomTuner) stop() {
	t.mu.Lock()
	t.stopped = true
	t.mu.Unlock()
}

// afterCollection retunes and arms the sentinel for the next collection.
func (t *gcHeadroomTuner) afterCollection() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.stopped {
		return
	}
	metrics.Read(t.sample)
	if t.sample[0].Value.Kind() == metrics.KindUint64 {
		want := gcPercentFor(t.sample[0].Value.Uint64(), t.basePercent, t.headroomMinBytes)
		if changed := float64(want-t.percent) / float64(t.percent); changed > gcPercentChangeMin || changed < -gcPercentChangeMin {
			debug.SetGCPercent(want)
			t.percent = want
		}
	}
	runtime.AddCleanup(new(gcSentinel), func(t *gcHeadroomTuner) { t.afterCollection() }, t)
}

// gcPercentFor is the GOGC that lets the heap grow by at least
// headroomMinBytes over liveBytes, and by basePercent at the least.
func gcPercentFor(liveBytes uint64, basePercent int, headroomMinBytes uint64) int {
	if liveBytes == 0 || liveBytes*uint64(basePercent)/100 >= headroomMinBytes {
		return basePercent
	}
	return int((headroomMinBytes*100 + liveBytes - 1) / liveBytes)
}
