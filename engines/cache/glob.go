package cache

// globMatch reports whether s matches the glob pattern with the semantics
// of Redis's stringmatchlen (KEYS, SCAN MATCH, CONFIG GET, PSUBSCRIBE):
//
//   - any run of bytes, including none
//     ?       any one byte
//     [abc]   one byte of the set; [^abc] one byte not in it; [a-z] a range
//     (ends may come in either order); \ escapes a byte in the set;
//     an unterminated [ matches against what it holds
//     \x      the byte x literally (a trailing \ is a literal \)
//
// Everything is byte-wise and case-sensitive.
//
// A star tries every split of the rest of s, which is exponential for
// patterns like "*a*a*a*b" against a long run of a's. Like Redis (since
// its fix for CVE-2022-36021) it stops early: once the rest of the pattern
// failed to match a suffix because s ran out, it cannot match a shorter
// suffix either, so no longer match for this star is tried.
//
// Each star that is not last recurses; past globNestingMax stars deep the
// pattern does not match, as in Redis (KEYS "*?*?…" of 50000 pairs finds
// nothing there), which also bounds the recursion.
func globMatch(pattern, s []byte) bool {
	var skipLonger bool
	return globMatchFrom(pattern, s, &skipLonger, 0)
}

// globNestingMax is Redis's limit on nested star matches (util.c).
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
			s = s[1:]
		case '[':
			p = p[1:]
			negate := len(p) > 0 && p[0] == '^'
			if negate {
				p = p[1:]
			}
			matched := false
			for {
				if len(p) == 0 {
					break // unterminated set: it ends with the pattern
				}
				if p[0] == '\\' && len(p) >= 2 {
					p = p[1:]
					if p[0] == s[0] {
						matched = true
					}
				} else if p[0] == ']' {
					break
				} else if len(p) >= 3 && p[1] == '-' {
					lo, hi := p[0], p[2]
					if lo > hi {
						lo, hi = hi, lo
					}
					if s[0] >= lo && s[0] <= hi {
						matched = true
					}
					p = p[2:]
				} else if p[0] == s[0] {
					matched = true
				}
				p = p[1:]
			}
			if matched == negate {
				return false
			}
			s = s[1:]
			if len(p) == 0 {
				// Redis steps back onto the terminator here and then
				// forward past it: the pattern is used up.
				if len(s) == 0 {
					return true
				}
				return false
			}
		case '\\':
			if len(p) >= 2 {
				p = p[1:]
			}
			if p[0] != s[0] {
				return false
			}
			s = s[1:]
		default:
			if p[0] != s[0] {
				return false
			}
			s = s[1:]
		}
		p = p[1:] // past the byte, '?', ']' or escaped byte just matched
		if len(s) == 0 {
			for len(p) > 0 && p[0] == '*' {
				p = p[1:]
			}
			break
		}
	}
	return len(p) == 0 && len(s) == 0
}

// matchesAll reports whether pattern is the lone "*" that KEYS and SCAN
// treat as "every key" without matching — so even the empty key, which
// stringmatchlen would reject, is listed.
func matchesAll(pattern []byte) bool { return len(pattern) == 1 && pattern[0] == '*' }
