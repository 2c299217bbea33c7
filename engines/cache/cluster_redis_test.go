package cache

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"syslab/engines/cache/cluster"
	"syslab/engines/cache/resp"
)

// TestClusterCommandsMatchRedis runs CLUSTER subcommands on a fresh
// cluster-enabled node and on redis-server --cluster-enabled yes, and
// compares the bytes a client gets, with each side's random node name
// replaced by MYID. Both sides are single nodes that know nobody: the
// multi-node behaviour is tested in the simulator (cluster_sim_test.go).
func TestClusterCommandsMatchRedis(t *testing.T) {
	dir := t.TempDir()
	// The cluster bus listens on TCP even with --port 0: a random high
	// port, so parallel runs on this shared machine do not collide.
	busPort := 20000 + rand.IntN(40000)
	server := startRedisServerIn(t, dir, "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
		"--cluster-port", strconv.Itoa(busPort))
	for _, protocol := range []int{resp.RESP2, resp.RESP3} {
		c := server.compare(Config{ClusterEnabled: true, Cluster: cluster.Config{AnnounceBusPort: busPort}}, protocol)
		c.onRedis("CLUSTER RESET HARD")
		realID := string(c.onRedis("CLUSTER MYID").Str)
		ourID := string(c.onNode("CLUSTER MYID")[0].Str)
		normalize := func(s, id string) string { return strings.ReplaceAll(s, id, "MYID") }
		check := func(line string) {
			t.Helper()
			line = strings.ReplaceAll(line, "$ME", "MYID")
			ours := canonical(c.onNode(strings.ReplaceAll(line, "MYID", ourID))[0], sameReply, protocol)
			theirs := canonical(c.onRedis(strings.ReplaceAll(line, "MYID", realID)), sameReply, protocol)
			if got, want := normalize(ours, ourID), normalize(theirs, realID); got != want {
				t.Errorf("RESP%d %q:\n got  %q\n want %q", protocol, line, got, want)
			}
		}
		for _, line := range []string{
			"CLUSTER INFO",
			"CLUSTER NODES",
			"CLUSTER SLOTS",
			"CLUSTER SHARDS",
			"CLUSTER ADDSLOTSRANGE 0 100 5000 5001",
			"CLUSTER ADDSLOTS 200 16383",
			"CLUSTER ADDSLOTS 100",
			"CLUSTER ADDSLOTS 300 300",
			"CLUSTER ADDSLOTS 16384",
			"CLUSTER ADDSLOTS x",
			"CLUSTER ADDSLOTSRANGE 5 1",
			"CLUSTER ADDSLOTSRANGE 1 2 3",
			"CLUSTER DELSLOTS 300",
			"CLUSTER DELSLOTS 5001",
			"CLUSTER DELSLOTSRANGE 400 401",
			"CLUSTER NODES",
			"CLUSTER SLOTS",
			"CLUSTER SHARDS",
			"CLUSTER INFO",
			"CLUSTER KEYSLOT foo",
			"CLUSTER KEYSLOT {user1000}.following",
			"CLUSTER KEYSLOT",
			"CLUSTER HELP x",
			"CLUSTER COUNTKEYSINSLOT 12182",
			"CLUSTER COUNTKEYSINSLOT 16384",
			"CLUSTER COUNTKEYSINSLOT x",
			"CLUSTER GETKEYSINSLOT 12182 10",
			"CLUSTER GETKEYSINSLOT 1 -1",
			"CLUSTER GETKEYSINSLOT x 1",
			"CLUSTER SET-CONFIG-EPOCH x",
			"CLUSTER SET-CONFIG-EPOCH -1",
			"CLUSTER SET-CONFIG-EPOCH 5",
			"CLUSTER SET-CONFIG-EPOCH 6",
			"CLUSTER BUMPEPOCH",
			"CLUSTER INFO",
			"CLUSTER REPLICATE MYID",
			"CLUSTER REPLICATE 0000000000000000000000000000000000000000",
			"CLUSTER FORGET MYID",
			"CLUSTER FORGET abc",
			"CLUSTER COUNT-FAILURE-REPORTS MYID",
			"CLUSTER COUNT-FAILURE-REPORTS abc",
			"CLUSTER REPLICAS MYID",
			"CLUSTER SLAVES abc",
			"CLUSTER FAILOVER",
			"CLUSTER FAILOVER foo",
			"CLUSTER RESET foo",
			"CLUSTER SETSLOT 99999 STABLE",
			"CLUSTER SETSLOT 5 foo",
			"CLUSTER SETSLOT 5 MIGRATING abc",
			"CLUSTER SETSLOT 6000 MIGRATING MYID",
			"CLUSTER SETSLOT 5 IMPORTING MYID",
			"CLUSTER SETSLOT 5 NODE abc",
			"CLUSTER SETSLOT 5 STABLE",
			"CLUSTER MEET 1.2.3.4 x",
			"CLUSTER MEET 1.2.3.4 1 y",
			"CLUSTER SAVECONFIG",
			"CLUSTER FOO",
			"CLUSTER",
			"SELECT 1",
			"SELECT 0",
			"READONLY",
			"READWRITE",
			"CLUSTER FLUSHSLOTS",
			"CLUSTER NODES",
			"CLUSTER INFO",
		} {
			check(line)
		}
	}
}
