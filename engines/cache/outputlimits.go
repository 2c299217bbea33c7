package cache

import (
	"strconv"
	"strings"

	"syslab/engines/cache/resp"
)

// client-output-buffer-limit (Redis's per-class output buffer limits): a
// client whose unsent output reaches its class's hard limit, or stays at
// or above its soft limit for longer than the soft seconds, is closed.
// The node keeps the limits and each client's class — pubsub while it
// has a subscription, replica once it is one, else normal — and tells an
// adapter's connection its limits (OutputLimits) when it connects and
// whenever its class or its class's limits change; the adapter, which
// holds the output, enforces them and reports the bytes it holds
// (OutputBuffer) for CLIENT LIST's omem. Simulated clients have no output
// buffer and are sent nothing.
//
// A replica connection here keeps the adapter's fixed bound instead of
// its class's: its full-sync snapshot travels through the same output
// buffer, which Redis sends apart from it. The replica limits are kept
// and reported by CONFIG GET.

// OutputLimits tells an adapter's connection the output limits of its
// client's class; 0 turns a limit off.
type OutputLimits struct {
	HardBytes, SoftBytes int64
	SoftSeconds          int64
	// Replica marks a replica's connection (see above).
	Replica bool
}

// OutputBuffer tells the node how many bytes of output the sender's
// connection holds unsent, when that changed markedly (CLIENT LIST omem).
type OutputBuffer struct {
	Bytes int64
}

// clientClass is the class a client's output limits come from.
type clientClass uint8

const (
	classNormal clientClass = iota
	classReplica
	classPubsub
	clientClasses
)

// clientClassNames are the classes as CONFIG GET names them, in its order.
var clientClassNames = [clientClasses]string{"normal", "slave", "pubsub"}

// outputLimit is one class's limits.
type outputLimit struct {
	hardBytes, softBytes, softSeconds int64
}

// defaultOutputLimits are Redis's defaults.
var defaultOutputLimits = [clientClasses]outputLimit{
	classNormal:  {},
	classReplica: {hardBytes: 256 << 20, softBytes: 64 << 20, softSeconds: 60},
	classPubsub:  {hardBytes: 32 << 20, softBytes: 8 << 20, softSeconds: 60},
}

// classOf is s's class now.
func classOf(s *session) clientClass {
	switch {
	case s.replica.active:
		return classReplica
	case s.pubsub.subscribed():
		return classPubsub
	}
	return classNormal
}

// sendOutputLimits tells s's connection its limits if they are not the
// ones it last heard (force: send anyway).
func (n *Node) sendOutputLimits(s *session, force bool) {
	if !s.meta.connected {
		return
	}
	class := classOf(s)
	if !force && class == s.meta.limitsClass {
		return
	}
	s.meta.limitsClass = class
	l := n.outputLimits[class]
	n.env.Send(s.client, OutputLimits{HardBytes: l.hardBytes, SoftBytes: l.softBytes, SoftSeconds: l.softSeconds, Replica: class == classReplica})
}

// outputLimitsConfig is CONFIG GET's value.
func (n *Node) outputLimitsConfig() string {
	var b strings.Builder
	for class, l := range n.outputLimits {
		if class > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(clientClassNames[class])
		for _, v := range []int64{l.hardBytes, l.softBytes, l.softSeconds} {
			b.WriteByte(' ')
			b.WriteString(strconv.FormatInt(v, 10))
		}
	}
	return b.String()
}

// parseOutputLimits applies "<class> <hard> <soft> <seconds> …" to
// limits: whole or not at all, with Redis's reasons.
func parseOutputLimits(limits [clientClasses]outputLimit, value string) ([clientClasses]outputLimit, string, bool) {
	words := strings.Fields(value)
	if len(words)%4 != 0 {
		return limits, "Wrong number of arguments in buffer limit configuration.", false
	}
	for i := 0; i < len(words); i += 4 {
		class, ok := clientClassByName(words[i])
		if !ok {
			return limits, "Invalid client class specified in buffer limit configuration.", false
		}
		hard, okHard := parseMemory(words[i+1])
		soft, okSoft := parseMemory(words[i+2])
		seconds, err := strconv.ParseInt(words[i+3], 10, 64)
		if !okHard || !okSoft || err != nil || seconds < 0 || hard < 0 || soft < 0 {
			return limits, "Error in hard, soft or soft_seconds setting in buffer limit configuration.", false
		}
		limits[class] = outputLimit{hardBytes: hard, softBytes: soft, softSeconds: seconds}
	}
	return limits, "", true
}

// initialOutputLimits are Redis's defaults with Config's changes over them.
func (c Config) initialOutputLimits() [clientClasses]outputLimit {
	limits, _, _ := parseOutputLimits(defaultOutputLimits, c.ClientOutputBufferLimit) // Validate checked it
	return limits
}

// setOutputLimits is CONFIG SET's.
func (n *Node) setOutputLimits(value string) (string, bool) {
	limits, reason, ok := parseOutputLimits(n.outputLimits, value)
	if !ok {
		return reason, false
	}
	changed := limits != n.outputLimits
	n.outputLimits = limits
	if changed {
		for _, s := range n.sessionsByID() {
			n.sendOutputLimits(s, true)
		}
	}
	return "", true
}

// clientClassByName reads a class as Redis names them (master is not one
// that has limits).
func clientClassByName(name string) (clientClass, bool) {
	switch strings.ToLower(name) {
	case "normal":
		return classNormal, true
	case "slave", "replica":
		return classReplica, true
	case "pubsub":
		return classPubsub, true
	}
	return 0, false
}

// largestOutputBufferBytes is INFO's client_recent_max_output_buffer.
func (n *Node) largestOutputBufferBytes() int64 {
	var largest int64
	for _, s := range n.sessions { // a maximum: the order does not matter
		largest = max(largest, s.meta.outputBytes)
	}
	return largest
}

// replyBytesMax is the most output any connection may hold: the adapter
// closes a client past it whatever its limits (the server's
// replyBacklogBytesMax).
const replyBytesMax = 1 << 30

// replyElementOverheadBytes is what RESP adds to each bulk string of a
// reply ("$<len>\r\n…\r\n"), for estimating a reply's size as it grows.
const replyElementOverheadBytes = 16

// replyValueBytes is what one element of a reply takes in the node while
// the reply is built (a resp.Value: kind, string, integer, float and
// elements headers), whatever the string it refers to.
const replyValueBytes = 72

// replyBudget is how large a reply of count elements to the call's
// client may grow before the client would be closed for it: its class's
// hard output limit, else the bound every connection has. ok is false
// when count elements cannot fit whatever their size — on the wire, or
// as the values the node would hold while building them (replyBytesMax
// of them: some 12 million elements) — and the command gives up before
// building anything.
func (c *call) replyBudget(count int64) (budget int64, ok bool) {
	budget = replyBytesMax
	if s := c.session; s != nil && s.meta.connected {
		if hard := c.node.outputLimits[classOf(s)].hardBytes; hard > 0 {
			budget = min(hard, replyBytesMax)
		}
	}
	return budget, count <= budget/replyElementOverheadBytes && count <= replyBytesMax/(replyValueBytes+replyElementOverheadBytes)
}

// abandonReply is what a command answers when its reply would pass
// replyBudget: a command whose reply the data does not bound (HRANDFIELD,
// SRANDMEMBER and ZRANDMEMBER with a negative count) stops building it
// there, and the client is closed unanswered — as Redis stops such a
// command mid-run once its output limit closes the client — rather than
// the node holding gigabytes first. A client without a connection gets
// an error instead.
func (c *call) abandonReply() resp.Value {
	if s := c.session; s != nil && s.meta.connected {
		c.node.silenceReply = true
		c.node.killAfterReply = true
		return resp.ArrayOf()
	}
	return resp.Err("ERR the reply would pass the client's output buffer limit")
}
