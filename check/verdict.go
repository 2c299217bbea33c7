package check

// Verdict is the outcome of one check.
type Verdict string

const (
	Pass Verdict = "pass"
	Fail Verdict = "fail"
	// Unknown: the check could not decide (time budget spent, nothing to
	// measure, malformed input). It is never to be read as a pass.
	Unknown Verdict = "unknown"
)

// Result is what a check reports. Measured holds the numbers behind the
// verdict, named with their unit (latency_p99_seconds, lost_writes).
type Result struct {
	Name      string             `json:"name"`
	Verdict   Verdict            `json:"verdict"`
	Detail    string             `json:"detail"`
	Artifacts []string           `json:"artifacts,omitempty"`
	Measured  map[string]float64 `json:"measured,omitempty"`
}
