package live

import (
	"context"
	"os"
	"testing"
	"time"
)

// BenchmarkClosedLoopGet measures the generator's own ceiling: closed-loop
// GETs against the server at $SYSLAB_BENCH_TARGET (redis://host:port),
// skipped when unset. Reports ops/s of the whole pipeline.
func BenchmarkClosedLoopGet(b *testing.B) {
	url := os.Getenv("SYSLAB_BENCH_TARGET")
	if url == "" {
		b.Skip("set SYSLAB_BENCH_TARGET=redis://host:port to run")
	}
	target, err := ParseTarget(url)
	if err != nil {
		b.Fatal(err)
	}
	cfg := testConfig(&testing.T{}, target.Addr, "get")
	cfg.Closed, cfg.Connections, cfg.Duration = 256, 16, 3*time.Second
	for b.Loop() {
		res, err := Run(context.Background(), cfg)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(res.AchievedPerSec(), "ops/s")
	}
}
