package check

import (
	"fmt"
	"sort"
	"strconv"
	"time"
)

// FinalValue is what a key held at the end: read after recovery, or the
// last read of the history.
type FinalValue struct {
	Value string `json:"value,omitempty"`
	Nil   bool   `json:"nil,omitempty"`
}

// LostWrite is an acknowledged register write whose effect is gone.
type LostWrite struct {
	Key    string `json:"key"`
	Client int    `json:"client"`
	Kind   string `json:"op"` // "set" or "del"
	Value  string `json:"value,omitempty"`
	// AckedAt is when the client got the acknowledgement.
	AckedAt time.Duration `json:"acked_at_ns"`
	Final   FinalValue    `json:"final"`
	// CrashAt is the first crash at or after the write's call, and
	// BeforeCrash how long before it the write was acknowledged (0 when the
	// ack was still in flight as the server crashed): under "appendfsync everysec" it should stay under a
	// second. CrashAfter is false when no crash followed the ack — a loss
	// no fsync policy excuses.
	CrashAfter  bool          `json:"crash_after"`
	CrashAt     time.Duration `json:"crash_at_ns"`
	BeforeCrash time.Duration `json:"before_crash_ns"`
}

// LostReport is the outcome of LostWrites.
type LostReport struct {
	// KeysWritten have at least one acknowledged set or del; KeysChecked
	// of them had a final value to compare with, Unverified did not.
	KeysWritten int         `json:"keys_written"`
	KeysChecked int         `json:"keys_checked"`
	Unverified  []string    `json:"unverified,omitempty"`
	Lost        []LostWrite `json:"lost,omitempty"`
}

// LostWrites finds acknowledged register writes (ops "set" and "del" with
// status ok) that the end state does not reflect.
//
// For each key, take W, the acknowledged write that returned last. W is
// lost when the final value is neither W's effect nor the effect of any
// other write that could have taken effect after W: an acknowledged one
// that had not returned when W was called (it overlaps W, so may be ordered
// after it), or an indefinite one (it may land at any time). Failed writes
// never happened and cannot explain the final value. Only the last write
// per key is judged, so at most one loss is reported per key.
//
// finalReads maps keys to their value after recovery; nil means take them
// from the history with FinalReads. Keys without a final value are listed
// as Unverified, not assumed safe. crashes are the crash times of the run,
// in any order.
func LostWrites(h *History, finalReads map[string]FinalValue, crashes []time.Duration) LostReport {
	if finalReads == nil {
		finalReads = FinalReads(h)
	}
	crashTimes := append([]time.Duration(nil), crashes...)
	sort.Slice(crashTimes, func(i, j int) bool { return crashTimes[i] < crashTimes[j] })

	writesByKey := map[string][]Op{}
	lastAcked := map[string]Op{}
	for _, op := range h.Ops {
		if !isRegisterWrite(op) || op.Status == StatusFail {
			continue
		}
		writesByKey[op.Key] = append(writesByKey[op.Key], op)
		if op.Status != StatusOK {
			continue
		}
		// Ties on return time go to the later call: it cannot have been
		// ordered before the other.
		if last, ok := lastAcked[op.Key]; !ok || op.Return > last.Return ||
			(op.Return == last.Return && op.Call > last.Call) {
			lastAcked[op.Key] = op
		}
	}
	keys := make([]string, 0, len(lastAcked))
	for k := range lastAcked {
		keys = append(keys, k)
	}
	sort.Strings(keys)

	var report LostReport
	report.KeysWritten = len(keys)
	for _, key := range keys {
		final, ok := finalReads[key]
		if !ok {
			report.Unverified = append(report.Unverified, key)
			continue
		}
		report.KeysChecked++
		w := lastAcked[key]
		explained := false
		for _, x := range writesByKey[key] {
			mayFollow := x == w || x.Status == StatusInfo || x.Return >= w.Call
			if mayFollow && writeExplains(x, final) {
				explained = true
				break
			}
		}
		if explained {
			continue
		}
		lost := LostWrite{Key: key, Client: w.Client, Kind: w.Kind, Value: w.Input, AckedAt: w.Return, Final: final}
		// The write took effect somewhere between its call and its return,
		// and its acknowledgement may still have been on the wire when the
		// server crashed: so the crash that can have undone it is the first
		// one after the call. An ack that arrived after that crash is
		// "0s before" it.
		if i := sort.Search(len(crashTimes), func(i int) bool { return crashTimes[i] >= w.Call }); i < len(crashTimes) {
			lost.CrashAfter = true
			lost.CrashAt = crashTimes[i]
			lost.BeforeCrash = max(crashTimes[i]-w.Return, 0)
		}
		report.Lost = append(report.Lost, lost)
	}
	return report
}

// FinalReads takes, for each key, the successful "get" with the latest call
// — if it started after every acknowledged write on the key returned, so
// that it can only have seen their combined effect. Keys whose last read
// overlaps a write get no final value.
func FinalReads(h *History) map[string]FinalValue {
	lastRead := map[string]Op{}
	writesDone := map[string]time.Duration{}
	for _, op := range h.Ops {
		if op.Status != StatusOK {
			continue
		}
		if isRegisterWrite(op) {
			writesDone[op.Key] = max(writesDone[op.Key], op.Return)
		}
		if op.Kind == "get" {
			if last, ok := lastRead[op.Key]; !ok || op.Call > last.Call {
				lastRead[op.Key] = op
			}
		}
	}
	finals := map[string]FinalValue{}
	for key, read := range lastRead {
		if read.Call >= writesDone[key] {
			finals[key] = FinalValue{Value: read.Output, Nil: read.Nil}
		}
	}
	return finals
}

func isRegisterWrite(op Op) bool { return op.Kind == "set" || op.Kind == "del" }

func writeExplains(w Op, final FinalValue) bool {
	if w.Kind == "del" {
		return final.Nil
	}
	return !final.Nil && final.Value == w.Input
}

// Check turns the report into a verdict. Every lost write must have been
// acknowledged at most maxLossWindow before a crash (zero: no loss allowed
// at all); a loss with no crash after it always fails. If no written key
// could be verified the verdict is unknown.
func (r LostReport) Check(maxLossWindow time.Duration) Result {
	res := Result{Name: "lost-writes", Measured: map[string]float64{
		"keys_written":    float64(r.KeysWritten),
		"keys_checked":    float64(r.KeysChecked),
		"keys_unverified": float64(len(r.Unverified)),
		"lost_writes":     float64(len(r.Lost)),
	}}
	var worst time.Duration
	var outside []string
	for _, l := range r.Lost {
		if !l.CrashAfter || l.BeforeCrash > maxLossWindow {
			outside = append(outside, l.Key)
		}
		if l.CrashAfter {
			worst = max(worst, l.BeforeCrash)
		}
	}
	res.Measured["loss_window_max_seconds"] = worst.Seconds()
	unverified := ""
	if len(r.Unverified) > 0 {
		unverified = fmt.Sprintf("; %d keys without a final value (%s)", len(r.Unverified), listKeys(r.Unverified))
	}
	switch {
	case len(outside) > 0:
		res.Verdict = Fail
		first := r.Lost[0]
		for _, l := range r.Lost {
			if l.Key == outside[0] {
				first = l
				break
			}
		}
		beyond := ""
		if maxLossWindow > 0 {
			beyond = fmt.Sprintf(" beyond the %v window", maxLossWindow)
		}
		res.Detail = fmt.Sprintf("%d acknowledged writes lost%s (%s); first: %s%s",
			len(outside), beyond, listKeys(outside), describeLoss(first), unverified)
	case r.KeysWritten > 0 && r.KeysChecked == 0:
		res.Verdict = Unknown
		res.Detail = fmt.Sprintf("none of %d written keys has a final value", r.KeysWritten)
	default:
		res.Verdict = Pass
		res.Detail = fmt.Sprintf("%d keys checked, no acknowledged write lost%s", r.KeysChecked, unverified)
		if len(r.Lost) > 0 {
			res.Detail = fmt.Sprintf("%d keys checked, %d writes lost, all acknowledged within %v before a crash (worst %v)%s",
				r.KeysChecked, len(r.Lost), maxLossWindow, worst, unverified)
		}
	}
	return res
}

func describeLoss(l LostWrite) string {
	what := fmt.Sprintf("%s %q", l.Kind, l.Key)
	if l.Kind == "set" {
		what += " = " + strconv.Quote(l.Value)
	}
	final := "(nil)"
	if !l.Final.Nil {
		final = strconv.Quote(l.Final.Value)
	}
	if !l.CrashAfter {
		return fmt.Sprintf("%s by client %d acked at %v, no crash after it, final value %s", what, l.Client, l.AckedAt, final)
	}
	return fmt.Sprintf("%s by client %d acked at %v, %v before the crash at %v, final value %s",
		what, l.Client, l.AckedAt, l.BeforeCrash, l.CrashAt, final)
}
