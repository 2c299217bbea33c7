package cachelab

import (
	"math/rand/v2"
	"strconv"
	"strings"

	"syslab/engines/cache"
	"syslab/engines/cache/cluster"
	"syslab/engines/cache/resp"
	"syslab/lab/engine"
	"syslab/node"
)

// client sends each simple operation as one Redis command to the node
// that owns the key's slot. The operations that take several commands
// (read_through_origin; set with split keys; get with client-side caching)
// are conversations, in herd.go and hotkey.go.
type client struct {
	servers []node.ID
	origin  node.ID // "" when the topology has none
	cfg     clientSettings
	rng     *rand.Rand

	// calls are this client's own commands and loads in flight, by the
	// seq they carry (always ≥ callSeqBase, apart from the lab's).
	calls    map[uint64]call
	callSeq  uint64
	flights  map[string][]uint64   // coalesce: key → operations waiting for its load
	local    map[string]string     // tracking: the client-side cache
	tracking map[node.ID]bool      // tracking: servers told CLIENT TRACKING ON
	replicas map[node.ID][]node.ID // replica_reads: each master's replicas
}

func newClient(servers []node.ID, origin node.ID, cfg clientSettings, r *rand.Rand) *client {
	return &client{servers: servers, origin: origin, cfg: cfg, rng: r, calls: map[uint64]call{}}
}

// serverFor is the node that owns key's slot.
func (c *client) serverFor(key []byte) node.ID {
	return c.servers[cluster.SlotOwner(cluster.KeySlot(key), len(c.servers))]
}

func (c *client) Request(seq uint64, op engine.Op) (node.ID, node.Message) {
	if c.cfg.Split > 1 && op.Kind == "get" {
		op.Key = splitKey(op.Key, 1+c.rng.IntN(c.cfg.Split))
	}
	key := []byte(op.Key)
	to := c.serverFor(key)
	if op.Kind == "get" {
		to = c.readFrom(to)
	}
	var args [][]byte
	switch op.Kind {
	case "get":
		args = [][]byte{[]byte("GET"), key}
	case "set":
		args = c.withWriteTTL([][]byte{[]byte("SET"), key, []byte(op.Value)})
	case "read_through":
		args = append(c.withWriteTTL([][]byte{[]byte("SET"), key, []byte(op.Value)}), []byte("GET"))
	case "del":
		args = [][]byte{[]byte("DEL"), key}
	case "incr":
		args = [][]byte{[]byte("INCR"), key}
	default:
		// The loader only lets through the names Ops lists.
		panic("cachelab: unknown op " + op.Kind)
	}
	return to, cache.Command{Seq: seq, Args: args}
}

// withWriteTTL adds config.client.write_ttl to a SET, if there is one.
func (c *client) withWriteTTL(set [][]byte) [][]byte {
	if c.cfg.WriteTTL == 0 {
		return set
	}
	return append(set, []byte("PX"), strconv.AppendInt(nil, c.cfg.WriteTTL.Milliseconds(), 10))
}

func (c *client) Reply(msg node.Message) (uint64, engine.Outcome, bool) {
	r, ok := msg.(cache.Reply)
	if !ok {
		return 0, engine.Outcome{}, false
	}
	return r.Seq, outcome(r.Value), true
}

func outcome(v resp.Value) engine.Outcome {
	switch v.Kind {
	case resp.Error:
		return engine.Outcome{Status: errorStatus(string(v.Str)), Error: string(v.Str)}
	case resp.Null, resp.NullArray:
		return engine.Outcome{Status: "ok", Nil: true}
	case resp.Integer:
		return engine.Outcome{Status: "ok", Output: strconv.FormatInt(v.Int, 10)}
	default:
		return engine.Outcome{Status: "ok", Output: string(v.Str)}
	}
}

// errorStatus says whether a Redis error means the command surely did not
// run. Redis refuses WRONGTYPE, syntax, LOADING and similar errors before
// touching the keyspace; anything we do not know for sure is indefinite, so
// the checker treats it as "may have happened" rather than trusting it.
func errorStatus(msg string) string {
	code, _, _ := strings.Cut(msg, " ")
	switch code {
	case "ERR", "WRONGTYPE", "LOADING", "NOSCRIPT", "BUSY", "OOM", "READONLY", "NOREPLICAS", "MOVED", "ASK", "TRYAGAIN", "CROSSSLOT", "CLUSTERDOWN":
		return "fail"
	}
	return "info"
}
