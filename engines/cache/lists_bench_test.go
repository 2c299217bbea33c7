package cache

import (
	"runtime"
	"runtime/debug"
	"slices"
	"testing"
	"time"
)

// listGrowthElements is how long BenchmarkListPushGrowth grows its list:
// redis-benchmark -t lpush -n 1000000 leaves "mylist" about this long.
const listGrowthElements = 1_000_000

// BenchmarkListPushGrowth grows a list from empty to listGrowthElements
// by LPUSH and times every push on its own, because what matters here is
// not the average but the worst push: the server runs one command at a
// time, so a push that reorganises the whole list stalls every client.
// max-ns/push is the median over iterations of each iteration's slowest
// push (the median, so that one preemption on a shared machine does not
// decide the number); ns/push is the mean.
//
// The garbage collector is off while the pushes are timed, and runs
// between iterations: its pauses, and the operating system preempting
// the goroutine while the collector's workers take a core, are the same
// for any list layout and on a loaded 2-core machine reach milliseconds,
// hiding what this measures.
func BenchmarkListPushGrowth(b *testing.B) {
	elem := []byte("xxx")
	var slowestNanos []int64
	var pushNanos int64
	iterations := 0
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	for b.Loop() {
		runtime.GC()
		l := newListObject()
		var slowest time.Duration
		iterationStart := time.Now()
		for range listGrowthElements {
			start := time.Now()
			l.push(elem, true)
			slowest = max(slowest, time.Since(start))
		}
		pushNanos += time.Since(iterationStart).Nanoseconds()
		slowestNanos = append(slowestNanos, slowest.Nanoseconds())
		iterations++
		if l.len() != listGrowthElements {
			b.Fatalf("list holds %d elements, want %d", l.len(), listGrowthElements)
		}
	}
	slices.Sort(slowestNanos)
	b.ReportMetric(float64(slowestNanos[len(slowestNanos)/2]), "max-ns/push")
	b.ReportMetric(float64(pushNanos)/float64(iterations*listGrowthElements), "ns/push")
}
