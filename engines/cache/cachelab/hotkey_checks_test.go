package cachelab

import (
	"math/rand/v2"
	"testing"

	"syslab/check"
	"syslab/lab/engine"
	"syslab/node"
)

func TestBusiestNodeGetShare(t *testing.T) {
	gets := func(n int) *check.History {
		h := &check.History{}
		for range n {
			h.Ops = append(h.Ops, check.Op{Kind: "get"})
		}
		h.Ops = append(h.Ops, check.Op{Kind: "set"}) // not counted
		return h
	}
	served := func(counts ...float64) map[string]map[string]float64 {
		m := map[string]map[string]float64{}
		for i, c := range counts {
			m["cache-"+itoa(i+1)] = map[string]float64{metricGetsServed: c}
		}
		return m
	}
	for _, c := range []struct {
		name        string
		run         engine.RunFacts
		limit       float64
		wantVerdict string
		wantShare   float64
	}{
		{"hot shard", engine.RunFacts{History: gets(100), Metrics: served(60, 20, 20)}, 0.5, "fail", 0.6},
		{"spread", engine.RunFacts{History: gets(100), Metrics: served(34, 33, 33)}, 0.5, "pass", 0.34},
		{"client cache answers most", engine.RunFacts{History: gets(100), Metrics: served(10, 5, 5)}, 0.5, "pass", 0.1},
		{"live run: no metrics", engine.RunFacts{History: gets(100)}, 0.5, "unknown", 0},
		{"no gets", engine.RunFacts{History: gets(0), Metrics: served(1)}, 0.5, "unknown", 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			res := busiestNodeGetShare(c.limit, c.run)
			if res.Verdict != c.wantVerdict {
				t.Fatalf("verdict %s (%s), want %s", res.Verdict, res.Detail, c.wantVerdict)
			}
			if got := res.Measured[checkBusiestNodeGetShare]; got != c.wantShare {
				t.Errorf("share %v, want %v", got, c.wantShare)
			}
		})
	}
}

func itoa(i int) string { return string(rune('0' + i)) }

func TestReplicaReadsSpreadGetsOverTheShard(t *testing.T) {
	c := newClient([]node.ID{"m"}, "", clientSettings{Split: 1, ReplicaReads: true}, rand.New(rand.NewPCG(1, 2)))
	c.replicas = replicasByMaster([]node.ID{"m", "r1", "r2"}, map[node.ID]node.ID{"r1": "m", "r2": "m"})
	count := map[node.ID]int{}
	for range 3000 {
		count[c.readFrom("m")]++
	}
	for _, id := range []node.ID{"m", "r1", "r2"} {
		if count[id] < 800 {
			t.Errorf("%s got %d of 3000 reads, want about a third: %v", id, count[id], count)
		}
	}
	c.cfg.ReplicaReads = false
	if got := c.readFrom("m"); got != "m" {
		t.Errorf("replica_reads off: read from %s, want the master", got)
	}
}
