package cachelab

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"syslab/engines/cache/cluster"
	"syslab/engines/cache/resp"
	"syslab/node"
)

// The cluster replies the lab's clients and operator read: redirects,
// CLUSTER SLOTS and CLUSTER NODES. In the simulator a node's address is
// "<node ID>:<port>" (the cluster's convention: the IP is the node ID), so
// the host of an address is the node.ID to send to.

// redirect is a MOVED or ASK error: slot now lives at addr.
type redirect struct {
	ask  bool
	slot int
	to   node.ID
}

// parseRedirect reads "MOVED 3999 127.0.0.1:6381" or "ASK 3999 …".
func parseRedirect(msg string) (redirect, error) {
	fields := strings.Fields(msg)
	if len(fields) != 3 || (fields[0] != "MOVED" && fields[0] != "ASK") {
		return redirect{}, fmt.Errorf("not a redirect: %q", msg)
	}
	slot, err := strconv.Atoi(fields[1])
	if err != nil || slot < 0 || slot >= cluster.SlotCount {
		return redirect{}, fmt.Errorf("redirect %q: bad slot", msg)
	}
	host, err := addrHost(fields[2])
	if err != nil {
		return redirect{}, fmt.Errorf("redirect %q: %v", msg, err)
	}
	return redirect{ask: fields[0] == "ASK", slot: slot, to: host}, nil
}

// addrHost is the host of "host:port" or "host:port@busport".
func addrHost(addr string) (node.ID, error) {
	addr, _, _ = strings.Cut(addr, "@")
	i := strings.LastIndexByte(addr, ':')
	if i < 0 {
		return "", fmt.Errorf("address %q: want host:port", addr)
	}
	if _, err := strconv.Atoi(addr[i+1:]); err != nil {
		return "", fmt.Errorf("address %q: bad port", addr)
	}
	return node.ID(addr[:i]), nil
}

// slotRange is one entry of CLUSTER SLOTS: slots first…last are served by
// master, replicated by replicas.
type slotRange struct {
	first, last int
	master      node.ID
	replicas    []node.ID
}

// parseClusterSlots reads CLUSTER SLOTS: an array of
// [first, last, [host, port, id, …], replicas as [host, port, id, …]…].
func parseClusterSlots(v resp.Value) ([]slotRange, error) {
	if v.Kind != resp.Array {
		return nil, fmt.Errorf("CLUSTER SLOTS: want an array, got kind %d", v.Kind)
	}
	out := make([]slotRange, 0, len(v.Elems))
	for i, e := range v.Elems {
		if e.Kind != resp.Array || len(e.Elems) < 3 || e.Elems[0].Kind != resp.Integer || e.Elems[1].Kind != resp.Integer {
			return nil, fmt.Errorf("CLUSTER SLOTS entry %d: want [first, last, master, replicas…]", i)
		}
		r := slotRange{first: int(e.Elems[0].Int), last: int(e.Elems[1].Int)}
		if r.first < 0 || r.last < r.first || r.last >= cluster.SlotCount {
			return nil, fmt.Errorf("CLUSTER SLOTS entry %d: bad range %d-%d", i, r.first, r.last)
		}
		for j, n := range e.Elems[2:] {
			if n.Kind != resp.Array || len(n.Elems) < 2 || n.Elems[0].Kind != resp.BulkString {
				return nil, fmt.Errorf("CLUSTER SLOTS entry %d: node %d: want [host, port, id]", i, j)
			}
			host := node.ID(n.Elems[0].Str)
			if j == 0 {
				r.master = host
			} else {
				r.replicas = append(r.replicas, host)
			}
		}
		out = append(out, r)
	}
	return out, nil
}

// nodeLine is one line of CLUSTER NODES.
type nodeLine struct {
	name     string
	host     node.ID
	addr     string // host:port, as CLUSTER MEET takes it apart
	flags    []string
	masterOf string // the master's name, "" for a master
	epoch    int64
	slots    [][2]int // ranges, importing/migrating markers left out
}

func (l nodeLine) has(flag string) bool {
	for _, f := range l.flags {
		if f == flag {
			return true
		}
	}
	return false
}

// parseClusterNodes reads CLUSTER NODES: one line per node, "<id>
// <ip:port@cport> <flags> <master> <ping-sent> <pong-recv> <config-epoch>
// <link-state> <slot> <slot> …".
func parseClusterNodes(text string) ([]nodeLine, error) {
	var out []nodeLine
	for i, line := range strings.Split(strings.TrimSpace(text), "\n") {
		f := strings.Fields(line)
		if len(f) < 8 {
			return nil, fmt.Errorf("CLUSTER NODES line %d: %d fields, want at least 8", i+1, len(f))
		}
		l := nodeLine{name: f[0], flags: strings.Split(f[2], ",")}
		addr, _, _ := strings.Cut(f[1], "@")
		addr, _, _ = strings.Cut(addr, ",") // 7.0 appends ",hostname"
		l.addr = addr
		host, err := addrHost(addr) // "" for a node that does not know its own IP yet
		if err != nil && !l.has("noaddr") {
			return nil, fmt.Errorf("CLUSTER NODES line %d: %v", i+1, err)
		}
		l.host = host
		if f[3] != "-" {
			l.masterOf = f[3]
		}
		if l.epoch, err = strconv.ParseInt(f[6], 10, 64); err != nil {
			return nil, fmt.Errorf("CLUSTER NODES line %d: config epoch %q", i+1, f[6])
		}
		for _, s := range f[8:] {
			if strings.HasPrefix(s, "[") {
				continue // [slot->-node] or [slot-<-node]: a migration in progress
			}
			lo, hi, isRange := strings.Cut(s, "-")
			first, err1 := strconv.Atoi(lo)
			last := first
			var err2 error
			if isRange {
				last, err2 = strconv.Atoi(hi)
			}
			if err1 != nil || err2 != nil || first < 0 || last < first || last >= cluster.SlotCount {
				return nil, fmt.Errorf("CLUSTER NODES line %d: bad slot range %q", i+1, s)
			}
			l.slots = append(l.slots, [2]int{first, last})
		}
		out = append(out, l)
	}
	return out, nil
}

// configSignature is what redis-cli compares to decide that the nodes
// agree: each master's name with its slot ranges, sorted by name.
func configSignature(lines []nodeLine) string {
	var parts []string
	for _, l := range lines {
		if len(l.slots) == 0 {
			continue
		}
		var b strings.Builder
		b.WriteString(l.name)
		for _, r := range l.slots {
			fmt.Fprintf(&b, ":%d-%d", r[0], r[1])
		}
		parts = append(parts, b.String())
	}
	sort.Strings(parts)
	return strings.Join(parts, "|")
}
