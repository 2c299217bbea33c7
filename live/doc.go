// Package live runs a node.Handler for real: one goroutine event loop per
// node, the wall clock, real timers, TCP between nodes and a directory of
// files with real fsync.
//
// The handler sees exactly the contract it sees in the simulator: calls
// never overlap because everything that reaches it — messages from peers,
// messages from local endpoints (Deliver), timer callbacks and admin calls
// (Do) — is queued onto the node's single inbox and run by the loop
// goroutine one at a time, holding the node's handler lock. A local
// endpoint that wants its answer at once (a server adapter's connection)
// may instead call Handle, which takes the same lock and runs Receive on
// the caller's goroutine: one lock instead of two goroutine hand-offs per
// request, and still one call at a time.
//
// The inbox has a bound (Config.InboxMessagesMax): producers outside the
// loop block when it is full, which pushes back on TCP peers and local
// clients the way a busy real server does. Messages the node sends to
// itself are dropped instead when the inbox is full, because the loop
// cannot wait for itself.
//
// Node-to-node messages cross sockets in the frame format described in
// codec.go; every message type must be registered with Register.
package live
