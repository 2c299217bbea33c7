package lab

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// ParseDuration reads a Go duration ("1m30s", "250ms"); "us", "µs" and
// "μs" all mean microseconds. A unit is required except for "0".
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if strings.Trim(s, "+-0") == "" && s != "" {
		return 0, nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		if _, numErr := strconv.ParseFloat(s, 64); numErr == nil {
			return 0, fmt.Errorf("duration %q has no unit; write e.g. %ss or %sms", s, s, s)
		}
		return 0, fmt.Errorf("bad duration %q: want a number and a unit (ns, us, ms, s, m, h), e.g. 250ms or 1m30s", s)
	}
	return v, nil
}

// rateUnits are the single-unit denominators a rate may use.
var rateUnits = map[string]time.Duration{
	"ns": time.Nanosecond, "us": time.Microsecond, "µs": time.Microsecond, "μs": time.Microsecond,
	"ms": time.Millisecond, "s": time.Second, "m": time.Minute, "h": time.Hour,
}

// ParseRate reads "COUNT/PERIOD": "2000/s", "120/m", "1/10s", "0.5/s".
// COUNT must be above zero and PERIOD either a unit or a duration.
func ParseRate(s string) (Rate, error) {
	bad := func(why string) (Rate, error) {
		return Rate{}, fmt.Errorf("bad rate %q: %s; write e.g. 2000/s, 120/m or 1/10s", s, why)
	}
	countText, perText, found := strings.Cut(strings.TrimSpace(s), "/")
	if !found {
		return bad("no '/'")
	}
	count, err := strconv.ParseFloat(strings.TrimSpace(countText), 64)
	if err != nil || math.IsNaN(count) || math.IsInf(count, 0) {
		return bad(fmt.Sprintf("count %q is not a number", countText))
	}
	if count <= 0 {
		return bad("count must be above zero")
	}
	perText = strings.TrimSpace(perText)
	per, isUnit := rateUnits[perText]
	if !isUnit {
		per, err = time.ParseDuration(perText)
		if err != nil {
			return bad(fmt.Sprintf("period %q is not a unit (s, m, h, ms, us) or a duration", perText))
		}
	}
	if per <= 0 {
		return bad("period must be above zero")
	}
	r := Rate{Count: count, Per: per}
	// Rates faster than one event per nanosecond cannot be scheduled in
	// virtual time, whose resolution is the nanosecond.
	if r.PerSecond() > 1e9 {
		return bad("faster than one event per nanosecond")
	}
	return r, nil
}

// String writes the rate back in the form ParseRate reads.
func (r Rate) String() string {
	count := strconv.FormatFloat(r.Count, 'g', -1, 64)
	switch r.Per {
	case time.Second:
		return count + "/s"
	case time.Minute:
		return count + "/m"
	case time.Hour:
		return count + "/h"
	}
	return count + "/" + r.Per.String()
}

// ParseKeyDistribution reads "uniform", "zipf:S", "hotspot:FRACTION:SHARE",
// "latest" or "sequential".
func ParseKeyDistribution(s string) (KeyDistribution, error) {
	const valid = "uniform, zipf:S, hotspot:FRACTION:SHARE, latest, sequential"
	parts := strings.Split(s, ":")
	kind := KeyDistributionKind(parts[0])
	params := parts[1:]
	number := func(text, what string) (float64, error) {
		v, err := strconv.ParseFloat(text, 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return 0, fmt.Errorf("key distribution %q: %s %q is not a number", s, what, text)
		}
		return v, nil
	}
	switch kind {
	case KeysUniform, KeysLatest, KeysSequential:
		if len(params) != 0 {
			return KeyDistribution{}, fmt.Errorf("key distribution %q: %s takes no parameters", s, kind)
		}
		return KeyDistribution{Kind: kind}, nil
	case KeysZipf:
		if len(params) != 1 {
			return KeyDistribution{}, fmt.Errorf("key distribution %q: write zipf:S with an exponent S, e.g. zipf:0.99", s)
		}
		exponent, err := number(params[0], "exponent")
		if err != nil {
			return KeyDistribution{}, err
		}
		if exponent <= 0 {
			return KeyDistribution{}, fmt.Errorf("key distribution %q: the zipf exponent must be above zero", s)
		}
		return KeyDistribution{Kind: kind, ZipfS: exponent}, nil
	case KeysHotspot:
		if len(params) != 2 {
			return KeyDistribution{}, fmt.Errorf("key distribution %q: write hotspot:FRACTION:SHARE, e.g. hotspot:0.01:0.9 (1%% of keys get 90%% of operations)", s)
		}
		fraction, err := number(params[0], "fraction")
		if err != nil {
			return KeyDistribution{}, err
		}
		share, err := number(params[1], "share")
		if err != nil {
			return KeyDistribution{}, err
		}
		if fraction <= 0 || fraction > 1 || share < 0 || share > 1 {
			return KeyDistribution{}, fmt.Errorf("key distribution %q: fraction must be in (0, 1] and share in [0, 1]", s)
		}
		return KeyDistribution{Kind: kind, HotFraction: fraction, HotShare: share}, nil
	}
	return KeyDistribution{}, fmt.Errorf("unknown key distribution %q%s; valid: %s",
		s, suggest(string(kind), []string{"uniform", "zipf", "hotspot", "latest", "sequential"}), valid)
}

// String writes the distribution back in the form ParseKeyDistribution
// reads.
func (k KeyDistribution) String() string {
	g := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	switch k.Kind {
	case KeysZipf:
		return "zipf:" + g(k.ZipfS)
	case KeysHotspot:
		return "hotspot:" + g(k.HotFraction) + ":" + g(k.HotShare)
	}
	return string(k.Kind)
}

// Sample draws one duration from the distribution using r, so the caller
// decides which seeded stream it comes from. Normal samples below zero
// are clamped to zero: a message cannot arrive before it was sent.
func (d Delay) Sample(r *rand.Rand) time.Duration {
	switch d.Kind {
	case DelayConstant:
		return d.Mean
	case DelayUniform:
		span := int64(d.Max - d.Min)
		if span < math.MaxInt64 {
			span++ // Max itself may be drawn
		}
		return d.Min + time.Duration(r.Int64N(span))
	case DelayNormal:
		return clampDuration(float64(d.Mean) + float64(d.Stddev)*r.NormFloat64())
	case DelayExponential:
		return clampDuration(float64(d.Mean) * r.ExpFloat64())
	case DelayLognormal:
		mu, sigma := d.lognormalParams()
		return clampDuration(math.Exp(mu + sigma*r.NormFloat64()))
	case DelayEmpirical:
		u := r.Float64() * float64(len(d.Quantiles)-1)
		i := int(u)
		lo, hi := d.Quantiles[i], d.Quantiles[i+1]
		return lo + time.Duration((u-float64(i))*float64(hi-lo))
	}
	panic(fmt.Sprintf("lab: Delay.Sample: unknown kind %q (the loader admits none)", d.Kind))
}

// lognormalParams converts the mean and standard deviation the file gives
// into the mu and sigma of the underlying normal distribution.
func (d Delay) lognormalParams() (mu, sigma float64) {
	mean, stddev := float64(d.Mean), float64(d.Stddev)
	variance := math.Log1p(stddev * stddev / (mean * mean))
	return math.Log(mean) - variance/2, math.Sqrt(variance)
}

func clampDuration(nanos float64) time.Duration {
	switch {
	case nanos <= 0 || math.IsNaN(nanos):
		return 0
	case nanos >= math.MaxInt64:
		return math.MaxInt64
	}
	return time.Duration(nanos)
}
