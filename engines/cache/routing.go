package cache

// Command routing in cluster mode: Redis's getNodeByQuery and
// clusterRedirectClient. Before a command with keys runs, the node checks
// that every key hashes to one slot and that it may serve that slot;
// otherwise it answers with the redirection a cluster client follows:
//
//	CROSSSLOT   the keys (of the command, or of all of EXEC's queued
//	            commands) hash to different slots
//	CLUSTERDOWN the slot has no owner ("Hash slot not served"), or the
//	            cluster state refuses keyed commands (Serving's error)
//	ASK         this node owns the slot but is migrating it and lacks a
//	            key: the client retries once at the target, after ASKING
//	TRYAGAIN    a multi-key command, sent with ASKING to the node importing
//	            the slot, whose keys have not all arrived yet
//	MOVED       another node owns the slot
//
// A node importing a slot serves it only to a client that sent ASKING just
// before (the flag lasts one command, or one transaction); a READONLY
// client may read a slot on a replica of its owner. Commands without keys
// are always served. MIGRATE is served locally while its slot is open.
//
// The node reads the cluster through slotRouter; a nil router means the
// node is not in cluster mode, and then nothing here runs at all.

import (
	"bytes"
	"strconv"
	"strings"

	"syslab/engines/cache/cluster"
	"syslab/engines/cache/resp"
)

// slotRouter is what routing needs from the cluster state: the facts about
// one slot, and whether the cluster accepts keyed commands at all (nil, or
// the error to answer, such as "CLUSTERDOWN The cluster is down").
// cluster.State implements it.
type slotRouter interface {
	Route(slot int) cluster.Route
	Serving() error
}

var clusterRoutingCommands = []commandSpec{
	{name: "asking", arity: 1, flags: flagFast, run: askingCommand},
}

// Redis's redirection errors, word for word (clusterRedirectClient).
const (
	errCrossSlot     = "CROSSSLOT Keys in request don't hash to the same slot"
	errTryAgain      = "TRYAGAIN Multiple keys request during rehashing of slot"
	errSlotUnbound   = "CLUSTERDOWN Hash slot not served"
	errClusterDown   = "CLUSTERDOWN The cluster is down"
	errClusterNotOn  = "ERR This instance has cluster support disabled"
	clusterDownCode  = "CLUSTERDOWN"
	redirectMovedTag = "MOVED "
	redirectAskTag   = "ASK "
)

// ASKING: serve the next command even if its slot is only being imported
// here. The flag lasts for that one command or, given before MULTI, until
// the transaction's EXEC or DISCARD (see consumeAsking).
func askingCommand(c *call) resp.Value {
	if c.node.router == nil {
		return resp.Err(errClusterNotOn)
	}
	c.session.asking = true
	return resp.OK
}

// consumeAsking returns whether the command about to run was preceded by
// ASKING, and drops the flag once that command is the last it covers, as
// Redis's resetClient does after each command: the flag survives ASKING
// itself, MULTI and the commands queued after it, and ends with EXEC or
// DISCARD or any command outside a transaction.
func consumeAsking(s *session, spec *commandSpec) bool {
	asking := s.asking
	switch {
	case spec == specAsking || spec == specMulti:
	case spec == specExec || spec == specDiscard || s.multi == nil:
		s.asking = false
	}
	return asking
}

// The specs routing treats specially, found in init (the command table
// cannot refer to them through its own initialization).
var specAsking, specMulti, specExec, specDiscard, specMigrate *commandSpec

// routeCommand decides whether this node serves the command. It returns
// the redirection or error to answer and true when it does not. An EXEC
// that is refused discards its transaction; any other refused command
// dooms the transaction it was queued in, as in Redis.
func (n *Node) routeCommand(s *session, spec *commandSpec, args [][]byte) (resp.Value, bool) {
	asking := consumeAsking(s, spec)
	refusal, refused := n.getNodeByQuery(s, spec, args, asking)
	if !refused {
		return resp.Value{}, false
	}
	if spec == specExec {
		n.endTransaction(s.client)
	} else {
		s.flagTransaction()
	}
	n.env.Metrics().Add("cache_cluster_redirects_total", 1)
	return refusal, true
}

// slotQuery accumulates the keys of a request, as getNodeByQuery walks
// them.
type slotQuery struct {
	firstKey     []byte
	slot         int
	route        cluster.Route
	multipleKeys bool
	migrating    bool
	importing    bool
	missingKeys  int
	write        bool
}

// keyVerdict is what slotQuery.add learned from one key.
type keyVerdict uint8

const (
	keyFits      keyVerdict = iota // same slot as the keys before
	keyCrossSlot                   // another slot: CROSSSLOT
	keyUnbound                     // the first key's slot has no owner
)

// add takes one key. As Redis, an unowned slot is reported at the first
// key, before any CROSSSLOT.
func (q *slotQuery) add(n *Node, db *keyspace, key []byte) keyVerdict {
	if q.firstKey == nil {
		q.firstKey = key
		q.slot = cluster.KeySlot(key)
		q.route = n.router.Route(q.slot)
		if q.route.Owner.Addr == "" {
			return keyUnbound
		}
		if q.route.Mine && !q.route.MigratingTo.IsZero() {
			q.migrating = true
		} else if q.route.Importing {
			q.importing = true
		}
	} else if !bytes.Equal(key, q.firstKey) {
		if cluster.KeySlot(key) != q.slot {
			return keyCrossSlot
		}
		q.multipleKeys = true
	}
	if (q.migrating || q.importing) && db.lookupNoTouch(key, n.env.Now().UnixMilli()) == nil {
		q.missingKeys++
	}
	return keyFits
}

// refusal words a verdict other than keyFits.
func (v keyVerdict) refusal() resp.Value {
	if v == keyUnbound {
		return resp.Err(errSlotUnbound)
	}
	return resp.Err(errCrossSlot)
}

// getNodeByQuery is Redis's function of that name, answering only
// "serve here" (false) or the error to reply (true).
func (n *Node) getNodeByQuery(s *session, spec *commandSpec, args [][]byte, asking bool) (resp.Value, bool) {
	var q slotQuery
	db := n.dbs[s.dbIndex]
	if spec == specExec {
		if s.multi == nil {
			return resp.Value{}, false // EXEC answers its own error
		}
		for _, queued := range s.multi.commands {
			if queued.spec.flags&flagWrite != 0 {
				q.write = true
			}
			for _, key := range commandKeys(queued.spec, queued.args) {
				if v := q.add(n, db, key); v != keyFits {
					return v.refusal(), true
				}
			}
		}
	} else {
		q.write = spec.flags&flagWrite != 0
		for _, key := range commandKeys(spec, args) {
			if v := q.add(n, db, key); v != keyFits {
				return v.refusal(), true
			}
		}
	}
	if q.firstKey == nil {
		return resp.Value{}, false // no keys: always served
	}
	r := &q.route
	if err := n.router.Serving(); err != nil {
		return clusterDownReply(err), true
	}
	if (q.migrating || q.importing) && spec == specMigrate {
		return resp.Value{}, false
	}
	if q.migrating && q.missingKeys > 0 {
		// Redis 7.0 asks even when some of several keys are still here:
		// the importing node then answers TRYAGAIN until all have moved.
		return redirect(redirectAskTag, q.slot, r.MigratingTo.Addr), true
	}
	if q.importing && asking {
		if q.multipleKeys && q.missingKeys > 0 {
			return resp.Err(errTryAgain), true
		}
		return resp.Value{}, false
	}
	if s.readonly && !q.write && !r.Mine && r.ReplicaOfOwner {
		return resp.Value{}, false
	}
	if !r.Mine {
		return redirect(redirectMovedTag, q.slot, r.Owner.Addr), true
	}
	return resp.Value{}, false
}

// redirect is "-MOVED slot ip:port" or "-ASK slot ip:port".
func redirect(tag string, slot int, addr string) resp.Value {
	msg := make([]byte, 0, len(tag)+6+len(addr))
	msg = append(msg, tag...)
	msg = strconv.AppendInt(msg, int64(slot), 10)
	msg = append(msg, ' ')
	msg = append(msg, addr...)
	return resp.Value{Kind: resp.Error, Str: msg}
}

// clusterDownReply words the cluster state's refusal as a CLUSTERDOWN error.
func clusterDownReply(err error) resp.Value {
	msg := err.Error()
	if msg == "" {
		return resp.Err(errClusterDown)
	}
	if !strings.HasPrefix(msg, clusterDownCode+" ") {
		msg = clusterDownCode + " " + msg
	}
	return resp.Err(msg)
}

// commandKeys are every key a call to spec names, movable keys included
// (Redis's getKeysFromCommandWithSpecs). A malformed key count yields no
// keys: the command itself then answers the error.
func commandKeys(spec *commandSpec, args [][]byte) [][]byte {
	if spec.flags&flagMovableKeys != 0 {
		return movableKeyFinders[spec](args)
	}
	return spec.keys(args)
}

// flagMovableKeys marks, at init, the specs movableKeyFinders knows, so
// the common command does not pay a map lookup to learn it has none (the
// highest bit of commandFlags; init checks no table entry uses it).
const flagMovableKeys commandFlags = 1 << 7

// movableKeyFinders locate the keys of the commands whose key positions
// depend on their arguments.
var movableKeyFinders = map[*commandSpec]func(args [][]byte) [][]byte{}

func init() {
	specAsking, specMulti, specExec, specDiscard, specMigrate = commandTable["asking"], commandTable["multi"],
		commandTable["exec"], commandTable["discard"], commandTable["migrate"]
	numkeysAt := func(at int) func([][]byte) [][]byte {
		return func(args [][]byte) [][]byte { return keysAfterCount(args, at, nil) }
	}
	destThenNumkeys := func(args [][]byte) [][]byte { return keysAfterCount(args, 2, args[1]) }
	finders := map[string]func([][]byte) [][]byte{
		"lmpop":       numkeysAt(1),
		"sintercard":  numkeysAt(1),
		"zunion":      numkeysAt(1),
		"zinter":      numkeysAt(1),
		"zdiff":       numkeysAt(1),
		"zintercard":  numkeysAt(1),
		"blmpop":      numkeysAt(2),
		"zunionstore": destThenNumkeys,
		"zinterstore": destThenNumkeys,
		"zdiffstore":  destThenNumkeys,
		"memory":      memoryUsageKeys,
		"migrate":     migrateKeys,
	}
	for _, spec := range commandTable {
		if spec.flags&flagMovableKeys != 0 {
			panic("cache: command " + spec.name + " uses the flag bit routing reserves for movable keys")
		}
	}
	for name, find := range finders {
		spec := commandTable[name]
		if spec == nil {
			panic("cache: movable-key finder for unknown command " + name)
		}
		movableKeyFinders[spec] = find
		spec.flags |= flagMovableKeys
	}
}

// keysAfterCount reads a numkeys argument at args[at] and returns the keys
// after it (after dest, if given).
func keysAfterCount(args [][]byte, at int, dest []byte) [][]byte {
	if at >= len(args) {
		return nil
	}
	count, ok := resp.ParseInt(args[at])
	if !ok || count <= 0 || count > int64(len(args)-at-1) {
		return nil
	}
	keys := args[at+1 : at+1+int(count) : at+1+int(count)]
	if dest == nil {
		return keys
	}
	return append([][]byte{dest}, keys...)
}

// memoryUsageKeys: MEMORY USAGE key names a key; other subcommands none.
func memoryUsageKeys(args [][]byte) [][]byte {
	if len(args) >= 3 && bytes.EqualFold(args[1], []byte("usage")) {
		return args[2:3:3]
	}
	return nil
}
