package engine

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// Error is one problem in a scenario file, located by line and by the path
// of the field in the document ("faults[2].partition").
type Error struct {
	File string
	Line int
	Path string
	Msg  string
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteByte(':')
	}
	fmt.Fprintf(&b, "%d: ", e.Line)
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// ErrorList is every problem found in one scenario file, in line order.
type ErrorList []*Error

func (l ErrorList) Error() string {
	lines := make([]string, len(l))
	for i, e := range l {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// NodeError reports a problem at n; path is the field path below the
// node the caller was given (an engine validating `config:` writes paths
// relative to it, and the loader prefixes "config").
func NodeError(n *yaml.Node, path string, format string, args ...any) error {
	line := 0
	if n != nil {
		line = n.Line
	}
	return &Error{Line: line, Path: path, Msg: fmt.Sprintf(format, args...)}
}
