package lint

import (
	"fmt"
	"sort"
	"strings"

	"golang.org/x/tools/go/packages"
)

// coreTrees are the folders, relative to the module root, whose packages
// must be pure. node is the contract itself; sim is the world, which must be
// as deterministic as the nodes it runs; loadgen's simulated clients run
// inside that world; engines/ holds every engine core and its lab glue;
// lab/engine is the leaf contract that glue implements, as pure as node.
var coreTrees = []string{"node", "sim", "loadgen", "engines", "lab/engine"}

// adapters are the packages allowed to do real I/O, each with the reason it
// is exempt. A core importing one of them is itself a violation.
//
// Patterns are relative to the module root: "x/..." is x and everything below
// it, "x..." is every path starting with x, "*/name" is any package named
// name, and "*/name/*" is anything below a folder called name.
var adapters = []adapter{
	{"*/server", "protocol servers (RESP, HTTP) own sockets, goroutines and the wall clock"},
	{"*/store/*", "store adapters talk to real databases; the store interface above them stays core"},
	{"live/...", "the real runtime: goroutines, TCP, files and the wall clock"},
	{"cmd/...", "programs: flags, signals, stdout"},
	{"lab", "the runner builds sim or live worlds, runs checks and writes results"},
	{"reports/...", "renders results into files"},
	{"loadgen/live...", "real load generators pace with the wall clock and dial sockets"},
}

type adapter struct {
	pattern string
	why     string
}

func (a adapter) matches(rel string) bool {
	p := a.pattern
	switch {
	case strings.HasPrefix(p, "*/") && strings.HasSuffix(p, "/*"):
		folder := strings.TrimSuffix(strings.TrimPrefix(p, "*/"), "/*")
		return strings.HasPrefix(rel, folder+"/") || strings.Contains(rel, "/"+folder+"/")
	case strings.HasPrefix(p, "*/"):
		name := strings.TrimPrefix(p, "*/")
		return rel == name || strings.HasSuffix(rel, "/"+name)
	case strings.HasSuffix(p, "/..."):
		root := strings.TrimSuffix(p, "/...")
		return rel == root || strings.HasPrefix(rel, root+"/")
	case strings.HasSuffix(p, "..."):
		return strings.HasPrefix(rel, strings.TrimSuffix(p, "..."))
	default:
		return rel == p
	}
}

func matchAdapter(rel string) (adapter, bool) {
	for _, a := range adapters {
		if a.matches(rel) {
			return a, true
		}
	}
	return adapter{}, false
}

// IsCore reports whether the package at rel, a path relative to the module
// root such as "engines/cache/persist", must be pure.
func IsCore(rel string) bool {
	if _, ok := matchAdapter(rel); ok {
		return false
	}
	for _, tree := range coreTrees {
		if rel == tree || strings.HasPrefix(rel, tree+"/") {
			return true
		}
	}
	return false
}

// CorePackages lists the import paths of the core packages of the module
// rooted at dir, sorted.
func CorePackages(dir string) ([]string, error) {
	cfg := &packages.Config{Mode: packages.NeedName | packages.NeedModule, Dir: dir}
	pkgs, err := packages.Load(cfg, "./...")
	if err != nil {
		return nil, fmt.Errorf("lint: listing packages in %s: %w", dir, err)
	}
	var core []string
	for _, pkg := range pkgs {
		if pkg.Module == nil {
			return nil, fmt.Errorf("lint: package %s is outside any module", pkg.PkgPath)
		}
		rel := strings.TrimPrefix(pkg.PkgPath, pkg.Module.Path+"/")
		if rel != pkg.PkgPath && IsCore(rel) {
			core = append(core, pkg.PkgPath)
		}
	}
	sort.Strings(core)
	return core, nil
}
