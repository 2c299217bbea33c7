package check

import (
	"fmt"
	"strconv"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// The latency histogram spans 1µs to 1h with 3 significant digits: any
// quantile it reports is within 0.1% of the true sample (rounded up).
const (
	latencyLowest      = time.Microsecond
	latencyHighest     = time.Hour
	latencySignificant = 3
)

// Latency checks that the quantile (0 < quantile ≤ 1, p99 is 0.99) of the
// latency of successful ops of kind op ("" or "*": every kind) is at most
// limit. Failed and indefinite ops have no latency and are left to
// ErrorRate. Samples above an hour count as an hour. The comparison is
// made at the histogram's resolution (3 significant digits): a quantile
// within 0.1% of the limit passes.
func Latency(h *History, op string, quantile float64, limit time.Duration) Result {
	res := Result{
		Name:     fmt.Sprintf("latency/%s/p%s", kindName(op), strconv.FormatFloat(quantile*100, 'f', -1, 64)),
		Measured: map[string]float64{"goal_seconds": limit.Seconds()},
	}
	if !(quantile > 0 && quantile <= 1) {
		return unknownResult(res, fmt.Sprintf("quantile %v out of range: want 0 < q ≤ 1 (p99 is 0.99)", quantile))
	}
	hist := hdrhistogram.New(int64(latencyLowest), int64(latencyHighest), latencySignificant)
	for _, o := range h.Ops {
		if o.Status != StatusOK || !kindMatches(op, o.Kind) {
			continue
		}
		sample := min(max(o.Return-o.Call, 0), latencyHighest)
		if err := hist.RecordValue(int64(sample)); err != nil {
			panic(fmt.Sprintf("check: clamped latency %v rejected: %v", sample, err))
		}
	}
	samples := hist.TotalCount()
	res.Measured["samples"] = float64(samples)
	if samples == 0 {
		return unknownResult(res, fmt.Sprintf("no successful %s ops to measure", kindName(op)))
	}
	observed := time.Duration(hist.ValueAtQuantile(quantile * 100))
	res.Measured["latency_seconds"] = observed.Seconds()
	res.Measured["latency_max_seconds"] = time.Duration(hist.Max()).Seconds()
	res.Detail = fmt.Sprintf("p%s of %d %s ops is %v (goal ≤ %v)",
		strconv.FormatFloat(quantile*100, 'f', -1, 64), samples, kindName(op), observed, limit)
	res.Verdict = Pass
	// HDR reports the top of the bucket a sample fell in; a quantile in the
	// same bucket as the limit cannot be told apart from it, so it passes.
	if observed > limit && !hist.ValuesAreEquivalent(int64(observed), int64(limit)) {
		res.Verdict = Fail
	}
	return res
}

// ErrorRate checks that the share of ops of kind op ("" or "*": every
// kind) that failed or ended indefinite is at most maxRate (0..1).
func ErrorRate(h *History, op string, maxRate float64) Result {
	res := Result{Name: "error-rate/" + kindName(op), Measured: map[string]float64{"goal_rate": maxRate}}
	if !(maxRate >= 0 && maxRate <= 1) {
		return unknownResult(res, fmt.Sprintf("error rate goal %v out of range: want 0 ≤ rate ≤ 1", maxRate))
	}
	var total, failed, indefinite int
	for _, o := range h.Ops {
		if !kindMatches(op, o.Kind) {
			continue
		}
		total++
		switch o.Status {
		case StatusFail:
			failed++
		case StatusInfo:
			indefinite++
		}
	}
	res.Measured["ops"] = float64(total)
	res.Measured["ops_fail"] = float64(failed)
	res.Measured["ops_info"] = float64(indefinite)
	if total == 0 {
		return unknownResult(res, fmt.Sprintf("no %s ops", kindName(op)))
	}
	rate := float64(failed+indefinite) / float64(total)
	res.Measured["error_rate"] = rate
	res.Detail = fmt.Sprintf("%d of %d %s ops failed or indefinite (%.4f%%, goal ≤ %.4f%%)",
		failed+indefinite, total, kindName(op), rate*100, maxRate*100)
	res.Verdict = Pass
	if rate > maxRate {
		res.Verdict = Fail
	}
	return res
}

func kindMatches(want, kind string) bool { return want == "" || want == "*" || want == kind }

func kindName(op string) string {
	if op == "" || op == "*" {
		return "all"
	}
	return op
}
