package main

import (
	"flag"
	"net"
	"net/netip"
	"strconv"
	"time"

	"syslab/node"
)

// busPortOffset is Redis Cluster's distance from a node's client port to
// its bus port, when cluster-port does not say otherwise.
const busPortOffset = 10000

// clusterServeFlags are the cluster options of `syslab serve cache`,
// spelled as redis.conf spells them.
type clusterServeFlags struct {
	cluster         *bool
	enabled         *string
	nodeTimeout     *string
	configFile      *string
	announceIP      *string
	announcePort    *int
	announceBusPort *int
	busPort         *int
}

func addClusterServeFlags(fs *flag.FlagSet) *clusterServeFlags {
	return &clusterServeFlags{
		cluster:         fs.Bool("cluster", false, "run as a Redis Cluster node (the cluster bus listens on the client port + 10000)"),
		enabled:         fs.String("cluster-enabled", "no", "redis.conf spelling of --cluster: yes|no"),
		nodeTimeout:     fs.String("cluster-node-timeout", "15s", "cluster-node-timeout: silence after which a peer is suspected, as a `duration` (15s) or milliseconds (15000)"),
		configFile:      fs.String("cluster-config-file", "nodes.conf", "cluster-config-file: the cluster state file, in --dir"),
		announceIP:      fs.String("cluster-announce-ip", "", "cluster-announce-ip: the IP other nodes and clients reach this node at; default the host of --addr"),
		announcePort:    fs.Int("cluster-announce-port", 0, "cluster-announce-port: the client port announced; 0 = the port of --addr"),
		announceBusPort: fs.Int("cluster-announce-bus-port", 0, "cluster-announce-bus-port: the bus port announced; 0 = the bus port"),
		busPort:         fs.Int("cluster-port", 0, "cluster-port: the bus port to listen on; 0 = the client port + 10000"),
	}
}

// clusterNode is where a cluster node listens and what it announces.
type clusterNode struct {
	nodeTimeout     time.Duration
	configFile      string
	busListen       string  // the bus listener, "host:busport" on the host of --addr
	busID           node.ID // the node's name on the bus: announceIP:announceBusPort
	announceIP      string
	announcePort    int
	announceBusPort int
}

// resolve checks the cluster flags against the client address; ok is
// false when the node is not a cluster node.
func (f *clusterServeFlags) resolve(clientAddr string) (c clusterNode, ok bool, err error) {
	enabled, err := parseYesNo("cluster-enabled", *f.enabled)
	if err != nil {
		return c, false, err
	}
	if !*f.cluster && !enabled {
		return c, false, nil
	}
	if c.nodeTimeout, err = parseMillisOrDuration("cluster-node-timeout", *f.nodeTimeout); err != nil {
		return c, false, err
	}
	if *f.configFile == "" {
		return c, false, usagef("--cluster-config-file is empty")
	}
	c.configFile = *f.configFile
	host, portText, err := net.SplitHostPort(clientAddr)
	if err != nil {
		return c, false, usagef("--addr %q: %v", clientAddr, err)
	}
	clientPort, err := strconv.Atoi(portText)
	if err != nil || clientPort < 1 || clientPort > 65535 {
		return c, false, usagef("--addr %q: a cluster node needs a fixed port (1-65535): its bus port and the address other nodes know it by follow from it", clientAddr)
	}
	busPort := *f.busPort
	if busPort == 0 {
		busPort = clientPort + busPortOffset
	}
	if busPort < 1 || busPort > 65535 {
		return c, false, usagef("bus port %d out of range: with --addr port %d, the default bus port (port + %d) is too high; pick a port below %d or set --cluster-port", busPort, clientPort, busPortOffset, 65536-busPortOffset)
	}
	c.busListen = net.JoinHostPort(host, strconv.Itoa(busPort))

	c.announceIP = *f.announceIP
	if c.announceIP == "" {
		ip, err := netip.ParseAddr(host)
		if err != nil || ip.IsUnspecified() {
			return c, false, usagef("--addr %q does not name one IP other nodes can reach: set --cluster-announce-ip", clientAddr)
		}
		c.announceIP = ip.String()
	} else if ip, err := netip.ParseAddr(c.announceIP); err != nil || ip.IsUnspecified() {
		return c, false, usagef("--cluster-announce-ip %q: want the IP address other nodes reach this node at", c.announceIP)
	}
	for _, p := range []struct {
		name  string
		value *int
	}{{"cluster-announce-port", f.announcePort}, {"cluster-announce-bus-port", f.announceBusPort}} {
		if *p.value < 0 || *p.value > 65535 {
			return c, false, usagef("--%s %d: want a port from 1 to 65535 (0: the one listened on)", p.name, *p.value)
		}
	}
	c.announcePort, c.announceBusPort = *f.announcePort, *f.announceBusPort
	if c.announcePort == 0 {
		c.announcePort = clientPort
	}
	if c.announceBusPort == 0 {
		c.announceBusPort = busPort
	}
	c.busID = busNodeID(c.announceIP, c.announceBusPort)
	return c, true, nil
}

// busNodeID is the node.ID of the cluster node whose bus is at ip:busPort:
// the address itself, so a node dials a peer it learnt of (CLUSTER MEET,
// gossip) by its name. It is the cluster's BusID hook in live mode.
func busNodeID(ip string, busPort int) node.ID {
	return node.ID(net.JoinHostPort(ip, strconv.Itoa(busPort)))
}

// parseMillisOrDuration reads a duration flag the way redis.conf writes
// it (a number of milliseconds) or the way Go does ("15s").
func parseMillisOrDuration(flagName, value string) (time.Duration, error) {
	if ms, err := strconv.ParseInt(value, 10, 64); err == nil {
		if ms <= 0 || ms > int64(24*time.Hour/time.Millisecond) {
			return 0, usagef("invalid value %q for --%s: want a positive number of milliseconds up to a day", value, flagName)
		}
		return time.Duration(ms) * time.Millisecond, nil
	}
	d, err := time.ParseDuration(value)
	if err != nil || d < time.Millisecond || d > 24*time.Hour {
		return 0, usagef("invalid value %q for --%s: want a duration from 1ms to 24h (15s) or milliseconds (15000)", value, flagName)
	}
	return d, nil
}
