package check

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/anishathalye/porcupine"
)

// keysListedMax bounds how many keys a Detail line names.
const keysListedMax = 5

// Linearizable checks h against the named model ("register", "counter",
// "set"), one key at a time, within timeout for the whole check (zero or
// negative: no limit). On a failure it writes porcupine's HTML
// visualization of the first bad key to vizPath, when vizPath is not empty,
// and lists it in Artifacts.
//
// Failed ops are dropped: they did not happen. Indefinite ("info") writes
// may have happened at any time after their call, so they are given a
// return time past the end of the key's history — the checker may then
// place them anywhere later, including after everything, which is the same
// as never — and an unknown output. Indefinite reads constrain nothing and
// are dropped.
//
// A key the budget did not cover makes the verdict unknown, never pass.
func Linearizable(h *History, modelName string, timeout time.Duration, vizPath string) Result {
	res := Result{Name: "linearizable/" + modelName, Measured: map[string]float64{}}
	m, err := modelNamed(modelName)
	if err != nil {
		return unknownResult(res, err.Error())
	}
	if err := h.Validate(); err != nil {
		return unknownResult(res, "invalid history: "+err.Error())
	}
	byKey, stats, err := partitionByKey(h, m)
	if err != nil {
		return unknownResult(res, "invalid history: "+err.Error())
	}
	keys := make([]string, 0, len(byKey))
	for k := range byKey {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	res.Measured["keys"] = float64(len(keys))
	res.Measured["ops_checked"] = float64(stats.checked)
	res.Measured["ops_info"] = float64(stats.info)
	res.Measured["ops_dropped"] = float64(stats.dropped)

	pm := m.porcupine
	pm.DescribeOperationMetadata = func(info any) string { return info.(string) }

	// The budget is wall time by nature; it only decides pass-or-unknown,
	// never what a decided verdict says.
	start := time.Now()
	var bad, undecided []string
	for _, key := range keys {
		remaining := time.Duration(0)
		if timeout > 0 {
			remaining = timeout - time.Since(start)
			if remaining <= 0 {
				undecided = append(undecided, key)
				continue
			}
		}
		verdict, info := porcupine.CheckOperationsVerbose(pm, byKey[key], remaining)
		switch verdict {
		case porcupine.Ok:
		case porcupine.Illegal:
			if len(bad) == 0 && vizPath != "" {
				if err := porcupine.VisualizePath(pm, info, vizPath); err != nil {
					res.Detail += fmt.Sprintf("; writing the visualization failed: %v", err)
				} else {
					res.Artifacts = append(res.Artifacts, vizPath)
				}
			}
			bad = append(bad, key)
		default:
			undecided = append(undecided, key)
		}
	}
	res.Measured["keys_not_linearizable"] = float64(len(bad))
	res.Measured["keys_undecided"] = float64(len(undecided))

	switch {
	case len(bad) > 0:
		res.Verdict = Fail
		detail := fmt.Sprintf("key %q is not linearizable (%d of %d keys bad: %s)",
			bad[0], len(bad), len(keys), listKeys(bad))
		if len(res.Artifacts) > 0 {
			detail += "; visualization of " + strconv.Quote(bad[0]) + ": " + res.Artifacts[0]
		}
		if len(undecided) > 0 {
			detail += fmt.Sprintf("; %d keys undecided within %v", len(undecided), timeout)
		}
		res.Detail = detail + res.Detail
	case len(undecided) > 0:
		res.Verdict = Unknown
		res.Detail = fmt.Sprintf("time budget %v spent: %d of %d keys undecided (%s)",
			timeout, len(undecided), len(keys), listKeys(undecided))
	default:
		res.Verdict = Pass
		res.Detail = fmt.Sprintf("%d ops on %d keys linearizable (%d indefinite)", stats.checked, len(keys), stats.info)
	}
	return res
}

type partitionStats struct{ checked, info, dropped int }

// partitionByKey turns h into porcupine operations grouped by key. Clients
// are renumbered densely (porcupine draws one row per client id); the
// original id travels in the metadata shown on hover.
func partitionByKey(h *History, m model) (map[string][]porcupine.Operation, partitionStats, error) {
	clients := map[int]int{}
	for _, op := range h.Ops {
		clients[op.Client] = 0
	}
	ids := make([]int, 0, len(clients))
	for c := range clients {
		ids = append(ids, c)
	}
	sort.Ints(ids)
	for i, c := range ids {
		clients[c] = i
	}

	var stats partitionStats
	byKey := map[string][]porcupine.Operation{}
	endByKey := map[string]int64{}
	var infoAt []struct {
		key   string
		index int
	}
	for i, op := range h.Ops {
		if op.Status == StatusFail {
			stats.dropped++
			continue
		}
		input, output, keep, err := m.convert(op)
		if err != nil {
			return nil, stats, fmt.Errorf("op %d (client %d): %w", i, op.Client, err)
		}
		if !keep {
			stats.dropped++
			continue
		}
		meta := fmt.Sprintf("client %d, %s", op.Client, op.Status)
		if op.Error != "" {
			meta += ": " + op.Error
		}
		pop := porcupine.Operation{
			ClientId: clients[op.Client],
			Input:    input,
			Output:   output,
			Call:     int64(op.Call),
			Return:   int64(op.Return),
			Metadata: meta,
		}
		end := max(endByKey[op.Key], pop.Call, pop.Return)
		endByKey[op.Key] = end
		if op.Status == StatusInfo {
			stats.info++
			infoAt = append(infoAt, struct {
				key   string
				index int
			}{op.Key, len(byKey[op.Key])})
		}
		stats.checked++
		byKey[op.Key] = append(byKey[op.Key], pop)
	}
	for _, at := range infoAt {
		byKey[at.key][at.index].Return = endByKey[at.key] + 1
	}
	return byKey, stats, nil
}

func unknownResult(res Result, detail string) Result {
	res.Verdict = Unknown
	res.Detail = detail
	return res
}

func listKeys(keys []string) string {
	quoted := make([]string, 0, keysListedMax)
	for i, k := range keys {
		if i == keysListedMax {
			quoted = append(quoted, fmt.Sprintf("… %d more", len(keys)-keysListedMax))
			break
		}
		quoted = append(quoted, strconv.Quote(k))
	}
	return strings.Join(quoted, ", ")
}
