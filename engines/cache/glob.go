package cache

// globMatch reports whether s matches the glob pattern, with the semantics
// of Redis's stringmatchlen (case-sensitive): * any run of bytes, ? one
// byte, [abc] [^abc] [a-z] sets (a reversed range is swapped, an
// unterminated set ends at the pattern's end, [] matches nothing), and a
// backslash makes the next byte literal. KEYS, SCAN MATCH and PSUBSCRIBE
// use it.
func globMatch(pattern, s []byte) bool {
	skipLonger := false
	return globMatchFrom(pattern, s, &skipLonger)
}

// globMatchFrom is the recursive matcher. skipLonger is Redis's guard
// against exponential backtracking: once a * failed to match at every
// position of the rest of s, no outer * can succeed by consuming more
// bytes, so the outer loops stop too.
func globMatchFrom(p, s []byte, skipLonger *bool) bool {
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
				if globMatchFrom(p[1:], s, skipLonger) {
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
			match := false
			for {
				if len(p) == 0 {
					// Unterminated: the set ends with the pattern. Step
					// back so the p = p[1:] below lands on the end.
					p = []byte{0}
					break
				}
				if p[0] == '\\' && len(p) >= 2 {
					p = p[1:]
					if p[0] == s[0] {
						match = true
					}
				} else if p[0] == ']' {
					break
				} else if len(p) >= 3 && p[1] == '-' {
					lo, hi := p[0], p[2]
					if lo > hi {
						lo, hi = hi, lo
					}
					if s[0] >= lo && s[0] <= hi {
						match = true
					}
					p = p[2:]
				} else if p[0] == s[0] {
					match = true
				}
				p = p[1:]
			}
			if match == negate {
				return false
			}
			s = s[1:]
		case '\\':
			if len(p) >= 2 {
				p = p[1:]
			}
			fallthrough
		default:
			if p[0] != s[0] {
				return false
			}
			s = s[1:]
		}
		p = p[1:]
		if len(s) == 0 {
			for len(p) > 0 && p[0] == '*' {
				p = p[1:]
			}
			break
		}
	}
	return len(p) == 0 && len(s) == 0
}
