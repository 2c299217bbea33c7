package cache

import "testing"

func TestEncodingLimitsAgreeWithRedis(t *testing.T) {
	compareWithRedis(t, []string{
		"CONFIG GET hash-max-listpack-entries", "CONFIG GET hash-max-listpack-value", "CONFIG GET set-max-intset-entries",
		"CONFIG GET zset-max-listpack-entries", "CONFIG GET zset-max-listpack-value", "CONFIG GET list-max-listpack-size",
		"CONFIG GET list-compress-depth", "CONFIG GET hash-max-ziplist-entries", "CONFIG GET zset-max-ziplist-value",
		"CONFIG GET list-max-ziplist-size",
		"CONFIG SET hash-max-listpack-entries x", "CONFIG SET hash-max-listpack-entries -1",
		"CONFIG SET list-max-listpack-size -99999999999", "CONFIG SET set-max-intset-entries -1",
		"CONFIG SET list-compress-depth -1",
		// The thresholds decide encodings, at once for the next write.
		"HSET h a 1 b 2 c 3", "OBJECT ENCODING h",
		"CONFIG SET hash-max-ziplist-entries 2", "CONFIG GET hash-max-listpack-entries",
		"HSET h2 a 1 b 2", "OBJECT ENCODING h2", "HSET h2 c 3", "OBJECT ENCODING h2",
		"CONFIG SET hash-max-listpack-value 1kb", "CONFIG GET hash-max-listpack-value",
		"CONFIG SET zset-max-listpack-entries 1", "ZADD z 1 a", "OBJECT ENCODING z", "ZADD z 2 b", "OBJECT ENCODING z",
		"CONFIG SET zset-max-listpack-value 2", "ZADD z3 1 abc", "OBJECT ENCODING z3",
		"CONFIG SET set-max-intset-entries 2", "SADD s 1 2", "OBJECT ENCODING s", "SADD s 3", "OBJECT ENCODING s",
		"CONFIG SET list-max-listpack-size 5", "CONFIG GET list-max-ziplist-size",
		// Back to the defaults for the next protocol's run.
		"CONFIG SET hash-max-listpack-entries 512", "CONFIG SET hash-max-listpack-value 64",
		"CONFIG SET zset-max-listpack-entries 128", "CONFIG SET zset-max-listpack-value 64",
		"CONFIG SET set-max-intset-entries 512", "CONFIG SET list-max-listpack-size -2",
		"HSET big " + words("f", 1000), "OBJECT ENCODING big",
	})
}
