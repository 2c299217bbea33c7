package cache

import (
	"time"

	"syslab/node"
)

// The simulator's CPU model for the cache: handling a command keeps the
// node busy for a base cost by command plus a cost per argument byte
// (copying and hashing). The base costs come from the core's own
// benchmarks: `make calibrate` writes cost_calibrated.go (each benchmarked
// command's median ns/op, and read/write class medians for the rest); the
// figures left here are estimates for what no benchmark times.
const (
	costUnknownCommand = 1 * time.Microsecond
	costReadFast       = calibratedReadFast // EXISTS, TTL, … (GET and others: calibratedCommandCost)
	costWriteFast      = calibratedWriteFast
	costKeyspaceWide   = 5 * time.Microsecond  // FLUSHALL's own work is extra, per key
	costPerArgKiB      = 256 * time.Nanosecond // ~0.25 ns per byte: memcpy plus hashing
	costPerFlushedKey  = 50 * time.Nanosecond
	// costReplicatedPerKiB is a replica's work per KiB of stream: parsing
	// and applying commands of ~50 bytes each.
	costReplicatedPerKiB = 20 * time.Microsecond
	costPerSyncedKey     = 200 * time.Nanosecond // encoding one key into the sync's RDB
)

var _ node.Coster = (*Node)(nil)

// Cost is the virtual CPU time msg takes.
func (n *Node) Cost(msg node.Message) time.Duration {
	var args [][]byte
	switch m := msg.(type) {
	case Command:
		args = m.Args
	case *Command:
		args = m.Args
	case ReplStream:
		// Applying the stream costs about what the writes cost their master.
		return costWriteFast + time.Duration(len(m.Data))*costReplicatedPerKiB/1024
	case MigrateRequest:
		// Restoring a batch costs about what replicating its bytes costs.
		size := 0
		for _, k := range m.Keys {
			size += len(k.Key) + len(k.Payload)
		}
		return costWriteFast + time.Duration(size)*costReplicatedPerKiB/1024
	case ReplSync:
		// A full sync serializes the whole dataset (a partial one is cheap,
		// but which it is depends on the backlog: charge the worst case).
		keys := 0
		for _, ks := range n.dbs {
			keys += ks.size()
		}
		return costKeyspaceWide + time.Duration(keys)*costPerSyncedKey
	default:
		return clusterMessageCost(msg) // cluster.go; 0 for anything else
	}
	if len(args) == 0 {
		return costUnknownCommand
	}
	argBytes := 0
	for _, a := range args {
		argBytes += len(a)
	}
	perByte := time.Duration(argBytes) * costPerArgKiB / 1024
	spec := lookupCommand(args[0])
	if spec != nil {
		if c, ok := calibratedCommandCost[spec.name]; ok {
			return c + perByte
		}
	}
	switch {
	case spec == nil:
		return costUnknownCommand + perByte
	case spec.name == "flushall":
		keys := 0
		for _, ks := range n.dbs {
			keys += ks.size()
		}
		return costKeyspaceWide + time.Duration(keys)*costPerFlushedKey + perByte
	case spec.name == "dbsize":
		return costReadFast
	case spec.flags&flagWrite != 0:
		return costWriteFast + perByte
	default:
		return costReadFast + perByte
	}
}
