// Package check verifies what a run promises: linearizability of its history
// (with porcupine), no lost acknowledged writes, latency and error-rate goals.
//
// The history format is documented in README.md beside this file.
package check

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
)

// Status says what a client knows about one operation, in Jepsen's words.
type Status string

const (
	// StatusOK: the operation happened and its result is known.
	StatusOK Status = "ok"
	// StatusFail: the operation definitely did not happen (the server
	// refused it before doing anything).
	StatusFail Status = "fail"
	// StatusInfo: indefinite. The client timed out or crashed; the
	// operation may or may not have taken effect, now or later.
	StatusInfo Status = "info"
)

// Op is one operation a client invoked.
type Op struct {
	Client int    `json:"client"`
	Kind   string `json:"op"`
	Key    string `json:"key"`
	// Input is the value written or the delta added.
	Input string `json:"input,omitempty"`
	// Output is the value read; with Nil set, the read found no key.
	Output string `json:"output,omitempty"`
	Nil    bool   `json:"nil,omitempty"`
	Status Status `json:"status"`
	Error  string `json:"error,omitempty"`
	// Call and Return are measured from the start of the run, in virtual
	// time in the simulator and wall time live. An "info" op may leave
	// Return zero: it never returned.
	Call   time.Duration `json:"call_ns"`
	Return time.Duration `json:"return_ns"`
}

// History is everything the clients of one run did, in any order.
type History struct {
	Ops  []Op              `json:"ops"`
	Meta map[string]string `json:"meta,omitempty"`
}

// historyBytesMax bounds what ReadHistory accepts, so a wrong file name
// cannot make the checker swallow a disk image.
const historyBytesMax = 1 << 30

// ReadHistory decodes and validates a history written by History.Write (or
// any JSON of the same shape). Unknown fields are errors.
func ReadHistory(r io.Reader) (*History, error) {
	data, err := io.ReadAll(io.LimitReader(r, historyBytesMax+1))
	if err != nil {
		return nil, fmt.Errorf("read history: %w", err)
	}
	if len(data) > historyBytesMax {
		return nil, fmt.Errorf("read history: larger than %d bytes", historyBytesMax)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var h History
	if err := dec.Decode(&h); err != nil {
		return nil, fmt.Errorf("read history: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("read history: unexpected data after the history object")
	}
	if err := h.Validate(); err != nil {
		return nil, fmt.Errorf("read history: %w", err)
	}
	return &h, nil
}

// Validate reports the first op that cannot be part of a real history.
func (h *History) Validate() error {
	for i, op := range h.Ops {
		if err := op.validate(); err != nil {
			return fmt.Errorf("op %d (client %d %s %q): %w", i, op.Client, op.Kind, op.Key, err)
		}
	}
	return nil
}

func (op Op) validate() error {
	switch {
	case op.Kind == "":
		return errors.New(`missing "op"`)
	case op.Client < 0:
		return fmt.Errorf("negative client %d", op.Client)
	case op.Call < 0:
		return fmt.Errorf("negative call_ns %d", op.Call)
	case op.Nil && op.Output != "":
		return fmt.Errorf("nil read with output %q", op.Output)
	}
	switch op.Status {
	case StatusOK, StatusFail:
		if op.Return < op.Call {
			return fmt.Errorf("return_ns %d before call_ns %d", op.Return, op.Call)
		}
	case StatusInfo:
		if op.Return != 0 && op.Return < op.Call {
			return fmt.Errorf("return_ns %d before call_ns %d", op.Return, op.Call)
		}
	case "":
		return errors.New(`missing "status" (ok, fail or info)`)
	default:
		return fmt.Errorf("unknown status %q (want ok, fail or info)", op.Status)
	}
	return nil
}

// Write encodes the history as JSON, one op per line so that diffs of two
// histories stay readable.
func (h *History) Write(w io.Writer) error {
	var buf bytes.Buffer
	buf.WriteString("{\"ops\":[")
	for i, op := range h.Ops {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.WriteString("\n  ")
		line, err := json.Marshal(op)
		if err != nil {
			return fmt.Errorf("write history: op %d: %w", i, err)
		}
		buf.Write(line)
	}
	buf.WriteString("\n]")
	if len(h.Meta) > 0 {
		// encoding/json sorts map keys, so the bytes are deterministic.
		meta, err := json.Marshal(h.Meta)
		if err != nil {
			return fmt.Errorf("write history: meta: %w", err)
		}
		buf.WriteString(",\"meta\":")
		buf.Write(meta)
	}
	buf.WriteString("}\n")
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("write history: %w", err)
	}
	return nil
}
