package main

import (
	"fmt"
	"io"
	"os"
	"runtime/debug"
)

// The cache server's garbage-collector settings. A cache's heap is almost
// all live data (its keys), and Go's default GOGC=100 lets the heap grow to
// twice the live data between collections: the process then holds about
// twice what it stores. Measured with 1M keys of 16-byte values (scripts/
// bench-cache.sh's memory test): RSS 221 bytes/key at GOGC=100, 189 at 50,
// redis-server 123; throughput under redis-benchmark -P 16 moved by less
// than the run-to-run noise, because a heap of live keys is marked rarely
// relative to the garbage requests make.
const (
	// serveGCPercentDefault is GOGC for `serve cache` unless the GOGC
	// environment variable or --gogc says otherwise.
	serveGCPercentDefault = 50
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

// tuneServeGC applies the settings above. gcPercent < 0 means the
// default; an explicit GOGC or GOMEMLIMIT in the environment wins over
// the flag and the default, as the Go runtime documents them.
func tuneServeGC(gcPercent int, maxMemoryBytes int64, log io.Writer) {
	if os.Getenv("GOGC") == "" {
		if gcPercent < 0 {
			gcPercent = serveGCPercentDefault
		}
		debug.SetGCPercent(gcPercent)
	}
	if maxMemoryBytes > 0 && os.Getenv("GOMEMLIMIT") == "" {
		limit := maxMemoryBytes*memoryLimitPerMaxMemory + memoryLimitSlackBytes
		debug.SetMemoryLimit(limit)
		fmt.Fprintf(log, "go runtime soft memory limit %d bytes (%d × maxmemory + %d)\n", limit, memoryLimitPerMaxMemory, memoryLimitSlackBytes)
	}
}
