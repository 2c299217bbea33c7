package lint

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// TestRepositoryIsPure is the lint itself: every core package of syslab must
// load, type-check and pass.
func TestRepositoryIsPure(t *testing.T) {
	root := moduleRoot(t)
	core, err := CorePackages(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(core) == 0 {
		t.Fatalf("no core packages found under %s; expected at least syslab/node", root)
	}
	violations, err := Check(root, core...)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range violations {
		t.Errorf("%s", v)
	}
	t.Logf("checked %d core packages: %s", len(core), strings.Join(core, " "))
}

// TestFixtureViolations proves the lint can fail: the fixture package breaks
// every rule on lines marked `// want "…"`, and each marked line must be
// reported with that text while nothing else is (clean.go holds allowed
// look-alikes, and the test file may break rules freely).
func TestFixtureViolations(t *testing.T) {
	dir := filepath.Join("testdata", "purefixture")
	got, err := Check(dir, "./engines/kv")
	if err != nil {
		t.Fatal(err)
	}
	wants := readWants(t, filepath.Join(dir, "engines", "kv"))
	if len(wants) < 15 {
		t.Fatalf("fixture has only %d want markers; did the markers stop parsing?", len(wants))
	}

	matched := make([]bool, len(got))
	for _, w := range wants {
		found := false
		for i, v := range got {
			if v.Pos.Filename == w.file && v.Pos.Line == w.line && strings.Contains(v.What, w.text) {
				matched[i], found = true, true
			}
		}
		if !found {
			t.Errorf("%s:%d: want a violation containing %q, got none", w.file, w.line, w.text)
		}
	}
	for i, v := range got {
		if !matched[i] {
			t.Errorf("unexpected violation %s", v)
		}
	}
}

func TestFixtureWithoutPackagesIsAnError(t *testing.T) {
	dir := filepath.Join("testdata", "purefixture")
	for _, patterns := range [][]string{nil, {"fixture/engines/missing"}} {
		if _, err := Check(dir, patterns...); err == nil {
			t.Errorf("Check(%q) = nil error, want one: nothing checked must not pass", patterns)
		}
	}
}

func TestBrokenPackageIsAnError(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "go.mod"), "module broken\n\ngo 1.26\n")
	write(t, filepath.Join(dir, "node", "node.go"), "package node\n\nfunc f() int { return \"not an int\" }\n")
	_, err := Check(dir, "./node")
	if err == nil || !strings.Contains(err.Error(), "failed to load") {
		t.Fatalf("Check on a package with a type error = %v, want a load error", err)
	}
}

func TestIsCore(t *testing.T) {
	tests := []struct {
		rel  string
		core bool
	}{
		{"node", true},
		{"sim", true},
		{"sim/netmodel", true},
		{"engines/cache", true},
		{"engines/cache/persist", true},
		{"engines/cache/resp", true},
		{"engines/cache/server", false},
		{"engines/iam/store", true},
		{"engines/iam/store/postgres", false},
		{"engines/flags/store/sqlite", false},
		{"loadgen", true},
		{"loadgen/ycsb", true},
		{"loadgen/live", false},
		{"loadgen/liveproxy", false},
		{"live", false},
		{"live/tcp", false},
		{"cmd/syslab", false},
		{"lab", false},
		{"lab/engine", true},
		{"reports", false},
		{"check", false},
		{"lint", false},
		{"simulator", false},
		{"engineswrong", false},
	}
	for _, tt := range tests {
		if got := IsCore(tt.rel); got != tt.core {
			t.Errorf("IsCore(%q) = %v, want %v", tt.rel, got, tt.core)
		}
	}
}

func TestForbiddenImport(t *testing.T) {
	tests := []struct {
		path      string
		forbidden bool
	}{
		{"os", true},
		{"os/exec", true},
		{"os/signal", true},
		{"net", true},
		{"net/http", true},
		{"net/netip", true},
		{"syscall", true},
		{"crypto/rand", true},
		{"unsafe", true},
		{"sync", true},
		{"sync/atomic", true},
		{"time", false},
		{"math/rand/v2", false},
		{"crypto/sha256", false},
		{"network/thing", false},
		{"osx", false},
		{"syncx", false},
	}
	for _, tt := range tests {
		if _, got := forbiddenImport(tt.path); got != tt.forbidden {
			t.Errorf("forbiddenImport(%q) = %v, want %v", tt.path, got, tt.forbidden)
		}
	}
}

type want struct {
	file string // relative to the fixture module, as Check reports it
	line int
	text string
}

// readWants collects the `// want "a" "b"` markers of the .go files (not
// tests) in dir.
func readWants(t *testing.T, dir string) []want {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	var wants []want
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		rel, err := filepath.Rel(filepath.Join("testdata", "purefixture"), path)
		if err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		scanner := bufio.NewScanner(f)
		for line := 1; scanner.Scan(); line++ {
			_, marker, ok := strings.Cut(scanner.Text(), "// want ")
			if !ok {
				continue
			}
			texts, err := parseQuoted(marker)
			if err != nil {
				t.Fatalf("%s:%d: bad want marker: %v", rel, line, err)
			}
			for _, text := range texts {
				wants = append(wants, want{file: rel, line: line, text: text})
			}
		}
		f.Close()
		if err := scanner.Err(); err != nil {
			t.Fatal(err)
		}
	}
	return wants
}

func parseQuoted(s string) ([]string, error) {
	var out []string
	for s = strings.TrimSpace(s); s != ""; s = strings.TrimSpace(s) {
		quoted, err := strconv.QuotedPrefix(s)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", s, err)
		}
		text, err := strconv.Unquote(quoted)
		if err != nil {
			return nil, err
		}
		out = append(out, text)
		s = s[len(quoted):]
	}
	return out, nil
}

func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the lint package")
		}
		dir = parent
	}
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
