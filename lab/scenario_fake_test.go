package lab

import (
	"fmt"

	"gopkg.in/yaml.v3"

	"syslab/lab/engine"
)

// fakeCache stands in for the cache engine's lab glue: the lab must load
// scenarios for an engine it knows only through the registry.
type fakeCache struct{}

func (fakeCache) Name() string     { return "fakecache" }
func (fakeCache) Ops() []string    { return []string{"set", "get", "incr", "del"} }
func (fakeCache) Checks() []string { return []string{"converged"} }

type fakeCacheConfig struct {
	AppendOnly  bool   `yaml:"appendonly"`
	AppendFsync string `yaml:"appendfsync"`
	MaxMemory   int64  `yaml:"maxmemory"`
}

func (fakeCache) ValidateConfig(cfg *yaml.Node) error {
	var c fakeCacheConfig
	if err := DecodeStrict(cfg, &c); err != nil {
		return err
	}
	switch c.AppendFsync {
	case "", "always", "everysec", "no":
		return nil
	}
	for i := 0; i+1 < len(cfg.Content); i += 2 {
		if cfg.Content[i].Value == "appendfsync" {
			return NodeError(cfg.Content[i+1], "appendfsync", "argument must be 'always', 'everysec' or 'no', got %q", c.AppendFsync)
		}
	}
	return fmt.Errorf("appendfsync %q", c.AppendFsync)
}

type convergedParams struct {
	Within string `yaml:"within"`
}

func (fakeCache) ValidateCheck(name string, params *yaml.Node) error {
	if name != "converged" {
		return fmt.Errorf("no check %q", name)
	}
	var p convergedParams
	return DecodeStrict(params, &p)
}

func init() { Register(fakeCache{}) }

// Build is never reached by the loader's tests; a scenario for fakecache
// can be loaded but not run.
func (fakeCache) Build(engine.Spec) (*engine.Cluster, error) {
	return nil, fmt.Errorf("fakecache only exists to test the loader")
}
