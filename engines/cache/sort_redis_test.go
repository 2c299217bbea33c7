package cache

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"syslab/engines/cache/cluster"
	"syslab/engines/cache/resp"
)

// sortCompareScript exercises every SORT and SORT_RO option and error.
// A set's own order is its hash order, which differs here from Redis's:
// a set is compared exactly only when it is sorted (see
// sortUnorderedScript), and never sorted ALPHA BY a pattern whose weights
// tie, since Redis leaves their order to its sort routine.
var sortCompareScript = []string{
	// Numbers as strtod reads them: signs, hexadecimal, leading space,
	// infinities, "" as 0; ties ordered by the elements' bytes.
	"RPUSH l 3 1 2 10 -5 1.5 +7 0x10 ' 4' 1e1 inf -inf ''", "SORT l", "SORT l DESC", "SORT l ALPHA", "SORT l ALPHA DESC",
	"SORT l DESC ASC", "sort l desc alpha limit 0 3", "SORT_RO l", "SORT_RO l DESC LIMIT 1 2",
	"RPUSH tie 1.0 1 01 +1 1e0 0.1e1", "SORT tie", "SORT tie DESC", "SORT tie ALPHA",
	"RPUSH bad 1 a 2", "SORT bad", "SORT bad ALPHA", "SORT bad DESC LIMIT 0 1", "SORT bad BY nosort",
	"RPUSH nan 1 nan", "SORT nan", "RPUSH sp 1 ' '", "SORT sp", "RPUSH trail 1 '1 '", "SORT trail",
	"RPUSH hexf 0x1p3 0X1A 0x", "SORT hexf", "RPUSH under 1_0", "SORT under", "RPUSH nul \"1\\x00x\" 0", "SORT nul",
	// LIMIT clamps.
	"SORT l LIMIT 0 3", "SORT l LIMIT 2 2", "SORT l LIMIT -1 2", "SORT l LIMIT 1 -1", "SORT l LIMIT 1 0",
	"SORT l LIMIT 100 2", "SORT l LIMIT 12 5", "SORT l LIMIT 13 5", "SORT l LIMIT 0 100", "SORT l LIMIT -5 -5",
	"SORT l LIMIT 9223372036854775807 9223372036854775807", "SORT l LIMIT -9223372036854775808 1",
	"SORT l LIMIT 5 9223372036854775807", "SORT l DESC LIMIT 3 3", "SORT l LIMIT 1 2 LIMIT 0 1",
	"SORT l LIMIT x 1", "SORT l LIMIT 1 x", "SORT l LIMIT 1", "SORT l LIMIT", "SORT l LIMIT 1.5 2",
	"SORT l LIMIT 99999999999999999999 1",
	// Sets and sorted sets, sorted.
	"SADD s 5 3 9 1 -2", "SORT s", "SORT s DESC LIMIT 1 2", "SORT s ALPHA", "SORT s BY nosort STORE d", "LRANGE d 0 -1",
	"SORT s BY nosort DESC STORE d", "LRANGE d 0 -1", "SORT s BY nosort ALPHA LIMIT 1 2 STORE d", "LRANGE d 0 -1",
	"SADD sh b a c 10 2 B", "SORT sh", "SORT sh ALPHA", "SORT sh ALPHA DESC LIMIT 2 3", "SORT sh BY nosort STORE d",
	"LRANGE d 0 -1", "SORT sh BY nosort LIMIT 0 0 STORE d", "EXISTS d",
	"ZADD zn 3 1 1 30 2 2 2 -7", "SORT zn", "SORT zn DESC", "SORT zn ALPHA", "SORT zn BY nosort", "SORT zn BY nosort DESC",
	"SORT zn BY nosort LIMIT 1 2", "SORT zn BY nosort DESC LIMIT 1 2", "SORT zn BY nosort LIMIT 3 9", "SORT zn BY nosort LIMIT 4 1",
	"SORT zn BY nosort LIMIT 9 1", "SORT zn BY nosort LIMIT -1 -1", "SORT zn BY nosort DESC LIMIT 0 0",
	"SORT zn BY nosort STORE d", "LRANGE d 0 -1", "ZADD za 1 c 2 a 3 b", "SORT za", "SORT za ALPHA", "SORT za BY nosort",
	"SORT za BY nosort ALPHA DESC",
	// Lists unsorted: their own order, backwards with DESC.
	"SORT l BY nosort", "SORT l BY nosort DESC", "SORT l BY nosort LIMIT 2 3", "SORT l BY nosort DESC LIMIT 2 3",
	"SORT l BY nosort LIMIT 12 3", "SORT l BY nosort DESC LIMIT 20 3", "SORT l BY constant ALPHA", "SORT bad BY x DESC",
	"SORT l BY nosort BY w_*", "SORT l BY w_* BY nosort",
	// BY and GET patterns: strings and hash fields.
	"MSET w_3 30 w_1 10 w_2 20 w_10 5 w_x 7", "RPUSH bl 1 2 3 10", "SORT bl BY w_*", "SORT bl BY w_* DESC",
	"SORT bl BY w_* ALPHA", "SORT bl BY nokey_*", "SORT bl BY nokey_* DESC", "SORT bl BY w_* LIMIT 0 2",
	"SORT bl BY w_* LIMIT 1 2 DESC", "SORT bl BY w_*x", "SORT bl BY *", "SORT bl BY w_* GET #", "SORT bl GET # GET w_*",
	"SORT bl BY w_* GET w_* GET nokey_* GET #", "SORT bl GET nostar", "SORT bl GET #x", "SORT bl BY w_* LIMIT 1 2 GET # GET w_*",
	"SORT bl LIMIT 0 0 GET #", "SORT bl BY w_* ALPHA DESC GET w_*",
	"HSET h_1 f 3 g x", "HSET h_2 f 1 g y", "HSET h_3 f 2", "HSET h_10 f 0 g z",
	"SORT bl BY h_*->f", "SORT bl BY h_*->f DESC GET h_*->g GET #", "SORT bl BY h_*->g ALPHA", "SORT bl BY h_*->nofield",
	"SORT bl BY h_*->g", "SORT bl GET h_*->f GET h_*-> GET h_*", "SORT bl GET h_*->f->x", "SORT bl BY w_*->f",
	"SET o->_1 v", "SORT bl GET o->_*", "SET x_1_* star", "SORT bl GET x_*_*", "SADD t_1 a", "SORT bl BY t_* GET t_*",
	"RPUSH wl_1 9", "SORT bl BY wl_*", "SET wb_2 notanumber", "SORT bl BY wb_*", "SORT bl BY wb_* ALPHA",
	"SORT bl BY h_* GET h_*", "RPUSH names alice bob carol", "MSET age_alice 30 age_bob 25 age_carol 35",
	"SORT names BY age_* GET # GET age_*", "SORT names ALPHA BY age_* DESC", "SORT_RO names BY age_* GET age_*",
	"RPUSH el 1 2 3", "MSET e_1 '' e_3 b", "HSET eh_2 f ''", "SORT el BY e_* ALPHA", "SORT el BY e_* ALPHA DESC",
	"SORT el BY eh_*->f ALPHA", "SORT el BY eh_*->f ALPHA DESC", "SORT el BY e_* GET e_* GET eh_*->f",
	// NUL bytes: Redis looks for '*', "->" and "#" as C strings do.
	"SORT bl BY \"w_\\x00*\"", "SORT bl GET \"#\\x00x\"", "SORT bl GET \"w_*\\x00->f\"", "SORT bl GET \"h_*->\\x00f\"",
	"SET \"w_1\\x00z\" nul", "SORT bl GET \"w_*\\x00z\"", "SORT bl BY nosort DESC GET w_* GET #",
	"SORT s BY w_* GET #", "SORT zn BY w_*", "SORT sh BY nokey_* ALPHA LIMIT 0 0",
	// STORE.
	"SORT bl BY w_* STORE dst", "LRANGE dst 0 -1", "TYPE dst", "OBJECT ENCODING dst",
	"SORT bl BY w_* GET # GET w_* GET nokey_* STORE dst", "LRANGE dst 0 -1", "LLEN dst",
	"SORT nokey STORE dst", "EXISTS dst", "SORT nokey STORE dst", "SORT bl STORE dst", "SORT bl LIMIT 0 0 STORE dst", "EXISTS dst",
	"SET str x", "SORT bl DESC STORE str", "TYPE str", "LRANGE str 0 -1", "SET dst2 x EX 100", "SORT bl STORE dst2", "TTL dst2",
	"SORT bl STORE a STORE b", "EXISTS a", "LRANGE b 0 -1", "SORT bad STORE d3", "EXISTS d3", "SORT bl STORE bl", "LRANGE bl 0 -1",
	"SORT zn STORE dz", "LRANGE dz 0 -1", "SORT bl STORE ''", "LRANGE '' 0 -1", "SORT bl BY '' GET ''", "COMMAND GETKEYS sort bl store ''", "SORT l ALPHA LIMIT 0 4 STORE dl", "LRANGE dl 0 -1", "SORT l BY nosort DESC STORE dl",
	"LRANGE dl 0 -1",
	// Errors, in the order Redis finds them.
	"SORT str", "SET strk v", "SORT strk", "SORT h_1", "SORT strk FOO", "SORT strk LIMIT x 1", "SORT bl FOO", "SORT bl STORE",
	"SORT bl BY", "SORT bl GET", "SORT bl ALPHA FOO", "SORT bl GET # STORE", "SORT_RO bl STORE d", "SORT_RO bl store",
	"SORT_RO strk", "SORT_RO nokey", "SORT_RO bl FOO", "SORT", "SORT_RO", "SORT nokey", "SORT nokey BY nosort DESC",
	"SORT nokey LIMIT 0 1", "SORT nokey GET #",
	// Inside MULTI: errors are found when EXEC runs the command.
	"MULTI", "SORT bl DESC STORE dm", "SORT_RO bl STORE dm", "SORT strk", "SORT dm BY nosort", "EXEC",
	// COMMAND GETKEYS: the key and the last STORE destination; a pattern
	// or a LIMIT argument spelled "store" is not the option.
	"COMMAND GETKEYS sort k", "COMMAND GETKEYS sort k store d", "COMMAND GETKEYS sort k STORE a BY w_* STORE b",
	"COMMAND GETKEYS sort k get store x", "COMMAND GETKEYS sort k by store x", "COMMAND GETKEYS sort k limit store x 1",
	"COMMAND GETKEYS sort k store", "COMMAND GETKEYS sort_ro k store d", "COMMAND GETKEYS sort_ro k",
	"COMMAND GETKEYS sort", "COMMAND GETKEYSANDFLAGS sort k store d", "COMMAND GETKEYSANDFLAGS sort_ro k get x",
	"COMMAND GETKEYSANDFLAGS sort k by x",
	// ERANGE, last: Redis does not clear errno before strtod, so after
	// one of these its next numeric SORTs may fail too.
	"RPUSH big 1 1e400", "SORT big", "RPUSH tiny 1 1e-400", "SORT tiny", "RPUSH sub 1 1e-310", "SORT sub",
	"RPUSH sub2 2.225073858507201e-308", "SORT sub2",
}

// sortUnorderedScript compares what depends on hash order as a multiset:
// a set that is not sorted, Redis's command table.
var sortUnorderedScript = []string{"COMMAND LIST FILTERBY PATTERN sort*", "SORT s BY nosort", "SORT sh BY nosort GET #", "SORT s BY nosort DESC", "SORT_RO sh BY x"}

func TestSortAgreesWithRedis(t *testing.T) {
	steps := append(exact(sortCompareScript...), unordered(sortUnorderedScript...)...)
	steps = append(steps, exact("SORT s BY nosort LIMIT 0 0", "SORT s BY nosort LIMIT 9 1")...)
	forEachProtocol(t, Config{}, steps)
}

// In cluster mode BY and GET patterns are refused (the keys they name may
// live on any node), a BY without '*' is not a pattern, and the source
// and the destination must share a slot. Compared with a redis-server
// --cluster-enabled yes that owns every slot.
func TestSortInClusterModeAgreesWithRedis(t *testing.T) {
	busPort := 20000 + rand.IntN(40000) // see TestClusterCommandsMatchRedis
	server := startRedisServerIn(t, t.TempDir(), "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
		"--cluster-port", strconv.Itoa(busPort))
	for _, protocol := range []int{resp.RESP2, resp.RESP3} {
		c := server.compare(Config{ClusterEnabled: true, Cluster: cluster.Config{AnnounceBusPort: busPort}}, protocol)
		c.onRedis("CLUSTER RESET HARD")
		for _, line := range []string{"CLUSTER ADDSLOTSRANGE 0 16383"} {
			if v := c.onRedis(line); v.IsError() {
				t.Fatalf("redis-server: %s: %s", line, v)
			}
			if v := c.onNode(line); v[0].IsError() {
				t.Fatalf("node: %s: %s", line, v[0])
			}
		}
		deadline := time.Now().Add(clusterFormTimeout)
		for c.onRedis("GET {t}x").IsError() { // CLUSTERDOWN until its state is ok
			if time.Now().After(deadline) {
				t.Fatalf("redis-server did not serve its slots within %s", clusterFormTimeout)
			}
			time.Sleep(10 * time.Millisecond)
		}
		for i := 0; c.onNode("GET {t}x")[0].IsError(); i++ { // the node's cron marks its state ok
			if i == 100 {
				t.Fatal("the node did not serve its slots within 10s of virtual time")
			}
			c.env.Advance(100 * time.Millisecond)
		}
		c.run(exact("RPUSH {t}l 3 1 2", "SET {t}w_1 9", "SORT {t}l", "SORT {t}l BY {t}w_*", "SORT {t}l GET #",
			"SORT {t}l BY nosort DESC", "SORT {t}l GET # BY {t}w_*", "SORT {t}l LIMIT 0 1 BY {t}w_*", "SORT {t}l FOO GET #",
			"SORT {t}l BY nosort STORE {t}d", "LRANGE {t}d 0 -1", "SORT {t}l STORE other", "SORT_RO {t}l BY {t}w_*",
			"SORT_RO {t}l GET {t}w_*", "SORT_RO {t}l ALPHA", "SORT {t}l BY {t}w_* STORE other"))
	}
}

// SORT is a write command, yet every key it reads — the source and what
// BY and GET patterns name — counts as a keyspace hit or miss, as in
// Redis (lookupKeyRead); the STORE destination does not.
func TestSortCountsKeyspaceHitsAsRedis(t *testing.T) {
	c := newComparison(t, Config{}, resp.RESP2)
	for _, line := range []string{"RPUSH bl 1 2 3", "MSET w_1 1 w_2 2", "HSET h_1 f 1"} {
		c.onRedis(line)
		c.onNode(line)
	}
	stats := func(info resp.Value) string {
		var kept []string
		for _, line := range strings.Split(string(info.Str), "\r\n") {
			if strings.HasPrefix(line, "keyspace_hits:") || strings.HasPrefix(line, "keyspace_misses:") {
				kept = append(kept, line)
			}
		}
		return strings.Join(kept, " ")
	}
	for _, line := range []string{"SORT bl", "SORT nokey", "SORT bl BY w_* GET # GET nokey_* STORE d", "SORT bl BY nosort GET h_*->f",
		"SORT_RO bl BY h_*->f ALPHA", "SORT bl STORE bl", "SORT bl FOO"} {
		c.onRedis("CONFIG RESETSTAT")
		c.onNode("CONFIG RESETSTAT")
		c.onRedis(line)
		c.onNode(line)
		if got, want := stats(c.onNode("INFO stats")[0]), stats(c.onRedis("INFO stats")); got != want {
			t.Errorf("%s: %s, Redis %s", line, got, want)
		}
	}
}
