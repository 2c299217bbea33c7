package reports

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestWriteThenReadRunRoundTrips(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	run := fixtureRun(t)
	if err := Write(dir, run); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{ResultsFile, SummaryFile, PageFile} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("Write did not produce %s: %v", name, err)
		}
	}
	back, err := ReadRun(filepath.Join(dir, ResultsFile))
	if err != nil {
		t.Fatal(err)
	}
	first, _ := MarshalResults(run)
	second, err := MarshalResults(back)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first, second) {
		t.Errorf("results.json changed on a read/write round trip:\n%s\n---\n%s", first, second)
	}
}

func TestResultsAreStableAndKeepWallClockInReal(t *testing.T) {
	run := fixtureRun(t)
	a, _ := MarshalResults(run)
	b, _ := MarshalResults(fixtureRun(t))
	if !bytes.Equal(a, b) {
		t.Fatal("two marshals of the same run differ")
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(a, &top); err != nil {
		t.Fatal(err)
	}
	// The wall-clock start time must appear only under "real".
	for k, v := range top {
		if k != "real" && bytes.Contains(v, []byte("2025-01-02")) {
			t.Errorf("wall-clock value leaked into %q", k)
		}
	}
	if !bytes.Contains(top["real"], []byte("2025-01-02T03:04:05Z")) {
		t.Errorf("real.started_at missing: %s", top["real"])
	}

	other := fixtureRun(t)
	other.Real = RealTime{DurationSec: 99, EventsPerSec: 1, StartedAt: time.Now()}
	ca, _ := Comparable(run)
	cb, _ := Comparable(other)
	if !bytes.Equal(ca, cb) {
		t.Error("Comparable differs for runs that differ only in wall-clock facts")
	}
	if run.Real.DurationSec != 1.75 {
		t.Error("Comparable modified the caller's run")
	}
}

func TestMarshalDoesNotTouchCaller(t *testing.T) {
	run := &Run{Verdict: VerdictPass, Checks: []Check{{Name: "c", Verdict: VerdictPass}}}
	if _, err := MarshalResults(run); err != nil {
		t.Fatal(err)
	}
	if run.Checks[0].Artifacts != nil || run.Checks[0].Measured != nil || run.FormatVersion != 0 {
		t.Errorf("MarshalResults modified its input: %+v", run)
	}
}

func TestParseRunRejects(t *testing.T) {
	good, err := MarshalResults(fixtureRun(t))
	if err != nil {
		t.Fatal(err)
	}
	replace := func(old, new string) []byte {
		if !bytes.Contains(good, []byte(old)) {
			t.Fatalf("fixture has no %q", old)
		}
		return bytes.Replace(good, []byte(old), []byte(new), 1)
	}
	for _, tc := range []struct {
		name, wantErr string
		input         []byte
	}{
		{"empty", "decoding results", nil},
		{"not json", "decoding results", []byte("hello")},
		{"unknown field", `unknown field "verdikt"`, replace(`"verdict": "fail"`, `"verdikt": "fail"`)},
		{"duration as string", "integer number of nanoseconds", replace(`"virtual_duration": 60000000000`, `"virtual_duration": "60s"`)},
		{"duration as float", "integer number of nanoseconds", replace(`"virtual_duration": 60000000000`, `"virtual_duration": 6e10`)},
		{"newer format", "format_version 2", replace(`"format_version": 1`, `"format_version": 2`)},
		{"bad verdict", `verdict "maybe"`, replace(`"verdict": "fail",
  "expect_fail"`, `"verdict": "maybe",
  "expect_fail"`)},
		{"bad fault kind", `kind "flood"`, replace(`"kind": "partition"`, `"kind": "flood"`)},
		{"absolute artifact", "not a relative", replace(`"porcupine/user-17.html"`, `"https://example.com/x.html"`)},
		{"trailing data", "trailing data", append(append([]byte{}, good...), []byte("{}")...)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseRun(tc.input)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("ParseRun error = %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
}

func TestValidateNamesTheField(t *testing.T) {
	for _, tc := range []struct {
		name    string
		mutate  func(*Run)
		wantErr string
	}{
		{"NaN throughput", func(r *Run) { r.Throughput.AchievedPerSec = math.NaN() }, "throughput.achieved_per_sec is NaN"},
		{"Inf point", func(r *Run) { r.Series[1].Points[3].V = math.Inf(1) }, `series[1] "p99 latency (ms)": points[3]`},
		{"NaN measured", func(r *Run) { r.Checks[0].Measured["x"] = math.NaN() }, `measured "x"`},
		{"points out of order", func(r *Run) { r.Series[0].Points[2].T = 0 }, "before the previous point"},
		{"fault ends before start", func(r *Run) { r.Faults[0].End = D(time.Second) }, "end 1s is before start 20s"},
		{"escaping artifact", func(r *Run) { r.Checks[0].Artifacts = []string{"../x.html"} }, "leaves the run's folder"},
		{"bad check verdict", func(r *Run) { r.Checks[1].Verdict = VerdictExpectedFail }, `checks[1] "no lost writes": verdict`},
		{"bad mode", func(r *Run) { r.Mode = "staging" }, `mode "staging"`},
		{"negative latency", func(r *Run) { r.Ops[0].P99 = -1 }, `ops[0] "GET": p99`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			run := fixtureRun(t)
			tc.mutate(run)
			err := Write(t.TempDir(), run)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("Write error = %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
}

func TestConfigThatJSONCannotCarryIsAnError(t *testing.T) {
	run := fixtureRun(t)
	run.Config["ratio"] = math.NaN()
	if _, err := MarshalResults(run); err == nil || !strings.Contains(err.Error(), "results.json") {
		t.Errorf("MarshalResults error = %v, want a results.json error", err)
	}
}
