package cache

// Sharded Pub/Sub (Redis 7.0): SSUBSCRIBE, SUNSUBSCRIBE, SPUBLISH and
// PUBSUB SHARDCHANNELS / SHARDNUMSUB. Shard channels are a namespace of
// their own: SPUBLISH reaches only SSUBSCRIBE's listeners, never
// patterns, and its confirmations count only shard channels. They name
// their channel like a key, so in cluster mode a channel lives in its
// slot's shard: the routing of keys (routing.go) sends a client to the
// node serving it, and one SSUBSCRIBE may only name channels of one slot.
//
// Left out: Redis unsubscribes a slot's shard subscribers when the slot
// leaves the node; here they stay subscribed and hear nothing more.

import "syslab/engines/cache/resp"

var shardPubsubCommands = []commandSpec{
	{name: "ssubscribe", arity: -2, firstKey: 1, lastKey: -1, keyStep: 1, run: ssubscribeCommand},
	{name: "sunsubscribe", arity: -1, firstKey: 1, lastKey: -1, keyStep: 1, run: sunsubscribeCommand},
	{name: "spublish", arity: 3, flags: flagFast | flagMayReplicate, firstKey: 1, lastKey: 1, keyStep: 1, run: spublishCommand},
}

var (
	msgSsubscribe   = resp.BulkFromString("ssubscribe")
	msgSunsubscribe = resp.BulkFromString("sunsubscribe")
	msgSmessage     = resp.BulkFromString("smessage")
)

func ssubscribeCommand(c *call) resp.Value {
	if c.node.exec != nil { // a transaction expects one reply per command
		return resp.Err("ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client")
	}
	s, ps := c.session, &c.node.pubsub
	mine := &s.pubsub.shardChannels
	out := make([]resp.Value, 0, len(c.args)-1)
	for _, arg := range c.args[1:] {
		name := string(arg)
		if mine.add(name) {
			ps.shards[name] = append(ps.shards[name], s)
		}
		out = append(out, pubsubNotice(msgSsubscribe, arg, len(mine.names), false))
	}
	return c.replies(out)
}

func sunsubscribeCommand(c *call) resp.Value {
	return c.replies(c.node.unsubscribe(c.session, shardSubscription, c.args[1:], true)) // pubsub.go
}

func spublishCommand(c *call) resp.Value {
	n := c.node
	channel, message := c.args[1], c.args[2]
	subs := n.pubsub.shards[string(channel)]
	if len(subs) > 0 {
		v := resp.Value{Kind: resp.Push, Elems: []resp.Value{msgSmessage, resp.Bulk(channel), resp.Bulk(message)}}
		for _, s := range subs {
			n.push(s.client, v)
		}
	}
	return resp.Int(int64(len(subs)))
}

// pubsubShardChannels is PUBSUB SHARDCHANNELS [pattern].
func pubsubShardChannels(c *call) resp.Value {
	if len(c.args) > 3 {
		return pubsubSyntaxError(c.args[1])
	}
	return channelNames(c.node.pubsub.shards, c.args[2:])
}

// pubsubShardNumsub is PUBSUB SHARDNUMSUB [channel ...].
func pubsubShardNumsub(c *call) resp.Value {
	return subscriberCounts(c.node.pubsub.shards, c.args[2:])
}
