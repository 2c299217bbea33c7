package cachelab

import (
	"fmt"
	"strconv"

	"gopkg.in/yaml.v3"

	"syslab/check"
	"syslab/lab/engine"
)

// The cache's own checks, beside the lab's built-in ones.
const checkHitRate = "hit_rate"

var checkNames = []string{checkHitRate}

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
	}
	return fmt.Errorf("cache: unknown check %q", name)
}

var _ engine.Checker = Engine{}

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
