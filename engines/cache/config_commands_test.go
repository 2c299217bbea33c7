package cache

import "testing"

// CONFIG REWRITE, dbfilename and cluster-enabled as redis-server 7.0
// started without a config file answers them.
func TestConfigWithoutAFileAgreesWithRedis(t *testing.T) {
	compareWithRedis(t, []string{
		"CONFIG REWRITE", "CONFIG REWRITE x", "CONFIG GET dbfilename", "CONFIG SET dbfilename other.rdb",
		"CONFIG GET cluster-enabled", "CONFIG SET cluster-enabled yes", "CONFIG GET dbfilename",
		"CONFIG GET replicaof", "CONFIG GET slaveof", "CONFIG SET replicaof \"127.0.0.1 1\"",
	})
}

// The AOF rewrite parameters read and change as redis-server's do, and
// the fixed ones refuse to change with its error.
func TestAOFConfigAgreesWithRedis(t *testing.T) {
	compareWithRedis(t, []string{
		// Each protocol's run starts from the defaults: the server is shared.
		"CONFIG SET aof-use-rdb-preamble yes auto-aof-rewrite-percentage 100 auto-aof-rewrite-min-size 64mb",
		"CONFIG GET aof-use-rdb-preamble", "CONFIG SET aof-use-rdb-preamble maybe", "CONFIG SET aof-use-rdb-preamble no",
		"CONFIG GET aof-use-rdb-preamble",
		"CONFIG GET auto-aof-rewrite-percentage", "CONFIG SET auto-aof-rewrite-percentage -1",
		"CONFIG SET auto-aof-rewrite-percentage x", "CONFIG SET auto-aof-rewrite-percentage 0",
		"CONFIG GET auto-aof-rewrite-percentage", "CONFIG SET auto-aof-rewrite-percentage 250",
		"CONFIG GET auto-aof-rewrite-min-size", "CONFIG SET auto-aof-rewrite-min-size 1mb",
		"CONFIG SET auto-aof-rewrite-min-size lots", "CONFIG GET auto-aof-rewrite-min-size",
		"CONFIG GET appendfilename", "CONFIG SET appendfilename other.aof",
		"CONFIG GET daemonize", "CONFIG SET daemonize yes",
		"CONFIG SET auto-aof-rewrite-percentage 10 daemonize yes", "CONFIG GET auto-aof-rewrite-percentage",
		"CONFIG SET aof-use-rdb-preamble yes auto-aof-rewrite-percentage 100 auto-aof-rewrite-min-size 64mb",
	})
}
