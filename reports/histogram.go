package reports

import (
	"fmt"
	"math"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// Latency histograms record nanoseconds from 1ns to latencyMax with three
// significant digits: every reported percentile is within 0.1% of the truth.
const (
	latencyMin               = 1
	latencyMax               = int64(time.Hour)
	latencySignificantDigits = 3
)

// NewLatencyHistogram returns a histogram in the layout OpStats.HDR
// expects: values in nanoseconds, 1ns to 1h, three significant digits.
// Values above an hour do not fit; record them as an hour.
func NewLatencyHistogram() *hdrhistogram.Histogram {
	return hdrhistogram.New(latencyMin, latencyMax, latencySignificantDigits)
}

// SetHistogram fills the latency percentiles, Max and HDR of s from h,
// whose values are nanoseconds. Counts stay the caller's: a histogram holds
// only operations that returned.
func (s *OpStats) SetHistogram(h *hdrhistogram.Histogram) error {
	encoded, err := h.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
	if err != nil {
		return fmt.Errorf("op %q: encoding histogram: %w", s.Op, err)
	}
	s.HDR = string(encoded)
	s.P50 = Dur(h.ValueAtPercentile(50))
	s.P90 = Dur(h.ValueAtPercentile(90))
	s.P99 = Dur(h.ValueAtPercentile(99))
	s.P999 = Dur(h.ValueAtPercentile(99.9))
	s.Max = Dur(h.Max())
	return nil
}

// decodeHistogram reads OpStats.HDR; nil without error when it is empty.
func decodeHistogram(encoded string) (*hdrhistogram.Histogram, error) {
	if encoded == "" {
		return nil, nil
	}
	if len(encoded) > hdrBytesMax {
		return nil, fmt.Errorf("histogram is %d bytes, over the %d-byte bound", len(encoded), hdrBytesMax)
	}
	h, err := hdrhistogram.Decode([]byte(encoded))
	if err != nil {
		return nil, fmt.Errorf("decoding histogram: %w", err)
	}
	return h, nil
}

// Percentile curves are drawn against "nines": x = -log10(1 - p/100), so
// 90% sits at 1, 99% at 2, 99.9% at 3. Each decade of the tail gets the
// same width, which is how HdrHistogram's own plots show a distribution.
const (
	// ninesMax is the deepest tail plotted (99.999%).
	ninesMax = 5.0
	// ninesStep is the curve's resolution along x.
	ninesStep = 0.05
)

// percentileToNines maps a percentile (0 ≤ p < 100) onto the x axis.
func percentileToNines(p float64) float64 { return -math.Log10(1 - p/100) }

// ninesToPercentile is the inverse of percentileToNines.
func ninesToPercentile(x float64) float64 { return 100 * (1 - math.Pow(10, -x)) }

// curvePoint is the latency at one percentile.
type curvePoint struct {
	nines   float64
	latency Dur
}

// percentileCurve samples h from the 0th percentile to the deepest percentile the
// sample count supports: with n values, percentiles beyond 1-1/n only repeat
// the maximum, so the curve stops there (and at ninesMax).
func percentileCurve(h *hdrhistogram.Histogram) []curvePoint {
	n := h.TotalCount()
	if n == 0 {
		return nil
	}
	end := math.Min(math.Log10(float64(n)), ninesMax)
	var curve []curvePoint
	steps := int(math.Floor(end/ninesStep + 1e-9))
	for i := 0; i <= steps; i++ {
		x := float64(i) * ninesStep
		curve = append(curve, curvePoint{x, Dur(h.ValueAtPercentile(ninesToPercentile(x)))})
	}
	if last := float64(steps) * ninesStep; end-last > 1e-9 {
		curve = append(curve, curvePoint{end, Dur(h.ValueAtPercentile(ninesToPercentile(end)))})
	}
	return curve
}
