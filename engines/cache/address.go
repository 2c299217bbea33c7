package cache

import (
	"strconv"
	"strings"

	"syslab/node"
)

// "host:port" addresses, as net.JoinHostPort and SplitHostPort spell them
// ("[::1]:6379" for an IPv6 host): the node may not import net. A
// standalone server names the targets of MIGRATE and REPLICAOF this way
// (Config.PeersByAddress); clients and cluster peers have such addresses.

// hostPort joins a host and a port.
func hostPort(host string, port int) string {
	if strings.IndexByte(host, ':') >= 0 {
		host = "[" + host + "]"
	}
	return host + ":" + strconv.Itoa(port)
}

// hostOf is the host part of "host:port" ("[::1]:6379" gives "::1").
func hostOf(addr string) string {
	i := strings.LastIndexByte(addr, ':')
	if i < 0 {
		return addr
	}
	return strings.TrimSuffix(strings.TrimPrefix(addr[:i], "["), "]")
}

// portOf is the port of "host:port", 0 when there is none.
func portOf(addr string) int {
	port, _ := strconv.Atoi(addr[strings.LastIndexByte(addr, ':')+1:])
	return port
}

// splitHostPort splits a node named by its address; false when id is not
// "host:port".
func splitHostPort(id node.ID) (string, int, bool) {
	i := strings.LastIndexByte(string(id), ':')
	if i < 0 {
		return "", 0, false
	}
	port, err := strconv.Atoi(string(id[i+1:]))
	if err != nil {
		return "", 0, false
	}
	return hostOf(string(id)), port, true
}
