// Package geohash is the geometry behind Redis's GEO commands: a point is
// stored as a sorted-set score, the 52-bit interleaving of its longitude
// and latitude cells at 26 steps (each step halves both ranges), and a
// search reads the members of the 3×3 block of cells around its centre —
// at the step whose cells just cover the searched shape — then keeps
// those truly inside the shape. Its constants and rules are Redis 7.0's
// (geohash.c, geohash_helper.c), so scores, GEOHASH strings, distances and
// the order members are found in agree with redis-server's.
package geohash

import "math"

const (
	// StepMax is the step of stored scores: 26 bits a coordinate.
	StepMax = 26
	// The ranges Redis stores: latitudes beyond ±85.05112878 have no
	// place on the Web Mercator square.
	LatMin = -85.05112878
	LatMax = 85.05112878
	LonMin = -180.0
	LonMax = 180.0
	// EarthRadiusMeters is the radius Redis's distances use.
	EarthRadiusMeters = 6372797.560856
	// mercatorMax is half the Mercator square's side, in meters.
	mercatorMax = 20037726.37
	// standardLatMin/Max are the latitude range of textual geohashes
	// (GEOHASH), which cover the whole sphere.
	standardLatMin = -90.0
	standardLatMax = 90.0
)

// Hash is a cell: its interleaved bits at a step (bits 0…2·step-1).
type Hash struct {
	Bits uint64
	Step uint8
}

// IsZero: the cell was dropped from a search.
func (h Hash) IsZero() bool { return h.Bits == 0 && h.Step == 0 }

// Area is a cell's extent in degrees.
type Area struct {
	LonMin, LonMax, LatMin, LatMax float64
}

// Valid reports whether lon, lat can be stored.
func Valid(lon, lat float64) bool {
	return lon >= LonMin && lon <= LonMax && lat >= LatMin && lat <= LatMax
}

// Encode is the cell of lon, lat at step in Redis's ranges.
func Encode(lon, lat float64, step uint8) Hash {
	return encodeIn(lon, lat, step, LatMin, LatMax)
}

func encodeIn(lon, lat float64, step uint8, latMin, latMax float64) Hash {
	latOffset := (lat - latMin) / (latMax - latMin) * float64(uint64(1)<<step)
	lonOffset := (lon - LonMin) / (LonMax - LonMin) * float64(uint64(1)<<step)
	return Hash{Bits: interleave(uint32(latOffset), uint32(lonOffset)), Step: step}
}

// Score is the stored score of a point: its cell at StepMax.
func Score(lon, lat float64) uint64 { return Encode(lon, lat, StepMax).Bits }

// Decode is the extent of a cell.
func Decode(h Hash) Area {
	lat, lon := deinterleave(h.Bits)
	cells := float64(uint64(1) << h.Step)
	return Area{
		LatMin: LatMin + float64(lat)/cells*(LatMax-LatMin),
		LatMax: LatMin + float64(lat+1)/cells*(LatMax-LatMin),
		LonMin: LonMin + float64(lon)/cells*(LonMax-LonMin),
		LonMax: LonMin + float64(lon+1)/cells*(LonMax-LonMin),
	}
}

// Center is a cell's middle, kept within the stored ranges.
func (a Area) Center() (lon, lat float64) {
	lon = min(max((a.LonMin+a.LonMax)/2, LonMin), LonMax)
	lat = min(max((a.LatMin+a.LatMax)/2, LatMin), LatMax)
	return lon, lat
}

// Point is where a stored score puts its member.
func Point(score uint64) (lon, lat float64) {
	return Decode(Hash{Bits: score, Step: StepMax}).Center()
}

// Text is GEOHASH's 11-character geohash of a stored score: the point
// re-encoded over the standard latitude range, in base 32 (the last
// character, beyond the 52 bits, is always '0').
func Text(score uint64) string {
	const alphabet = "0123456789bcdefghjkmnpqrstuvwxyz"
	lon, lat := Point(score)
	bits := encodeIn(lon, lat, StepMax, standardLatMin, standardLatMax).Bits
	var out [11]byte
	for i := range out {
		idx := uint64(0)
		if i < 10 {
			idx = bits >> (52 - uint(i+1)*5) & 0x1f
		}
		out[i] = alphabet[idx]
	}
	return string(out[:])
}

// ScoreRange is the scores of the points in a cell: [Min, Max).
func (h Hash) ScoreRange() (lo, hi uint64) {
	shift := 52 - 2*uint(h.Step)
	return h.Bits << shift, (h.Bits + 1) << shift
}

// move is the cell dLon and dLat cells away, wrapping around.
func (h Hash) move(dLon, dLat int) Hash {
	lat, lon := deinterleave(h.Bits)
	mask := uint32(uint64(1)<<h.Step - 1)
	lat = uint32(int64(lat)+int64(dLat)) & mask
	lon = uint32(int64(lon)+int64(dLon)) & mask
	return Hash{Bits: interleave(lat, lon), Step: h.Step}
}

// Distance is the great-circle distance in meters (haversine).
func Distance(lon1, lat1, lon2, lat2 float64) float64 {
	lat1r, lon1r := radians(lat1), radians(lon1)
	lat2r, lon2r := radians(lat2), radians(lon2)
	v := math.Sin((lon2r - lon1r) / 2)
	if v == 0 { // the same meridian: the latitudes' arc
		return EarthRadiusMeters * math.Abs(lat2r-lat1r)
	}
	u := math.Sin((lat2r - lat1r) / 2)
	return 2 * EarthRadiusMeters * math.Asin(math.Sqrt(u*u+math.Cos(lat1r)*math.Cos(lat2r)*v*v))
}

// degreeRadians is one degree in radians; conversions multiply or divide
// by it, as Redis's do, so results agree to the last bit.
const degreeRadians = math.Pi / 180

func radians(deg float64) float64 { return deg * degreeRadians }
func degrees(rad float64) float64 { return rad / degreeRadians }

// Shape is a search area around a centre: a circle of RadiusMeters, or a
// box WidthMeters × HeightMeters when Box is set.
type Shape struct {
	Lon, Lat                  float64
	Box                       bool
	RadiusMeters              float64
	WidthMeters, HeightMeters float64
}

// Contains reports whether the point lon, lat lies in the shape, and its
// distance from the centre in meters.
func (s Shape) Contains(lon, lat float64) (float64, bool) {
	if !s.Box {
		d := Distance(s.Lon, s.Lat, lon, lat)
		return d, d <= s.RadiusMeters
	}
	// The latitude test is the cheaper: first.
	if EarthRadiusMeters*math.Abs(radians(lat)-radians(s.Lat)) > s.HeightMeters/2 {
		return 0, false
	}
	if Distance(lon, lat, s.Lon, lat) > s.WidthMeters/2 {
		return 0, false
	}
	return Distance(s.Lon, s.Lat, lon, lat), true
}

// boundingBox is the shape's extent in degrees: lonMin, latMin, lonMax,
// latMax. Meridians converge towards the poles, so the longitude span is
// taken at the edge nearer the pole.
func (s Shape) boundingBox() (lonMin, latMin, lonMax, latMax float64) {
	height, width := s.RadiusMeters, s.RadiusMeters
	if s.Box {
		height, width = s.HeightMeters/2, s.WidthMeters/2
	}
	latDelta := degrees(height / EarthRadiusMeters)
	lonDeltaTop := degrees(width / EarthRadiusMeters / math.Cos(radians(s.Lat+latDelta)))
	lonDeltaBottom := degrees(width / EarthRadiusMeters / math.Cos(radians(s.Lat-latDelta)))
	lonDelta := lonDeltaTop
	if s.Lat < 0 {
		lonDelta = lonDeltaBottom
	}
	return s.Lon - lonDelta, s.Lat - latDelta, s.Lon + lonDelta, s.Lat + latDelta
}

// radiusMeters is the radius of the circle around the shape.
func (s Shape) radiusMeters() float64 {
	if !s.Box {
		return s.RadiusMeters
	}
	return math.Sqrt((s.WidthMeters/2)*(s.WidthMeters/2) + (s.HeightMeters/2)*(s.HeightMeters/2))
}

// estimateStep is the step whose cells are about the size of a search of
// radiusMeters at latitude lat: coarser towards the poles.
func estimateStep(radiusMeters, lat float64) uint8 {
	if radiusMeters == 0 {
		return StepMax
	}
	step := 1
	for radiusMeters < mercatorMax {
		radiusMeters *= 2
		step++
	}
	step -= 2 // so the range is covered in most cases
	if lat > 66 || lat < -66 {
		step--
		if lat > 80 || lat < -80 {
			step--
		}
	}
	return uint8(min(max(step, 1), StepMax))
}

// Cells are the cells a search reads, in the order it reads them: the
// centre, then north, south, east, west, north-east, north-west,
// south-east, south-west; a neighbour the shape cannot reach is zero.
func (s Shape) Cells() [9]Hash {
	lonMin, latMin, lonMax, latMax := s.boundingBox()
	step := estimateStep(s.radiusMeters(), s.Lat)
	center, around := s.cellsAt(step)
	// At the edges of a cell the estimate can fall short: one step
	// coarser then.
	north, south := Decode(around[0]), Decode(around[1])
	east, west := Decode(around[2]), Decode(around[3])
	if step > 1 && (north.LatMax < latMax || south.LatMin > latMin || east.LonMax < lonMax || west.LonMin > lonMin) {
		step--
		center, around = s.cellsAt(step)
	}
	if step >= 2 {
		area := Decode(center)
		drop := func(which ...int) {
			for _, i := range which {
				around[i] = Hash{}
			}
		}
		const n, so, e, w, ne, nw, se, sw = 0, 1, 2, 3, 4, 5, 6, 7
		if area.LatMin < latMin {
			drop(so, sw, se)
		}
		if area.LatMax > latMax {
			drop(n, ne, nw)
		}
		if area.LonMin < lonMin {
			drop(w, sw, nw)
		}
		if area.LonMax > lonMax {
			drop(e, se, ne)
		}
	}
	return [9]Hash{center, around[0], around[1], around[2], around[3], around[4], around[5], around[6], around[7]}
}

// cellsAt is the centre's cell at step and its neighbours: north, south,
// east, west, north-east, north-west, south-east, south-west.
func (s Shape) cellsAt(step uint8) (Hash, [8]Hash) {
	c := Encode(s.Lon, s.Lat, step)
	return c, [8]Hash{c.move(0, 1), c.move(0, -1), c.move(1, 0), c.move(-1, 0),
		c.move(1, 1), c.move(-1, 1), c.move(1, -1), c.move(-1, -1)}
}

// interleave spreads lat over the even bits and lon over the odd ones.
func interleave(lat, lon uint32) uint64 {
	return spread(lat) | spread(lon)<<1
}

func deinterleave(bits uint64) (lat, lon uint32) {
	return squash(bits), squash(bits >> 1)
}

// spread puts the 32 bits of x at the even positions of a uint64.
func spread(x uint32) uint64 {
	v := uint64(x)
	v = (v | v<<16) & 0x0000FFFF0000FFFF
	v = (v | v<<8) & 0x00FF00FF00FF00FF
	v = (v | v<<4) & 0x0F0F0F0F0F0F0F0F
	v = (v | v<<2) & 0x3333333333333333
	v = (v | v<<1) & 0x5555555555555555
	return v
}

// squash gathers the even bits of v into a uint32.
func squash(v uint64) uint32 {
	v &= 0x5555555555555555
	v = (v | v>>1) & 0x3333333333333333
	v = (v | v>>2) & 0x0F0F0F0F0F0F0F0F
	v = (v | v>>4) & 0x00FF00FF00FF00FF
	v = (v | v>>8) & 0x0000FFFF0000FFFF
	v = (v | v>>16) & 0x00000000FFFFFFFF
	return uint32(v)
}
