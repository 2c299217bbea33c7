package cache

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	lua "github.com/yuin/gopher-lua"
)

// The cjson library Redis gives scripts (Lua CJSON 2.1.0): encode and
// decode JSON, with its configuration functions. Its observable rules, as
// redis-server 7.0 shows them:
//
//   - encode: a table whose keys are all integers ≥ 1 is an array (holes
//     become null; one sparser than ratio·items past `safe` entries is an
//     error, or an object when conversion is on), any other table an
//     object with string or number keys; the empty table is {}. Numbers
//     print with encode_number_precision significant digits (14);
//     NaN and Inf are errors; "/" is escaped, as are control characters
//     and DEL as \u00XX.
//   - decode: null is cjson.null; numbers are read as C's strtod reads
//     them, so NaN, Inf, hex and leading zeros are accepted; errors say
//     "Expected <what> but found <token> at character <n>".

const (
	cjsonDepthMaxDefault        = 1000
	cjsonSparseRatioDefault     = 2
	cjsonSparseSafeDefault      = 10
	cjsonNumberPrecisionMax     = 14
	cjsonNumberPrecisionMin     = 1
	cjsonNumberPrecisionDefault = cjsonNumberPrecisionMax
)

// cjsonConfig is one cjson module's settings (cjson.new() makes another).
type cjsonConfig struct {
	sparseConvert         bool
	sparseRatio           int
	sparseSafe            int
	encodeDepthMax        int
	decodeDepthMax        int
	encodeInvalidNumbers  bool
	decodeInvalidNumbers  bool
	keepBuffer            bool
	encodeNumberPrecision int
	null                  *lua.LUserData
}

func newCjsonLibrary(L *lua.LState, null *lua.LUserData) *lua.LTable {
	cfg := &cjsonConfig{
		sparseRatio: cjsonSparseRatioDefault, sparseSafe: cjsonSparseSafeDefault,
		encodeDepthMax: cjsonDepthMaxDefault, decodeDepthMax: cjsonDepthMaxDefault,
		decodeInvalidNumbers: true, keepBuffer: true, encodeNumberPrecision: cjsonNumberPrecisionDefault,
		null: null,
	}
	lib := L.NewTable()
	fn := func(name string, f lua.LGFunction) { lib.RawSetString(name, L.NewFunction(f)) }
	fn("encode", func(L *lua.LState) int {
		if L.GetTop() != 1 {
			L.ArgError(1, "expected 1 argument")
		}
		var b strings.Builder
		cfg.encode(L, &b, L.Get(1), 0)
		L.Push(lua.LString(b.String()))
		return 1
	})
	fn("decode", func(L *lua.LState) int {
		if L.GetTop() != 1 {
			L.ArgError(1, "expected 1 argument")
		}
		d := &cjsonDecoder{L: L, cfg: cfg, text: L.CheckString(1)}
		L.Push(d.document())
		return 1
	})
	fn("encode_sparse_array", func(L *lua.LState) int {
		if L.GetTop() >= 1 {
			cfg.sparseConvert = L.ToBool(1)
		}
		if L.GetTop() >= 2 {
			cfg.sparseRatio = cjsonIntArg(L, 2, 0, math.MaxInt32)
		}
		if L.GetTop() >= 3 {
			cfg.sparseSafe = cjsonIntArg(L, 3, 0, math.MaxInt32)
		}
		L.Push(lua.LBool(cfg.sparseConvert))
		L.Push(lua.LNumber(cfg.sparseRatio))
		L.Push(lua.LNumber(cfg.sparseSafe))
		return 3
	})
	intSetting := func(name string, field *int, lowest, highest int) {
		fn(name, func(L *lua.LState) int {
			if L.GetTop() >= 1 {
				*field = cjsonIntArg(L, 1, lowest, highest)
			}
			L.Push(lua.LNumber(*field))
			return 1
		})
	}
	intSetting("encode_max_depth", &cfg.encodeDepthMax, 1, math.MaxInt32)
	intSetting("decode_max_depth", &cfg.decodeDepthMax, 1, math.MaxInt32)
	intSetting("encode_number_precision", &cfg.encodeNumberPrecision, cjsonNumberPrecisionMin, cjsonNumberPrecisionMax)
	boolSetting := func(name string, field *bool) {
		fn(name, func(L *lua.LState) int {
			if L.GetTop() >= 1 {
				*field = L.ToBool(1)
			}
			L.Push(lua.LBool(*field))
			return 1
		})
	}
	boolSetting("encode_keep_buffer", &cfg.keepBuffer)
	boolSetting("encode_invalid_numbers", &cfg.encodeInvalidNumbers)
	boolSetting("decode_invalid_numbers", &cfg.decodeInvalidNumbers)
	fn("new", func(L *lua.LState) int {
		L.Push(newCjsonLibrary(L, null))
		return 1
	})
	lib.RawSetString("null", null)
	lib.RawSetString("_NAME", lua.LString("cjson"))
	lib.RawSetString("_VERSION", lua.LString("2.1.0"))
	return lib
}

func cjsonIntArg(L *lua.LState, i, lowest, highest int) int {
	n := checkInt(L, i)
	if n < int64(lowest) || n > int64(highest) {
		L.ArgError(i, "expected integer between "+strconv.Itoa(lowest)+" and "+strconv.Itoa(highest))
	}
	return int(n)
}

// encode appends v's JSON to b.
func (cfg *cjsonConfig) encode(L *lua.LState, b *strings.Builder, v lua.LValue, depth int) {
	switch v := v.(type) {
	case *lua.LNilType:
		b.WriteString("null")
	case lua.LBool:
		b.WriteString(strconv.FormatBool(bool(v)))
	case lua.LNumber:
		cfg.encodeNumber(L, b, float64(v))
	case lua.LString:
		cjsonQuote(b, string(v))
	case *lua.LUserData:
		if v != cfg.null {
			L.RaiseError("Cannot serialise userdata: type not supported")
		}
		b.WriteString("null")
	case *lua.LTable:
		depth++
		if depth > cfg.encodeDepthMax {
			L.RaiseError("Cannot serialise, excessive nesting (%d)", depth)
		}
		if length, isArray := cfg.arrayLength(L, v); isArray {
			b.WriteByte('[')
			for i := 1; i <= length; i++ {
				if i > 1 {
					b.WriteByte(',')
				}
				cfg.encode(L, b, v.RawGetInt(i), depth)
			}
			b.WriteByte(']')
			return
		}
		b.WriteByte('{')
		first := true
		for key, val := v.Next(lua.LNil); key != lua.LNil; key, val = v.Next(key) {
			if !first {
				b.WriteByte(',')
			}
			first = false
			switch k := key.(type) {
			case lua.LString:
				cjsonQuote(b, string(k))
			case lua.LNumber:
				b.WriteByte('"')
				cfg.encodeNumber(L, b, float64(k))
				b.WriteByte('"')
			default:
				L.RaiseError("Cannot serialise %s: table key must be a number or string", key.Type().String())
			}
			b.WriteByte(':')
			cfg.encode(L, b, val, depth)
		}
		b.WriteByte('}')
	default:
		L.RaiseError("Cannot serialise %s: type not supported", v.Type().String())
	}
}

func (cfg *cjsonConfig) encodeNumber(L *lua.LState, b *strings.Builder, f float64) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		if !cfg.encodeInvalidNumbers {
			L.RaiseError("Cannot serialise number: must not be NaN or Inf")
		}
		b.WriteString(formatLuaNumber(f))
		return
	}
	b.WriteString(strconv.FormatFloat(f, 'g', cfg.encodeNumberPrecision, 64))
}

// arrayLength says whether t encodes as an array, and its length: every
// key an integer ≥ 1 and the table not too sparse (the empty table is an
// object).
func (cfg *cjsonConfig) arrayLength(L *lua.LState, t *lua.LTable) (int, bool) {
	highest, items := 0, 0
	for key, _ := t.Next(lua.LNil); key != lua.LNil; key, _ = t.Next(key) {
		k, ok := key.(lua.LNumber)
		if !ok || k < 1 || math.Floor(float64(k)) != float64(k) {
			return 0, false
		}
		highest, items = max(highest, int(k)), items+1
	}
	if items == 0 {
		return 0, false
	}
	if cfg.sparseRatio > 0 && highest > items*cfg.sparseRatio && highest > cfg.sparseSafe {
		if !cfg.sparseConvert {
			L.RaiseError("Cannot serialise table: excessively sparse array")
		}
		return 0, false
	}
	return highest, true
}

// cjsonQuote appends s as a JSON string, escaped as Lua CJSON escapes.
func cjsonQuote(b *strings.Builder, s string) {
	const hex = "0123456789abcdef"
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"', '\\', '/':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if c < 0x20 || c == 0x7f {
				b.WriteString(`\u00`)
				b.WriteByte(hex[c>>4])
				b.WriteByte(hex[c&0xf])
			} else {
				b.WriteByte(c)
			}
		}
	}
	b.WriteByte('"')
}

// cjsonDecoder parses one JSON text into Lua values.
type cjsonDecoder struct {
	L     *lua.LState
	cfg   *cjsonConfig
	text  string
	pos   int // next byte to read
	depth int
}

type cjsonTokenKind uint8

const (
	tokObjBegin cjsonTokenKind = iota
	tokObjEnd
	tokArrBegin
	tokArrEnd
	tokString
	tokNumber
	tokBoolean
	tokNull
	tokColon
	tokComma
	tokEnd
	tokError
)

// cjsonTokenNames are the names its errors give the tokens found.
var cjsonTokenNames = [...]string{"T_OBJ_BEGIN", "T_OBJ_END", "T_ARR_BEGIN", "T_ARR_END", "T_STRING",
	"T_NUMBER", "T_BOOLEAN", "T_NULL", "T_COLON", "T_COMMA", "T_END"}

type cjsonToken struct {
	kind  cjsonTokenKind
	at    int // 0-based offset where it starts (or where the problem is)
	value lua.LValue
	// problem words a tokError ("invalid token", "invalid number" …).
	problem string
}

func (d *cjsonDecoder) document() lua.LValue {
	v := d.value(d.next())
	if t := d.next(); t.kind != tokEnd {
		d.fail("the end", t)
	}
	return v
}

func (d *cjsonDecoder) fail(expected string, t cjsonToken) {
	found := t.problem
	if t.kind != tokError {
		found = cjsonTokenNames[t.kind]
	}
	d.L.RaiseError("Expected %s but found %s at character %d", expected, found, t.at+1)
}

func (d *cjsonDecoder) value(t cjsonToken) lua.LValue {
	switch t.kind {
	case tokString, tokNumber, tokBoolean, tokNull:
		return t.value
	case tokObjBegin:
		return d.object()
	case tokArrBegin:
		return d.array()
	}
	d.fail("value", t)
	return lua.LNil
}

func (d *cjsonDecoder) descend() {
	d.depth++
	if d.depth > d.cfg.decodeDepthMax {
		d.L.RaiseError("Found too many nested data structures (%d) at character %d", d.depth, d.pos)
	}
}

func (d *cjsonDecoder) object() lua.LValue {
	d.descend()
	t := d.L.NewTable()
	tok := d.next()
	if tok.kind == tokObjEnd {
		d.depth--
		return t
	}
	for {
		if tok.kind != tokString {
			d.fail("object key string", tok)
		}
		key := tok.value
		if colon := d.next(); colon.kind != tokColon {
			d.fail("colon", colon)
		}
		t.RawSet(key, d.value(d.next()))
		tok = d.next()
		if tok.kind == tokObjEnd {
			d.depth--
			return t
		}
		if tok.kind != tokComma {
			d.fail("comma or object end", tok)
		}
		tok = d.next()
	}
}

func (d *cjsonDecoder) array() lua.LValue {
	d.descend()
	t := d.L.NewTable()
	tok := d.next()
	if tok.kind == tokArrEnd {
		d.depth--
		return t
	}
	for i := 1; ; i++ {
		t.RawSetInt(i, d.value(tok))
		tok = d.next()
		if tok.kind == tokArrEnd {
			d.depth--
			return t
		}
		if tok.kind != tokComma {
			d.fail("comma or array end", tok)
		}
		tok = d.next()
	}
}

// next reads the next token.
func (d *cjsonDecoder) next() cjsonToken {
	for d.pos < len(d.text) && strings.IndexByte(" \t\n\r", d.text[d.pos]) >= 0 {
		d.pos++
	}
	at := d.pos
	if at == len(d.text) {
		return cjsonToken{kind: tokEnd, at: at}
	}
	c := d.text[at]
	if kind, ok := cjsonPunctuation(c); ok {
		d.pos++
		return cjsonToken{kind: kind, at: at}
	}
	rest := d.text[at:]
	switch {
	case c == '"':
		return d.string()
	case c == '-' || '0' <= c && c <= '9':
		return d.number()
	case strings.HasPrefix(rest, "true"):
		d.pos += 4
		return cjsonToken{kind: tokBoolean, at: at, value: lua.LTrue}
	case strings.HasPrefix(rest, "false"):
		d.pos += 5
		return cjsonToken{kind: tokBoolean, at: at, value: lua.LFalse}
	case strings.HasPrefix(rest, "null"):
		d.pos += 4
		return cjsonToken{kind: tokNull, at: at, value: d.cfg.null}
	case d.cfg.decodeInvalidNumbers && (hasPrefixFold(rest, "inf") || hasPrefixFold(rest, "nan")):
		return d.number()
	}
	return cjsonToken{kind: tokError, at: at, problem: "invalid token"}
}

func cjsonPunctuation(c byte) (cjsonTokenKind, bool) {
	switch c {
	case '{':
		return tokObjBegin, true
	case '}':
		return tokObjEnd, true
	case '[':
		return tokArrBegin, true
	case ']':
		return tokArrEnd, true
	case ':':
		return tokColon, true
	case ',':
		return tokComma, true
	}
	return 0, false
}

// cjsonUnescape is what a one-letter escape stands for.
func cjsonUnescape(c byte) (byte, bool) {
	switch c {
	case '"', '\\', '/':
		return c, true
	case 'b':
		return '\b', true
	case 'f':
		return '\f', true
	case 'n':
		return '\n', true
	case 'r':
		return '\r', true
	case 't':
		return '\t', true
	}
	return 0, false
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// number reads a number as C's strtod does: decimal with fraction and
// exponent, hex integers, inf/infinity and nan, any case; an overflow is
// an infinity.
func (d *cjsonDecoder) number() cjsonToken {
	at := d.pos
	f, n := strtodPrefix(d.text[at:])
	if n == 0 || !d.cfg.decodeInvalidNumbers && (math.IsNaN(f) || math.IsInf(f, 0) || isHexNumber(d.text[at:])) {
		return cjsonToken{kind: tokError, at: at, problem: "invalid number"}
	}
	d.pos += n
	return cjsonToken{kind: tokNumber, at: at, value: lua.LNumber(f)}
}

func isHexNumber(s string) bool {
	s = strings.TrimPrefix(s, "-")
	return len(s) > 1 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')
}

// strtodPrefix parses the longest prefix of s that strtod would, and
// returns its value and length (0: none).
func strtodPrefix(s string) (float64, int) {
	i := 0
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	sign := func(f float64) float64 {
		if neg {
			return -f
		}
		return f
	}
	rest := s[i:]
	switch {
	case hasPrefixFold(rest, "infinity"):
		return sign(math.Inf(1)), i + 8
	case hasPrefixFold(rest, "inf"):
		return sign(math.Inf(1)), i + 3
	case hasPrefixFold(rest, "nan"):
		return math.NaN(), i + 3
	case isHexNumber(rest):
		j := 2
		for j < len(rest) && strings.IndexByte("0123456789abcdefABCDEF", rest[j]) >= 0 {
			j++
		}
		if j == 2 {
			return 0, i + 1 // "0x" with no digits: strtod reads the 0
		}
		u, err := strconv.ParseUint(rest[2:j], 16, 64)
		f := float64(u)
		if err != nil {
			f = math.Inf(1)
		}
		return sign(f), i + j
	}
	j := i
	digits := 0
	for j < len(s) && '0' <= s[j] && s[j] <= '9' {
		j, digits = j+1, digits+1
	}
	if j < len(s) && s[j] == '.' {
		j++
		for j < len(s) && '0' <= s[j] && s[j] <= '9' {
			j, digits = j+1, digits+1
		}
	}
	if digits == 0 {
		return 0, 0
	}
	if j < len(s) && (s[j] == 'e' || s[j] == 'E') {
		k := j + 1
		if k < len(s) && (s[k] == '+' || s[k] == '-') {
			k++
		}
		if k < len(s) && '0' <= s[k] && s[k] <= '9' {
			for k < len(s) && '0' <= s[k] && s[k] <= '9' {
				k++
			}
			j = k
		}
	}
	f, err := strconv.ParseFloat(s[:j], 64)
	if err != nil && !math.IsInf(f, 0) {
		return 0, 0
	}
	return f, j
}

// string reads a JSON string: escapes, and \uXXXX (surrogate pairs
// joined) as UTF-8.
func (d *cjsonDecoder) string() cjsonToken {
	at := d.pos
	var b strings.Builder
	i := at + 1
	for {
		if i >= len(d.text) {
			return cjsonToken{kind: tokError, at: i, problem: "unexpected end of string"}
		}
		c := d.text[i]
		if c == '"' {
			d.pos = i + 1
			return cjsonToken{kind: tokString, at: at, value: lua.LString(b.String())}
		}
		if c != '\\' {
			b.WriteByte(c)
			i++
			continue
		}
		if i+1 >= len(d.text) {
			return cjsonToken{kind: tokError, at: i, problem: "unexpected end of string"}
		}
		escape := d.text[i+1]
		if plain, ok := cjsonUnescape(escape); ok {
			b.WriteByte(plain)
			i += 2
			continue
		}
		if escape != 'u' {
			return cjsonToken{kind: tokError, at: i, problem: "invalid escape code"}
		}
		r, n := decodeUnicodeEscape(d.text[i:])
		if n == 0 {
			return cjsonToken{kind: tokError, at: i, problem: "invalid unicode escape code"}
		}
		b.WriteRune(r)
		i += n
	}
}

// decodeUnicodeEscape reads "\uXXXX", or a surrogate pair of them, at the
// start of s; n is 0 if it is malformed.
func decodeUnicodeEscape(s string) (r rune, n int) {
	unit := func(s string) (rune, bool) {
		if len(s) < 6 || s[0] != '\\' || s[1] != 'u' {
			return 0, false
		}
		v, err := strconv.ParseUint(s[2:6], 16, 16)
		return rune(v), err == nil
	}
	first, ok := unit(s)
	if !ok {
		return 0, 0
	}
	switch {
	case first >= 0xD800 && first < 0xDC00:
		second, ok := unit(s[6:])
		if !ok || second < 0xDC00 || second >= 0xE000 {
			return 0, 0
		}
		return 0x10000 + (first-0xD800)<<10 + (second - 0xDC00), 12
	case first >= 0xDC00 && first < 0xE000:
		return 0, 0 // a lone low surrogate
	}
	if !utf8.ValidRune(first) {
		return 0, 0
	}
	return first, 6
}
