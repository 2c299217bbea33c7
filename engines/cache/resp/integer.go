package resp

// ParseInt parses a decimal int64 the way Redis's string2ll does: an
// optional '-', no '+', no spaces, no leading zeros, no "-0", no overflow.
// Redis accepts these and only these as integers, so INCR on " 1" or "01"
// fails with "value is not an integer" there and here alike.
func ParseInt(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	if len(b) == 1 && b[0] == '0' {
		return 0, true
	}
	negative := false
	i := 0
	if b[0] == '-' {
		negative = true
		i = 1
		if len(b) == 1 {
			return 0, false
		}
	}
	if b[i] < '1' || b[i] > '9' {
		return 0, false
	}
	var magnitude uint64
	for ; i < len(b); i++ {
		c := b[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if magnitude > (1<<64-1-d)/10 {
			return 0, false
		}
		magnitude = magnitude*10 + d
	}
	if negative {
		if magnitude > 1<<63 {
			return 0, false
		}
		return -int64(magnitude-1) - 1, true
	}
	if magnitude > 1<<63-1 {
		return 0, false
	}
	return int64(magnitude), true
}
