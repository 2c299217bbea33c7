package reports

import "time"

// FormatVersion is the version of the results.json layout this package
// writes. ReadRun refuses files from a newer layout rather than misread them.
const FormatVersion = 1

// Verdicts of a run or a check.
const (
	VerdictPass    = "pass"
	VerdictFail    = "fail"
	VerdictUnknown = "unknown"
	// VerdictExpectedFail is a run's verdict (never a check's) when the
	// scenario declares that it demonstrates a failure and it failed.
	VerdictExpectedFail = "expected-fail"
)

// Modes a run executes in.
const (
	ModeSim  = "sim"
	ModeLive = "live"
)

// Run is everything a report shows about one run; results.json is its JSON
// form. README.md documents every field.
type Run struct {
	// FormatVersion is written by Write as the package's FormatVersion; the
	// value in the struct passed to Write is ignored.
	FormatVersion int    `json:"format_version"`
	Scenario      string `json:"scenario"`
	Description   string `json:"description"`
	// File is the scenario file the run came from, as given on the command
	// line.
	File   string `json:"file"`
	Engine string `json:"engine"`
	Mode   string `json:"mode"`
	Seed   uint64 `json:"seed"`
	// TraceHash is the hex hash of the simulator's event trace; empty in
	// live mode.
	TraceHash       string `json:"trace_hash"`
	Events          uint64 `json:"events"`
	VirtualDuration Dur    `json:"virtual_duration"`
	// Promise is one paragraph saying what the design promises.
	Promise string `json:"promise"`
	// Config is the engine configuration as run. JSON sorts its keys.
	Config     map[string]any `json:"config"`
	Ops        []OpStats      `json:"ops"`
	Throughput Throughput     `json:"throughput"`
	// Errors counts failed operations by error kind.
	Errors map[string]int `json:"errors"`
	Checks []Check        `json:"checks"`
	Faults []Fault        `json:"faults"`
	Series []Series       `json:"series"`
	// Verdict is the run's verdict; see RunVerdict for how it follows from
	// the checks.
	Verdict    string `json:"verdict"`
	ExpectFail bool   `json:"expect_fail"`
	// Metrics are the counters and gauges each server node recorded
	// (node → metric → value), such as cache_aof_rewrites_total; sim only.
	Metrics map[string]map[string]float64 `json:"metrics,omitempty"`
	// Reproduce is a one-line shell command that replays this run.
	Reproduce string `json:"reproduce"`
	// Real holds wall-clock facts; they differ between identical runs.
	Real RealTime `json:"real"`
}

// OpStats summarises one operation kind (GET, SET, …). Latencies are from
// invoke to return as the client saw them.
type OpStats struct {
	Op    string `json:"op"`
	Count int    `json:"count"`
	OK    int    `json:"ok"`
	Fail  int    `json:"fail"`
	// Info counts operations whose outcome is unknown (timed out: the
	// server may or may not have applied them).
	Info int `json:"info"`
	P50  Dur `json:"p50"`
	P90  Dur `json:"p90"`
	P99  Dur `json:"p99"`
	P999 Dur `json:"p999"`
	Max  Dur `json:"max"`
	// HDR is the latency histogram in HdrHistogram's V2 compressed base64
	// encoding, values in nanoseconds; empty when none was recorded.
	HDR string `json:"hdr"`
}

// Throughput compares the load asked for with the load completed, over the
// whole run. RequestedPerSec is 0 for closed-loop load (no target rate).
type Throughput struct {
	RequestedPerSec float64 `json:"requested_per_sec"`
	AchievedPerSec  float64 `json:"achieved_per_sec"`
}

// Check is the outcome of one promise the run verified.
type Check struct {
	Name    string `json:"name"`
	Verdict string `json:"verdict"`
	// Detail says what was found, in a sentence.
	Detail string `json:"detail"`
	// Expected states the threshold or property, e.g. "p99 < 5ms".
	Expected string `json:"expected"`
	// Artifacts are paths relative to the run's folder, e.g. a porcupine
	// visualization.
	Artifacts []string `json:"artifacts"`
	// Measured holds the numbers the verdict was decided on, named with
	// their unit ("p99_ms", "lost_writes").
	Measured map[string]float64 `json:"measured"`
}

// Fault kinds.
const (
	FaultPartition = "partition"
	FaultCrash     = "crash"
	FaultRestart   = "restart"
	FaultPause     = "pause"
	FaultResume    = "resume"
	FaultClock     = "clock"
	FaultDisk      = "disk"
	FaultHeal      = "heal"
	FaultKill      = "kill"
	// FaultAction is an engine's own action (a cache cluster's reshard);
	// Target names it.
	FaultAction = "action"
)

// Fault is one injected fault. A fault with End > Start is a window. With
// End == 0 a fault is an instant if its kind is one (crash, restart, resume,
// heal, kill) and otherwise (partition, pause, clock, disk) a window that
// lasts until the run ends.
type Fault struct {
	Kind   string `json:"kind"`
	Target string `json:"target"`
	Start  Dur    `json:"start"`
	End    Dur    `json:"end"`
	Detail string `json:"detail"`
}

// Series is a time series sampled every StepSeconds of virtual time. Each
// point's V covers the step that ends at T. A missing step is a gap in the
// plot, so a step with no data is left out rather than written as NaN.
type Series struct {
	// Name titles the plot, unit included: "throughput (ops/s)".
	Name        string  `json:"name"`
	Unit        string  `json:"unit"`
	StepSeconds float64 `json:"step_seconds"`
	Points      []Point `json:"points"`
}

// Point is one sample of a Series at virtual time T.
type Point struct {
	T Dur     `json:"t"`
	V float64 `json:"v"`
}

// RealTime holds wall-clock facts about a run. They change from one run of
// the same seed to the next, so determinism checks ignore them.
type RealTime struct {
	DurationSec  float64 `json:"duration_sec"`
	EventsPerSec float64 `json:"events_per_sec"`
	// StartedAt is when the run began on the wall clock.
	StartedAt time.Time `json:"started_at,omitzero"`
}
