package live

import (
	"testing"

	"syslab/node"
)

// lendingNode answers every message by lending one reused *binPong when
// the environment takes loans, and by Send otherwise.
type lendingNode struct {
	env   node.Env
	pong  binPong
	sends int
}

func (n *lendingNode) Start(env node.Env) { n.env = env }

func (n *lendingNode) Receive(from node.ID, msg node.Message) {
	seq := msg.(gobPing).Seq
	n.pong = binPong{Seq: uint64(seq)}
	to := from
	if seq == 99 { // answered to another endpoint than the caller's
		to = "borrower"
	}
	if l, ok := n.env.(node.Lender); ok && l.Lend(to, &n.pong) {
		n.pong = binPong{Seq: 1 << 62} // reused at once: the loan is over
		return
	}
	n.sends++
	n.env.Send(to, n.pong)
}

// Only an endpoint attached with AttachBorrowing takes loans; it sees the
// lent message before Lend returns, and others get a Send.
func TestLendReachesOnlyBorrowingEndpoints(t *testing.T) {
	h := &lendingNode{}
	r := newRuntime(t, Config{Self: "n"}, func() node.Handler { return h })
	var borrowed []uint64
	r.AttachBorrowing("borrower", func(m node.Message) {
		p, ok := m.(*binPong)
		if !ok {
			t.Errorf("borrowing endpoint got %T, want *binPong", m)
			return
		}
		borrowed = append(borrowed, p.Seq) // copy out: the loan ends on return
	})
	var sent []node.Message
	r.Attach("plain", func(m node.Message) { sent = append(sent, m) })
	if err := r.Start(); err != nil {
		t.Fatal(err)
	}
	for seq := range 3 {
		r.Handle("borrower", gobPing{Seq: seq})
		r.Handle("plain", gobPing{Seq: seq})
	}
	r.Handle("plain", gobPing{Seq: 99})
	if len(borrowed) != 4 || borrowed[0] != 0 || borrowed[2] != 2 || borrowed[3] != 99 {
		t.Errorf("borrowing endpoint saw %v, want [0 1 2 99]", borrowed)
	}
	if h.sends != 3 || len(sent) != 3 || sent[1] != (binPong{Seq: 1}) {
		t.Errorf("plain endpoint: %d sends, got %v, want three binPong values", h.sends, sent)
	}
}
