package cachelab

import (
	"fmt"
	"sort"
	"strconv"

	"gopkg.in/yaml.v3"

	"syslab/check"
	"syslab/lab/engine"
)

// The cache's own checks, beside the lab's built-in ones.
const (
	checkHitRate = "hit_rate"
	// checkOriginPeak bounds the origin's busiest 100ms (as loads per
	// second): the thundering herd's spike.
	checkOriginPeak = "origin_peak_qps"
	// checkOriginRequests bounds the loads the origin served in all.
	checkOriginRequests = "origin_requests"
	// checkBusiestNodeGetShare bounds the GETs the busiest cache node
	// served, as a share of the GETs the clients issued: a hot key's
	// shard in one figure. 1/N for N evenly loaded nodes; above it when
	// one key concentrates on one node; below it when clients answer
	// reads from their own memory.
	checkBusiestNodeGetShare = "busiest_node_get_share"
)

var checkNames = append([]string{checkBusiestNodeGetShare, checkHitRate, checkOriginPeak, checkOriginRequests}, clusterCheckNames...)

// hitRateParams are hit_rate's parameters: `hit_rate: {min: 0.5}` demands
// that at least half of the successful reads found their key.
type hitRateParams struct {
	min float64
}

func decodeHitRate(params *yaml.Node) (hitRateParams, error) {
	var p hitRateParams
	if params == nil || params.Kind != yaml.MappingNode {
		return p, fmt.Errorf("line %d: hit_rate: want a mapping such as {min: 0.5}", lineOf(params))
	}
	seenMin := false
	for i := 0; i+1 < len(params.Content); i += 2 {
		k, v := params.Content[i], params.Content[i+1]
		switch k.Value {
		case "min":
			f, err := strconv.ParseFloat(v.Value, 64)
			if err != nil || v.Kind != yaml.ScalarNode || f < 0 || f > 1 {
				return p, fmt.Errorf("line %d: hit_rate.min: want a fraction between 0 and 1, got %q", v.Line, v.Value)
			}
			p.min, seenMin = f, true
		default:
			return p, fmt.Errorf("line %d: hit_rate: unknown field %q (known: min)", k.Line, k.Value)
		}
	}
	if !seenMin {
		return p, fmt.Errorf("line %d: hit_rate: want min, the lowest acceptable share of reads that find their key", params.Line)
	}
	return p, nil
}

func lineOf(n *yaml.Node) int {
	if n == nil {
		return 0
	}
	return n.Line
}

// ValidateCheck checks an engine check's parameters when the scenario is
// loaded.
func (Engine) ValidateCheck(name string, params *yaml.Node) error {
	switch name {
	case checkHitRate:
		_, err := decodeHitRate(params)
		return err
	case checkOriginPeak, checkOriginRequests, checkBusiestNodeGetShare:
		_, err := decodeMax(name, params)
		return err
	}
	if fields, ok := clusterCheckFields[name]; ok {
		_, err := boundParams(name, params, fields...)
		return err
	}
	return fmt.Errorf("cache: unknown check %q", name)
}

var (
	_ engine.Checker    = Engine{}
	_ engine.RunChecker = Engine{}
)

// CheckRun evaluates the cache's checks with the server nodes' metrics at
// hand, which the origin checks read.
func (e Engine) CheckRun(name string, params *yaml.Node, run engine.RunFacts) engine.CheckResult {
	switch name {
	case checkOriginPeak, checkOriginRequests:
		limit, err := decodeMax(name, params)
		if err != nil {
			return engine.CheckResult{Verdict: "unknown", Detail: err.Error()}
		}
		return originCheck(name, limit, run.Metrics)
	case checkBusiestNodeGetShare:
		limit, err := decodeMax(name, params)
		if err != nil {
			return engine.CheckResult{Verdict: "unknown", Detail: err.Error()}
		}
		return busiestNodeGetShare(limit, run)
	}
	if _, ok := clusterCheckFields[name]; ok {
		return clusterCheck(name, params, run)
	}
	return e.Check(name, params, run.History)
}

// Check evaluates the cache's own checks on the workload's history.
func (Engine) Check(name string, params *yaml.Node, h *check.History) engine.CheckResult {
	switch name {
	case checkHitRate:
		p, err := decodeHitRate(params)
		if err != nil {
			return engine.CheckResult{Verdict: "unknown", Detail: err.Error()}
		}
		return hitRate(h, p)
	}
	return engine.CheckResult{Verdict: "unknown", Detail: "cache: unknown check " + name}
}

// hitRate is the share of successful reads (get and read_through) that
// found their key: what a cache in front of a slower store saves it.
// Failed and timed-out reads are not counted either way.
func hitRate(h *check.History, p hitRateParams) engine.CheckResult {
	var gets, hits int
	for _, op := range h.Ops {
		if (op.Kind != "get" && op.Kind != "read_through") || op.Status != check.StatusOK {
			continue
		}
		gets++
		if !op.Nil {
			hits++
		}
	}
	res := engine.CheckResult{
		Expected: fmt.Sprintf("at least %.3g of reads find their key", p.min),
		Measured: map[string]float64{"goal_hit_rate": p.min, "reads": float64(gets), "hits": float64(hits)},
	}
	if gets == 0 {
		res.Verdict = "unknown"
		res.Detail = "no successful read to measure"
		return res
	}
	rate := float64(hits) / float64(gets)
	res.Measured["hit_rate"] = rate
	res.Verdict = "pass"
	if rate < p.min {
		res.Verdict = "fail"
	}
	res.Detail = fmt.Sprintf("%d of %d reads hit (%.1f%%)", hits, gets, 100*rate)
	return res
}

// decodeMax reads `{max: N}`, N ≥ 0.
func decodeMax(name string, params *yaml.Node) (float64, error) {
	if params == nil || params.Kind != yaml.MappingNode {
		return 0, fmt.Errorf("line %d: %s: want a mapping such as {max: 1000}", lineOf(params), name)
	}
	limit, seen := 0.0, false
	for i := 0; i+1 < len(params.Content); i += 2 {
		k, v := params.Content[i], params.Content[i+1]
		if k.Value != "max" {
			return 0, fmt.Errorf("line %d: %s: unknown field %q (known: max)", k.Line, name, k.Value)
		}
		f, err := strconv.ParseFloat(v.Value, 64)
		if err != nil || v.Kind != yaml.ScalarNode || !(f >= 0) {
			return 0, fmt.Errorf("line %d: %s.max: want a number ≥ 0, got %q", v.Line, name, v.Value)
		}
		limit, seen = f, true
	}
	if !seen {
		return 0, fmt.Errorf("line %d: %s: want max", params.Line, name)
	}
	return limit, nil
}

// originCheck compares what the origin node counted with limit.
func originCheck(name string, limit float64, metrics map[string]map[string]float64) engine.CheckResult {
	metric, what := metricOriginPeakQPS, "origin loads per second in its busiest 100ms"
	if name == checkOriginRequests {
		metric, what = metricOriginLoads, "origin loads in all"
	}
	res := engine.CheckResult{
		Expected: fmt.Sprintf("at most %g %s", limit, what),
		Measured: map[string]float64{"goal_max": limit},
	}
	found := false
	var got float64
	for _, id := range sortedNodes(metrics) {
		if _, isOrigin := metrics[id][metricOriginLoads]; !isOrigin {
			continue
		}
		found = true
		got += metrics[id][metric]
	}
	if !found {
		res.Verdict = "unknown"
		res.Detail = "no origin node reported loads (none in the topology, none served, or a live run)"
		return res
	}
	res.Measured[name] = got
	res.Verdict = "pass"
	if got > limit {
		res.Verdict = "fail"
	}
	res.Detail = fmt.Sprintf("%g %s", got, what)
	return res
}

func sortedNodes(m map[string]map[string]float64) []string {
	ids := make([]string, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// metricGetsServed is the counter a cache node keeps of the GETs it ran.
const metricGetsServed = `cache_commands_total{cmd="get"}`

// busiestNodeGetShare compares the busiest cache node's GETs with the
// clients' GETs.
func busiestNodeGetShare(limit float64, run engine.RunFacts) engine.CheckResult {
	res := engine.CheckResult{
		Expected: fmt.Sprintf("the busiest cache node serves at most %.0f%% of the GETs clients issue", 100*limit),
		Measured: map[string]float64{"goal_max": limit},
	}
	issued := 0
	if run.History != nil {
		for _, op := range run.History.Ops {
			if op.Kind == "get" {
				issued++
			}
		}
	}
	busiest, busiestID := 0.0, ""
	for _, id := range sortedNodes(run.Metrics) {
		if n := run.Metrics[id][metricGetsServed]; n > busiest {
			busiest, busiestID = n, id
		}
	}
	if issued == 0 || busiestID == "" {
		res.Verdict = "unknown"
		res.Detail = fmt.Sprintf("%d GETs issued, %g served by the busiest node: nothing to compare (a live run collects no node metrics)", issued, busiest)
		return res
	}
	share := busiest / float64(issued)
	res.Measured[checkBusiestNodeGetShare] = share
	res.Verdict = "pass"
	if share > limit {
		res.Verdict = "fail"
	}
	res.Detail = fmt.Sprintf("%s served %.0f GETs for %d the clients issued (%.1f%%)", busiestID, busiest, issued, 100*share)
	return res
}
