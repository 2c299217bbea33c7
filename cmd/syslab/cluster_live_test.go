package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/rueidis"

	"syslab/engines/cache/cluster"
)

// A live Redis Cluster of `syslab serve cache --cluster` processes, run as
// a Redis user runs one: six processes, formed by the real
// `redis-cli --cluster create … --cluster-replicas 1`, resharded by
// `redis-cli --cluster reshard` under load, then a manual failover
// (CLUSTER FAILOVER on a replica) and kill -9 of a master. go-redis's
// ClusterClient routes through all of it without losing an acknowledged
// key; rueidis's cluster client routes too.

const (
	// liveClusterNodes is three masters with a replica each.
	liveClusterNodes = 6
	// liveClusterNodeTimeout is the nodes' cluster-node-timeout: short, so
	// the kill -9 failover takes seconds, long enough that a loaded test
	// machine does not make healthy nodes look failed.
	liveClusterNodeTimeout = 3 * time.Second
	// clusterWaitDeadline bounds every wait for the cluster to settle.
	clusterWaitDeadline = 60 * time.Second
	// clusterPollInterval is how often a wait re-reads the cluster.
	clusterPollInterval = 100 * time.Millisecond
	// clusterPortAttempts bounds the search for free port pairs.
	clusterPortAttempts = 200
	// reshardSlots is how many slots the reshard moves.
	reshardSlots = 100
)

func TestLiveClusterWithRedisCliGoRedisAndRueidis(t *testing.T) {
	if testing.Short() {
		t.Skip("SKIPPED in -short: starts a six-process cluster (make test runs it)")
	}
	requireRedisCli(t)
	ctx := context.Background()
	began := time.Now()
	lc := startLiveCluster(t)
	t.Logf("six nodes started and formed by redis-cli --cluster create in %v", time.Since(began).Round(time.Millisecond))

	// go-redis refreshes its slot map on MOVED, but a dead master only
	// gives it dial errors: it learns of the failover at its next periodic
	// reload, every 60 s by default. A user who wants failovers noticed
	// in seconds sets the interval; so does this test.
	cc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: lc.addrs, MaxRedirects: 8, ClusterStateReloadInterval: time.Second})
	t.Cleanup(func() { cc.Close() })

	// Routing: 1000 keys over every slot range, written and read back.
	model := map[string]string{}
	routeBegan := time.Now()
	for i := range 1000 {
		key, value := fmt.Sprintf("route:%d", i), fmt.Sprintf("v%d", i)
		if err := cc.Set(ctx, key, value, 0).Err(); err != nil {
			t.Fatalf("ClusterClient SET %s: %v", key, err)
		}
		model[key] = value
	}
	t.Logf("routing: 1000 SETs in %v", time.Since(routeBegan).Round(time.Millisecond))
	masterKeys := map[string]int{}
	for key, want := range model {
		if got, err := cc.Get(ctx, key).Result(); err != nil || got != want {
			t.Fatalf("ClusterClient GET %s = %q, %v; want %q", key, got, err, want)
		}
		m, err := cc.MasterForKey(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		masterKeys[m.Options().Addr]++
	}
	if len(masterKeys) != 3 {
		t.Fatalf("1000 keys landed on masters %v, want all three", masterKeys)
	}
	t.Logf("routing: 1000 keys over the masters %v", masterKeys)
	checkReplicationNaming(t, ctx, lc)

	// Resharding under load: move the lowest 100 slots of the master that
	// owns slot 0 to another master while writers hammer exactly those
	// slots, through MOVED and ASK.
	nodes := lc.nodes(t, lc.addrs[0])
	source := nodes.ownerOf(0)
	target := nodes.masters()[1]
	if target.id == source.id {
		target = nodes.masters()[0]
	}
	movedSlots := source.lowestSlots(reshardSlots)
	reshardBegan := time.Now()
	load := startClusterLoad(ctx, cc, keysInSlots("load", movedSlots, 3), 4)
	lc.redisCli(t, "--cluster", "reshard", source.addr,
		"--cluster-from", source.id, "--cluster-to", target.id,
		"--cluster-slots", strconv.Itoa(reshardSlots), "--cluster-yes")
	load.waitProgress(t, 200) // keep writing after the last slot moved
	load.stop()
	lc.waitCheck(t)
	after := lc.nodes(t, lc.addrs[0])
	for _, slot := range movedSlots {
		if owner := after.ownerOf(slot); owner.id != target.id {
			t.Fatalf("after reshard slot %d is owned by %s, want %s", slot, owner.addr, target.addr)
		}
	}
	load.verify(t, ctx, cc, "after the reshard")
	// The old owner redirects a moved slot's key to the new one.
	movedKey := keysInSlots("moved", movedSlots[:1], 1)[0]
	direct := redis.NewClient(&redis.Options{Addr: source.addr})
	defer direct.Close()
	wantMoved := fmt.Sprintf("MOVED %d %s", movedSlots[0], target.addr)
	if err := direct.Get(ctx, movedKey).Err(); err == nil || err.Error() != wantMoved {
		t.Fatalf("GET %s at the old owner: %v, want %q", movedKey, err, wantMoved)
	}
	t.Logf("reshard: %d slots %s -> %s under load in %v, %d acknowledged writes (%d errors retried), none lost",
		reshardSlots, source.addr, target.addr, time.Since(reshardBegan).Round(time.Millisecond), load.acked.Load(), load.errors.Load())

	// rueidis routes by its own cluster view (CLUSTER SHARDS/SLOTS).
	rueidisBegan := time.Now()
	rc, err := rueidis.NewClient(rueidis.ClientOption{InitAddress: lc.addrs, DisableCache: true})
	if err != nil {
		t.Fatalf("rueidis cluster client: %v", err)
	}
	defer rc.Close()
	for i := 0; i < 1000; i += 10 {
		key := fmt.Sprintf("route:%d", i)
		got, err := rc.Do(ctx, rc.B().Get().Key(key).Build()).ToString()
		if err != nil || got != model[key] {
			t.Fatalf("rueidis GET %s = %q, %v; want %q", key, got, err, model[key])
		}
		if err := rc.Do(ctx, rc.B().Set().Key("rueidis:"+key).Value(key).Build()).Error(); err != nil {
			t.Fatalf("rueidis SET rueidis:%s: %v", key, err)
		}
		if got, err := cc.Get(ctx, "rueidis:"+key).Result(); err != nil || got != key {
			t.Fatalf("go-redis GET of rueidis's write rueidis:%s = %q, %v", key, got, err)
		}
	}

	t.Logf("rueidis: 100 reads and 100 writes routed in %v", time.Since(rueidisBegan).Round(time.Millisecond))

	// Manual failover: CLUSTER FAILOVER on a replica swaps it with its
	// master; every node agrees, and no key goes missing.
	lc.waitSettled(t, "the cluster after the reshard")
	nodes = lc.nodes(t, lc.addrs[0])
	replica := nodes.replicaOf(target.id)
	failoverBegan := time.Now()
	if err := lc.client(replica.addr).Do(ctx, "CLUSTER", "FAILOVER").Err(); err != nil {
		t.Fatalf("CLUSTER FAILOVER at %s: %v", replica.addr, err)
	}
	lc.waitAllAgree(t, "the replica "+replica.addr+" promoted by CLUSTER FAILOVER", func(v clusterView) bool {
		return v.byID(replica.id).isMaster() && v.byID(target.id).master == replica.id
	})
	lc.waitCheck(t)
	verifyKeys(t, ctx, cc, model, "after CLUSTER FAILOVER")
	load.verify(t, ctx, cc, "after CLUSTER FAILOVER")
	t.Logf("CLUSTER FAILOVER: %s masters %s's slots, every node agreeing, after %v", replica.addr, target.addr, time.Since(failoverBegan).Round(time.Millisecond))

	// Forced failover: CLUSTER FAILOVER FORCE on another shard's replica
	// takes over without its master's agreement (an election only).
	lc.waitSettled(t, "the cluster after CLUSTER FAILOVER")
	nodes = lc.nodes(t, lc.addrs[0])
	var forced clusterNodeLine
	for _, m := range nodes.masters() {
		if m.id != replica.id {
			forced = m
			break
		}
	}
	forcedReplica := nodes.replicaOf(forced.id)
	forceBegan := time.Now()
	if err := lc.client(forcedReplica.addr).Do(ctx, "CLUSTER", "FAILOVER", "FORCE").Err(); err != nil {
		t.Fatalf("CLUSTER FAILOVER FORCE at %s: %v", forcedReplica.addr, err)
	}
	lc.waitAllAgree(t, "the replica "+forcedReplica.addr+" promoted by CLUSTER FAILOVER FORCE", func(v clusterView) bool {
		return v.byID(forcedReplica.id).isMaster() && v.byID(forced.id).master == forcedReplica.id
	})
	verifyKeysEventually(t, ctx, cc, model, "after CLUSTER FAILOVER FORCE")
	t.Logf("CLUSTER FAILOVER FORCE: %s masters %s's slots after %v", forcedReplica.addr, forced.addr, time.Since(forceBegan).Round(time.Millisecond))

	// kill -9 of a master: writes its replica acknowledged (WAIT 1) survive
	// the replica's election.
	lc.waitSettled(t, "the cluster after CLUSTER FAILOVER FORCE")
	nodes = lc.nodes(t, lc.addrs[0])
	victim := nodes.masters()[0]
	heir := nodes.replicaOf(victim.id)
	waited := writeWaited(t, ctx, cc, victim, 200)
	killedAt := time.Now()
	lc.process(victim.addr).kill()
	survivor := heir.addr
	lc.waitAllAgree(t, "the replica "+heir.addr+" elected after kill -9 of "+victim.addr, func(v clusterView) bool {
		return v.byID(heir.id).isMaster() && v.byID(victim.id).has("fail")
	})
	t.Logf("kill -9 %s: %s took over after %v", victim.addr, survivor, time.Since(killedAt).Round(time.Millisecond))
	verifyBegan := time.Now()
	verifyKeysEventually(t, ctx, cc, waited, "WAIT-acknowledged before kill -9")
	verifyKeysEventually(t, ctx, cc, model, "after kill -9")
	load.verify(t, ctx, cc, "after kill -9")
	t.Logf("kill -9: %d WAIT-acknowledged keys, the 1000 routed keys and the load's %d keys all read back in %v",
		len(waited), len(load.last), time.Since(verifyBegan).Round(time.Millisecond))
	if err := cc.Set(ctx, movedKey, "after failover", 0).Err(); err != nil {
		t.Fatalf("ClusterClient SET after failover: %v", err)
	}

	// The killed master comes back over its nodes.conf and rejoins as a
	// replica of the node that took its slots.
	rejoinBegan := time.Now()
	lc.start(t, victim.addr)
	lc.waitAllAgree(t, "the old master "+victim.addr+" rejoining as a replica of "+heir.addr, func(v clusterView) bool {
		back := v.byID(victim.id)
		return back.master == heir.id && !back.has("fail") && !back.has("pfail")
	})
	lc.waitSettled(t, "the cluster after the old master rejoined")
	lc.waitCheck(t)
	verifyKeys(t, ctx, cc, waited, "after the old master rejoined")
	t.Logf("restart of %s: rejoined as a replica of %s after %v", victim.addr, heir.addr, time.Since(rejoinBegan).Round(time.Millisecond))
}

// requireRedisCli skips loudly without redis-cli (fails under CI=true).
func requireRedisCli(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("redis-cli"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("redis-cli is not on PATH; CI must install it (apt-get install redis-tools)")
		}
		t.Skip("SKIPPED: redis-cli is not on PATH, so the live cluster test (redis-cli --cluster create) did not run")
	}
}

// liveCluster is the six `syslab serve cache --cluster` processes.
type liveCluster struct {
	addrs   []string
	dirs    map[string]string // address → the node's --dir (nodes.conf, AOF)
	procs   map[string]*served
	clients map[string]*redis.Client
}

func startLiveCluster(t *testing.T) *liveCluster {
	t.Helper()
	lc := &liveCluster{dirs: map[string]string{}, procs: map[string]*served{}, clients: map[string]*redis.Client{}}
	t.Cleanup(func() {
		for _, c := range lc.clients {
			c.Close()
		}
	})
	for _, port := range freeClusterPorts(t, liveClusterNodes) {
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		lc.dirs[addr] = t.TempDir()
		lc.start(t, addr)
		lc.addrs = append(lc.addrs, addr)
	}
	t.Cleanup(func() {
		if t.Failed() {
			for _, addr := range lc.addrs {
				t.Logf("log of %s:\n%s", addr, lc.procs[addr].stderr.String())
			}
		}
	})
	lc.redisCli(t, append(append([]string{"--cluster", "create"}, lc.addrs...), "--cluster-replicas", "1", "--cluster-yes")...)
	lc.waitCheck(t)
	lc.waitSettled(t, "the cluster redis-cli created")
	return lc
}

// waitSettled waits until every live node is cluster_state:ok and tells
// the same topology (who is master of which slots, who replicates whom),
// each master with a working replica: `--cluster check` passes earlier, while replicas that
// CLUSTER REPLICATE just moved are still gossiped about.
func (lc *liveCluster) waitSettled(t *testing.T, what string) {
	t.Helper()
	deadline := time.Now().Add(clusterWaitDeadline)
	for {
		settled, why := lc.settled()
		if settled {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not settle within %v: %s", what, clusterWaitDeadline, why)
		}
		time.Sleep(clusterPollInterval)
	}
}

// settled reports whether every live node tells the same topology with a
// working replica for each master, and if not, why.
func (lc *liveCluster) settled() (bool, string) {
	var first, firstAddr string
	for _, addr := range lc.liveAddrs() {
		text, err := lc.client(addr).ClusterNodes(context.Background()).Result()
		if err != nil {
			return false, fmt.Sprintf("CLUSTER NODES at %s: %v", addr, err)
		}
		v, err := parseClusterNodes(text)
		if err != nil {
			return false, fmt.Sprintf("CLUSTER NODES at %s: %v", addr, err)
		}
		info, err := lc.client(addr).ClusterInfo(context.Background()).Result()
		if err != nil || !strings.Contains(info, "cluster_state:ok") {
			return false, fmt.Sprintf("CLUSTER INFO at %s: %v\n%s", addr, err, info)
		}
		for _, m := range v.masters() {
			if v.replicaOf(m.id).id == "" {
				return false, fmt.Sprintf("%s sees no replica of %s:\n%s", addr, m.addr, text)
			}
		}
		sig := v.topology()
		if first == "" {
			first, firstAddr = sig, addr
		} else if sig != first {
			return false, fmt.Sprintf("%s and %s disagree:\n%s\nvs\n%s", firstAddr, addr, first, sig)
		}
	}
	return true, ""
}

// topology is the view's masters, slots and replicas in a canonical text.
func (v clusterView) topology() string {
	var lines []string
	for _, n := range v {
		if n.has("fail") {
			continue
		}
		lines = append(lines, fmt.Sprintf("%s %v %s %d-%d/%d", n.id, n.isMaster(), n.master, slices.Min(append(slices.Clone(n.slots), 1<<20)), slices.Max(append(slices.Clone(n.slots), -1)), len(n.slots)))
	}
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}

// start runs the node at addr over its directory (again, after a kill).
func (lc *liveCluster) start(t *testing.T, addr string) {
	t.Helper()
	lc.procs[addr] = serveCacheProcessAt(t, addr, lc.dirs[addr], "--cluster",
		"--cluster-node-timeout", strconv.FormatInt(liveClusterNodeTimeout.Milliseconds(), 10),
		"--save", "")
}

func (lc *liveCluster) process(addr string) *served { return lc.procs[addr] }

func (lc *liveCluster) client(addr string) *redis.Client {
	if c, ok := lc.clients[addr]; ok {
		return c
	}
	c := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
	lc.clients[addr] = c
	return c
}

// redisCli runs redis-cli with args and fails the test on a non-zero exit.
func (lc *liveCluster) redisCli(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("redis-cli", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("redis-cli %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// waitCheck waits until `redis-cli --cluster check` passes from a live node.
func (lc *liveCluster) waitCheck(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(clusterWaitDeadline)
	for {
		addr := lc.liveAddrs()[0]
		out, err := exec.Command("redis-cli", "--cluster", "check", addr).CombinedOutput()
		if err == nil && !strings.Contains(string(out), "[ERR]") && !strings.Contains(string(out), "[WARNING]") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("redis-cli --cluster check %s did not pass within %v: %v\n%s", addr, clusterWaitDeadline, err, out)
		}
		time.Sleep(clusterPollInterval)
	}
}

func (lc *liveCluster) liveAddrs() []string {
	var out []string
	for _, addr := range lc.addrs {
		if !lc.procs[addr].done {
			out = append(out, addr)
		}
	}
	return out
}

// nodes reads CLUSTER NODES at addr.
func (lc *liveCluster) nodes(t *testing.T, addr string) clusterView {
	t.Helper()
	text, err := lc.client(addr).ClusterNodes(context.Background()).Result()
	if err != nil {
		t.Fatalf("CLUSTER NODES at %s: %v", addr, err)
	}
	v, err := parseClusterNodes(text)
	if err != nil {
		t.Fatalf("CLUSTER NODES at %s: %v\n%s", addr, err, text)
	}
	return v
}

// waitAllAgree waits until every live node's CLUSTER NODES satisfies ok.
func (lc *liveCluster) waitAllAgree(t *testing.T, what string, ok func(clusterView) bool) {
	t.Helper()
	deadline := time.Now().Add(clusterWaitDeadline)
	for {
		agreed, last, lastAddr := true, "", ""
		for _, addr := range lc.liveAddrs() {
			text, err := lc.client(addr).ClusterNodes(context.Background()).Result()
			v, perr := parseClusterNodes(text)
			if err != nil || perr != nil || !ok(v) {
				agreed, last, lastAddr = false, text, addr
				break
			}
		}
		if agreed {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s: not every node agreed within %v; CLUSTER NODES at %s:\n%s", what, clusterWaitDeadline, lastAddr, last)
		}
		time.Sleep(clusterPollInterval)
	}
}

// freeClusterPorts picks n client ports P, each with P+10000 (its bus
// port) free too, holding every pair open until all are found so no two
// pairs collide; the caller's processes bind them right after.
func freeClusterPorts(t *testing.T, n int) []int {
	t.Helper()
	var held []net.Listener
	defer func() {
		for _, l := range held {
			l.Close()
		}
	}()
	var ports []int
	for attempt := 0; len(ports) < n; attempt++ {
		if attempt == clusterPortAttempts {
			t.Fatalf("found only %d of %d free port pairs (P, P+%d) in %d attempts", len(ports), n, busPortOffset, clusterPortAttempts)
		}
		client, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := client.Addr().(*net.TCPAddr).Port
		if port+busPortOffset > 65535 {
			client.Close()
			continue
		}
		bus, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port+busPortOffset)))
		if err != nil {
			client.Close()
			continue
		}
		held = append(held, client, bus)
		ports = append(ports, port)
	}
	return ports
}

// clusterView is one node's CLUSTER NODES.
type clusterView []clusterNodeLine

type clusterNodeLine struct {
	id, addr string
	flags    []string
	master   string // "-" for a master
	slots    []int  // single slots, expanded from ranges
}

func (n clusterNodeLine) has(flag string) bool { return slices.Contains(n.flags, flag) }
func (n clusterNodeLine) isMaster() bool       { return n.has("master") }

// lowestSlots returns the first count slots the node owns.
func (n clusterNodeLine) lowestSlots(count int) []int {
	s := slices.Clone(n.slots)
	slices.Sort(s)
	return s[:min(count, len(s))]
}

// parseClusterNodes reads the CLUSTER NODES format: id ip:port@cport[,hostname]
// flags master ping-sent pong-recv config-epoch link-state slot…
func parseClusterNodes(text string) (clusterView, error) {
	var v clusterView
	for line := range strings.Lines(text) {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) < 8 {
			return nil, fmt.Errorf("line %q: %d fields, want at least 8", line, len(f))
		}
		addr, _, _ := strings.Cut(f[1], "@")
		n := clusterNodeLine{id: f[0], addr: addr, flags: strings.Split(f[2], ","), master: f[3]}
		for _, s := range f[8:] {
			if strings.HasPrefix(s, "[") {
				continue // a slot being imported or migrated
			}
			lo, hi, isRange := strings.Cut(s, "-")
			if !isRange {
				hi = lo
			}
			a, err1 := strconv.Atoi(lo)
			b, err2 := strconv.Atoi(hi)
			if err1 != nil || err2 != nil || a > b {
				return nil, fmt.Errorf("line %q: bad slot range %q", line, s)
			}
			for slot := a; slot <= b; slot++ {
				n.slots = append(n.slots, slot)
			}
		}
		v = append(v, n)
	}
	return v, nil
}

func (v clusterView) byID(id string) clusterNodeLine {
	for _, n := range v {
		if n.id == id {
			return n
		}
	}
	return clusterNodeLine{}
}

func (v clusterView) ownerOf(slot int) clusterNodeLine {
	for _, n := range v {
		if n.isMaster() && slices.Contains(n.slots, slot) {
			return n
		}
	}
	return clusterNodeLine{}
}

// masters are the masters that own slots and are not failed, by address.
func (v clusterView) masters() []clusterNodeLine {
	var out []clusterNodeLine
	for _, n := range v {
		if n.isMaster() && len(n.slots) > 0 && !n.has("fail") {
			out = append(out, n)
		}
	}
	slices.SortFunc(out, func(a, b clusterNodeLine) int { return strings.Compare(a.addr, b.addr) })
	return out
}

func (v clusterView) replicaOf(masterID string) clusterNodeLine {
	for _, n := range v {
		if n.master == masterID && !n.has("fail") {
			return n
		}
	}
	return clusterNodeLine{}
}

// keysInSlots returns perSlot keys named name for each slot, made to hash
// there with a hash tag.
func keysInSlots(name string, slots []int, perSlot int) []string {
	want := map[int]bool{}
	for _, s := range slots {
		want[s] = true
	}
	tags := map[int]string{}
	for i := 0; len(tags) < len(want); i++ {
		tag := "t" + strconv.Itoa(i)
		if s := cluster.KeySlot([]byte(tag)); want[s] && tags[s] == "" {
			tags[s] = tag
		}
	}
	var keys []string
	for _, s := range slots {
		for k := range perSlot {
			keys = append(keys, fmt.Sprintf("{%s}:%s:%d", tags[s], name, k))
		}
	}
	return keys
}

// clusterLoad is writers that keep SETting a fixed set of keys, each
// writer its own keys, remembering every acknowledged value.
type clusterLoad struct {
	acked, errors atomic.Int64
	mu            sync.Mutex
	last          map[string]string // key → last acknowledged value
	inFlight      map[string]string // key → the value being written now
	lastErr       error
	stopping      chan struct{}
	done          sync.WaitGroup
}

func startClusterLoad(ctx context.Context, cc *redis.ClusterClient, keys []string, writers int) *clusterLoad {
	l := &clusterLoad{last: map[string]string{}, inFlight: map[string]string{}, stopping: make(chan struct{})}
	for w := range writers {
		l.done.Add(1)
		go func() {
			defer l.done.Done()
			for n := 0; ; n++ {
				select {
				case <-l.stopping:
					return
				default:
				}
				key := keys[(w+n*writers)%len(keys)]
				value := fmt.Sprintf("w%d-%d", w, n)
				l.mu.Lock()
				l.inFlight[key] = value
				l.mu.Unlock()
				err := cc.Set(ctx, key, value, 0).Err()
				l.mu.Lock()
				delete(l.inFlight, key)
				if err == nil {
					l.last[key] = value
				} else {
					l.lastErr = err
				}
				l.mu.Unlock()
				if err != nil {
					l.errors.Add(1)
					continue
				}
				l.acked.Add(1)
			}
		}()
	}
	return l
}

// waitProgress waits for n more acknowledged writes.
func (l *clusterLoad) waitProgress(t *testing.T, n int64) {
	t.Helper()
	goal := l.acked.Load() + n
	deadline := time.Now().Add(clusterWaitDeadline)
	for l.acked.Load() < goal {
		if time.Now().After(deadline) {
			l.mu.Lock()
			defer l.mu.Unlock()
			t.Fatalf("the load stalled: %d acknowledged writes, want %d; last error %v", l.acked.Load(), goal, l.lastErr)
		}
		time.Sleep(clusterPollInterval)
	}
}

func (l *clusterLoad) stop() {
	close(l.stopping)
	l.done.Wait()
}

// verify reads every key the load wrote: each holds its last acknowledged
// value (the writers are stopped, so nothing is in flight).
func (l *clusterLoad) verify(t *testing.T, ctx context.Context, cc *redis.ClusterClient, when string) {
	t.Helper()
	verifyKeysEventually(t, ctx, cc, l.last, "the load's acknowledged writes "+when)
}

func verifyKeys(t *testing.T, ctx context.Context, cc *redis.ClusterClient, want map[string]string, what string) {
	t.Helper()
	for key, value := range want {
		if got, err := cc.Get(ctx, key).Result(); err != nil || got != value {
			t.Fatalf("%s: GET %s = %q, %v; want %q", what, key, got, err, value)
		}
	}
}

// verifyKeysEventually is verifyKeys that lets the client ride out a
// failover: a read that errors (the cluster is still electing, or the
// client's slot map is stale) is retried until the deadline; a read that
// answers a wrong value fails at once.
func verifyKeysEventually(t *testing.T, ctx context.Context, cc *redis.ClusterClient, want map[string]string, what string) {
	t.Helper()
	deadline := time.Now().Add(clusterWaitDeadline)
	for key, value := range want {
		for {
			got, err := cc.Get(ctx, key).Result()
			if err == nil && got == value {
				break
			}
			if errors.Is(err, redis.Nil) || (err == nil && got != value) {
				t.Fatalf("%s: GET %s = %q, %v; want %q (an acknowledged write is lost)", what, key, got, err, value)
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: GET %s still failing after %v: %v", what, key, clusterWaitDeadline, err)
			}
			time.Sleep(clusterPollInterval)
		}
	}
}

// writeWaited writes count keys owned by master over one connection and
// WAITs until a replica acknowledged them all.
func writeWaited(t *testing.T, ctx context.Context, cc *redis.ClusterClient, master clusterNodeLine, count int) map[string]string {
	t.Helper()
	keys := keysInSlots("waited", master.lowestSlots(count), 1)
	mc, err := cc.MasterForKey(ctx, keys[0])
	if err != nil {
		t.Fatal(err)
	}
	if mc.Options().Addr != master.addr {
		t.Fatalf("ClusterClient sends %s to %s, want its master %s", keys[0], mc.Options().Addr, master.addr)
	}
	conn := mc.Conn()
	defer conn.Close()
	written := map[string]string{}
	for _, key := range keys {
		if err := conn.Set(ctx, key, "waited:"+key, 0).Err(); err != nil {
			t.Fatalf("SET %s at %s: %v", key, master.addr, err)
		}
		written[key] = "waited:" + key
	}
	n, err := conn.Do(ctx, "WAIT", 1, clusterWaitDeadline.Milliseconds()).Int()
	if err != nil || n != 1 {
		t.Fatalf("WAIT 1 at %s = %d, %v; want 1 replica", master.addr, n, err)
	}
	return written
}
