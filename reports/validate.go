package reports

import (
	"fmt"
	"math"
	"net/url"
	"path"
	"slices"
	"strings"
)

var (
	runVerdicts   = []string{VerdictPass, VerdictFail, VerdictUnknown, VerdictExpectedFail}
	checkVerdicts = []string{VerdictPass, VerdictFail, VerdictUnknown}
	faultKinds    = []string{FaultPartition, FaultCrash, FaultRestart, FaultPause, FaultResume,
		FaultClock, FaultDisk, FaultHeal, FaultKill, FaultAction}
	modes = []string{ModeSim, ModeLive}
)

// hdrBytesMax bounds an encoded histogram. A 1ns–1h histogram at three
// significant digits encodes to a few kilobytes; anything near this bound is
// not one of ours and would cost memory to decode.
const hdrBytesMax = 1 << 20

// Validate reports the first thing in r that a report cannot show
// faithfully: an unknown verdict, mode or fault kind, a float that is NaN or
// infinite (JSON cannot carry it and a plot cannot draw it), a fault that
// ends before it starts, or an artifact path that is not relative.
func (r *Run) Validate() error {
	if r.Mode != "" && !slices.Contains(modes, r.Mode) {
		return fmt.Errorf("mode %q: want sim or live", r.Mode)
	}
	if !slices.Contains(runVerdicts, r.Verdict) {
		return fmt.Errorf("verdict %q: want one of %s", r.Verdict, strings.Join(runVerdicts, ", "))
	}
	if r.VirtualDuration < 0 {
		return fmt.Errorf("virtual_duration %v is negative", r.VirtualDuration)
	}
	for i, op := range r.Ops {
		for _, q := range []struct {
			name string
			v    Dur
		}{{"p50", op.P50}, {"p90", op.P90}, {"p99", op.P99}, {"p999", op.P999}, {"max", op.Max}} {
			if q.v < 0 {
				return fmt.Errorf("ops[%d] %q: %s %v is negative", i, op.Op, q.name, q.v)
			}
		}
		if len(op.HDR) > hdrBytesMax {
			return fmt.Errorf("ops[%d] %q: hdr is %d bytes, over the %d-byte bound", i, op.Op, len(op.HDR), hdrBytesMax)
		}
	}
	if err := finite("throughput.requested_per_sec", r.Throughput.RequestedPerSec); err != nil {
		return err
	}
	if err := finite("throughput.achieved_per_sec", r.Throughput.AchievedPerSec); err != nil {
		return err
	}
	for i, c := range r.Checks {
		if !slices.Contains(checkVerdicts, c.Verdict) {
			return fmt.Errorf("checks[%d] %q: verdict %q: want pass, fail or unknown", i, c.Name, c.Verdict)
		}
		for _, k := range sortedKeys(c.Measured) {
			if err := finite(fmt.Sprintf("checks[%d] %q: measured %q", i, c.Name, k), c.Measured[k]); err != nil {
				return err
			}
		}
		for _, a := range c.Artifacts {
			if err := relativePath(a); err != nil {
				return fmt.Errorf("checks[%d] %q: artifact: %w", i, c.Name, err)
			}
		}
	}
	for i, f := range r.Faults {
		if !slices.Contains(faultKinds, f.Kind) {
			return fmt.Errorf("faults[%d]: kind %q: want one of %s", i, f.Kind, strings.Join(faultKinds, ", "))
		}
		if f.Start < 0 {
			return fmt.Errorf("faults[%d] %s: start %v is negative", i, f.Kind, f.Start)
		}
		if f.End != 0 && f.End < f.Start {
			return fmt.Errorf("faults[%d] %s: end %v is before start %v", i, f.Kind, f.End, f.Start)
		}
	}
	for i, s := range r.Series {
		if err := finite(fmt.Sprintf("series[%d] %q: step_seconds", i, s.Name), s.StepSeconds); err != nil {
			return err
		}
		if s.StepSeconds < 0 {
			return fmt.Errorf("series[%d] %q: step_seconds %v is negative", i, s.Name, s.StepSeconds)
		}
		for j, p := range s.Points {
			if err := finite(fmt.Sprintf("series[%d] %q: points[%d]", i, s.Name, j), p.V); err != nil {
				return err
			}
			if p.T < 0 {
				return fmt.Errorf("series[%d] %q: points[%d]: time %v is negative", i, s.Name, j, p.T)
			}
			if j > 0 && p.T < s.Points[j-1].T {
				return fmt.Errorf("series[%d] %q: points[%d]: time %v is before the previous point's %v", i, s.Name, j, p.T, s.Points[j-1].T)
			}
		}
	}
	if err := finite("real.duration_sec", r.Real.DurationSec); err != nil {
		return err
	}
	return finite("real.events_per_sec", r.Real.EventsPerSec)
}

func finite(field string, v float64) error {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Errorf("%s is %v: a report needs a finite number (leave a missing sample out)", field, v)
	}
	return nil
}

// relativePath accepts a slash-separated path inside the run's folder, so
// that a report folder can be moved or zipped and its links still work.
func relativePath(p string) error {
	if p == "" {
		return fmt.Errorf("empty path")
	}
	if u, err := url.Parse(p); err != nil || u.Scheme != "" || u.Host != "" {
		return fmt.Errorf("%q is not a relative path", p)
	}
	if strings.HasPrefix(p, "/") || strings.Contains(p, `\`) {
		return fmt.Errorf("%q is not a relative slash-separated path", p)
	}
	if c := path.Clean(p); c == ".." || strings.HasPrefix(c, "../") {
		return fmt.Errorf("%q leaves the run's folder", p)
	}
	return nil
}
