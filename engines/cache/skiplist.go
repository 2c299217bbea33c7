package cache

import "math/rand/v2"

// skiplist is the ordered index of a sorted set, as in Redis (t_zset.c,
// after William Pugh's paper): elements ordered by (score, member bytes),
// each node on 1..skiplistLevelMax levels, and every forward link carrying
// its span — how many level-0 steps it jumps — so the rank of an element
// and the element at a rank are found in O(log n) like a search.
//
// Node levels are drawn from the node's random source (env.Rand), so the
// shape of the list replays with the seed; it never changes what a command
// answers, only how fast.
type skiplist struct {
	head   *skipNode // a sentinel with skiplistLevelMax levels, no element
	tail   *skipNode // the last element, nil when empty
	length int
	level  int // levels in use, at least 1
	rng    *rand.Rand
}

type skipNode struct {
	member   string
	score    float64
	backward *skipNode // the previous element; nil for the first
	levels   []skipLevel
}

type skipLevel struct {
	forward *skipNode
	span    int // level-0 steps from this node to forward (0 past the tail)
}

const (
	skiplistLevelMax = 32
	// skiplistP is the chance that a node reaches the next level: a
	// quarter, as Redis, for ~1.33 links per node.
	skiplistP = 0.25
)

func newSkiplist(rng *rand.Rand) *skiplist {
	return &skiplist{head: &skipNode{levels: make([]skipLevel, skiplistLevelMax)}, level: 1, rng: rng}
}

func (zsl *skiplist) randomLevel() int {
	level := 1
	for level < skiplistLevelMax && zsl.rng.Float64() < skiplistP {
		level++
	}
	return level
}

// sortsBefore reports whether x sorts before (score, member).
func (x *skipNode) sortsBefore(score float64, member string) bool {
	return x.score < score || (x.score == score && x.member < member)
}

// insert adds an element the list does not hold yet.
func (zsl *skiplist) insert(score float64, member string) *skipNode {
	var update [skiplistLevelMax]*skipNode
	var rank [skiplistLevelMax]int
	x := zsl.head
	for i := zsl.level - 1; i >= 0; i-- {
		if i < zsl.level-1 {
			rank[i] = rank[i+1]
		}
		for next := x.levels[i].forward; next != nil && next.sortsBefore(score, member); next = x.levels[i].forward {
			rank[i] += x.levels[i].span
			x = next
		}
		update[i] = x
	}
	level := zsl.randomLevel()
	if level > zsl.level {
		for i := zsl.level; i < level; i++ {
			rank[i] = 0
			update[i] = zsl.head
			update[i].levels[i].span = zsl.length
		}
		zsl.level = level
	}
	x = &skipNode{member: member, score: score, levels: make([]skipLevel, level)}
	for i := 0; i < level; i++ {
		x.levels[i].forward = update[i].levels[i].forward
		update[i].levels[i].forward = x
		// update[i] was rank[i] steps in; x lands at rank[0]+1.
		x.levels[i].span = update[i].levels[i].span - (rank[0] - rank[i])
		update[i].levels[i].span = rank[0] - rank[i] + 1
	}
	for i := level; i < zsl.level; i++ {
		update[i].levels[i].span++
	}
	if update[0] != zsl.head {
		x.backward = update[0]
	}
	if x.levels[0].forward != nil {
		x.levels[0].forward.backward = x
	} else {
		zsl.tail = x
	}
	zsl.length++
	return x
}

// findUpdate fills update with, per level, the last node before (score,
// member) and returns the node at that position on level 0 (the element
// itself when present).
func (zsl *skiplist) findUpdate(score float64, member string, update *[skiplistLevelMax]*skipNode) *skipNode {
	x := zsl.head
	for i := zsl.level - 1; i >= 0; i-- {
		for next := x.levels[i].forward; next != nil && next.sortsBefore(score, member); next = x.levels[i].forward {
			x = next
		}
		update[i] = x
	}
	return x.levels[0].forward
}

func (zsl *skiplist) unlink(x *skipNode, update *[skiplistLevelMax]*skipNode) {
	for i := 0; i < zsl.level; i++ {
		if update[i].levels[i].forward == x {
			update[i].levels[i].span += x.levels[i].span - 1
			update[i].levels[i].forward = x.levels[i].forward
		} else {
			update[i].levels[i].span--
		}
	}
	if x.levels[0].forward != nil {
		x.levels[0].forward.backward = x.backward
	} else {
		zsl.tail = x.backward
	}
	for zsl.level > 1 && zsl.head.levels[zsl.level-1].forward == nil {
		zsl.level--
	}
	zsl.length--
}

// delete removes the element and reports whether it was there.
func (zsl *skiplist) delete(score float64, member string) bool {
	var update [skiplistLevelMax]*skipNode
	x := zsl.findUpdate(score, member, &update)
	if x == nil || x.score != score || x.member != member {
		return false
	}
	zsl.unlink(x, &update)
	return true
}

// updateScore moves element x (held with score x.score) to newScore and
// returns its node: the same one when it stays in place.
func (zsl *skiplist) updateScore(x *skipNode, newScore float64) *skipNode {
	prevOK := x.backward == nil || x.backward.score < newScore || (x.backward.score == newScore && x.backward.member < x.member)
	next := x.levels[0].forward
	nextOK := next == nil || next.score > newScore || (next.score == newScore && next.member > x.member)
	if prevOK && nextOK {
		x.score = newScore
		return x
	}
	zsl.delete(x.score, x.member)
	return zsl.insert(newScore, x.member)
}

// rank is the 1-based rank of an element present in the list, 0 if absent.
func (zsl *skiplist) rank(score float64, member string) int {
	rank := 0
	x := zsl.head
	for i := zsl.level - 1; i >= 0; i-- {
		for next := x.levels[i].forward; next != nil && (next.score < score || (next.score == score && next.member <= member)); next = x.levels[i].forward {
			rank += x.levels[i].span
			x = next
		}
		if x != zsl.head && x.member == member && x.score == score {
			return rank
		}
	}
	return 0
}

// byRank returns the element at 1-based rank, nil when out of range.
func (zsl *skiplist) byRank(rank int) *skipNode {
	if rank < 1 || rank > zsl.length {
		return nil
	}
	traversed := 0
	x := zsl.head
	for i := zsl.level - 1; i >= 0; i-- {
		for x.levels[i].forward != nil && traversed+x.levels[i].span <= rank {
			traversed += x.levels[i].span
			x = x.levels[i].forward
		}
		if traversed == rank {
			return x
		}
	}
	return nil
}

// first is the lowest element, nil when empty.
func (zsl *skiplist) first() *skipNode { return zsl.head.levels[0].forward }

// firstWhere returns the first element for which past is false, given that
// past is true for a prefix of the list and false after it ("still before
// the range"); nil when every element is past.
func (zsl *skiplist) firstWhere(past func(*skipNode) bool) *skipNode {
	x := zsl.head
	for i := zsl.level - 1; i >= 0; i-- {
		for next := x.levels[i].forward; next != nil && past(next); next = x.levels[i].forward {
			x = next
		}
	}
	return x.levels[0].forward
}

// lastWhere returns the last element for which within is true, given that
// within is true for a prefix of the list; nil when none is.
func (zsl *skiplist) lastWhere(within func(*skipNode) bool) *skipNode {
	x := zsl.head
	for i := zsl.level - 1; i >= 0; i-- {
		for next := x.levels[i].forward; next != nil && within(next); next = x.levels[i].forward {
			x = next
		}
	}
	if x == zsl.head {
		return nil
	}
	return x
}

// rankOf is the 1-based rank of node x, which must be in the list.
func (zsl *skiplist) rankOf(x *skipNode) int { return zsl.rank(x.score, x.member) }
