// Package lint enforces the rule the whole lab stands on: core packages (the
// node contract, the simulator, the simulated load generators and every
// engine core) are deterministic, single-threaded state machines that touch
// the world only through node.Env. If a core read the wall clock or started a
// goroutine, the same seed would stop giving the same run, and a failure found
// by a sweep could no longer be replayed.
//
// Check loads packages with full type information and reports, as
// "file:line: what", every
//   - use of the wall clock or a real timer (time.Now, time.Sleep, time.After…);
//   - use of a package-level function of math/rand or math/rand/v2, which draw
//     from the process-wide source (constructors such as rand.New and
//     rand.NewPCG are allowed: they build a seeded source the caller owns);
//   - import of a package that reaches the operating system or exists for
//     shared-memory concurrency (os, net, syscall, crypto/rand, unsafe, sync…);
//   - go statement, select statement, channel type (but for a context.Context
//     Done method), send or receive, range
//     over a channel or call that returns a channel;
//   - import of one of our own adapter packages (a core must not lean on the
//     RESP server or the live runtime).
//
// Detection resolves identifiers through go/types, so renaming an import
// (import t "time"; t.Now()) or taking a function value (f := time.Now) does
// not hide a use.
//
// Known limits — holes a reviewer still has to watch:
//   - Ranging over a map is allowed, because most such loops are harmless
//     (summing, copying) and flagging them all would bury real findings. A
//     loop whose order reaches behaviour or output must sort its keys; only
//     review and the simulator's determinism check (same seed, same trace
//     hash) catch a mistake here.
//   - Only direct imports are checked. fmt itself imports os, so a core that
//     calls fmt.Println writes to stdout unnoticed, and a third-party module a
//     core imports may read the clock inside.
//   - Test files are not checked: tests legitimately read testdata with os.
//   - reflect, //go:linkname and assembly can get around any of this.
package lint

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/tools/go/packages"
)

// Violation is one use of something a core package must not touch.
type Violation struct {
	// Pos is where the use is; Filename is relative to the directory given
	// to Check when the file lies below it.
	Pos token.Position
	// What names the use and says what to do instead.
	What string
}

func (v Violation) String() string {
	return fmt.Sprintf("%s:%d: %s", v.Pos.Filename, v.Pos.Line, v.What)
}

// wallClockFuncs are the functions of package time that read the real clock
// or start a real timer. Pure arithmetic on time values (time.Unix,
// time.Duration, Time.Add…) stays allowed.
var wallClockFuncs = map[string]string{
	"Now":       "use env.Now()",
	"Since":     "subtract two env.Now() readings",
	"Until":     "subtract two env.Now() readings",
	"Sleep":     "a core never waits; set a timer with env.After()",
	"After":     "use env.After()",
	"Tick":      "use env.After() and re-arm it",
	"NewTimer":  "use env.After()",
	"NewTicker": "use env.After() and re-arm it",
	"AfterFunc": "use env.After()",
}

// forbiddenImports maps an import path to why a core may not import it.
// Paths below net/ and os/ are covered by forbiddenImportTrees.
var forbiddenImports = map[string]string{
	"os":                    "reaches the file system and the process; use env.Disk()",
	"net":                   "reaches the network; use env.Send()",
	"syscall":               "talks to the kernel directly",
	"golang.org/x/sys/unix": "talks to the kernel directly",
	"crypto/rand":           "reads operating-system entropy, which no seed replays; use env.Rand()",
	"unsafe":                "lets pointer addresses leak into behaviour",
	"sync":                  "locks and pools mean shared memory, and a core is single-threaded",
	"sync/atomic":           "atomics mean shared memory, and a core is single-threaded",
	"C":                     "cgo runs code the simulator cannot see",
}

var forbiddenImportTrees = map[string]string{
	"net/": "reaches the network; use env.Send()",
	"os/":  "reaches the operating system (processes, signals, users)",
}

func forbiddenImport(path string) (why string, ok bool) {
	if why, ok := forbiddenImports[path]; ok {
		return why, true
	}
	for prefix, why := range forbiddenImportTrees {
		if strings.HasPrefix(path, prefix) {
			return why, true
		}
	}
	return "", false
}

// Check loads the packages matching patterns, resolved in dir, and reports
// every violation in their non-test files, sorted by file and line. Every
// loaded package is treated as core: choose which ones with CorePackages.
// A package that fails to load or type-check is an error, never a pass.
func Check(dir string, patterns ...string) ([]Violation, error) {
	if len(patterns) == 0 {
		return nil, fmt.Errorf("lint: no packages to check")
	}
	cfg := &packages.Config{
		Mode: packages.NeedName | packages.NeedFiles | packages.NeedSyntax |
			packages.NeedTypes | packages.NeedTypesInfo | packages.NeedModule,
		Dir: dir,
	}
	pkgs, err := packages.Load(cfg, patterns...)
	if err != nil {
		return nil, fmt.Errorf("lint: loading %s: %w", strings.Join(patterns, " "), err)
	}
	if len(pkgs) == 0 {
		return nil, fmt.Errorf("lint: no packages match %s in %s", strings.Join(patterns, " "), dir)
	}
	var loadErrors []string
	for _, pkg := range pkgs {
		for _, e := range pkg.Errors {
			loadErrors = append(loadErrors, fmt.Sprintf("%s: %v", pkg.PkgPath, e))
		}
	}
	if len(loadErrors) > 0 {
		return nil, fmt.Errorf("lint: packages failed to load:\n\t%s", strings.Join(loadErrors, "\n\t"))
	}

	absDir, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("lint: %w", err)
	}
	c := &checker{dir: absDir, seen: map[string]bool{}}
	for _, pkg := range pkgs {
		c.checkPackage(pkg)
	}
	sort.Slice(c.found, func(i, j int) bool {
		a, b := c.found[i].Pos, c.found[j].Pos
		if a.Filename != b.Filename {
			return a.Filename < b.Filename
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Column != b.Column {
			return a.Column < b.Column
		}
		return c.found[i].What < c.found[j].What
	})
	return c.found, nil
}

type checker struct {
	dir   string
	fset  *token.FileSet
	found []Violation
	// seen drops a report repeated at the same place, such as the two
	// ChanType nodes of `chan chan int`.
	seen map[string]bool
}

func (c *checker) report(pos token.Pos, format string, args ...any) {
	p := c.fset.Position(pos)
	if rel, err := filepath.Rel(c.dir, p.Filename); err == nil && !strings.HasPrefix(rel, "..") {
		p.Filename = rel
	}
	v := Violation{Pos: p, What: fmt.Sprintf(format, args...)}
	key := v.String()
	if c.seen[key] {
		return
	}
	c.seen[key] = true
	c.found = append(c.found, v)
}

func (c *checker) checkPackage(pkg *packages.Package) {
	c.fset = pkg.Fset
	modulePath := ""
	if pkg.Module != nil {
		modulePath = pkg.Module.Path
	}
	for _, file := range pkg.Syntax {
		c.checkImports(file, modulePath)
		c.checkStatements(file, pkg.TypesInfo)
	}
	c.checkUses(pkg.TypesInfo)
}

func (c *checker) checkImports(file *ast.File, modulePath string) {
	for _, spec := range file.Imports {
		path, err := strconv.Unquote(spec.Path.Value)
		if err != nil {
			continue // the type checker already rejected the file
		}
		if why, ok := forbiddenImport(path); ok {
			c.report(spec.Pos(), "imports %q: %s", path, why)
			continue
		}
		if modulePath == "" || !strings.HasPrefix(path, modulePath+"/") {
			continue
		}
		rel := strings.TrimPrefix(path, modulePath+"/")
		if e, ok := matchAdapter(rel); ok {
			c.report(spec.Pos(), "imports adapter package %q (%s): cores reach the world only through node.Env", path, e.why)
		}
	}
}

func (c *checker) checkStatements(file *ast.File, info *types.Info) {
	contextDone := contextDoneResults(file)
	ast.Inspect(file, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.GoStmt:
			c.report(n.Pos(), "go statement: a core is single-threaded; schedule work with env.After()")
		case *ast.SelectStmt:
			c.report(n.Pos(), "select statement: picks a ready case at random")
		case *ast.SendStmt:
			c.report(n.Pos(), "channel send: a core talks to other nodes with env.Send()")
		case *ast.UnaryExpr:
			if n.Op == token.ARROW {
				c.report(n.Pos(), "channel receive: a core never blocks; results arrive as messages")
			}
		case *ast.ChanType:
			if !contextDone[n] {
				c.report(n.Pos(), "channel type: a core is single-threaded and needs no channels")
			}
		case *ast.RangeStmt:
			if isChan(info.TypeOf(n.X)) {
				c.report(n.Pos(), "range over a channel: a core never blocks")
			}
		case *ast.CallExpr:
			// make(chan T) is already reported as a channel type.
			if fun, ok := info.Types[n.Fun]; ok && fun.IsBuiltin() {
				break
			}
			if tv, ok := info.Types[n]; ok && tv.IsValue() && isChan(tv.Type) {
				c.report(n.Pos(), "call returns a channel (%s): a core never blocks", tv.Type)
			}
		}
		return true
	})
}

func isChan(t types.Type) bool {
	if t == nil {
		return false
	}
	_, ok := t.Underlying().(*types.Chan)
	return ok
}

// checkUses resolves every identifier, so renamed imports and function
// values are caught as surely as direct calls.
func (c *checker) checkUses(info *types.Info) {
	for ident, obj := range info.Uses {
		fn, ok := obj.(*types.Func)
		if !ok || fn.Pkg() == nil {
			continue
		}
		if sig, ok := fn.Type().(*types.Signature); !ok || sig.Recv() != nil {
			continue // methods act on a value the caller owns
		}
		switch fn.Pkg().Path() {
		case "time":
			if instead, ok := wallClockFuncs[fn.Name()]; ok {
				c.report(ident.Pos(), "time.%s uses the wall clock: %s", fn.Name(), instead)
			}
		case "math/rand", "math/rand/v2":
			if !strings.HasPrefix(fn.Name(), "New") {
				c.report(ident.Pos(), "rand.%s draws from the global random source: use env.Rand() or a *rand.Rand passed in", fn.Name())
			}
		}
	}
}

// contextDoneResults finds the result types of the file's methods
// Done() <-chan struct{}: the one channel type a core may spell, so that it
// can implement context.Context for a library that polls its context (the
// Lua VM counts its steps that way, engines/cache/scriptlua.go). Such a
// method can only hand back a channel it got from elsewhere or nil; making,
// sending on, receiving from or selecting on a channel is still reported.
func contextDoneResults(file *ast.File) map[*ast.ChanType]bool {
	allowed := make(map[*ast.ChanType]bool)
	for _, decl := range file.Decls {
		fn, ok := decl.(*ast.FuncDecl)
		if !ok || fn.Recv == nil || fn.Name.Name != "Done" || fn.Type.Params.NumFields() != 0 || fn.Type.Results.NumFields() != 1 {
			continue
		}
		ct, ok := fn.Type.Results.List[0].Type.(*ast.ChanType)
		if !ok || ct.Dir != ast.RECV {
			continue
		}
		if st, ok := ct.Value.(*ast.StructType); ok && st.Fields.NumFields() == 0 {
			allowed[ct] = true
		}
	}
	return allowed
}
