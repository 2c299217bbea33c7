package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
)

// Each event loop of `serve cache` waits for its sockets with raw
// epoll_wait calls that keep its P (see rawWaitMillis in
// engines/cache/server): a wait through the scheduler costs its monitor
// thread's attention and usually a hop to another thread. That needs a P
// left over for the rest of the runtime (the node's timers, AOF fsync,
// BGSAVE's writer), so the server turns raw waits off when GOMAXPROCS is
// not above the loop count. Go sets GOMAXPROCS from the CPUs the process
// may use — a container with a one-CPU limit, or `taskset -c 1` — and on
// one CPU that cost the loop its raw waits: redis-benchmark -t get -c 50
// pinned to the other core measured p99 1.51 ms at GOMAXPROCS=1 against
// 0.67–0.70 ms at GOMAXPROCS=2 on the same single CPU (redis-server
// 0.69–0.72 ms). A P is not a CPU: the extra one only lets the kernel
// schedule the runtime's other threads beside the loop.

// ensureProcsForLoops raises GOMAXPROCS to loops+1 when it is lower and
// the GOMAXPROCS environment variable does not set it, and says so on log.
// It returns the restore function.
func ensureProcsForLoops(loops int, log io.Writer) (restore func()) {
	want := loops + 1
	current := runtime.GOMAXPROCS(0)
	if os.Getenv("GOMAXPROCS") != "" || current >= want {
		return func() {}
	}
	runtime.GOMAXPROCS(want)
	fmt.Fprintf(log, "GOMAXPROCS %d → %d: each of the %d event loops keeps a P while it waits for sockets\n", current, want, loops)
	return func() { runtime.GOMAXPROCS(current) }
}
