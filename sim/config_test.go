package sim

import (
	"errors"
	"strings"
	"testing"
	"time"

	"syslab/node"
)

func TestValidateRejectsImpossibleConfig(t *testing.T) {
	cases := []struct {
		name    string
		cfg     Config
		wantErr string // substring; "" = valid
	}{
		{"zero value", Config{}, ""},
		{"full model", Config{Network: LinkConfig{Latency: Latency{Kind: "lognormal", Mean: time.Millisecond, StdDev: time.Millisecond}, Loss: 0.1},
			Disk: DiskConfig{SyncLatency: Latency{Kind: "uniform", Min: 1, Max: 2}, Writeback: time.Second}}, ""},
		{"unknown kind", Config{Network: LinkConfig{Latency: Latency{Kind: "pareto"}}}, `latency kind "pareto" unknown`},
		{"negative mean", Config{Network: LinkConfig{Latency: Latency{Mean: -1}}}, "must not be negative"},
		{"max below min", Config{Network: LinkConfig{Latency: Latency{Kind: "normal", Min: 5, Max: 2}}}, "below min"},
		{"uniform without max", Config{Network: LinkConfig{Latency: Latency{Kind: "uniform", Min: 5}}}, "max must be set"},
		{"lognormal without mean", Config{Network: LinkConfig{Latency: Latency{Kind: "lognormal", StdDev: 5}}}, "mean must be > 0"},
		{"loss NaN", Config{Network: LinkConfig{Loss: nan()}}, "loss probability"},
		{"duplicate above 1", Config{Network: LinkConfig{Duplicate: 2}}, "duplicate probability"},
		{"bad reorder delay", Config{Network: LinkConfig{ReorderDelay: Latency{Kind: "x"}}}, "reorder delay"},
		{"bad sync latency", Config{Disk: DiskConfig{SyncLatency: Latency{Kind: "x"}}}, "disk sync latency"},
		{"negative writeback", Config{Disk: DiskConfig{Writeback: -1}}, "writeback"},
		{"negative capacity", Config{Disk: DiskConfig{CapacityBytes: -1}}, "capacity"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.cfg.Validate()
			if c.wantErr == "" && err != nil {
				t.Errorf("Validate = %v, want nil", err)
			}
			if c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)) {
				t.Errorf("Validate = %v, want an error containing %q", err, c.wantErr)
			}
		})
	}
	if err := (DiskFault{SyncErrorRate: -0.5}).Validate(); err == nil {
		t.Error("DiskFault.Validate accepted a negative rate")
	}
}

func nan() float64 { zero := 0.0; return zero / zero }

func TestWithDiskGivesOneNodeItsOwnDisk(t *testing.T) {
	const seed = 35
	w := New(Config{Seed: seed})
	w.AddNode("small", script(w, nil, nil), WithDisk(DiskConfig{CapacityBytes: 4}))
	w.AddNode("big", script(w, nil, nil))
	w.Run(0)
	write := func(id node.ID) error {
		f, err := scriptOf(w, id).env.Disk().Create("f")
		if err != nil {
			return err
		}
		_, err = f.Write([]byte("12345"))
		return err
	}
	if err := write("small"); !errors.Is(err, node.ErrNoSpace) {
		t.Errorf("5 bytes on a 4-byte disk: %v, want ErrNoSpace", err)
	}
	if err := write("big"); err != nil {
		t.Errorf("default disk: %v", err)
	}
}

func TestRenameReplacesAndFreesSpace(t *testing.T) {
	w := New(Config{Seed: 36})
	w.AddNode("n", script(w, nil, nil))
	d := w.Disk("n")
	for name, content := range map[string]string{"old": "123", "new": "4567"} {
		f, _ := d.Create(name)
		f.Write([]byte(content))
	}
	if err := d.Rename("old", "new"); err != nil {
		t.Fatal(err)
	}
	if b, _ := d.ReadFile("new"); string(b) != "123" || d.UsedBytes() != 3 {
		t.Errorf("after rename new = %q, used %d bytes; want %q and 3", b, d.UsedBytes(), "123")
	}
	if err := d.Rename("missing", "x"); !errors.Is(err, node.ErrNotExist) {
		t.Errorf("rename of a missing file: %v, want ErrNotExist", err)
	}
	if err := d.Remove("missing"); !errors.Is(err, node.ErrNotExist) {
		t.Errorf("remove of a missing file: %v, want ErrNotExist", err)
	}
}
