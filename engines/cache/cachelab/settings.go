package cachelab

import (
	"fmt"
	"time"

	"gopkg.in/yaml.v3"
)

// Herd mitigations: how a cache-aside reader (read_through_origin) keeps a
// popular key's expiry from sending every reader to the origin at once.
const (
	// HerdNone: every reader that misses loads from the origin.
	HerdNone = "none"
	// HerdXFetch: probabilistic early refresh (Vattani, Chierichetti and
	// Lowenstein, "Optimal Probabilistic Cache Stampede Prevention",
	// VLDB 2015): a reader that hits recomputes anyway when
	// now − δ·β·ln(rand) ≥ expiry, δ being how long the last recompute
	// took. Refreshes happen before expiry, spread by the randomness, and
	// more likely the closer expiry and the slower the recompute.
	HerdXFetch = "xfetch"
	// HerdLock: a reader that misses takes a lease (SET lock:key NX PX);
	// the holder loads and fills, the others poll the key with backoff.
	HerdLock = "lock"
	// HerdCoalesce: request coalescing (singleflight) within one client
	// process: concurrent misses of one key share one origin load.
	HerdCoalesce = "coalesce"
)

var herdMitigations = []string{HerdNone, HerdXFetch, HerdLock, HerdCoalesce}

// clientSettings are config.client: how the lab's cache clients behave,
// beside the servers' own settings.
type clientSettings struct {
	Herd string // one of herdMitigations
	// TTL is how long a value read_through_origin fills stays cached.
	TTL time.Duration
	// XFetchBeta is XFetch's β: above 1 refreshes earlier, below later.
	XFetchBeta float64
	// LockTTL bounds how long a crashed holder can keep others waiting;
	// LockPoll is a waiter's first delay before it reads again, doubled up
	// to lockPollMax.
	LockTTL  time.Duration
	LockPoll time.Duration
	// Split > 1 keeps each key as Split copies key#1 … key#N: a set writes
	// every copy, a get reads one at random, so a hot key's reads spread
	// over the shards the copies hash to.
	Split int
	// Tracking turns on client-side caching: the client reads with
	// CLIENT TRACKING on (RESP3) and answers repeated gets from memory
	// until the server pushes an invalidation.
	Tracking bool
	// ReplicaReads sends each get to the key's master or one of its
	// replicas, picked at random (a replica answers reads, perhaps
	// stale), so a hot key's reads spread over its shard's copies; in
	// cluster mode the client sends READONLY to the replica first.
	ReplicaReads bool
	// WriteTTL, when set, gives every value a set or read_through writes
	// that time to live (SET … PX): the keys the volatile-* eviction
	// policies may evict. 0: no TTL.
	WriteTTL time.Duration
	// Cluster mode only: WaitReplicas > 0 follows every write with WAIT
	// WaitReplicas WaitTimeout and counts the write acknowledged only
	// when that many replicas acknowledged it.
	WaitReplicas int
	WaitTimeout  time.Duration
}

// lockPollMax caps a lock waiter's backoff.
const lockPollMax = 100 * time.Millisecond

// splitMax bounds config.client.split: a set writes that many copies.
const splitMax = 64

func defaultClientSettings() clientSettings {
	return clientSettings{Herd: HerdNone, TTL: 10 * time.Second, XFetchBeta: 1, LockTTL: time.Second, LockPoll: 5 * time.Millisecond, Split: 1, WaitTimeout: 100 * time.Millisecond}
}

// decodeClientSettings reads config.client.
func decodeClientSettings(n *yaml.Node) (clientSettings, error) {
	s := defaultClientSettings()
	if n.Kind != yaml.MappingNode {
		return s, fmt.Errorf("line %d: config.client: want a mapping such as {herd_mitigation: lock, ttl: 2s}", n.Line)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		var err error
		switch k.Value {
		case "herd_mitigation":
			s.Herd = v.Value
			if !contains(herdMitigations, s.Herd) {
				err = fmt.Errorf("%q: want one of %v", v.Value, herdMitigations)
			}
		case "ttl":
			s.TTL, err = positiveDuration(v)
		case "xfetch_beta":
			err = v.Decode(&s.XFetchBeta)
			if err == nil && !(s.XFetchBeta > 0 && s.XFetchBeta <= 100) {
				err = fmt.Errorf("%v: want a number in (0, 100]", v.Value)
			}
		case "lock_ttl":
			s.LockTTL, err = positiveDuration(v)
		case "lock_poll":
			s.LockPoll, err = positiveDuration(v)
		case "split":
			err = v.Decode(&s.Split)
			if err == nil && (s.Split < 1 || s.Split > splitMax) {
				err = fmt.Errorf("%d: want 1 to %d copies", s.Split, splitMax)
			}
		case "replica_reads":
			err = decodeYesNo(v, &s.ReplicaReads)
		case "tracking":
			err = decodeYesNo(v, &s.Tracking)
		case "write_ttl":
			s.WriteTTL, err = positiveDuration(v)
			if err == nil && s.WriteTTL%time.Millisecond != 0 {
				err = fmt.Errorf("%q: want whole milliseconds (PX)", v.Value)
			}
		case "wait_replicas":
			err = v.Decode(&s.WaitReplicas)
			if err == nil && (s.WaitReplicas < 0 || s.WaitReplicas > 16) {
				err = fmt.Errorf("%d: want 0 (no WAIT) to 16 replicas", s.WaitReplicas)
			}
		case "wait_timeout":
			s.WaitTimeout, err = positiveDuration(v)
		default:
			return s, fmt.Errorf("line %d: config.client: unknown setting %q (known: herd_mitigation, lock_poll, lock_ttl, replica_reads, split, tracking, ttl, wait_replicas, wait_timeout, write_ttl, xfetch_beta)", k.Line, k.Value)
		}
		if err != nil {
			return s, fmt.Errorf("line %d: config.client.%s: %v", v.Line, k.Value, err)
		}
	}
	if s.TTL < time.Millisecond || s.LockTTL < time.Millisecond {
		return s, fmt.Errorf("line %d: config.client: ttl and lock_ttl are set in whole milliseconds (PX), at least 1ms", n.Line)
	}
	return s, nil
}

// decodeOriginSettings reads config.origin.
func decodeOriginSettings(n *yaml.Node) (originSettings, error) {
	var s originSettings
	if n.Kind != yaml.MappingNode {
		return s, fmt.Errorf("line %d: config.origin: want a mapping such as {cpu: 2ms, latency: 5ms}", n.Line)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		var err error
		switch k.Value {
		case "cpu":
			s.CPU, err = positiveDuration(v)
		case "latency":
			s.Latency, err = positiveDuration(v)
		default:
			return s, fmt.Errorf("line %d: config.origin: unknown setting %q (known: cpu, latency)", k.Line, k.Value)
		}
		if err != nil {
			return s, fmt.Errorf("line %d: config.origin.%s: %v", v.Line, k.Value, err)
		}
	}
	return s, nil
}

func positiveDuration(v *yaml.Node) (time.Duration, error) {
	d, err := time.ParseDuration(v.Value)
	if err != nil || d <= 0 || v.Kind != yaml.ScalarNode {
		return 0, fmt.Errorf("%q: want a positive duration such as 5ms", v.Value)
	}
	return d, nil
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if x == y {
			return true
		}
	}
	return false
}
