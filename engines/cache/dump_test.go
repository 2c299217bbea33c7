package cache

import (
	"encoding/binary"
	"fmt"
	"hash/crc64"
	"slices"
	"strings"
	"testing"
	"time"

	"syslab/engines/cache/persist"
	"syslab/engines/cache/replication"
	"syslab/engines/cache/resp"
)

// quoted renders bytes as one redis-cli argument ("\xHH…").
func quoted(b []byte) string {
	var sb strings.Builder
	sb.WriteByte('"')
	for _, c := range b {
		fmt.Fprintf(&sb, `\x%02x`, c)
	}
	sb.WriteByte('"')
	return sb.String()
}

// craftPayload wraps body in a footer with a correct checksum, the way
// DUMP does, with the given RDB version.
func craftPayload(body []byte, version uint16) []byte {
	p := binary.LittleEndian.AppendUint16(slices.Clone(body), version)
	return binary.LittleEndian.AppendUint64(p, jonesCRC(p))
}

// jonesCRC is Redis's CRC-64 (persist/crc64.go explains the inversions).
func jonesCRC(p []byte) uint64 {
	return ^crc64.Update(^uint64(0), crc64.MakeTable(0x95ac9329ac4bc9b5), p)
}

func TestDumpRestoreAgreeWithRedis(t *testing.T) {
	hello := quoted(dumpPayload(&stringObject{data: []byte("hello")}))
	badType := quoted(craftPayload([]byte{99, 1, 2}, 10))
	newer := quoted(craftPayload([]byte{0, 1, 'x'}, 11))
	compareWithRedis(t, []string{
		"DUMP nokey",
		"SET s hello", "DUMP s",
		"SET n 12345", "DUMP n",
		"SET big -70000", "DUMP big",
		"RESTORE s 0 " + hello,               // BUSYKEY
		"RESTORE s -1 \"garbage\"",           // BUSYKEY comes before the TTL and payload checks
		"RESTORE r -1 " + hello,              // bad TTL
		"RESTORE r abc " + hello,             // not an integer
		"RESTORE r 0 \"garbage\"",            // checksum
		"RESTORE r 0 \"\"",                   // too short
		"RESTORE r 0 " + newer,               // version 11 is newer than 7.0's
		"RESTORE r 0 " + badType,             // checksum fine, value unreadable
		"RESTORE r 0 " + hello + " FOO",      // syntax
		"RESTORE r 0 " + hello + " IDLETIME", // missing value: syntax
		"RESTORE r 0 " + hello + " IDLETIME -1",
		"RESTORE r 0 " + hello + " IDLETIME x",
		"RESTORE r 0 " + hello + " FREQ 256",
		"RESTORE r 0 " + hello + " FREQ 5 IDLETIME 3", // exclusive: syntax
		"RESTORE r 0 " + hello + " IDLETIME 3 FREQ 5",
		"RESTORE r 0 " + hello + " IDLETIME 10", "GET r", "TTL r",
		"RESTORE r 0 " + hello + " REPLACE ABSTTL", "GET r",
		"RESTORE e 1000 " + hello + " ABSTTL", "EXISTS e", // already expired: not created
		"RESTORE r 1000 " + hello + " ABSTTL REPLACE", "EXISTS r", // replaced by nothing
		"RESTORE t 100000 " + hello, "GET t",
	})
}

// TestDumpPayloadsCrossRedis moves every type both ways: DUMPed by
// redis-server 7.0 (which picks listpack, intset and quicklist encodings
// for small values and plain ones for big values) and RESTOREd here, and
// DUMPed here and RESTOREd by redis-server.
func TestDumpPayloadsCrossRedis(t *testing.T) {
	c := newComparison(t, Config{}, resp.RESP2)
	bigMembers := func(prefix string, n int) string {
		var parts []string
		for i := range n {
			parts = append(parts, fmt.Sprintf("%s%d", prefix, i))
		}
		return strings.Join(parts, " ")
	}
	bigPairs := func(n int) string {
		var parts []string
		for i := range n {
			parts = append(parts, fmt.Sprintf("%d.5 m%d", i, i))
		}
		return strings.Join(parts, " ")
	}
	// ZRANGE's order is defined, so its replies compare exactly; the rest
	// compare as multisets.
	cases := []struct {
		name, build, read string
	}{
		{"string raw", "SET k " + strings.Repeat("abcdefgh", 40), "GET k"}, // LZF-compressed by Redis
		{"string int", "SET k -123456789", "GET k"},
		{"list small", "RPUSH k a b 1 2 -300000 c", "LRANGE k 0 -1"},
		{"list big", "RPUSH k " + bigMembers("element-", 300), "LRANGE k 0 -1"},
		{"list long element", "RPUSH k a " + strings.Repeat("x", 70000), "LRANGE k 0 -1"},
		{"set intset", "SADD k 1 2 3 -5 100000 99999999999", "SMEMBERS k"},
		{"set small", "SADD k a b c", "SMEMBERS k"},
		{"set big", "SADD k " + bigMembers("m", 200), "SMEMBERS k"},
		{"hash small", "HSET k f1 v1 f2 2 f3 -3", "HGETALL k"},
		{"hash big", "HSET k " + bigMembers("f", 300), "HGETALL k"},
		{"zset small", "ZADD k 1 a 2.5 b -3 c", "ZRANGE k 0 -1 WITHSCORES"},
		{"zset big", "ZADD k " + bigPairs(200), "ZRANGE k 0 -1 WITHSCORES"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c.onRedis("DEL k")
			c.onNode("DEL k")
			if v := c.onRedis(tc.build); v.IsError() {
				t.Fatalf("redis %s: %s", tc.build, v)
			}
			mode := sameElements
			if strings.HasPrefix(tc.read, "ZRANGE") {
				mode = sameReply
			}
			want := canonical(c.onRedis(tc.read), mode, resp.RESP2)
			theirs := c.onRedis("DUMP k")
			if got := c.onNode("RESTORE k 0 " + quoted(theirs.Str))[0]; got.String() != `"OK"` {
				t.Fatalf("RESTORE of Redis's payload here: %s", got)
			}
			if got := canonical(c.onNode(tc.read)[0], mode, resp.RESP2); got != want {
				t.Fatalf("restored here:\n got  %.200s\n want %.200s", got, want)
			}
			ours := c.onNode("DUMP k")[0]
			if v := c.onRedis("RESTORE k 0 " + quoted(ours.Str) + " REPLACE"); v.IsError() {
				t.Fatalf("RESTORE of our payload on Redis: %s", v)
			}
			if got := canonical(c.onRedis(tc.read), mode, resp.RESP2); got != want {
				t.Fatalf("restored by Redis:\n got  %.200s\n want %.200s", got, want)
			}
		})
	}
}

// TestRestoreUnit covers what needs no real Redis: TTL and idle time
// given to RESTORE, and the round trip of every type.
func TestRestoreUnit(t *testing.T) {
	n, env := startNode(t, Config{})
	expect := func(line, want string) {
		t.Helper()
		if got := do(n, env, "c", line); got != want {
			t.Fatalf("%s = %s, want %s", line, got, want)
		}
	}
	cases := []struct{ build, read string }{
		{"SET k v", "GET"}, {"RPUSH k a b", "LRANGE %s 0 -1"}, {"SADD k 1 x", "SMISMEMBER %s 1 x y"},
		{"HSET k f v", "HGETALL"}, {"ZADD k 1 m 2 n", "ZRANGE %s 0 -1 WITHSCORES"},
	}
	for _, tc := range cases {
		build := tc.build
		read := func(key string) string {
			if strings.Contains(tc.read, "%s") {
				return do(n, env, "c", fmt.Sprintf(tc.read, key))
			}
			return do(n, env, "c", tc.read+" "+key)
		}
		do(n, env, "c", "DEL k k2")
		do(n, env, "c", build)
		do(n, env, "c", "DUMP k")
		payload := env.replies[len(env.replies)-1].Value.Str
		expect("RESTORE k2 5000 "+quoted(payload)+" IDLETIME 100", `"OK"`)
		expect("OBJECT IDLETIME k2", "(integer) 100") // before any read touches it
		expect("PTTL k2", "(integer) 5000")
		if got, want := read("k2"), read("k"); got != want {
			t.Fatalf("%s: the restored value differs: %s vs %s", build, got, want)
		}
	}
	env.Advance(6 * time.Second)
	expect("EXISTS k2", "(integer) 0")
}

// TestRestorePropagatesAbsoluteTTL reads the replication stream: a
// relative TTL goes out as an absolute one with ABSTTL, and a RESTORE
// REPLACE whose deadline passed goes out as DEL.
func TestRestorePropagatesAbsoluteTTL(t *testing.T) {
	n, env := startNode(t, Config{})
	n.repl.backlog = replication.NewBacklog(1<<20, 0) // as if a replica had attached
	payload := quoted(dumpPayload(&stringObject{data: []byte("v")}))
	do(n, env, "c", "SET old x")
	do(n, env, "c", "RESTORE k 1500 "+payload)
	do(n, env, "c", "RESTORE old 1000 "+payload+" ABSTTL REPLACE")
	stream, ok := n.repl.backlog.ReadFrom(0)
	if !ok {
		t.Fatal("nothing in the replication stream")
	}
	deadline := fmt.Sprint(env.now.UnixMilli() + 1500)
	for _, want := range []string{"$7\r\nRESTORE\r\n$1\r\nk\r\n$" + fmt.Sprint(len(deadline)) + "\r\n" + deadline, "$6\r\nABSTTL\r\n", "*2\r\n$3\r\nDEL\r\n$3\r\nold\r\n"} {
		if !strings.Contains(string(stream), want) {
			t.Errorf("the stream lacks %s:\n%q", want, stream)
		}
	}
}

func FuzzDumpPayload(f *testing.F) {
	for _, v := range []object{
		&stringObject{data: []byte("hello")},
		&stringObject{data: []byte("12345")},
	} {
		f.Add(dumpPayload(v))
	}
	f.Add([]byte{})
	f.Add(craftPayload([]byte{99}, 10))
	f.Add(craftPayload([]byte{1, 2, 1, 'a', 1, 'b'}, 10))
	f.Add(craftPayload([]byte{2, 1, 1, 'a'}, 10))
	f.Add(craftPayload([]byte{11, 12, 2, 0, 0, 0, 2, 0, 0, 0, 1, 0, 2, 0}, 10))
	f.Add(craftPayload([]byte{18, 1, 2, 7, 7, 0, 0, 0, 1, 0, 0x81, 'a', 2, 0xff}, 10))
	n, _ := startNode(f, Config{})
	f.Fuzz(func(t *testing.T, payload []byte) {
		v, err := loadDumpValue(n, payload, []byte("k"))
		if err != nil {
			if persist.VerifyDumpPayload(payload) == nil && !strings.HasPrefix(err.Error(), "Bad data format") {
				t.Fatalf("a verified payload failed with %v, want a Bad data format error", err)
			}
			return
		}
		// What loads must dump and load again to the same value.
		again, err := loadDumpValue(n, dumpPayload(v), []byte("k"))
		if err != nil {
			t.Fatalf("re-loading our own DUMP failed: %v", err)
		}
		if string(dumpPayload(again)) != string(dumpPayload(v)) {
			t.Fatal("DUMP is not stable across a RESTORE")
		}
	})
}
