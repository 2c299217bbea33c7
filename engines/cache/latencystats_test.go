package cache

import (
	"strconv"
	"strings"
	"testing"

	"syslab/engines/cache/resp"
)

// In the simulator durations are the cost model's, so the percentiles are
// known: every GET costs the same, and each percentile is that cost (to
// the histogram's two significant digits).
func TestLatencyStatsPercentiles(t *testing.T) {
	n, env := startNode(t, Config{})
	do(n, env, "c", "SET k v")
	for range 10 {
		do(n, env, "c", "GET k")
	}
	do(n, env, "c", "CLIENT ID")
	info := do(n, env, "c", "INFO latencystats")
	for _, want := range []string{"latency_percentiles_usec_get:p50=", ",p99=", ",p99.9=", "latency_percentiles_usec_client|id:p50="} {
		if !strings.Contains(info, want) {
			t.Fatalf("INFO latencystats lacks %q: %s", want, info)
		}
	}
	getCost := n.commandCost([][]byte{[]byte("GET"), []byte("k")})
	line := info[strings.Index(info, "latency_percentiles_usec_get:"):]
	line = line[:strings.Index(line, `\r\n`)]
	p50 := strings.TrimPrefix(strings.Split(line, ",")[0], "latency_percentiles_usec_get:p50=")
	if want := float64(getCost.Nanoseconds()) / 1000; !closeTo(p50, want, 0.01) {
		t.Fatalf("GET's p50 = %s µs, want about %.3f (its cost in the model): %s", p50, want, line)
	}

	do(n, env, "c", "CONFIG SET latency-tracking-info-percentiles \"0.0 50.0 100.0\"")
	if got := do(n, env, "c", "CONFIG GET latency-tracking-info-percentiles"); got != `["latency-tracking-info-percentiles" "0 50 100"]` {
		t.Fatalf("CONFIG GET latency-tracking-info-percentiles = %s", got)
	}
	if info := do(n, env, "c", "INFO latencystats"); !strings.Contains(info, "latency_percentiles_usec_get:p0=") || !strings.Contains(info, ",p100=") {
		t.Fatalf("after setting 0 50 100: %s", info)
	}
	do(n, env, "c", "CONFIG RESETSTAT")
	do(n, env, "c", "CONFIG SET latency-tracking no")
	do(n, env, "c", "GET k")
	if info := do(n, env, "c", "INFO latencystats"); strings.Contains(info, "latency_percentiles_usec_get") {
		t.Fatalf("GET tracked after RESETSTAT with latency-tracking no: %s", info)
	}
}

func closeTo(got string, want, tolerance float64) bool {
	v, err := strconv.ParseFloat(got, 64)
	return err == nil && v >= want*(1-tolerance) && v <= want*(1+tolerance)
}

// The parameters' replies, compared with a real redis-server 7.
func TestLatencyTrackingConfigMatchesRealRedis(t *testing.T) {
	for _, protocol := range []int{resp.RESP2, resp.RESP3} {
		c := newComparison(t, Config{}, protocol)
		c.run(exact(`CONFIG GET latency-tracking`, `CONFIG GET latency-tracking-info-percentiles`,
			`CONFIG SET latency-tracking-info-percentiles "10.0 50.0 a"`, `CONFIG SET latency-tracking-info-percentiles "10.0 50.0 101.0"`,
			`CONFIG GET latency-tracking-info-percentiles`, `CONFIG SET latency-tracking-info-percentiles "99.99 0.5"`,
			`CONFIG GET latency-tracking-info-percentiles`, `CONFIG SET latency-tracking-info-percentiles ""`,
			`CONFIG GET latency-tracking-info-percentiles`, `CONFIG SET latency-tracking maybe`, `CONFIG SET latency-tracking no`,
			`CONFIG GET latency-tracking`, `CONFIG SET latency-tracking yes`))
	}
}
