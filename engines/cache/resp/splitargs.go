package resp

// SplitArgs splits an inline request line into arguments with Redis's
// quoting rules (sdssplitargs): arguments are separated by white space;
// "double quotes" understand \n \r \t \b \a \\ \" and \xHH; 'single
// quotes' understand only \'; a closing quote must be followed by white
// space or the end of the line. ok is false for unbalanced quotes. Like the
// C original, a NUL byte ends the line. The returned arguments are fresh
// copies.
func SplitArgs(line []byte) (args [][]byte, ok bool) {
	for i, c := range line {
		if c == 0 {
			line = line[:i]
			break
		}
	}
	p := 0
	for {
		for p < len(line) && isSpace(line[p]) {
			p++
		}
		if p == len(line) {
			return args, true
		}
		var current []byte
		inDouble, inSingle, done := false, false, false
		for !done {
			switch {
			case inDouble:
				switch {
				case p >= len(line):
					return nil, false
				case line[p] == '\\' && p+3 < len(line) && line[p+1] == 'x' && isHex(line[p+2]) && isHex(line[p+3]):
					current = append(current, hexValue(line[p+2])<<4|hexValue(line[p+3]))
					p += 3
				case line[p] == '\\' && p+1 < len(line):
					p++
					current = append(current, unescape(line[p]))
				case line[p] == '"':
					if p+1 < len(line) && !isSpace(line[p+1]) {
						return nil, false
					}
					done = true
				default:
					current = append(current, line[p])
				}
			case inSingle:
				switch {
				case p >= len(line):
					return nil, false
				case line[p] == '\\' && p+1 < len(line) && line[p+1] == '\'':
					p++
					current = append(current, '\'')
				case line[p] == '\'':
					if p+1 < len(line) && !isSpace(line[p+1]) {
						return nil, false
					}
					done = true
				default:
					current = append(current, line[p])
				}
			default:
				if p >= len(line) {
					done = true
					break
				}
				switch line[p] {
				case ' ', '\n', '\r', '\t':
					done = true
				case '"':
					inDouble = true
				case '\'':
					inSingle = true
				default:
					current = append(current, line[p])
				}
			}
			if p < len(line) {
				p++
			}
		}
		if current == nil {
			current = []byte{}
		}
		args = append(args, current)
	}
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func hexValue(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

func unescape(c byte) byte {
	switch c {
	case 'n':
		return '\n'
	case 'r':
		return '\r'
	case 't':
		return '\t'
	case 'b':
		return '\b'
	case 'a':
		return '\a'
	}
	return c
}
