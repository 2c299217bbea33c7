package cache

// The master's side of Redis's replication handshake on a client
// connection: REPLCONF, PSYNC and SYNC. Between nodes (the simulator, a
// cluster's bus) a replica asks for the stream with a ReplSync message;
// a real replica — redis-server, redis-cli --replica, another standalone
// `syslab serve cache`, Redis's test harness — connects as a client and
// sends these commands instead. From then on the connection is the
// replica's link: its session is marked a replica (Redis's CLIENT_SLAVE),
// nothing is answered to its commands any more, and the node sends it the
// same ReplFullResync, ReplRDBChunk, ReplContinue and ReplStream messages
// a node replica gets, which the server adapter writes in Redis's wire
// form (+FULLRESYNC, the RDB as one bulk, the raw command stream).
//
// Offsets on the wire follow Redis: PSYNC asks for the first byte it
// lacks (its applied offset + 1), REPLCONF ACK reports the bytes applied.

import (
	"bytes"
	"strconv"
	"strings"

	"syslab/engines/cache/resp"
	"syslab/node"
)

// replicaHostBytesMax bounds REPLCONF ip-address (Redis's NET_HOST_STR_LEN).
const replicaHostBytesMax = 256

// replicaSession is what REPLCONF told the master about a connection that
// is, or is about to be, a replica.
type replicaSession struct {
	// active is set once the connection sent SYNC or PSYNC (CLIENT_SLAVE).
	active bool
	// listeningPort and ipAddress are REPLCONF listening-port and
	// ip-address: where the replica serves its own clients (INFO slaveN).
	listeningPort int
	ipAddress     string
	// rdbOnly is REPLCONF rdb-only 1 (redis-cli --rdb): the connection
	// wants the snapshot and is closed after it, with no stream.
	rdbOnly bool
	// noData is REPLCONF rdb-filter-only with no "data" wanted
	// (redis-cli --replica asks so): the snapshot holds no keys. capaEOF
	// is REPLCONF capa eof, which Redis requires of such a replica.
	noData, capaEOF bool
}

var replicationHandshakeCommands = []commandSpec{
	{name: "replconf", arity: -1, run: replconfCommand},
	{name: "psync", arity: -3, run: syncCommand},
	{name: "sync", arity: 1, run: syncCommand},
}

// REPLCONF option value [option value …].
func replconfCommand(c *call) resp.Value {
	if len(c.args)%2 == 0 {
		return resp.Err(errSyntax)
	}
	r := &c.session.replica
	for i := 1; i < len(c.args); i += 2 {
		value := c.args[i+1]
		switch strings.ToLower(string(c.args[i])) {
		case "listening-port":
			port, ok := resp.ParseInt(value)
			if !ok {
				return resp.Err(errNotInteger)
			}
			r.listeningPort = int(port)
		case "ip-address":
			if len(value) >= replicaHostBytesMax {
				return resp.Err("ERR REPLCONF ip-address provided by replica instance is too long: " + strconv.Itoa(len(value)) + " bytes")
			}
			r.ipAddress = string(value)
		case "capa":
			// The snapshot always goes as a sized bulk, which every replica
			// reads, and +CONTINUE always names the history; eof is kept
			// for the check Redis makes of filtered replicas.
			if bytes.EqualFold(value, []byte("eof")) {
				r.capaEOF = true
			}
		case "ack":
			// Never answered, as in Redis: the replica does not read
			// replies on its link.
			c.silence()
			offset, ok := resp.ParseInt(value)
			if ok && r.active {
				c.node.connectionReplicaAck(c.client, offset)
			}
			return resp.OK
		case "getack":
			// Only a master asks this, inside its stream (applyStream);
			// from a client it is not answered, as in Redis.
			c.silence()
			return resp.OK
		case "rdb-only":
			on, ok := resp.ParseInt(value)
			if !ok || on < 0 || on > 1 {
				return resp.Err("ERR value is out of range, must be between 0 and 1")
			}
			r.rdbOnly = on == 1
		case "rdb-filter-only":
			filters, ok := resp.SplitArgs(value)
			if !ok {
				return resp.Err("ERR Missing rdb-filter-only values")
			}
			// Only the listed parts are sent; "functions" is the one part
			// Redis 7.0 can name, and this node has none to send.
			for _, f := range filters {
				if !bytes.EqualFold(f, []byte("functions")) {
					return resp.Err("ERR Unsupported rdb-filter-only option: " + string(f))
				}
			}
			r.noData = true
		default:
			return resp.Err("ERR Unrecognized REPLCONF option: " + string(c.args[i]))
		}
	}
	return resp.OK
}

// SYNC, and PSYNC replid offset: the connection becomes a replica.
func syncCommand(c *call) resp.Value {
	n, s := c.node, c.session
	if s.replica.active {
		c.silence() // Redis ignores a second SYNC
		return resp.OK
	}
	if l := n.repl.link; l != nil && (l.state != linkUp || l.replID == "") {
		return resp.Err("NOMASTERLINK Can't SYNC while not connected with my master")
	}
	if s.replica.noData && !s.replica.capaEOF {
		return resp.Err("ERR Filtered replica requires EOF capability")
	}
	m := ReplSync{ReplID: "?", Offset: -1, Attempt: 1}
	legacy := len(c.args) == 1 // SYNC: no +FULLRESYNC line, always a full sync
	if !legacy {
		offset, ok := resp.ParseInt(c.args[2])
		if !ok {
			return resp.Err(errNotInteger)
		}
		m.ReplID, m.Offset = string(c.args[1]), offset-1
	}
	s.replica.active = true
	c.silence() // what follows are replication messages
	rec := n.serveSync(c.client, m, syncOptions{legacy: legacy, noData: s.replica.noData})
	if rec == nil {
		n.killNow(c.client)
		return resp.OK
	}
	rec.conn, rec.legacy = true, legacy
	rec.host = s.replica.ipAddress
	if rec.host == "" {
		rec.host = hostOf(s.addr())
	}
	rec.port = s.replica.listeningPort
	if s.replica.rdbOnly {
		// The snapshot is on its way; nothing follows it.
		n.dropReplica(rec, "it asked for the RDB only")
	}
	return resp.OK
}

// silence marks the command's reply as one Redis never writes; inside a
// transaction it stays in EXEC's array.
func (c *call) silence() {
	if c.node.exec == nil {
		c.node.silenceReply = true
	}
}

// connectionReplicaAck is REPLCONF ACK from a replica on a connection. The
// offset comes from outside, so one past the master's is refused here,
// where a node replica's would be a bug (masterAck panics on it).
func (n *Node) connectionReplicaAck(client node.ID, offset int64) {
	if offset < 0 || offset > n.repl.offset {
		n.env.Logf("cache: replica %s acked offset %d, outside 0..%d; ignored", client, offset, n.repl.offset)
		return
	}
	n.masterAck(client, offset)
}
