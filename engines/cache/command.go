package cache

import (
	"slices"

	"syslab/engines/cache/resp"
	"syslab/node"
)

// Command is a client request: the command name and its arguments, exactly
// as the client sent them. Seq is chosen by the client and echoed in the
// Reply so a client may pipeline.
//
// Args is lent for the duration of Receive: the node may keep the
// argument bytes (SET stores a value, BLMOVE its destination), but not the
// Args slice itself. Where it keeps a command past Receive (a client
// blocked or paused, a key being migrated) it keeps a copy of the list
// (keepArgs), so an adapter may reuse the list's memory for the next
// requests.
type Command struct {
	Seq  uint64
	Args [][]byte
}

// Commands are consecutive commands of one client delivered as one
// message: an adapter that parsed a pipeline's worth from one socket read
// hands it over in one hop instead of one per command. The node runs them
// in order exactly as if each had come as its own Command, so each still
// gets its own Reply. The node keeps no reference to the slice once
// Receive has returned (it copies what it must keep), so an adapter that
// hands it over synchronously (live.Runtime.Handle) may reuse it.
type Commands []Command

// Round is what an adapter read from several connections at once — one
// turn of its event loop — handed over in one hop: each client's commands,
// run client after client exactly as if each had come as its own Commands
// message (the message's own sender is not used). The node first reads
// ahead the keys of all of them (prefetch.go), so the cache misses of
// unpipelined clients overlap as a pipeline's do. It is borrowed as
// Commands is; a *Round is taken too (no boxing on the hot path).
type Round []ClientCommands

// ClientCommands are one client's part of a Round.
type ClientCommands struct {
	Client   node.ID
	Commands Commands
}

// Reply answers the Command with the same Seq.
type Reply struct {
	Seq   uint64
	Value resp.Value
	// More are further answers to the same command, to be written right
	// after Value: SUBSCRIBE a b confirms each channel in its own message.
	More []resp.Value
	// Protocol is the client's protocol version once the command ran
	// (resp.RESP2 or resp.RESP3; 0 means RESP2): the encoding of Value and
	// More. HELLO 3 is itself answered in RESP3, so an adapter that writes
	// each message with the Protocol it carries never has to parse HELLO
	// or guess where in a pipeline the switch happened.
	Protocol uint8
	// Silent: the client turned its replies off (CLIENT REPLY OFF|SKIP).
	// The adapter writes nothing for this reply but counts the command as
	// answered, so its pipeline bookkeeping stays whole.
	Silent bool
}

// Push is an out-of-band message to a client, sent between replies, never
// inside one: a Pub/Sub message, a client-side caching invalidation. In
// RESP3 it is a push (>); in RESP2 an array, which only a client in
// subscribed mode (or a tracking redirect target) ever receives. Protocol
// is as in Reply.
type Push struct {
	Value    resp.Value
	Protocol uint8
}

// AuthRequired tells a connection's adapter whether its client has yet to
// authenticate (requirepass): until it has, Redis reads at most 10
// arguments of at most 16 KiB per request from it (resp.CheckUnauthenticated),
// so an unauthenticated client cannot make the server buffer much.
type AuthRequired struct{ Required bool }

// Disconnected tells the node that the sender's connection is gone, so it
// can drop the sender's session: its selected database, protocol,
// subscriptions and tracking state. A client that never sends it keeps
// its session (and its client id) for the node's lifetime.
type Disconnected struct{}

// keepArgs copies a command's argument list (not the arguments) for a
// node that keeps the command past Receive: the list is only lent.
func keepArgs(args [][]byte) [][]byte { return slices.Clone(args) }
