package node

// A Lender is an Env that can put a message into some destinations' hands
// before Lend returns: in live mode, a client connection that encodes
// what it is given there and then. Lend reports whether it did so. The
// sender keeps ownership of msg — it may reuse msg's memory as soon as
// Lend returns — so a node that answers thousands of commands a second
// can hand over a pointer to one reply it rewrites each time instead of
// boxing a new one per command for Send.
//
// When Lend returns false nothing was sent, and the sender calls Send as
// usual. Destinations whose messages wait somewhere (a peer's queue, the
// simulator's network) never accept a loan, and the simulator's Env is
// not a Lender at all, so a lent message can never be seen after it
// changed.
type Lender interface {
	Lend(to ID, msg Message) bool
}
