package cache

// Writable replicas: replica-read-only no. A replica then takes writes
// from its own clients too; they stay local (a replica feeds no stream)
// and the master's next full sync replaces them. A replica expires no key
// itself — its master's DELs do — except the keys its own clients gave a
// TTL, which nobody else would ever delete: Redis remembers those
// (rememberSlaveKeyWithExpire) and its cron expires them, and so does
// this node.

// localExpiringKeysMax bounds the keys remembered; past it, more are not
// remembered (they still read as expired, and a full sync drops them).
const localExpiringKeysMax = 1 << 20

// localExpiringKey is a key a client of this replica gave a TTL.
type localExpiringKey struct {
	dbIndex int
	key     string
}

// rememberReplicaWrites notes, after a client's write on a writable
// replica, which of its keys now carry a TTL.
func (n *Node) rememberReplicaWrites(c *call, keys [][]byte) {
	r := &n.repl
	for _, key := range keys {
		e := c.db.peek(key)
		if e == nil || e.expireAtMillis == noExpiry || len(r.localExpiring) >= localExpiringKeysMax {
			continue
		}
		k := localExpiringKey{dbIndex: c.dbIndex, key: string(key)}
		if r.localExpiringSet == nil {
			r.localExpiringSet = make(map[localExpiringKey]bool)
		}
		if !r.localExpiringSet[k] {
			r.localExpiringSet[k] = true
			r.localExpiring = append(r.localExpiring, k)
		}
	}
}

// expireReplicaWrites is the replica's cron step: delete the remembered
// keys whose TTL passed, forget those that lost it or are gone.
func (n *Node) expireReplicaWrites(nowMillis int64) {
	r := &n.repl
	kept := r.localExpiring[:0]
	for _, k := range r.localExpiring {
		ks := n.dbs[k.dbIndex]
		e := ks.peek([]byte(k.key))
		switch {
		case e == nil || e.expireAtMillis == noExpiry:
		case e.expireAtMillis <= nowMillis:
			ks.delete(k.key)
			n.keyExpired(k.dbIndex, k.key)
		default:
			kept = append(kept, k)
			continue
		}
		delete(r.localExpiringSet, k)
	}
	clear(r.localExpiring[len(kept):])
	r.localExpiring = kept
}

// forgetReplicaWrites drops the remembered keys: the node stopped being a
// replica, or a full sync replaced its dataset.
func (n *Node) forgetReplicaWrites() {
	n.repl.localExpiring, n.repl.localExpiringSet = nil, nil
}
