package sim

import (
	"fmt"
	"io"
	"time"
)

// Epoch is the wall-clock instant virtual time zero maps to: a node's clock
// reads Epoch + virtual time + its skew.
var Epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// Config describes a world. The zero value is a valid world with an ideal
// network (no latency, no loss) and ideal disks.
type Config struct {
	Seed    uint64
	Network LinkConfig // default for every link; SetLink overrides one
	Disk    DiskConfig // default for every node's disk; WithDisk overrides one
	// Trace, if set, gets one text line per processed event, for debugging.
	Trace io.Writer
	// Log, if set, gets the lines nodes write with Env.Logf.
	Log io.Writer
	// RealClock, if set, is read at the start and end of Run to fill the
	// real-time fields of Stats. The simulator itself never reads the wall
	// clock, so leaving it nil keeps the package free of it.
	RealClock func() time.Time
}

// LinkConfig is the network model of one direction of one link.
type LinkConfig struct {
	Latency Latency
	// Loss is the probability a message is dropped.
	Loss float64
	// Duplicate is the probability a message is delivered twice (Unordered only).
	Duplicate float64
	// Reorder is the probability a message is held back by ReorderDelay so
	// that later ones overtake it (Unordered only).
	Reorder      float64
	ReorderDelay Latency
	// Unordered turns off the default per-link FIFO. With FIFO (like a TCP
	// stream) a message is never delivered before one sent earlier on the
	// same link: its delivery time is max(sampled time, previous delivery).
	Unordered bool
}

// Validate reports a clear error for an impossible link configuration.
func (c LinkConfig) Validate() error {
	for _, p := range []struct {
		name  string
		value float64
	}{{"loss", c.Loss}, {"duplicate", c.Duplicate}, {"reorder", c.Reorder}} {
		if !(p.value >= 0 && p.value <= 1) {
			return fmt.Errorf("link %s probability %v is not within [0, 1]", p.name, p.value)
		}
	}
	if err := c.Latency.Validate(); err != nil {
		return fmt.Errorf("link latency: %w", err)
	}
	if c.ReorderDelay.Kind == "trace" {
		return fmt.Errorf("link reorder delay: a trace is a link's latency only")
	}
	if err := c.ReorderDelay.Validate(); err != nil {
		return fmt.Errorf("link reorder delay: %w", err)
	}
	return nil
}

// DiskConfig is the model of one node's disk.
type DiskConfig struct {
	// SyncLatency is the cost of one fsync, charged to the calling node's
	// CPU: the node blocks, like Redis with appendfsync always.
	SyncLatency Latency
	// WriteLatency is charged the same way per Write/WriteAt call (usually
	// about 0: the write lands in the page cache).
	WriteLatency Latency
	// Writeback is how long unsynced data stays volatile before the OS
	// writes it back (Linux dirty_expire, ~30s). 0 = never.
	Writeback time.Duration
	// TornWrites makes a power loss keep a random prefix of a file's
	// unsynced appended tail instead of dropping all of it.
	TornWrites bool
	// CapacityBytes bounds the sum of file sizes; 0 = unlimited. Writes
	// beyond it fail with node.ErrNoSpace.
	CapacityBytes int64
}

// Validate reports a clear error for an impossible disk configuration.
func (c DiskConfig) Validate() error {
	if c.SyncLatency.Kind == "trace" || c.WriteLatency.Kind == "trace" {
		return fmt.Errorf("disk latency: a trace is a link's latency only")
	}
	if err := c.SyncLatency.Validate(); err != nil {
		return fmt.Errorf("disk sync latency: %w", err)
	}
	if err := c.WriteLatency.Validate(); err != nil {
		return fmt.Errorf("disk write latency: %w", err)
	}
	if c.Writeback < 0 {
		return fmt.Errorf("disk writeback %v is negative", c.Writeback)
	}
	if c.CapacityBytes < 0 {
		return fmt.Errorf("disk capacity %d bytes is negative", c.CapacityBytes)
	}
	return nil
}

// DiskFault is an injected disk failure. The zero value means healthy.
type DiskFault struct {
	ReadErrorRate  float64 // probability a read fails with node.ErrIO
	WriteErrorRate float64 // probability a write fails with node.ErrIO and stores nothing
	SyncErrorRate  float64 // probability a sync fails with node.ErrIO and makes nothing durable
	Full           bool    // every write that would grow the disk fails with node.ErrNoSpace
}

// Validate reports a clear error for an impossible fault.
func (f DiskFault) Validate() error {
	for _, p := range []struct {
		name  string
		value float64
	}{{"read", f.ReadErrorRate}, {"write", f.WriteErrorRate}, {"sync", f.SyncErrorRate}} {
		if !(p.value >= 0 && p.value <= 1) {
			return fmt.Errorf("disk %s error rate %v is not within [0, 1]", p.name, p.value)
		}
	}
	return nil
}

// Validate reports a clear error for an impossible world configuration.
// New panics on one, so callers that take configuration from users (the
// lab's scenario loader) call Validate first.
func (c Config) Validate() error {
	if err := c.Network.Validate(); err != nil {
		return fmt.Errorf("network: %w", err)
	}
	if err := c.Disk.Validate(); err != nil {
		return err
	}
	return nil
}

// nodeOptions are the per-node settings of AddNode.
type nodeOptions struct {
	disk        *DiskConfig
	cpu         bool
	inboxMsgMax int
}

// NodeOption changes how AddNode sets up one node.
type NodeOption func(*nodeOptions)

// WithDisk gives the node its own disk model instead of Config.Disk.
func WithDisk(cfg DiskConfig) NodeOption {
	return func(o *nodeOptions) { o.disk = &cfg }
}

// WithCPU(false) makes the node's work free: Coster is ignored. Use it for
// load generators and clients, whose own CPU is not what a scenario studies.
func WithCPU(enabled bool) NodeOption {
	return func(o *nodeOptions) { o.cpu = enabled }
}

// WithInboxMax bounds the number of messages waiting for the node's CPU
// (default inboxMessagesMax). Further messages are dropped and counted, like
// a full socket buffer.
func WithInboxMax(messages int) NodeOption {
	return func(o *nodeOptions) { o.inboxMsgMax = messages }
}

// inboxMessagesMax is the default bound of a node's inbox, in messages. It
// is about what a few socket buffers of small requests hold.
const inboxMessagesMax = 10000
