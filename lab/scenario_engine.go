package lab

import (
	"fmt"
	"sort"
	"sync"

	"gopkg.in/yaml.v3"

	"syslab/lab/engine"
)

// Engine is what the lab needs of an engine: see package engine. The lab
// knows no engine by name: each engine's lab glue is registered by the
// command that builds it in.
type Engine = engine.Engine

// CheckValidator is implemented by engines whose checks take parameters;
// without it an engine check's parameters are passed through unchecked.
type CheckValidator interface {
	// ValidateCheck reports what is wrong with the parameters of the
	// engine check name; params is the value written after the name.
	ValidateCheck(name string, params *yaml.Node) error
}

var registry = struct {
	sync.RWMutex
	engines map[string]Engine
}{engines: map[string]Engine{}}

// Register makes e available to scenarios. It panics on an empty or
// duplicate name, or on an engine check that shadows a built-in check:
// these are programming errors in the engine's glue.
func Register(e Engine) {
	name := e.Name()
	if name == "" {
		panic("lab: Register: engine with empty name")
	}
	for _, c := range e.Checks() {
		if isBuiltinCheck(CheckKind(c)) {
			panic(fmt.Sprintf("lab: Register(%s): engine check %q shadows the built-in check", name, c))
		}
	}
	registry.Lock()
	defer registry.Unlock()
	if _, dup := registry.engines[name]; dup {
		panic(fmt.Sprintf("lab: Register: engine %q registered twice", name))
	}
	registry.engines[name] = e
}

// Lookup returns the engine registered under name.
func Lookup(name string) (Engine, bool) {
	registry.RLock()
	defer registry.RUnlock()
	e, ok := registry.engines[name]
	return e, ok
}

// Engines lists the registered engine names, sorted.
func Engines() []string {
	registry.RLock()
	defer registry.RUnlock()
	names := make([]string, 0, len(registry.engines))
	for name := range registry.engines {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}
