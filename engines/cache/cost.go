package cache

import (
	"time"

	"syslab/node"
)

// The simulator's CPU model for the cache: handling a command keeps the
// node busy for a fixed cost per message taken off the network (what the
// transport costs the server: read, decode, hand to the loop, encode and
// write the reply), a base cost by command, and a cost per argument byte
// (copying and hashing). The per-message cost dominates a cheap command,
// as a syscall per request dominates an unpipelined Redis. The base costs come from the core's own
// benchmarks: `make calibrate` writes cost_calibrated.go (each benchmarked
// command's median ns/op, and read/write class medians for the rest); the
// figures left here are estimates for what no benchmark times.
const (
	costPerMessage     = calibratedMessageCost
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
	// costPerHLLKey is PFMERGE's and a multi-key PFCOUNT's work per key:
	// unpacking and merging 16384 dense registers (~30 µs measured).
	costPerHLLKey = 30 * time.Microsecond
)

var _ node.Coster = (*Node)(nil)

// MessageCost is the virtual CPU a node spends on every message it takes
// off the network, beside the command's own work.
func MessageCost() time.Duration { return costPerMessage }

// Cost is the virtual CPU time msg takes.
func (n *Node) Cost(msg node.Message) time.Duration {
	if c := n.handlerCost(msg); c > 0 {
		return costPerMessage + c
	}
	return 0
}

// handlerCost is msg's work in the handler, transport left out; zero for
// messages that do not reach the node from the network.
func (n *Node) handlerCost(msg node.Message) time.Duration {
	switch m := msg.(type) {
	case Command:
		return n.commandCost(m.Args)
	case *Command:
		return n.commandCost(m.Args)
	case Commands:
		var total time.Duration
		for _, c := range m {
			total += n.commandCost(c.Args)
		}
		return total
	case *Round:
		return n.handlerCost(*m)
	case Round:
		var total time.Duration
		for _, cc := range m {
			for _, c := range cc.Commands {
				total += n.commandCost(c.Args)
			}
		}
		return total
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
}

// commandCost is one command's work in the handler.
func (n *Node) commandCost(args [][]byte) time.Duration {
	if len(args) == 0 {
		return costUnknownCommand
	}
	return n.commandCostOf(lookupCommand(args[0]), args)
}

// commandCostOf is commandCost for args of spec (nil: unknown).
func (n *Node) commandCostOf(spec *commandSpec, args [][]byte) time.Duration {
	argBytes := 0
	for _, a := range args {
		argBytes += len(a)
	}
	perByte := time.Duration(argBytes) * costPerArgKiB / 1024
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
	case spec.name == "pfmerge":
		return costWriteFast + time.Duration(len(args)-1)*costPerHLLKey + perByte
	case spec.name == "pfcount" && len(args) > 2:
		return costReadFast + time.Duration(len(args)-1)*costPerHLLKey + perByte
	case spec.flags&flagWrite != 0:
		return costWriteFast + perByte
	default:
		return costReadFast + perByte
	}
}
