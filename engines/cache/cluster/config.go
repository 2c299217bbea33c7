package cluster

import (
	"fmt"
	"time"

	"syslab/node"
)

// Config is the cluster half of a cache node's configuration. Zero values
// stand for Redis's defaults.
type Config struct {
	// NodeTimeout is cluster-node-timeout: silence after which a peer is
	// suspected (PFAIL), and the unit of most other cluster delays; 0
	// means 15 s.
	NodeTimeout time.Duration
	// AllowPartialCoverage is cluster-require-full-coverage no: the
	// cluster keeps serving the slots it covers when some slot has no
	// working owner. The zero value is Redis's default (full coverage
	// required).
	AllowPartialCoverage bool
	// ReplicaValidityFactor is cluster-replica-validity-factor: a replica
	// whose master link has been down longer than NodeTimeout × factor
	// does not try to fail over. Negative turns the check off (Redis's
	// 0); 0 means Redis's default, 10.
	ReplicaValidityFactor int
	// MigrationBarrier is cluster-migration-barrier (kept for CONFIG and
	// reports; replica migration is not implemented); 0 means 1.
	MigrationBarrier int
	// AnnounceIP, AnnouncePort and AnnounceBusPort are the address other
	// nodes and clients are told: "ip:port" is what MOVED and CLUSTER
	// SLOTS name. AnnounceBusPort 0 means AnnouncePort+10000.
	AnnounceIP      string
	AnnouncePort    int
	AnnounceBusPort int
	// ConfigFile is cluster-config-file on the node's Disk; "" means
	// "nodes.conf".
	ConfigFile string
	// BusID maps the address of a node (as CLUSTER MEET or gossip names
	// it) to the node.ID bus messages to it are sent to. nil is the
	// simulator's convention: the IP is the node ID.
	BusID func(ip string, busPort int) node.ID
	// Bugs reintroduce classic mistakes, for tests that prove the checks
	// catch them. Production leaves them off.
	Bugs Bugs
	// namesAreIPs is set when BusID was given: addresses are real IPs.
	namesAreIPs bool
}

// Bugs are test-only switches, each planting one classic cluster bug.
type Bugs struct {
	// IsolatedMasterAcceptsWrites: a master cut off from the majority
	// keeps serving (no split-brain protection).
	IsolatedMasterAcceptsWrites bool
	// VoteNotPersisted: a master's failover votes never reach nodes.conf
	// (it acks without syncing lastVoteEpoch), so after a crash it may
	// vote a second time in an epoch.
	VoteNotPersisted bool
	// SlotOwnerLowestEpoch: slot conflicts are won by the lower
	// configEpoch instead of the higher.
	SlotOwnerLowestEpoch bool
}

const (
	defaultNodeTimeout           = 15 * time.Second
	defaultReplicaValidityFactor = 10
	defaultMigrationBarrier      = 1
	defaultConfigFile            = "nodes.conf"
	busPortOffset                = 10000
)

// Validate reports the first invalid field.
func (c Config) Validate() error {
	if c.NodeTimeout < 0 {
		return fmt.Errorf("cluster config: cluster-node-timeout %s: must not be negative (0 means 15s)", c.NodeTimeout)
	}
	if c.AnnouncePort < 0 || c.AnnouncePort > 65535 || c.AnnounceBusPort < 0 || c.AnnounceBusPort > 65535 {
		return fmt.Errorf("cluster config: announce port %d / bus port %d: must be between 0 and 65535", c.AnnouncePort, c.AnnounceBusPort)
	}
	if c.ConfigFile != "" {
		if err := node.ValidName(c.ConfigFile); err != nil {
			return fmt.Errorf("cluster config: cluster-config-file: %v", err)
		}
	}
	return nil
}

func (c Config) withDefaults() Config {
	if c.NodeTimeout == 0 {
		c.NodeTimeout = defaultNodeTimeout
	}
	if c.ReplicaValidityFactor == 0 {
		c.ReplicaValidityFactor = defaultReplicaValidityFactor
	}
	if c.MigrationBarrier == 0 {
		c.MigrationBarrier = defaultMigrationBarrier
	}
	if c.ConfigFile == "" {
		c.ConfigFile = defaultConfigFile
	}
	if c.AnnounceBusPort == 0 {
		c.AnnounceBusPort = c.AnnouncePort + busPortOffset
	}
	c.namesAreIPs = c.BusID != nil
	if c.BusID == nil {
		c.BusID = func(ip string, _ int) node.ID { return node.ID(ip) }
	}
	return c
}

// Host is what the cluster asks of the cache node it runs in.
type Host interface {
	// ReplicateFrom makes the node a replica of master (its dataset is
	// replaced by the master's through a sync).
	ReplicateFrom(master Peer)
	// BecomeMaster stops replicating and keeps the dataset (a won
	// failover).
	BecomeMaster()
	// ReplicationOffset is how much of its master's stream the node has
	// applied (a master: its own stream offset); it ranks replicas in an
	// election.
	ReplicationOffset() int64
	// CountKeysInSlot and KeysInSlot read the slot index of database 0.
	CountKeysInSlot(slot int) int
	KeysInSlot(slot int, countMax int) [][]byte
	// DeleteKeysInSlot drops the keys of a slot this node lost.
	DeleteKeysInSlot(slot int)
}
