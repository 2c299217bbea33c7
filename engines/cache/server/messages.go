package server

import (
	"syslab/engines/cache"
	"syslab/engines/cache/cluster"
	"syslab/live"
	"syslab/node"
)

// busMessages are the messages cache nodes send each other over the bus,
// under the names the lab registers them by (cachelab), so a process that
// serves and runs the lab at once agrees with itself.
var busMessages = map[string]node.Message{
	// Replication (replication.go).
	"cache.ReplSync":       cache.ReplSync{},
	"cache.ReplFullResync": cache.ReplFullResync{},
	"cache.ReplRDBChunk":   cache.ReplRDBChunk{},
	"cache.ReplContinue":   cache.ReplContinue{},
	"cache.ReplStream":     cache.ReplStream{},
	"cache.ReplPing":       cache.ReplPing{},
	"cache.ReplAck":        cache.ReplAck{},
	"cache.ReplDetach":     cache.ReplDetach{},
	// MIGRATE between nodes (migrate.go).
	"cache.MigrateRequest": cache.MigrateRequest{},
	"cache.MigrateAck":     cache.MigrateAck{},
}

// registerBusMessages makes the bus messages able to cross a socket.
// RegisterValue ignores a repeated registration of the same name and
// type, so every server Start may call it.
func registerBusMessages() {
	for name, prototype := range busMessages { // order is irrelevant: each name registers on its own
		live.RegisterValue(name, prototype)
	}
	// The cluster bus (gossip, failover), listed by its package.
	for name, prototype := range cluster.Messages() {
		live.RegisterValue(name, prototype)
	}
}
