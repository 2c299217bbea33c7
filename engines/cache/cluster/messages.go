package cluster

// Cluster bus messages: one Go type per message kind of Redis's cluster
// bus (cluster.h's CLUSTERMSG_TYPE_*). Every message carries a Header, as
// every Redis bus packet carries the sender's view of itself. Fields are
// exported and plain so live's gob codec carries them.

// SlotBitmap has one bit per hash slot: bit s%8 of byte s/8.
type SlotBitmap [SlotCount / 8]byte

// Has reports whether slot is set.
func (b *SlotBitmap) Has(slot int) bool { return b[slot>>3]&(1<<(slot&7)) != 0 }

// Set sets slot.
func (b *SlotBitmap) Set(slot int) { b[slot>>3] |= 1 << (slot & 7) }

func (b *SlotBitmap) clear(slot int) { b[slot>>3] &^= 1 << (slot & 7) }

// eachNotIn calls fn for every slot set in b but not in other, in order,
// skipping whole bytes where there is none.
func (b *SlotBitmap) eachNotIn(other *SlotBitmap, fn func(slot int) bool) {
	for i := range b {
		diff := b[i] &^ other[i]
		for diff != 0 {
			bit := 0
			for diff&(1<<bit) == 0 {
				bit++
			}
			diff &^= 1 << bit
			if !fn(i*8 + bit) {
				return
			}
		}
	}
}

// Header is the sender's view of itself.
type Header struct {
	// Sender is the sender's 40-hex node name.
	Sender       string
	CurrentEpoch uint64
	// ConfigEpoch is the sender's configEpoch, or its master's when the
	// sender is a replica.
	ConfigEpoch uint64
	Flags       uint16
	// Slots are the sender's slots, or its master's when it is a replica.
	Slots SlotBitmap
	// Master is the sender's master's name; "" for a master.
	Master string
	// Offset is the sender's replication offset.
	Offset       int64
	IP           string
	Port         int
	BusPort      int
	ClusterOK    bool
	ManualPaused bool // the sender master paused clients for a manual failover
}

// Gossip is what the sender knows of one other node.
type Gossip struct {
	Name               string
	PingSentMillis     int64
	PongReceivedMillis int64
	IP                 string
	Port               int
	BusPort            int
	Flags              uint16
}

type (
	// Ping is a heartbeat; the receiver answers with a Pong.
	Ping struct {
		Header
		Gossip []Gossip
	}
	// Pong answers a Ping or Meet, and is broadcast after a role or
	// slot change so every node learns it at once.
	Pong struct {
		Header
		Gossip []Gossip
	}
	// Meet is a Ping that makes the receiver add the sender as a node.
	Meet struct {
		Header
		Gossip []Gossip
	}
	// Fail tells every node that Failing is in FAIL state.
	Fail struct {
		Header
		Failing string
	}
	// FailoverAuthRequest asks masters to vote for the sending replica.
	FailoverAuthRequest struct {
		Header
		// Force: a manual failover, whose master need not be FAIL.
		Force bool
	}
	// FailoverAuthAck is a master's vote.
	FailoverAuthAck struct{ Header }
	// Update tells a node advertising a stale slot claim who owns the
	// slots now: Name with ConfigEpoch owns Slots.
	Update struct {
		Header
		Name        string
		ConfigEpoch uint64
		Slots       SlotBitmap
	}
	// MFStart asks a master to start a manual failover with the sending
	// replica: the master pauses writes and sends its offset.
	MFStart struct{ Header }
)

// Messages lists one value of every bus message type, by the name live
// registers it under.
func Messages() map[string]any {
	return map[string]any{
		"cluster.Ping":                Ping{},
		"cluster.Pong":                Pong{},
		"cluster.Meet":                Meet{},
		"cluster.Fail":                Fail{},
		"cluster.FailoverAuthRequest": FailoverAuthRequest{},
		"cluster.FailoverAuthAck":     FailoverAuthAck{},
		"cluster.Update":              Update{},
		"cluster.MFStart":             MFStart{},
	}
}
