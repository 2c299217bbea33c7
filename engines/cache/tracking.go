package cache

import (
	"bytes"
	"sort"

	"syslab/engines/cache/dict"
	"syslab/engines/cache/resp"
)

// Client-side caching (CLIENT TRACKING), as Redis 6+ does it.
//
// Default mode: the node remembers, per key, the ids of the clients that
// read it with tracking on (the keys of read-only commands, located by the
// command table's key specs). When the key is modified, expired or evicted
// each of them is sent one invalidation and the key is forgotten: a client
// must read it again to hear about the next change. OPTIN remembers only
// the reads that directly follow CLIENT CACHING YES; OPTOUT all but those
// after CLIENT CACHING NO. BCAST remembers nothing: every modified key that
// starts with one of the client's prefixes is announced — not at once but,
// as Redis does in beforeSleep, once the event at hand is over: the keys
// modified meanwhile go out as one invalidation per prefix, sorted (a zero
// delay timer stands in for the end of Redis's event loop iteration, so
// an MSET of three keys is one message). NOLOOP skips the client whose own
// command modified the key (in BCAST mode: the last modification). A flush invalidates
// everything (a null key list) for every tracking client.
//
// Invalidations are pushes ("invalidate" [keys]) to RESP3 clients. A RESP2
// client cannot receive pushes, so it names a REDIRECT client, which gets
// them: as a push if it speaks RESP3, else as a Pub/Sub message on
// __redis__:invalidate when it is in subscribed mode. A client's own write
// is answered before the invalidation it causes, as Redis 7 does.
//
// Like Redis, the table is keyed by key name only: a change in any
// database invalidates the name.

// trackingKeysMax is the default bound of the tracking table (Redis's
// tracking-table-max-keys; CONFIG SET changes it, 0 lifts it). Past it,
// random keys are invalidated early and forgotten, which costs clients
// cache hits but never correctness. As in Redis, the bound is enforced
// before each command and in the cron, not on insertion, with an effort
// of trackingEvictEffort keys per try that grows while the table stays
// over (trackingLimitKeys).
const (
	trackingKeysMax     = 1_000_000
	trackingEvictEffort = 100
)

// trackingChannel is where RESP2 redirect targets hear invalidations.
const trackingChannel = "__redis__:invalidate"

// trackingSession is one client's tracking state.
type trackingSession struct {
	on, bcast, optin, optout, noloop bool
	// redirect is the id of the client that receives the invalidations, 0
	// for the client itself; brokenRedirect is set once that client was
	// found gone.
	redirect       int64
	brokenRedirect bool
	// caching is set by CLIENT CACHING YES (OPTIN) or NO (OPTOUT) and
	// applies to the next command (or the next transaction).
	caching  bool
	prefixes []string // BCAST prefixes
}

// trackingState is the node's side.
type trackingState struct {
	// keys maps a key to the ids of the clients that may cache it (sorted
	// ascending). Created on first use with a seed from env.Rand; nil when
	// no client tracks.
	keys *dict.Dict[[]int64]
	// items counts the (key, client) pairs in keys (INFO's
	// tracking_total_items).
	items int64
	// maxKeys is tracking-table-max-keys; overLimitTries counts the tries
	// in a row that ended still over it (Redis's timeout_counter).
	maxKeys        int64
	overLimitTries int64
	// clients are the sessions with tracking on, by ascending id: flushes
	// notify them in that order.
	clients []*session
	// prefixes maps each BCAST prefix to its clients (by ascending id);
	// prefixOrder lists the prefixes sorted, so fan-out order is fixed.
	prefixes    map[string][]*session
	prefixOrder []string
	// broadcast holds, per BCAST prefix, the keys modified since the last
	// broadcast and the session whose command last modified each (nil: an
	// expiry or eviction), for NOLOOP. Receive sends them when its message
	// is done; broadcastArmed is set while a timer is pending to send
	// those a timer's work added (node.inMessage).
	broadcast      map[string]map[string]*session
	broadcastArmed bool
	// expiring is set while a key deleted for expiry is signalled: no
	// client's command modified it.
	expiring bool
}

// startTracking registers tracking's listeners for modified keys and
// flushed databases.
func (n *Node) startTracking() {
	n.tracking.prefixes = make(map[string][]*session)
	n.tracking.maxKeys = trackingKeysMax
	n.onKeyModified = append(n.onKeyModified, n.trackingKeyModified)
	n.onFlush = append(n.onFlush, n.trackingFlushed)
}

// insertByID adds s to list (sorted by id) unless present.
func insertByID(list []*session, s *session) []*session {
	i := sort.Search(len(list), func(i int) bool { return list[i].id >= s.id })
	if i < len(list) && list[i] == s {
		return list
	}
	list = append(list, nil)
	copy(list[i+1:], list[i:])
	list[i] = s
	return list
}

var (
	msgInvalidate      = resp.BulkFromString("invalidate")
	msgRedirBroken     = resp.BulkFromString("tracking-redir-broken")
	msgTrackingChannel = resp.BulkFromString(trackingChannel)
)

// pushTo sends s a push, after the current reply if s is the client whose
// command is running.
func (n *Node) pushTo(s *session, v resp.Value) {
	if s == n.current {
		n.afterReply = append(n.afterReply, v)
		return
	}
	n.push(s.client, v)
}

// sendInvalidation tells s (or its redirect target) that keys changed;
// keys is an array of key names, or null for "everything".
func (n *Node) sendInvalidation(s *session, keys resp.Value) {
	target := s
	if id := s.tracking.redirect; id != 0 {
		target = n.clientsByID[id]
		if target == nil {
			s.tracking.brokenRedirect = true
			if s.protocol == resp.RESP3 {
				n.pushTo(s, resp.Value{Kind: resp.Push, Elems: []resp.Value{msgRedirBroken, resp.Int(id)}})
			}
			return
		}
	}
	switch {
	case target.protocol == resp.RESP3:
		n.pushTo(target, resp.Value{Kind: resp.Push, Elems: []resp.Value{msgInvalidate, keys}})
	case target != s && target.pubsub.subscribed():
		n.pushTo(target, resp.Value{Kind: resp.Push, Elems: []resp.Value{msgMessage, msgTrackingChannel, keys}})
	}
	// A RESP2 client without a redirect cannot be told anything.
}

// trackingKeyModified is the onKeyModified listener.
func (n *Node) trackingKeyModified(_ int, key []byte) {
	t := &n.tracking
	if len(t.clients) == 0 {
		return
	}
	for _, prefix := range t.prefixOrder {
		if !bytes.HasPrefix(key, []byte(prefix)) {
			continue
		}
		if t.broadcast == nil {
			t.broadcast = make(map[string]map[string]*session)
		}
		if t.broadcast[prefix] == nil {
			t.broadcast[prefix] = make(map[string]*session)
		}
		modifier := n.current
		if t.expiring {
			modifier = nil
		}
		t.broadcast[prefix][string(key)] = modifier
		if !n.inMessage && !t.broadcastArmed {
			t.broadcastArmed = true
			n.env.After(0, func() {
				t.broadcastArmed = false
				n.broadcastInvalidations()
			})
		}
	}
	n.invalidateTrackedKey(key)
}

// broadcastInvalidations sends the BCAST clients the keys modified since
// the last time: per prefix, in prefix order, the keys sorted.
func (n *Node) broadcastInvalidations() {
	t := &n.tracking
	if n.halted {
		return
	}
	pending := t.broadcast
	t.broadcast = nil
	for _, prefix := range t.prefixOrder {
		modifiedBy := pending[prefix]
		if len(modifiedBy) == 0 {
			continue
		}
		keys := make([]string, 0, len(modifiedBy))
		for key := range modifiedBy {
			keys = append(keys, key)
		}
		sort.Strings(keys) // never map order
		all := make([]resp.Value, len(keys))
		for i, key := range keys {
			all[i] = resp.BulkFromString(key)
		}
		for _, s := range t.prefixes[prefix] {
			list := all
			if s.tracking.noloop {
				list = nil
				for i, key := range keys {
					if modifiedBy[key] != s {
						list = append(list, all[i])
					}
				}
				if len(list) == 0 {
					continue
				}
			}
			n.sendInvalidation(s, resp.ArrayOf(list...))
		}
	}
}

// invalidateTrackedKey notifies the clients that may cache key and forgets
// them.
func (n *Node) invalidateTrackedKey(key []byte) {
	t := &n.tracking
	if t.keys == nil {
		return
	}
	ids, ok := t.keys.GetBytes(key)
	if !ok {
		return
	}
	t.keys.Delete(string(key))
	t.items -= int64(len(ids))
	keys := resp.ArrayOf(resp.Bulk(bytes.Clone(key)))
	for _, id := range ids {
		s := n.clientsByID[id]
		if s == nil || !s.tracking.on || s.tracking.bcast || (s.tracking.noloop && s == n.current) {
			continue // gone or changed its mind since it read the key
		}
		n.sendInvalidation(s, keys)
	}
}

// trackingFlushed is the onFlush listener: every tracking client is told
// to drop everything, and the table is emptied.
func (n *Node) trackingFlushed(int) {
	for _, s := range n.tracking.clients {
		n.sendInvalidation(s, resp.NullBulk)
	}
	if n.tracking.keys != nil {
		n.tracking.keys.Clear()
		n.tracking.items = 0
	}
}

// trackingLimitKeys invalidates random keys of the tracking table until it
// is within tracking-table-max-keys, as Redis's trackingLimitUsedSlots:
// at most trackingEvictEffort keys times the tries in a row that ended
// over the limit, so a big overshoot is worked off over several commands
// and cron ticks without stalling one.
func (n *Node) trackingLimitKeys() {
	t := &n.tracking
	if t.keys == nil || t.maxKeys == 0 || int64(t.keys.Len()) <= t.maxKeys {
		t.overLimitTries = 0
		return
	}
	for range trackingEvictEffort * (t.overLimitTries + 1) {
		victim, _, ok := t.keys.Random(n.env.Rand())
		if !ok {
			break
		}
		n.invalidateTrackedKey([]byte(victim))
		if int64(t.keys.Len()) <= t.maxKeys {
			t.overLimitTries = 0
			return
		}
	}
	t.overLimitTries++
}

// trackingCommandDone runs after each command of a tracking client:
// remember the keys a read-only command read, then consume CLIENT CACHING.
func (n *Node) trackingCommandDone(c *call, spec *commandSpec, reply resp.Value) {
	t := &c.session.tracking
	if spec.name == "client" && bytes.EqualFold(c.args[1], []byte("caching")) {
		return // it just set the flag for the next command
	}
	if spec.name == "multi" || (reply.Kind == resp.SimpleString && string(reply.Str) == "QUEUED") {
		return // the flag covers the whole transaction, up to EXEC
	}
	// A read command a script calls makes the caller track the keys the
	// script declared, not the ones the command read (Redis 7.0); EVAL_RO
	// itself, though read-only, tracks nothing.
	keysOf, args := spec, c.args
	if r := n.scriptRun; r != nil {
		keysOf, args = r.caller.spec, r.caller.args
	}
	if spec.flags&flagReadonly != 0 && spec.flags&flagRunsScript == 0 && !t.bcast && (!t.optin || t.caching) && !(t.optout && t.caching) {
		for _, key := range keysOf.keys(args) {
			n.rememberKey(key, c.session.id)
		}
	}
	if n.scriptRun == nil {
		t.caching = false // CLIENT CACHING covers the script's commands too
	}
}

// rememberKey records that client id may cache key.
func (n *Node) rememberKey(key []byte, id int64) {
	t := &n.tracking
	if t.keys == nil {
		t.keys = dict.New[[]int64](n.env.Rand().Uint64())
	}
	ids, _ := t.keys.GetBytes(key)
	i := sort.Search(len(ids), func(i int) bool { return ids[i] >= id })
	if i < len(ids) && ids[i] == id {
		return
	}
	ids = append(ids, 0)
	copy(ids[i+1:], ids[i:])
	ids[i] = id
	t.keys.Set(string(key), ids)
	t.items++
}

// trackingOff turns tracking off for s (CLIENT TRACKING OFF, RESET,
// disconnect). Its ids stay in the table and are skipped when found.
func (n *Node) trackingOff(s *session) {
	t := &n.tracking
	if !s.tracking.on {
		return
	}
	for _, prefix := range s.tracking.prefixes {
		if rest := removeSession(t.prefixes[prefix], s); len(rest) > 0 {
			t.prefixes[prefix] = rest
			continue
		}
		delete(t.prefixes, prefix)
		i := sort.SearchStrings(t.prefixOrder, prefix)
		t.prefixOrder = append(t.prefixOrder[:i], t.prefixOrder[i+1:]...)
	}
	t.clients = removeSession(t.clients, s)
	s.tracking = trackingSession{}
	if len(t.clients) == 0 {
		t.keys, t.items = nil, 0 // nobody left to tell: forget everything
	}
}

func (n *Node) addBcastPrefix(s *session, prefix string) {
	t := &n.tracking
	if _, ok := t.prefixes[prefix]; !ok {
		i := sort.SearchStrings(t.prefixOrder, prefix)
		t.prefixOrder = append(t.prefixOrder, "")
		copy(t.prefixOrder[i+1:], t.prefixOrder[i:])
		t.prefixOrder[i] = prefix
	}
	t.prefixes[prefix] = insertByID(t.prefixes[prefix], s)
	s.tracking.prefixes = append(s.tracking.prefixes, prefix)
}

func overlaps(a, b string) bool {
	n := min(len(a), len(b))
	return a[:n] == b[:n]
}

const errPrefixOverlapTail = ". Prefixes for a single client must not overlap."

// CLIENT TRACKING ON|OFF [REDIRECT id] [PREFIX p ...] [BCAST] [OPTIN] [OPTOUT] [NOLOOP]
func clientTrackingCommand(c *call) resp.Value {
	s, n := c.session, c.node
	var on bool
	switch {
	case bytes.EqualFold(c.args[2], []byte("on")):
		on = true
	case bytes.EqualFold(c.args[2], []byte("off")):
	default:
		return resp.Err(errSyntax)
	}
	var opt trackingSession
	var prefixes []string
	for j := 3; j < len(c.args); j++ {
		more := len(c.args) - 1 - j
		switch arg := c.args[j]; {
		case bytes.EqualFold(arg, []byte("redirect")) && more >= 1:
			j++
			id, ok := resp.ParseInt(c.args[j])
			if !ok {
				return resp.Err(errNotInteger)
			}
			if n.clientsByID[id] == nil {
				return resp.Err("ERR The client ID you want redirect to does not exist")
			}
			opt.redirect = id
		case bytes.EqualFold(arg, []byte("bcast")):
			opt.bcast = true
		case bytes.EqualFold(arg, []byte("optin")):
			opt.optin = true
		case bytes.EqualFold(arg, []byte("optout")):
			opt.optout = true
		case bytes.EqualFold(arg, []byte("noloop")):
			opt.noloop = true
		case bytes.EqualFold(arg, []byte("prefix")) && more >= 1:
			j++
			prefixes = append(prefixes, string(c.args[j]))
		default:
			return resp.Err(errSyntax)
		}
	}
	if !on {
		n.trackingOff(s)
		return resp.OK
	}
	cur := &s.tracking
	switch {
	case !opt.bcast && len(prefixes) > 0:
		return resp.Err("ERR PREFIX option requires BCAST mode to be enabled")
	case cur.on && cur.bcast != opt.bcast:
		return resp.Err("ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.")
	case opt.bcast && (opt.optin || opt.optout):
		return resp.Err("ERR OPTIN and OPTOUT are not compatible with BCAST")
	case opt.optin && opt.optout:
		return resp.Err("ERR You can't specify both OPTIN mode and OPTOUT mode")
	case (opt.optin && cur.optout) || (opt.optout && cur.optin):
		return resp.Err("ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.")
	}
	if opt.bcast {
		for i, p := range prefixes {
			for _, existing := range cur.prefixes {
				if overlaps(existing, p) {
					return resp.Err("ERR Prefix '" + p + "' overlaps with an existing prefix '" + existing + "'" + errPrefixOverlapTail)
				}
			}
			for _, other := range prefixes[i+1:] {
				if overlaps(p, other) {
					return resp.Err("ERR Prefix '" + p + "' overlaps with another provided prefix '" + other + "'" + errPrefixOverlapTail)
				}
			}
		}
	}
	if !cur.on {
		n.tracking.clients = insertByID(n.tracking.clients, s)
	}
	cur.on, cur.bcast, cur.optin, cur.optout, cur.noloop = true, opt.bcast, opt.optin, opt.optout, opt.noloop
	cur.redirect, cur.brokenRedirect, cur.caching = opt.redirect, false, false
	if opt.bcast {
		if len(prefixes) == 0 && len(cur.prefixes) == 0 {
			prefixes = []string{""}
		}
		for _, p := range prefixes {
			n.addBcastPrefix(s, p)
		}
	}
	return resp.OK
}

// CLIENT CACHING YES|NO
func clientCachingCommand(c *call) resp.Value {
	t := &c.session.tracking
	if !t.on {
		return resp.Err("ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled")
	}
	switch {
	case bytes.EqualFold(c.args[2], []byte("yes")):
		if !t.optin {
			return resp.Err("ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.")
		}
	case bytes.EqualFold(c.args[2], []byte("no")):
		if !t.optout {
			return resp.Err("ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.")
		}
	default:
		return resp.Err(errSyntax)
	}
	t.caching = true
	return resp.OK
}

func clientGetredirCommand(c *call) resp.Value {
	if !c.session.tracking.on {
		return resp.Int(-1)
	}
	return resp.Int(c.session.tracking.redirect)
}

func clientTrackinginfoCommand(c *call) resp.Value {
	t := &c.session.tracking
	var flags []resp.Value
	redirect := int64(-1)
	if !t.on {
		flags = append(flags, resp.BulkFromString("off"))
	} else {
		redirect = t.redirect
		flags = append(flags, resp.BulkFromString("on"))
		for _, f := range []struct {
			set  bool
			name string
		}{
			{t.bcast, "bcast"}, {t.optin, "optin"}, {t.optout, "optout"},
			{t.caching && t.optin, "caching-yes"}, {t.caching && t.optout, "caching-no"},
			{t.noloop, "noloop"}, {t.brokenRedirect, "broken_redirect"},
		} {
			if f.set {
				flags = append(flags, resp.BulkFromString(f.name))
			}
		}
	}
	prefixes := append([]string(nil), t.prefixes...)
	sort.Strings(prefixes)
	prefixValues := make([]resp.Value, len(prefixes))
	for i, p := range prefixes {
		prefixValues[i] = resp.BulkFromString(p)
	}
	return resp.Value{Kind: resp.Map, Elems: []resp.Value{
		resp.BulkFromString("flags"), {Kind: resp.Set, Elems: flags},
		resp.BulkFromString("redirect"), resp.Int(redirect),
		resp.BulkFromString("prefixes"), resp.ArrayOf(prefixValues...),
	}}
}
