// Package loadgen generates workloads: which keys, which operations, what
// value sizes and when, plus the latency recording the drivers feed.
//
// Everything here is deterministic: randomness comes from the *rand.Rand a
// caller passes in (one stream per purpose, derived from the run seed), and
// nothing reads a clock or does I/O.
package loadgen

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
)

// KeyChooser picks key indexes in [0, keyCount) for successive operations.
// Choosers may keep state (sequential, latest), so each client needs its
// own.
type KeyChooser interface {
	Next(r *rand.Rand) int
}

// ParseDistribution builds a KeyChooser over keyCount keys from a spec:
//
//	uniform                    every key equally likely
//	zipf[:theta]               YCSB zipfian, theta in (0,1), default 0.99: key 0 hottest
//	scrambled[:theta]          zipfian ranks spread over the key space by an FNV hash, as YCSB's scrambled zipfian
//	hotspot:fraction:share     the first fraction of keys get share of the operations
//	latest[:theta]             zipfian skewed to the most recently inserted keys
//	sequential                 0, 1, 2, … wrapping around
func ParseDistribution(spec string, keyCount int) (KeyChooser, error) {
	fail := func(format string, args ...any) (KeyChooser, error) {
		return nil, fmt.Errorf("key distribution %q: %s", spec, fmt.Sprintf(format, args...))
	}
	if keyCount < 1 {
		return fail("key count %d: need at least 1 key", keyCount)
	}
	name, args, _ := strings.Cut(spec, ":")
	var params []float64
	if args != "" {
		for _, a := range strings.Split(args, ":") {
			v, err := strconv.ParseFloat(a, 64)
			if err != nil {
				return fail("parameter %q is not a number", a)
			}
			params = append(params, v)
		}
	}
	theta := func() (float64, error) {
		switch len(params) {
		case 0:
			return ZipfianConstant, nil
		case 1:
			if !(params[0] > 0 && params[0] < 1) {
				return 0, fmt.Errorf("theta %v out of range: want 0 < theta < 1", params[0])
			}
			return params[0], nil
		}
		return 0, fmt.Errorf("want at most one parameter (theta), got %d", len(params))
	}
	switch name {
	case "uniform", "sequential":
		if len(params) > 0 {
			return fail("%s takes no parameters", name)
		}
		if name == "uniform" {
			return uniform{keyCount: keyCount}, nil
		}
		return &Sequential{keyCount: keyCount}, nil
	case "zipf", "zipfian", "scrambled", "latest":
		t, err := theta()
		if err != nil {
			return fail("%v", err)
		}
		switch name {
		case "scrambled":
			return NewScrambledZipfian(keyCount, t), nil
		case "latest":
			return NewLatest(keyCount, t), nil
		}
		return NewZipfian(int64(keyCount), t), nil
	case "hotspot":
		if len(params) != 2 {
			return fail("want hotspot:fraction:share, e.g. hotspot:0.01:0.9")
		}
		hot, err := NewHotspot(keyCount, params[0], params[1])
		if err != nil {
			return fail("%v", err)
		}
		return hot, nil
	}
	return fail("unknown distribution %q (want uniform, zipf, scrambled, hotspot, latest or sequential)", name)
}

type uniform struct{ keyCount int }

func (u uniform) Next(r *rand.Rand) int { return r.IntN(u.keyCount) }

// Sequential returns every key in turn, wrapping around: a load phase.
type Sequential struct {
	keyCount, next int
}

func (s *Sequential) Next(*rand.Rand) int {
	k := s.next
	s.next = (s.next + 1) % s.keyCount
	return k
}

// Hotspot sends a share of the operations to a small set of hot keys, the
// first ones, and the rest uniformly to the others (YCSB's hotspot).
type Hotspot struct {
	keyCount, hotKeys int
	hotShare          float64
}

// NewHotspot makes hotFraction of keyCount keys (at least one) receive
// hotShare of the operations.
func NewHotspot(keyCount int, hotFraction, hotShare float64) (*Hotspot, error) {
	if !(hotFraction > 0 && hotFraction <= 1) {
		return nil, fmt.Errorf("hot fraction %v out of range: want 0 < fraction ≤ 1", hotFraction)
	}
	if !(hotShare >= 0 && hotShare <= 1) {
		return nil, fmt.Errorf("hot share %v out of range: want 0 ≤ share ≤ 1", hotShare)
	}
	hot := max(1, int(hotFraction*float64(keyCount)+0.5))
	return &Hotspot{keyCount: keyCount, hotKeys: min(hot, keyCount), hotShare: hotShare}, nil
}

func (h *Hotspot) Next(r *rand.Rand) int {
	if h.hotKeys == h.keyCount || r.Float64() < h.hotShare {
		return r.IntN(h.hotKeys)
	}
	return h.hotKeys + r.IntN(h.keyCount-h.hotKeys)
}
