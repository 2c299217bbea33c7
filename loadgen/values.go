package loadgen

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
)

// valueBytesMax is the largest value a workload may ask for: Redis's
// proto-max-bulk-len default, 512 MiB.
const valueBytesMax = 512 << 20

// SizeChooser picks value sizes in bytes.
type SizeChooser interface {
	Next(r *rand.Rand) int
}

// ParseValueSize reads "100" or "constant:100" (every value 100 bytes) or
// "uniform:10:1000" (sizes uniform in [10, 1000]).
func ParseValueSize(spec string) (SizeChooser, error) {
	fail := func(format string, args ...any) (SizeChooser, error) {
		return nil, fmt.Errorf("value size %q: %s", spec, fmt.Sprintf(format, args...))
	}
	parts := strings.Split(spec, ":")
	sizes := make([]int, 0, 2)
	kind := "constant"
	if _, err := strconv.Atoi(parts[0]); err != nil {
		kind, parts = parts[0], parts[1:]
	}
	for _, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || n > valueBytesMax {
			return fail("size %q: want a whole number of bytes from 0 to %d", p, valueBytesMax)
		}
		sizes = append(sizes, n)
	}
	switch kind {
	case "constant":
		if len(sizes) != 1 {
			return fail("want constant:BYTES")
		}
		return ConstantSize(sizes[0]), nil
	case "uniform":
		if len(sizes) != 2 {
			return fail("want uniform:MIN:MAX")
		}
		if sizes[0] > sizes[1] {
			return fail("min %d is above max %d", sizes[0], sizes[1])
		}
		return UniformSize{MinBytes: sizes[0], MaxBytes: sizes[1]}, nil
	}
	return fail("unknown kind %q (want constant or uniform)", kind)
}

// ConstantSize is always the same number of bytes.
type ConstantSize int

func (c ConstantSize) Next(*rand.Rand) int { return int(c) }

// UniformSize is uniform over [MinBytes, MaxBytes].
type UniformSize struct{ MinBytes, MaxBytes int }

func (u UniformSize) Next(r *rand.Rand) int {
	return u.MinBytes + r.IntN(u.MaxBytes-u.MinBytes+1)
}
