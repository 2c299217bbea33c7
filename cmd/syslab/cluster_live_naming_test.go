package main

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"
)

// checkReplicationNaming checks, on the formed live cluster, what a Redis
// user reads about replication: ROLE and INFO replication name the master
// and its replica by the client address they announce (not the bus
// endpoint), and CLUSTER NODES shows a replica with its master's config
// epoch, as redis-server 7.0 does.
func checkReplicationNaming(t *testing.T, ctx context.Context, lc *liveCluster) {
	t.Helper()
	view := lc.nodes(t, lc.addrs[0])
	master := view.masters()[0]
	replica := view.replicaOf(master.id)
	if replica.id == "" {
		t.Fatalf("master %s has no replica in CLUSTER NODES", master.addr)
	}
	masterHost, masterPort, _ := net.SplitHostPort(master.addr)
	replicaHost, replicaPort, _ := net.SplitHostPort(replica.addr)

	role, err := lc.client(replica.addr).Do(ctx, "ROLE").Slice()
	if err != nil || len(role) != 5 || role[0] != "slave" || role[1] != masterHost || fmt.Sprint(role[2]) != masterPort {
		t.Errorf("ROLE at replica %s = %v, %v; want [slave %s %s …]", replica.addr, role, err, masterHost, masterPort)
	}
	replicaInfo := lc.client(replica.addr).Info(ctx, "replication").Val()
	for _, want := range []string{"master_host:" + masterHost + "\r\n", "master_port:" + masterPort + "\r\n"} {
		if !strings.Contains(replicaInfo, want) {
			t.Errorf("INFO replication at replica %s lacks %q:\n%s", replica.addr, want, replicaInfo)
		}
	}
	// The master lists the replica once it is online.
	wantSlave := "ip=" + replicaHost + ",port=" + replicaPort + ",state=online,"
	var masterRole []any
	for deadline := time.Now().Add(clusterWaitDeadline); ; time.Sleep(50 * time.Millisecond) {
		masterRole, err = lc.client(master.addr).Do(ctx, "ROLE").Slice()
		info := lc.client(master.addr).Info(ctx, "replication").Val()
		if err == nil && len(masterRole) == 3 && fmt.Sprint(masterRole[2]) != "[]" && strings.Contains(info, wantSlave) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("master %s: ROLE %v (%v), INFO replication without %q:\n%s", master.addr, masterRole, err, wantSlave, info)
		}
	}
	if listed := masterRole[2].([]any)[0].([]any); listed[0] != replicaHost || listed[1] != replicaPort {
		t.Errorf("ROLE at master %s lists replica %v, want %s %s", master.addr, listed, replicaHost, replicaPort)
	}

	epochs := map[string]string{}
	text := lc.client(master.addr).ClusterNodes(ctx).Val()
	for line := range strings.Lines(text) {
		if f := strings.Fields(line); len(f) >= 8 {
			epochs[f[0]] = f[6]
		}
	}
	if epochs[replica.id] != epochs[master.id] {
		t.Errorf("CLUSTER NODES shows replica %s at config epoch %s, its master at %s; Redis shows the master's for both:\n%s",
			replica.addr, epochs[replica.id], epochs[master.id], text)
	}
}
