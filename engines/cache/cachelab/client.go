package cachelab

import (
	"strconv"
	"strings"

	"syslab/engines/cache"
	"syslab/engines/cache/cluster"
	"syslab/engines/cache/resp"
	"syslab/lab/engine"
	"syslab/node"
)

// client sends each operation as one Redis command to the node that owns
// the key's slot.
type client struct {
	servers []node.ID
}

func newClient(servers []node.ID) *client { return &client{servers: servers} }

func (c *client) Request(seq uint64, op engine.Op) (node.ID, node.Message) {
	key := []byte(op.Key)
	to := c.servers[cluster.SlotOwner(cluster.KeySlot(key), len(c.servers))]
	var args [][]byte
	switch op.Kind {
	case "get":
		args = [][]byte{[]byte("GET"), key}
	case "set":
		args = [][]byte{[]byte("SET"), key, []byte(op.Value)}
	case "read_through":
		args = [][]byte{[]byte("SET"), key, []byte(op.Value), []byte("GET")}
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
