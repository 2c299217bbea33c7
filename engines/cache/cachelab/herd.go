package cachelab

import (
	"math"
	"strconv"
	"strings"
	"time"

	"syslab/engines/cache"
	"syslab/engines/cache/resp"
	"syslab/lab/engine"
	"syslab/node"
)

// opReadThroughOrigin is the cache-aside read: GET key; on a miss load the
// value from the origin and SET it with config.client.ttl. What readers
// that miss at the same moment do — the thundering herd when a popular key
// expires — is config.client.herd_mitigation:
//
//	none      every reader that misses loads and fills
//	xfetch    a reader that hits refreshes early with a probability that
//	          grows as expiry nears (the value carries δ and its expiry)
//	lock      the first reader that misses takes SET {key}:lock NX PX and
//	          loads; the others poll the key with backoff until it is back
//	coalesce  readers of one client process share one load (singleflight)
const opReadThroughOrigin = "read_through_origin"

// Calls: the client's own commands and origin loads carry seqs from
// callSeqBase up, so they never meet the lab's (which count from 1).
const (
	callSeqBase = uint64(1) << 62
	// callTimeout is how long a call waits for its answer before the
	// operations it serves are reported timed out. The lab's own op
	// timeout usually fires first; this bounds the calls map.
	callTimeout = 10 * time.Second
)

// call is a command or load in flight and what to do with its answer (nil
// when it timed out).
type call struct {
	then  func(x engine.Exchange, reply node.Message)
	timer node.Timer
}

var _ engine.Conversation = (*client)(nil)

// Converses names the operations that take more than one exchange.
func (c *client) Converses(kind string) bool {
	switch kind {
	case opReadThroughOrigin:
		return true
	case "set":
		return c.cfg.Split > 1
	case "get":
		return c.cfg.Tracking
	}
	return false
}

func (c *client) Begin(x engine.Exchange, seq uint64, op engine.Op) {
	switch op.Kind {
	case opReadThroughOrigin:
		if c.origin == "" {
			x.Finish(seq, engine.Outcome{Status: "fail", Error: "ERR no origin node: give one node the role origin"})
			return
		}
		c.readThrough(x, seq, op.Key)
	case "set":
		c.splitSet(x, seq, op)
	case "get":
		c.trackedGet(x, seq, op.Key)
	default:
		panic("cachelab: no conversation for " + op.Kind)
	}
}

func (c *client) Deliver(x engine.Exchange, from node.ID, msg node.Message) bool {
	var seq uint64
	switch m := msg.(type) {
	case cache.Reply:
		seq = m.Seq
	case OriginValue:
		seq = m.Seq
	case cache.Push:
		c.invalidate(m.Value)
		return true
	default:
		return false
	}
	if seq < callSeqBase {
		return false // the lab's own Request/Reply
	}
	cl, ok := c.calls[seq]
	if !ok {
		return true // answered after it timed out
	}
	delete(c.calls, seq)
	cl.timer.Stop()
	cl.then(x, msg)
	return true
}

// send makes one call and runs then with its answer, or with nil once
// callTimeout passes.
func (c *client) send(x engine.Exchange, to node.ID, msg func(seq uint64) node.Message, then func(engine.Exchange, node.Message)) {
	c.callSeq++
	seq := callSeqBase + c.callSeq
	timer := x.After(callTimeout, func() {
		if cl, ok := c.calls[seq]; ok {
			delete(c.calls, seq)
			cl.then(x, nil)
		}
	})
	c.calls[seq] = call{then: then, timer: timer}
	x.Send(to, msg(seq))
}

// command sends a Redis command to the node that owns its key (args[1]),
// and gives then the reply (ok false: no reply in time).
func (c *client) command(x engine.Exchange, then func(x engine.Exchange, v resp.Value, ok bool), args ...string) {
	c.commandTo(x, c.serverFor([]byte(args[1])), then, args...)
}

func (c *client) commandTo(x engine.Exchange, to node.ID, then func(x engine.Exchange, v resp.Value, ok bool), args ...string) {
	b := make([][]byte, len(args))
	for i, a := range args {
		b[i] = []byte(a)
	}
	c.send(x, to, func(seq uint64) node.Message { return cache.Command{Seq: seq, Args: b} }, func(x engine.Exchange, m node.Message) {
		r, ok := m.(cache.Reply)
		then(x, r.Value, ok)
	})
}

// load asks the origin for key.
func (c *client) load(x engine.Exchange, key string, then func(x engine.Exchange, value string, ok bool)) {
	c.send(x, c.origin, func(seq uint64) node.Message { return OriginLoad{Seq: seq, Key: key} }, func(x engine.Exchange, m node.Message) {
		v, ok := m.(OriginValue)
		then(x, v.Value, ok)
	})
}

// lost is the outcome of an operation whose call got no answer: the
// command may have run.
var lost = engine.Outcome{Status: "info", Error: "timeout waiting for a call of the operation"}

func (c *client) readThrough(x engine.Exchange, seq uint64, key string) {
	c.command(x, func(x engine.Exchange, v resp.Value, ok bool) {
		switch {
		case !ok:
			x.Finish(seq, lost)
		case v.Kind == resp.Error:
			x.Finish(seq, outcome(v))
		case v.Kind == resp.Null || v.Kind == resp.NullArray:
			c.miss(x, seq, key)
		case c.cfg.Herd == HerdXFetch:
			cached, ok := decodeXFetch(string(v.Str))
			if !ok {
				// Not ours (or corrupt): treat it as a miss and refill.
				c.fill(x, key, finisher(x, seq))
				return
			}
			if c.refreshEarly(x.Now(), cached) {
				c.fill(x, key, finisher(x, seq))
				return
			}
			x.Finish(seq, engine.Outcome{Status: "ok", Output: cached.value})
		default:
			x.Finish(seq, engine.Outcome{Status: "ok", Output: string(v.Str)})
		}
	}, "GET", key)
}

func finisher(x engine.Exchange, seq uint64) func(engine.Outcome) {
	return func(out engine.Outcome) { x.Finish(seq, out) }
}

// refreshEarly is XFetch's test: now − δ·β·ln(u) ≥ expiry, u uniform in
// (0, 1]. −ln(u) is exponentially distributed, so each reader refreshes
// with a probability that rises smoothly as expiry nears, and sooner for
// values that are slow (δ) to recompute.
func (c *client) refreshEarly(now time.Time, v xfetchValue) bool {
	u := 1 - c.rng.Float64() // (0, 1]
	gap := time.Duration(float64(v.delta) * c.cfg.XFetchBeta * -math.Log(u))
	return !now.Add(gap).Before(v.expiry)
}

// miss handles a read that found no value, by the herd mitigation.
func (c *client) miss(x engine.Exchange, seq uint64, key string) {
	switch c.cfg.Herd {
	case HerdLock:
		c.tryLock(x, seq, key, c.cfg.LockPoll)
	case HerdCoalesce:
		if waiting, ok := c.flights[key]; ok {
			c.flights[key] = append(waiting, seq)
			return
		}
		if c.flights == nil {
			c.flights = map[string][]uint64{}
		}
		c.flights[key] = []uint64{seq}
		c.fill(x, key, func(out engine.Outcome) {
			waiting := c.flights[key]
			delete(c.flights, key)
			for _, s := range waiting {
				x.Finish(s, out)
			}
		})
	default:
		c.fill(x, key, finisher(x, seq))
	}
}

// fill loads key from the origin and stores it with the TTL; done gets the
// loaded value once the cache has it.
func (c *client) fill(x engine.Exchange, key string, done func(engine.Outcome)) {
	start := x.Now()
	c.load(x, key, func(x engine.Exchange, value string, ok bool) {
		if !ok {
			done(lost)
			return
		}
		stored := value
		if c.cfg.Herd == HerdXFetch {
			now := x.Now()
			stored = encodeXFetch(xfetchValue{delta: now.Sub(start), expiry: now.Add(c.cfg.TTL), value: value})
		}
		c.command(x, func(x engine.Exchange, v resp.Value, ok bool) {
			switch {
			case !ok:
				done(lost)
			case v.Kind == resp.Error:
				done(outcome(v))
			default:
				done(engine.Outcome{Status: "ok", Output: value})
			}
		}, "SET", key, stored, "PX", strconv.FormatInt(c.cfg.TTL.Milliseconds(), 10))
	})
}

// lockKey is key's lease; the hash tag puts it on key's shard.
func lockKey(key string) string { return "{" + key + "}:lock" }

// tryLock takes key's lease and fills key, or — when another reader holds
// it — waits, reads again and, still missing, tries again with a doubled
// wait. The holder releases with a plain DEL: safe while a load takes less
// than lock_ttl (a holder slower than that may delete a successor's lease,
// costing one extra load, never a wrong value).
func (c *client) tryLock(x engine.Exchange, seq uint64, key string, wait time.Duration) {
	c.command(x, func(x engine.Exchange, v resp.Value, ok bool) {
		switch {
		case !ok:
			x.Finish(seq, lost)
		case v.Kind == resp.Error:
			x.Finish(seq, outcome(v))
		case v.Kind == resp.Null || v.Kind == resp.NullArray:
			x.After(wait, func() { c.pollLocked(x, seq, key, min(2*wait, lockPollMax)) })
		default:
			c.fill(x, key, func(out engine.Outcome) {
				c.command(x, func(engine.Exchange, resp.Value, bool) {}, "DEL", lockKey(key))
				x.Finish(seq, out)
			})
		}
	}, "SET", lockKey(key), "held", "NX", "PX", strconv.FormatInt(c.cfg.LockTTL.Milliseconds(), 10))
}

// pollLocked reads key again while another reader holds its lease.
func (c *client) pollLocked(x engine.Exchange, seq uint64, key string, nextWait time.Duration) {
	c.command(x, func(x engine.Exchange, v resp.Value, ok bool) {
		switch {
		case !ok:
			x.Finish(seq, lost)
		case v.Kind == resp.Error:
			x.Finish(seq, outcome(v))
		case v.Kind == resp.Null || v.Kind == resp.NullArray:
			c.tryLock(x, seq, key, nextWait)
		default:
			x.Finish(seq, engine.Outcome{Status: "ok", Output: string(v.Str)})
		}
	}, "GET", key)
}

// xfetchValue is what XFetch stores: the value with how long it took to
// compute (δ) and when it expires, so every reader can run the test.
type xfetchValue struct {
	delta  time.Duration
	expiry time.Time
	value  string
}

// xfetchPrefix marks an encoded value: "xf1 <δ µs> <expiry unix ms> <value>".
const xfetchPrefix = "xf1 "

func encodeXFetch(v xfetchValue) string {
	return xfetchPrefix + strconv.FormatInt(v.delta.Microseconds(), 10) + " " + strconv.FormatInt(v.expiry.UnixMilli(), 10) + " " + v.value
}

// decodeXFetch parses what encodeXFetch wrote; ok is false for anything
// else.
func decodeXFetch(s string) (xfetchValue, bool) {
	rest, ok := strings.CutPrefix(s, xfetchPrefix)
	if !ok {
		return xfetchValue{}, false
	}
	deltaText, rest, ok1 := strings.Cut(rest, " ")
	expiryText, value, ok2 := strings.Cut(rest, " ")
	if !ok1 || !ok2 {
		return xfetchValue{}, false
	}
	deltaMicros, err1 := strconv.ParseInt(deltaText, 10, 64)
	expiryMillis, err2 := strconv.ParseInt(expiryText, 10, 64)
	if err1 != nil || err2 != nil || deltaMicros < 0 || deltaMicros > math.MaxInt64/int64(time.Microsecond) {
		return xfetchValue{}, false
	}
	return xfetchValue{delta: time.Duration(deltaMicros) * time.Microsecond, expiry: time.UnixMilli(expiryMillis), value: value}, true
}
