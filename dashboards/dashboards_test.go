package dashboards

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/redis/go-redis/v9"

	"syslab/engines/cache"
	"syslab/engines/cache/server"
	"syslab/live/promexport"
	"syslab/loadgen"
	"syslab/loadgen/live"
)

// dashboard is the part of Grafana's dashboard model the test checks.
type dashboard struct {
	UID           string  `json:"uid"`
	Title         string  `json:"title"`
	SchemaVersion int     `json:"schemaVersion"`
	Panels        []panel `json:"panels"`
	Templating    struct {
		List []struct {
			Name  string          `json:"name"`
			Type  string          `json:"type"`
			Query json.RawMessage `json:"query"`
		} `json:"list"`
	} `json:"templating"`
}

type panel struct {
	ID         int    `json:"id"`
	Type       string `json:"type"`
	Title      string `json:"title"`
	Datasource struct {
		Type string `json:"type"`
	} `json:"datasource"`
	GridPos struct{ X, Y, W, H int } `json:"gridPos"`
	Targets []struct {
		RefID string `json:"refId"`
		Expr  string `json:"expr"`
	} `json:"targets"`
}

// grafanaVariable matches Grafana's template variables: $__rate_interval
// and friends stand where PromQL wants a duration; the others ($instance,
// ${datasource}) stand inside label matchers' strings.
var (
	grafanaInterval = regexp.MustCompile(`\$__[a-z_]+`)
	grafanaVariable = regexp.MustCompile(`\$\{?[A-Za-z_][A-Za-z0-9_]*\}?`)
	labelValuesCall = regexp.MustCompile(`^label_values\(([a-zA-Z_:][a-zA-Z0-9_:]*)\s*,\s*[a-zA-Z_][a-zA-Z0-9_]*\)$`)
)

func substituteVariables(expr string) string {
	return grafanaVariable.ReplaceAllString(grafanaInterval.ReplaceAllString(expr, "1m"), "x")
}

// metricNames parses a PromQL expression and returns the metric names its
// selectors name.
func metricNames(expr string) ([]string, error) {
	ast, err := parser.NewParser(parser.Options{}).ParseExpr(substituteVariables(expr))
	if err != nil {
		return nil, err
	}
	var names []string
	parser.Inspect(ast, func(node parser.Node, _ []parser.Node) error {
		if vs, ok := node.(*parser.VectorSelector); ok {
			names = append(names, vs.Name)
		}
		return nil
	})
	return names, nil
}

func TestMetricNames(t *testing.T) {
	names, err := metricNames(`histogram_quantile(0.99, sum by (le) (rate(a_bucket{instance=~"$instance"}[$__rate_interval]))) / b`)
	if err != nil || strings.Join(names, ",") != "a_bucket,b" {
		t.Fatalf("metricNames = %v, %v", names, err)
	}
	if _, err := metricNames(`rate(a[1m]`); err == nil {
		t.Fatal("unbalanced parenthesis parsed")
	}
}

func loadDashboards(t *testing.T) map[string]dashboard {
	t.Helper()
	files, err := filepath.Glob("*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no dashboards: %v", err)
	}
	out := make(map[string]dashboard)
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var d dashboard
		dec := json.NewDecoder(strings.NewReader(string(data)))
		if err := dec.Decode(&d); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		out[file] = d
	}
	return out
}

// TestDashboardsAreValid checks each file is a Grafana dashboard model
// Grafana would import: a uid and title, panels with ids, positions and
// targets whose PromQL parses.
func TestDashboardsAreValid(t *testing.T) {
	uids := map[string]string{}
	for file, d := range loadDashboards(t) {
		if d.UID == "" || d.Title == "" || d.SchemaVersion <= 0 {
			t.Errorf("%s: uid %q, title %q, schemaVersion %d: all are required", file, d.UID, d.Title, d.SchemaVersion)
		}
		if len(d.UID) > 40 {
			t.Errorf("%s: uid %q longer than Grafana's 40 characters", file, d.UID)
		}
		if other, dup := uids[d.UID]; dup {
			t.Errorf("%s: uid %q also used by %s", file, d.UID, other)
		}
		uids[d.UID] = file
		if len(d.Panels) == 0 {
			t.Errorf("%s: no panels", file)
		}
		ids := map[int]bool{}
		for _, p := range d.Panels {
			where := file + ": panel " + p.Title
			if p.ID <= 0 || ids[p.ID] {
				t.Errorf("%s: id %d missing or repeated", where, p.ID)
			}
			ids[p.ID] = true
			if p.Title == "" || p.Type == "" || p.Datasource.Type != "prometheus" {
				t.Errorf("%s: title, type and a prometheus datasource are required", where)
			}
			if p.GridPos.W <= 0 || p.GridPos.H <= 0 || p.GridPos.X+p.GridPos.W > 24 {
				t.Errorf("%s: gridPos %+v outside Grafana's 24 columns", where, p.GridPos)
			}
			if len(p.Targets) == 0 {
				t.Errorf("%s: no targets", where)
			}
			refs := map[string]bool{}
			for _, target := range p.Targets {
				if target.RefID == "" || refs[target.RefID] {
					t.Errorf("%s: refId %q missing or repeated", where, target.RefID)
				}
				refs[target.RefID] = true
				if _, err := metricNames(target.Expr); err != nil {
					t.Errorf("%s: %q: %v", where, target.Expr, err)
				}
			}
		}
	}
}

// TestDashboardsNameRegisteredMetrics checks that every metric a dashboard
// queries is one the code registers: it runs a cache server with the
// Prometheus exporter, drives it through commands, expiry, eviction, an RDB
// save (and a failing background one) and an AOF rewrite, then gathers what exists.
func TestDashboardsNameRegisteredMetrics(t *testing.T) {
	registered := registeredNames(t)
	for file, d := range loadDashboards(t) {
		var used []string
		for _, p := range d.Panels {
			for _, target := range p.Targets {
				names, err := metricNames(target.Expr)
				if err != nil {
					continue // reported by TestDashboardsAreValid
				}
				used = append(used, names...)
			}
		}
		for _, v := range d.Templating.List {
			var query struct {
				Query string `json:"query"`
			}
			if v.Type != "query" || json.Unmarshal(v.Query, &query) != nil {
				continue
			}
			m := labelValuesCall.FindStringSubmatch(query.Query)
			if m == nil {
				t.Errorf("%s: variable %s: query %q is not label_values(metric, label)", file, v.Name, query.Query)
				continue
			}
			used = append(used, m[1])
		}
		for _, name := range used {
			if !registered[name] {
				t.Errorf("%s: queries %s, which no code registers", file, name)
			}
		}
	}
}

// registeredNames returns every series name the exporter serves after the
// cache server was exercised, with the _bucket, _sum and _count series of
// histograms and summaries.
func registeredNames(t *testing.T) map[string]bool {
	t.Helper()
	dir := t.TempDir()
	exp := promexport.New(promexport.Config{})
	s, err := server.Start(server.Config{
		Addr: "127.0.0.1:0", Dir: dir, Metrics: exp,
		Cache: cache.Config{Hz: 100, Databases: 16, AppendOnly: true, AppendFsync: cache.FsyncEverysec},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	c := redis.NewClient(&redis.Options{Addr: s.Addr(), Protocol: 2})
	defer c.Close()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(c.Set(ctx, "k", "v", 0).Err())
	must(c.Get(ctx, "k").Err())
	must(c.Set(ctx, "short-lived", "v", time.Millisecond).Err())
	must(c.Save(ctx).Err())
	must(c.BgRewriteAOF(ctx).Err())
	// One background job at a time: the rewrite must end before BGSAVE.
	waitForNames(t, exp, "cache_aof_rewrites_total")
	// A dump.rdb that is a folder makes the next background save fail its
	// rename.
	must(os.Remove(filepath.Join(dir, "dump.rdb")))
	must(os.Mkdir(filepath.Join(dir, "dump.rdb"), 0o755))
	must(c.BgSave(ctx).Err())
	// Over maxmemory, allkeys-lru evicts on the next write.
	must(c.ConfigSet(ctx, "maxmemory-policy", "allkeys-lru").Err())
	for i := range 100 {
		must(c.Set(ctx, "fill:"+string(rune('a'+i%26))+string(rune('a'+i/26)), strings.Repeat("x", 100), 0).Err())
	}
	must(c.ConfigSet(ctx, "maxmemory", "1").Err())
	_ = c.Set(ctx, "one-more", "v", 0).Err() // may be refused with OOM once nothing is left to evict
	must(c.ConfigSet(ctx, "maxmemory", "0").Err())

	// The load generator records into the same exporter: a short
	// open-loop run against the server registers its families.
	loadLive(t, s.Addr(), exp)

	return waitForNames(t, exp, "loadgen_request_duration_seconds", "cache_expired_keys_total", "cache_evicted_keys_total", "cache_aof_rewrites_total",
		"cache_rdb_saves_total", "cache_rdb_save_errors_total", "cache_command_duration_seconds")
}

// waitForNames gathers until every wanted family exists (the server's
// cron and background jobs make some of them a moment later) and returns
// what was gathered then.
func waitForNames(t *testing.T, exp *promexport.Exporter, want ...string) map[string]bool {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		names := gatherNames(t, exp)
		var missing []string
		for _, w := range want {
			if !names[w] {
				missing = append(missing, w)
			}
		}
		if len(missing) == 0 {
			return names
		}
		if time.Now().After(deadline) {
			t.Fatalf("the exercise did not produce %v", missing)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func gatherNames(t *testing.T, exp *promexport.Exporter) map[string]bool {
	t.Helper()
	mfs, err := exp.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, mf := range mfs {
		name := mf.GetName()
		names[name] = true
		switch mf.GetType() {
		case dto.MetricType_HISTOGRAM, dto.MetricType_GAUGE_HISTOGRAM:
			names[name+"_bucket"], names[name+"_sum"], names[name+"_count"] = true, true, true
		case dto.MetricType_SUMMARY:
			names[name+"_sum"], names[name+"_count"] = true, true
		}
	}
	return names
}

// TestListRegisteredNames logs what the exporter serves, for whoever
// writes the next panel (go test -run ListRegistered -v ./dashboards).
func TestListRegisteredNames(t *testing.T) {
	if !testing.Verbose() {
		t.Skip("only with -v")
	}
	names := registeredNames(t)
	sorted := make([]string, 0, len(names))
	for n := range names {
		sorted = append(sorted, n)
	}
	sort.Strings(sorted)
	t.Log(strings.Join(sorted, "\n"))
}

// loadLive runs `syslab load`'s driver for a moment against addr,
// recording into exp.
func loadLive(t *testing.T, addr string, exp *promexport.Exporter) {
	t.Helper()
	w, err := loadgen.ParseWorkload("mixed", 100, "")
	if err != nil {
		t.Fatal(err)
	}
	target, err := live.ParseTarget("redis://" + addr)
	if err != nil {
		t.Fatal(err)
	}
	_, err = live.Run(context.Background(), live.Config{
		Target: target, Workload: w, ValueSize: loadgen.ConstantSize(16),
		RatePerSec: 500, Schedule: "ramp:1000", Duration: 200 * time.Millisecond,
		Connections: 2, InflightMax: 100, Seed: 1, Metrics: exp,
	})
	if err != nil {
		t.Fatal(err)
	}
}
