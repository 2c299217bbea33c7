package cache

import (
	"fmt"
	"slices"
	"strings"
)

// Config is the cache node's configuration; the zero value is valid and
// means Redis's defaults with persistence off.
type Config struct {
	// AppendOnly turns the append-only file on (appendonly yes).
	AppendOnly bool
	// AppendFsync is when the AOF is synced: "always" (before the reply),
	// "everysec" (default) or "no" (left to the OS).
	AppendFsync string
	// Hz is how many times a second background work (active expiry, AOF
	// sync retries) runs; Redis's default is 10, its range 1..500.
	Hz int
	// Databases is the number of logical databases SELECT can choose from;
	// Redis's default is 16.
	Databases int
	// MaxMemoryBytes is maxmemory: the dataset size (memory.go) past which
	// keys are evicted before each command; 0 means no limit.
	MaxMemoryBytes int64
	// MaxMemoryPolicy is maxmemory-policy: which keys go when over the
	// limit (evict.go); default noeviction.
	MaxMemoryPolicy string
	// MaxMemorySamples is maxmemory-samples: keys sampled per database
	// per eviction by the LRU, LFU and TTL policies; default 5, 1..64.
	MaxMemorySamples int
}

const (
	defaultHz        = 10
	hzMax            = 500
	defaultDatabases = 16
	databasesMax     = 1 << 16
	// defaultMaxMemorySamples and maxMemorySamplesMax are Redis's default
	// and range for maxmemory-samples.
	defaultMaxMemorySamples = 5
	maxMemorySamplesMax     = 64
)

// Fsync policies for Config.AppendFsync.
const (
	FsyncAlways   = "always"
	FsyncEverysec = "everysec"
	FsyncNo       = "no"
)

// Validate reports the first invalid field. Zero values are valid: they
// stand for the defaults.
func (c Config) Validate() error {
	switch c.AppendFsync {
	case "", FsyncAlways, FsyncEverysec, FsyncNo:
	default:
		return fmt.Errorf("cache config: appendfsync %q: must be always, everysec or no", c.AppendFsync)
	}
	if c.Hz < 0 || c.Hz > hzMax {
		return fmt.Errorf("cache config: hz %d: must be between 1 and %d (0 means %d)", c.Hz, hzMax, defaultHz)
	}
	if c.Databases < 0 || c.Databases > databasesMax {
		return fmt.Errorf("cache config: databases %d: must be between 1 and %d (0 means %d)", c.Databases, databasesMax, defaultDatabases)
	}
	if c.MaxMemoryBytes < 0 {
		return fmt.Errorf("cache config: maxmemory %d: must not be negative (0 means no limit)", c.MaxMemoryBytes)
	}
	if c.MaxMemoryPolicy != "" && !slices.Contains(maxMemoryPolicies, c.MaxMemoryPolicy) {
		return fmt.Errorf("cache config: maxmemory-policy %q: must be one of %s", c.MaxMemoryPolicy, strings.Join(maxMemoryPolicies, ", "))
	}
	if c.MaxMemorySamples < 0 || c.MaxMemorySamples > maxMemorySamplesMax {
		return fmt.Errorf("cache config: maxmemory-samples %d: must be between 1 and %d (0 means %d)", c.MaxMemorySamples, maxMemorySamplesMax, defaultMaxMemorySamples)
	}
	return nil
}

// withDefaults fills zero fields with Redis's defaults.
func (c Config) withDefaults() Config {
	if c.AppendFsync == "" {
		c.AppendFsync = FsyncEverysec
	}
	if c.Hz == 0 {
		c.Hz = defaultHz
	}
	if c.Databases == 0 {
		c.Databases = defaultDatabases
	}
	if c.MaxMemoryPolicy == "" {
		c.MaxMemoryPolicy = PolicyNoEviction
	}
	if c.MaxMemorySamples == 0 {
		c.MaxMemorySamples = defaultMaxMemorySamples
	}
	return c
}
