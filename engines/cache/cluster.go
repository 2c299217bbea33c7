package cache

// Cluster mode (cluster-enabled yes): the glue between the node and its
// cluster state (package cluster). The state runs the cluster bus and
// failover; the node gives it a Host — the replication paths to follow a
// master or become one, the offset, and the slot index of database 0 —
// and serves the CLUSTER, READONLY and READWRITE commands.

import (
	"time"

	"syslab/engines/cache/cluster"
	"syslab/engines/cache/resp"
	"syslab/node"
)

// indexSlots gives database 0 its slot index in cluster mode; Start calls
// it before loading, so loaded keys are indexed.
func (n *Node) indexSlots() {
	if n.cfg.ClusterEnabled {
		n.dbs[0].slots = newSlotIndex()
	}
}

// startCluster loads the cluster state (nodes.conf) and starts its cron;
// false means the node cannot serve (a corrupt nodes.conf) and refuses
// service, as for a corrupt AOF.
func (n *Node) startCluster() bool {
	if !n.cfg.ClusterEnabled {
		return true
	}
	state, err := cluster.New(n.env, n.cfg.Cluster, clusterHost{n})
	if err != nil {
		n.refuseService("ERR cluster configuration: " + err.Error() + " (fix or remove the file, or CLUSTER RESET a fresh node)")
		return false
	}
	n.cluster = state
	n.router = state
	// MIGRATE names its target by client address; the cluster knows
	// which node (and so which bus node.ID) answers there (migrate.go).
	n.resolvePeer = func(host string, port int) (node.ID, bool) { return peerAt(state.Nodes(), host, port) }
	if master := state.MasterPeer(); !master.IsZero() {
		n.replicaOf(master.Bus, portOf(master.Addr))
	}
	state.Start()
	n.env.After(cluster.CronInterval, n.clusterCron)
	return true
}

func (n *Node) clusterCron() {
	if n.halted {
		return
	}
	n.env.After(cluster.CronInterval, n.clusterCron)
	n.cluster.Cron()
}

// clusterHost is the node as the cluster state sees it.
type clusterHost struct{ n *Node }

func (h clusterHost) ReplicateFrom(master cluster.Peer) {
	n := h.n
	if l := n.repl.link; l != nil && l.master == master.Bus {
		return
	}
	n.replicaOf(master.Bus, portOf(master.Addr))
}

func (h clusterHost) BecomeMaster() { h.n.promoteToMaster() }

func (h clusterHost) ReplicationOffset() int64 {
	if l := h.n.repl.link; l != nil {
		return l.offset
	}
	return h.n.repl.offset
}

func (h clusterHost) CountKeysInSlot(slot int) int {
	if x := h.n.dbs[0].slots; x != nil {
		return x.count(slot)
	}
	return 0
}

func (h clusterHost) KeysInSlot(slot, countMax int) [][]byte {
	x := h.n.dbs[0].slots
	if x == nil {
		return nil
	}
	keys := x.sorted(slot, countMax)
	out := make([][]byte, len(keys))
	for i, k := range keys {
		out[i] = []byte(k)
	}
	return out
}

// DeleteKeysInSlot drops the keys of a slot the node lost, propagating
// each deletion (Redis's delKeysInSlot) so the AOF and replicas agree.
func (h clusterHost) DeleteKeysInSlot(slot int) {
	n := h.n
	x := n.dbs[0].slots
	if x == nil || x.count(slot) == 0 {
		return
	}
	for _, key := range x.sorted(slot, x.count(slot)) {
		n.dbs[0].delete(key)
		n.dirty++
		n.propagate(0, cmdDel, []byte(key))
		n.keyModified(0, []byte(key))
	}
	_ = n.writeAOF() // a failure is noted and refuses later writes
	if !n.isReplica() {
		n.flushStream()
	}
}

// costClusterMessage is the virtual CPU time of handling one bus message:
// a header with a 2 KiB slot bitmap and a few gossip entries (Redis's
// clusterProcessPacket is a few microseconds). A node busy with clients
// answers pings late, as a real one does.
const costClusterMessage = 5 * time.Microsecond

func clusterMessageCost(msg node.Message) time.Duration {
	switch msg.(type) {
	case cluster.Ping, cluster.Pong, cluster.Meet, cluster.Fail, cluster.FailoverAuthRequest,
		cluster.FailoverAuthAck, cluster.Update, cluster.MFStart:
		return costClusterMessage
	}
	return 0
}

// --- commands ---

var clusterCommands = []commandSpec{
	{name: "cluster", arity: -2, run: clusterCommand},
	{name: "readonly", arity: 1, flags: flagFast, run: readonlyCommand},
	{name: "readwrite", arity: 1, flags: flagFast, run: readwriteCommand},
}

var replyClusterDisabled = resp.Err("ERR This instance has cluster support disabled")

// replyFailoverPause answers writes while a master holds them back for a
// manual CLUSTER FAILOVER, so its replica can catch up and take over
// without losing any. Redis blocks such clients until the pause ends;
// this node cannot hold a reply back, so it answers TRYAGAIN, which
// cluster clients retry (and then get MOVED to the new master).
var replyFailoverPause = resp.Err("TRYAGAIN Manual failover in progress, writes are paused")

func clusterCommand(c *call) resp.Value {
	if c.node.cluster == nil {
		return replyClusterDisabled
	}
	return c.node.cluster.Command(c.args)
}

func readonlyCommand(c *call) resp.Value {
	if c.node.cluster == nil {
		return replyClusterDisabled
	}
	c.session.readonly = true
	return resp.OK
}

func readwriteCommand(c *call) resp.Value {
	if c.node.cluster == nil {
		return replyClusterDisabled
	}
	c.session.readonly = false
	return resp.OK
}
