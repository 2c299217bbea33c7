package reports

// instantKinds are faults that happen at a moment; the others (partition,
// pause, clock, disk) hold until healed, so with End == 0 they last until the
// run ends.
var instantKinds = map[string]bool{FaultCrash: true, FaultRestart: true, FaultResume: true, FaultHeal: true, FaultKill: true}

// faultSpan is a fault placed on the time axis, in seconds of virtual time.
type faultSpan struct {
	fault             Fault
	startSec, endSec  float64
	instant, untilEnd bool
}

// spanOf places f on a run lasting runSec seconds.
func spanOf(f Fault, runSec float64) faultSpan {
	s := faultSpan{fault: f, startSec: f.Start.Seconds(), endSec: f.End.Seconds()}
	switch {
	case f.End > f.Start:
	case f.End == 0 && !instantKinds[f.Kind]:
		s.untilEnd = true
		s.endSec = max(runSec, s.startSec)
	default:
		s.instant = true
		s.endSec = s.startSec
	}
	return s
}

// label is how a fault is named on a plot and in tables.
func (f Fault) label() string {
	if f.Target == "" {
		return f.Kind
	}
	return f.Kind + " " + f.Target
}

// when describes the fault's place in time for tables: "10s → 25s",
// "at 12s", "30s → end".
func (s faultSpan) when() string {
	switch {
	case s.instant:
		return "at " + s.fault.Start.String()
	case s.untilEnd:
		return s.fault.Start.String() + " → end"
	}
	return s.fault.Start.String() + " → " + s.fault.End.String()
}
