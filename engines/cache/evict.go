package cache

import (
	"math"
	"math/rand/v2"
	"time"

	"syslab/engines/cache/resp"
)

// Eviction, as Redis's evict.c: when maxmemory is set and the dataset is
// over it, the node deletes keys chosen by maxmemory-policy before it runs
// the next command. If it cannot get under the limit (noeviction, or no key
// the policy may evict), commands that may grow memory (flagDenyOOM) are
// refused with an OOM error; reads, DEL and the like still run.
//
// The LRU, LFU and TTL policies do not keep an exact order of all keys (it
// would cost memory and time on every access). Like Redis they sample
// maxmemory-samples random keys per database into a small pool of the best
// candidates seen so far, which survives between evictions, and evict the
// best of the pool. With 5 samples this approximates true LRU closely.

// Policies for Config.MaxMemoryPolicy.
const (
	PolicyNoEviction     = "noeviction"
	PolicyAllKeysLRU     = "allkeys-lru"
	PolicyVolatileLRU    = "volatile-lru"
	PolicyAllKeysLFU     = "allkeys-lfu"
	PolicyVolatileLFU    = "volatile-lfu"
	PolicyAllKeysRandom  = "allkeys-random"
	PolicyVolatileRandom = "volatile-random"
	PolicyVolatileTTL    = "volatile-ttl"
)

var maxMemoryPolicies = []string{
	PolicyNoEviction, PolicyAllKeysLRU, PolicyVolatileLRU, PolicyAllKeysLFU,
	PolicyVolatileLFU, PolicyAllKeysRandom, PolicyVolatileRandom, PolicyVolatileTTL,
}

const (
	// evictionPoolSize is how many candidates the pool keeps (Redis's
	// EVPOOL_SIZE).
	evictionPoolSize = 16
	// lfuInitVal is a new key's LFU counter, so a key just written is not
	// evicted before it had a chance to be read (LFU_INIT_VAL).
	lfuInitVal = 5
	// lfuLogFactor and lfuDecayMinutes are Redis's defaults for
	// lfu-log-factor and lfu-decay-time: the counter reaches 255 after
	// about a million accesses, and loses one per idle minute.
	lfuLogFactor    = 10
	lfuDecayMinutes = 1
	millisPerMinute = 60 * 1000
)

var replyOOM = resp.Err("OOM command not allowed when used memory > 'maxmemory'.")

// policy is the parsed maxmemory-policy.
type policy struct {
	name string
	// allKeys: candidates are all keys, not only those with a TTL.
	allKeys bool
	kind    policyKind
}

type policyKind uint8

const (
	policyNone policyKind = iota
	policyLRU
	policyLFU
	policyRandom
	policyTTL
)

func parsePolicy(name string) policy {
	p := policy{name: name}
	switch name {
	case PolicyAllKeysLRU, PolicyAllKeysLFU, PolicyAllKeysRandom:
		p.allKeys = true
	}
	switch name {
	case PolicyAllKeysLRU, PolicyVolatileLRU:
		p.kind = policyLRU
	case PolicyAllKeysLFU, PolicyVolatileLFU:
		p.kind = policyLFU
	case PolicyAllKeysRandom, PolicyVolatileRandom:
		p.kind = policyRandom
	case PolicyVolatileTTL:
		p.kind = policyTTL
	}
	return p
}

// accessClock is the node's view of "now" and how it tracks accesses,
// shared by its databases so that creating or reading a key can stamp the
// entry the way the eviction policy needs (Redis keeps both in robj->lru).
type accessClock struct {
	// nowMillis is the time of the event being handled; the node sets it
	// before running a command.
	nowMillis int64
	// lfu: keep the LFU counters (only under an LFU policy, as Redis).
	lfu bool
	// sampleAllKeys: databases keep an index of all keys to sample from.
	sampleAllKeys bool
	rng           *rand.Rand
	// byAccess: the policy evicts by LRU or LFU; maxMemoryBytes is the
	// node's maxmemory. Together they say whether small integers are
	// shared objects (sharesIntegers).
	byAccess       bool
	maxMemoryBytes *int64
}

// sharesIntegers reports whether a string value written now would be one
// of Redis's shared integer objects if it holds one: not under maxmemory
// with an LRU or LFU policy, where every value needs its own access bits
// (Redis's MAXMEMORY_FLAG_NO_SHARED_INTEGERS). OBJECT REFCOUNT shows it.
func (a *accessClock) sharesIntegers() bool {
	return *a.maxMemoryBytes == 0 || !a.byAccess
}

func (a *accessClock) initEntry(e *entry) {
	*e = entry{lruMillis: a.nowMillis, lfu: lfuInitVal, lfuDecrMinutes: int32(a.nowMillis / millisPerMinute)}
}

// touch records an access to e (Redis's lookupKey without NOTOUCH).
func (a *accessClock) touch(e *entry) {
	e.lruMillis = a.nowMillis
	if a.lfu {
		e.lfu = lfuLogIncr(lfuDecayed(e, a.nowMillis), a.rng)
		e.lfuDecrMinutes = int32(a.nowMillis / millisPerMinute)
	}
}

// lfuDecayed is e's counter after one decrement per lfuDecayMinutes since
// it was last decayed (Redis's LFUDecrAndReturn); it does not store it.
func lfuDecayed(e *entry, nowMillis int64) uint8 {
	periods := (nowMillis/millisPerMinute - int64(e.lfuDecrMinutes)) / lfuDecayMinutes
	if periods <= 0 {
		return e.lfu
	}
	if periods >= int64(e.lfu) {
		return 0
	}
	return e.lfu - uint8(periods)
}

// lfuLogIncr increments counter with probability 1/((counter-init)·factor+1),
// so it grows with the logarithm of the accesses (Redis's LFULogIncr).
func lfuLogIncr(counter uint8, rng *rand.Rand) uint8 {
	if counter == math.MaxUint8 {
		return counter
	}
	base := max(float64(counter)-lfuInitVal, 0)
	if rng.Float64() < 1/(base*lfuLogFactor+1) {
		counter++
	}
	return counter
}

// evictionCandidate is one pool slot: a higher score is a better victim.
type evictionCandidate struct {
	score   uint64
	key     string
	dbIndex int
}

// evictionPool holds the best candidates sampled so far, sorted by
// ascending score. Entries may be stale (the key was deleted or rewritten
// since): they are checked when popped.
type evictionPool struct {
	entries []evictionCandidate
}

// insert adds a candidate unless the pool is full of better ones; when
// full, the worst candidate makes room.
func (p *evictionPool) insert(c evictionCandidate) {
	for i := range p.entries {
		if p.entries[i].key == c.key && p.entries[i].dbIndex == c.dbIndex {
			p.remove(i) // re-sampled: its score is fresher now
			break
		}
	}
	if len(p.entries) == evictionPoolSize {
		if c.score <= p.entries[0].score {
			return
		}
		p.remove(0)
	}
	i := len(p.entries)
	for i > 0 && p.entries[i-1].score > c.score {
		i--
	}
	p.entries = append(p.entries, evictionCandidate{})
	copy(p.entries[i+1:], p.entries[i:])
	p.entries[i] = c
}

func (p *evictionPool) remove(i int) {
	copy(p.entries[i:], p.entries[i+1:])
	p.entries[len(p.entries)-1] = evictionCandidate{}
	p.entries = p.entries[:len(p.entries)-1]
}

// candidates is the set a policy samples from in ks.
func (n *Node) candidates(ks *keyspace) *ttlSet {
	if n.policy.allKeys {
		return ks.sampleAll
	}
	return &ks.volatile
}

// score rates e as a victim under the node's policy: idle time for LRU,
// rarity for LFU, nearness of expiry for volatile-ttl.
func (n *Node) score(e *entry) uint64 {
	now := n.access.nowMillis
	switch n.policy.kind {
	case policyLRU:
		return uint64(max(now-e.lruMillis, 0))
	case policyLFU:
		return math.MaxUint8 - uint64(lfuDecayed(e, now))
	case policyTTL:
		return math.MaxUint64 - uint64(e.expireAtMillis)
	}
	return 0
}

// populatePool samples maxmemory-samples keys of ks into the pool.
func (n *Node) populatePool(dbIndex int, ks *keyspace, from *ttlSet) {
	rng := n.env.Rand()
	for range n.cfg.MaxMemorySamples {
		key := from.random(rng)
		e := ks.dict.Ref(key)
		n.pool.insert(evictionCandidate{score: n.score(e), key: key, dbIndex: dbIndex})
	}
}

// pickVictim chooses the key to evict under the node's policy; ok is false
// when no key qualifies.
func (n *Node) pickVictim() (dbIndex int, key string, ok bool) {
	if n.policy.kind == policyRandom {
		// Round-robin over databases so one big database is not the only
		// one ever emptied (Redis's static next_db).
		for range n.dbs {
			n.evictNextDB = (n.evictNextDB + 1) % len(n.dbs)
			ks := n.dbs[n.evictNextDB]
			if from := n.candidates(ks); from.len() > 0 {
				return n.evictNextDB, from.random(n.env.Rand()), true
			}
		}
		return 0, "", false
	}
	// Each round either finds a live candidate or removes a stale one, and
	// populating a non-empty pool adds at least one, so this ends.
	for {
		total := 0
		for i, ks := range n.dbs {
			from := n.candidates(ks)
			if from.len() > 0 {
				n.populatePool(i, ks, from)
				total += from.len()
			}
		}
		if total == 0 {
			return 0, "", false
		}
		for len(n.pool.entries) > 0 {
			best := n.pool.entries[len(n.pool.entries)-1]
			n.pool.remove(len(n.pool.entries) - 1)
			ks := n.dbs[best.dbIndex]
			e := ks.dict.Ref(best.key)
			if e != nil && (n.policy.allKeys || e.expireAtMillis != noExpiry) {
				return best.dbIndex, best.key, true
			}
		}
	}
}

const (
	// defaultEvictionTenacity and evictionTenacityMax are Redis's default
	// and top of maxmemory-eviction-tenacity.
	defaultEvictionTenacity = 10
	evictionTenacityMax     = 100
	// evictionsPerTimeCheck is how many keys eviction frees between looks
	// at the time it took (Redis's 16).
	evictionsPerTimeCheck = 16
	// costPerEvictedKey is the simulator's time for one eviction:
	// sampling, the pool, the delete and its propagation, about a write's
	// calibrated cost (cost_calibrated.go).
	costPerEvictedKey = calibratedWriteFast
)

// evictAfterTransaction evicts down to a maxmemory lowered inside EXEC,
// once the transaction is over, and logs the DELs.
func (n *Node) evictAfterTransaction() {
	if n.stopped() || n.isReplica() {
		return
	}
	n.performEvictions()
	_ = n.writeAOF() // a failure is noted and retried by cron
	n.flushStream()
}

// performEvictions evicts keys until used memory fits in maxmemory, and
// reports whether commands may grow memory: true when it fits (or there is
// no limit), and also when eviction ran out of time and goes on in a timer
// (Redis's EVICT_RUNNING); false when nothing more can be evicted.
func (n *Node) performEvictions() bool {
	limit := n.cfg.MaxMemoryBytes
	if limit == 0 || n.paused() {
		// A pause keeps the dataset still: nothing is evicted and, as in
		// Redis, nothing is refused for memory either (pause.go).
		return true
	}
	if n.maxmemoryCountedBytes() <= limit {
		return true
	}
	fits := false
	n.timeCycle(latencyEventEvictionCycle, func() bool { // latency.go
		fits = n.evictDownTo(limit)
		return true
	})
	return fits || n.evictionTimerArmed
}

// evictDownTo evicts keys until used memory is at most limit, or until
// maxmemory-eviction-tenacity's time is up, when it arms the eviction
// timer to go on. It reports whether memory fits.
func (n *Node) evictDownTo(limit int64) bool {
	timeLimit := evictionTimeLimit(n.cfg.MaxMemoryEvictionTenacity)
	var startedAt time.Duration
	if n.clock.stopwatch != nil {
		startedAt = n.clock.stopwatch.Elapsed()
	}
	for evicted := 1; n.maxmemoryCountedBytes() > limit; evicted++ {
		if n.policy.kind == policyNone {
			return false
		}
		dbIndex, key, ok := n.pickVictim()
		if !ok {
			return false
		}
		n.dbs[dbIndex].delete(key)
		n.stats.EvictedKeys++
		n.env.Metrics().Add("cache_evicted_keys_total", 1)
		n.propagate(dbIndex, cmdDel, []byte(key))
		n.keyModified(dbIndex, []byte(key))
		n.notifyKeyspaceEvent(notifyEvicted, "evicted", []byte(key), dbIndex)
		if evicted%evictionsPerTimeCheck == 0 && timeLimit >= 0 && n.evictionElapsed(startedAt, evicted) > timeLimit {
			if !n.evictionTimerArmed && n.maxmemoryCountedBytes() > limit {
				n.evictionTimerArmed = true
				n.env.After(0, n.evictionTimerFired)
			}
			return n.maxmemoryCountedBytes() <= limit
		}
	}
	return true
}

// evictionElapsed is how long this eviction has run: measured in a
// server, evicted keys times the cost model's per-key figure in the
// simulator (whose clock stands still while a handler runs).
func (n *Node) evictionElapsed(startedAt time.Duration, evicted int) time.Duration {
	if n.clock.stopwatch != nil {
		return n.clock.stopwatch.Elapsed() - startedAt
	}
	return time.Duration(evicted) * costPerEvictedKey
}

// evictionTimerFired goes on evicting where a command's eviction ran out
// of time (Redis's evictionTimeProc): a slice of maxmemory-eviction-tenacity
// per run, as long as memory does not fit, with other work between.
func (n *Node) evictionTimerFired() {
	n.evictionTimerArmed = false
	if n.stopped() || n.isReplica() {
		return
	}
	n.performEvictions() // re-arms the timer if time is up again
	_ = n.writeAOF()     // a failure is noted and retried by cron
	n.flushStream()
}

// evictionTimeLimit is Redis's evictionTimeLimitUs for a tenacity of
// 0..100: 50 µs per step up to 10 (500 µs, the default), then 15% more
// per step (about two minutes at 99); at 100, no limit (-1).
func evictionTimeLimit(tenacity int) time.Duration {
	switch {
	case tenacity <= 10:
		return time.Duration(50*tenacity) * time.Microsecond
	case tenacity < evictionTenacityMax:
		return time.Duration(500*math.Pow(1.15, float64(tenacity-10))) * time.Microsecond
	}
	return -1
}

// applyMaxMemoryPolicy switches to the policy in n.cfg at run time (CONFIG
// SET maxmemory-policy): the counters an LFU policy needs start from
// Redis's initial value, and an allkeys policy gets its sampling index.
func (n *Node) applyMaxMemoryPolicy() {
	n.policy = parsePolicy(n.cfg.MaxMemoryPolicy)
	n.access.lfu = n.policy.kind == policyLFU
	n.access.byAccess = n.policy.kind == policyLRU || n.policy.kind == policyLFU
	n.access.sampleAllKeys = n.policy.allKeys
	n.pool = evictionPool{}
	for _, ks := range n.dbs {
		switch {
		case n.policy.allKeys && ks.sampleAll == nil:
			all := newTTLSet()
			ks.dict.Range(func(key string, _ entry) bool {
				all.add(key)
				return true
			})
			ks.sampleAll = &all
		case !n.policy.allKeys:
			ks.sampleAll = nil
		}
	}
}
