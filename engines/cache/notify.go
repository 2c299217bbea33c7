package cache

import (
	"strconv"
)

// Keyspace notifications (notify-keyspace-events), as Redis 7.0 sends
// them: when a command changes a key, the node publishes through Pub/Sub
// (pubsub.go)
//
//	__keyspace@<db>__:<key>    with the event name as the message (flag K)
//	__keyevent@<db>__:<event>  with the key as the message        (flag E)
//
// if the event's class is enabled. Commands call notify right where they
// change a key, after the change, in the order Redis's commands do (the
// order is what a subscriber sees, and clients rely on it: "lpop" before
// the "del" of the emptied list, "rename_from" before "rename_to"). The
// key-creation event "new" comes from the keyspace itself (setEntry),
// before the command's own event, as Redis's dbAdd sends it.
//
// With notify-keyspace-events empty, the default, notify returns at its
// first test: nothing is built or sent, so a simulation's trace is the
// same as a node without notifications.

// notifyClass is one class of events, or the K/E switches; a set of them
// is the parsed notify-keyspace-events.
type notifyClass uint16

const (
	notifyKeyspace notifyClass = 1 << iota // K: __keyspace@<db>__ channels
	notifyKeyevent                         // E: __keyevent@<db>__ channels
	notifyGeneric                          // g: DEL, EXPIRE, RENAME, …
	notifyString                           // $
	notifyList                             // l
	notifySet                              // s
	notifyHash                             // h
	notifyZset                             // z
	notifyExpired                          // x: a key deleted for expiry
	notifyEvicted                          // e: a key deleted for maxmemory
	notifyStream                           // t: stream commands
	notifyKeyMiss                          // m: a read found no key
	notifyModule                           // d: no modules here; kept for the flag
	notifyNew                              // n: a key was created

	// notifyAll is what A stands for: every class but m and n, which
	// must be asked for by name (they are noisy).
	notifyAll = notifyGeneric | notifyString | notifyList | notifySet | notifyHash | notifyZset |
		notifyExpired | notifyEvicted | notifyStream | notifyModule
)

// notifyFlagLetters are the letters of each class in the order
// formatNotifyFlags writes them when A does not cover them.
var notifyFlagLetters = []struct {
	letter byte
	class  notifyClass
}{
	{'g', notifyGeneric}, {'$', notifyString}, {'l', notifyList}, {'s', notifySet},
	{'h', notifyHash}, {'z', notifyZset}, {'x', notifyExpired}, {'e', notifyEvicted},
	{'t', notifyStream}, {'d', notifyModule}, {'n', notifyNew},
}

// errNotifyFlags is the reason CONFIG SET gives for a letter that names
// no class; the letters listed are the ones Redis lists.
const errNotifyFlags = "Invalid event class character. Use 'Ag$lshzxeKEtmdn'."

// parseNotifyFlags reads a notify-keyspace-events value: any letters of
// "KEg$lshzxetmdnA", repeated or in any order. ok is false if any other
// byte appears.
func parseNotifyFlags(s string) (flags notifyClass, ok bool) {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case 'A':
			flags |= notifyAll
		case 'K':
			flags |= notifyKeyspace
		case 'E':
			flags |= notifyKeyevent
		case 'm':
			flags |= notifyKeyMiss
		default:
			found := false
			for _, l := range notifyFlagLetters {
				if l.letter == s[i] {
					flags, found = flags|l.class, true
					break
				}
			}
			if !found {
				return 0, false
			}
		}
	}
	return flags, true
}

// formatNotifyFlags is CONFIG GET's canonical spelling: A when every
// class of A is on (n is then not written, as Redis omits it), else the
// class letters one by one; then K, E and m.
func formatNotifyFlags(flags notifyClass) string {
	var out []byte
	if flags&notifyAll == notifyAll {
		out = append(out, 'A')
	} else {
		for _, l := range notifyFlagLetters {
			if flags&l.class != 0 {
				out = append(out, l.letter)
			}
		}
	}
	if flags&notifyKeyspace != 0 {
		out = append(out, 'K')
	}
	if flags&notifyKeyevent != 0 {
		out = append(out, 'E')
	}
	if flags&notifyKeyMiss != 0 {
		out = append(out, 'm')
	}
	return string(out)
}

// notify publishes event for key of the call's database if class is on.
func (c *call) notify(class notifyClass, event string, key []byte) {
	if c.node.notifyFlags&class != 0 {
		c.node.notifyKeyspaceEvent(class, event, key, c.dbIndex)
	}
}

// notifyKeyspaceEvent publishes event for key of database dbIndex on the
// keyspace and keyevent channels that are switched on, keyspace first.
func (n *Node) notifyKeyspaceEvent(class notifyClass, event string, key []byte, dbIndex int) {
	flags := n.notifyFlags
	if flags&class == 0 || flags&(notifyKeyspace|notifyKeyevent) == 0 {
		return
	}
	prefix := func(kind string) []byte {
		channel := append([]byte("__"), kind...)
		channel = append(channel, '@')
		channel = strconv.AppendInt(channel, int64(dbIndex), 10)
		return append(channel, "__:"...)
	}
	if flags&notifyKeyspace != 0 {
		n.publish(append(prefix("keyspace"), key...), []byte(event))
	}
	if flags&notifyKeyevent != 0 {
		n.publish(append(prefix("keyevent"), event...), key)
	}
}

// notifyNewKey is the keyspaces' hook for a key just created (Redis's
// dbAdd). Loading a snapshot or a full sync creates keys without events,
// as Redis's RDB loading does: the keyspace does not call it then.
func (n *Node) notifyNewKey(dbIndex int, key string) {
	n.notifyKeyspaceEvent(notifyNew, "new", []byte(key), dbIndex)
}
