package lab_test

import (
	"testing"

	"syslab/reports"
)

// The herd scenarios run one thundering herd under four mitigations. The
// test asks for the orderings that hold on every seed, with wide margins
// (measured over seeds 1-20: none ~1,900 loads and a busiest 100ms at the
// origin's capacity; lock 10-14 loads; coalesce ~145, at most one per
// process per expiry; XFetch 16-54).
func TestHerdMitigationsCutOriginLoad(t *testing.T) {
	for _, seed := range []uint64{1, 2} {
		type measures struct{ peak, loads, p99 float64 }
		got := map[string]measures{}
		for _, m := range []string{"none", "xfetch", "lock", "coalesce"} {
			run := runSeed(t, scenario(t, "herd-"+m+".yaml"), seed, "")
			if run.Verdict != reports.VerdictPass {
				t.Fatalf("herd-%s seed %d: verdict %s: %+v", m, seed, run.Verdict, run.Checks)
			}
			var ms measures
			for _, c := range run.Checks {
				if v, ok := c.Measured["origin_peak_qps"]; ok {
					ms.peak = v
				}
				if v, ok := c.Measured["origin_requests"]; ok {
					ms.loads = v
				}
				if v, ok := c.Measured["latency_seconds"]; ok {
					ms.p99 = v
				}
			}
			got[m] = ms
			t.Logf("seed %d herd-%s: origin peak %g/s, %g loads, p99 %.3gms", seed, m, ms.peak, ms.loads, 1000*ms.p99)
		}
		none := got["none"]
		for _, m := range []string{"lock", "coalesce"} {
			if got[m].peak > none.peak/2 {
				t.Errorf("seed %d: %s origin peak %g/s is not under half of none's %g/s", seed, m, got[m].peak, none.peak)
			}
		}
		for _, m := range []string{"xfetch", "lock", "coalesce"} {
			if got[m].loads > none.loads/5 {
				t.Errorf("seed %d: %s made %g origin loads, not under a fifth of none's %g", seed, m, got[m].loads, none.loads)
			}
			if got[m].p99 > none.p99/5 {
				t.Errorf("seed %d: %s p99 %.3gs is not under a fifth of none's %.3gs", seed, m, got[m].p99, none.p99)
			}
		}
		// XFetch spreads the refreshes over the TTL instead of letting the
		// key expire: no more than a few loads per expiry (9.5 TTLs here).
		if got["xfetch"].loads > 100 {
			t.Errorf("seed %d: xfetch made %g loads, want at most ~10 per TTL", seed, got["xfetch"].loads)
		}
		// The lease lets one reader load per expiry; coalescing one per
		// process (16).
		if got["lock"].loads >= got["coalesce"].loads {
			t.Errorf("seed %d: lock made %g loads, coalesce %g: want lock fewer", seed, got["lock"].loads, got["coalesce"].loads)
		}
	}
}
