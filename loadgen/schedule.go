package loadgen

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// Schedule paces an open-loop workload: each call of the returned function
// gives the gap before the next request, whatever happened to earlier
// ones, so a slow server meets the load it would in production instead of
// slowing its clients down (no coordinated omission).
//
//	constant  requests exactly 1/rate apart
//	poisson   exponential gaps with mean 1/rate: independent arrivals
//
// Gaps are whole nanoseconds taken from an exact running total, so rounding
// never drifts the achieved rate.
func Schedule(kind string, ratePerSec float64, r *rand.Rand) (func() time.Duration, error) {
	if !(ratePerSec > 0) || math.IsInf(ratePerSec, 0) || ratePerSec > 1e9 {
		return nil, fmt.Errorf("schedule: rate %v per second: want 0 < rate ≤ 1e9", ratePerSec)
	}
	var sinceStartNs float64
	var emitted time.Duration
	step := func(gapNs float64) time.Duration {
		sinceStartNs += gapNs
		next := time.Duration(math.Round(sinceStartNs))
		gap := next - emitted
		emitted = next
		return gap
	}
	meanGapNs := 1e9 / ratePerSec
	switch kind {
	case "constant":
		return func() time.Duration { return step(meanGapNs) }, nil
	case "poisson":
		if r == nil {
			return nil, fmt.Errorf("schedule: poisson needs a random source")
		}
		return func() time.Duration { return step(r.ExpFloat64() * meanGapNs) }, nil
	}
	return nil, fmt.Errorf("schedule: unknown kind %q (want constant or poisson)", kind)
}
