package reports

import (
	"cmp"
	"slices"
)

// sortedKeys is how this package walks a map: Go's map order is random and
// must never reach a report.
func sortedKeys[K cmp.Ordered, V any](m map[K]V) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
