package cache

import "testing"

// CONFIG REWRITE, dbfilename and cluster-enabled as redis-server 7.0
// started without a config file answers them.
func TestConfigWithoutAFileAgreesWithRedis(t *testing.T) {
	compareWithRedis(t, []string{
		"CONFIG REWRITE", "CONFIG REWRITE x", "CONFIG GET dbfilename", "CONFIG SET dbfilename other.rdb",
		"CONFIG GET cluster-enabled", "CONFIG SET cluster-enabled yes", "CONFIG GET dbfilename",
	})
}
