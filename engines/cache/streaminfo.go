package cache

import "syslab/engines/cache/resp"

// XINFO STREAM [FULL [COUNT n]], XINFO GROUPS, XINFO CONSUMERS (Redis
// 7.0's xinfoCommand).

var xinfoHelp = []string{
	"XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
	"CONSUMERS <key> <groupname>",
	"    The group's consumers: name, pending entries, idle milliseconds.",
	"GROUPS <key>",
	"    The stream's consumer groups.",
	"STREAM <key> [FULL [COUNT <count>]",
	"    The stream's length, IDs and counters; FULL adds its entries and groups",
	"    in detail (COUNT of each list, 10 by default, 0 for all).",
	"HELP",
	"    Print this help.",
}

func xinfoCommand(c *call) resp.Value {
	sub, refusal, ok := checkSubcommand(c, "xinfo", xinfoArity)
	if !ok {
		return refusal
	}
	if sub == "help" {
		return helpReply(c, xinfoHelp)
	}
	key := c.args[2]
	s, refusal := c.existingStream(key, resp.Err("ERR no such key"))
	if s == nil {
		return refusal
	}
	switch {
	case sub == "consumers" && len(c.args) == 4:
		g := s.group(c.args[3])
		if g == nil {
			return resp.Err("NOGROUP No such consumer group '" + string(c.args[3]) + "' for key name '" + string(key) + "'")
		}
		out := make([]resp.Value, 0, len(g.consumers))
		for _, consumer := range g.consumers {
			out = append(out, mapOf(
				"name", resp.BulkFromString(consumer.name),
				"pending", resp.Int(int64(len(consumer.pending))),
				"idle", resp.Int(max(c.nowMillis-consumer.seenTimeMillis, 0)),
			))
		}
		return resp.ArrayOf(out...)
	case sub == "groups" && len(c.args) == 3:
		out := make([]resp.Value, 0, len(s.groups))
		for _, g := range s.groups {
			out = append(out, mapOf(
				"name", resp.BulkFromString(g.name),
				"consumers", resp.Int(int64(len(g.consumers))),
				"pending", resp.Int(int64(len(g.pending))),
				"last-delivered-id", resp.Bulk(g.lastID.bytes()),
				"entries-read", entriesReadReply(g),
				"lag", lagReply(s, g),
			))
		}
		return resp.ArrayOf(out...)
	case sub == "stream":
		return xinfoStream(c, s)
	}
	return errSubcommandSyntax(c.args[1], "XINFO")
}

// mapOf builds a map reply from names and values alternating.
func mapOf(namesAndValues ...any) resp.Value {
	m := resp.Value{Kind: resp.Map, Elems: make([]resp.Value, 0, len(namesAndValues))}
	for i := 0; i < len(namesAndValues); i += 2 {
		m.Elems = append(m.Elems, resp.BulkFromString(namesAndValues[i].(string)), namesAndValues[i+1].(resp.Value))
	}
	return m
}

func entriesReadReply(g *streamGroup) resp.Value {
	if g.entriesRead == entriesReadUnknown {
		return resp.NullBulk
	}
	return resp.Int(g.entriesRead)
}

func lagReply(s *streamObject, g *streamGroup) resp.Value {
	if lag, ok := s.lag(g); ok {
		return resp.Int(lag)
	}
	return resp.NullBulk
}

func xinfoStream(c *call, s *streamObject) resp.Value {
	opts := c.args[3:]
	full := len(opts) > 0
	count := int64(10)
	if full {
		if len(opts) != 1 && len(opts) != 3 || !equalFoldString(opts[0], "full") {
			return errSubcommandSyntax(c.args[1], "XINFO")
		}
		if len(opts) == 3 {
			if !equalFoldString(opts[1], "count") {
				return errSubcommandSyntax(c.args[1], "XINFO")
			}
			n, ok := resp.ParseInt(opts[2])
			if !ok {
				return resp.Err(errNotInteger)
			}
			count = n
			if n < 0 {
				count = 10
			}
		}
	}
	head := []any{
		"length", resp.Int(int64(s.length)),
		"radix-tree-keys", resp.Int(int64(s.radixTreeKeys())),
		"radix-tree-nodes", resp.Int(int64(s.radixTreeNodes())),
		"last-generated-id", resp.Bulk(s.lastID.bytes()),
		"max-deleted-entry-id", resp.Bulk(s.maxDeletedID.bytes()),
		"entries-added", resp.Int(int64(s.entriesAdded)),
		"recorded-first-entry-id", resp.Bulk(s.firstID.bytes()),
	}
	if !full {
		first, last := resp.NullBulk, resp.NullBulk
		if e, ok := s.first(); ok {
			first = entryReply(e)
		}
		if e, ok := s.last(); ok {
			last = entryReply(e)
		}
		return mapOf(append(head, "groups", resp.Int(int64(len(s.groups))), "first-entry", first, "last-entry", last)...)
	}
	limit := count
	if limit == 0 {
		limit = -1
	}
	groups := make([]resp.Value, 0, len(s.groups))
	for _, g := range s.groups {
		pending := []resp.Value{}
		for _, p := range g.pending {
			if limit > 0 && int64(len(pending)) >= limit {
				break
			}
			pending = append(pending, resp.ArrayOf(resp.Bulk(p.id.bytes()), resp.BulkFromString(p.consumer.name),
				resp.Int(p.deliveryTimeMillis), resp.Int(int64(p.deliveryCount))))
		}
		consumers := make([]resp.Value, 0, len(g.consumers))
		for _, consumer := range g.consumers {
			cpending := []resp.Value{}
			for _, p := range consumer.pending {
				if limit > 0 && int64(len(cpending)) >= limit {
					break
				}
				cpending = append(cpending, resp.ArrayOf(resp.Bulk(p.id.bytes()), resp.Int(p.deliveryTimeMillis), resp.Int(int64(p.deliveryCount))))
			}
			consumers = append(consumers, mapOf(
				"name", resp.BulkFromString(consumer.name),
				"seen-time", resp.Int(consumer.seenTimeMillis),
				"pel-count", resp.Int(int64(len(consumer.pending))),
				"pending", resp.ArrayOf(cpending...),
			))
		}
		groups = append(groups, mapOf(
			"name", resp.BulkFromString(g.name),
			"last-delivered-id", resp.Bulk(g.lastID.bytes()),
			"entries-read", entriesReadReply(g),
			"lag", lagReply(s, g),
			"pel-count", resp.Int(int64(len(g.pending))),
			"pending", resp.ArrayOf(pending...),
			"consumers", resp.ArrayOf(consumers...),
		))
	}
	return mapOf(append(head, "entries", streamRangeReply(s, streamIDMin, streamIDMax, limit, false), "groups", resp.ArrayOf(groups...))...)
}
