package cache

import (
	"bytes"
	"sort"
	"strconv"
	"strings"

	"syslab/engines/cache/geohash"
	"syslab/engines/cache/resp"
)

// GEO (Redis's geo.c): points kept in a sorted set, each member's score
// the 52-bit geohash of its longitude and latitude (geohash/ has the
// geometry). GEOADD is ZADD with computed scores — and is logged and
// notified as the ZADD it becomes; GEOPOS, GEODIST and GEOHASH read the
// scores back; GEOSEARCH (and the older GEORADIUS family) reads the cells
// around a point and keeps the members inside a circle or a box, in the
// order the cells are read unless ASC or DESC (or COUNT without ANY) sorts
// them by distance.

var geoCommands = []commandSpec{
	{name: "geoadd", arity: -5, flags: flagWrite | flagDenyOOM, firstKey: 1, lastKey: 1, keyStep: 1, run: geoaddCommand},
	{name: "geopos", arity: -2, flags: flagReadonly, firstKey: 1, lastKey: 1, keyStep: 1, run: geoposCommand},
	{name: "geodist", arity: -4, flags: flagReadonly, firstKey: 1, lastKey: 1, keyStep: 1, run: geodistCommand},
	{name: "geohash", arity: -2, flags: flagReadonly, firstKey: 1, lastKey: 1, keyStep: 1, run: geohashCommand},
	{name: "georadius", arity: -6, flags: flagWrite | flagDenyOOM, firstKey: 1, lastKey: 1, keyStep: 1, movableKeys: georadiusKeys(1, 6), run: func(c *call) resp.Value { return geoSearch(c, 1, geoFromCoords) }},
	{name: "georadius_ro", arity: -6, flags: flagReadonly, firstKey: 1, lastKey: 1, keyStep: 1, run: func(c *call) resp.Value { return geoSearch(c, 1, geoFromCoords|geoNoStore) }},
	{name: "georadiusbymember", arity: -5, flags: flagWrite | flagDenyOOM, firstKey: 1, lastKey: 1, keyStep: 1, movableKeys: georadiusKeys(1, 5), run: func(c *call) resp.Value { return geoSearch(c, 1, geoFromMember) }},
	{name: "georadiusbymember_ro", arity: -5, flags: flagReadonly, firstKey: 1, lastKey: 1, keyStep: 1, run: func(c *call) resp.Value { return geoSearch(c, 1, geoFromMember|geoNoStore) }},
	{name: "geosearch", arity: -7, flags: flagReadonly, firstKey: 1, lastKey: 1, keyStep: 1, run: func(c *call) resp.Value { return geoSearch(c, 1, geoSearchSyntax) }},
	{name: "geosearchstore", arity: -8, flags: flagWrite | flagDenyOOM, firstKey: 1, lastKey: 2, keyStep: 1, run: func(c *call) resp.Value { return geoSearch(c, 2, geoSearchSyntax|geoSearchStore) }},
}

// georadiusKeys finds GEORADIUS's keys as its key specs do: the source,
// then the argument after the first STORE and after the first STOREDIST
// found from args[fixed] on (a keyword with nothing after it makes the
// arguments name no keys).
func georadiusKeys(source, fixed int) func(args [][]byte) [][]byte {
	return func(args [][]byte) [][]byte {
		if len(args) <= source {
			return nil
		}
		keys := [][]byte{args[source]}
		for _, keyword := range []string{"STORE", "STOREDIST"} {
			at := keywordPosition(args, keyword, fixed) // commanddocs.go
			if at == 0 {
				continue
			}
			if at >= len(args) {
				return nil
			}
			keys = append(keys, args[at])
		}
		return keys
	}
}

// geoSearchFlags say which form of search a command is.
type geoSearchFlags uint8

const (
	geoFromCoords   geoSearchFlags = 1 << iota // GEORADIUS key lon lat radius unit
	geoFromMember                              // GEORADIUSBYMEMBER key member radius unit
	geoSearchSyntax                            // GEOSEARCH: FROM… and BY… options
	geoSearchStore                             // GEOSEARCHSTORE dst src …
	geoNoStore                                 // the _RO forms: no STORE
)

func geoaddCommand(c *call) resp.Value {
	first := 2
	var nx, xx bool
options:
	for ; first < len(c.args); first++ {
		switch strings.ToLower(string(c.args[first])) {
		case "nx":
			nx = true
		case "xx":
			xx = true
		case "ch":
		default:
			break options
		}
	}
	if (len(c.args)-first)%3 != 0 || nx && xx {
		return resp.Err(errSyntax)
	}
	// ZADD key [options] score member …, the score each point's geohash.
	zadd := append([][]byte{[]byte("zadd")}, c.args[1:first]...)
	for i := first; i < len(c.args); i += 3 {
		lon, lat, refusal := parseLonLat(c.args[i], c.args[i+1])
		if refusal.Kind != 0 {
			return refusal
		}
		zadd = append(zadd, strconv.AppendUint(nil, geohash.Score(lon, lat), 10), c.args[i+2])
	}
	zc := *c
	zc.args = zadd
	return zaddCommand(&zc)
}

// parseLonLat reads a longitude and a latitude and checks they can be
// stored.
func parseLonLat(lonArg, latArg []byte) (lon, lat float64, refusal resp.Value) {
	var ok bool
	if lon, ok = parseStrtod(lonArg, false); !ok {
		return 0, 0, resp.Err(errNotFloatValue)
	}
	if lat, ok = parseStrtod(latArg, false); !ok {
		return 0, 0, resp.Err(errNotFloatValue)
	}
	if !geohash.Valid(lon, lat) {
		return 0, 0, resp.Err("ERR invalid longitude,latitude pair " + strconv.FormatFloat(lon, 'f', 6, 64) + "," + strconv.FormatFloat(lat, 'f', 6, 64))
	}
	return lon, lat, resp.Value{}
}

const errNotFloatValue = "ERR value is not a valid float"

// memberPoint is where a member of z lies.
func memberPoint(z *zsetObject, member []byte) (lon, lat float64, ok bool) {
	score, ok := z.score(member)
	if !ok {
		return 0, 0, false
	}
	lon, lat = geohash.Point(uint64(score))
	return lon, lat, true
}

func geoposCommand(c *call) resp.Value {
	z, ok := c.getZset(c.args[1])
	if !ok {
		return replyWrongType
	}
	out := resp.Value{Kind: resp.Array, Elems: make([]resp.Value, 0, len(c.args)-2)}
	for _, member := range c.args[2:] {
		if z == nil {
			out.Elems = append(out.Elems, resp.Value{Kind: resp.NullArray})
			continue
		}
		lon, lat, found := memberPoint(z, member)
		if !found {
			out.Elems = append(out.Elems, resp.Value{Kind: resp.NullArray})
			continue
		}
		out.Elems = append(out.Elems, coordsReply(lon, lat))
	}
	return out
}

// coordsReply is [longitude, latitude] as Redis prints coordinates: in
// RESP2 strings of 17 decimals, trailing zeros dropped; in RESP3 doubles.
func coordsReply(lon, lat float64) resp.Value {
	return resp.Value{Kind: resp.Array, Elems: []resp.Value{humanDouble(lon), humanDouble(lat)}}
}

func humanDouble(f float64) resp.Value {
	text := strconv.AppendFloat(nil, f, 'f', 17, 64)
	text = bytes.TrimRight(text, "0")
	text = bytes.TrimSuffix(text, []byte("."))
	return resp.Value{Kind: resp.Double, Float: f, Str: text}
}

// distanceReply is a distance in the request's unit with four decimals,
// as a bulk string.
func distanceReply(meters, unitMeters float64) resp.Value {
	return resp.Bulk(strconv.AppendFloat(nil, meters/unitMeters, 'f', 4, 64))
}

func geodistCommand(c *call) resp.Value {
	unitMeters := 1.0
	switch {
	case len(c.args) == 5:
		var refusal resp.Value
		if unitMeters, refusal = parseGeoUnit(c.args[4]); refusal.Kind != 0 {
			return refusal
		}
	case len(c.args) > 5:
		return resp.Err(errSyntax)
	}
	z, ok := c.getZset(c.args[1])
	if !ok {
		return replyWrongType
	}
	if z == nil {
		return resp.NullBulk
	}
	lon1, lat1, ok1 := memberPoint(z, c.args[2])
	lon2, lat2, ok2 := memberPoint(z, c.args[3])
	if !ok1 || !ok2 {
		return resp.NullBulk
	}
	return distanceReply(geohash.Distance(lon1, lat1, lon2, lat2), unitMeters)
}

func geohashCommand(c *call) resp.Value {
	z, ok := c.getZset(c.args[1])
	if !ok {
		return replyWrongType
	}
	out := resp.Value{Kind: resp.Array, Elems: make([]resp.Value, 0, len(c.args)-2)}
	for _, member := range c.args[2:] {
		score, found := 0.0, false
		if z != nil {
			score, found = z.score(member)
		}
		if !found {
			out.Elems = append(out.Elems, resp.NullBulk)
			continue
		}
		out.Elems = append(out.Elems, resp.BulkFromString(geohash.Text(uint64(score))))
	}
	return out
}

// parseGeoUnit is the unit's length in meters.
func parseGeoUnit(b []byte) (float64, resp.Value) {
	switch strings.ToLower(string(b)) {
	case "m":
		return 1, resp.Value{}
	case "km":
		return 1000, resp.Value{}
	case "ft":
		return 0.3048, resp.Value{}
	case "mi":
		return 1609.34, resp.Value{}
	}
	return 0, resp.Err("ERR unsupported unit provided. please use M, KM, FT, MI")
}

// parseGeoDistance reads a radius (or a box side) and its unit; what
// names the number in the error when it is not one.
func parseGeoDistance(value, unit []byte, what string) (float64, float64, resp.Value) {
	d, ok := parseStrtod(value, false)
	if !ok {
		return 0, 0, resp.Err("ERR need numeric " + what)
	}
	if d < 0 {
		if what == "radius" {
			return 0, 0, resp.Err("ERR radius cannot be negative")
		}
		return 0, 0, resp.Err("ERR height or width cannot be negative")
	}
	unitMeters, refusal := parseGeoUnit(unit)
	return d, unitMeters, refusal
}

// geoRequest is a parsed search.
type geoRequest struct {
	shape      geohash.Shape
	unitMeters float64
	// Which of GEOSEARCH's FROM… and BY… options were given (FROMMEMBER
	// of a missing key counts, though the member is not looked up).
	fromMember, fromLonLat, byRadius, byBox bool
	withDist, withHash, withCoord, any      bool
	sort                                    int // 0 none, 1 ascending, -1 descending
	count                                   int64
	storeKey                                []byte
	storeDist                               bool
}

// geoSearch is Redis's georadiusGeneric: every search command, source key
// at args[srcAt].
func geoSearch(c *call, srcAt int, flags geoSearchFlags) resp.Value {
	z, ok := zsetOf(c.lookupRead(c.args[srcAt]))
	if !ok {
		return replyWrongType
	}
	req := geoRequest{}
	optionsAt := 0
	switch {
	case flags&geoFromCoords != 0:
		optionsAt = 6
		lon, lat, refusal := parseLonLat(c.args[2], c.args[3])
		if refusal.Kind != 0 {
			return refusal
		}
		req.shape.Lon, req.shape.Lat = lon, lat
		if req.shape.RadiusMeters, req.unitMeters, refusal = parseGeoDistance(c.args[4], c.args[5], "radius"); refusal.Kind != 0 {
			return refusal
		}
	case flags&geoFromMember != 0:
		optionsAt = 5
		if z != nil {
			lon, lat, found := memberPoint(z, c.args[2])
			if !found {
				return resp.Err("ERR could not decode requested zset member")
			}
			req.shape.Lon, req.shape.Lat = lon, lat
			var refusal resp.Value
			if req.shape.RadiusMeters, req.unitMeters, refusal = parseGeoDistance(c.args[3], c.args[4], "radius"); refusal.Kind != 0 {
				return refusal
			}
		}
	default:
		optionsAt = srcAt + 1
		if flags&geoSearchStore != 0 {
			req.storeKey = c.args[1]
		}
	}
	if refusal := req.parseOptions(c.args[optionsAt:], z, flags); refusal.Kind != 0 {
		return refusal
	}
	name := string(c.args[0])
	switch {
	case req.storeKey != nil && (req.withDist || req.withHash || req.withCoord):
		what := "STORE option in GEORADIUS"
		if flags&geoSearchStore != 0 {
			what = "GEOSEARCHSTORE"
		}
		return resp.Err("ERR " + what + " is not compatible with WITHDIST, WITHHASH and WITHCOORD options")
	case flags&geoSearchSyntax != 0 && !req.fromMember && !req.fromLonLat:
		return resp.Err("ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for " + name)
	case flags&geoSearchSyntax != 0 && !req.byRadius && !req.byBox:
		return resp.Err("ERR exactly one of BYRADIUS and BYBOX can be specified for " + name)
	case req.any && req.count == 0:
		return resp.Err("ERR the ANY argument requires COUNT argument")
	}
	if req.shape.Box {
		req.shape.WidthMeters *= req.unitMeters
		req.shape.HeightMeters *= req.unitMeters
	} else {
		req.shape.RadiusMeters *= req.unitMeters
	}
	if z == nil {
		if req.storeKey != nil {
			if c.db.delete(string(req.storeKey)) {
				c.modified = [][]byte{req.storeKey}
				c.notify(notifyGeneric, "del", req.storeKey)
				c.propagate(c.args...)
			}
			return resp.Int(0)
		}
		return resp.Value{Kind: resp.Array, Elems: []resp.Value{}}
	}
	if req.count != 0 && req.sort == 0 && !req.any {
		req.sort = 1
	}
	found := geoMembersInShape(z, req.shape, req.limitWhileSearching())
	switch req.sort {
	case 1:
		sort.SliceStable(found, func(i, j int) bool { return found[i].meters < found[j].meters })
	case -1:
		sort.SliceStable(found, func(i, j int) bool { return found[i].meters > found[j].meters })
	}
	if req.count != 0 && int64(len(found)) > req.count {
		found = found[:req.count]
	}
	if req.storeKey != nil {
		return geoStore(c, &req, found, flags)
	}
	return req.reply(found)
}

// parseOptions reads the options after a search's fixed arguments.
func (req *geoRequest) parseOptions(opts [][]byte, z *zsetObject, flags geoSearchFlags) resp.Value {
	search := flags&geoSearchSyntax != 0
	canStore := flags&(geoNoStore|geoSearchSyntax) == 0
	for i := 0; i < len(opts); i++ {
		left := len(opts) - 1 - i // arguments after this one
		switch arg := strings.ToLower(string(opts[i])); {
		case arg == "withdist":
			req.withDist = true
		case arg == "withhash":
			req.withHash = true
		case arg == "withcoord":
			req.withCoord = true
		case arg == "any":
			req.any = true
		case arg == "asc":
			req.sort = 1
		case arg == "desc":
			req.sort = -1
		case arg == "count" && left >= 1:
			n, ok := resp.ParseInt(opts[i+1])
			if !ok {
				return resp.Err(errNotInteger)
			}
			if n <= 0 {
				return resp.Err("ERR COUNT must be > 0")
			}
			req.count = n
			i++
		case (arg == "store" || arg == "storedist") && left >= 1 && canStore:
			req.storeKey, req.storeDist = opts[i+1], arg == "storedist"
			i++
		case arg == "storedist" && search && flags&geoSearchStore != 0:
			req.storeDist = true
		case arg == "frommember" && left >= 1 && search && !req.fromLonLat:
			if z != nil {
				lon, lat, found := memberPoint(z, opts[i+1])
				if !found {
					return resp.Err("ERR could not decode requested zset member")
				}
				req.shape.Lon, req.shape.Lat = lon, lat
			}
			req.fromMember = true
			i++
		case arg == "fromlonlat" && left >= 2 && search && !req.fromMember:
			lon, lat, refusal := parseLonLat(opts[i+1], opts[i+2])
			if refusal.Kind != 0 {
				return refusal
			}
			req.shape.Lon, req.shape.Lat = lon, lat
			req.fromLonLat = true
			i += 2
		case arg == "byradius" && left >= 2 && search && !req.byBox:
			var refusal resp.Value
			if req.shape.RadiusMeters, req.unitMeters, refusal = parseGeoDistance(opts[i+1], opts[i+2], "radius"); refusal.Kind != 0 {
				return refusal
			}
			req.byRadius = true
			i += 2
		case arg == "bybox" && left >= 3 && search && !req.byRadius:
			width, _, refusal := parseGeoDistance(opts[i+1], opts[i+3], "width")
			if refusal.Kind != 0 {
				return refusal
			}
			height, unitMeters, refusal := parseGeoDistance(opts[i+2], opts[i+3], "height")
			if refusal.Kind != 0 {
				return refusal
			}
			req.shape.Box, req.shape.WidthMeters, req.shape.HeightMeters, req.unitMeters = true, width, height, unitMeters
			req.byBox = true
			i += 3
		default:
			return resp.Err(errSyntax)
		}
	}
	return resp.Value{}
}

// limitWhileSearching is how many members the search may stop at: COUNT
// with ANY; otherwise every member must be seen to sort them.
func (req *geoRequest) limitWhileSearching() int {
	if req.any {
		return int(req.count)
	}
	return 0
}

// geoPoint is a member a search found.
type geoPoint struct {
	member   string
	score    float64
	meters   float64
	lon, lat float64
}

// geoMembersInShape reads the shape's cells in order and keeps the members
// inside it, stopping once limit are found (0: no limit). A cell the same
// as the one read before it (huge radii) is read once.
func geoMembersInShape(z *zsetObject, shape geohash.Shape, limit int) []geoPoint {
	var found []geoPoint
	var last *geohash.Hash
	for _, cell := range shape.Cells() {
		if cell.IsZero() {
			continue
		}
		if last != nil && *last == cell {
			continue
		}
		if limit > 0 && len(found) >= limit {
			break
		}
		lo, hi := cell.ScoreRange()
		r := scoreRange{min: float64(lo), max: float64(hi), maxEx: true}
		for x := z.firstInRange(&r); x != nil && r.belowMax(x.score); x = x.levels[0].forward {
			lon, lat := geohash.Point(uint64(x.score))
			if meters, in := shape.Contains(lon, lat); in {
				found = append(found, geoPoint{member: x.member, score: x.score, meters: meters, lon: lon, lat: lat})
				if limit > 0 && len(found) >= limit {
					break
				}
			}
		}
		last = &cell
	}
	return found
}

func (req *geoRequest) reply(found []geoPoint) resp.Value {
	out := resp.Value{Kind: resp.Array, Elems: make([]resp.Value, 0, len(found))}
	plain := !req.withDist && !req.withHash && !req.withCoord
	for _, p := range found {
		if plain {
			out.Elems = append(out.Elems, resp.BulkFromString(p.member))
			continue
		}
		item := []resp.Value{resp.BulkFromString(p.member)}
		if req.withDist {
			item = append(item, distanceReply(p.meters, req.unitMeters))
		}
		if req.withHash {
			item = append(item, resp.Int(int64(p.score)))
		}
		if req.withCoord {
			item = append(item, coordsReply(p.lon, p.lat))
		}
		out.Elems = append(out.Elems, resp.Value{Kind: resp.Array, Elems: item})
	}
	return out
}

// geoStore writes what a search found into its STORE key: scores the
// members' geohashes, or with STOREDIST their distances in the unit.
func geoStore(c *call, req *geoRequest, found []geoPoint, flags geoSearchFlags) resp.Value {
	dst := req.storeKey
	c.modified = [][]byte{dst}
	if len(found) == 0 {
		if c.db.delete(string(dst)) {
			c.notify(notifyGeneric, "del", dst)
			c.propagate(c.args...)
		}
		return resp.Int(0)
	}
	z := newZset(c)
	for _, p := range found {
		score := p.score
		if req.storeDist {
			score = p.meters / req.unitMeters
		}
		z.insert(p.member, score)
	}
	c.expireBeforeOverwrite(dst)
	c.db.set(string(dst), z, false)
	event := "georadiusstore"
	if flags&geoSearchSyntax != 0 {
		event = "geosearchstore"
	}
	c.notify(notifyZset, event, dst)
	c.propagate(c.args...)
	return resp.Int(int64(len(found)))
}
