package cache

import (
	"bytes"
	"slices"
	"strings"

	"syslab/engines/cache/resp"
)

// COMMAND and its subcommands (Redis's server.c): COUNT, INFO, DOCS, LIST
// [FILTERBY], GETKEYS and GETKEYSANDFLAGS. Clients read them: redis-cli
// builds its hints from COMMAND DOCS, go-redis's cluster client reads the
// key positions and the readonly flag from COMMAND.
//
// What a command does is the command table's business (commands.go); what
// COMMAND reports about it beyond that — ACL categories, tips, key specs
// with their flags, the argument grammar, the version that introduced it —
// is in commanddocs_table.go, generated from redis-server 7.0 by
// scripts/gen-cache-command-docs.py with summaries in this project's own
// words. TestCommandDocsAgreeWithRedis keeps the two tables and the real
// server in agreement. The subcommands of container commands (CLIENT,
// CONFIG, …) have entries of their own, named "client|list" as in Redis,
// which COMMAND INFO and DOCS report under their parent and COMMAND LIST
// after it. Not reported: complexity texts and history.

// commandDoc is what COMMAND INFO and COMMAND DOCS report about a command.
type commandDoc struct {
	summary, since, group      string
	arity                      int
	flags                      []string
	firstKey, lastKey, keyStep int
	acl, tips                  []string
	keySpecs                   []keySpec
	args                       []docArg
	// subcommands names a container's subcommands ("client|list"), sorted;
	// each has its own entry.
	subcommands []string
}

// keySpec is one of Redis 7's key specs: where the search for keys begins
// (an index, or after a keyword) and how the keys are found from there (a
// range, or a count argument).
type keySpec struct {
	flags []string
	// beginIndex > 0: begin at that argument; else after beginKeyword,
	// searched from startFrom (negative: from the end, backwards).
	beginIndex   int
	beginKeyword string
	startFrom    int
	// A range: lastKey relative to the first key (negative: from the end),
	// every keyStep, limit dividing the rest of the arguments.
	lastKey, keyStep, limit int
	// A keynum: the count at keynumIndex (relative to the beginning), the
	// first key firstKey after it.
	keynum                bool
	keynumIndex, firstKey int
	// unknown: no spec can say where these keys are (SORT's STORE, which
	// may come anywhere, and the keys its BY and GET patterns derive
	// from the data); begin_search and find_keys are both "unknown", and
	// the command's own finder (commandSpec.movableKeys) names its keys.
	unknown bool
}

// docArg is one argument in COMMAND DOCS's grammar.
type docArg struct {
	name, typ string
	// keySpecIndex is meaningful for typ "key", and for an argument of
	// another type that namesKeys (SORT's BY and GET patterns).
	keySpecIndex    int
	namesKeys       bool
	token, since    string
	deprecatedSince string
	flags           []string
	args            []docArg
}

// commands is commandTable for COMMAND, which the table itself lists: a
// direct reference would be an initialization cycle.
var commands map[string]*commandSpec

func init() { commands = commandTable }

func commandCommand(c *call) resp.Value {
	if len(c.args) == 1 {
		return resp.Value{Kind: resp.Array, Elems: commandInfos(allCommandNames())}
	}
	sub := strings.ToLower(string(c.args[1]))
	switch sub {
	case "count":
		if len(c.args) != 2 {
			return errSubcommandArity("command", sub)
		}
		return resp.Int(int64(len(commands)))
	case "info":
		names := allCommandNames()
		if len(c.args) > 2 {
			names = names[:0]
			for _, a := range c.args[2:] {
				names = append(names, strings.ToLower(string(a)))
			}
		}
		return resp.Value{Kind: resp.Array, Elems: commandInfos(names)}
	case "docs":
		return commandDocs(c.args[2:])
	case "list":
		return commandList(c.args[2:])
	case "getkeys", "getkeysandflags":
		if len(c.args) < 4 {
			return errSubcommandArity("command", sub)
		}
		return commandGetKeys(c.args[2:], sub == "getkeysandflags")
	case "help":
		return helpReply(c, commandHelp)
	}
	return errUnknownSubcommand(c.args[1], "COMMAND")
}

var commandHelp = []string{
	"COMMAND <subcommand> [<arg> ...]. Subcommands here are:",
	"(no subcommand)",
	"    Describe every command: name, arity, flags, keys, ACL categories.",
	"COUNT",
	"    Give the number of commands.",
	"LIST [FILTERBY (MODULE <name>|ACLCAT <category>|PATTERN <glob>)]",
	"    Give the names of the commands, or of those that match the filter.",
	"INFO [<command-name> ...]",
	"    Describe the named commands, or every command.",
	"DOCS [<command-name> ...]",
	"    Give the documentation of the named commands, or of every command.",
	"GETKEYS <full-command>",
	"    Give the keys a full command line names.",
	"GETKEYSANDFLAGS <full-command>",
	"    Give the keys a full command line names, each with how it is accessed.",
	"HELP",
	"    Print this help.",
}

func allCommandNames() []string {
	names := make([]string, 0, len(commands))
	for name := range commands {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// simpleSet is a RESP3 set of status strings (flags, ACL categories).
func simpleSet(items []string) resp.Value {
	v := resp.Value{Kind: resp.Set, Elems: make([]resp.Value, len(items))}
	for i, item := range items {
		v.Elems[i] = resp.Simple(item)
	}
	return v
}

// pairs builds a RESP3 map from alternating names and values.
func pairs(kv ...any) resp.Value {
	m := resp.Value{Kind: resp.Map, Elems: make([]resp.Value, 0, len(kv))}
	for i := 0; i < len(kv); i += 2 {
		m.Elems = append(m.Elems, resp.BulkFromString(kv[i].(string)))
		switch v := kv[i+1].(type) {
		case string:
			m.Elems = append(m.Elems, resp.BulkFromString(v))
		case int:
			m.Elems = append(m.Elems, resp.Int(int64(v)))
		case resp.Value:
			m.Elems = append(m.Elems, v)
		default:
			panic("cache: pairs: unexpected value type")
		}
	}
	return m
}

// commandFlagNames are the flags of a command without generated docs,
// derived from its spec.
func commandFlagNames(spec *commandSpec) []string {
	var flags []string
	for _, f := range []struct {
		flag commandFlags
		name string
	}{{flagWrite, "write"}, {flagReadonly, "readonly"}, {flagDenyOOM, "denyoom"}, {flagFast, "fast"}} {
		if spec.flags&f.flag != 0 {
			flags = append(flags, f.name)
		}
	}
	if spec.movableKeys != nil {
		flags = append(flags, "movablekeys")
	}
	return flags
}

func commandInfos(names []string) []resp.Value {
	infos := make([]resp.Value, len(names))
	for i, name := range names {
		infos[i] = commandInfo(name)
	}
	return infos
}

// commandInfo is COMMAND INFO's answer for one command or subcommand
// ("config|get"): a null for a name the node does not run.
func commandInfo(name string) resp.Value {
	if !describedCommand(name) {
		return resp.NullBulk // Redis 7.0 answers $-1 for an unknown name
	}
	doc := commandDocTable[name]
	if doc == nil {
		// A command without generated docs (they agree with the command
		// table, TestCommandDocsCoverTheTable) reports what the table knows.
		spec := commands[name]
		doc = &commandDoc{arity: spec.arity, flags: commandFlagNames(spec), firstKey: spec.firstKey, lastKey: spec.lastKey, keyStep: spec.keyStep}
	}
	var specs []resp.Value
	for _, ks := range doc.keySpecs {
		specs = append(specs, ks.describe())
	}
	tips := resp.Value{Kind: resp.Set}
	for _, tip := range doc.tips {
		tips.Elems = append(tips.Elems, resp.BulkFromString(tip))
	}
	subcommands := resp.Value{Kind: resp.Set} // Redis's "none" is an empty set, a container's list an array
	if len(doc.subcommands) > 0 {
		subcommands = resp.Value{Kind: resp.Array, Elems: commandInfos(doc.subcommands)}
	}
	return resp.ArrayOf(resp.BulkFromString(name), resp.Int(int64(doc.arity)), simpleSet(doc.flags),
		resp.Int(int64(doc.firstKey)), resp.Int(int64(doc.lastKey)), resp.Int(int64(doc.keyStep)),
		simpleSet(doc.acl), tips, resp.Value{Kind: resp.Set, Elems: specs}, subcommands)
}

// describedCommand reports whether COMMAND describes name: a command,
// or a subcommand with an entry of its own ("config|get").
func describedCommand(name string) bool {
	if commands[name] != nil {
		return true
	}
	parent, _, found := strings.Cut(name, "|")
	return found && commands[parent] != nil && commandDocTable[name] != nil
}

// describe renders a key spec as COMMAND INFO does.
func (ks keySpec) describe() resp.Value {
	if ks.unknown {
		unknown := pairs("type", "unknown", "spec", resp.Value{Kind: resp.Map})
		return pairs("flags", simpleSet(ks.flags), "begin_search", unknown, "find_keys", unknown)
	}
	begin := pairs("type", "index", "spec", pairs("index", ks.beginIndex))
	if ks.beginIndex == 0 {
		begin = pairs("type", "keyword", "spec", pairs("keyword", ks.beginKeyword, "startfrom", ks.startFrom))
	}
	find := pairs("type", "range", "spec", pairs("lastkey", ks.lastKey, "keystep", ks.keyStep, "limit", ks.limit))
	if ks.keynum {
		find = pairs("type", "keynum", "spec", pairs("keynumidx", ks.keynumIndex, "firstkey", ks.firstKey, "keystep", ks.keyStep))
	}
	return pairs("flags", simpleSet(ks.flags), "begin_search", begin, "find_keys", find)
}

// COMMAND DOCS [name …]: every command, or the named ones (unknown names
// are left out); a container's subcommands are under its "subcommands".
func commandDocs(names [][]byte) resp.Value {
	var wanted []string
	if len(names) == 0 {
		wanted = allCommandNames()
	}
	for _, a := range names {
		if name := strings.ToLower(string(a)); describedCommand(name) {
			wanted = append(wanted, name)
		}
	}
	docs := resp.Value{Kind: resp.Map}
	for _, name := range wanted {
		docs.Elems = append(docs.Elems, resp.BulkFromString(name), commandDocOf(name))
	}
	return docs
}

func commandDocOf(name string) resp.Value {
	doc := commandDocTable[name]
	if doc == nil {
		// A command added without generated docs still answers, with
		// what the table knows.
		return pairs("summary", "", "since", "", "group", "generic")
	}
	m := pairs("summary", doc.summary, "since", doc.since, "group", doc.group)
	if len(doc.args) > 0 {
		m.Elems = append(m.Elems, resp.BulkFromString("arguments"), describeArgs(doc.args))
	}
	if len(doc.subcommands) > 0 {
		subs := resp.Value{Kind: resp.Map}
		for _, sub := range doc.subcommands {
			subs.Elems = append(subs.Elems, resp.BulkFromString(sub), commandDocOf(sub))
		}
		m.Elems = append(m.Elems, resp.BulkFromString("subcommands"), subs)
	}
	return m
}

func describeArgs(args []docArg) resp.Value {
	out := resp.Value{Kind: resp.Array, Elems: make([]resp.Value, len(args))}
	for i, a := range args {
		m := pairs("name", a.name, "type", a.typ)
		if a.typ == "key" || a.namesKeys {
			m.Elems = append(m.Elems, resp.BulkFromString("key_spec_index"), resp.Int(int64(a.keySpecIndex)))
		}
		if a.token != "" || a.typ == "pure-token" { // MIGRATE's empty_string is the token ""
			m.Elems = append(m.Elems, resp.BulkFromString("token"), resp.BulkFromString(a.token))
		}
		if a.since != "" {
			m.Elems = append(m.Elems, resp.BulkFromString("since"), resp.BulkFromString(a.since))
		}
		if a.deprecatedSince != "" {
			m.Elems = append(m.Elems, resp.BulkFromString("deprecated_since"), resp.BulkFromString(a.deprecatedSince))
		}
		if len(a.flags) > 0 {
			m.Elems = append(m.Elems, resp.BulkFromString("flags"), simpleSet(a.flags))
		}
		if len(a.args) > 0 {
			m.Elems = append(m.Elems, resp.BulkFromString("arguments"), describeArgs(a.args))
		}
		out.Elems[i] = m
	}
	return out
}

// COMMAND LIST [FILTERBY MODULE name | ACLCAT category | PATTERN glob]
func commandList(args [][]byte) resp.Value {
	keep := func(string) bool { return true }
	switch {
	case len(args) == 0:
	case len(args) == 3 && bytes.EqualFold(args[0], []byte("filterby")):
		value := args[2]
		switch strings.ToLower(string(args[1])) {
		case "module":
			keep = func(string) bool { return false } // no modules here
		case "aclcat":
			category := "@" + strings.ToLower(string(value))
			keep = func(name string) bool {
				doc := commandDocTable[name]
				return doc != nil && slices.Contains(doc.acl, category)
			}
		case "pattern":
			pattern := bytes.ToLower(value)
			keep = func(name string) bool { return globMatch(pattern, []byte(name)) }
		default:
			return resp.Err(errSyntax)
		}
	default:
		return resp.Err(errSyntax)
	}
	var names []resp.Value
	for _, name := range allCommandNames() {
		if keep(name) {
			names = append(names, resp.BulkFromString(name))
		}
		if doc := commandDocTable[name]; doc != nil {
			for _, sub := range doc.subcommands {
				if keep(sub) {
					names = append(names, resp.BulkFromString(sub))
				}
			}
		}
	}
	return resp.Value{Kind: resp.Array, Elems: names}
}

// COMMAND GETKEYS name arg… and GETKEYSANDFLAGS: the keys a call would
// touch, found as Redis 7.0 finds them (its key specs), with each key's
// flags.
func commandGetKeys(args [][]byte, withFlags bool) resp.Value {
	spec := commands[strings.ToLower(string(args[0]))] // not lookupCommand: an initialization cycle
	if spec == nil {
		return resp.Err("ERR Invalid command specified")
	}
	doc := commandDocTable[spec.name]
	if doc != nil && len(doc.subcommands) > 0 && len(args) > 1 {
		// A container's keys are its subcommand's, as Redis looks them up.
		doc = commandDocTable[spec.name+"|"+strings.ToLower(string(args[1]))]
		if doc == nil {
			return resp.Err("ERR Invalid command specified")
		}
		if len(doc.keySpecs) == 0 {
			return resp.Err("ERR The command has no key arguments")
		}
		if !(&commandSpec{arity: doc.arity}).arityOK(len(args)) {
			return resp.Err("ERR Invalid number of arguments specified for command")
		}
	}
	if spec.firstKey == 0 && spec.movableKeys == nil && (doc == nil || len(doc.keySpecs) == 0) {
		return resp.Err("ERR The command has no key arguments")
	}
	if !spec.arityOK(len(args)) {
		return resp.Err("ERR Invalid number of arguments specified for command")
	}
	keys, flags := keysAndFlags(spec, doc, args)
	if len(keys) == 0 && doc != nil && slices.Contains(doc.flags, "no_mandatory_keys") {
		return resp.Value{Kind: resp.Array} // EVAL … 0: no keys, and none needed
	}
	if len(keys) == 0 {
		return resp.Err("ERR Invalid arguments specified for command")
	}
	out := resp.Value{Kind: resp.Array, Elems: make([]resp.Value, len(keys))}
	for i, key := range keys {
		out.Elems[i] = resp.Bulk(key)
		if withFlags {
			out.Elems[i] = resp.ArrayOf(resp.Bulk(key), simpleSet(flags[i]))
		}
	}
	return out
}

// keysAndFlags walks the command's key specs over args, as Redis's
// getKeysUsingKeySpecs does: a spec whose positions fall outside the
// arguments makes the whole call name no key. A command without generated
// key specs falls back to the command table's keys, flagged by the
// command's kind.
func keysAndFlags(spec *commandSpec, doc *commandDoc, args [][]byte) ([][]byte, [][]string) {
	if doc == nil || len(doc.keySpecs) == 0 {
		keys := spec.keys(args)
		flag := []string{"RW", "update"}
		if spec.flags&flagReadonly != 0 {
			flag = []string{"RO", "access"}
		}
		flags := make([][]string, len(keys))
		for i := range flags {
			flags[i] = flag
		}
		return keys, flags
	}
	if spec.movableKeys != nil && slices.ContainsFunc(doc.keySpecs, func(ks keySpec) bool { return ks.unknown || slices.Contains(ks.flags, "incomplete") }) {
		// Redis's key specs cannot find these keys (MIGRATE … KEYS, SORT
		// … STORE): it asks the command's own finder, whose first key is
		// flagged as the first spec says and the others as the last one
		// (MIGRATE's KEYS, SORT's destination).
		keys := spec.movableKeys(args)
		withoutIncomplete := func(ks keySpec) []string {
			return slices.DeleteFunc(slices.Clone(ks.flags), func(f string) bool { return f == "incomplete" })
		}
		first, rest := withoutIncomplete(doc.keySpecs[0]), withoutIncomplete(doc.keySpecs[len(doc.keySpecs)-1])
		flags := make([][]string, len(keys))
		for i := range flags {
			flags[i] = rest
		}
		if len(flags) > 0 {
			flags[0] = first
		}
		return keys, flags
	}
	var keys [][]byte
	var flags [][]string
	for _, ks := range doc.keySpecs {
		first := ks.beginIndex
		if first == 0 {
			first = keywordPosition(args, ks.beginKeyword, ks.startFrom)
			if first == 0 {
				continue // keyword absent: this spec names no key
			}
		}
		var last, step int
		if ks.keynum {
			if first+ks.keynumIndex >= len(args) {
				return nil, nil
			}
			numkeys, ok := resp.ParseInt(args[first+ks.keynumIndex])
			if !ok || numkeys < 0 || numkeys > int64(len(args)) {
				return nil, nil
			}
			first += ks.firstKey
			last, step = first+int(numkeys)-1, ks.keyStep
		} else {
			switch {
			case ks.lastKey >= 0:
				last = first + ks.lastKey
			case ks.limit == 0:
				last = len(args) + ks.lastKey
			default:
				last = first + (len(args)-first)/ks.limit + ks.lastKey
			}
			step = ks.keyStep
		}
		if last >= len(args) || last < first || first >= len(args) {
			return nil, nil
		}
		for i := first; i <= last; i += max(step, 1) {
			keys = append(keys, args[i])
			flags = append(flags, specialKeyFlags(spec, args, ks.flags))
		}
	}
	return keys, flags
}

// keywordPosition finds the argument after keyword, searching from
// startFrom (negative: that far from the end, backwards); 0 if absent.
func keywordPosition(args [][]byte, keyword string, startFrom int) int {
	start, end := startFrom, len(args)-1
	if startFrom < 0 {
		start, end = len(args)+startFrom, 1
	}
	for i := start; ; {
		if i >= len(args) || i < 1 {
			return 0
		}
		if bytes.EqualFold(args[i], []byte(keyword)) {
			return i + 1
		}
		if i == end {
			return 0
		}
		if start <= end {
			i++
		} else {
			i--
		}
	}
}

// specialKeyFlags applies a key spec flagged variable_flags: SET's key is
// only overwritten unless GET asks for the old value too (Redis's
// setGetKeys); BITFIELD's is only read when every operation is a GET
// (Redis's bitfieldGetKeys).
func specialKeyFlags(spec *commandSpec, args [][]byte, flags []string) []string {
	if !slices.Contains(flags, "variable_flags") {
		return flags
	}
	if spec.name == "set" {
		for _, arg := range args[3:] {
			if bytes.EqualFold(arg, []byte("get")) {
				return []string{"RW", "access", "update"}
			}
		}
		return []string{"OW", "update"}
	}
	if spec.name == "bitfield" {
		if bitfieldReadsOnly(args[2:]) {
			return []string{"RO", "access"}
		}
		return []string{"RW", "access", "update"}
	}
	return flags
}
