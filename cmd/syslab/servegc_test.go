package main

import (
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

func TestGCPercentForKeepsHeadroomFloor(t *testing.T) {
	const mib = 1 << 20
	for _, tc := range []struct {
		name      string
		liveBytes uint64
		want      int
	}{
		{"unknown live heap keeps the base", 0, 50},
		{"small heap gets the floor", 16 * mib, 400},
		{"floor rounds up", 3 * mib, 2134},
		{"heap where half of it is the floor", 128 * mib, 50},
		{"large heap keeps the base", 1024 * mib, 50},
		{"just under the base's reach", 127 * mib, 51},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := gcPercentFor(tc.liveBytes, 50, 64*mib)
			if got != tc.want {
				t.Fatalf("gcPercentFor(%d MiB) = %d, want %d", tc.liveBytes/mib, got, tc.want)
			}
			if tc.liveBytes > 0 && tc.liveBytes*uint64(got)/100 < 64*mib && got != 50 {
				t.Fatalf("GOGC %d leaves less than the floor", got)
			}
		})
	}
}

// The tuner hears of collections on its own (a cleanup per cycle) and
// raises GOGC for a heap as small as a test binary's.
func TestGCHeadroomTunerFollowsCollections(t *testing.T) {
	tuner := &gcHeadroomTuner{basePercent: 50, percent: 50, headroomMinBytes: 64 << 20}
	previous := debug.SetGCPercent(50)
	defer debug.SetGCPercent(previous)
	tuner.start()
	defer tuner.stop()
	deadline := time.Now().Add(10 * time.Second)
	for {
		runtime.GC()
		tuner.mu.Lock()
		percent := tuner.percent
		tuner.mu.Unlock()
		if percent > 50 {
			if now := debug.SetGCPercent(percent); now != percent {
				t.Fatalf("tuner chose GOGC %d but the runtime has %d", percent, now)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("GOGC still %d after collections of a small heap", percent)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
