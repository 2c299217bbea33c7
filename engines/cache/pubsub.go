package cache

import (
	"bytes"
	"sort"

	"syslab/engines/cache/resp"
)

// Pub/Sub: SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE, PUNSUBSCRIBE, PUBLISH,
// PUBSUB CHANNELS / NUMSUB / NUMPAT.
//
// Messages reach subscribers as Push messages. A RESP2 client with at least
// one subscription is in subscribed mode and may only run the commands of
// allowedWhileSubscribed; a RESP3 client gets pushes between its replies
// and may run anything. Every fan-out goes in subscription order (channel
// subscribers first, then patterns in the order they were first
// subscribed), never in Go map order, so a simulation replays exactly.
// PUBLISH is not written to the AOF: messages are not data.
var pubsubCommands = []commandSpec{
	{name: "subscribe", arity: -2, run: subscribeCommand},
	{name: "unsubscribe", arity: -1, run: unsubscribeCommand},
	{name: "psubscribe", arity: -2, run: psubscribeCommand},
	{name: "punsubscribe", arity: -1, run: punsubscribeCommand},
	{name: "publish", arity: 3, flags: flagFast | flagMayReplicate, run: publishCommand},
	{name: "pubsub", arity: -2, run: pubsubCommand},
}

// pubsubSession is one client's subscriptions, each kind in the order
// subscribed (UNSUBSCRIBE without arguments confirms them in that order).
type pubsubSession struct {
	channels orderedNames
	patterns orderedNames
	// shardChannels are SSUBSCRIBE's (shardpubsub.go).
	shardChannels orderedNames
}

// count is the number Redis reports in (P)SUBSCRIBE's confirmations:
// channels plus patterns, not shard channels (those count apart).
func (p *pubsubSession) count() int { return len(p.channels.names) + len(p.patterns.names) }

// subscribed: the client listens to something, of any kind — Redis's
// CLIENT_PUBSUB, which puts a RESP2 client in subscribed mode.
func (p *pubsubSession) subscribed() bool { return p.count()+len(p.shardChannels.names) > 0 }

// orderedNames is a set of names that remembers insertion order.
type orderedNames struct {
	names []string
	has   map[string]bool
}

func (o *orderedNames) add(name string) bool {
	if o.has[name] {
		return false
	}
	if o.has == nil {
		o.has = make(map[string]bool)
	}
	o.has[name] = true
	o.names = append(o.names, name)
	return true
}

func (o *orderedNames) remove(name string) bool {
	if !o.has[name] {
		return false
	}
	delete(o.has, name)
	for i, n := range o.names {
		if n == name {
			o.names = append(o.names[:i], o.names[i+1:]...)
			break
		}
	}
	return true
}

// pubsubState is the node's side: who listens to what.
type pubsubState struct {
	channels map[string][]*session // subscribers in subscription order
	patterns map[string][]*session
	shards   map[string][]*session // SSUBSCRIBE's channels
	// patternOrder lists the patterns with subscribers in the order they
	// got their first one: PUBLISH walks it, never the map.
	patternOrder []string
}

func (ps *pubsubState) init() {
	ps.channels = make(map[string][]*session)
	ps.patterns = make(map[string][]*session)
	ps.shards = make(map[string][]*session)
}

func removeSession(list []*session, s *session) []*session {
	for i, x := range list {
		if x == s {
			return append(list[:i], list[i+1:]...)
		}
	}
	return list
}

var (
	msgSubscribe    = resp.BulkFromString("subscribe")
	msgUnsubscribe  = resp.BulkFromString("unsubscribe")
	msgPsubscribe   = resp.BulkFromString("psubscribe")
	msgPunsubscribe = resp.BulkFromString("punsubscribe")
	msgMessage      = resp.BulkFromString("message")
	msgPmessage     = resp.BulkFromString("pmessage")
)

// pubsubNotice builds a confirmation: [kind, name or null, count]. It is a
// push in RESP3 and an array in RESP2, as Redis 7 sends it.
func pubsubNotice(kind resp.Value, name []byte, count int, isNull bool) resp.Value {
	nameValue := resp.Bulk(name)
	if isNull {
		nameValue = resp.NullBulk
	}
	return resp.Value{Kind: resp.Push, Elems: []resp.Value{kind, nameValue, resp.Int(int64(count))}}
}

// replies answers with the first confirmation and queues the rest as
// Reply.More.
func (c *call) replies(values []resp.Value) resp.Value {
	c.node.moreReplies = append(c.node.moreReplies, values[1:]...)
	return values[0]
}

func subscribeCommand(c *call) resp.Value {
	s, ps := c.session, &c.node.pubsub
	out := make([]resp.Value, 0, len(c.args)-1)
	for _, arg := range c.args[1:] {
		name := string(arg)
		if s.pubsub.channels.add(name) {
			ps.channels[name] = append(ps.channels[name], s)
		}
		out = append(out, pubsubNotice(msgSubscribe, arg, s.pubsub.count(), false))
	}
	return c.replies(out)
}

func psubscribeCommand(c *call) resp.Value {
	s, ps := c.session, &c.node.pubsub
	out := make([]resp.Value, 0, len(c.args)-1)
	for _, arg := range c.args[1:] {
		pattern := string(arg)
		if s.pubsub.patterns.add(pattern) {
			if len(ps.patterns[pattern]) == 0 {
				ps.patternOrder = append(ps.patternOrder, pattern)
			}
			ps.patterns[pattern] = append(ps.patterns[pattern], s)
		}
		out = append(out, pubsubNotice(msgPsubscribe, arg, s.pubsub.count(), false))
	}
	return c.replies(out)
}

func unsubscribeCommand(c *call) resp.Value {
	return c.replies(c.node.unsubscribe(c.session, channelSubscription, c.args[1:], true))
}

func punsubscribeCommand(c *call) resp.Value {
	return c.replies(c.node.unsubscribe(c.session, patternSubscription, c.args[1:], true))
}

// subscriptionKind is what a client listens to: channels (SUBSCRIBE),
// patterns (PSUBSCRIBE) or shard channels (SSUBSCRIBE, shardpubsub.go).
type subscriptionKind uint8

const (
	channelSubscription subscriptionKind = iota
	patternSubscription
	shardSubscription
)

// unsubscribe removes s from the named subscriptions of kind, or from all
// of them when names is empty, and returns the confirmations (built only
// when confirm is set). Shard confirmations count shard channels alone;
// the others count channels and patterns, as Redis does.
func (n *Node) unsubscribe(s *session, kind subscriptionKind, names [][]byte, confirm bool) []resp.Value {
	mine, notice := &s.pubsub.channels, msgUnsubscribe
	switch kind {
	case patternSubscription:
		mine, notice = &s.pubsub.patterns, msgPunsubscribe
	case shardSubscription:
		mine, notice = &s.pubsub.shardChannels, msgSunsubscribe
	}
	count := func() int {
		if kind == shardSubscription {
			return len(mine.names)
		}
		return s.pubsub.count()
	}
	if len(names) == 0 {
		for _, name := range mine.names {
			names = append(names, []byte(name))
		}
	}
	var out []resp.Value
	for _, arg := range names {
		name := string(arg)
		if mine.remove(name) {
			n.dropSubscriber(kind, name, s)
		}
		if confirm {
			out = append(out, pubsubNotice(notice, arg, count(), false))
		}
	}
	if confirm && len(out) == 0 {
		out = append(out, pubsubNotice(notice, nil, count(), true))
	}
	return out
}

// dropSubscriber removes s from the node's listeners of name.
func (n *Node) dropSubscriber(kind subscriptionKind, name string, s *session) {
	ps := &n.pubsub
	subscribers := ps.channels
	switch kind {
	case patternSubscription:
		subscribers = ps.patterns
	case shardSubscription:
		subscribers = ps.shards
	}
	if rest := removeSession(subscribers[name], s); len(rest) > 0 {
		subscribers[name] = rest
		return
	}
	delete(subscribers, name)
	if kind != patternSubscription {
		return
	}
	for i, p := range ps.patternOrder {
		if p == name {
			ps.patternOrder = append(ps.patternOrder[:i], ps.patternOrder[i+1:]...)
			break
		}
	}
}

// unsubscribeAll drops every subscription of s, without confirmations
// (RESET, disconnect).
func (n *Node) unsubscribeAll(s *session, confirm bool) {
	n.unsubscribe(s, channelSubscription, nil, confirm)
	n.unsubscribe(s, patternSubscription, nil, confirm)
	n.unsubscribe(s, shardSubscription, nil, confirm)
}

func publishCommand(c *call) resp.Value {
	if c.node.cluster == nil {
		// Replicas deliver it to their own subscribers, as Redis's do; a
		// cluster spreads it over its bus instead.
		c.propagateTo(toReplicas, c.args...)
	}
	return resp.Int(int64(c.node.publish(c.args[1], c.args[2])))
}

// publish delivers message to channel's subscribers and to the clients
// whose patterns match it, and returns how many deliveries it made (a
// client subscribed both ways receives it twice, as in Redis).
func (n *Node) publish(channel, message []byte) int {
	ps := &n.pubsub
	receivers := 0
	if subs := ps.channels[string(channel)]; len(subs) > 0 {
		v := resp.Value{Kind: resp.Push, Elems: []resp.Value{msgMessage, resp.Bulk(channel), resp.Bulk(message)}}
		for _, s := range subs {
			n.push(s.client, v)
			receivers++
		}
	}
	for _, pattern := range ps.patternOrder {
		if !globMatch([]byte(pattern), channel) {
			continue
		}
		v := resp.Value{Kind: resp.Push, Elems: []resp.Value{msgPmessage, resp.BulkFromString(pattern), resp.Bulk(channel), resp.Bulk(message)}}
		for _, s := range ps.patterns[pattern] {
			n.push(s.client, v)
			receivers++
		}
	}
	return receivers
}

// PUBSUB CHANNELS [pattern] | NUMSUB [channel ...] | NUMPAT
func pubsubCommand(c *call) resp.Value {
	ps := &c.node.pubsub
	sub := c.args[1]
	switch {
	case bytes.EqualFold(sub, []byte("channels")):
		if len(c.args) > 3 {
			return pubsubSyntaxError(sub)
		}
		return channelNames(ps.channels, c.args[2:])
	case bytes.EqualFold(sub, []byte("numsub")):
		return subscriberCounts(ps.channels, c.args[2:])
	case bytes.EqualFold(sub, []byte("shardchannels")):
		return pubsubShardChannels(c) // shardpubsub.go
	case bytes.EqualFold(sub, []byte("shardnumsub")):
		return pubsubShardNumsub(c)
	case bytes.EqualFold(sub, []byte("numpat")):
		if len(c.args) != 2 {
			return errWrongArity("pubsub|numpat")
		}
		return resp.Int(int64(len(ps.patternOrder)))
	case bytes.EqualFold(sub, []byte("help")):
		return helpReply(c, pubsubHelp)
	}
	return resp.Err("ERR unknown subcommand '" + string(sub[:min(len(sub), unknownArgsBytes)]) + "'. Try PUBSUB HELP.")
}

var pubsubHelp = []string{
	"PUBSUB <subcommand> [<arg> ...]. Subcommands here are:",
	"CHANNELS [<pattern>]",
	"    Give the channels with subscribers, or those that match the glob pattern.",
	"NUMSUB [<channel> ...]",
	"    Give each channel's number of subscribers (patterns not counted).",
	"NUMPAT",
	"    Give the number of patterns clients subscribe to.",
	"SHARDCHANNELS [<pattern>]",
	"    Give the shard channels with subscribers, or those that match the glob pattern.",
	"SHARDNUMSUB [<shardchannel> ...]",
	"    Give each shard channel's number of subscribers.",
	"HELP",
	"    Print this help.",
}

// channelNames answers PUBSUB CHANNELS and SHARDCHANNELS: the channels of
// subscribers that match the optional pattern, sorted (Redis's order is
// its dict's; ours must not be Go's map order).
func channelNames(subscribers map[string][]*session, pattern [][]byte) resp.Value {
	names := make([]string, 0, len(subscribers))
	for name := range subscribers {
		if len(pattern) == 0 || globMatch(pattern[0], []byte(name)) {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	out := make([]resp.Value, len(names))
	for i, name := range names {
		out[i] = resp.BulkFromString(name)
	}
	return resp.ArrayOf(out...)
}

// subscriberCounts answers PUBSUB NUMSUB and SHARDNUMSUB: each channel
// named with its number of subscribers.
func subscriberCounts(subscribers map[string][]*session, channels [][]byte) resp.Value {
	out := make([]resp.Value, 0, 2*len(channels))
	for _, ch := range channels {
		out = append(out, resp.Bulk(ch), resp.Int(int64(len(subscribers[string(ch)]))))
	}
	return resp.ArrayOf(out...)
}

// pubsubSyntaxError is Redis's answer when a PUBSUB subcommand gets more
// arguments than it takes, naming the subcommand as it was typed.
func pubsubSyntaxError(sub []byte) resp.Value {
	return errSubcommandSyntax(sub, "PUBSUB")
}

// allowedWhileSubscribed are the commands a RESP2 client in subscribed
// mode may run (QUIT is the adapter's).
var allowedWhileSubscribed = map[string]bool{
	"subscribe": true, "unsubscribe": true, "psubscribe": true, "punsubscribe": true,
	"ssubscribe": true, "sunsubscribe": true, "ping": true, "quit": true, "reset": true,
}

// refuseWhileSubscribed answers Redis's error when a RESP2 client in
// subscribed mode runs anything else.
func refuseWhileSubscribed(s *session, spec *commandSpec, args [][]byte) (resp.Value, bool) {
	if s.protocol != resp.RESP2 || !s.pubsub.subscribed() || allowedWhileSubscribed[spec.name] {
		return resp.Value{}, false
	}
	return resp.Err("ERR Can't execute '" + subcommandName(spec, args) +
		"': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"), true
}

// subscribedRESP2 reports whether c's client is in RESP2 subscribed mode,
// where PING answers ["pong", message].
func (c *call) subscribedRESP2() bool {
	return c.session != nil && c.session.protocol == resp.RESP2 && c.session.pubsub.subscribed()
}
