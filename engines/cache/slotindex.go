package cache

import (
	"slices"

	"syslab/engines/cache/cluster"
)

// slotIndex is the keys of a database by hash slot (Redis's
// slots_to_keys), kept only in cluster mode: CLUSTER COUNTKEYSINSLOT
// reads a count, GETKEYSINSLOT and the deletion of a lost slot's keys
// read the set. Sets are maps, so readers sort what they return.
type slotIndex struct {
	counts [cluster.SlotCount]int32
	keys   [cluster.SlotCount]map[string]struct{}
}

func newSlotIndex() *slotIndex { return &slotIndex{} }

func (x *slotIndex) add(key string) {
	slot := cluster.KeySlot([]byte(key))
	if x.keys[slot] == nil {
		x.keys[slot] = make(map[string]struct{})
	}
	if _, dup := x.keys[slot][key]; dup {
		panic("cache: slot index: key " + key + " added twice")
	}
	x.keys[slot][key] = struct{}{}
	x.counts[slot]++
}

func (x *slotIndex) remove(key string) {
	slot := cluster.KeySlot([]byte(key))
	if _, ok := x.keys[slot][key]; !ok {
		panic("cache: slot index: removing key " + key + " it does not hold")
	}
	delete(x.keys[slot], key)
	x.counts[slot]--
	if x.counts[slot] == 0 {
		x.keys[slot] = nil
	}
}

func (x *slotIndex) count(slot int) int { return int(x.counts[slot]) }

// sorted returns up to countMax keys of slot, in byte order.
func (x *slotIndex) sorted(slot, countMax int) []string {
	keys := make([]string, 0, len(x.keys[slot]))
	for k := range x.keys[slot] {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys[:min(countMax, len(keys))]
}
