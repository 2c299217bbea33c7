package cache

// The instantaneous rate INFO stats reports as instantaneous_ops_per_sec:
// as Redis's serverCron, the cron samples the command counter at most
// every opsSampleIntervalMillis, and the rate is the mean over the last
// opsSamplesMax samples. The times are the node's clock, so the simulator
// reports its virtual rate.

const (
	// opsSamplesMax is how many samples the mean takes (Redis's
	// STATS_METRIC_SAMPLES).
	opsSamplesMax = 16
	// opsSampleIntervalMillis is the least time between samples, so a
	// high hz does not shorten the window.
	opsSampleIntervalMillis = 100
)

type opsRate struct {
	lastMillis   int64 // when the last sample was taken; 0 before the first
	lastCommands int64
	samples      [opsSamplesMax]int64 // commands per second
	next         int
}

// sample records the rate since the last sample, if it is time for one.
func (r *opsRate) sample(nowMillis, commands int64) {
	if r.lastMillis == 0 {
		r.lastMillis, r.lastCommands = nowMillis, commands
		return
	}
	elapsed := nowMillis - r.lastMillis
	if elapsed < opsSampleIntervalMillis {
		return
	}
	r.samples[r.next] = (commands - r.lastCommands) * 1000 / elapsed
	r.next = (r.next + 1) % opsSamplesMax
	r.lastMillis, r.lastCommands = nowMillis, commands
}

// perSec is the mean of the samples (those not yet taken count as 0, as
// in Redis right after start).
func (r *opsRate) perSec() int64 {
	var sum int64
	for _, s := range r.samples {
		sum += s
	}
	return sum / opsSamplesMax
}
