package cache

// globMatch reports whether s matches the glob pattern with the rules of
// Redis's stringmatchlen (KEYS, SCAN/SSCAN/HSCAN/ZSCAN MATCH, PSUBSCRIBE),
// case-sensitively:
//
//   - '*' matches any run of bytes; consecutive stars count as one;
//   - '?' matches exactly one byte;
//   - "[abc]" one byte of the class, "[^abc]" one byte not in it;
//   - "[a-z]" a byte range, either way round ("[z-a]" is the same range);
//   - a backslash makes the next byte literal, outside and inside a class.
//
// The corner cases follow Redis, byte for byte, because clients see them:
//   - the string must be consumed by the pattern, so "*" does not match the
//     empty string (callers treat a lone "*" as "match all" before calling,
//     as Redis does);
//   - a class with no closing ']' runs to the end of the pattern;
//   - "[]" and "[^]" are a closed, empty class: ']' right after '[' ends it;
//   - a trailing lone '\' matches a '\'.
//
// The work is bounded: once the rest of the pattern after a star failed to
// match every suffix, no outer star can succeed either (Redis's
// skipLongerMatches), and nesting deeper than globNestingMax stars fails
// the match (recent Redis releases guard the stack the same way).
func globMatch(pattern, s []byte) bool {
	skipLonger := false
	return globMatchFrom(pattern, s, &skipLonger, 0)
}

// globNestingMax bounds the star recursion of one match.
const globNestingMax = 1000

func globMatchFrom(p, s []byte, skipLonger *bool, nesting int) bool {
	if nesting > globNestingMax {
		return false
	}
	for len(p) > 0 && len(s) > 0 {
		switch p[0] {
		case '*':
			for len(p) > 1 && p[1] == '*' {
				p = p[1:]
			}
			if len(p) == 1 {
				return true
			}
			for len(s) > 0 {
				if globMatchFrom(p[1:], s, skipLonger, nesting+1) {
					return true
				}
				if *skipLonger {
					return false
				}
				s = s[1:]
			}
			*skipLonger = true
			return false
		case '?':
			p = p[1:]
		case '[':
			var in bool
			if p, in = matchClass(p[1:], s[0]); !in {
				return false
			}
		case '\\':
			if len(p) >= 2 {
				p = p[1:]
			}
			fallthrough
		default:
			if p[0] != s[0] {
				return false
			}
			p = p[1:]
		}
		s = s[1:]
		if len(s) == 0 {
			for len(p) > 0 && p[0] == '*' {
				p = p[1:]
			}
		}
	}
	return len(p) == 0 && len(s) == 0
}

// matchClass matches c against the class whose body starts at p (just
// after the '['). It returns the pattern after the class (after its ']',
// or empty when the class is unterminated) and whether c is in the class.
func matchClass(p []byte, c byte) (rest []byte, in bool) {
	negate := len(p) > 0 && p[0] == '^'
	if negate {
		p = p[1:]
	}
	for {
		switch {
		case len(p) >= 2 && p[0] == '\\':
			p = p[1:]
			in = in || p[0] == c
		case len(p) > 0 && p[0] == ']':
			return p[1:], in != negate
		case len(p) == 0:
			return p, in != negate // unterminated: the class ran to the end
		case len(p) >= 3 && p[1] == '-':
			lo, hi := p[0], p[2]
			if lo > hi {
				lo, hi = hi, lo
			}
			in = in || (c >= lo && c <= hi)
			p = p[2:]
		default:
			in = in || p[0] == c
		}
		p = p[1:]
	}
}
