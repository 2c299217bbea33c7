package reports

import (
	"math"
	"testing"
)

func TestNumber(t *testing.T) {
	for _, tc := range []struct {
		v    float64
		want string
	}{
		{0, "0"}, {7, "7"}, {1000, "1000"}, {86.15, "86.15"}, {1.23456, "1.235"}, {0.000123456, "0.000123"},
		{1e-300, "0"}, {123456, "123.5k"}, {705466.9, "705.5k"}, {2.5e6, "2.5M"}, {3e9, "3G"}, {-0.5, "-0.5"},
	} {
		if got := number(tc.v); got != tc.want {
			t.Errorf("number(%v) = %q, want %q", tc.v, got, tc.want)
		}
	}
}

func TestNiceTicks(t *testing.T) {
	for _, tc := range []struct{ lo, hi float64 }{
		{0, 1}, {0, 60}, {0, 861.5}, {-4.5, 0}, {0, 1e300}, {1e-300, 2e-300}, {0, 7}, {3, 3.0001}, {0, 9.2e9},
	} {
		ticks, axisLo, axisHi := niceTicks(tc.lo, tc.hi, 6)
		if axisLo > tc.lo || axisHi < tc.hi || !(axisHi > axisLo) {
			t.Errorf("niceTicks(%v, %v): axis [%v, %v] does not cover the data", tc.lo, tc.hi, axisLo, axisHi)
		}
		if len(ticks) < 2 || len(ticks) > ticksMax+2 {
			t.Errorf("niceTicks(%v, %v): %d ticks %v", tc.lo, tc.hi, len(ticks), ticks)
		}
		for i, v := range ticks {
			if math.IsNaN(v) || math.IsInf(v, 0) || (i > 0 && v <= ticks[i-1]) {
				t.Errorf("niceTicks(%v, %v): bad ticks %v", tc.lo, tc.hi, ticks)
				break
			}
		}
	}
}

func TestDataRangeNeverEmpty(t *testing.T) {
	for _, tc := range [][2]float64{{0, 0}, {5, 5}, {-4, -4}, {1e-300, 1e-300}, {1e308, 1e308}} {
		lo, hi := dataRange(tc[0], tc[1])
		if !(hi > lo) || math.IsInf(hi-lo, 0) {
			t.Errorf("dataRange(%v, %v) = [%v, %v]", tc[0], tc[1], lo, hi)
		}
	}
}
