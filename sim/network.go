package sim

import (
	"fmt"
	"math/rand/v2"
	"time"

	"syslab/node"
)

// linkModel is a LinkConfig compiled for sampling.
type linkModel struct {
	cfg          LinkConfig
	latency      distribution
	reorderDelay distribution
}

func compileLink(cfg LinkConfig) *linkModel {
	if err := cfg.Validate(); err != nil {
		panic("sim: invalid link config: " + err.Error())
	}
	return &linkModel{cfg: cfg, latency: cfg.Latency.compile(), reorderDelay: cfg.ReorderDelay.compile()}
}

// link is the state of one direction between two endpoints. Each link has
// its own random stream ("net/<from>/<to>"), so traffic or faults on one
// link never change the samples of another.
type link struct {
	model        *linkModel
	rng          *rand.Rand
	lastDelivery time.Duration // FIFO: no message on this link is delivered before this
}

func linkKey(from, to int32) uint64 { return uint64(uint32(from))<<32 | uint64(uint32(to)) }

func (w *World) link(from, to int32) *link {
	key := linkKey(from, to)
	if l, ok := w.links[key]; ok {
		return l
	}
	model := w.defaults
	if m, ok := w.overrides[key]; ok {
		model = m
	}
	l := &link{
		model: model,
		rng:   newStream(w.cfg.Seed, "net/"+string(w.endpoints[from].id)+"/"+string(w.endpoints[to].id)),
	}
	w.links[key] = l
	return l
}

// blocked reports whether a partition or a one-way block stops messages
// from one endpoint to another.
func (w *World) blocked(from, to int32) bool {
	gf, gt := w.endpoints[from].group, w.endpoints[to].group
	if gf != 0 && gt != 0 && gf != gt {
		return true
	}
	if len(w.blocks) > 0 {
		_, ok := w.blocks[linkKey(from, to)]
		return ok
	}
	return false
}

// transmit hands msg to the network at departAt (>= now).
func (w *World) transmit(from, to int32, msg node.Message, departAt time.Duration) {
	w.stats.MessagesSent++
	dst := w.endpoints[to].node
	if dst == nil {
		w.stats.DroppedUnknown++
		return
	}
	if w.blocked(from, to) {
		w.stats.DroppedPartition++
		return
	}
	l := w.link(from, to)
	m := l.model
	if m.cfg.Loss > 0 && l.rng.Float64() < m.cfg.Loss {
		w.stats.DroppedLoss++
		return
	}
	at := departAt + m.latency.sampleAt(departAt, l.rng)
	if !m.cfg.Unordered {
		if at < l.lastDelivery {
			at = l.lastDelivery
		}
		l.lastDelivery = at
	} else {
		if m.cfg.Reorder > 0 && l.rng.Float64() < m.cfg.Reorder {
			at += m.reorderDelay.sample(l.rng)
		}
		if m.cfg.Duplicate > 0 && l.rng.Float64() < m.cfg.Duplicate {
			w.stats.MessagesDuplicated++
			copyAt := departAt + m.latency.sampleAt(departAt, l.rng)
			w.queue.push(event{at: copyAt, kind: kindDeliver, msg: msg, to: to, from: from, inc: dst.inc})
		}
	}
	// The receiver's incarnation is stamped now: a message sent to one
	// incarnation is not delivered to the next, as a restart resets the
	// TCP connections it came on.
	w.queue.push(event{at: at, kind: kindDeliver, msg: msg, to: to, from: from, inc: dst.inc})
}

// deliver is the arrival of a message at its receiver's network interface.
func (w *World) deliver(e *event) {
	n := w.endpoints[e.to].node
	if !n.up || n.inc != e.inc {
		w.stats.DroppedDown++
		return
	}
	// Checked again at delivery: a partition that started while the
	// message was in flight cuts it off (as a cable pulled mid-transfer
	// would), even if it healed before the message would have arrived.
	if w.blocked(e.from, e.to) || w.cutSince(e.seq, e.from, e.to) {
		w.stats.DroppedPartition++
		return
	}
	w.arrive(n, inboxItem{msg: e.msg, from: e.from})
}

// Partition splits the named endpoints into groups that cannot reach each
// other; endpoints not named stay connected to everyone. It replaces the
// previous partition (one-way blocks stay). It panics if an ID is named in
// two groups.
func (w *World) Partition(groups ...[]node.ID) {
	for i := range w.endpoints {
		w.endpoints[i].group = 0
	}
	var extra uint64
	for g, members := range groups {
		for _, id := range members {
			idx := w.intern(id)
			if w.endpoints[idx].group != 0 {
				panic(fmt.Sprintf("sim: Partition: %q is named in two groups", id))
			}
			w.endpoints[idx].group = int32(g + 1)
			extra = extra*31 + uint64(idx)<<8 + uint64(g+1)
		}
	}
	if len(groups) > 1 {
		snapshot := make([]int32, len(w.endpoints))
		for i := range w.endpoints {
			snapshot[i] = w.endpoints[i].group
		}
		w.cuts = append(w.cuts, cut{seqMark: w.queue.seqLast, groups: snapshot})
	}
	w.record(kindPartition, -1, -1, extra)
}

// Block stops messages from one endpoint to another (one way).
func (w *World) Block(from, to node.ID) {
	f, t := w.intern(from), w.intern(to)
	w.blocks[linkKey(f, t)] = struct{}{}
	w.cuts = append(w.cuts, cut{seqMark: w.queue.seqLast, block: linkKey(f, t), isBlock: true})
	w.record(kindPartition, f, t, 1)
}

// Heal removes every partition and block.
func (w *World) Heal() {
	for i := range w.endpoints {
		w.endpoints[i].group = 0
	}
	clear(w.blocks)
	w.record(kindHeal, -1, -1, 0)
}

// SetLink overrides the model of the link from one endpoint to another.
// It panics on an invalid cfg (see LinkConfig.Validate).
func (w *World) SetLink(from, to node.ID, cfg LinkConfig) {
	f, t := w.intern(from), w.intern(to)
	m := compileLink(cfg)
	key := linkKey(f, t)
	w.overrides[key] = m
	if l, ok := w.links[key]; ok {
		l.model = m
	}
	w.record(kindSetLink, f, t, 0)
}

// cut is one Partition or Block in the run's history. A delivery consults
// the cuts made after its message was sent (event seq below seqMark), so a
// partition shorter than a message's flight still drops it. The history
// holds one entry per Partition/Block call, which scenarios make rarely.
type cut struct {
	seqMark uint64  // queue sequence number when the cut was made
	groups  []int32 // partition: group of each endpoint known then
	block   uint64  // block: the link key
	isBlock bool
}

func (c *cut) blocks(from, to int32) bool {
	if c.isBlock {
		return c.block == linkKey(from, to)
	}
	if int(from) >= len(c.groups) || int(to) >= len(c.groups) {
		return false // an endpoint that did not exist yet was in no group
	}
	gf, gt := c.groups[from], c.groups[to]
	return gf != 0 && gt != 0 && gf != gt
}

// cutSince reports whether a cut made after the message with sequence
// number seq was sent blocks the link.
func (w *World) cutSince(seq uint64, from, to int32) bool {
	for i := len(w.cuts) - 1; i >= 0 && w.cuts[i].seqMark >= seq; i-- {
		if w.cuts[i].blocks(from, to) {
			return true
		}
	}
	return false
}
