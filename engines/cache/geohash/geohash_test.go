package geohash

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// Scores, GEOHASH strings, decoded points and distances as redis-server
// 7.0.15 gives them for Redis's own documentation example.
func TestAgreesWithRedis(t *testing.T) {
	for _, c := range []struct {
		lon, lat       float64
		score          uint64
		text           string
		decLon, decLat string
	}{
		{13.361389, 38.115556, 3479099956230698, "sqc8b49rny0", "13.36138933897018433", "38.11555639549629859"},
		{15.087269, 37.502669, 3479447370796909, "sqdtr74hyu0", "15.08726745843887329", "37.50266842333162032"},
	} {
		if got := Score(c.lon, c.lat); got != c.score {
			t.Errorf("Score(%v, %v) = %d, want %d", c.lon, c.lat, got, c.score)
		}
		if got := Text(c.score); got != c.text {
			t.Errorf("Text(%d) = %s, want %s", c.score, got, c.text)
		}
		lon, lat := Point(c.score)
		if got := fmt.Sprintf("%.17f %.17f", lon, lat); got != c.decLon+" "+c.decLat {
			t.Errorf("Point(%d) = %s, want %s %s", c.score, got, c.decLon, c.decLat)
		}
	}
	lon1, lat1 := Point(3479099956230698)
	lon2, lat2 := Point(3479447370796909)
	if got := fmt.Sprintf("%.4f", Distance(lon1, lat1, lon2, lat2)); got != "166274.1516" {
		t.Errorf("Palermo–Catania = %s m, want 166274.1516", got)
	}
}

// Whatever the shape, the cells a search reads hold every point inside
// it: the search can only miss a point through its cells.
func TestCellsCoverTheShape(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 3000 {
		s := Shape{Lon: rng.Float64()*360 - 180, Lat: rng.Float64()*160 - 80}
		if rng.IntN(2) == 0 {
			s.RadiusMeters = math.Pow(10, rng.Float64()*6.5)
		} else {
			s.Box, s.WidthMeters, s.HeightMeters = true, math.Pow(10, rng.Float64()*6.5), math.Pow(10, rng.Float64()*6.5)
		}
		cells := s.Cells()
		for range 50 {
			// A point near the shape's edge, inside it.
			lon := s.Lon + (rng.Float64()*2-1)*10
			lat := s.Lat + (rng.Float64()*2-1)*10
			if !Valid(lon, lat) {
				continue
			}
			score := Score(lon, lat)
			plon, plat := Point(score)
			if _, in := s.Contains(plon, plat); !in {
				continue
			}
			covered := false
			for _, c := range cells {
				lo, hi := c.ScoreRange()
				if !c.IsZero() && score >= lo && score < hi {
					covered = true
				}
			}
			if !covered {
				t.Fatalf("shape %+v: the point %v,%v inside it is in none of its cells", s, lon, lat)
			}
		}
	}
}
