package promexport

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// A series name is what node.Metrics receives: a metric family name,
// optionally followed by a label set in the text exposition syntax,
//
//	cache_commands_total
//	cache_commands_total{cmd="get"}
//	live_messages_dropped_total{reason="inbox_full",peer="cache-2"}
//
// Label values are double-quoted and may escape \\, \" and \n as in the
// exposition format. A trailing comma inside the braces is allowed, as
// Prometheus allows it. Label order does not matter: the parsed labels are
// sorted by name, so {a="1",b="2"} and {b="2",a="1"} are one series.

// label is one name="value" pair of a series.
type label struct {
	name, value string
}

// parsedName is a series name split into its family and labels.
type parsedName struct {
	family string
	labels []label // sorted by name, names unique
}

// labelNames lists the label names in sorted order.
func (p parsedName) labelNames() []string {
	names := make([]string, len(p.labels))
	for i, l := range p.labels {
		names[i] = l.name
	}
	return names
}

// String formats the name back into the exposition syntax, labels sorted.
func (p parsedName) String() string {
	if len(p.labels) == 0 {
		return p.family
	}
	var b strings.Builder
	b.WriteString(p.family)
	b.WriteByte('{')
	for i, l := range p.labels {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(l.name)
		b.WriteString(`="`)
		b.WriteString(escapeLabelValue(l.value))
		b.WriteByte('"')
	}
	b.WriteByte('}')
	return b.String()
}

func escapeLabelValue(v string) string {
	if !strings.ContainsAny(v, "\\\"\n") {
		return v
	}
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	return r.Replace(v)
}

// parseName parses a series name. Errors say what is wrong and where.
func parseName(s string) (parsedName, error) {
	end := strings.IndexByte(s, '{')
	family := s
	if end >= 0 {
		family = s[:end]
	}
	if !validMetricName(family) {
		return parsedName{}, fmt.Errorf("metric %q: invalid family name %q (want [a-zA-Z_:][a-zA-Z0-9_:]*)", s, family)
	}
	p := parsedName{family: family}
	if end < 0 {
		return p, nil
	}
	rest := s[end+1:]
	for {
		if strings.HasPrefix(rest, "}") {
			rest = rest[1:]
			break
		}
		i := strings.IndexByte(rest, '=')
		if i < 0 {
			return parsedName{}, fmt.Errorf("metric %q: label set: want name=\"value\" at %q", s, rest)
		}
		name := rest[:i]
		if !validLabelName(name) {
			return parsedName{}, fmt.Errorf("metric %q: invalid label name %q (want [a-zA-Z_][a-zA-Z0-9_]*, not starting with __)", s, name)
		}
		rest = rest[i+1:]
		if !strings.HasPrefix(rest, `"`) {
			return parsedName{}, fmt.Errorf("metric %q: label %s: value must be double-quoted", s, name)
		}
		value, n, err := unquoteLabelValue(rest[1:])
		if err != nil {
			return parsedName{}, fmt.Errorf("metric %q: label %s: %v", s, name, err)
		}
		if !utf8.ValidString(value) {
			return parsedName{}, fmt.Errorf("metric %q: label %s: value is not valid UTF-8", s, name)
		}
		p.labels = append(p.labels, label{name: name, value: value})
		rest = rest[1+n:]
		switch {
		case strings.HasPrefix(rest, ","):
			rest = rest[1:]
		case strings.HasPrefix(rest, "}"):
		default:
			return parsedName{}, fmt.Errorf("metric %q: label set: want ',' or '}' after label %s", s, name)
		}
	}
	if rest != "" {
		return parsedName{}, fmt.Errorf("metric %q: unexpected %q after the label set", s, rest)
	}
	sort.Slice(p.labels, func(i, j int) bool { return p.labels[i].name < p.labels[j].name })
	for i := 1; i < len(p.labels); i++ {
		if p.labels[i].name == p.labels[i-1].name {
			return parsedName{}, fmt.Errorf("metric %q: label %s given twice", s, p.labels[i].name)
		}
	}
	return p, nil
}

// unquoteLabelValue reads a label value up to its closing quote; it returns
// the value and how many bytes it consumed, the closing quote included.
func unquoteLabelValue(s string) (string, int, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"':
			return b.String(), i + 1, nil
		case '\\':
			if i+1 == len(s) {
				return "", 0, fmt.Errorf("unterminated escape")
			}
			i++
			switch s[i] {
			case '\\':
				b.WriteByte('\\')
			case '"':
				b.WriteByte('"')
			case 'n':
				b.WriteByte('\n')
			default:
				return "", 0, fmt.Errorf("unknown escape \\%c", s[i])
			}
		default:
			b.WriteByte(c)
		}
	}
	return "", 0, fmt.Errorf("unterminated value %s", strconv.Quote(s))
}

func validMetricName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := c == '_' || c == ':' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (i > 0 && c >= '0' && c <= '9')
		if !ok {
			return false
		}
	}
	return true
}

func validLabelName(s string) bool {
	if s == "" || strings.HasPrefix(s, "__") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (i > 0 && c >= '0' && c <= '9')
		if !ok {
			return false
		}
	}
	return true
}
