package live

import (
	"fmt"
	"io"
	"maps"
	"time"

	"syslab/node"
)

// Config describes one live node.
type Config struct {
	Self    node.ID
	Listen  string             // node-to-node TCP address ("127.0.0.1:7000", port 0 picks one); "" = no peer listener
	Peers   map[node.ID]string // peer ID → address; SetPeer changes it later
	Dir     string             // Disk root, created if missing
	Log     io.Writer          // Env.Logf output; nil discards
	Metrics node.Metrics       // nil = node.NopMetrics{}
	// InboxMessagesMax bounds the event loop's queue. Deliver, peer
	// readers and timers block when it is full (backpressure); sends to
	// Self are dropped. 0 means inboxMessagesDefault.
	InboxMessagesMax int
	// PeerQueueMessagesMax bounds each peer's outbound queue; messages
	// beyond it are dropped like a congested network would. 0 means
	// peerQueueMessagesDefault.
	PeerQueueMessagesMax int
	// DialByID lets the node send to peers nobody told it about: a Send
	// to an ID that is neither a known peer nor an attached endpoint
	// dials the ID itself as a TCP address ("127.0.0.1:17000"). A Redis
	// Cluster node works this way: it learns its peers from CLUSTER MEET
	// and gossip, and names each by its bus address. IDs that are not
	// host:port are dropped as unknown destinations, as without it.
	// Peers learnt this way are bounded by dialedPeersMax.
	DialByID bool
	// Unroutable, when set, is offered each message to a destination the
	// runtime has no route to (no endpoint, no peer, not dialled by ID)
	// before it is dropped: an adapter that reaches such destinations
	// another way (the cache server's MIGRATE to a RESP server) takes it
	// by returning true. It runs on the node's loop and must not block.
	Unroutable func(to node.ID, msg node.Message) bool
	// WhileBusy, when set, is what the node's ServeWhileBusy
	// (node.BusyServer) runs during a Handle call: the adapter that made
	// the call, named by the call's from, reads what else arrived and
	// passes it on with HandleNested. Outside Handle calls (peers'
	// messages, timers) ServeWhileBusy does nothing. It reports whether
	// the adapter is shutting down.
	WhileBusy func(handling node.ID) (stopping bool)
}

const (
	inboxMessagesDefault     = 65536
	peerQueueMessagesDefault = 16384
	// dialedPeersMax bounds the peers a DialByID node dials on its own
	// (each costs a goroutine and a queue until the node stops): far
	// above a real cluster's size (Redis suggests at most 1000 nodes),
	// low enough that a stream of bogus IDs cannot exhaust the process.
	dialedPeersMax = 4096

	// dialTimeout bounds one connection attempt to a peer.
	dialTimeout = 2 * time.Second
	// redialDelayMin and redialDelayMax bound the backoff between failed
	// dials to a peer: fast retry after a blip, no storm at a dead peer.
	redialDelayMin = 50 * time.Millisecond
	redialDelayMax = 2 * time.Second
	// writeTimeout bounds one write to a peer; a peer that stops reading
	// for this long is treated as gone and redialled.
	writeTimeout = 10 * time.Second
	// peerBufferBytes sizes the buffered reader/writer on peer sockets.
	peerBufferBytes = 64 << 10
)

func (c Config) withDefaults() (Config, error) {
	if c.Self == "" {
		return c, fmt.Errorf("live: Config.Self is empty")
	}
	if c.Dir == "" {
		return c, fmt.Errorf("live node %s: Config.Dir is empty", c.Self)
	}
	if c.InboxMessagesMax < 0 || c.PeerQueueMessagesMax < 0 {
		return c, fmt.Errorf("live node %s: negative queue bound", c.Self)
	}
	if c.InboxMessagesMax == 0 {
		c.InboxMessagesMax = inboxMessagesDefault
	}
	if c.PeerQueueMessagesMax == 0 {
		c.PeerQueueMessagesMax = peerQueueMessagesDefault
	}
	if c.Log == nil {
		c.Log = io.Discard
	}
	if c.Metrics == nil {
		c.Metrics = node.NopMetrics{}
	}
	for id, addr := range c.Peers {
		if id == c.Self {
			return c, fmt.Errorf("live node %s: Peers lists the node itself", c.Self)
		}
		if addr == "" {
			return c, fmt.Errorf("live node %s: peer %s has no address", c.Self, id)
		}
	}
	c.Peers = maps.Clone(c.Peers)
	return c, nil
}
