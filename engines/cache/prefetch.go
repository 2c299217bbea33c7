package cache

import (
	"syslab/engines/cache/dict"
	"syslab/node"
)

// prefetch reads ahead the keys of a batch of commands before they run, so
// their cache misses overlap instead of queuing one command after another
// (see dict.Prefetch). It is only a hint and changes nothing: a command's
// second argument is taken as its key whatever the command (a wrong guess
// costs one wasted lookup), the client's database as the batch starts is
// the one read (a SELECT inside the batch only makes the hint miss), and
// value objects are touched for strings, the type a batch of GETs reads.
func (n *Node) prefetch(client node.ID, batch Commands) {
	if len(batch) < 2 {
		return // nothing to overlap
	}
	s := n.existingSession(client)
	if s == nil || len(n.dbs) == 0 { // no keyspace: the node refuses service
		return
	}
	ks := n.dbs[s.dbIndex]
	var scratch [dict.PrefetchKeysMax][]byte
	keys := scratch[:0]
	for _, c := range batch {
		if len(keys) == len(scratch) {
			break
		}
		if len(c.Args) >= 2 {
			keys = append(keys, c.Args[1])
		}
	}
	var found [dict.PrefetchKeysMax]*entry
	touched := ks.dict.Prefetch(keys, found[:])
	for _, e := range found[:len(keys)] {
		if e == nil {
			continue
		}
		if str, ok := e.value.(*stringObject); ok && len(str.data) > 0 {
			touched ^= str.data[0]
		}
	}
	touched ^= n.prefetchMembers(batch, found[:len(keys)])
	n.prefetchTouched ^= touched
}

// prefetchMembers reads ahead, for a batch whose commands name one big
// set or hash (SADD myset m1, SADD myset m2, …; HSET, HGET alike), the
// third argument of each in that collection's table: in a large set the
// member lookups miss the cache just as key lookups do. found holds the
// entries of the batch's keys, in the order prefetch collected them.
func (n *Node) prefetchMembers(batch Commands, found []*entry) (touched byte) {
	var first *entry
	var scratch [dict.PrefetchKeysMax][]byte
	members := scratch[:0]
	k := 0
	for _, c := range batch {
		if len(c.Args) < 2 {
			continue
		}
		if k == len(found) {
			break
		}
		e := found[k]
		k++
		if e == nil || len(c.Args) < 3 {
			continue
		}
		if first == nil {
			first = e
		}
		if e == first && len(members) < len(scratch) {
			members = append(members, c.Args[2])
		}
	}
	if len(members) < 2 {
		return 0
	}
	switch v := first.value.(type) {
	case *setObject:
		if v.members != nil {
			touched = v.members.Prefetch(members, nil)
		}
	case *hashObject:
		if v.fields != nil {
			touched = v.fields.Prefetch(members, nil)
		}
	}
	return touched
}
