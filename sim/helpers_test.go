package sim

import (
	"time"

	"syslab/node"
)

// scriptNode is a Handler whose behaviour each test supplies. It records
// what it received, with the node-clock and true arrival times.
type scriptNode struct {
	env       node.Env
	onStart   func(s *scriptNode)
	onReceive func(s *scriptNode, from node.ID, msg node.Message)
	received  []receipt
	world     *World
}

type receipt struct {
	from   node.ID
	msg    node.Message
	atTrue time.Duration
	atNode time.Time
}

func (s *scriptNode) Start(env node.Env) {
	s.env = env
	if s.onStart != nil {
		s.onStart(s)
	}
}

func (s *scriptNode) Receive(from node.ID, msg node.Message) {
	s.received = append(s.received, receipt{from: from, msg: msg, atTrue: s.world.Now(), atNode: s.env.Now()})
	if s.onReceive != nil {
		s.onReceive(s, from, msg)
	}
}

// costlyNode is a scriptNode whose messages cost CPU time.
type costlyNode struct {
	scriptNode
	cost time.Duration
}

func (c *costlyNode) Cost(node.Message) time.Duration { return c.cost }

// script returns a Factory of scriptNodes and a way to reach the current
// incarnation.
func script(w *World, onStart func(*scriptNode), onReceive func(*scriptNode, node.ID, node.Message)) node.Factory {
	return func() node.Handler {
		return &scriptNode{world: w, onStart: onStart, onReceive: onReceive}
	}
}

func scriptOf(w *World, id node.ID) *scriptNode {
	switch h := w.Handler(id).(type) {
	case *scriptNode:
		return h
	case *costlyNode:
		return &h.scriptNode
	}
	return nil
}

// echo replies to every message with the same message.
func echo(s *scriptNode, from node.ID, msg node.Message) { s.env.Send(from, msg) }

type ping struct{ n int }
type pong struct{ n int }
