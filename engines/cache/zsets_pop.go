package cache

import (
	"strconv"

	"syslab/engines/cache/resp"
)

// The sorted-set pops over several keys: ZMPOP, and the blocking BZPOPMIN,
// BZPOPMAX and BZMPOP (their waiting is blocking.go's, shared with the
// list commands). Each is logged as the ZPOPMIN/ZPOPMAX it did, so AOF
// replay and replicas never block.

var zsetPopCommands = []commandSpec{
	{name: "zmpop", arity: -4, flags: flagWrite, movableKeys: keysAfterNumkeys(1), run: zmpopCommand},
	{name: "bzmpop", arity: -5, flags: flagWrite, movableKeys: keysAfterNumkeys(2), run: bzmpopCommand},
	{name: "bzpopmin", arity: -3, flags: flagWrite | flagFast, firstKey: 1, lastKey: -2, keyStep: 1, run: bzpopminCommand},
	{name: "bzpopmax", arity: -3, flags: flagWrite | flagFast, firstKey: 1, lastKey: -2, keyStep: 1, run: bzpopmaxCommand},
}

// zmpopArgs are numkeys key [key …] MIN|MAX [COUNT count].
type zmpopArgs struct {
	keys    [][]byte
	highest bool
	count   int64
}

var argMin, argMax = []byte("min"), []byte("max")

func parseZmpop(args [][]byte) (zmpopArgs, resp.Value, bool) {
	keys, highest, count, errReply, ok := parseMultiPop(args, argMin, argMax)
	return zmpopArgs{keys: keys, highest: highest, count: count}, errReply, ok
}

func zmpopCommand(c *call) resp.Value {
	m, errReply, ok := parseZmpop(c.args[1:])
	if !ok {
		return errReply
	}
	return zmpopGeneric(c, m)
}

// zmpopGeneric pops from the first non-empty sorted set of m.keys and
// answers [key, [[member, score], …]]; with none, a null array.
func zmpopGeneric(c *call, m zmpopArgs) resp.Value {
	for _, key := range m.keys {
		z, ok := c.getZset(key)
		if !ok {
			return replyWrongType
		}
		if z != nil {
			return zmpopFrom(c, key, z, m.highest, m.count)
		}
	}
	return resp.Value{Kind: resp.NullArray}
}

// zpopFrom takes up to count members from an end of z, logs the pop as
// ZPOPMIN/ZPOPMAX key count and returns the [member, score] pairs.
func zpopFrom(c *call, key []byte, z *zsetObject, highest bool, count int64) []resp.Value {
	pairs := make([]resp.Value, 0, min(count, int64(z.len())))
	for int64(len(pairs)) < count && z.len() > 0 {
		x := z.zsl.first()
		if highest {
			x = z.zsl.tail
		}
		pairs = append(pairs, resp.ArrayOf(resp.BulkFromString(x.member), doubleReply(x.score)))
		z.remove(x.member)
	}
	c.notify(notifyZset, zpopEvent(highest), key)
	c.deleteZsetIfEmpty(key, z)
	name := cmdZpopmin
	if highest {
		name = cmdZpopmax
	}
	c.propagate(name, key, strconv.AppendInt(nil, int64(len(pairs)), 10))
	return pairs
}

// zpopEvent is the keyspace event of a pop from the low or high end.
func zpopEvent(highest bool) string {
	if highest {
		return "zpopmax"
	}
	return "zpopmin"
}

func zmpopFrom(c *call, key []byte, z *zsetObject, highest bool, count int64) resp.Value {
	return resp.ArrayOf(resp.Bulk(key), resp.ArrayOf(zpopFrom(c, key, z, highest, count)...))
}

// bzpopOneFrom answers BZPOPMIN/BZPOPMAX: [key, member, score].
func bzpopOneFrom(c *call, key []byte, z *zsetObject, highest bool) resp.Value {
	pair := zpopFrom(c, key, z, highest, 1)[0]
	return resp.ArrayOf(resp.Bulk(key), pair.Elems[0], pair.Elems[1])
}

func bzpopminCommand(c *call) resp.Value { return bzpop(c, false) }
func bzpopmaxCommand(c *call) resp.Value { return bzpop(c, true) }

// bzpop is BZPOPMIN/BZPOPMAX key [key …] timeout.
func bzpop(c *call, highest bool) resp.Value {
	timeoutMillis, errReply, ok := parseTimeout(c.args[len(c.args)-1])
	if !ok {
		return errReply
	}
	keys := c.args[1 : len(c.args)-1]
	for _, key := range keys {
		z, ok := c.getZset(key)
		if !ok {
			return replyWrongType
		}
		if z != nil {
			return bzpopOneFrom(c, key, z, highest)
		}
	}
	return c.block(keys, timeoutMillis, &blockedClient{op: blockZpop, left: !highest})
}

// bzmpopCommand is BZMPOP timeout numkeys key [key …] MIN|MAX [COUNT n].
func bzmpopCommand(c *call) resp.Value {
	timeoutMillis, errReply, ok := parseTimeout(c.args[1])
	if !ok {
		return errReply
	}
	m, errReply, ok := parseZmpop(c.args[2:])
	if !ok {
		return errReply
	}
	if v := zmpopGeneric(c, m); v.Kind != resp.NullArray {
		return v
	}
	return c.block(m.keys, timeoutMillis, &blockedClient{op: blockZmpop, left: !m.highest, count: m.count})
}
