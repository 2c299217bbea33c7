package lab_test

import (
	"testing"

	"syslab/reports"
)

// The eviction scenarios run one workload under three policies. For
// independent zipfian requests theory orders them LFU ≥ LRU > random; the
// gaps measured are about 4 points each, so the test asks for LRU and LFU
// to beat random by at least 2 and leaves LFU against LRU to the scenario
// goals.
func TestEvictionPoliciesOnZipf(t *testing.T) {
	hitRate := map[string]float64{}
	for _, policy := range []string{"allkeys-lru", "allkeys-lfu", "allkeys-random"} {
		run := runSeed(t, scenario(t, "eviction-"+policy+".yaml"), 1, "")
		if run.Verdict != reports.VerdictPass {
			t.Fatalf("%s: verdict %s: %+v", policy, run.Verdict, run.Checks)
		}
		for _, c := range run.Checks {
			if c.Name == "hit_rate" {
				hitRate[policy] = c.Measured["hit_rate"]
			}
		}
		t.Logf("%s: hit rate %.3f", policy, hitRate[policy])
	}
	const marginPoints = 0.02
	for _, better := range []string{"allkeys-lru", "allkeys-lfu"} {
		if hitRate[better] < hitRate["allkeys-random"]+marginPoints {
			t.Errorf("%s hit rate %.3f does not beat allkeys-random %.3f by %.0f points", better, hitRate[better], hitRate["allkeys-random"], 100*marginPoints)
		}
	}
}

// The volatile-* scenarios run the same workload with a TTL on every
// value. The policies must rank as their allkeys-* counterparts, and
// volatile-ttl must track volatile-lru: each read refreshes its key's TTL,
// so the nearest expiry is the least recent read.
func TestVolatilePoliciesOnZipf(t *testing.T) {
	hitRate := map[string]float64{}
	for _, policy := range []string{"volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl"} {
		run := runSeed(t, scenario(t, "eviction-"+policy+".yaml"), 1, "")
		if run.Verdict != reports.VerdictPass {
			t.Fatalf("%s: verdict %s: %+v", policy, run.Verdict, run.Checks)
		}
		for _, c := range run.Checks {
			if c.Name == "hit_rate" {
				hitRate[policy] = c.Measured["hit_rate"]
			}
		}
		t.Logf("%s: hit rate %.3f", policy, hitRate[policy])
	}
	const marginPoints, ttlLikeLRUPoints = 0.02, 0.01
	for _, better := range []string{"volatile-lru", "volatile-lfu", "volatile-ttl"} {
		if hitRate[better] < hitRate["volatile-random"]+marginPoints {
			t.Errorf("%s hit rate %.3f does not beat volatile-random %.3f by %.0f points", better, hitRate[better], hitRate["volatile-random"], 100*marginPoints)
		}
	}
	if d := hitRate["volatile-ttl"] - hitRate["volatile-lru"]; d > ttlLikeLRUPoints || d < -ttlLikeLRUPoints {
		t.Errorf("volatile-ttl %.3f and volatile-lru %.3f differ by more than %.0f point", hitRate["volatile-ttl"], hitRate["volatile-lru"], 100*ttlLikeLRUPoints)
	}
}
