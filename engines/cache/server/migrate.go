package server

import (
	"bufio"
	"net"
	"strconv"
	"time"

	"syslab/engines/cache"
	"syslab/engines/cache/resp"
	"syslab/node"
)

// MIGRATE to a RESP server. The node asks for a migration by sending a
// cache.MigrateRequest to the target and waits, with MIGRATE's timeout,
// for a cache.MigrateAck (engines/cache/migrate.go). In the simulator and
// in a cluster the target is a node that answers itself; a standalone
// server names the target "host:port" (Config.PeersByAddress), which the
// runtime has no route to, so the request comes here and this adapter
// does what Redis's MIGRATE does on its socket: AUTH if asked, SELECT,
// one RESTORE per key (pipelined, once AUTH and SELECT succeeded), then
// reads the replies. The ack says
// which keys were restored, so the node deletes those (unless COPY) even
// when another failed, as Redis does. Any redis-server, or another
// `syslab serve cache`, can be the target: DUMP payloads are Redis 7.0's.
//
// A connection or I/O failure is acked at once with Redis's IOERR reply
// for it, and the source keeps its keys; keys the target had restored by
// then exist on both, as with Redis. Connections are not cached between
// MIGRATEs (INFO's migrate_cached_sockets stays 0).

// migrateTransfersMax bounds the transfers to RESP targets in flight; a
// request beyond it gets no ack, and its MIGRATE answers IOERR at its
// timeout, as with a target that does not answer.
const migrateTransfersMax = 64

// routeUnroutable is the runtime's Unroutable hook: it takes a
// MigrateRequest, and a replica's messages to its master (masterlink.go),
// addressed to a host:port, and declines everything else.
func (s *Server) routeUnroutable(to node.ID, msg node.Message) bool {
	if _, _, err := net.SplitHostPort(string(to)); err != nil {
		return false
	}
	var req cache.MigrateRequest
	switch m := msg.(type) {
	case cache.MigrateRequest:
		req = m
	case *cache.MigrateRequest:
		req = *m
	case cache.ReplSync:
		s.startReplicaLink(to, m)
		return true
	case cache.ReplAck:
		s.ackMaster(to, m.Offset)
		return true
	case cache.ReplDetach:
		s.stopReplicaLink(to)
		return true
	default:
		return false
	}
	if s.migrating.Add(1) > migrateTransfersMax {
		s.migrating.Add(-1)
		s.logf("cache server: MIGRATE to %s dropped: %d transfers already in flight", to, migrateTransfersMax)
		return true
	}
	go func() {
		defer s.migrating.Add(-1)
		ack, err := migrateOverRESP(string(to), req)
		if err != nil {
			s.logf("cache server: MIGRATE to %s: %v", to, err)
		}
		s.rt.Handle(to, ack) // false once the node stops: nobody waits then
	}()
	return true
}

// Redis's replies when MIGRATE's socket fails.
const (
	replyMigrateConnecting = "IOERR error or timeout connecting to the client"
	replyMigrateWriting    = "IOERR error or timeout writing to target instance"
	replyMigrateReading    = "IOERR error or timeout reading to target instance"
)

// migrateOverRESP sends req's keys to the RESP server at addr and returns
// the ack; a connection failure is also returned as err, for the log.
func migrateOverRESP(addr string, req cache.MigrateRequest) (cache.MigrateAck, error) {
	ack := cache.MigrateAck{Incarnation: req.Incarnation, Attempt: req.Attempt}
	timeout := req.Timeout
	if timeout <= 0 {
		timeout = time.Second // MIGRATE's own default for a timeout of 0
	}
	failed := func(reply string, err error) (cache.MigrateAck, error) {
		ack.IOErr = reply
		return ack, err
	}
	conn, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return failed(replyMigrateConnecting, err)
	}
	defer conn.Close()

	// AUTH and SELECT are answered before any RESTORE is sent: pipelined
	// behind a failed SELECT, the RESTOREs would land in database 0.
	var out []byte
	preamble := 1 // SELECT's reply, and AUTH's when sent
	switch {
	case req.Username != "":
		out = resp.AppendCommand(out, []byte("AUTH"), []byte(req.Username), []byte(req.Password))
		preamble++
	case req.Password != "":
		out = resp.AppendCommand(out, []byte("AUTH"), []byte(req.Password))
		preamble++
	}
	out = resp.AppendCommand(out, []byte("SELECT"), []byte(strconv.Itoa(req.DB)))
	r := resp.NewReader(bufio.NewReader(conn))
	if err := writeWithin(conn, out, timeout); err != nil {
		return failed(replyMigrateWriting, err)
	}
	for range preamble {
		conn.SetDeadline(time.Now().Add(timeout))
		v, err := r.ReadReply()
		if err != nil {
			return failed(replyMigrateReading, err)
		}
		if v.Kind == resp.Error {
			ack.Err = string(v.Str) // nothing was restored
			return ack, nil
		}
	}

	out = out[:0]
	for _, k := range req.Keys {
		ttl := []byte(strconv.FormatInt(k.TTLMillis, 10))
		if req.Replace {
			out = resp.AppendCommand(out, []byte("RESTORE"), k.Key, ttl, k.Payload, []byte("REPLACE"))
		} else {
			out = resp.AppendCommand(out, []byte("RESTORE"), k.Key, ttl, k.Payload)
		}
	}
	if err := writeWithin(conn, out, timeout); err != nil {
		return failed(replyMigrateWriting, err)
	}
	restored := make([]bool, len(req.Keys))
	for i := range req.Keys {
		conn.SetDeadline(time.Now().Add(timeout))
		v, err := r.ReadReply()
		if err != nil {
			return failed(replyMigrateReading, err)
		}
		if v.Kind == resp.Error {
			if ack.Err == "" {
				ack.Err = string(v.Str)
			}
			continue
		}
		restored[i] = true
	}
	if ack.Err != "" {
		ack.Restored = restored
	}
	return ack, nil
}

// writeWithin writes b to conn, failing after timeout.
func writeWithin(conn net.Conn, b []byte, timeout time.Duration) error {
	conn.SetDeadline(time.Now().Add(timeout))
	_, err := conn.Write(b)
	return err
}
