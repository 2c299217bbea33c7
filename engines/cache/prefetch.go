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
	n.prefetchKeys(s.dbIndex, keys, found[:])
	n.prefetchTouched ^= n.prefetchMembers(batch, found[:len(keys)])
}

// prefetchRound reads ahead the first key of each client's commands in a
// Round, as many clients as dict.PrefetchKeysMax keys cover from the
// start, each in the database it has selected; it returns how many
// clients it covered (at least one), whose commands should run next,
// while what was read is still in the cache.
func (n *Node) prefetchRound(round Round) (clients int) {
	if len(round) < 2 || len(n.dbs) == 0 {
		return len(round)
	}
	var scratch [dict.PrefetchKeysMax][]byte
	keys, db := scratch[:0], 0
	for clients < len(round) && len(keys) < len(scratch) {
		cc := round[clients]
		clientDB := 0 // a client's first command makes its session, in db 0
		if s := n.existingSession(cc.Client); s != nil {
			clientDB = s.dbIndex
		}
		if clientDB != db && len(keys) > 0 {
			n.prefetchKeys(db, keys, nil)
			keys = keys[:0]
		}
		db = clientDB
		if len(cc.Commands) > 0 && len(cc.Commands[0].Args) >= 2 {
			keys = append(keys, cc.Commands[0].Args[1])
		}
		clients++
	}
	n.prefetchKeys(db, keys, nil)
	return clients
}

// prefetchKeys reads ahead keys in database db, and the first byte of the
// string values found (the type GETs read); found, when long enough,
// receives the entries.
func (n *Node) prefetchKeys(db int, keys [][]byte, found []*entry) {
	if len(keys) == 0 {
		return
	}
	var ownFound [dict.PrefetchKeysMax]*entry
	if len(found) < len(keys) {
		found = ownFound[:]
	}
	touched := n.dbs[db].dict.Prefetch(keys, found)
	for _, e := range found[:min(len(keys), len(found))] {
		if e == nil {
			continue
		}
		if str, ok := e.value.(*stringObject); ok && len(str.data) > 0 {
			touched ^= str.data[0]
		}
	}
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
