// Package node is the contract every engine node is written against.
//
// A node is a single-threaded state machine. The world (the deterministic
// simulator in package sim, or the real runtime in package live) calls its
// Handler one event at a time: Start when the node boots or restarts, Receive
// for each message, and the callbacks the node registered with Env.After. The
// node never blocks and never touches the outside world except through Env:
// its clock, its timers, the network (Send), its disk and its random source.
//
// Because every effect goes through Env, the same engine code runs inside the
// simulator — where time is virtual, the network is a seeded model and a crash
// throws away memory and unsynced disk — and as a real server on sockets and
// files. Engine core packages therefore must not call time.Now, time.Sleep,
// the global math/rand, crypto/rand, package os, net or syscall, start
// goroutines or use channels; a lint test enforces this.
//
// Messages are passed by reference inside the simulator. A handler must treat
// every message it sends or receives as immutable once sent.
package node
