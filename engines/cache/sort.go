package cache

import (
	"bytes"
	"math"
	"slices"

	"syslab/engines/cache/resp"
)

// SORT and SORT_RO (Redis's sort.c): the elements of a list, set or
// sorted set, sorted numerically or byte-wise, optionally by the values of
// other keys (BY pattern), answered as they are or as the values of other
// keys (GET pattern), a window of them (LIMIT), stored as a list (STORE).
//
// What must stay as Redis has it, since clients see it:
//
//   - Options are read left to right and the first bad one answers its
//     error before the key is even looked up; a LIMIT, STORE, BY or GET
//     missing its arguments is a syntax error. The last STORE and the
//     last BY win; a BY whose pattern has no '*' means "do not sort" and
//     stays so even if a later BY has one.
//   - Numeric sorting reads each value as C's strtod over the whole
//     string: "" is 0, leading space is allowed, NaN, trailing bytes,
//     overflow and underflow are not. A BY key that is missing (or not a
//     string, or a hash without the field) sorts as 0, or first with
//     ALPHA. Elements with equal numeric weights are ordered by their own
//     bytes, so the order never depends on how the source was stored.
//   - "Do not sort" keeps the source's own order for a list or a sorted
//     set (DESC walks it backwards) and hash order for a set — except
//     with STORE, where a set is sorted ALPHA so the stored list does not
//     depend on hash order (what replicas and the AOF replay must see).
//   - LIMIT clamps rather than refuses: a negative offset is 0, a negative
//     count is "all", and either past the end is the end.
//
// ALPHA compares bytes. Redis compares with strcoll() unless it stores
// (its locale is the environment's); under the C locale, the one its
// packages and tests run with, that is the same order for strings
// without NUL bytes. Among elements whose ALPHA BY weights are equal the
// order here is a list's own order (a stable sort) and a set's byte order
// (so it does not depend on hash order); Redis leaves it to its sort
// routine.

// Sort commands.
var sortCommands = []commandSpec{
	// Movable keys: the key to sort and the destination of a STORE,
	// wherever it appears (sortKeys). The keys BY and GET patterns name
	// are derived from the data: no key spec can name them, as in Redis.
	{name: "sort", arity: -2, flags: flagWrite | flagDenyOOM, firstKey: 1, lastKey: 1, keyStep: 1, movableKeys: sortKeys, run: sortCommand},
	{name: "sort_ro", arity: -2, flags: flagReadonly, firstKey: 1, lastKey: 1, keyStep: 1, movableKeys: sortROKeys, run: sortROCommand},
}

const (
	errSortScore        = "ERR One or more scores can't be converted into double"
	errSortByInCluster  = "ERR BY option of SORT denied in Cluster mode."
	errSortGetInCluster = "ERR GET option of SORT denied in Cluster mode."
)

// sortKeys finds SORT's keys as Redis's sortGetKeys does: the key to sort,
// then the destination of the last STORE. Looking for STORE it steps over
// LIMIT's two arguments and the pattern after BY or GET, so a pattern
// spelled "store" is not taken for the option.
func sortKeys(args [][]byte) [][]byte {
	if len(args) < 2 {
		return nil
	}
	var dst []byte
	storing := false
	for i := 2; i < len(args); i++ {
		switch arg := args[i]; {
		case bytes.EqualFold(arg, []byte("limit")):
			i += 2
		case bytes.EqualFold(arg, []byte("get")), bytes.EqualFold(arg, []byte("by")):
			i++
		case bytes.EqualFold(arg, []byte("store")) && i+1 < len(args):
			dst, storing = args[i+1], true // not skipped, as in Redis: the scan goes on from it
		}
	}
	if !storing {
		return args[1:2:2]
	}
	return [][]byte{args[1], dst}
}

// sortROKeys: SORT_RO names only the key it sorts.
func sortROKeys(args [][]byte) [][]byte {
	if len(args) < 2 {
		return nil
	}
	return args[1:2:2]
}

// sortRequest is a parsed SORT.
type sortRequest struct {
	desc, alpha bool
	// offset and count are LIMIT's, unclamped; count -1: no limit.
	offset, count int64
	// by is the BY pattern; nil sorts by the elements themselves.
	by []byte
	// dontSort: a BY pattern without '*' (BY nosort).
	dontSort bool
	gets     [][]byte
	// store is the STORE destination, when storing; otherwise the
	// elements are answered. (An empty key may arrive as a nil slice.)
	store   []byte
	storing bool
	// tiesByElement: the source is a set (see sorted).
	tiesByElement bool
}

// parseSort reads SORT's options, args[2:]. readonly (SORT_RO) does not
// know STORE.
func parseSort(c *call, readonly bool) (sortRequest, resp.Value, bool) {
	req := sortRequest{count: -1}
	args := c.args
	for j := 2; j < len(args); j++ {
		arg, left := args[j], len(args)-j-1
		switch {
		case bytes.EqualFold(arg, []byte("asc")):
			req.desc = false
		case bytes.EqualFold(arg, []byte("desc")):
			req.desc = true
		case bytes.EqualFold(arg, []byte("alpha")):
			req.alpha = true
		case bytes.EqualFold(arg, []byte("limit")) && left >= 2:
			var ok bool
			if req.offset, ok = resp.ParseInt(args[j+1]); !ok {
				return req, resp.Err(errNotInteger), false
			}
			if req.count, ok = resp.ParseInt(args[j+2]); !ok {
				return req, resp.Err(errNotInteger), false
			}
			j += 2
		case !readonly && bytes.EqualFold(arg, []byte("store")) && left >= 1:
			req.store, req.storing = args[j+1], true
			j++
		case bytes.EqualFold(arg, []byte("by")) && left >= 1:
			req.by = args[j+1]
			if bytes.IndexByte(cString(req.by), '*') < 0 {
				req.dontSort = true
			} else if c.node.cfg.ClusterEnabled {
				// The keys a pattern names may live on any node.
				return req, resp.Err(errSortByInCluster), false
			}
			j++
		case bytes.EqualFold(arg, []byte("get")) && left >= 1:
			if c.node.cfg.ClusterEnabled {
				return req, resp.Err(errSortGetInCluster), false
			}
			req.gets = append(req.gets, args[j+1])
			j++
		default:
			return req, resp.Err(errSyntax), false
		}
	}
	return req, resp.Value{}, true
}

// cString is b as C's string functions see it: up to its first NUL.
// Redis looks for '*', "->" and "#" in patterns with them.
func cString(b []byte) []byte {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return b[:i]
	}
	return b
}

// sortItem is one element being sorted, with its weight.
type sortItem struct {
	elem []byte
	// score is the numeric weight; by is the ALPHA BY weight, when hasBy
	// (the BY key exists: an empty value still sorts after a missing one).
	score float64
	by    []byte
	hasBy bool
}

func sortCommand(c *call) resp.Value   { return sortGeneric(c, false) }
func sortROCommand(c *call) resp.Value { return sortGeneric(c, true) }

func sortGeneric(c *call, readonly bool) resp.Value {
	req, errReply, ok := parseSort(c, readonly)
	if !ok {
		return errReply
	}
	var src object
	if e := c.lookupRead(c.args[1]); e != nil {
		src = e.value
	}
	var set *setObject
	var length int
	switch v := src.(type) {
	case nil:
	case *listObject:
		length = v.len()
	case *setObject:
		set, length = v, v.len()
	case *zsetObject:
		length = v.len()
	default:
		return replyWrongType
	}
	req.tiesByElement = set != nil
	if req.dontSort && set != nil && (req.storing || c.node.scriptRun != nil) {
		// A set's own order is its hash order: what is stored, or what a
		// script gets, must not depend on it (Redis sorts both).
		req.dontSort, req.alpha, req.by = false, true, nil
	}

	start, end := sortWindow(req.offset, req.count, length)
	var items []sortItem
	if req.dontSort && set == nil {
		// The source's own order, and only the window of it.
		items = orderedWindow(src, start, end, req.desc)
		start, end = 0, len(items)-1
	} else {
		items = allElements(src, length)
	}

	if !req.dontSort {
		convertible := true
		for i := range items {
			weight := items[i].elem
			if req.by != nil {
				var found bool
				if weight, found = c.sortLookup(req.by, weight); !found {
					continue // weight 0, or first with ALPHA
				}
			}
			switch {
			case req.alpha:
				if req.by != nil {
					items[i].by, items[i].hasBy = weight, true
				}
			default:
				score, ok := sortWeight(weight)
				items[i].score = score
				convertible = convertible && ok
			}
		}
		if !convertible {
			return resp.Err(errSortScore)
		}
		items = req.sorted(items)
	}

	window := items[:0]
	if end >= start {
		window = items[start : end+1]
	}
	if req.storing {
		return c.storeSorted(&req, window)
	}
	perElement := max(len(req.gets), 1)
	out := make([]resp.Value, 0, len(window)*perElement)
	for _, it := range window {
		if len(req.gets) == 0 {
			out = append(out, resp.Bulk(it.elem))
		}
		for _, pattern := range req.gets {
			if v, found := c.sortLookup(pattern, it.elem); found {
				out = append(out, resp.Bulk(v))
			} else {
				out = append(out, resp.NullBulk)
			}
		}
	}
	return resp.Value{Kind: resp.Array, Elems: out}
}

// sortWindow turns LIMIT offset count into the inclusive positions
// [start, end] of length elements, clamping as Redis does: an empty
// window has end < start.
func sortWindow(offset, count int64, length int) (start, end int) {
	n := int64(length)
	s := min(max(offset, 0), n)
	count = min(max(count, -1), n)
	e := n - 1
	if count >= 0 {
		e = min(s+count-1, n-1)
	}
	if s >= n {
		s, e = n-1, n-2
	}
	return int(s), int(e)
}

// orderedWindow returns the elements start..end of a list or sorted set
// in its own order, or backwards from its end when desc.
func orderedWindow(src object, start, end int, desc bool) []sortItem {
	if end < start {
		return nil
	}
	items := make([]sortItem, 0, end-start+1)
	switch v := src.(type) {
	case *listObject:
		for i := start; i <= end; i++ {
			if desc {
				items = append(items, sortItem{elem: v.at(v.len() - 1 - i)})
			} else {
				items = append(items, sortItem{elem: v.at(i)})
			}
		}
	case *zsetObject:
		rank := start + 1
		if desc {
			rank = v.len() - start
		}
		for x := v.zsl.byRank(rank); x != nil && len(items) < cap(items); {
			items = append(items, sortItem{elem: []byte(x.member)})
			if desc {
				x = x.backward
			} else {
				x = x.levels[0].forward
			}
		}
	}
	return items
}

// allElements returns every element of src (nil: none), in its own order.
func allElements(src object, length int) []sortItem {
	items := make([]sortItem, 0, length)
	switch v := src.(type) {
	case *listObject:
		for i := range v.len() {
			items = append(items, sortItem{elem: v.at(i)})
		}
	case *setObject:
		v.each(func(member []byte) bool {
			items = append(items, sortItem{elem: bytes.Clone(member)}) // an intset's buffer is reused
			return true
		})
	case *zsetObject:
		for x := v.zsl.first(); x != nil; x = x.levels[0].forward {
			items = append(items, sortItem{elem: []byte(x.member)})
		}
	}
	return items
}

// sortWeight reads a numeric weight as Redis does: C's strtod, which must
// consume the whole string (up to a NUL, where C strings end) without
// NaN or ERANGE — overflow, underflow, and (unlike ZADD's scores) a
// subnormal result. An empty string is 0: strtod reads nothing and stops
// at the end.
//
// Redis tests errno without clearing it first, so after one ERANGE its
// later SORTs may refuse valid weights until something resets errno; that
// accident is not reproduced.
func sortWeight(b []byte) (float64, bool) {
	b = cString(b)
	if len(b) == 0 {
		return 0, true
	}
	body := bytes.TrimLeft(b, " \t\n\v\f\r")
	if len(body) == 0 {
		return 0, false // only space: strtod reads nothing and stops on it
	}
	f, ok := parseStrtod(body, false)
	if f != 0 && math.Abs(f) < smallestNormalFloat64 {
		return 0, false // strtod sets ERANGE for a subnormal result too
	}
	return f, ok
}

// smallestNormalFloat64 is DBL_MIN, 2^-1022.
const smallestNormalFloat64 = 0x1p-1022

// compare orders two items for req: by numeric weight then by the
// elements' bytes, by ALPHA BY weight (missing ones first), or by the
// elements' bytes; DESC reverses all of it. Items may still tie: equal
// elements, equal ALPHA BY weights.
func (req *sortRequest) compare(a, b *sortItem) int {
	var cmp int
	switch {
	case !req.alpha:
		switch {
		case a.score < b.score:
			cmp = -1
		case a.score > b.score:
			cmp = 1
		default:
			cmp = bytes.Compare(a.elem, b.elem)
		}
	case req.by != nil:
		switch {
		case !a.hasBy && !b.hasBy:
		case !a.hasBy:
			cmp = -1
		case !b.hasBy:
			cmp = 1
		default:
			cmp = bytes.Compare(a.by, b.by)
		}
	default:
		cmp = bytes.Compare(a.elem, b.elem)
	}
	if req.desc {
		return -cmp
	}
	return cmp
}

// sorted returns items in req's order. Items that compare equal keep the
// source's order, as with a stable sort, so the order is total whatever
// the algorithm — but for a set, whose order is its hash order (which
// differs from node to node, and across a restart), ties are ordered by
// the elements' bytes: a replica, or the AOF replayed, must store the
// same list. It sorts positions rather than the items themselves:
// moving an int is much cheaper than moving an item and its pointers.
func (req *sortRequest) sorted(items []sortItem) []sortItem {
	order := make([]int, len(items))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(i, j int) int {
		if cmp := req.compare(&items[i], &items[j]); cmp != 0 {
			return cmp
		}
		if req.tiesByElement {
			if cmp := bytes.Compare(items[i].elem, items[j].elem); cmp != 0 {
				return cmp
			}
		}
		return i - j
	})
	out := make([]sortItem, len(items))
	for k, i := range order {
		out[k] = items[i]
	}
	return out
}

// sortLookup resolves a BY or GET pattern for elem, as Redis's
// lookupKeyByPattern: "#" is elem itself; otherwise elem replaces the
// pattern's first '*' to name a string key, or, when "->field" follows
// the '*', a hash key and its field. A pattern without '*', a missing key,
// a key of another type or a missing field find nothing.
func (c *call) sortLookup(pattern, elem []byte) ([]byte, bool) {
	cpat := cString(pattern)
	if len(cpat) == 1 && cpat[0] == '#' {
		return elem, true
	}
	star := bytes.IndexByte(cpat, '*')
	if star < 0 {
		return nil, false
	}
	keyEnd := len(pattern)
	var field []byte
	if f := bytes.Index(cpat[star+1:], []byte("->")); f >= 0 {
		if f += star + 1; f+2 < len(cpat) { // "->" with a field after it
			keyEnd, field = f, pattern[f+2:]
		}
	}
	key := make([]byte, 0, keyEnd-1+len(elem))
	key = append(append(append(key, pattern[:star]...), elem...), pattern[star+1:keyEnd]...)
	e := c.lookupRead(key)
	if e == nil {
		return nil, false
	}
	if field != nil {
		h, ok := e.value.(*hashObject)
		if !ok {
			return nil, false
		}
		return h.get(field)
	}
	s, ok := e.value.(*stringObject)
	if !ok {
		return nil, false
	}
	return s.data, true
}

// storeSorted is SORT … STORE: the window (or what its GET patterns find,
// "" for nothing) replaces dst as a list; an empty result deletes dst.
// Only dst changes, so only dst is signalled (WATCH, tracking, clients
// blocked on it). The command is propagated as sent: with a set's hash
// order taken out of it (see sortGeneric), it stores the same list
// wherever it runs.
func (c *call) storeSorted(req *sortRequest, window []sortItem) resp.Value {
	dst := req.store
	c.modified = [][]byte{dst}
	l := newListObject()
	for _, it := range window {
		if len(req.gets) == 0 {
			l.push(it.elem, false)
		}
		for _, pattern := range req.gets {
			v, _ := c.sortLookup(pattern, it.elem)
			// A string's bytes may change in place (SETRANGE); the
			// list keeps its own.
			l.push(append([]byte{}, v...), false)
		}
	}
	if l.len() == 0 {
		// Deleted unread, as Redis's dbDelete: an expired destination
		// still there is notified as deleted, not as expired.
		if c.db.delete(string(dst)) {
			c.notify(notifyGeneric, "del", dst)
			c.propagate(c.args...)
		}
		return resp.Int(0)
	}
	c.expireBeforeOverwrite(dst)
	c.db.set(string(dst), l, false)
	c.notify(notifyList, "sortstore", dst)
	c.propagate(c.args...)
	return resp.Int(int64(l.len()))
}
