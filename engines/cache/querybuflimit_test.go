package cache

import "testing"

// CONFIG GET/SET client-query-buffer-limit answer as redis-server's: units,
// the minimum and each error.
func TestQueryBufferLimitConfigAgreesWithRedis(t *testing.T) {
	compareWithRedis(t, []string{
		"CONFIG GET client-query-buffer-limit",
		"CONFIG SET client-query-buffer-limit 1000",
		"CONFIG SET client-query-buffer-limit 1mbs",
		"CONFIG SET client-query-buffer-limit -1",
		"CONFIG SET client-query-buffer-limit 2mb",
		"CONFIG GET client-query-buffer-limit",
		"CONFIG SET client-query-buffer-limit 1048576",
		"CONFIG GET client-query-buffer-limit",
		// Back to the default: the next protocol's pass shares the server.
		"CONFIG SET client-query-buffer-limit 1gb",
		"CONFIG GET client-query-buffer-limit",
	})
}
