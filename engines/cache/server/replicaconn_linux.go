package server

import (
	"strconv"

	"syslab/engines/cache"
)

// A replica that connected as a client (SYNC, PSYNC: redis-server, another
// syslab server, redis-cli --replica) gets the node's replication messages
// on its connection, written in Redis's wire form: +FULLRESYNC, the RDB as
// one sized bulk without a trailing CRLF, +CONTINUE, then the raw command
// stream. The node's heartbeat (ReplPing) is not written: a socket replica
// hears the PINGs inside the stream instead, as from Redis.

// replicaBacklogBytesMax bounds what a replica's connection may have
// pending: Redis's client-output-buffer-limit for replicas (256mb hard).
// A replica that falls that far behind is disconnected and resyncs.
const replicaBacklogBytesMax = 256 << 20

// takeReplication encodes a replication message into the output buffer;
// false if msg is not one. c.mu is held.
func (c *conn) takeReplication(msg any) bool {
	switch m := msg.(type) {
	case cache.ReplFullResync:
		if !m.Legacy {
			c.out = append(c.out, "+FULLRESYNC "...)
			c.out = append(c.out, m.ReplID...)
			c.out = append(c.out, ' ')
			c.out = strconv.AppendInt(c.out, m.Offset, 10)
			c.out = append(c.out, "\r\n"...)
		}
		c.out = append(c.out, '$')
		c.out = strconv.AppendInt(c.out, int64(m.Bytes), 10)
		c.out = append(c.out, "\r\n"...)
	case cache.ReplRDBChunk:
		c.out = append(c.out, m.Data...)
	case cache.ReplContinue:
		c.out = append(c.out, "+CONTINUE "...)
		c.out = append(c.out, m.ReplID...)
		c.out = append(c.out, "\r\n"...)
	case cache.ReplStream:
		c.out = append(c.out, m.Data...)
	case cache.ReplPing:
		return true
	default:
		return false
	}
	if int64(len(c.out))+c.unsentBytes.Load() > replicaBacklogBytesMax {
		c.overflowed = true
	}
	return true
}
