package cache

import (
	"bytes"
	"strconv"

	"syslab/engines/cache/resp"
)

// The cursor and options of the per-type scans (SSCAN, HSCAN, ZSCAN), as
// Redis's scanGenericCommand reads them. A small collection (intset or
// listpack encoding) is returned whole with cursor 0, as Redis does; a
// hashtable one is walked with dict.Scan's reverse-binary cursor, which
// returns every element present for the whole scan at least once.

// scanOptions are the parsed MATCH and COUNT of a type scan.
type scanOptions struct {
	// pattern filters the elements; nil matches all (a lone "*" is taken
	// as match-all without calling globMatch, as Redis does).
	pattern []byte
	// count is the work hint: buckets are visited until about count
	// elements were collected (or 10×count buckets were visited).
	count int
}

// scanBucketsPerCountMax bounds the empty buckets a call visits: a sparse
// table returns early with fewer elements rather than walking it all.
const scanBucketsPerCountMax = 10

// parseScanOptions reads MATCH and COUNT from args (what follows the
// cursor). SCAN's TYPE option is not accepted by the per-type scans.
func parseScanOptions(args [][]byte) (scanOptions, resp.Value, bool) {
	o := scanOptions{count: scanCountDefault}
	for i := 0; i < len(args); i += 2 {
		if i+1 >= len(args) {
			return o, resp.Err(errSyntax), false
		}
		switch value := args[i+1]; {
		case bytes.EqualFold(args[i], []byte("count")):
			n, ok := resp.ParseInt(value)
			if !ok {
				return o, resp.Err(errNotInteger), false
			}
			if n < 1 {
				return o, resp.Err(errSyntax), false
			}
			o.count = int(min(n, 1<<31))
		case bytes.EqualFold(args[i], []byte("match")):
			o.pattern = value
			if len(value) == 1 && value[0] == '*' {
				o.pattern = nil
			}
		default:
			return o, resp.Err(errSyntax), false
		}
	}
	return o, resp.Value{}, true
}

// matches applies the MATCH filter.
func (o *scanOptions) matches(element []byte) bool {
	return o.pattern == nil || globMatch(o.pattern, element)
}

// scanReply is the two-element answer: the next cursor as a bulk string,
// then the elements.
func scanReply(cursor uint64, elements []resp.Value) resp.Value {
	if elements == nil {
		elements = []resp.Value{}
	}
	return resp.ArrayOf(resp.Bulk(strconv.AppendUint(nil, cursor, 10)), resp.ArrayOf(elements...))
}

// replyEmptyScan answers a scan of a missing key.
var replyEmptyScan = scanReply(0, nil)
