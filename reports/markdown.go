package reports

import (
	"encoding/json"
	"strings"
)

// mdCell makes s safe inside a Markdown table cell: a '|' would end the
// cell and a newline the row.
func mdCell(s string) string {
	s = strings.ReplaceAll(s, `\`, `\\`)
	s = strings.ReplaceAll(s, "|", `\|`)
	s = strings.ReplaceAll(s, "\r\n", " ")
	s = strings.ReplaceAll(s, "\n", " ")
	if s == "" {
		return " "
	}
	return s
}

// mdTable writes a Markdown table; every cell is escaped here.
func mdTable(b *strings.Builder, header []string, rows [][]string) {
	writeRow := func(cells []string) {
		b.WriteString("|")
		for _, c := range cells {
			b.WriteString(" " + mdCell(c) + " |")
		}
		b.WriteString("\n")
	}
	writeRow(header)
	b.WriteString("|")
	for range header {
		b.WriteString("---|")
	}
	b.WriteString("\n")
	for _, r := range rows {
		if len(r) != len(header) {
			panic("mdTable: row width differs from header")
		}
		writeRow(r)
	}
}

// configValue shows one configuration value: strings bare, everything else
// as compact JSON (which sorts nested map keys).
func configValue(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "(unprintable: " + err.Error() + ")"
	}
	return string(b)
}

// measuredText lists a check's numbers as "name=value", sorted by name.
func measuredText(m map[string]float64) string {
	parts := make([]string, 0, len(m))
	for _, k := range sortedKeys(m) {
		parts = append(parts, k+"="+number(m[k]))
	}
	return strings.Join(parts, ", ")
}

// codeFence picks a fence longer than any backtick run in s, so a command
// containing backticks cannot end the block early.
func codeFence(s string) string {
	longest, run := 0, 0
	for _, r := range s {
		if r == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return strings.Repeat("`", max(3, longest+1))
}
