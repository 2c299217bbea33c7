package reports

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
)

// resultsFileBytesMax bounds what ReadRun loads; a results.json is tens of
// kilobytes (histograms and series included).
const resultsFileBytesMax = 64 << 20

// MarshalResults renders run as results.json: indented, map keys sorted,
// nil collections written as empty ones so that the file's shape does not
// depend on how the runner built the struct.
func MarshalResults(run *Run) ([]byte, error) {
	if err := run.Validate(); err != nil {
		return nil, err
	}
	out := normalized(run)
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		// Config is the one free-form field: a value JSON cannot carry
		// (a NaN, a func, a map with non-string keys) lands here.
		return nil, fmt.Errorf("results.json: %w", err)
	}
	return append(b, '\n'), nil
}

// Comparable is results.json without the wall-clock fields: two runs of one
// seed must produce identical bytes here.
func Comparable(run *Run) ([]byte, error) {
	c := *run
	c.Real = RealTime{}
	return MarshalResults(&c)
}

// normalized returns a shallow copy with the format version set and nil
// collections replaced by empty ones.
func normalized(run *Run) *Run {
	c := *run
	c.FormatVersion = FormatVersion
	if c.Config == nil {
		c.Config = map[string]any{}
	}
	if c.Errors == nil {
		c.Errors = map[string]int{}
	}
	c.Ops = nonNil(c.Ops)
	c.Faults = nonNil(c.Faults)
	c.Checks = nonNil(c.Checks)
	for i := range c.Checks {
		// Copy before touching: the caller's slice must stay as it was.
		if i == 0 {
			c.Checks = append([]Check(nil), c.Checks...)
		}
		c.Checks[i].Artifacts = nonNil(c.Checks[i].Artifacts)
		if c.Checks[i].Measured == nil {
			c.Checks[i].Measured = map[string]float64{}
		}
	}
	c.Series = nonNil(c.Series)
	for i := range c.Series {
		if i == 0 {
			c.Series = append([]Series(nil), c.Series...)
		}
		c.Series[i].Points = nonNil(c.Series[i].Points)
	}
	return &c
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// ReadRun loads a results.json written by Write. Unknown fields are errors:
// a misspelt or renamed field would otherwise vanish silently.
func ReadRun(path string) (*Run, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	run, err := ParseRun(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return run, nil
}

// ParseRun decodes results.json bytes and validates them.
func ParseRun(b []byte) (*Run, error) {
	if len(b) > resultsFileBytesMax {
		return nil, fmt.Errorf("results are %d bytes, over the %d-byte bound", len(b), resultsFileBytesMax)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var run Run
	if err := dec.Decode(&run); err != nil {
		return nil, fmt.Errorf("decoding results: %w", err)
	}
	if dec.More() {
		return nil, fmt.Errorf("decoding results: trailing data after the JSON object")
	}
	if run.FormatVersion != FormatVersion {
		return nil, fmt.Errorf("format_version %d: this build reads version %d", run.FormatVersion, FormatVersion)
	}
	if err := run.Validate(); err != nil {
		return nil, err
	}
	return &run, nil
}
