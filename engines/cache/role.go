package cache

// ROLE, and how replication names its peers to clients (ROLE and INFO
// replication): Redis names a master and its replicas by the address
// clients reach them at.

import (
	"strconv"
	"strings"

	"syslab/engines/cache/resp"
	"syslab/node"
)

var roleCommands = []commandSpec{
	{name: "role", arity: 1, flags: flagFast, run: roleCommand},
}

// ROLE: on a master ["master", offset, [[ip, port, offset]…]] listing
// the online replicas; on a replica ["slave", host, port, state, offset],
// the offset -1 until the link is up, as Redis 7.0 answers.
func roleCommand(c *call) resp.Value {
	n := c.node
	r := &n.repl
	if l := r.link; l != nil {
		host, port := n.peerAddress(l.master, l.masterPort)
		offset := int64(-1)
		if l.state == linkUp {
			offset = l.offset
		}
		return resp.ArrayOf(resp.BulkFromString("slave"), resp.BulkFromString(host), resp.Int(int64(port)),
			resp.BulkFromString(l.state.roleName()), resp.Int(offset))
	}
	replicas := []resp.Value{}
	for _, rec := range r.replicas {
		if rec.state != replicaOnline {
			continue
		}
		host, port := n.peerAddress(rec.id, 0)
		replicas = append(replicas, resp.ArrayOf(resp.BulkFromString(host),
			resp.BulkFromString(strconv.Itoa(port)), resp.BulkFromString(strconv.FormatInt(rec.ackOffset, 10))))
	}
	return resp.ArrayOf(resp.BulkFromString("master"), resp.Int(r.offset), resp.ArrayOf(replicas...))
}

// roleName is the link state as ROLE spells Redis's repl_state.
func (s linkState) roleName() string {
	switch s {
	case linkConnect:
		return "connect"
	case linkHandshake:
		return "handshake"
	case linkTransfer:
		return "sync"
	case linkUp:
		return "connected"
	}
	panic("cache: linkState " + strconv.Itoa(int(s)) + " has no name")
}

// peerAddress is where clients reach the replication peer whose node ID
// is id. In cluster mode that is the address the peer announces to the
// cluster (its node ID is its bus endpoint, no client's business);
// outside, the node ID names the peer and knownPort is all there is.
func (n *Node) peerAddress(id node.ID, knownPort int) (host string, port int) {
	if n.cfg.PeersByAddress {
		if host, port, ok := splitHostPort(id); ok {
			return host, port
		}
	}
	if n.cluster != nil {
		for _, p := range n.cluster.Nodes() {
			if p.Bus == id {
				i := strings.LastIndexByte(p.Addr, ':')
				return p.Addr[:i], portOf(p.Addr)
			}
		}
	}
	return string(id), knownPort
}
