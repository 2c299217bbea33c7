package lab

import (
	"math/rand/v2"
	"time"

	"syslab/node"
	"syslab/sim"
)

// world is where a run happens: the simulator, or real runtimes on real
// sockets. The runner drives both through this one interface, so a
// scenario means the same thing in either mode; where live mode cannot
// inject a fault (clock skew, disk errors) the method reports false and
// the report says the fault was not applied.
type world interface {
	// Begin starts the run's clock and its clients, once every node was
	// added. Now counts from here.
	Begin()
	// Now is the time since the run began: virtual in sim, wall in live.
	Now() time.Duration
	// At runs fn at time t of the run. World actions never run at the same
	// time as each other.
	At(t time.Duration, fn func())
	// Run advances the world to time until (in live mode: waits for it).
	Run(until time.Duration)
	// Stream is a random source that depends only on the seed and purpose.
	Stream(purpose string) *rand.Rand
	AddServer(id node.ID, f node.Factory) error
	AddClient(id node.ID, h node.Handler) error

	Up(id node.ID) bool
	Paused(id node.ID) bool
	Crash(id node.ID)
	Kill(id node.ID)
	Restart(id node.ID)
	Pause(id node.ID)
	Resume(id node.ID)
	Partition(groups ...[]node.ID)
	Block(from, to node.ID)
	Heal()
	SetClock(id node.ID, offset time.Duration, driftPPM float64) (applied bool)
	SetDiskFault(id node.ID, f sim.DiskFault) (applied bool)

	// Facts for the report: events processed, the trace hash and each
	// node's metrics (sim only; live reports zeros and nil).
	Events() uint64
	NodeMetrics(id node.ID) map[string]float64
	TraceHash() string
	// Close releases what the world holds (sockets, files, goroutines).
	Close()
}

// simWorld is the deterministic simulator as a world.
type simWorld struct{ *sim.World }

// Begin is a no-op in the simulator: virtual time stands still while the
// world is built.
func (w simWorld) Begin() {}

func (w simWorld) AddServer(id node.ID, f node.Factory) error {
	w.AddNode(id, f)
	return nil
}

// AddClient adds a client process; clients cost no simulated CPU, so the
// load generator never becomes the bottleneck it measures.
func (w simWorld) AddClient(id node.ID, h node.Handler) error {
	w.AddNode(id, func() node.Handler { return h }, sim.WithCPU(false))
	return nil
}

func (w simWorld) SetClock(id node.ID, offset time.Duration, driftPPM float64) bool {
	w.World.SetClock(id, offset, driftPPM)
	return true
}

func (w simWorld) SetDiskFault(id node.ID, f sim.DiskFault) bool {
	w.World.SetDiskFault(id, f)
	return true
}

func (w simWorld) Events() uint64 { return w.Stats().EventsProcessed }

func (w simWorld) NodeMetrics(id node.ID) map[string]float64 { return w.MetricValues(id) }
func (w simWorld) TraceHash() string                         { return fmtHash(w.World.TraceHash()) }
func (w simWorld) Close()                                    {}
