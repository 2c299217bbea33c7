package cache

import (
	"bytes"
	"strconv"

	"syslab/engines/cache/resp"
)

// Expiry commands: EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT, TTL, PTTL,
// EXPIRETIME, PEXPIRETIME, PERSIST.
// PEXPIREAT is also the form every expiry takes in the AOF.
var expireCommands = []commandSpec{
	{name: "expire", arity: -3, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, keyStep: 1, run: expireCommand},
	{name: "pexpire", arity: -3, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, keyStep: 1, run: pexpireCommand},
	{name: "expireat", arity: -3, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, keyStep: 1, run: expireatCommand},
	{name: "pexpireat", arity: -3, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, keyStep: 1, run: pexpireatCommand},
	{name: "ttl", arity: 2, flags: flagReadonly | flagFast, firstKey: 1, lastKey: 1, keyStep: 1, run: ttlCommand},
	{name: "pttl", arity: 2, flags: flagReadonly | flagFast, firstKey: 1, lastKey: 1, keyStep: 1, run: pttlCommand},
	{name: "expiretime", arity: 2, flags: flagReadonly | flagFast, firstKey: 1, lastKey: 1, keyStep: 1, run: expiretimeCommand},
	{name: "pexpiretime", arity: 2, flags: flagReadonly | flagFast, firstKey: 1, lastKey: 1, keyStep: 1, run: pexpiretimeCommand},
	{name: "persist", arity: 2, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, keyStep: 1, run: persistCommand},
}

func expireCommand(c *call) resp.Value    { return expireGeneric(c, 1000, false, "expire") }
func pexpireCommand(c *call) resp.Value   { return expireGeneric(c, 1, false, "pexpire") }
func expireatCommand(c *call) resp.Value  { return expireGeneric(c, 1000, true, "expireat") }
func pexpireatCommand(c *call) resp.Value { return expireGeneric(c, 1, true, "pexpireat") }

var cmdPexpireat = []byte("PEXPIREAT")

// expireGeneric follows Redis 7's expireGenericCommand: options first,
// then the time (negative times are allowed and delete the key), then the
// key; NX/XX/GT/LT compare against the current TTL, where "no TTL" counts
// as infinite.
func expireGeneric(c *call, unitMillis int64, absolute bool, name string) resp.Value {
	var nx, xx, gt, lt bool
	for _, opt := range c.args[3:] {
		switch {
		case bytes.EqualFold(opt, []byte("nx")):
			nx = true
		case bytes.EqualFold(opt, []byte("xx")):
			xx = true
		case bytes.EqualFold(opt, []byte("gt")):
			gt = true
		case bytes.EqualFold(opt, []byte("lt")):
			lt = true
		default:
			return resp.Err("ERR Unsupported option " + string(opt))
		}
	}
	if nx && (xx || gt || lt) {
		return resp.Err("ERR NX and XX, GT or LT options at the same time are not compatible")
	}
	if gt && lt {
		return resp.Err("ERR GT and LT options at the same time are not compatible")
	}
	when, ok := resp.ParseInt(c.args[2])
	if !ok {
		return resp.Err(errNotInteger)
	}
	const int64Max, int64Min = 1<<63 - 1, -1 << 63
	if unitMillis > 1 && (when > int64Max/unitMillis || when < int64Min/unitMillis) {
		return errInvalidExpire(name)
	}
	when *= unitMillis
	if !absolute {
		if when > int64Max-c.nowMillis {
			return errInvalidExpire(name)
		}
		when += c.nowMillis
	}
	key := c.args[1]
	e := c.lookup(key)
	if e == nil {
		return resp.Int(0)
	}
	hasTTL := e.expireAtMillis != noExpiry
	switch {
	case nx && hasTTL, xx && !hasTTL:
		return resp.Int(0)
	case gt && (!hasTTL || when <= e.expireAtMillis):
		return resp.Int(0)
	case lt && hasTTL && when >= e.expireAtMillis:
		return resp.Int(0)
	}
	// A time already past deletes the key — except during AOF replay, when
	// the command must rebuild the state it once produced; times <= 0 can
	// never be stored because 0 is the no-expiry sentinel.
	if when <= 0 || (when <= c.nowMillis && !c.node.loading) {
		c.db.delete(string(key))
		c.notify(notifyGeneric, "del", key)
		c.propagate(cmdDel, key)
		return resp.Int(1)
	}
	c.db.setExpire(string(key), e, when)
	c.notify(notifyGeneric, "expire", key)
	c.propagate(cmdPexpireat, key, strconv.AppendInt(nil, when, 10))
	return resp.Int(1)
}

func ttlCommand(c *call) resp.Value  { return ttlGeneric(c, false) }
func pttlCommand(c *call) resp.Value { return ttlGeneric(c, true) }

// ttlGeneric answers -2 for a missing key, -1 for a key without TTL, and
// otherwise the remaining time, rounded to the nearest second for TTL.
func ttlGeneric(c *call, millis bool) resp.Value {
	e := c.lookupNoTouch(c.args[1])
	if e == nil {
		return resp.Int(-2)
	}
	if e.expireAtMillis == noExpiry {
		return resp.Int(-1)
	}
	remainingMillis := max(e.expireAtMillis-c.nowMillis, 0)
	if millis {
		return resp.Int(remainingMillis)
	}
	return resp.Int((remainingMillis + 500) / 1000)
}

func expiretimeCommand(c *call) resp.Value  { return expiretimeGeneric(c, false) }
func pexpiretimeCommand(c *call) resp.Value { return expiretimeGeneric(c, true) }

// expiretimeGeneric answers the absolute expiry (Unix seconds rounded to
// the nearest, or milliseconds), -1 without TTL, -2 without key.
func expiretimeGeneric(c *call, millis bool) resp.Value {
	e := c.lookupNoTouch(c.args[1])
	switch {
	case e == nil:
		return resp.Int(-2)
	case e.expireAtMillis == noExpiry:
		return resp.Int(-1)
	case millis:
		return resp.Int(e.expireAtMillis)
	}
	return resp.Int((e.expireAtMillis + 500) / 1000)
}

func persistCommand(c *call) resp.Value {
	key := c.args[1]
	e := c.lookup(key)
	if e == nil || !c.db.persist(string(key), e) {
		return resp.Int(0)
	}
	c.notify(notifyGeneric, "persist", key)
	c.propagate(c.args...)
	return resp.Int(1)
}

// Active expiry, as Redis's activeExpireCycle: keys nobody reads again
// would otherwise hold memory forever, so every 1000/hz ms the node samples
// keys that have a TTL and deletes the expired ones. If many of a sample
// were expired, more probably are, so it samples again — within a bound,
// so one cycle never stalls the node.
const (
	// activeExpireKeysPerLoop is how many TTL keys one sampling round looks at.
	activeExpireKeysPerLoop = 20
	// activeExpireStalePercent: keep sampling while more than this share
	// of a round was expired.
	activeExpireStalePercent = 25
	// activeExpireLoopsPerDBMax is the cycle's work budget per database in
	// rounds; it stands in for Redis's 25%-of-a-tick time limit, in
	// virtual terms, so the cycle's cost is bounded and deterministic.
	activeExpireLoopsPerDBMax = 16
)

// activeExpireCycle runs one cycle over every database and returns how
// many keys it deleted.
func (n *Node) activeExpireCycle(nowMillis int64) int {
	if n.debug.activeExpireOff {
		return 0 // DEBUG SET-ACTIVE-EXPIRE 0 (debug.go)
	}
	expired := 0
	for _, ks := range n.dbs {
		for range activeExpireLoopsPerDBMax {
			sampled := min(activeExpireKeysPerLoop, ks.volatile.len())
			if sampled == 0 {
				break
			}
			expiredInRound := 0
			for range sampled {
				if ks.volatile.len() == 0 {
					break
				}
				key := ks.volatile.random(n.env.Rand())
				if e := ks.dict.Ref(key); ks.expireIfNeeded(key, e, nowMillis) {
					expiredInRound++
				}
			}
			expired += expiredInRound
			if expiredInRound*100 <= sampled*activeExpireStalePercent {
				break
			}
		}
	}
	return expired
}
