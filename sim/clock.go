package sim

import (
	"math"
	"time"
)

// MaxDriftPPM bounds the drift SetClock accepts (50%): beyond it a
// negative drift would come near stopping the clock.
const MaxDriftPPM = 500_000

// clock maps true virtual time to a node's local clock:
//
//	local(t) = t + offset + rate·(t − since)
//
// where since is when the drift was set. Between SetClock calls local is
// strictly increasing (|rate| < 1), so a node's clock only jumps when a
// fault changes it.
type clock struct {
	offset time.Duration
	rate   float64 // drift as a fraction: driftPPM / 1e6
	since  time.Duration
}

func (c *clock) local(t time.Duration) time.Duration {
	if c.rate == 0 {
		return t + c.offset
	}
	return t + c.offset + durationFromFloat(float64(t-c.since)*c.rate)
}

// trueDuration is how much true time passes while this clock advances by d
// at its current rate, rounded up so a timer never fires early on the
// node's clock. Drift changes after a timer is set do not move it.
func (c *clock) trueDuration(d time.Duration) time.Duration {
	if c.rate == 0 {
		return d
	}
	return durationFromFloat(math.Ceil(float64(d) / (1 + c.rate)))
}
