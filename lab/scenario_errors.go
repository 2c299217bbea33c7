package lab

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"syslab/lab/engine"
)

// Error is one problem in a scenario file; engines build them too, so the
// type lives in package engine.
type Error = engine.Error

// ErrorList is every problem found in one scenario file, in line order.
type ErrorList = engine.ErrorList

// errorsReportedMax bounds how many problems one load reports: past a
// few dozen, the file is likely not a scenario at all.
const errorsReportedMax = 25

// NodeError reports a problem at n; see engine.NodeError.
func NodeError(n *yaml.Node, path string, format string, args ...any) error {
	return engine.NodeError(n, path, format, args...)
}

// rebase turns an error returned by engine code about the subtree at
// base (path basePath) into located errors of this file.
func rebase(err error, file string, base *yaml.Node, basePath string) []*Error {
	var list ErrorList
	if errors.As(err, &list) {
		var out []*Error
		for _, e := range list {
			out = append(out, rebase(e, file, base, basePath)...)
		}
		return out
	}
	var located *Error
	if errors.As(err, &located) {
		e := *located
		e.File = file
		if e.Line == 0 {
			e.Line = base.Line
		}
		e.Path = joinPath(basePath, e.Path)
		return []*Error{&e}
	}
	return []*Error{{File: file, Line: base.Line, Path: basePath, Msg: err.Error()}}
}

func joinPath(base, rel string) string {
	switch {
	case base == "":
		return rel
	case rel == "":
		return base
	case strings.HasPrefix(rel, "["):
		return base + rel
	}
	return base + "." + rel
}

// sortErrors orders errors by line, keeping discovery order within a line.
func sortErrors(errs []*Error) {
	sort.SliceStable(errs, func(i, j int) bool { return errs[i].Line < errs[j].Line })
}

// suggestionDistanceMax is how far (in edits) a misspelling may be from a
// known word for "did you mean" to offer it.
const suggestionDistanceMax = 2

// suggest returns ` (did you mean "x"?)` for the candidate closest to
// word, or "" when none is close.
func suggest(word string, candidates []string) string {
	best := closest(word, candidates)
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// closest returns the candidate within suggestionDistanceMax edits of
// word (ignoring case), or "". Ties go to the earlier candidate.
func closest(word string, candidates []string) string {
	best, bestDistance := "", suggestionDistanceMax+1
	lower := strings.ToLower(word)
	for _, c := range candidates {
		d := editDistance(lower, strings.ToLower(c))
		if d < bestDistance {
			best, bestDistance = c, d
		}
	}
	// A one-letter word is within two edits of every short word; only
	// suggest when fewer than half of the letters changed.
	if best == word || 2*bestDistance > len([]rune(word)) {
		return ""
	}
	return best
}

// editDistance is the optimal-string-alignment distance: insertions,
// deletions, substitutions and swaps of adjacent letters each cost one.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	// Three rolling rows: the swap rule looks two rows back.
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}

// quoteList renders names as `"a", "b", "c"` for messages.
func quoteList(names []string) string {
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(quoted, ", ")
}
