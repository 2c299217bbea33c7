package cache

import "syslab/engines/cache/resp"

// Command is a client request: the command name and its arguments, exactly
// as the client sent them. Seq is chosen by the client and echoed in the
// Reply so a client may pipeline.
type Command struct {
	Seq  uint64
	Args [][]byte
}

// Reply answers the Command with the same Seq.
type Reply struct {
	Seq   uint64
	Value resp.Value
}

// Disconnected tells the node that the sender's connection is gone, so it
// can drop the sender's session state (its selected database). A client
// that never sends it keeps its state; session state exists only for
// clients that changed it from the defaults.
type Disconnected struct{}
