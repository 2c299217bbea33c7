package cache

import (
	"slices"
	"strconv"
	"strings"

	"syslab/engines/cache/resp"
)

// Stream consumer groups (Redis 7.0's t_stream.c): XGROUP, XACK, XPENDING,
// XCLAIM, XAUTOCLAIM, and XINFO. A group has a last delivered ID, a count
// of the entries it has read (for its lag), a pending entries list (PEL)
// of entries delivered and not yet acknowledged, each owned by one
// consumer, and its consumers, each with its own view of the PEL entries
// it owns. Groups and consumers are kept sorted by name, PELs by ID, as
// Redis's radix trees order them.

var streamGroupCommands = []commandSpec{
	{name: "xgroup", arity: -2, flagsFor: xgroupFlags, firstKey: 2, lastKey: 2, keyStep: 1, run: xgroupCommand},
	{name: "xack", arity: -4, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, keyStep: 1, run: xackCommand},
	{name: "xpending", arity: -3, flags: flagReadonly, firstKey: 1, lastKey: 1, keyStep: 1, run: xpendingCommand},
	{name: "xclaim", arity: -6, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, keyStep: 1, run: xclaimCommand},
	{name: "xautoclaim", arity: -6, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, keyStep: 1, run: xautoclaimCommand},
	{name: "xinfo", arity: -2, flags: flagReadonly, firstKey: 2, lastKey: 2, keyStep: 1, run: xinfoCommand},
}

// entriesReadUnknown is a group's entries read when it cannot be known
// (Redis's SCG_INVALID_ENTRIES_READ).
const entriesReadUnknown = -1

var (
	cmdXclaim         = []byte("XCLAIM")
	cmdXgroup         = []byte("XGROUP")
	argCreateConsumer = []byte("CREATECONSUMER")
)

// pendingEntry is a PEL entry: delivered, not acknowledged.
type pendingEntry struct {
	id                 streamID
	deliveryTimeMillis int64
	deliveryCount      uint64
	consumer           *streamConsumer
}

type streamConsumer struct {
	name           string
	seenTimeMillis int64
	pending        []*pendingEntry // by ID
}

type streamGroup struct {
	name        string
	lastID      streamID
	entriesRead int64
	pending     []*pendingEntry   // by ID
	consumers   []*streamConsumer // by name
}

// pelFind is where id is, or would be, in a PEL.
func pelFind(pel []*pendingEntry, id streamID) (int, bool) {
	return slices.BinarySearchFunc(pel, id, func(p *pendingEntry, target streamID) int { return p.id.compare(target) })
}

func pelInsert(pel []*pendingEntry, p *pendingEntry) []*pendingEntry {
	i, _ := pelFind(pel, p.id)
	return slices.Insert(pel, i, p)
}

func pelRemove(pel []*pendingEntry, id streamID) []*pendingEntry {
	if i, found := pelFind(pel, id); found {
		return slices.Delete(pel, i, i+1)
	}
	return pel
}

func (g *streamGroup) findPending(id streamID) *pendingEntry {
	if i, found := pelFind(g.pending, id); found {
		return g.pending[i]
	}
	return nil
}

// ack drops a PEL entry from the group and its consumer.
func (g *streamGroup) ack(p *pendingEntry) {
	g.pending = pelRemove(g.pending, p.id)
	if p.consumer != nil {
		p.consumer.pending = pelRemove(p.consumer.pending, p.id)
	}
}

func (g *streamGroup) consumerIndex(name []byte) (int, bool) {
	return slices.BinarySearchFunc(g.consumers, string(name), func(c *streamConsumer, n string) int { return strings.Compare(c.name, n) })
}

func (g *streamGroup) consumer(name []byte) *streamConsumer {
	if i, found := g.consumerIndex(name); found {
		return g.consumers[i]
	}
	return nil
}

// createConsumer adds a consumer, which must not exist.
func (g *streamGroup) createConsumer(name []byte, nowMillis int64) *streamConsumer {
	i, _ := g.consumerIndex(name)
	c := &streamConsumer{name: string(name), seenTimeMillis: nowMillis}
	g.consumers = slices.Insert(g.consumers, i, c)
	return c
}

// deleteConsumer drops a consumer and its PEL entries.
func (g *streamGroup) deleteConsumer(c *streamConsumer) {
	for _, p := range c.pending {
		g.pending = pelRemove(g.pending, p.id)
	}
	if i, found := g.consumerIndex([]byte(c.name)); found {
		g.consumers = slices.Delete(g.consumers, i, i+1)
	}
}

// pendingFrom lists the consumer's PEL entries from start on.
func (c *streamConsumer) pendingFrom(start streamID) []*pendingEntry {
	i, _ := pelFind(c.pending, start)
	return c.pending[i:]
}

// deliver records id as delivered to consumer now: a new PEL entry, or
// one another consumer owned reassigned (XGROUP SETID can make a group
// deliver an entry again).
func (g *streamGroup) deliver(id streamID, consumer *streamConsumer, nowMillis int64) *pendingEntry {
	if p := g.findPending(id); p != nil {
		if p.consumer != nil {
			p.consumer.pending = pelRemove(p.consumer.pending, id)
		}
		p.consumer, p.deliveryTimeMillis, p.deliveryCount = consumer, nowMillis, 1
		consumer.pending = pelInsert(consumer.pending, p)
		return p
	}
	p := &pendingEntry{id: id, deliveryTimeMillis: nowMillis, deliveryCount: 1, consumer: consumer}
	g.pending = pelInsert(g.pending, p)
	consumer.pending = pelInsert(consumer.pending, p)
	return p
}

// advanceTo moves the group's last delivered ID to id, keeping its
// entries-read count as Redis does: one more while no deleted entry lies
// ahead, else estimated from the stream's counters.
func (g *streamGroup) advanceTo(s *streamObject, id streamID) {
	if g.entriesRead != entriesReadUnknown && !s.rangeHasTombstones(id, streamIDMax) {
		g.entriesRead++
	} else if s.entriesAdded > 0 {
		g.entriesRead = s.estimateEntriesRead(id)
	}
	g.lastID = id
}

// rangeHasTombstones reports whether an entry between start and end may
// have been deleted (Redis's streamRangeHasTombstones).
func (s *streamObject) rangeHasTombstones(start, end streamID) bool {
	if s.length == 0 || s.maxDeletedID == streamIDMin || s.maxDeletedID.less(s.firstID) {
		return false
	}
	return !s.maxDeletedID.less(start) && !end.less(s.maxDeletedID)
}

// estimateEntriesRead is how many entries precede id and id itself in the
// stream's history, or entriesReadUnknown (Redis's
// streamEstimateDistanceFromFirstEverEntry).
func (s *streamObject) estimateEntriesRead(id streamID) int64 {
	if s.entriesAdded == 0 {
		return 0
	}
	if s.length == 0 && !s.lastID.less(id) {
		return int64(s.entriesAdded)
	}
	switch id.compare(s.lastID) {
	case 0:
		return int64(s.entriesAdded)
	case 1:
		return entriesReadUnknown
	}
	if s.maxDeletedID == streamIDMin || s.maxDeletedID.less(s.firstID) {
		switch id.compare(s.firstID) {
		case -1:
			return int64(s.entriesAdded) - int64(s.length)
		case 0:
			return int64(s.entriesAdded) - int64(s.length) + 1
		}
	}
	return entriesReadUnknown
}

// lag is XINFO's lag of a group: entries not yet delivered to it, or
// false when it cannot be known.
func (s *streamObject) lag(g *streamGroup) (int64, bool) {
	switch {
	case s.entriesAdded == 0:
		return 0, true
	case g.entriesRead != entriesReadUnknown && !s.rangeHasTombstones(g.lastID, streamIDMax):
		return int64(s.entriesAdded) - g.entriesRead, true
	}
	if read := s.estimateEntriesRead(g.lastID); read != entriesReadUnknown {
		return int64(s.entriesAdded) - read, true
	}
	return 0, false
}

func (g *streamGroup) copyGroup() *streamGroup {
	out := &streamGroup{name: g.name, lastID: g.lastID, entriesRead: g.entriesRead}
	copies := make(map[*pendingEntry]*pendingEntry, len(g.pending))
	for _, c := range g.consumers {
		cc := &streamConsumer{name: c.name, seenTimeMillis: c.seenTimeMillis}
		for _, p := range c.pending {
			pc := &pendingEntry{id: p.id, deliveryTimeMillis: p.deliveryTimeMillis, deliveryCount: p.deliveryCount, consumer: cc}
			copies[p] = pc
			cc.pending = append(cc.pending, pc)
		}
		out.consumers = append(out.consumers, cc)
	}
	for _, p := range g.pending {
		pc := copies[p]
		if pc == nil {
			pc = &pendingEntry{id: p.id, deliveryTimeMillis: p.deliveryTimeMillis, deliveryCount: p.deliveryCount}
		}
		out.pending = append(out.pending, pc)
	}
	return out
}

// xclaimEffect is the XCLAIM that gives a replica or the AOF a PEL entry
// as it is here (Redis's streamPropagateXCLAIM).
func xclaimEffect(key, group []byte, g *streamGroup, p *pendingEntry) [][]byte {
	return [][]byte{cmdXclaim, key, group, []byte(p.consumer.name), []byte("0"), p.id.bytes(),
		[]byte("TIME"), strconv.AppendInt(nil, p.deliveryTimeMillis, 10),
		[]byte("RETRYCOUNT"), strconv.AppendUint(nil, p.deliveryCount, 10),
		[]byte("FORCE"), []byte("JUSTID"), []byte("LASTID"), g.lastID.bytes()}
}

// setIDEffect is the XGROUP SETID that gives a replica the group's
// position (Redis's streamPropagateGroupID).
func setIDEffect(key, group []byte, g *streamGroup) [][]byte {
	return [][]byte{cmdXgroup, []byte("SETID"), key, group, g.lastID.bytes(),
		[]byte("ENTRIESREAD"), strconv.AppendInt(nil, g.entriesRead, 10)}
}

// streamAndGroup finds key's stream and the group named (nil when either
// is missing); false when key holds another type.
func (c *call) streamAndGroup(key, group []byte) (*streamObject, *streamGroup, bool) {
	s, ok := c.getStream(key)
	if !ok || s == nil {
		return nil, nil, ok
	}
	return s, s.group(group), true
}

func noGroupError(key, group []byte) resp.Value {
	return resp.Err("NOGROUP No such key '" + string(key) + "' or consumer group '" + string(group) + "'")
}

// xgroupFlags: every subcommand but HELP changes the stream; CREATE may
// create one.
func xgroupFlags(args [][]byte) commandFlags {
	switch strings.ToLower(string(args[1])) {
	case "create":
		return flagWrite | flagDenyOOM
	case "help":
		return 0
	case "createconsumer":
		return flagWrite | flagDenyOOM
	}
	return flagWrite
}

// xgroupArity and xinfoArity are the subcommands' arities, as Redis's
// command table has them.
var (
	xgroupArity = map[string]int{"create": -5, "setid": -5, "destroy": 4, "createconsumer": 5, "delconsumer": 5, "help": 2}
	xinfoArity  = map[string]int{"consumers": 4, "groups": 3, "stream": -3, "help": 2}
)

func xgroupCommand(c *call) resp.Value {
	sub, refusal, ok := checkSubcommand(c, "xgroup", xgroupArity)
	if !ok {
		return refusal
	}
	if sub == "help" && len(c.args) == 2 {
		return helpReply(c, xgroupHelp)
	}
	var s *streamObject
	var g *streamGroup
	mkStream := false
	entriesRead := int64(entriesReadUnknown)
	if len(c.args) >= 4 {
		for i := 5; i < len(c.args); {
			switch {
			case sub == "create" && equalFoldString(c.args[i], "mkstream"):
				mkStream = true
				i++
			case (sub == "create" || sub == "setid") && equalFoldString(c.args[i], "entriesread") && i+1 < len(c.args):
				n, ok := resp.ParseInt(c.args[i+1])
				if !ok {
					return resp.Err(errNotInteger)
				}
				if n < 0 && n != entriesReadUnknown {
					return resp.Err("ERR value for ENTRIESREAD must be positive or -1")
				}
				entriesRead = n
				i += 2
			default:
				return errSubcommandSyntax(c.args[1], "XGROUP")
			}
		}
		var ok bool
		if s, ok = c.getStream(c.args[2]); !ok {
			return replyWrongType
		}
		if !mkStream {
			if s == nil {
				return resp.Err("ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.")
			}
			g = s.group(c.args[3])
			if g == nil && (sub == "setid" || sub == "createconsumer" || sub == "delconsumer") {
				return resp.Err("NOGROUP No such consumer group '" + string(c.args[3]) + "' for key name '" + string(c.args[2]) + "'")
			}
		}
	}
	key := c.args[2:3]
	switch {
	case sub == "create" && len(c.args) >= 5 && len(c.args) <= 8:
		id := streamIDMin
		if string(c.args[4]) == "$" {
			if s != nil {
				id = s.lastID
			}
		} else {
			var ok bool
			if id, _, ok = parseStreamID(c.args[4], 0, true, false); !ok {
				return replyInvalidStreamID
			}
		}
		if s == nil {
			s = newStream()
			c.db.set(string(key[0]), s, false)
		}
		if !s.addGroup(&streamGroup{name: string(c.args[3]), lastID: id, entriesRead: entriesRead}) {
			return resp.Err("BUSYGROUP Consumer Group name already exists")
		}
		c.notify(notifyStream, "xgroup-create", key[0])
		c.propagate(c.args...)
		return resp.OK
	case sub == "setid" && (len(c.args) == 5 || len(c.args) == 7):
		id := s.lastID
		if string(c.args[4]) != "$" {
			var ok bool
			if id, _, ok = parseStreamID(c.args[4], 0, false, false); !ok {
				return replyInvalidStreamID
			}
		}
		g.lastID, g.entriesRead = id, entriesRead
		c.notify(notifyStream, "xgroup-setid", key[0])
		c.propagate(c.args...)
		return resp.OK
	case sub == "destroy" && len(c.args) == 4:
		if g == nil || !s.removeGroup(c.args[3]) {
			return resp.Int(0)
		}
		c.notify(notifyStream, "xgroup-destroy", key[0])
		c.propagate(c.args...)
		return resp.Int(1) // blocked XREADGROUPs of the group are answered NOGROUP (keyModified)
	case sub == "createconsumer" && len(c.args) == 5:
		if g.consumer(c.args[4]) != nil {
			return resp.Int(0)
		}
		g.createConsumer(c.args[4], c.nowMillis)
		c.notify(notifyStream, "xgroup-createconsumer", key[0])
		c.propagate(c.args...)
		return resp.Int(1)
	case sub == "delconsumer" && len(c.args) == 5:
		consumer := g.consumer(c.args[4])
		if consumer == nil {
			return resp.Int(0)
		}
		pending := len(consumer.pending)
		g.deleteConsumer(consumer)
		c.notify(notifyStream, "xgroup-delconsumer", key[0])
		c.propagate(c.args...)
		return resp.Int(int64(pending))
	}
	return errSubcommandSyntax(c.args[1], "XGROUP")
}

var xgroupHelp = []string{
	"XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
	"CREATE <key> <groupname> <id|$> [option]",
	"    Create a consumer group reading from the ID (or $, the stream's last). Options:",
	"    * MKSTREAM",
	"      Create an empty stream when the key does not exist.",
	"    * ENTRIESREAD entries_read",
	"      Set how many entries the group has read (used for its lag).",
	"CREATECONSUMER <key> <groupname> <consumer>",
	"    Add a consumer to the group.",
	"DELCONSUMER <key> <groupname> <consumer>",
	"    Remove a consumer and its pending entries.",
	"DESTROY <key> <groupname>",
	"    Remove the group.",
	"SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
	"    Set the group's last delivered ID and entries read.",
	"HELP",
	"    Print this help.",
}

func xackCommand(c *call) resp.Value {
	_, g, ok := c.streamAndGroup(c.args[1], c.args[2])
	if !ok {
		return replyWrongType
	}
	if g == nil {
		return resp.Int(0)
	}
	ids := make([]streamID, 0, len(c.args)-3)
	for _, arg := range c.args[3:] {
		id, _, ok := parseStreamID(arg, 0, true, false)
		if !ok {
			return replyInvalidStreamID
		}
		ids = append(ids, id)
	}
	acked := int64(0)
	for _, id := range ids {
		if p := g.findPending(id); p != nil {
			g.ack(p)
			acked++
		}
	}
	if acked > 0 {
		c.propagate(c.args...)
	}
	return resp.Int(acked)
}

func xpendingCommand(c *call) resp.Value {
	n := len(c.args)
	if n != 3 && (n < 6 || n > 9) {
		return resp.Err(errSyntax)
	}
	var start, end streamID
	var count, minIdle int64
	var consumerName []byte
	if n >= 6 {
		at := 3
		if equalFoldString(c.args[3], "idle") {
			v, ok := resp.ParseInt(c.args[4])
			if !ok {
				return resp.Err(errNotInteger)
			}
			minIdle = v
			if n < 8 {
				return resp.Err(errSyntax)
			}
			at += 2
		}
		v, ok := resp.ParseInt(c.args[at+2])
		if !ok {
			return resp.Err(errNotInteger)
		}
		count = max(v, 0)
		var exclusive bool
		if start, exclusive, ok = parseIntervalID(c.args[at], 0); !ok {
			return replyInvalidStreamID
		}
		if exclusive {
			if start, ok = start.next(); !ok {
				return resp.Err("ERR invalid start ID for the interval")
			}
		}
		if end, exclusive, ok = parseIntervalID(c.args[at+1], streamIDMax.seq); !ok {
			return replyInvalidStreamID
		}
		if exclusive {
			if end, ok = end.prev(); !ok {
				return resp.Err("ERR invalid end ID for the interval")
			}
		}
		if at+3 < n {
			consumerName = c.args[at+3]
		}
	}
	_, g, ok := c.streamAndGroup(c.args[1], c.args[2])
	if !ok {
		return replyWrongType
	}
	if g == nil {
		return noGroupError(c.args[1], c.args[2])
	}
	if n == 3 {
		if len(g.pending) == 0 {
			return resp.ArrayOf(resp.Int(0), resp.NullBulk, resp.NullBulk, resp.Value{Kind: resp.NullArray})
		}
		var owners []resp.Value
		for _, consumer := range g.consumers {
			if len(consumer.pending) > 0 {
				owners = append(owners, resp.ArrayOf(resp.BulkFromString(consumer.name),
					resp.Bulk(strconv.AppendInt(nil, int64(len(consumer.pending)), 10))))
			}
		}
		return resp.ArrayOf(resp.Int(int64(len(g.pending))), resp.Bulk(g.pending[0].id.bytes()),
			resp.Bulk(g.pending[len(g.pending)-1].id.bytes()), resp.ArrayOf(owners...))
	}
	pel := g.pending
	if consumerName != nil {
		consumer := g.consumer(consumerName)
		if consumer == nil {
			return resp.ArrayOf()
		}
		pel = consumer.pending
	}
	out := resp.Value{Kind: resp.Array, Elems: []resp.Value{}}
	i, _ := pelFind(pel, start)
	for ; count > 0 && i < len(pel) && !end.less(pel[i].id); i++ {
		p := pel[i]
		idle := c.nowMillis - p.deliveryTimeMillis
		if minIdle != 0 && idle < minIdle {
			continue
		}
		count--
		out.Elems = append(out.Elems, resp.ArrayOf(resp.Bulk(p.id.bytes()), resp.BulkFromString(p.consumer.name),
			resp.Int(max(idle, 0)), resp.Int(int64(p.deliveryCount))))
	}
	return out
}

// claimTo gives a PEL entry to consumer (XCLAIM, XAUTOCLAIM).
func (g *streamGroup) claimTo(p *pendingEntry, consumer *streamConsumer) {
	if p.consumer == consumer {
		return
	}
	if p.consumer != nil {
		p.consumer.pending = pelRemove(p.consumer.pending, p.id)
	}
	consumer.pending = pelInsert(consumer.pending, p)
	p.consumer = consumer
}

// claimant finds or creates the claiming consumer, once.
func (c *call) claimant(key []byte, g *streamGroup, name []byte, got **streamConsumer) *streamConsumer {
	if *got == nil {
		if *got = g.consumer(name); *got == nil {
			*got = g.createConsumer(name, c.nowMillis)
			c.notify(notifyStream, "xgroup-createconsumer", key)
		} else {
			(*got).seenTimeMillis = c.nowMillis
		}
	}
	return *got
}

func xclaimCommand(c *call) resp.Value {
	key, groupName := c.args[1], c.args[2]
	s, g, ok := c.streamAndGroup(key, groupName)
	if !ok {
		return replyWrongType
	}
	if g == nil {
		return noGroupError(key, groupName)
	}
	minIdle, ok := resp.ParseInt(c.args[4])
	if !ok {
		return resp.Err("ERR Invalid min-idle-time argument for XCLAIM")
	}
	minIdle = max(minIdle, 0)
	j := 5
	var ids []streamID
	for ; j < len(c.args); j++ {
		id, _, ok := parseStreamID(c.args[j], 0, true, false)
		if !ok {
			break
		}
		ids = append(ids, id)
	}
	now := c.nowMillis
	deliveryTime, retryCount := int64(-1), int64(-1)
	force, justID := false, false
	lastID := streamIDMin
	for ; j < len(c.args); j++ {
		more := len(c.args) - 1 - j
		opt := c.args[j]
		switch {
		case equalFoldString(opt, "force"):
			force = true
		case equalFoldString(opt, "justid"):
			justID = true
		case equalFoldString(opt, "idle") && more > 0:
			j++
			v, ok := resp.ParseInt(c.args[j])
			if !ok {
				return resp.Err("ERR Invalid IDLE option argument for XCLAIM")
			}
			deliveryTime = now - v
		case equalFoldString(opt, "time") && more > 0:
			j++
			v, ok := resp.ParseInt(c.args[j])
			if !ok {
				return resp.Err("ERR Invalid TIME option argument for XCLAIM")
			}
			deliveryTime = v
		case equalFoldString(opt, "retrycount") && more > 0:
			j++
			v, ok := resp.ParseInt(c.args[j])
			if !ok {
				return resp.Err("ERR Invalid RETRYCOUNT option argument for XCLAIM")
			}
			retryCount = v
		case equalFoldString(opt, "lastid") && more > 0:
			j++
			if lastID, _, ok = parseStreamID(c.args[j], 0, true, false); !ok {
				return replyInvalidStreamID
			}
		default:
			return resp.Err("ERR Unrecognized XCLAIM option '" + string(opt) + "'")
		}
	}
	propagateLastID := false
	if g.lastID.less(lastID) {
		g.lastID = lastID
		propagateLastID = true
	}
	if deliveryTime == -1 || deliveryTime < 0 || deliveryTime > now {
		deliveryTime = now
	}
	var consumer *streamConsumer
	var effects [][][]byte
	out := resp.Value{Kind: resp.Array, Elems: []resp.Value{}}
	for _, id := range ids {
		p := g.findPending(id)
		e, exists := s.lookup(id)
		if !exists {
			if p != nil {
				// Deleted from the stream: the entry leaves the PEL.
				effects = append(effects, xclaimEffect(key, groupName, g, p))
				propagateLastID = false
				g.ack(p)
			}
			continue
		}
		if force && p == nil {
			p = &pendingEntry{id: id}
			g.pending = pelInsert(g.pending, p)
		}
		if p == nil {
			continue
		}
		if p.consumer != nil && minIdle > 0 && now-p.deliveryTimeMillis < minIdle {
			continue
		}
		g.claimTo(p, c.claimant(key, g, c.args[3], &consumer))
		p.deliveryTimeMillis = deliveryTime
		switch {
		case retryCount >= 0:
			p.deliveryCount = uint64(retryCount)
		case !justID:
			p.deliveryCount++
		}
		if justID {
			out.Elems = append(out.Elems, resp.Bulk(id.bytes()))
		} else {
			out.Elems = append(out.Elems, entryReply(e))
		}
		effects = append(effects, xclaimEffect(key, groupName, g, p))
		propagateLastID = false
	}
	if propagateLastID {
		effects = append(effects, setIDEffect(key, groupName, g))
	}
	c.propagateAll(effects)
	return out
}

// xautoclaimAttemptsPerEntry bounds the PEL entries XAUTOCLAIM looks at
// per entry it may claim (Redis's attempts_factor).
const xautoclaimAttemptsPerEntry = 10

func xautoclaimCommand(c *call) resp.Value {
	key, groupName := c.args[1], c.args[2]
	minIdle, ok := resp.ParseInt(c.args[4])
	if !ok {
		return resp.Err("ERR Invalid min-idle-time argument for XAUTOCLAIM")
	}
	minIdle = max(minIdle, 0)
	start, exclusive, ok := parseIntervalID(c.args[5], 0)
	if !ok {
		return replyInvalidStreamID
	}
	if exclusive {
		if start, ok = start.next(); !ok {
			return resp.Err("ERR invalid start ID for the interval")
		}
	}
	count := int64(100)
	justID := false
	for j := 6; j < len(c.args); j++ {
		switch {
		case equalFoldString(c.args[j], "count") && j+1 < len(c.args):
			v, ok := resp.ParseInt(c.args[j+1])
			if !ok || v < 1 || v > (1<<63-1)/16 {
				return resp.Err("ERR COUNT must be > 0")
			}
			count = v
			j++
		case equalFoldString(c.args[j], "justid"):
			justID = true
		default:
			return resp.Err(errSyntax)
		}
	}
	s, g, ok := c.streamAndGroup(key, groupName)
	if !ok {
		return replyWrongType
	}
	if g == nil {
		return noGroupError(key, groupName)
	}
	attempts := count * xautoclaimAttemptsPerEntry
	now := c.nowMillis
	var consumer *streamConsumer
	var effects [][][]byte
	claimed := []resp.Value{}
	deleted := []resp.Value{}
	i, _ := pelFind(g.pending, start)
	for ; attempts > 0 && count > 0 && i < len(g.pending); attempts-- {
		p := g.pending[i]
		e, exists := s.lookup(p.id)
		if !exists {
			effects = append(effects, xclaimEffect(key, groupName, g, p))
			g.ack(p) // g.pending[i] is now the next entry
			deleted = append(deleted, resp.Bulk(p.id.bytes()))
			count--
			continue
		}
		i++
		if minIdle > 0 && now-p.deliveryTimeMillis < minIdle {
			continue
		}
		g.claimTo(p, c.claimant(key, g, c.args[3], &consumer))
		p.deliveryTimeMillis = now
		if !justID {
			p.deliveryCount++
		}
		if justID {
			claimed = append(claimed, resp.Bulk(p.id.bytes()))
		} else {
			claimed = append(claimed, entryReply(e))
		}
		count--
		effects = append(effects, xclaimEffect(key, groupName, g, p))
	}
	next := streamIDMin
	if i < len(g.pending) {
		next = g.pending[i].id
	}
	c.propagateAll(effects)
	return resp.ArrayOf(resp.Bulk(next.bytes()), resp.ArrayOf(claimed...), resp.ArrayOf(deleted...))
}
