package lab

import (
	"fmt"
	"math"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// decoder walks a yaml.Node tree against the scenario schema, collecting
// every problem with its line and field path instead of stopping at the
// first: a user fixes a file in one pass.
//
// It walks nodes itself rather than decoding into structs because yaml.v3
// decoding loses line numbers for most mistakes, cannot suggest a field
// name, and does not reject duplicate keys inside a yaml.Node.
type decoder struct {
	file string
	errs []*Error
}

func (d *decoder) errorf(n *yaml.Node, path string, format string, args ...any) {
	line := 0
	if n != nil {
		line = n.Line
	}
	d.errs = append(d.errs, &Error{File: d.file, Line: line, Path: path, Msg: fmt.Sprintf(format, args...)})
}

// aliasHopsMax bounds alias-to-alias chains; yaml.v3 builds them only
// from valid anchors, but a bound costs nothing.
const aliasHopsMax = 16

// deref follows aliases (`*anchor`) to the node they name.
func deref(n *yaml.Node) *yaml.Node {
	for hops := 0; n != nil && n.Kind == yaml.AliasNode; hops++ {
		if hops == aliasHopsMax {
			return nil
		}
		n = n.Alias
	}
	return n
}

// describe names what a node holds, for "want X, got Y" messages.
func describe(n *yaml.Node) string {
	n = deref(n)
	if n == nil {
		return "nothing"
	}
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return "nothing"
		case "!!str":
			return fmt.Sprintf("%q", n.Value)
		}
		return n.Value
	}
	return "a document"
}

// fields is a mapping node read against a list of known field names.
type fields struct {
	node   *yaml.Node
	path   string
	values map[string]*yaml.Node
	keys   map[string]*yaml.Node
	// misspelled holds the known names that an unknown field was taken
	// for; "missing field" errors about them would only repeat the typo.
	misspelled map[string]bool
}

// mergeDepthMax bounds nested `<<: *anchor` merges; yaml.v3 lets an
// anchored mapping merge itself, so unbounded recursion could loop.
const mergeDepthMax = 8

// mapping reads n as a mapping with the known field names, reporting
// unknown and duplicate fields. It returns nil (after reporting) when n
// is not a mapping.
func (d *decoder) mapping(n *yaml.Node, path string, known []string) *fields {
	n = deref(n)
	if n == nil || n.Kind != yaml.MappingNode {
		d.errorf(n, path, "want a mapping of fields, got %s", describe(n))
		return nil
	}
	f := &fields{node: n, path: path, values: map[string]*yaml.Node{}, keys: map[string]*yaml.Node{}, misspelled: map[string]bool{}}
	d.collect(f, n, known, 0, true)
	return f
}

func (d *decoder) collect(f *fields, n *yaml.Node, known []string, depth int, explicit bool) {
	if depth > mergeDepthMax {
		d.errorf(n, f.path, "merges (<<) nested deeper than %d", mergeDepthMax)
		return
	}
	var merges []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, value := deref(n.Content[i]), n.Content[i+1]
		if key == nil || key.Kind != yaml.ScalarNode {
			d.errorf(n.Content[i], f.path, "field names must be plain words, got %s", describe(key))
			continue
		}
		if key.ShortTag() == "!!merge" {
			merges = append(merges, value)
			continue
		}
		name := key.Value
		if first, dup := f.keys[name]; dup {
			if explicit {
				d.errorf(key, f.path, "field %q given twice (first at line %d)", name, first.Line)
			}
			continue // an explicit field beats a merged one
		}
		if !contains(known, name) {
			hint := " (fields here: " + strings.Join(known, ", ") + ")"
			if meant := closest(name, known); meant != "" {
				hint = fmt.Sprintf(" (did you mean %q?)", meant)
				f.misspelled[meant] = true
			}
			d.errorf(key, f.path, "unknown field %q%s", name, hint)
			continue
		}
		f.keys[name] = key
		f.values[name] = value
	}
	// Merged mappings fill in what the mapping itself did not say; the
	// first merged mapping wins over later ones, as YAML 1.1 specifies.
	for _, m := range merges {
		m = deref(m)
		switch {
		case m != nil && m.Kind == yaml.MappingNode:
			d.collect(f, m, known, depth+1, false)
		case m != nil && m.Kind == yaml.SequenceNode:
			for _, item := range m.Content {
				item = deref(item)
				if item == nil || item.Kind != yaml.MappingNode {
					d.errorf(m, f.path, "merge (<<) wants mappings, got %s", describe(item))
					continue
				}
				d.collect(f, item, known, depth+1, false)
			}
		default:
			d.errorf(m, f.path, "merge (<<) wants a mapping, got %s", describe(m))
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// get returns the value of field name, or nil when absent. An explicit
// null counts as absent so `faults:` with nothing after it is allowed.
func (f *fields) get(name string) *yaml.Node {
	v := deref(f.values[name])
	if v == nil || v.Kind == yaml.ScalarNode && v.ShortTag() == "!!null" {
		return nil
	}
	return v
}

func (f *fields) has(name string) bool { return f.get(name) != nil }

// at is the path of field name.
func (f *fields) at(name string) string { return joinPath(f.path, name) }

// require reports a missing field and returns its value otherwise.
func (d *decoder) require(f *fields, name string) *yaml.Node {
	v := f.get(name)
	if v == nil && !f.misspelled[name] {
		d.errorf(f.node, f.path, "missing required field %q", name)
	}
	return v
}

// oneOf returns which of names is set, reporting when none or several are.
func (d *decoder) oneOf(f *fields, names ...string) string {
	var set []string
	for _, name := range names {
		if f.has(name) {
			set = append(set, name)
		}
	}
	switch len(set) {
	case 1:
		return set[0]
	case 0:
		for _, name := range names {
			if f.misspelled[name] {
				return ""
			}
		}
		d.errorf(f.node, f.path, "want one of %s", quoteList(names))
	default:
		d.errorf(f.keys[set[1]], f.path, "%s exclude each other; give only one", quoteList(set))
	}
	return ""
}

func (d *decoder) scalar(n *yaml.Node) (*yaml.Node, bool) {
	n = deref(n)
	return n, n != nil && n.Kind == yaml.ScalarNode
}

func (d *decoder) str(n *yaml.Node, path string) (string, bool) {
	s, ok := d.scalar(n)
	if !ok || s.ShortTag() != "!!str" {
		d.errorf(n, path, "want a string, got %s", describe(n))
		return "", false
	}
	return s.Value, true
}

// enum reads a string that must be one of allowed.
func (d *decoder) enum(n *yaml.Node, path string, allowed []string) (string, bool) {
	s, ok := d.str(n, path)
	if !ok {
		return "", false
	}
	if !contains(allowed, s) {
		d.errorf(n, path, "unknown value %q%s; valid: %s", s, suggest(s, allowed), strings.Join(allowed, ", "))
		return "", false
	}
	return s, true
}

func (d *decoder) integer(n *yaml.Node, path string, least int64) (int64, bool) {
	s, ok := d.scalar(n)
	var v int64
	if !ok || s.ShortTag() != "!!int" || s.Decode(&v) != nil {
		d.errorf(n, path, "want a whole number, got %s", describe(n))
		return 0, false
	}
	if v < least {
		d.errorf(n, path, "must be at least %d, got %d", least, v)
		return 0, false
	}
	return v, true
}

// count reads a non-negative int that fits comfortably in an int.
func (d *decoder) count(n *yaml.Node, path string, least int64) (int, bool) {
	v, ok := d.integer(n, path, least)
	if ok && v > math.MaxInt32 {
		d.errorf(n, path, "%d is too large (at most %d)", v, math.MaxInt32)
		return 0, false
	}
	return int(v), ok
}

func (d *decoder) float(n *yaml.Node, path string) (float64, bool) {
	s, ok := d.scalar(n)
	var v float64
	if !ok || (s.ShortTag() != "!!int" && s.ShortTag() != "!!float") || s.Decode(&v) != nil {
		d.errorf(n, path, "want a number, got %s", describe(n))
		return 0, false
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		d.errorf(n, path, "want a finite number, got %s", s.Value)
		return 0, false
	}
	return v, true
}

// probability reads a number in [0, 1].
func (d *decoder) probability(n *yaml.Node, path string) (float64, bool) {
	v, ok := d.float(n, path)
	if ok && (v < 0 || v > 1) {
		d.errorf(n, path, "a probability must be between 0 and 1, got %v", v)
		return 0, false
	}
	return v, ok
}

func (d *decoder) boolean(n *yaml.Node, path string) (bool, bool) {
	s, ok := d.scalar(n)
	var v bool
	if !ok || s.ShortTag() != "!!bool" || s.Decode(&v) != nil {
		d.errorf(n, path, "want true or false, got %s", describe(n))
		return false, false
	}
	return v, true
}

// duration reads a Go duration ("250ms", "1m30s", "200us"); a bare 0 is
// allowed. Negative durations only when signed.
func (d *decoder) duration(n *yaml.Node, path string, signed bool) (time.Duration, bool) {
	s, ok := d.scalar(n)
	if ok && s.ShortTag() == "!!int" && strings.Trim(s.Value, "+-0") == "" {
		return 0, true
	}
	if !ok || (s.ShortTag() != "!!str" && s.ShortTag() != "!!int" && s.ShortTag() != "!!float") {
		d.errorf(n, path, "want a duration like 250ms, got %s", describe(n))
		return 0, false
	}
	v, err := ParseDuration(s.Value)
	if err != nil {
		d.errorf(n, path, "%v", err)
		return 0, false
	}
	if v < 0 && !signed {
		d.errorf(n, path, "must not be negative, got %s", s.Value)
		return 0, false
	}
	return v, true
}

// positiveDuration reads a duration that must be above zero.
func (d *decoder) positiveDuration(n *yaml.Node, path string) (time.Duration, bool) {
	v, ok := d.duration(n, path, false)
	if ok && v == 0 {
		d.errorf(n, path, "must be above zero")
		return 0, false
	}
	return v, ok
}

func (d *decoder) rate(n *yaml.Node, path string) (Rate, bool) {
	s, ok := d.scalar(n)
	if !ok || s.ShortTag() != "!!str" {
		d.errorf(n, path, "want a rate like 2000/s or 1/10s, got %s", describe(n))
		return Rate{}, false
	}
	r, err := ParseRate(s.Value)
	if err != nil {
		d.errorf(n, path, "%v", err)
		return Rate{}, false
	}
	return r, true
}

// seq reads a list; nothing (null) is an empty list.
func (d *decoder) seq(n *yaml.Node, path string) ([]*yaml.Node, bool) {
	n = deref(n)
	if n == nil || n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return nil, true
	}
	if n.Kind != yaml.SequenceNode {
		d.errorf(n, path, "want a list, got %s", describe(n))
		return nil, false
	}
	return n.Content, true
}

func index(path string, i int) string { return fmt.Sprintf("%s[%d]", path, i) }

// lineOf is the line of the node an alias names, or of the alias itself.
func lineOf(n *yaml.Node) int {
	if target := deref(n); target != nil {
		return target.Line
	}
	if n != nil {
		return n.Line
	}
	return 0
}
