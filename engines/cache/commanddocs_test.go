package cache

import (
	"slices"
	"strings"
	"testing"

	"syslab/engines/cache/resp"
)

// Container commands: Redis describes their keys and flags per subcommand,
// and this node reports only the subcommands it runs (commanddocs.go).
var containerCommands = []string{"client", "cluster", "command", "config", "debug", "memory", "object", "pubsub", "xgroup", "xinfo"}

// getkeysLines exercise every way of finding keys: index ranges, steps,
// keynum specs with and without a destination, bad numkeys, arity errors.
var getkeysLines = []string{
	"COMMAND GETKEYS get a", "COMMAND GETKEYS get", "COMMAND GETKEYS get a b", "COMMAND GETKEYS ping x",
	"COMMAND GETKEYS nosuch a", "COMMAND GETKEYS mset a 1 b 2", "COMMAND GETKEYS mset a 1 b",
	"COMMAND GETKEYS del a b c", "COMMAND GETKEYS blpop a b 0", "COMMAND GETKEYS lmove a b left right",
	"COMMAND GETKEYS zunionstore d 2 a b weights 1 2", "COMMAND GETKEYS zunionstore d 3 a b",
	"COMMAND GETKEYS zunionstore d 0 a", "COMMAND GETKEYS zunion 2 a b", "COMMAND GETKEYS zinter x a",
	"COMMAND GETKEYS lmpop 2 a b left", "COMMAND GETKEYS lmpop 3 a left", "COMMAND GETKEYS lmpop 1 a",
	"COMMAND GETKEYS blmpop 0 2 a b left", "COMMAND GETKEYS sintercard 2 a b", "COMMAND GETKEYS sintercard 5 a",
	"COMMAND GETKEYS zintercard 1 a limit 1", "COMMAND GETKEYS zrangestore d s 0 -1", "COMMAND GETKEYS object encoding k",
	"COMMAND GETKEYS sinterstore d a b", "COMMAND GETKEYS smove a b m", "COMMAND GETKEYS copy a b",
	"COMMAND GETKEYS memory usage key", "COMMAND GETKEYS memory usage a b c d", "COMMAND GETKEYS memory usage",
	"COMMAND GETKEYS memory nosuch key", "COMMAND GETKEYS client list", "COMMAND GETKEYS object help",
	"COMMAND GETKEYSANDFLAGS object freq k", "COMMAND GETKEYS config get x",
	"COMMAND GETKEYS watch a b", "COMMAND GETKEYS rename a b", "COMMAND GETKEYS",
	"COMMAND GETKEYS zmpop 2 a b min", "COMMAND GETKEYS bzmpop 0 2 a b max count 2", "COMMAND GETKEYS bzpopmin a b 0",
	"COMMAND GETKEYSANDFLAGS set a b", "COMMAND GETKEYSANDFLAGS set a b get", "COMMAND GETKEYSANDFLAGS del a",
	"COMMAND GETKEYSANDFLAGS lpush a b", "COMMAND GETKEYSANDFLAGS blmpop 0 2 a b left",
	"COMMAND GETKEYSANDFLAGS zinterstore d 1 a", "COMMAND GETKEYSANDFLAGS lmove a b left right",
	"COMMAND GETKEYSANDFLAGS getex a persist", "COMMAND GETKEYSANDFLAGS ping x", "COMMAND GETKEYSANDFLAGS get",
}

func TestCommandGetKeysAgreesWithRedis(t *testing.T) {
	compareWithRedis(t, append(getkeysLines,
		"COMMAND LIST FILTERBY foo x", "COMMAND LIST x", "COMMAND LIST FILTERBY MODULE x",
		"COMMAND LIST FILTERBY ACLCAT nope", "COMMAND DOCS nosuch", "COMMAND INFO nosuch",
	))
}

// The command table's own keys (what WATCH, tracking and routing use)
// agree with the keys Redis's key specs name.
func TestCommandTableKeysMatchKeySpecs(t *testing.T) {
	for _, line := range getkeysLines {
		args := splitLine(t, line)[2:]
		if len(args) == 0 {
			continue
		}
		spec := commands[strings.ToLower(string(args[0]))]
		if spec == nil || !spec.arityOK(len(args)) {
			continue
		}
		fromSpecs, _ := keysAndFlags(spec, commandDocTable[spec.name], args)
		if got, want := spec.keys(args), fromSpecs; !slices.EqualFunc(got, want, func(a, b []byte) bool { return string(a) == string(b) }) {
			t.Errorf("%s: the command table names keys %q, the key specs %q", line, got, want)
		}
	}
}

// Every command has generated docs, and what the command table says about
// it agrees with them.
func TestCommandDocsCoverTheTable(t *testing.T) {
	for _, name := range allCommandNames() {
		spec, doc := commands[name], commandDocTable[name]
		if doc == nil {
			t.Errorf("%s has no entry in commanddocs_table.go: add its summary to scripts/gen-cache-command-docs.py and regenerate", name)
			continue
		}
		if slices.Contains(containerCommands, name) {
			continue // Redis describes their keys and flags per subcommand
		}
		if spec.arity != doc.arity || spec.firstKey != doc.firstKey || spec.lastKey != doc.lastKey || spec.keyStep != doc.keyStep {
			t.Errorf("%s: table arity/keys %d %d %d %d, Redis %d %d %d %d", name, spec.arity, spec.firstKey, spec.lastKey, spec.keyStep,
				doc.arity, doc.firstKey, doc.lastKey, doc.keyStep)
		}
		for _, flag := range commandFlagNames(spec) {
			if !slices.Contains(doc.flags, flag) {
				t.Errorf("%s: the table flags it %s, Redis does not (%v)", name, flag, doc.flags)
			}
		}
		for _, flag := range []string{"write", "readonly", "denyoom", "fast", "movablekeys"} {
			if slices.Contains(doc.flags, flag) && !slices.Contains(commandFlagNames(spec), flag) {
				t.Errorf("%s: Redis flags it %s, the table does not", name, flag)
			}
		}
	}
}

// withoutKeys drops the named entries of a RESP3 map.
func withoutKeys(m resp.Value, names ...string) resp.Value {
	var kept []resp.Value
	for i := 0; i+1 < len(m.Elems); i += 2 {
		if !slices.Contains(names, string(m.Elems[i].Str)) {
			kept = append(kept, m.Elems[i], m.Elems[i+1])
		}
	}
	m.Elems = kept
	return m
}

// comparableInfo is a COMMAND INFO entry without Redis's prose (key spec
// notes), with only the subcommands this node runs, sorted by name (Redis
// lists them in its dict's order).
func comparableInfo(info resp.Value) resp.Value {
	info.Elems = slices.Clone(info.Elems)
	specs := slices.Clone(info.Elems[8].Elems)
	for j := range specs {
		specs[j] = withoutKeys(specs[j], "notes")
	}
	info.Elems[8].Elems = specs
	if subs := info.Elems[9]; subs.Kind == resp.Array {
		var kept []resp.Value
		for _, sub := range subs.Elems {
			if commandDocTable[string(sub.Elems[0].Str)] != nil {
				kept = append(kept, comparableInfo(sub))
			}
		}
		slices.SortFunc(kept, func(a, b resp.Value) int { return strings.Compare(string(a.Elems[0].Str), string(b.Elems[0].Str)) })
		info.Elems[9].Elems = kept
	}
	return info
}

// comparableDoc is a RESP3 COMMAND DOCS entry with the facts only (no
// summary, complexity or history texts), and only the subcommands this
// node runs, sorted by name.
func comparableDoc(doc resp.Value) resp.Value {
	var subs resp.Value
	for i := 0; i+1 < len(doc.Elems); i += 2 {
		if string(doc.Elems[i].Str) == "subcommands" {
			subs = doc.Elems[i+1]
		}
	}
	doc = withoutKeys(doc, "summary", "complexity", "history", "doc_flags", "deprecated_since", "replaced_by", "subcommands")
	type named struct {
		name string
		doc  resp.Value
	}
	var kept []named
	for i := 0; i+1 < len(subs.Elems); i += 2 {
		if name := string(subs.Elems[i].Str); commandDocTable[name] != nil {
			kept = append(kept, named{name, comparableDoc(subs.Elems[i+1])})
		}
	}
	if len(kept) > 0 {
		slices.SortFunc(kept, func(a, b named) int { return strings.Compare(a.name, b.name) })
		m := resp.Value{Kind: resp.Map}
		for _, k := range kept {
			m.Elems = append(m.Elems, resp.BulkFromString(k.name), k.doc)
		}
		doc.Elems = append(doc.Elems, resp.BulkFromString("subcommands"), m)
	}
	return doc
}

func TestCommandDocsAgreeWithRedis(t *testing.T) {
	for _, protocol := range []int{resp.RESP2, resp.RESP3} {
		c := newComparison(t, Config{}, protocol)
		for _, name := range allCommandNames() {
			// COMMAND INFO: exact, but for the subcommands of containers.
			ours := c.onNode("COMMAND INFO " + name)[0]
			theirs := c.onRedis("COMMAND INFO " + name)
			if len(theirs.Elems) == 1 && len(theirs.Elems[0].Elems) == 10 {
				theirs.Elems[0] = comparableInfo(theirs.Elems[0])
				ours.Elems[0] = comparableInfo(ours.Elems[0])
			}
			if got, want := wire(protocol, ours), wire(protocol, theirs); got != want {
				t.Errorf("RESP%d COMMAND INFO %s:\n got  %q\n want %q", protocol, name, got, want)
			}
			// COMMAND DOCS: the facts, not Redis's prose.
			ours = c.onNode("COMMAND DOCS " + name)[0]
			theirs = c.onRedis("COMMAND DOCS " + name)
			if protocol == resp.RESP3 && len(theirs.Elems) == 2 {
				theirs.Elems[1], ours.Elems[1] = comparableDoc(theirs.Elems[1]), comparableDoc(ours.Elems[1])
				if got, want := wire(protocol, ours), wire(protocol, theirs); got != want {
					t.Errorf("RESP3 COMMAND DOCS %s:\n got  %q\n want %q", name, got, want)
				}
			}
		}
		// COMMAND LIST: Redis knows more commands; ours are among them.
		for _, filter := range []string{"", " FILTERBY ACLCAT list", " FILTERBY PATTERN z*store", " FILTERBY PATTERN *"} {
			var ourNames, theirNames []string
			for _, v := range c.onNode("COMMAND LIST" + filter)[0].Elems {
				ourNames = append(ourNames, string(v.Str))
			}
			for _, v := range c.onRedis("COMMAND LIST" + filter).Elems {
				if name := string(v.Str); commands[name] != nil || strings.Contains(name, "|") && commandDocTable[name] != nil {
					theirNames = append(theirNames, name)
				}
			}
			slices.Sort(ourNames) // Redis's order is its dict's
			slices.Sort(theirNames)
			if !slices.Equal(ourNames, theirNames) {
				t.Errorf("COMMAND LIST%s:\n got  %v\n want %v", filter, ourNames, theirNames)
			}
		}
	}
}

// Every container command's HELP names each subcommand it accepts at the
// start of a line, as the error for an unknown subcommand tells users to
// try it.
func TestHelpNamesEverySubcommand(t *testing.T) {
	h := newSimHarness(t, 5, Config{}, realDisk)
	var clientNames []string
	for _, sub := range clientSubcommands {
		clientNames = append(clientNames, sub.name)
	}
	for command, subcommands := range map[string][]string{
		"CLIENT":  clientNames,
		"COMMAND": {"count", "list", "info", "docs", "getkeys", "getkeysandflags", "help"},
		"CONFIG":  {"get", "set", "resetstat", "rewrite", "help"},
		"PUBSUB":  {"channels", "numsub", "numpat", "shardchannels", "shardnumsub", "help"},
		"MEMORY":  {"doctor", "malloc-stats", "purge", "stats", "usage", "help"},
		"OBJECT":  {"encoding", "freq", "idletime", "refcount", "help"},
	} {
		v := h.await(h.send(command+" HELP"), command+" HELP")
		if v.Kind != resp.Array || len(v.Elems) == 0 {
			t.Fatalf("%s HELP = %s, want an array of lines", command, v)
		}
		if first := string(v.Elems[0].Str); !strings.HasPrefix(first, command+" <subcommand>") {
			t.Errorf("%s HELP begins %q", command, first)
		}
		for _, sub := range subcommands {
			found := false
			for _, line := range v.Elems {
				word, _, _ := strings.Cut(string(line.Str), " ")
				found = found || strings.EqualFold(word, sub)
			}
			if !found {
				t.Errorf("%s HELP does not name %s", command, strings.ToUpper(sub))
			}
		}
		h.expect(command+" HELP extra", "(error) ERR wrong number of arguments for '"+strings.ToLower(command)+"|help' command")
	}
}

func TestHelpArityAndQuitInfoAgreeWithRedis(t *testing.T) {
	compareWithRedis(t, []string{
		"CLIENT HELP x", "CONFIG HELP x", "PUBSUB HELP x", "COMMAND HELP x",
		"COMMAND INFO quit", "COMMAND INFO config|get client|list nosuch|x config|nosuch object|freq",
	})
}

// Each subcommand COMMAND reports is one the node runs.
func TestReportedSubcommandsRun(t *testing.T) {
	h := newSimHarness(t, 6, Config{ClusterEnabled: true}, realDisk)
	for _, parent := range containerCommands {
		doc := commandDocTable[parent]
		if doc == nil {
			continue
		}
		for _, full := range doc.subcommands {
			_, sub, _ := strings.Cut(full, "|")
			reply := h.do(strings.ToUpper(parent) + " " + sub)
			if strings.Contains(reply, "unknown subcommand") {
				t.Errorf("COMMAND reports %s, but %s %s answers %s", full, strings.ToUpper(parent), sub, reply)
			}
		}
	}
	for _, sub := range clientSubcommands {
		if !slices.Contains(commandDocTable["client"].subcommands, "client|"+sub.name) {
			t.Errorf("CLIENT %s runs but COMMAND does not report it", strings.ToUpper(sub.name))
		}
	}
}
