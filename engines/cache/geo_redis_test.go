package cache

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// geoCompareScript exercises every GEO command, option and error; the
// replies, in both protocols, must be redis-server 7.0's byte for byte —
// results in the order the cells are read included. Distances stored by
// STOREDIST are read back as members only: Go's sin, cos and asin can
// differ from glibc's in the last binary digit, which a score shows whole
// (printed to four decimals, as every distance reply is, they agree).
var geoCompareScript = []string{
	"GEOADD Sicily 13.361389 38.115556 Palermo 15.087269 37.502669 Catania",
	"GEOADD Sicily 13.361389 38.115556 Palermo", "GEOADD Sicily CH 13.361389 38.115556 Palermo 1 1 new",
	"GEOADD Sicily NX 2 2 new 3 3 other", "GEOADD Sicily XX CH 4 4 new 5 5 absent", "ZRANGE Sicily 0 -1 WITHSCORES",
	"GEOADD Sicily NX XX 1 2 x", "GEOADD Sicily 1 2 x y", "GEOADD Sicily 181 0 x", "GEOADD Sicily 0 86 x", "GEOADD Sicily a 1 x",
	"GEOADD Sicily 1 nan x", "GEOADD Sicily -180 -85.05112878 sw 180 85.05112878 ne", "GEOPOS Sicily sw ne",
	"GEODIST Sicily Palermo Catania", "GEODIST Sicily Palermo Catania km", "GEODIST Sicily Palermo Catania MI",
	"GEODIST Sicily Palermo Catania ft", "GEODIST Sicily Palermo nope", "GEODIST Sicily Palermo Catania parsecs",
	"GEODIST Sicily Palermo Catania km x", "GEODIST nokey a b", "GEODIST Sicily Palermo Palermo",
	"GEOPOS Sicily Palermo Catania NonExisting", "GEOPOS nokey a b", "GEOPOS Sicily",
	"GEOHASH Sicily Palermo Catania nope new", "GEOHASH nokey a", "GEOHASH Sicily",
	"GEORADIUS Sicily 15 37 200 km WITHDIST WITHCOORD WITHHASH", "GEORADIUS Sicily 15 37 200 km",
	"GEORADIUS Sicily 15 37 200 km ASC", "GEORADIUS Sicily 15 37 200 km DESC WITHDIST", "GEORADIUS Sicily 15 37 200 km COUNT 1",
	"GEORADIUS Sicily 15 37 200 km COUNT 1 ANY", "GEORADIUS Sicily 15 37 200 km COUNT 0", "GEORADIUS Sicily 15 37 200 km ANY",
	"GEORADIUS Sicily 15 37 200 km COUNT x", "GEORADIUS Sicily 15 37 -1 km", "GEORADIUS Sicily 15 37 x km",
	"GEORADIUS Sicily 15 37 200 xx", "GEORADIUS Sicily 15 37 200 km STORE d2 WITHDIST", "GEORADIUS Sicily 15 37 200 km BOGUS",
	"GEORADIUS Sicily 15 37 200 km STORE dst", "ZRANGE dst 0 -1 WITHSCORES", "GEORADIUS Sicily 15 37 200 km STOREDIST dst",
	"ZRANGE dst 0 -1", "GEORADIUS Sicily 15 37 1 m STORE dst", "EXISTS dst",
	"GEORADIUS nokey 15 37 200 km", "GEORADIUS nokey 15 37 200 km STORE dst", "GEORADIUS_RO Sicily 15 37 200 km STORE x",
	"GEORADIUS_RO Sicily 15 37 200 km WITHDIST",
	"GEORADIUSBYMEMBER Sicily Palermo 200 km WITHDIST", "GEORADIUSBYMEMBER Sicily nosuch 200 km",
	"GEORADIUSBYMEMBER nokey nosuch 200 km", "GEORADIUSBYMEMBER_RO Sicily Catania 100 km WITHCOORD",
	"GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 400 400 km ASC WITHCOORD WITHDIST",
	"GEOSEARCH Sicily FROMMEMBER Palermo BYRADIUS 100 km", "GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km COUNT 1 ANY",
	"GEOSEARCH Sicily FROMLONLAT 1 1 FROMMEMBER x BYRADIUS 10 km", "GEOSEARCH Sicily FROMLONLAT 1 1 BYRADIUS 1 km BYBOX 1 1 km",
	"GEOSEARCH Sicily FROMMEMBER nosuch BYRADIUS 1 km", "GEOSEARCH Sicily FROMLONLAT 1 1 BYRADIUS 1 km STORE x",
	"GEOSEARCH Sicily BYRADIUS 1 km WITHDIST", "GEOSEARCH Sicily FROMLONLAT 1 1 COUNT 1 ASC",
	"GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX -1 1 km", "GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 1 x km",
	"GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km STOREDIST", "GEOSEARCH nokey FROMMEMBER x BYRADIUS 1 km",
	"GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 100 400 mi DESC WITHHASH",
	"GEOSEARCHSTORE dst Sicily FROMLONLAT 15 37 BYRADIUS 300 km STOREDIST", "ZRANGE dst 0 -1",
	"GEOSEARCHSTORE dst Sicily FROMLONLAT 15 37 BYRADIUS 300 km WITHDIST", "GEOSEARCHSTORE dst nokey FROMLONLAT 15 37 BYRADIUS 3 km",
	"EXISTS dst", "SET str x", "GEOADD str 1 1 a", "GEOPOS str a", "GEORADIUS str 1 1 1 km", "GEOSEARCH str FROMLONLAT 1 1 BYRADIUS 1 km",
	// Points around the poles' limits and the antimeridian, and large radii whose neighbouring cells repeat.
	"GEOADD world -179.9 0 w1 179.9 0 e1 0 85 n1 0 -85 s1 0 0 o",
	"GEOSEARCH world FROMLONLAT 180 0 BYRADIUS 50 km ASC", "GEOSEARCH world FROMLONLAT 0 84 BYRADIUS 500 km",
	"GEOSEARCH world FROMLONLAT 0 0 BYRADIUS 20000 km", "GEOSEARCH world FROMLONLAT 0 0 BYRADIUS 20000 km ASC WITHDIST",
	"GEOSEARCH world FROMLONLAT 0 0 BYBOX 40000 40000 km DESC", "GEORADIUS world 0 0 0 m WITHDIST",
}

func TestGeoAgreesWithRedis(t *testing.T) {
	compareWithRedis(t, geoCompareScript)
}

// Random points and searches, compared with redis-server: the members
// found, their order (the cells' order, or by distance), distances and
// coordinates, for circles and boxes of many sizes.
func TestGeoSearchFuzzAgreesWithRedis(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	var script []string
	for round := range 20 {
		key := fmt.Sprintf("points%d", round)
		lon, lat := rng.Float64()*340-170, rng.Float64()*160-80
		spread := []float64{0.01, 0.5, 5, 40}[round%4]
		add := "GEOADD " + key
		for i := range 60 {
			add += fmt.Sprintf(" %.6f %.6f m%d", clampLon(lon+(rng.Float64()*2-1)*spread), clampLat(lat+(rng.Float64()*2-1)*spread), i)
		}
		script = append(script, add)
		for range 5 {
			radius := rng.Float64() * spread * 111
			script = append(script,
				fmt.Sprintf("GEOSEARCH %s FROMLONLAT %.6f %.6f BYRADIUS %.3f km WITHDIST WITHCOORD", key, lon, lat, radius),
				fmt.Sprintf("GEOSEARCH %s FROMLONLAT %.6f %.6f BYBOX %.3f %.3f km ASC WITHHASH", key, lon, lat, radius*2, radius),
				fmt.Sprintf("GEORADIUSBYMEMBER %s m%d %.3f km DESC COUNT 7", key, rng.IntN(60), radius))
		}
	}
	compareWithRedis(t, script)
}

func clampLon(lon float64) float64 { return min(max(lon, -180), 180) }
func clampLat(lat float64) float64 { return min(max(lat, -85), 85) }

// STOREDIST stores distances in the unit: redis-server's for the same
// search, to within the last binary digits.
func TestGeoStoredDistances(t *testing.T) {
	n, env := startNode(t, Config{})
	do(n, env, "c", "GEOADD Sicily 13.361389 38.115556 Palermo 15.087269 37.502669 Catania")
	do(n, env, "c", "GEOSEARCHSTORE dst Sicily FROMLONLAT 15 37 BYRADIUS 300 km STOREDIST")
	for member, want := range map[string]float64{"Catania": 56.441257870158204, "Palermo": 190.44242984775784} {
		got, err := strconv.ParseFloat(strings.TrimPrefix(do(n, env, "c", "ZSCORE dst "+member), "(double) "), 64)
		if err != nil || math.Abs(got-want) > 1e-12*want {
			t.Errorf("ZSCORE dst %s = %v (%v), want %v", member, got, err, want)
		}
	}
}
