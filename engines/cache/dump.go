package cache

// DUMP and RESTORE: one key's value as Redis 7.0's serialized payload
// (persist/dump.go documents the bytes), so values move between this cache
// and redis-server in either direction. MIGRATE (migrate.go) moves keys
// between nodes as these payloads.

import (
	"bytes"
	"errors"
	"math"
	"strconv"

	"syslab/engines/cache/persist"
	"syslab/engines/cache/resp"
)

var dumpCommands = []commandSpec{
	{name: "dump", arity: 2, flags: flagReadonly, firstKey: 1, lastKey: 1, keyStep: 1, run: dumpCommand},
	{name: "restore", arity: -4, flags: flagWrite | flagDenyOOM, firstKey: 1, lastKey: 1, keyStep: 1, run: restoreCommand},
}

// Redis's RESTORE error replies, word for word.
const (
	errBusyKey         = "BUSYKEY Target key name already exists."
	errBadTTL          = "ERR Invalid TTL value, must be >= 0"
	errBadIdleTime     = "ERR Invalid IDLETIME value, must be >= 0"
	errBadFreq         = "ERR Invalid FREQ value, must be >= 0 and <= 255"
	errBadDumpPayload  = "ERR DUMP payload version or checksum are wrong"
	errBadDumpFormat   = "ERR Bad data format"
	lfuFreqMax         = 255
	restoreNoIdleOrLFU = -1
)

var argAbsTTL = []byte("ABSTTL")

func dumpCommand(c *call) resp.Value {
	e := c.lookup(c.args[1])
	if e == nil {
		return resp.NullBulk
	}
	return resp.Bulk(dumpPayload(e.value))
}

// dumpPayload serializes a value as DUMP does.
func dumpPayload(v object) []byte {
	p, ok := v.(persistable)
	if !ok {
		panic("cache: DUMP of a " + v.typeName() + " value: the type does not implement persistable")
	}
	var enc persist.DumpEncoder
	p.writeValue(&enc, nil, 0)
	return enc.Payload()
}

// restoreOptions are RESTORE's arguments after the payload.
type restoreOptions struct {
	replace, absTTL bool
	// idleSeconds and freq are -1 when not given (they exclude each other).
	idleSeconds, freq int64
}

// parseRestoreOptions reads [REPLACE] [ABSTTL] [IDLETIME s] [FREQ f] as
// Redis 7.0 does: IDLETIME and FREQ exclude each other (the second one is
// a syntax error), and bad values are refused with Redis's words.
func parseRestoreOptions(args [][]byte) (restoreOptions, resp.Value, bool) {
	o := restoreOptions{idleSeconds: restoreNoIdleOrLFU, freq: restoreNoIdleOrLFU}
	for j := 0; j < len(args); j++ {
		more := len(args) - j - 1
		switch {
		case bytes.EqualFold(args[j], []byte("replace")):
			o.replace = true
		case bytes.EqualFold(args[j], []byte("absttl")):
			o.absTTL = true
		case bytes.EqualFold(args[j], []byte("idletime")) && more >= 1 && o.freq == restoreNoIdleOrLFU:
			idle, ok := resp.ParseInt(args[j+1])
			if !ok {
				return o, resp.Err(errNotInteger), false
			}
			if idle < 0 {
				return o, resp.Err(errBadIdleTime), false
			}
			o.idleSeconds = idle
			j++
		case bytes.EqualFold(args[j], []byte("freq")) && more >= 1 && o.idleSeconds == restoreNoIdleOrLFU:
			freq, ok := resp.ParseInt(args[j+1])
			if !ok {
				return o, resp.Err(errNotInteger), false
			}
			if freq < 0 || freq > lfuFreqMax {
				return o, resp.Err(errBadFreq), false
			}
			o.freq = freq
			j++
		default:
			return o, resp.Err(errSyntax), false
		}
	}
	return o, resp.Value{}, true
}

// RESTORE key ttl payload [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency]
//
// The checks run in Redis's order: options, then BUSYKEY, then the TTL,
// then the payload. It propagates with an absolute TTL (ABSTTL), so a
// replica or a replayed AOF gives the key the same deadline; a key whose
// deadline already passed is not created (and, when it replaced one,
// propagates as DEL).
func restoreCommand(c *call) resp.Value {
	key := c.args[1]
	o, errReply, ok := parseRestoreOptions(c.args[4:])
	if !ok {
		return errReply
	}
	if !o.replace && c.lookup(key) != nil {
		return resp.Err(errBusyKey)
	}
	ttl, ok := resp.ParseInt(c.args[2])
	if !ok {
		return resp.Err(errNotInteger)
	}
	if ttl < 0 {
		return resp.Err(errBadTTL)
	}
	value, err := loadDumpValue(c.node, c.args[3], key)
	if err != nil {
		if errors.Is(err, persist.ErrDumpPayload) {
			return resp.Err(errBadDumpPayload)
		}
		return resp.Err(errBadDumpFormat)
	}
	deleted := o.replace && c.db.delete(string(key))
	if ttl > 0 && !o.absTTL {
		if ttl > math.MaxInt64-c.nowMillis {
			ttl = math.MaxInt64 // as far as an int64 deadline reaches
		} else {
			ttl += c.nowMillis
		}
	}
	if ttl > 0 && ttl <= c.nowMillis && !c.node.loading && !c.node.isReplica() {
		// Already expired (Redis's checkAlreadyExpired): nothing is created.
		if deleted {
			c.notify(notifyGeneric, "del", key)
			c.propagate(cmdDel, key)
		}
		return resp.OK
	}
	e := c.db.set(string(key), value, false)
	if ttl > 0 {
		c.db.setExpire(string(key), e, ttl)
	}
	c.notify(notifyGeneric, "restore", key)
	c.node.setAccessFromRestore(e, o, c.nowMillis)
	if ttl > 0 && !o.absTTL {
		propagated := make([][]byte, 0, len(c.args)+1)
		propagated = append(propagated, c.args[:2]...)
		propagated = append(propagated, strconv.AppendInt(nil, ttl, 10))
		propagated = append(propagated, c.args[3:]...)
		propagated = append(propagated, argAbsTTL)
		c.propagate(propagated...)
	} else {
		c.propagate(c.args...)
	}
	return resp.OK
}

// setAccessFromRestore applies IDLETIME or FREQ as Redis's
// objectSetLRUOrLFU: FREQ only under an LFU policy, IDLETIME only under
// any other.
func (n *Node) setAccessFromRestore(e *entry, o restoreOptions, nowMillis int64) {
	if n.policy.kind == policyLFU {
		if o.freq >= 0 {
			e.lfu = uint8(o.freq)
			e.lfuDecrMinutes = int32(nowMillis / millisPerMinute)
		}
		return
	}
	if o.idleSeconds >= 0 {
		e.lruMillis = nowMillis - min(o.idleSeconds, math.MaxInt64/1000/2)*1000
	}
}

// loadDumpValue decodes a DUMP payload into a fresh value.
func loadDumpValue(n *Node, payload, key []byte) (object, error) {
	var h dumpValueLoader
	h.node = n
	if err := persist.LoadDumpPayload(payload, key, &h); err != nil {
		return nil, err
	}
	if h.value == nil {
		// An empty collection: Redis refuses one in a payload too.
		return nil, persist.ErrDumpFormat
	}
	return h.value, nil
}

// dumpValueLoader builds the one value of a DUMP payload with the same
// constructors the snapshot loader uses.
type dumpValueLoader struct {
	node  *Node
	value object
}

func (h *dumpValueLoader) Aux(key, value []byte) error { return nil }
func (h *dumpValueLoader) SelectDB(db int) error       { return nil }

func (h *dumpValueLoader) String(_ persist.RDBKey, value []byte) error {
	h.value = &stringObject{data: value}
	return nil
}

func (h *dumpValueLoader) List(_ persist.RDBKey, elems [][]byte) error {
	if rdbConstructors.list == nil {
		return errNotLoadable("list")
	}
	if len(elems) > 0 {
		h.value = rdbConstructors.list(elems)
	}
	return nil
}

func (h *dumpValueLoader) Set(_ persist.RDBKey, members [][]byte) error {
	if rdbConstructors.set == nil {
		return errNotLoadable("set")
	}
	if len(members) == 0 {
		return nil
	}
	v, err := rdbConstructors.set(h.node.env.Rand(), &h.node.cfg.limits, members)
	h.value = v
	return err
}

func (h *dumpValueLoader) Hash(_ persist.RDBKey, fieldsAndValues [][]byte) error {
	if rdbConstructors.hash == nil {
		return errNotLoadable("hash")
	}
	if len(fieldsAndValues) == 0 {
		return nil
	}
	v, err := rdbConstructors.hash(h.node.env.Rand(), &h.node.cfg.limits, fieldsAndValues)
	h.value = v
	return err
}

func (h *dumpValueLoader) ZSet(_ persist.RDBKey, members [][]byte, scores []float64) error {
	if rdbConstructors.zset == nil {
		return errNotLoadable("zset")
	}
	if len(members) == 0 {
		return nil
	}
	v, err := rdbConstructors.zset(h.node.env.Rand(), &h.node.cfg.limits, members, scores)
	h.value = v
	return err
}
