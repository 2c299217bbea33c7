package lab

import (
	"fmt"
	"math"
	"strings"
	"time"

	"syslab/node"
	"syslab/reports"
	"syslab/sim"
)

// scheduleFaults puts every fault of the schedule on the world's clock.
// Faults act on the world, not through a node, so they cost no node CPU;
// each one applied is noted for the report.
func (r *labRun) scheduleFaults() {
	for i := range r.sc.Faults {
		f := &r.sc.Faults[i]
		if f.Kind == FaultRandom {
			r.scheduleNemesis(f)
			continue
		}
		for at := f.At; ; at += f.Every {
			start := at
			r.w.At(start, func() { r.apply(f, start) })
			if f.Every == 0 || at+f.Every >= f.Until {
				break
			}
		}
	}
}

// apply injects f at virtual time start, and schedules its undo.
func (r *labRun) apply(f *Fault, start time.Duration) {
	w := r.w
	var end time.Duration
	if f.For > 0 {
		end = start + f.For
	}
	switch f.Kind {
	case FaultCrash, FaultKill:
		for _, id := range f.Nodes {
			if !w.Up(id) {
				continue
			}
			if f.Kind == FaultCrash {
				w.Crash(id)
			} else {
				w.Kill(id)
			}
			r.crashes = append(r.crashes, start)
			detail := ""
			if f.Kind == FaultCrash && r.mode == reports.ModeLive {
				detail = "live mode: a process crash; unsynced writes survive in the page cache"
			}
			r.window(string(f.Kind), string(id), start, end, detail)
			if f.For > 0 {
				// The window already shows when the node came back.
				w.At(end, func() {
					if !w.Up(id) {
						w.Restart(id)
					}
				})
			}
		}
	case FaultRestart:
		for _, id := range f.Nodes {
			r.restart(id)
		}
	case FaultPause:
		for _, id := range f.Nodes {
			if !w.Up(id) || w.Paused(id) {
				continue
			}
			w.Pause(id)
			r.window(reports.FaultPause, string(id), start, end, "")
			if f.For > 0 {
				w.At(end, func() {
					if w.Paused(id) {
						w.Resume(id)
					}
				})
			}
		}
	case FaultResume:
		for _, id := range f.Nodes {
			r.resume(id)
		}
	case FaultPartition:
		w.Partition(f.Partition...)
		r.window(reports.FaultPartition, groupsText(f.Partition), start, end, "")
		if f.For > 0 {
			w.At(end, w.Heal)
		}
	case FaultOneWay:
		for _, from := range f.OneWay.From {
			for _, to := range f.OneWay.To {
				w.Block(from, to)
			}
		}
		r.window(reports.FaultPartition, idsText(f.OneWay.From)+" -/-> "+idsText(f.OneWay.To), start, end, "one way")
		if f.For > 0 {
			w.At(end, w.Heal)
		}
	case FaultHeal:
		r.heal()
	case FaultClock:
		c := f.Clock
		detail := fmt.Sprintf("offset %v, drift %g ppm", c.Offset, c.DriftPPM)
		if !w.SetClock(c.Node, c.Offset, c.DriftPPM) {
			detail = "not applied: " + r.mode + " mode cannot skew a clock; " + detail
		}
		r.window(reports.FaultClock, string(c.Node), start, end, detail)
		if f.For > 0 {
			w.At(end, func() { w.SetClock(c.Node, 0, 0) })
		}
	case FaultDisk:
		d := f.Disk
		detail := fmt.Sprintf("%s with probability %g", d.Fault, d.Probability)
		if !w.SetDiskFault(d.Node, diskFault(d)) {
			detail = "not applied: " + r.mode + " mode cannot fail a disk; " + detail
		}
		r.window(reports.FaultDisk, string(d.Node), start, end, detail)
		if f.For > 0 {
			w.At(end, func() { w.SetDiskFault(d.Node, sim.DiskFault{}) })
		}
	case FaultEngine:
		// The engine's operator performs the action on its own schedule
		// (engine.Spec.Actions); the report shows when it began.
		detail := "performed by the engine's operator"
		if r.cluster.Operator == nil {
			detail = "not applied: the engine built no operator"
		}
		r.window(reports.FaultAction, f.Action, start, end, detail)
	default:
		panic(fmt.Sprintf("lab: fault kind %q has no injector", f.Kind))
	}
}

func diskFault(d *DiskFault) sim.DiskFault {
	if d.Fault == DiskFull {
		return sim.DiskFault{Full: true}
	}
	p := d.Probability
	return sim.DiskFault{ReadErrorRate: p, WriteErrorRate: p, SyncErrorRate: p}
}

func (r *labRun) restart(id node.ID) {
	if r.w.Up(id) {
		return
	}
	r.w.Restart(id)
	r.note(reports.FaultRestart, string(id), "")
}

func (r *labRun) resume(id node.ID) {
	if !r.w.Paused(id) {
		return
	}
	r.w.Resume(id)
	r.note(reports.FaultResume, string(id), "")
}

func (r *labRun) heal() {
	r.w.Heal()
	r.note(reports.FaultHeal, "all links", "")
}

// window records a fault that lasts from start to end (0: to the end of
// the run, or until a later fault undoes it).
func (r *labRun) window(kind, target string, start, end time.Duration, detail string) {
	r.faults = append(r.faults, reports.Fault{Kind: kind, Target: target, Start: reports.D(start), End: reports.D(end), Detail: detail})
}

// note records an instantaneous fault event at the current time.
func (r *labRun) note(kind, target, detail string) {
	now := reports.D(r.w.Now())
	r.faults = append(r.faults, reports.Fault{Kind: kind, Target: target, Start: now, Detail: detail})
}

// scheduleNemesis draws random faults with Poisson arrivals from its own
// stream of the seed, so adding a nemesis does not change the workload.
func (r *labRun) scheduleNemesis(f *Fault) {
	rng := r.w.Stream(fmt.Sprintf("nemesis/%d", f.Line))
	n := f.Random
	mean := n.Rate.Interval()
	if mean <= 0 {
		return
	}
	nodes := n.Nodes
	if len(nodes) == 0 {
		nodes = r.sc.Topology.Nodes
	}
	for t := f.At + exponential(rng.Float64(), mean); t < f.Until; t += exponential(rng.Float64(), mean) {
		kind := n.Kinds[rng.IntN(len(n.Kinds))]
		target := nodes[rng.IntN(len(nodes))]
		one := &Fault{Line: f.Line, Kind: kind, At: t, For: n.For}
		switch kind {
		case FaultPartition:
			rest := make([]node.ID, 0, len(r.sc.Topology.Nodes))
			for _, id := range r.sc.Topology.Nodes {
				if id != target {
					rest = append(rest, id)
				}
			}
			one.Partition = [][]node.ID{{target}, rest}
		default:
			one.Nodes = []node.ID{target}
		}
		start := t
		r.w.At(start, func() { r.apply(one, start) })
	}
}

// exponential turns a uniform draw u in [0,1) into an exponentially
// distributed gap with the given mean.
func exponential(u float64, mean time.Duration) time.Duration {
	return time.Duration(-math.Log(1-u) * float64(mean))
}

func idsText(ids []node.ID) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = string(id)
	}
	return strings.Join(s, ",")
}

func groupsText(groups [][]node.ID) string {
	s := make([]string, len(groups))
	for i, g := range groups {
		s[i] = "[" + idsText(g) + "]"
	}
	return strings.Join(s, " | ")
}
