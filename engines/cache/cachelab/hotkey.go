package cachelab

import (
	"strconv"

	"syslab/engines/cache/resp"
	"syslab/lab/engine"
	"syslab/node"
)

// Hot-key mitigations, both client-side as they are in practice:
//
//   - key splitting (config.client.split: N): a set writes key#1 … key#N,
//     a get reads one copy at random, so a key too hot for one shard
//     spreads over the shards its copies hash to — at N times the write
//     cost;
//   - client-side caching (config.client.tracking: yes): the client turns
//     on RESP3 CLIENT TRACKING with each server it reads from and answers
//     repeated gets from its own memory until the server pushes an
//     invalidation for the key;
//   - replica reads (config.client.replica_reads: yes): a get goes to the
//     key's master or one of its replicas at random, so a shard with R
//     replicas serves a hot key's reads from R+1 nodes — reads that may
//     be stale by the replication lag; writes still all go to the master.

// localKeysMax bounds the client-side cache; when full it is emptied,
// which costs hits, never correctness.
const localKeysMax = 10_000

// readFrom is the node a get of a key owned by master goes to.
func (c *client) readFrom(master node.ID) node.ID {
	reps := c.replicas[master]
	if !c.cfg.ReplicaReads || len(reps) == 0 {
		return master
	}
	if i := c.rng.IntN(len(reps) + 1); i < len(reps) {
		return reps[i]
	}
	return master
}

// replicasByMaster lists each master's replicas in topology order.
func replicasByMaster(nodes []node.ID, masterOf map[node.ID]node.ID) map[node.ID][]node.ID {
	out := map[node.ID][]node.ID{}
	for _, id := range nodes {
		if m := masterOf[id]; m != "" {
			out[m] = append(out[m], id)
		}
	}
	return out
}

// splitKey names copy i (1-based) of key.
func splitKey(key string, i int) string { return key + "#" + strconv.Itoa(i) }

// splitSet writes every copy of op.Key and finishes when all are acked (or
// with the first error).
func (c *client) splitSet(x engine.Exchange, seq uint64, op engine.Op) {
	left := c.cfg.Split
	failed := false
	for i := 1; i <= c.cfg.Split; i++ {
		c.command(x, func(x engine.Exchange, v resp.Value, ok bool) {
			left--
			switch {
			case failed:
			case !ok:
				failed = true
				x.Finish(seq, lost)
			case v.Kind == resp.Error:
				failed = true
				x.Finish(seq, outcome(v))
			case left == 0:
				x.Finish(seq, outcome(v))
			}
		}, "SET", splitKey(op.Key, i), op.Value)
	}
}

// trackedGet answers from the client-side cache, or reads with tracking on
// and keeps what it read.
func (c *client) trackedGet(x engine.Exchange, seq uint64, key string) {
	if c.cfg.Split > 1 {
		key = splitKey(key, 1+c.rng.IntN(c.cfg.Split))
	}
	if v, ok := c.local[key]; ok {
		x.Finish(seq, engine.Outcome{Status: "ok", Output: v})
		return
	}
	to := c.serverFor([]byte(key))
	if !c.tracking[to] {
		if c.tracking == nil {
			c.tracking = map[node.ID]bool{}
		}
		c.tracking[to] = true
		// The link to a server delivers in order, so the GET below runs
		// with tracking on.
		ignore := func(engine.Exchange, resp.Value, bool) {}
		c.commandTo(x, to, ignore, "HELLO", "3")
		c.commandTo(x, to, ignore, "CLIENT", "TRACKING", "ON")
	}
	c.command(x, func(x engine.Exchange, v resp.Value, ok bool) {
		if !ok {
			x.Finish(seq, lost)
			return
		}
		out := outcome(v)
		if out.Status == "ok" && !out.Nil {
			if len(c.local) >= localKeysMax {
				c.local = nil
			}
			if c.local == nil {
				c.local = map[string]string{}
			}
			c.local[key] = out.Output
		}
		x.Finish(seq, out)
	}, "GET", key)
}

// invalidate applies a tracking push: ["invalidate", [key …]], or a null
// key list for "forget everything".
func (c *client) invalidate(v resp.Value) {
	if len(v.Elems) != 2 || string(v.Elems[0].Str) != "invalidate" {
		return
	}
	keys := v.Elems[1]
	if keys.Kind == resp.Null || keys.Kind == resp.NullArray {
		c.local = nil
		return
	}
	for _, k := range keys.Elems {
		delete(c.local, string(k.Str))
	}
}

// report is config.client as the report shows it.
func (s clientSettings) report() map[string]any {
	return map[string]any{
		"herd_mitigation": s.Herd, "ttl": s.TTL.String(), "xfetch_beta": s.XFetchBeta,
		"lock_ttl": s.LockTTL.String(), "lock_poll": s.LockPoll.String(),
		"split": s.Split, "tracking": s.Tracking, "replica_reads": s.ReplicaReads,
	}
}
