package cache

import (
	"testing"
	"time"

	"syslab/engines/cache/cluster"
)

// BenchmarkClusterIdleMinute is one minute of virtual time of a formed
// six-node cluster with no clients: the cost of the bus (gossip, cron)
// to the simulator. Reported per virtual minute.
func BenchmarkClusterIdleMinute(b *testing.B) {
	h := newClusterHarness(b, 1, cluster.Bugs{})
	h.form()
	b.ResetTimer()
	events := h.w.Stats()
	for b.Loop() {
		h.w.Run(h.w.Now() + time.Minute)
	}
	after := h.w.Stats()
	b.ReportMetric(float64(after.MessagesDelivered-events.MessagesDelivered)/float64(b.N), "messages/vmin")
}
