package reports

import (
	"fmt"
	"math"
	"strconv"
)

// number shows v for a reader: integers as integers, other values with
// about four significant digits and never in exponent notation, large
// values with a thousands suffix.
func number(v float64) string {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return strconv.FormatFloat(v, 'f', -1, 64)
	case v < 0:
		return "-" + number(-v)
	case v >= 1e9:
		return trimZeros(strconv.FormatFloat(v/1e9, 'f', 2, 64)) + "G"
	case v >= 1e6:
		return trimZeros(strconv.FormatFloat(v/1e6, 'f', 2, 64)) + "M"
	case v >= 1e5:
		return trimZeros(strconv.FormatFloat(v/1e3, 'f', 1, 64)) + "k"
	case v == math.Trunc(v):
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	decimals := 3 - int(math.Floor(math.Log10(v)))
	decimals = min(max(decimals, 0), 6)
	return trimZeros(strconv.FormatFloat(v, 'f', decimals, 64))
}

// ticksMax bounds how many labelled ticks an axis gets, so labels never
// run into each other.
const ticksMax = 8

// niceTicks returns round tick values covering [lo, hi] (hi > lo) with a
// step of 1, 2 or 5 times a power of ten, and the bounds widened to whole
// steps.
func niceTicks(lo, hi float64, ticksWanted int) (ticks []float64, axisLo, axisHi float64) {
	if !(hi > lo) || math.IsInf(hi-lo, 0) || math.IsNaN(hi-lo) {
		panic(fmt.Sprintf("niceTicks: range [%v, %v] is empty or overflows; clamp with plotValue first", lo, hi))
	}
	ticksWanted = min(max(ticksWanted, 2), ticksMax)
	rough := (hi - lo) / float64(ticksWanted-1)
	magnitude := math.Pow(10, math.Floor(math.Log10(rough)))
	// Round the rough step to the nearest of 1, 2, 5, 10 (in ratio), so the
	// tick count lands near what was asked for rather than always under it.
	var step float64
	switch ratio := rough / magnitude; {
	case ratio < 1.5:
		step = magnitude
	case ratio < 3:
		step = 2 * magnitude
	case ratio < 7:
		step = 5 * magnitude
	default:
		step = 10 * magnitude
	}
	axisLo = math.Floor(lo/step) * step
	axisHi = math.Ceil(hi/step) * step
	// Division and multiplication can round past the data by an ulp.
	if axisLo > lo {
		axisLo -= step
	}
	if axisHi < hi {
		axisHi += step
	}
	// Near the limits of float64 a step can vanish against axisLo; the
	// bound on the loop keeps that from spinning forever.
	for i := 0; i <= 2*ticksMax+2; i++ {
		t := axisLo + float64(i)*step
		if t > axisHi+step/2 {
			break
		}
		// Snap float noise (0.30000000000000004) so labels stay short.
		ticks = append(ticks, math.Round(t/step)*step)
	}
	return ticks, axisLo, axisHi
}

// plotValueAbsMax bounds what a plot draws: beyond it the span of an axis
// could overflow float64. Values this large are nonsense for any series the
// lab records, so clipping them loses nothing a reader could use.
const plotValueAbsMax = 1e300

// plotValue clips v into [-plotValueAbsMax, plotValueAbsMax].
func plotValue(v float64) float64 {
	return min(max(v, -plotValueAbsMax), plotValueAbsMax)
}

// dataRange widens a degenerate [lo, hi] so that an axis can be drawn
// around it: an empty series, a single point or a flat line all get a range.
func dataRange(lo, hi float64) (float64, float64) {
	if hi > lo {
		return lo, hi
	}
	if hi == 0 {
		return 0, 1
	}
	spread := math.Abs(hi) / 2
	return lo - spread, hi + spread
}
