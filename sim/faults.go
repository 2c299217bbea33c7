package sim

import (
	"fmt"
	"math"
	"time"

	"syslab/node"
)

// Every fault is recorded in the trace hash at the moment it is applied,
// so two runs only hash equal if their faults struck at the same times.

// Crash is a power loss: the incarnation's memory, timers and inbox are
// gone, and each file loses what was not durable (with TornWrites, a random
// prefix of an appended unsynced tail survives). The node stays down until
// Restart. Crashing a node that is down still loses its unsynced data.
func (w *World) Crash(id node.ID) {
	n := w.mustNode(id)
	w.record(kindCrash, n.index, -1, 0)
	w.down(n)
	n.disk.powerLoss()
}

// Kill is a process crash (kill -9, OOM): memory, timers and inbox are
// gone, but everything written to files survives in the OS page cache and
// becomes durable by writeback as usual.
func (w *World) Kill(id node.ID) {
	n := w.mustNode(id)
	w.record(kindKill, n.index, -1, 0)
	w.down(n)
}

// Restart boots a new incarnation (a fresh Handler from the Factory, then
// Start) as an event at the current time. Restarting a node that is up
// kills it first, like `systemctl restart`; the disk keeps what Kill keeps.
func (w *World) Restart(id node.ID) {
	n := w.mustNode(id)
	w.record(kindRestart, n.index, -1, 0)
	w.down(n)
	w.scheduleStart(n)
}

// Pause stops the node's process (a GC stall, SIGSTOP): time passes, its
// messages and timer firings queue in the inbox (messages up to its bound)
// and nothing runs until Resume. Pausing a node that is down or paused does
// nothing.
func (w *World) Pause(id node.ID) {
	n := w.mustNode(id)
	w.record(kindPause, n.index, -1, 0)
	if n.up {
		n.paused = true
	}
}

// Resume continues a paused node; the queued work runs in arrival order.
func (w *World) Resume(id node.ID) {
	n := w.mustNode(id)
	w.record(kindResume, n.index, -1, 0)
	if !n.paused {
		return
	}
	n.paused = false
	w.scheduleCPUFree(n)
}

// SetClock sets the node's clock to true time + offset, drifting from now
// on by driftPPM parts per million (positive runs fast). offset is absolute,
// not added to the previous one; lowering it makes the clock jump back
// between two events, which engines must survive. It panics if |driftPPM|
// exceeds MaxDriftPPM.
func (w *World) SetClock(id node.ID, offset time.Duration, driftPPM float64) {
	n := w.mustNode(id)
	if !(math.Abs(driftPPM) <= MaxDriftPPM) {
		panic(fmt.Sprintf("sim: SetClock(%q): drift %v ppm is beyond ±%d", id, driftPPM, MaxDriftPPM))
	}
	w.record(kindSetClock, n.index, -1, uint64(offset)^math.Float64bits(driftPPM))
	n.clock = clock{offset: offset, rate: driftPPM / 1e6, since: w.now}
}

// SetDiskFault injects a disk failure on the node until called again with
// the zero DiskFault. It panics on an invalid fault (see DiskFault.Validate).
func (w *World) SetDiskFault(id node.ID, f DiskFault) {
	n := w.mustNode(id)
	if err := f.Validate(); err != nil {
		panic(fmt.Sprintf("sim: SetDiskFault(%q): %v", id, err))
	}
	var full uint64
	if f.Full {
		full = 1
	}
	w.record(kindDiskFault, n.index, -1, math.Float64bits(f.ReadErrorRate)^
		math.Float64bits(f.WriteErrorRate)<<1^math.Float64bits(f.SyncErrorRate)<<2^full)
	n.disk.fault = f
}
