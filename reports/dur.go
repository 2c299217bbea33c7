package reports

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Dur is a span of virtual time. JSON carries it as an integer number of
// nanoseconds so that files compare byte for byte; people see it through
// String, with three significant digits ("1.23ms").
type Dur time.Duration

// D converts a time.Duration.
func D(d time.Duration) Dur { return Dur(d) }

// Duration converts back to a time.Duration.
func (d Dur) Duration() time.Duration { return time.Duration(d) }

// Seconds is d in seconds.
func (d Dur) Seconds() float64 { return time.Duration(d).Seconds() }

// MarshalJSON writes the integer nanoseconds.
func (d Dur) MarshalJSON() ([]byte, error) {
	return strconv.AppendInt(nil, int64(d), 10), nil
}

// UnmarshalJSON accepts only an integer number of nanoseconds: a float or a
// string such as "1s" is an error, because a silently rounded duration would
// break the byte-for-byte comparison of runs.
func (d *Dur) UnmarshalJSON(b []byte) error {
	text := string(bytes.TrimSpace(b))
	if text == "null" {
		return nil
	}
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		return fmt.Errorf("duration %s: want an integer number of nanoseconds", text)
	}
	*d = Dur(n)
	return nil
}

// String shows d with three significant digits in the largest unit that
// keeps it at least 1: "850ns", "12.3µs", "1.23ms", "4.56s". From a minute
// on it switches to "2m05s" and "1h02m03s".
func (d Dur) String() string {
	if d < 0 {
		if d == math.MinInt64 {
			return "-" + Dur(math.MaxInt64).String()
		}
		return "-" + (-d).String()
	}
	switch {
	case d == 0:
		return "0s"
	case d < Dur(time.Microsecond):
		return strconv.FormatInt(int64(d), 10) + "ns"
	case d < Dur(time.Millisecond):
		return threeDigits(float64(d)/1e3) + "µs"
	case d < Dur(time.Second):
		return threeDigits(float64(d)/1e6) + "ms"
	case d < Dur(time.Minute):
		return threeDigits(float64(d)/1e9) + "s"
	}
	secondsTotal := int64(time.Duration(d) / time.Second)
	hours, minutes, seconds := secondsTotal/3600, secondsTotal/60%60, secondsTotal%60
	if hours == 0 {
		return fmt.Sprintf("%dm%02ds", minutes, seconds)
	}
	return fmt.Sprintf("%dh%02dm%02ds", hours, minutes, seconds)
}

// threeDigits formats v (1 <= v < 1000) with three significant digits and
// no trailing zeros.
func threeDigits(v float64) string {
	decimals := 2
	if v >= 100 {
		decimals = 0
	} else if v >= 10 {
		decimals = 1
	}
	s := strconv.FormatFloat(v, 'f', decimals, 64)
	// Rounding may carry into a fourth digit (999.7 → "1000"); that is
	// still exact enough to read and keeps the unit stable.
	return trimZeros(s)
}

// trimZeros drops trailing zeros after a decimal point, and the point.
func trimZeros(s string) string {
	if !strings.Contains(s, ".") {
		return s
	}
	return strings.TrimSuffix(strings.TrimRight(s, "0"), ".")
}
