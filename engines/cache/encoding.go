package cache

import (
	"math"
	"strconv"
	"strings"

	"syslab/engines/cache/resp"
)

// encodingLimits are the thresholds at which a small collection leaves its
// compact encoding (listpack, intset) for a hashtable or skiplist: Redis's
// hash-max-listpack-*, set-max-intset-entries, zset-max-listpack-* and the
// list settings. CONFIG SET changes the node's copy (Config.limits), which
// the collections a command creates point at, so a change applies to
// their next write as in Redis. Collections loaded from a snapshot or a
// RESTORE payload use the defaults.
type encodingLimits struct {
	hashListpackEntries, hashListpackValueBytes int64
	setIntsetEntries                            int64
	zsetListpackEntries, zsetListpackValueBytes int64
	// listListpackSize and listCompressDepth are reported and settable;
	// lists here are always one quicklist-like structure (lists.go).
	listListpackSize, listCompressDepth int64
	// hllSparseBytes is hll-sparse-max-bytes: the size, header included,
	// past which a sparse HyperLogLog turns dense (hyperloglog.go).
	hllSparseBytes int64
	// streamNodeEntries and streamNodeBytes are stream-node-max-entries
	// and stream-node-max-bytes: where a stream starts a new node
	// (stream.go); 0 is no bound.
	streamNodeEntries, streamNodeBytes int64
}

// defaultEncodingLimits are redis-server 7.0's defaults; never modified.
var defaultEncodingLimits = encodingLimits{
	hashListpackEntries:    hashListpackEntriesMax,
	hashListpackValueBytes: hashListpackValueBytesMax,
	setIntsetEntries:       setIntsetEntriesMax,
	zsetListpackEntries:    zsetListpackEntriesMax,
	zsetListpackValueBytes: zsetListpackValueBytesMax,
	listListpackSize:       -2,
	listCompressDepth:      0,
	hllSparseBytes:         hllSparseBytesDefault,
	streamNodeEntries:      100,
	streamNodeBytes:        4096,
}

// Ranges of the settings, as Redis declares them.
const (
	sizeSettingMax = 1<<63 - 1 // LONG_MAX: the size_t settings
	intSettingMin  = -1 << 31  // INT_MIN
	intSettingMax  = 1<<31 - 1 // INT_MAX
)

// encodingParams are the CONFIG parameters of encodingLimits, with the
// names Redis 7.0 answers to (the ziplist names are its aliases).
func encodingParams() map[string]configParam {
	params := map[string]configParam{}
	add := func(names []string, field func(*encodingLimits) *int64, memory bool, low, high int64) {
		p := configParam{
			get: func(n *Node) string { return strconv.FormatInt(*field(&n.cfg.limits), 10) },
			set: func(n *Node, v string) (string, bool) {
				value, ok := resp.ParseInt([]byte(v))
				if !ok && memory {
					value, ok = parseMemory(v)
				}
				if !ok {
					return "argument couldn't be parsed into an integer", false
				}
				if value < low || value > high {
					return "argument must be between " + strconv.FormatInt(low, 10) + " and " + strconv.FormatInt(high, 10) + " inclusive", false
				}
				*field(&n.cfg.limits) = value
				return "", true
			},
		}
		for _, name := range names {
			params[name] = p
		}
	}
	add([]string{"hash-max-listpack-entries", "hash-max-ziplist-entries"}, func(l *encodingLimits) *int64 { return &l.hashListpackEntries }, false, 0, sizeSettingMax)
	add([]string{"hash-max-listpack-value", "hash-max-ziplist-value"}, func(l *encodingLimits) *int64 { return &l.hashListpackValueBytes }, true, 0, sizeSettingMax)
	add([]string{"set-max-intset-entries"}, func(l *encodingLimits) *int64 { return &l.setIntsetEntries }, false, 0, sizeSettingMax)
	add([]string{"zset-max-listpack-entries", "zset-max-ziplist-entries"}, func(l *encodingLimits) *int64 { return &l.zsetListpackEntries }, false, 0, sizeSettingMax)
	add([]string{"zset-max-listpack-value", "zset-max-ziplist-value"}, func(l *encodingLimits) *int64 { return &l.zsetListpackValueBytes }, true, 0, sizeSettingMax)
	add([]string{"list-max-listpack-size", "list-max-ziplist-size"}, func(l *encodingLimits) *int64 { return &l.listListpackSize }, false, intSettingMin, intSettingMax)
	add([]string{"list-compress-depth"}, func(l *encodingLimits) *int64 { return &l.listCompressDepth }, false, 0, intSettingMax)
	params["hll-sparse-max-bytes"] = hllSparseBytesParam
	add([]string{"stream-node-max-entries"}, func(l *encodingLimits) *int64 { return &l.streamNodeEntries }, false, 0, 1<<63-1)
	add([]string{"stream-node-max-bytes"}, func(l *encodingLimits) *int64 { return &l.streamNodeBytes }, true, 0, sizeSettingMax)
	return params
}

// hllSparseBytesParam is hll-sparse-max-bytes, a memory value (3kb) of
// 0..LONG_MAX, read and refused as Redis 7.0 does (memtoullRedis).
var hllSparseBytesParam = configParam{
	get: func(n *Node) string { return strconv.FormatInt(n.cfg.limits.hllSparseBytes, 10) },
	set: func(n *Node, v string) (string, bool) {
		value, ok := memtoullRedis(v)
		if !ok {
			return "argument must be a memory value", false
		}
		if value > sizeSettingMax {
			return "argument must be between 0 and " + strconv.FormatInt(sizeSettingMax, 10) + " inclusive", false
		}
		n.cfg.limits.hllSparseBytes = int64(value)
		return "", true
	},
}

// memtoullRedis reads a memory value exactly as Redis 7.0's memtoull,
// quirks included, for the settings whose refusals are compared with
// Redis: digits then an optional unit (b, k, kb, m, mb, g, gb, any
// case); no digits reads as 0; too many digits saturate at 2^64-1
// (strtoull's ERANGE is not checked) and the unit's product wraps.
func memtoullRedis(v string) (uint64, bool) {
	if strings.HasPrefix(v, "-") {
		return 0, false
	}
	digits := len(v) - len(strings.TrimLeft(v, "0123456789"))
	var mul uint64
	switch strings.ToLower(v[digits:]) {
	case "", "b":
		mul = 1
	case "k":
		mul = 1000
	case "kb":
		mul = 1 << 10
	case "m":
		mul = 1000 * 1000
	case "mb":
		mul = 1 << 20
	case "g":
		mul = 1000 * 1000 * 1000
	case "gb":
		mul = 1 << 30
	default:
		return 0, false
	}
	value := uint64(0)
	if digits > 0 {
		var err error
		if value, err = strconv.ParseUint(v[:digits], 10, 64); err != nil {
			value = math.MaxUint64
		}
	}
	return value * mul, true
}

// limitsOrDefault is what a collection created without a node checks.
func limitsOrDefault(l *encodingLimits) *encodingLimits {
	if l == nil {
		return &defaultEncodingLimits
	}
	return l
}

func init() {
	for name, p := range encodingParams() {
		configParams[name] = p
	}
}
