package cachelab

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"syslab/check"
	"syslab/engines/cache"
	"syslab/lab/engine"
	"syslab/node"
)

func TestParseMemory(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int64
		err  bool
	}{
		{"0", 0, false},
		{"5000", 5000, false},
		{"100b", 100, false},
		{"1k", 1000, false},
		{"1kb", 1024, false},
		{"100mb", 100 << 20, false},
		{"100MB", 100 << 20, false},
		{"2m", 2_000_000, false},
		{"1gb", 1 << 30, false},
		{"3G", 3_000_000_000, false},
		{"", 0, true},
		{"mb", 0, true},
		{"-1", 0, true},
		{"1.5gb", 0, true},
		{"10tb", 0, true},
		{"99999999999gb", 0, true},
	} {
		got, err := parseMemory(c.in)
		if (err != nil) != c.err || got != c.want {
			t.Errorf("parseMemory(%q) = %d, %v; want %d, error %v", c.in, got, err, c.want, c.err)
		}
	}
}

func yamlNode(t *testing.T, src string) *yaml.Node {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Content[0]
}

func TestConfigMaxMemory(t *testing.T) {
	cfg, err := decodeConfig(yamlNode(t, "{maxmemory: 256kb, maxmemory-policy: allkeys-lfu, maxmemory-samples: 10}"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.MaxMemoryBytes != 256*1024 || cfg.MaxMemoryPolicy != "allkeys-lfu" || cfg.MaxMemorySamples != 10 {
		t.Fatalf("decoded %+v", cfg)
	}
	for src, want := range map[string]string{
		"{maxmemory: lots}":              `config.maxmemory: "lots"`,
		"{maxmemory-policy: lru}":        `maxmemory-policy "lru"`,
		"{maxmemory-samples: 100}":       "maxmemory-samples 100",
		"{maxmemory-policy: allkeys-lr}": "must be one of",
	} {
		if _, err := decodeConfig(yamlNode(t, src)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want it to say %q", src, err, want)
		}
	}
}

func TestConfigNotifyKeyspaceEvents(t *testing.T) {
	cfg, err := decodeConfig(yamlNode(t, "{notify-keyspace-events: KEA}"))
	if err != nil || cfg.NotifyKeyspaceEvents != "KEA" {
		t.Fatalf("decoded %q, %v", cfg.NotifyKeyspaceEvents, err)
	}
	if got := configReport(cfg)["notify-keyspace-events"]; got != "KEA" {
		t.Fatalf("reported %v", got)
	}
	if _, set := configReport(cache.Config{})["notify-keyspace-events"]; set {
		t.Fatal("reported without being set")
	}
	_, err = decodeConfig(yamlNode(t, "{notify-keyspace-events: KEQ}"))
	if err == nil || !strings.Contains(err.Error(), `notify-keyspace-events "KEQ"`) {
		t.Fatalf("KEQ: error %v", err)
	}
}

func TestHitRateCheck(t *testing.T) {
	e := New()
	for src, want := range map[string]string{
		"{min: 0.5}":           "",
		"{}":                   "want min",
		"{min: 2}":             "between 0 and 1",
		"{min: 0.5, max: 0.9}": `unknown field "max"`,
		"0.5":                  "want a mapping",
	} {
		err := e.ValidateCheck("hit_rate", yamlNode(t, src))
		if (want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), want)) {
			t.Errorf("hit_rate %s: %v, want %q", src, err, want)
		}
	}
	h := &check.History{Ops: []check.Op{
		{Kind: "get", Status: check.StatusOK, Output: "v"},
		{Kind: "get", Status: check.StatusOK, Nil: true},
		{Kind: "read_through", Status: check.StatusOK, Output: "v"},
		{Kind: "read_through", Status: check.StatusOK, Output: "v"},
		{Kind: "get", Status: check.StatusInfo}, // timed out: not counted
		{Kind: "set", Status: check.StatusOK},
	}}
	res := e.Check("hit_rate", yamlNode(t, "{min: 0.8}"), h)
	if res.Verdict != "fail" || res.Measured["hit_rate"] != 0.75 || res.Measured["reads"] != 4 {
		t.Fatalf("hit rate of 3 hits in 4 reads against 0.8: %+v", res)
	}
	if res := e.Check("hit_rate", yamlNode(t, "{min: 0.75}"), h); res.Verdict != "pass" {
		t.Fatalf("3 of 4 against 0.75: %+v", res)
	}
	if res := e.Check("hit_rate", yamlNode(t, "{min: 0.75}"), &check.History{}); res.Verdict != "unknown" {
		t.Fatalf("no reads: %+v", res)
	}
}

func TestReplicaRoles(t *testing.T) {
	nodes := []node.ID{"cache-1", "cache-2", "cache-3"}
	for _, tc := range []struct {
		roles   map[node.ID]string
		masters []node.ID // the nodes clients are sent to
		err     string
	}{
		{roles: nil, masters: nodes},
		{roles: map[node.ID]string{"cache-2": "replica-of:cache-1", "cache-3": "replica-of:cache-1"}, masters: []node.ID{"cache-1"}},
		{roles: map[node.ID]string{"cache-2": "primary"}, err: `unknown role "primary"`},
		{roles: map[node.ID]string{"cache-2": "replica-of:cache-9"}, err: "names no node"},
		{roles: map[node.ID]string{"cache-2": "replica-of:cache-2"}, err: "cannot replicate itself"},
		{roles: map[node.ID]string{"cache-2": "replica-of:cache-1", "cache-3": "replica-of:cache-2"}, err: "chained replication"},
	} {
		cl, err := New().Build(engine.Spec{Nodes: nodes, Roles: tc.roles})
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("roles %v: err %v, want one containing %q", tc.roles, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("roles %v: %v", tc.roles, err)
		}
		if got := cl.NewClient(nil).(*client).servers; !slices.Equal(got, tc.masters) {
			t.Errorf("roles %v: clients go to %v, want %v", tc.roles, got, tc.masters)
		}
	}
}

// config.client.write_ttl puts a TTL on what set and read_through write,
// so the volatile-* policies have keys to evict.
func TestWriteTTL(t *testing.T) {
	s, err := decodeSettings(yamlNode(t, "{client: {write_ttl: 90s}}"))
	if err != nil || s.client.WriteTTL != 90*time.Second {
		t.Fatalf("decoded %+v, %v", s.client, err)
	}
	for src, want := range map[string]string{
		"{client: {write_ttl: 1500us}}": "whole milliseconds",
		"{client: {write_ttl: 0s}}":     "config.client.write_ttl",
	} {
		if _, err := decodeSettings(yamlNode(t, src)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want it to say %q", src, err, want)
		}
	}
	c := newClient([]node.ID{"cache-1"}, "", s.client, rand.New(rand.NewPCG(1, 2)))
	for kind, want := range map[string]string{
		"set":          "SET k v PX 90000",
		"read_through": "SET k v PX 90000 GET",
		"get":          "GET k",
	} {
		_, msg := c.Request(1, engine.Op{Kind: kind, Key: "k", Value: "v"})
		var words []string
		for _, a := range msg.(cache.Command).Args {
			words = append(words, string(a))
		}
		if got := strings.Join(words, " "); got != want {
			t.Errorf("%s sends %q, want %q", kind, got, want)
		}
	}
}
