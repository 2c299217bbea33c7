package cache

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// hllAddLines are PFADD key prefix0 … commands adding count elements in
// batches of batch, each followed by the checks.
func hllAddLines(key, prefix string, from, count, batch int, checks ...string) []string {
	var lines []string
	for i := from; i < from+count; i += batch {
		var b strings.Builder
		b.WriteString("PFADD " + key)
		for j := i; j < min(i+batch, from+count); j++ {
			b.WriteString(" " + prefix + strconv.Itoa(j))
		}
		lines = append(lines, b.String())
		lines = append(lines, checks...)
	}
	return lines
}

func TestHLLBasicsAgreeWithRedis(t *testing.T) {
	compareWithRedis(t, []string{
		"PFADD h", "GET h", "PFCOUNT h", "GET h", "PFADD h", "PFADD h a b c", "PFADD h a", "GET h", "STRLEN h",
		"PFCOUNT h", "GET h", "PFCOUNT h", "PFADD h a b c d e f g", "GET h", "PFCOUNT h",
		"PFCOUNT nokey", "EXISTS nokey", "PFADD h2 x y", "PFCOUNT h h2", "PFCOUNT h nokey", "PFCOUNT nokey nokey2",
		"GET h2", // the union leaves the caches alone
		"PFADD h2 \"\" \"\\x00\" \"\\xff\\xfe\" 12345678 123456789 a-longer-element-than-eight-bytes",
		"GET h2", "PFCOUNT h2",
		// PFMERGE: dest created, dest alone, dest among its sources.
		"PFMERGE m h h2", "GET m", "PFCOUNT m", "PFMERGE only", "GET only", "PFMERGE m", "GET m",
		"PFMERGE h h2", "GET h", "PFCOUNT h", "PFMERGE nothing nokey nokey2", "GET nothing",
		// A copied value is an HLL too.
		"SET copy \"HYLL\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x80\\x7f\\xff\"", "PFCOUNT copy",
		"GET copy", "PFADD copy z", "GET copy",
		"SET h3 v EX 100", "DEL h3", "PFADD h3 a", "SET h3x v EX 100", "PFADD h3x a",
		"PFADD ttl a", "EXPIRE ttl 100", "PFADD ttl b", "TTL ttl", "PFCOUNT ttl", "TTL ttl", "PFMERGE ttl h", "TTL ttl",
		// Arity.
		"PFADD", "PFCOUNT", "PFMERGE",
	})
}

func TestHLLWrongTypesAgreeWithRedis(t *testing.T) {
	compareWithRedis(t, []string{
		"PFADD h a", "SET s hello", "SET n 12345", "SET long 12345678901234567890", "RPUSH l a", "SADD st a",
		"PFADD s a", "PFCOUNT s", "PFMERGE s h", "PFMERGE h s", "PFCOUNT h s", "PFCOUNT s h",
		"PFADD n a", "PFCOUNT n", "PFADD long a", "PFCOUNT long",
		"PFADD l a", "PFCOUNT l", "PFMERGE l", "PFMERGE h l", "PFCOUNT h l", "PFMERGE h st",
		"GET h",
		// Headers that are not an HLL's.
		"SET e \"\"", "PFCOUNT e", "SET short HYLL", "PFADD short a",
		"SET magic \"HYLX\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x80\\x7f\\xff\"", "PFCOUNT magic",
		"SET enc \"HYLL\\x02\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x80\\x7f\\xff\"", "PFCOUNT enc", "PFADD enc a",
		"SET raw \"HYLL\\xff\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x80\\x7f\\xff\"", "PFMERGE raw",
		// Sixteen bytes of header and no register: a corrupt sparse HLL.
		"SET hdr \"HYLL\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x80\"", "PFCOUNT hdr", "PFADD hdr a",
		"PFCOUNT hdr h", "PFMERGE hdr", "PFMERGE d hdr", "EXISTS d",
		// A dense header on a sparse-sized value.
		"SET dense \"HYLL\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x80\\x7f\\xff\"", "PFCOUNT dense",
		// A valid cache is trusted without looking at the registers.
		"SET cached \"HYLL\\x01\\x00\\x00\\x00\\x2a\\x00\\x00\\x00\\x00\\x00\\x00\\x00\"", "PFCOUNT cached", "PFCOUNT cached h",
	})
}

// Corrupt sparse bodies: runs that do not add up to 16384 registers, a
// cut-short XZERO, and elements added before the damaged spot.
func TestHLLCorruptSparseAgreesWithRedis(t *testing.T) {
	header := "HYLL\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x80"
	set := func(key, body string) string { return "SET " + key + " \"" + header + body + "\"" }
	var lines []string
	bodies := []struct{ key, body string }{
		{"short", "\\x7f\\xfe"},                  // 16383 registers
		{"long", "\\x7f\\xff\\x00"},              // 16385
		{"cut", "\\x7f"},                         // XZERO without its second byte: 16129
		{"cutfull", "\\x3f\\xff\\x40"},           // ZERO 64, ZERO 64, XZERO cut short
		{"val", "\\x80\\x7f\\xfe"},               // VAL then 16383 zeros: sound
		{"valover", "\\x7f\\xff\\x83"},           // a VAL past the end
		{"valshort", "\\x83\\x83\\x7f\\xf7"},     // sound: 8 + 16376
		{"midbad", "\\x00\\x7f\\xfe\\x01"},       // 1 + 16383 + 2
		{"xz1", "\\x40\\x00\\x7f\\xfe"},          // XZERO of 1, then 16383
		{"badtail", "\\x40\\x10\\xff\\xff\\x8f"}, // XZERO 4113, then damage
	}
	for _, b := range bodies {
		key := b.key
		lines = append(lines, set(key, b.body), "PFCOUNT "+key, "PFCOUNT "+key+" nokey", "PFMERGE m"+key+" "+key, "GET m"+key)
		lines = append(lines, set(key, b.body), "PFADD "+key+" a b c d e f g h i j k l m n o p", "GET "+key)
		lines = append(lines, set(key, b.body), "PFADD "+key+" "+strings.Repeat("x", 3), "GET "+key)
		lines = append(lines, set(key, b.body), "CONFIG SET hll-sparse-max-bytes 0", "PFADD "+key+" a", "GET "+key,
			"CONFIG SET hll-sparse-max-bytes 3000")
	}
	compareWithRedis(t, lines)
}

// Dense HLLs damaged through SETRANGE and APPEND: registers above 51,
// all saturated, and a length that is no longer a dense HLL's.
func TestHLLCorruptDenseAgreesWithRedis(t *testing.T) {
	lines := hllAddLines("d", "e", 0, 5000, 1000)
	lines = append(lines, "GETRANGE d 0 4", "STRLEN d", "PFCOUNT d",
		"SETRANGE d 100 \"\\xff\\xff\\xff\"", "PFCOUNT d", "PFCOUNT d", "PFADD d a b c", "PFCOUNT d", "GET d",
		"SETRANGE d 12303 \"\\xff\"", "PFCOUNT d", "GET d",
		"SET copy x", "COPY d copy REPLACE", "PFMERGE m copy", "GET m", "PFCOUNT m d",
		"SETRANGE d 16 "+strings.Repeat("\\xff", 0)+"\""+strings.Repeat("\\xff", 64)+"\"", "PFCOUNT d",
		"APPEND d x", "PFCOUNT d", "PFADD d a", "PFMERGE d", "PFMERGE x d",
		// Every register 63: no estimate fits, Redis caches what llroundl gives.
		"SET sat \"HYLL\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x80\"",
		"SETRANGE sat 16 \""+strings.Repeat("\\xff", 12288)+"\"", "PFCOUNT sat", "GETRANGE sat 0 15", "PFCOUNT sat",
		"PFCOUNT sat nokey",
		// Every register 51, the largest a hash gives.
		"SET top \"HYLL\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x80\"",
		"SETRANGE top 16 \""+strings.Repeat("\\xf3\\x3c\\xcf", 4096)+"\"", "PFCOUNT top", "GETRANGE top 0 15",
	)
	compareWithRedis(t, lines)
}

// PFCOUNT agrees for sets of 0 to 100000 elements, and the GET bytes agree
// while sparse, across the promotion and once dense.
func TestHLLCountsAgreeWithRedis(t *testing.T) {
	var lines []string
	lines = append(lines, "PFCOUNT h")
	lines = append(lines, hllAddLines("h", "", 0, 200, 10, "PFCOUNT h", "GET h")...)
	lines = append(lines, hllAddLines("h", "", 200, 2800, 100, "PFCOUNT h", "GET h")...)
	lines = append(lines, hllAddLines("h", "", 3000, 97000, 1000, "PFCOUNT h")...)
	lines = append(lines, "GET h", "PFADD h 1 2 3", "PFCOUNT h")
	// A second HLL, sparse, merged into and counted with the dense one.
	lines = append(lines, hllAddLines("s", "s", 0, 300, 100, "PFCOUNT s h", "PFCOUNT h s")...)
	lines = append(lines, "PFMERGE s2 s", "GET s2", "PFMERGE u s h", "GET u", "PFCOUNT u", "PFMERGE s s2", "GET s")
	lines = append(lines, "PFMERGE h s", "PFCOUNT h", "PFMERGE s h", "GET s", "PFCOUNT s")
	compareWithRedis(t, lines)
}

// The promotion to dense at hll-sparse-max-bytes, and the parameter itself.
func TestHLLSparseLimitAgreesWithRedis(t *testing.T) {
	lines := []string{
		"CONFIG GET hll-sparse-max-bytes", "CONFIG SET hll-sparse-max-bytes 3kb", "CONFIG GET hll-sparse-max-bytes",
		"CONFIG SET hll-sparse-max-bytes -1", "CONFIG SET hll-sparse-max-bytes abc", "CONFIG SET hll-sparse-max-bytes 1.5",
		"CONFIG SET hll-sparse-max-bytes 9223372036854775808", "CONFIG SET hll-sparse-max-bytes 9223372036854775807",
		"CONFIG GET hll-sparse-max-bytes", "CONFIG SET hll-sparse-max-bytes \"\"", "CONFIG GET hll-sparse-max-bytes",
		"CONFIG SET hll-sparse-max-bytes 18446744073709551616", "CONFIG SET hll-sparse-max-bytes 1B",
		"CONFIG GET hll-sparse-max-bytes", "CONFIG SET hll-sparse-max-bytes 10000000000gb",
		"CONFIG SET hll-sparse-max-bytes 1x", "CONFIG SET hll-sparse-max-bytes +5", "CONFIG SET hll-sparse-max-bytes \" 5\"",
		"CONFIG SET hll-sparse-max-bytes 2Mb", "CONFIG GET hll-sparse-max-bytes", "CONFIG SET hll-sparse-max-bytes 40",
	}
	lines = append(lines, hllAddLines("h", "", 0, 40, 1, "STRLEN h", "GETRANGE h 0 4")...)
	lines = append(lines, "GET h", "PFCOUNT h", "CONFIG SET hll-sparse-max-bytes 0", "PFADD z", "GET z", "PFADD z a", "STRLEN z",
		"CONFIG SET hll-sparse-max-bytes 60")
	lines = append(lines, hllAddLines("s1", "a", 0, 8, 1)...)
	lines = append(lines, hllAddLines("s2", "b", 0, 8, 1)...)
	lines = append(lines, "GET s1", "GET s2", "PFMERGE s3 s1 s2", "GET s3", "PFMERGE s1 s2", "GET s1", "PFCOUNT s1 s2")
	lines = append(lines, "CONFIG SET hll-sparse-max-bytes 3000")
	compareWithRedis(t, lines)
}

func TestHLLDebugAgreesWithRedis(t *testing.T) {
	compareWithRedis(t, []string{
		"PFADD h a b c d", "PFDEBUG DECODE h", "PFDEBUG ENCODING h", "PFDEBUG FOO h", "PFDEBUG foo nokey",
		"PFDEBUG GETREG nokey", "PFDEBUG DECODE h extra", "PFDEBUG", "PFDEBUG TODENSE h", "PFDEBUG TODENSE h",
		"PFDEBUG ENCODING h", "PFDEBUG DECODE h", "GET h", "PFADD h2 a", "PFDEBUG GETREG h2", "PFDEBUG ENCODING h2", "GET h2",
		"SET s x", "PFDEBUG ENCODING s", "RPUSH l a", "PFDEBUG ENCODING l", "PFSELFTEST", "PFSELFTEST x",
		"SET cut \"HYLL\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x80\\x83\\x7f\"", "PFDEBUG DECODE cut",
		"PFDEBUG GETREG cut", "PFDEBUG TODENSE cut",
	})
}

// Redis unshares an HLL before any command that may write it, leaving it
// raw even when nothing changes; a multi-key PFCOUNT does not.
func TestHLLEncodingAgreesWithRedis(t *testing.T) {
	valid := "\"HYLL\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x7f\\xff\""
	var lines []string
	for _, command := range []string{"PFCOUNT k", "PFCOUNT k k", "PFADD k", "PFMERGE k", "PFMERGE other k", "PFDEBUG ENCODING k",
		"PFDEBUG DECODE k", "GET k", "COPY k other", "PFADD k x"} {
		lines = append(lines, "DEL k other", "SET k "+valid, "OBJECT ENCODING k", command, "OBJECT ENCODING k", "GET k")
	}
	lines = append(lines, "PFADD new a", "OBJECT ENCODING new", "COPY new copy", "OBJECT ENCODING copy", "SET int 1",
		"PFADD int x")
	compareWithRedis(t, lines)
}

// Keyspace hits and misses: PFMERGE reads its sources (dest included) as
// reads, which count, though it is a write command; PFADD does not count.
func TestHLLKeyspaceHitsAgreeWithRedis(t *testing.T) {
	c := newComparison(t, Config{}, 2)
	stat := func(info, field string) string {
		for _, line := range strings.Split(info, "\r\n") {
			if v, ok := strings.CutPrefix(line, field+":"); ok {
				return v
			}
		}
		return "?"
	}
	for _, line := range []string{"PFADD a x", "PFADD b y", "PFADD a z", "PFMERGE d a b nokey", "PFMERGE d", "PFCOUNT a b nokey",
		"PFCOUNT d", "PFDEBUG ENCODING a", "PFMERGE e"} {
		c.onNode(line)
		c.onRedis(line)
		ours, theirs := string(c.onNode("INFO stats")[0].Str), string(c.onRedis("INFO stats").Str)
		for _, field := range []string{"keyspace_hits", "keyspace_misses"} {
			if got, want := stat(ours, field), stat(theirs, field); got != want {
				t.Errorf("after %s: %s = %s, want %s", line, field, got, want)
			}
		}
	}
}

// Random sparse bodies, most sound, some damaged (a byte changed, cut
// short, or one byte too many), run through every HLL command with
// random hll-sparse-max-bytes: the replies and the bytes left behind
// agree with Redis's — for damaged bodies too, which is how Redis's
// reading and overwriting of the byte after a cut-short XZERO showed up.
func TestHLLRandomSparseBodiesAgreeWithRedis(t *testing.T) {
	rng := rand.New(rand.NewPCG(20261202, 1))
	escape := func(b []byte) string {
		var s strings.Builder
		s.WriteByte('"')
		for _, c := range b {
			fmt.Fprintf(&s, "\\x%02x", c)
		}
		s.WriteByte('"')
		return s.String()
	}
	var lines []string
	for body := 0; body < 300; body++ {
		data := []byte("HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80")
		for left := hllRegisters; left > 0; {
			switch k := rng.IntN(10); {
			case k < 5: // a VAL
				run := 1 + rng.IntN(min(hllValRunMax, left))
				data = append(data, hllValOp(uint8(1+rng.IntN(hllValMax)), run))
				left -= run
			case k < 8:
				run := 1 + rng.IntN(min(hllZeroRunMax, left))
				data = hllAppendZeroRun(data[:len(data):len(data)], run)
				if run > hllZeroRunMax {
					t.Fatal("unreachable")
				}
				left -= run
			default:
				run := 1 + rng.IntN(min(2000, left))
				data = append(data, 0x40|byte((run-1)>>8), byte(run-1)) // XZERO even for short runs
				left -= run
			}
		}
		switch rng.IntN(8) {
		case 0:
			data[hllHeaderBytes+rng.IntN(len(data)-hllHeaderBytes)] = byte(rng.IntN(256))
		case 1:
			data = data[:hllHeaderBytes+rng.IntN(len(data)-hllHeaderBytes)]
		case 2:
			data = append(data, byte(rng.IntN(256)))
		}
		limit := []string{"3000", "0", strconv.Itoa(len(data) + rng.IntN(8)), "100000"}[rng.IntN(4)]
		randomAdds := func() string {
			adds := "PFADD k"
			for i := rng.IntN(30); i > 0; i-- {
				adds += " " + strconv.Itoa(rng.IntN(1000000))
			}
			return adds
		}
		adds := randomAdds()
		value := escape(data)
		lines = append(lines, "CONFIG SET hll-sparse-max-bytes "+limit,
			"SET k "+value, "PFCOUNT k", "GET k", "PFCOUNT k nokey", "PFDEBUG DECODE k",
			"SET k "+value, adds, "GET k", "PFCOUNT k",
			"SET k "+value, "PFADD m 1 2 3", "PFMERGE m k", "GET m", "PFMERGE k m", "GET k", "DEL m",
			"SET k "+value, "PFDEBUG TODENSE k", "GET k",
			// Edits in later commands see what earlier ones left past the end.
			"SET k "+value, randomAdds(), randomAdds(), "GET k", randomAdds(), "PFCOUNT k", "GET k")
	}
	compareWithRedis(t, lines)
}
