package cache

import (
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"syslab/engines/cache/cluster"
)

// clusterFormTimeout bounds the wait for two redis-server nodes to learn
// about each other through the cluster bus.
const clusterFormTimeout = 20 * time.Second

// startRedisClusterNode starts redis-server in cluster mode. Cluster mode
// needs a TCP port (the bus listens 10000 above it), so it takes a random
// high one on 127.0.0.1 and tries another if that one is taken; clients
// of the test still talk over its unix socket.
func startRedisClusterNode(t *testing.T) (server *redisServer, port int) {
	t.Helper()
	path := requireRedisServer(t)
	const attempts = 5
	for range attempts {
		dir := t.TempDir()
		port = 20000 + rand.IntN(15000)
		s := &redisServer{t: t, socket: filepath.Join(dir, "redis.sock")}
		cmd := exec.Command(path, "--port", fmt.Sprint(port), "--bind", "127.0.0.1", "--unixsocket", s.socket,
			"--cluster-enabled", "yes", "--cluster-config-file", filepath.Join(dir, "nodes.conf"),
			"--save", "", "--appendonly", "no", "--dir", dir)
		if err := cmd.Start(); err != nil {
			t.Fatalf("start redis-server: %v", err)
		}
		exited := make(chan struct{})
		go func() { _ = cmd.Wait(); close(exited) }()
		t.Cleanup(func() { _ = cmd.Process.Kill(); <-exited })
		deadline := time.Now().Add(redisStartTimeout)
		for time.Now().Before(deadline) {
			select {
			case <-exited:
				deadline = time.Time{} // the port was taken: try another
				continue
			default:
			}
			// Ready means answering, not just accepting: redis-server
			// creates its socket before it binds the cluster bus (port +
			// 10000), and exits after if that port is taken, so a
			// connection that only got into the backlog proves nothing.
			if answersPing(s.socket) {
				return s, port
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	t.Fatalf("redis-server in cluster mode did not start in %d attempts", attempts)
	return nil, 0
}

// answersPing reports whether the server on the unix socket answers PING.
func answersPing(socket string) bool {
	conn, err := net.DialTimeout("unix", socket, time.Second)
	if err != nil {
		return false
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(time.Second))
	if _, err := conn.Write([]byte("PING\r\n")); err != nil {
		return false
	}
	reply := make([]byte, 7)
	n, _ := io.ReadFull(conn, reply)
	return string(reply[:n]) == "+PONG\r\n"
}

// TestRoutingAgreesWithRedisCluster sets up, on two real redis-server
// cluster nodes, what the routing table of the nodes here is told — node A
// owns every slot and migrates the slot of "k" to node B — and compares
// every redirection and error word for word.
func TestRoutingAgreesWithRedisCluster(t *testing.T) {
	serverA, portA := startRedisClusterNode(t)
	serverB, portB := startRedisClusterNode(t)
	a, b := serverA.dial(), serverB.dial()
	idA, idB := string(a.doLine("CLUSTER MYID").Str), string(b.doLine("CLUSTER MYID").Str)
	if v := a.doLine("CLUSTER ADDSLOTSRANGE 0 16383"); v.IsError() {
		t.Fatalf("ADDSLOTSRANGE: %s", v)
	}
	if v := b.doLine(fmt.Sprintf("CLUSTER MEET 127.0.0.1 %d", portA)); v.IsError() {
		t.Fatalf("MEET: %s", v)
	}
	deadline := time.Now().Add(clusterFormTimeout)
	for !strings.HasPrefix(b.doLine("GET x").String(), "(error) MOVED") || !strings.HasPrefix(a.doLine("GET x").String(), "(nil)") ||
		!strings.Contains(a.doLine("CLUSTER NODES").String(), idB) {
		if time.Now().After(deadline) {
			t.Fatalf("the two redis-server nodes did not form a cluster within %s", clusterFormTimeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
	slot := cluster.KeySlot([]byte("k"))
	for _, line := range []string{fmt.Sprintf("CLUSTER SETSLOT %d MIGRATING %s", slot, idB)} {
		if v := a.doLine(line); v.IsError() {
			t.Fatalf("A: %s: %s", line, v)
		}
	}
	if v := b.doLine(fmt.Sprintf("CLUSTER SETSLOT %d IMPORTING %s", slot, idA)); v.IsError() {
		t.Fatalf("B: SETSLOT IMPORTING: %s", v)
	}

	peerA := cluster.Peer{Name: idA, Addr: fmt.Sprintf("127.0.0.1:%d", portA), Bus: "a"}
	peerB := cluster.Peer{Name: idB, Addr: fmt.Sprintf("127.0.0.1:%d", portB), Bus: "b"}
	ownedByA := cluster.Route{Owner: peerA, Mine: true}
	nodeA, envA := startNode(t, Config{})
	nodeA.router = &fakeRouter{otherSlots: ownedByA,
		routes: map[int]cluster.Route{slot: {Owner: peerA, Mine: true, MigratingTo: peerB}}}
	nodeB, envB := startNode(t, Config{})
	nodeB.router = &fakeRouter{otherSlots: cluster.Route{Owner: peerA},
		routes: map[int]cluster.Route{slot: {Owner: peerA, Importing: true}}}

	steps := []struct {
		onA  bool
		line string
	}{
		{true, "SET {k}here v"}, {true, "GET {k}here"}, {true, "GET k"}, {true, "SET k v"},
		{true, "MGET {k}here k"}, {true, "MGET k {k}here"}, {true, "MGET k k"}, {true, "MGET a b"},
		{true, "MULTI"}, {true, "GET {k}here"}, {true, "GET a"}, {true, "EXEC"},
		{true, "MIGRATE 127.0.0.1 1 k 0 10"},
		{false, "GET k"}, {false, "GET x"}, {false, "ASKING"}, {false, "GET k"}, {false, "GET k"},
		{false, "ASKING"}, {false, "SET k 1"}, {false, "ASKING"}, {false, "MGET k {k}x"},
		{false, "ASKING"}, {false, "MULTI"}, {false, "GET k"}, {false, "INCR k"}, {false, "EXEC"},
		{false, "ASKING"}, {false, "MULTI"}, {false, "GET k"}, {false, "GET {k}x"}, {false, "EXEC"},
		{false, "MULTI"}, {false, "GET k"}, {false, "EXEC"},
		{false, "PING"}, {false, "MGET a b"},
	}
	for i, s := range steps {
		real, ours := b, ""
		if s.onA {
			real, ours = a, do(nodeA, envA, "c", s.line)
		} else {
			ours = do(nodeB, envB, "c", s.line)
		}
		if want := real.doLine(s.line).String(); ours != want {
			t.Errorf("step %d on %s: %s\n got  %s\n want %s", i, map[bool]string{true: "A", false: "B"}[s.onA], s.line, ours, want)
		}
	}
}
