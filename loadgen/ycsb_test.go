package loadgen

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestWorkloadMixesAreYCSBs(t *testing.T) {
	tests := []struct {
		name  string
		share map[string]float64
		dist  string
	}{
		{"ycsb-a", map[string]float64{OpGet: 0.5, OpSet: 0.5}, "scrambled"},
		{"ycsb-b", map[string]float64{OpGet: 0.95, OpSet: 0.05}, "scrambled"},
		{"ycsb-c", map[string]float64{OpGet: 1}, "scrambled"},
		{"ycsb-d", map[string]float64{OpGet: 0.95, OpInsert: 0.05}, "latest"},
		{"ycsb-f", map[string]float64{OpGet: 0.5, OpRMW: 0.5}, "scrambled"},
		{"get", map[string]float64{OpGet: 1}, "uniform"},
		{"set", map[string]float64{OpSet: 1}, "uniform"},
		{"mixed", map[string]float64{OpGet: 0.9, OpSet: 0.1}, "uniform"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, err := ParseWorkload(tt.name, 1000, "")
			if err != nil {
				t.Fatal(err)
			}
			if w.Distribution != tt.dist {
				t.Errorf("distribution %q, want %q", w.Distribution, tt.dist)
			}
			r := rand.New(rand.NewPCG(1, 2))
			const n = 100_000
			counts := map[string]int{}
			for range n {
				op := w.Next(r)
				counts[op.Kind]++
				if op.Key < 0 || (op.Kind != OpInsert && op.Key >= w.keyCount) {
					t.Fatalf("%s on key %d outside [0, %d)", op.Kind, op.Key, w.keyCount)
				}
			}
			for kind, want := range tt.share {
				got := float64(counts[kind]) / n
				if math.Abs(got-want) > 0.01 {
					t.Errorf("%s share %.3f, want %.2f", kind, got, want)
				}
			}
			if len(counts) != len(tt.share) {
				t.Errorf("emitted kinds %v, want only %v", counts, tt.share)
			}
		})
	}
}

func TestWorkloadDInsertsNewKeysAndReadsThem(t *testing.T) {
	w, err := ParseWorkload("ycsb-d", 100, "")
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(3, 4))
	next := 100
	readsOfNew := 0
	for range 10_000 {
		op := w.Next(r)
		switch op.Kind {
		case OpInsert:
			if op.Key != next {
				t.Fatalf("insert of key %d, want the next new key %d", op.Key, next)
			}
			next++
		case OpGet:
			if op.Key >= next {
				t.Fatalf("read of key %d, not inserted yet (next %d)", op.Key, next)
			}
			if op.Key >= 100 {
				readsOfNew++
			}
		}
	}
	if readsOfNew == 0 {
		t.Error("latest distribution never read an inserted key")
	}
}

func TestWorkloadErrors(t *testing.T) {
	for _, tt := range []struct{ name, dist, want string }{
		{"ycsb-e", "", "range scans"},
		{"ycsb-z", "", `unknown workload "ycsb-z"`},
		{"get", "zipf:2", "theta"},
	} {
		_, err := ParseWorkload(tt.name, 10, tt.dist)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseWorkload(%q, %q) = %v, want an error with %q", tt.name, tt.dist, err, tt.want)
		}
	}
}
