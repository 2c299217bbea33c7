// Package cluster is Redis Cluster inside the node contract: hash slots
// (slot.go), one node's view of the cluster and the CLUSTER commands
// (state.go, commands.go), the cluster bus — heartbeats with gossip,
// failure detection, slot ownership by configEpoch (bus.go, messages.go)
// — replica failover by majority vote (failover.go) and the nodes.conf
// every node persists (nodesconf.go).
//
// State is a pure state machine: it reads the clock, sends messages and
// writes nodes.conf through node.Env, draws randomness from env.Rand,
// never iterates a map where order could matter, and sets no timers — its
// host (the cache node, engines/cache/cluster.go) calls Cron every
// CronInterval and hands it the bus messages it receives.
//
// Where this differs from Redis, and why:
//   - The bus rides the node contract's network, which may lose and
//     duplicate messages (Redis's TCP would not): votes are counted per
//     voter, and a candidate resends its vote request to masters that
//     have not answered, which re-ack only the candidate they voted for.
//   - A master pausing for a manual failover answers writes TRYAGAIN
//     instead of blocking its clients (the node cannot hold a reply).
//   - Not implemented: replica migration (cluster-migration-barrier is
//     only kept), nofailover, hostnames, CLUSTER LINKS and HELP, pub/sub
//     over the bus.
package cluster

// SlotCount is the number of hash slots a Redis Cluster divides keys into.
const SlotCount = 16384

// KeySlot is the hash slot of key: CRC16-XMODEM of the key, or of its hash
// tag — the text between the first '{' and the next '}' when that text is not
// empty — modulo SlotCount, as the Redis Cluster specification defines it.
func KeySlot(key []byte) int {
	if open := indexByte(key, '{'); open >= 0 {
		if end := indexByte(key[open+1:], '}'); end > 0 {
			key = key[open+1 : open+1+end]
		}
	}
	return int(crc16(key)) & (SlotCount - 1)
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

// crc16 is CRC-16/XMODEM: polynomial 0x1021, initial value 0, no
// reflection, no final xor. It runs a byte at a time from a table, since
// every keyed command in cluster mode hashes its keys.
func crc16(data []byte) uint16 {
	var crc uint16
	for _, b := range data {
		crc = crc<<8 ^ crc16Table[byte(crc>>8)^b]
	}
	return crc
}

// crc16Table holds the CRC of each byte value, computed bit by bit.
var crc16Table = func() (table [256]uint16) {
	for i := range table {
		crc := uint16(i) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
		table[i] = crc
	}
	return table
}()

// SlotOwner maps a slot to one of n equal contiguous ranges, the way
// `redis-cli --cluster create` splits slots among n masters.
func SlotOwner(slot, n int) int {
	if n <= 0 || slot < 0 || slot >= SlotCount {
		panic("cluster: SlotOwner: slot or node count out of range")
	}
	// Range i is [i*SlotCount/n, (i+1)*SlotCount/n).
	owner := slot * n / SlotCount
	for owner+1 < n && slot >= (owner+1)*SlotCount/n {
		owner++
	}
	for owner > 0 && slot < owner*SlotCount/n {
		owner--
	}
	return owner
}
