package reports

import (
	"testing"
	"time"
)

func loadRun(t *testing.T, latencies map[string][]time.Duration, p99Goal time.Duration, requested float64) *Run {
	t.Helper()
	run := &Run{Scenario: "load-get", Mode: ModeLive, Errors: map[string]int{"server ERR": 1},
		Throughput: Throughput{RequestedPerSec: requested, AchievedPerSec: requested}}
	all := NewLatencyHistogram()
	for _, op := range []string{"get", "set"} {
		h := NewLatencyHistogram()
		for _, l := range latencies[op] {
			h.RecordValue(int64(l))
			all.RecordValue(int64(l))
		}
		s := OpStats{Op: op, Count: len(latencies[op]) + 1, OK: len(latencies[op]), Fail: 1}
		if err := s.SetHistogram(h); err != nil {
			t.Fatal(err)
		}
		run.Ops = append(run.Ops, s)
	}
	run.Series = []Series{{Name: "throughput (ops/s)", Unit: "ops/s", StepSeconds: 1,
		Points: []Point{{T: Dur(time.Second), V: requested}}}}
	run.Checks = []Check{LatencyGoalCheck(99, time.Duration(all.ValueAtPercentile(99)), p99Goal, all.TotalCount())}
	run.Verdict = RunVerdict(run.Checks, false)
	return run
}

// Merging the results of two machines gives the union: counts and errors
// add, histograms merge, and the p99 goal is decided over every sample.
func TestMergeRunsIsTheUnion(t *testing.T) {
	fast := make([]time.Duration, 100)
	for i := range fast {
		fast[i] = time.Duration(i+1) * time.Microsecond
	}
	slow := make([]time.Duration, 100)
	for i := range slow {
		slow[i] = 10 * time.Millisecond
	}
	a := loadRun(t, map[string][]time.Duration{"get": fast, "set": fast[:10]}, time.Millisecond, 1000)
	b := loadRun(t, map[string][]time.Duration{"get": slow, "set": slow[:5]}, time.Millisecond, 500)
	if a.Verdict != VerdictPass || b.Verdict != VerdictFail {
		t.Fatalf("fixture verdicts %s, %s; want pass, fail", a.Verdict, b.Verdict)
	}
	m, err := MergeRuns([]*Run{a, b})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := MarshalResults(m); err != nil {
		t.Fatalf("merged run does not render: %v", err)
	}
	want := map[string][2]int{"get": {202, 200}, "set": {17, 15}}
	for _, op := range m.Ops {
		if op.Count != want[op.Op][0] || op.OK != want[op.Op][1] || op.Fail != 2 {
			t.Errorf("%s: count %d ok %d fail %d, want %v and 2 failed", op.Op, op.Count, op.OK, op.Fail, want[op.Op])
		}
		h, err := decodeHistogram(op.HDR)
		if err != nil || h.TotalCount() != int64(want[op.Op][1]) {
			t.Errorf("%s: merged histogram holds %v samples (%v), want %d", op.Op, h.TotalCount(), err, want[op.Op][1])
		}
	}
	if get := m.Ops[0]; time.Duration(get.P50) < 100*time.Microsecond || time.Duration(get.P99) < 9*time.Millisecond {
		t.Errorf("get p50 %v p99 %v: want them read from the merged samples", time.Duration(get.P50), time.Duration(get.P99))
	}
	if m.Throughput.RequestedPerSec != 1500 || m.Throughput.AchievedPerSec != 1500 || m.Errors["server ERR"] != 2 {
		t.Errorf("throughput %+v errors %v: want sums", m.Throughput, m.Errors)
	}
	if pts := m.Series[0].Points; len(pts) != 1 || pts[0].V != 1500 {
		t.Errorf("throughput series %v: want one point of 1500", pts)
	}
	if len(m.Checks) != 1 || m.Checks[0].Verdict != VerdictFail || m.Checks[0].Measured["samples"] != 215 {
		t.Errorf("checks %+v: want the p99 goal decided again over 215 samples, failing", m.Checks)
	}
	if m.Verdict != VerdictFail || m.Config["merged_runs"] != 2 {
		t.Errorf("verdict %s, merged_runs %v", m.Verdict, m.Config["merged_runs"])
	}
}

func TestMergeRunsRefusesMixedInput(t *testing.T) {
	a := loadRun(t, map[string][]time.Duration{"get": {time.Millisecond}}, time.Millisecond, 1)
	b := loadRun(t, map[string][]time.Duration{"get": {time.Millisecond}}, time.Millisecond, 1)
	b.Mode = ModeSim
	if _, err := MergeRuns([]*Run{a, b}); err == nil {
		t.Error("merged a live run with a sim run")
	}
	c := loadRun(t, map[string][]time.Duration{"get": {time.Millisecond}}, time.Millisecond, 1)
	c.Ops[0].HDR = ""
	if _, err := MergeRuns([]*Run{a, c}); err == nil {
		t.Error("merged an op with samples but no histogram")
	}
	if _, err := MergeRuns(nil); err == nil {
		t.Error("merged nothing")
	}
}
