package cachelab

import (
	"fmt"
	"sort"
	"strconv"

	"gopkg.in/yaml.v3"

	"syslab/engines/cache/resp"
	"syslab/node"
)

// actionReshard moves slots between masters under load, as
// `redis-cli --cluster reshard --cluster-from A --cluster-to B
// --cluster-slots N` does:
//
//	reshard: {slots: 1000, from: c1, to: c2}
//
// For each slot, in ascending order of the source's slots: SETSLOT
// IMPORTING on the target, SETSLOT MIGRATING on the source, then
// GETKEYSINSLOT and MIGRATE … KEYS in batches until the slot is empty,
// then SETSLOT NODE on the target, the source and the other masters.
const actionReshard = "reshard"

type reshardParams struct {
	slots    int
	from, to node.ID
}

func decodeReshard(n *yaml.Node, nodes []node.ID) (reshardParams, error) {
	var p reshardParams
	if n == nil || n.Kind != yaml.MappingNode {
		return p, fmt.Errorf("reshard: want a mapping such as {slots: 1000, from: c1, to: c2}")
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		seen[k.Value] = true
		switch k.Value {
		case "slots":
			s, err := strconv.Atoi(v.Value)
			if err != nil || v.Kind != yaml.ScalarNode || s < 1 || s > 16384 {
				return p, fmt.Errorf("reshard.slots: %q: want 1 to 16384", v.Value)
			}
			p.slots = s
		case "from", "to":
			id := node.ID(v.Value)
			if v.Kind != yaml.ScalarNode || indexOf(nodes, id) < 0 {
				return p, fmt.Errorf("reshard.%s: %q is no node of the topology", k.Value, v.Value)
			}
			if k.Value == "from" {
				p.from = id
			} else {
				p.to = id
			}
		default:
			return p, fmt.Errorf("reshard: unknown field %q (known: from, slots, to)", k.Value)
		}
	}
	for _, f := range []string{"from", "slots", "to"} {
		if !seen[f] {
			return p, fmt.Errorf("reshard: missing %s", f)
		}
	}
	if p.from == p.to {
		return p, fmt.Errorf("reshard: from and to are both %s", p.from)
	}
	return p, nil
}

// reshard moves p.slots slots from p.from to p.to, then calls done. An
// error (a node that stays silent, MIGRATE refused) stops it where it is
// and is counted: the slot in the middle stays MIGRATING/IMPORTING, as
// redis-cli leaves it for `--cluster fix`.
func (o *operator) reshard(p reshardParams, done func()) {
	began := o.elapsed()
	finish := func(err error) {
		o.facts.reshardTime += o.elapsed() - began
		if err != nil {
			o.facts.reshardErrors++
			o.facts.reshardErrorDetail = err.Error()
		}
		if err != nil {
			o.env.Logf("cachelab: reshard %s → %s stopped: %v", p.from, p.to, err)
		}
		done()
	}
	o.call(p.from, func(v resp.Value) {
		slots, err := o.ownSlots(p.from, v)
		if err != nil {
			finish(err)
			return
		}
		if len(slots) > p.slots {
			slots = slots[:p.slots]
		}
		o.moveSlots(p, slots, finish)
	}, "CLUSTER", "NODES")
}

// ownSlots reads the slots a node owns by its own CLUSTER NODES, sorted.
func (o *operator) ownSlots(id node.ID, v resp.Value) ([]int, error) {
	if v.Kind == resp.Error {
		return nil, fmt.Errorf("%s: %s", id, v.Str)
	}
	lines, err := parseClusterNodes(string(v.Str))
	if err != nil {
		return nil, err
	}
	var slots []int
	for _, l := range lines {
		if l.has("myself") {
			for _, r := range l.slots {
				for s := r[0]; s <= r[1]; s++ {
					slots = append(slots, s)
				}
			}
		}
	}
	sort.Ints(slots)
	return slots, nil
}

func (o *operator) moveSlots(p reshardParams, slots []int, finish func(error)) {
	if len(slots) == 0 {
		finish(nil)
		return
	}
	slot := strconv.Itoa(slots[0])
	src, dst := o.names[p.from], o.names[p.to]
	fail := func(err error) { finish(fmt.Errorf("slot %s: %v", slot, err)) }
	o.call(p.to, func(v resp.Value) {
		if err := wantOK(p.to, v); err != nil {
			fail(err)
			return
		}
		o.call(p.from, func(v resp.Value) {
			if err := wantOK(p.from, v); err != nil {
				fail(err)
				return
			}
			o.migrateKeys(p, slot, func(err error) {
				if err != nil {
					fail(err)
					return
				}
				owners := append([]node.ID{p.to, p.from}, o.otherMasters(p)...)
				o.each(owners, func(node.ID) []string {
					return []string{"CLUSTER", "SETSLOT", slot, "NODE", dst}
				}, wantOK, func() {
					o.facts.reshardSlots++
					o.moveSlots(p, slots[1:], finish)
				}, fail)
			})
		}, "CLUSTER", "SETSLOT", slot, "MIGRATING", dst)
	}, "CLUSTER", "SETSLOT", slot, "IMPORTING", src)
}

// otherMasters are the masters of the layout other than the two ends.
func (o *operator) otherMasters(p reshardParams) []node.ID {
	var out []node.ID
	for _, m := range o.layout.masters {
		if m != p.from && m != p.to {
			out = append(out, m)
		}
	}
	return out
}

// migrateKeys empties slot on the source, reshardBatchKeys at a time.
func (o *operator) migrateKeys(p reshardParams, slot string, done func(error)) {
	o.call(p.from, func(v resp.Value) {
		if v.Kind == resp.Error {
			done(fmt.Errorf("%s: %s", p.from, v.Str))
			return
		}
		if len(v.Elems) == 0 {
			done(nil)
			return
		}
		args := []string{"MIGRATE", string(p.to), o.ports[p.to], "", "0", strconv.Itoa(migrateTimeoutMillis), "KEYS"}
		for _, k := range v.Elems {
			args = append(args, string(k.Str))
		}
		o.call(p.from, func(v resp.Value) {
			if v.Kind == resp.Error {
				done(fmt.Errorf("%s: %s", p.from, v.Str))
				return
			}
			o.facts.reshardKeys += len(args) - 7
			o.migrateKeys(p, slot, done)
		}, args...)
	}, "CLUSTER", "GETKEYSINSLOT", slot, strconv.Itoa(reshardBatchKeys))
}
