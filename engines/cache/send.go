package cache

import "syslab/node"

// sendReply sends r to client: lent when the environment can take it
// there and then (node.Lender, a live connection), which spares boxing a
// new Reply into a message for every command; sent otherwise.
func (n *Node) sendReply(client node.ID, r Reply) {
	if n.lender != nil {
		n.lentReply = r
		lent := n.lender.Lend(client, &n.lentReply)
		n.lentReply = Reply{} // keep no reply's values alive
		if lent {
			return
		}
	}
	n.env.Send(client, r)
}

// sendPush is sendReply for a Push.
func (n *Node) sendPush(client node.ID, p Push) {
	if n.lender != nil {
		n.lentPush = p
		lent := n.lender.Lend(client, &n.lentPush)
		n.lentPush = Push{}
		if lent {
			return
		}
	}
	n.env.Send(client, p)
}
