package loadgen

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
)

// Operation kinds a key-value Workload emits. A driver maps each onto its
// protocol; for RESP: get → GET, set → SET of an existing key, insert → SET
// of a new key, rmw → GET then SET of the same key, timed as one operation.
const (
	OpGet    = "get"
	OpSet    = "set"
	OpInsert = "insert"
	OpRMW    = "rmw"
)

// workloadDef is one named workload: an operation mix and the key
// distribution it uses unless the caller names another.
type workloadDef struct {
	mix          map[string]float64
	distribution string
	about        string
}

// workloads are YCSB's core workloads (as its workloads/workload[a-f]
// files define the proportions and request distributions) and three plain
// cache mixes. YCSB's "zipfian" request distribution is its scrambled
// zipfian with constant 0.99, so that is what the ycsb-* workloads use.
// YCSB stores each record as ten 100-byte fields; here a record is one
// string value of the size the caller picks, read with GET and written
// with SET. Workload E (range scans) has no single-key equivalent on a
// cache and is left out.
var workloads = map[string]workloadDef{
	"ycsb-a": {map[string]float64{OpGet: 0.5, OpSet: 0.5}, "scrambled", "YCSB A (update heavy): 50% read, 50% update, zipfian"},
	"ycsb-b": {map[string]float64{OpGet: 0.95, OpSet: 0.05}, "scrambled", "YCSB B (read mostly): 95% read, 5% update, zipfian"},
	"ycsb-c": {map[string]float64{OpGet: 1}, "scrambled", "YCSB C (read only): 100% read, zipfian"},
	"ycsb-d": {map[string]float64{OpGet: 0.95, OpInsert: 0.05}, "latest", "YCSB D (read latest): 95% read, 5% insert, latest"},
	"ycsb-f": {map[string]float64{OpGet: 0.5, OpRMW: 0.5}, "scrambled", "YCSB F (read-modify-write): 50% read, 50% read-modify-write, zipfian"},
	"get":    {map[string]float64{OpGet: 1}, "uniform", "100% GET, uniform keys"},
	"set":    {map[string]float64{OpSet: 1}, "uniform", "100% SET, uniform keys"},
	"mixed":  {map[string]float64{OpGet: 0.9, OpSet: 0.1}, "uniform", "90% GET, 10% SET, uniform keys"},
}

// WorkloadNames lists the workloads ParseWorkload knows, sorted.
func WorkloadNames() []string {
	names := make([]string, 0, len(workloads))
	for name := range workloads {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// Workload emits key-value operations: which kind, on which key index. It
// keeps state (the latest inserted key), so one Workload serves one stream
// of operations; it is not safe for concurrent use.
type Workload struct {
	Name string
	// About says in words what the workload is, distribution included.
	About        string
	Distribution string
	mix          *Mix
	keys         KeyChooser
	// keyCount grows with every insert: inserted keys are new indexes.
	keyCount int
}

// WorkloadOp is one operation: its kind (OpGet, …) and key index.
type WorkloadOp struct {
	Kind string
	Key  int
}

// ParseWorkload builds a named workload over keyCount existing keys.
// distribution overrides the workload's own key distribution when not
// empty (any spec ParseDistribution reads).
func ParseWorkload(name string, keyCount int, distribution string) (*Workload, error) {
	def, ok := workloads[name]
	if !ok {
		if strings.EqualFold(name, "ycsb-e") {
			return nil, fmt.Errorf("workload %q: YCSB E (range scans) is not supported; want one of %s", name, strings.Join(WorkloadNames(), ", "))
		}
		return nil, fmt.Errorf("unknown workload %q; want one of %s", name, strings.Join(WorkloadNames(), ", "))
	}
	about := def.about
	if distribution == "" {
		distribution = def.distribution
	} else {
		about += fmt.Sprintf(" (keys: %s instead)", distribution)
	}
	keys, err := ParseDistribution(distribution, keyCount)
	if err != nil {
		return nil, fmt.Errorf("workload %s: %w", name, err)
	}
	mix, err := NewMix(def.mix)
	if err != nil {
		panic(fmt.Sprintf("loadgen: built-in workload %s: %v", name, err))
	}
	return &Workload{Name: name, About: about, Distribution: distribution, mix: mix, keys: keys, keyCount: keyCount}, nil
}

// Next chooses the next operation. An insert takes a new key index, one
// past the last; under the latest distribution reads then favour it.
func (w *Workload) Next(r *rand.Rand) WorkloadOp {
	kind := w.mix.Next(r)
	if kind != OpInsert {
		return WorkloadOp{Kind: kind, Key: w.keys.Next(r)}
	}
	if latest, ok := w.keys.(*Latest); ok {
		w.keyCount = latest.Insert() + 1
		return WorkloadOp{Kind: kind, Key: w.keyCount - 1}
	}
	w.keyCount++
	return WorkloadOp{Kind: kind, Key: w.keyCount - 1}
}

// Ops lists the operation kinds the workload emits, sorted.
func (w *Workload) Ops() []string { return w.mix.Names() }

// Share is the fraction of operations that are kind.
func (w *Workload) Share(kind string) float64 { return w.mix.Share(kind) }
