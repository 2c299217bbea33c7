package cache

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"syslab/engines/cache/resp"
)

// notifyComparison runs commands on a node and on a redis-server while a
// subscriber on each side listens to every keyspace channel, and compares
// the messages each subscriber received, in order, after every command.
//
// To know where one command's messages end on the real server, the
// subscriber also listens to a marker channel: after each command both
// sides publish to it, and the subscriber reads up to the marker.
type notifyComparison struct {
	*comparison
	server   *redisServer
	realSub  *redisConn
	pushesAt int // env.pushes already looked at
	steps    int
}

const (
	notifySubscriber = "subscriber"
	notifyMarker     = "notify-test-marker"
	notifyPattern    = "__key*__:*"
)

func newNotifyComparison(t *testing.T, flags string) *notifyComparison {
	t.Helper()
	server := startRedisServerIn(t, t.TempDir(), "--enable-debug-command", "yes")
	nc := &notifyComparison{comparison: server.compare(Config{EnableDebugCommand: ProtectedYes}, resp.RESP2), server: server, realSub: server.dial()}
	for _, line := range []string{"PSUBSCRIBE " + notifyPattern, "SUBSCRIBE " + notifyMarker} {
		nc.realSub.doLine(line)
		do(nc.n, nc.env, notifySubscriber, line)
	}
	nc.setFlags(flags)
	return nc
}

// setFlags sets notify-keyspace-events on both sides.
func (nc *notifyComparison) setFlags(flags string) {
	nc.t.Helper()
	nc.check("CONFIG SET notify-keyspace-events "+strconv.Quote(flags), sameReply)
	nc.expectSame("CONFIG SET notify-keyspace-events " + flags)
}

// run runs each line on both sides and compares replies and messages.
func (nc *notifyComparison) run(mode compareMode, lines ...string) {
	nc.t.Helper()
	for _, line := range lines {
		nc.check(line, mode)
		nc.expectSame(line)
	}
}

// runArgs is run for one command given as arguments (binary payloads).
func (nc *notifyComparison) runArgs(label string, args ...[]byte) {
	nc.t.Helper()
	theirs := nc.real.do(args...)
	nc.n.Receive("client-1", Command{Seq: uint64(len(nc.env.replies)), Args: args})
	ours := nc.env.replies[len(nc.env.replies)-1].Value
	if got, want := wire(resp.RESP2, ours), wire(resp.RESP2, theirs); got != want {
		nc.t.Errorf("%s:\n got  %q\n want %q", label, got, want)
	}
	nc.expectSame(label)
}

// expectSame compares the messages both subscribers got since the last
// call.
func (nc *notifyComparison) expectSame(after string) {
	nc.t.Helper()
	nc.steps++
	marker := strconv.Itoa(nc.steps)
	nc.real.doLine("PUBLISH " + notifyMarker + " " + marker)
	var theirs []string
	for {
		v := nc.realSub.read()
		if len(v.Elems) == 3 && string(v.Elems[0].Str) == "message" && string(v.Elems[1].Str) == notifyMarker {
			if string(v.Elems[2].Str) != marker {
				nc.t.Fatalf("after %q: marker %s, want %s", after, v.Elems[2].Str, marker)
			}
			break
		}
		theirs = append(theirs, renderMessage(v))
	}
	var ours []string
	for _, p := range nc.env.pushes[nc.pushesAt:] {
		if p.to == notifySubscriber {
			ours = append(ours, renderMessage(p.push.Value))
		}
	}
	nc.pushesAt = len(nc.env.pushes)
	if strings.Join(ours, "\n") != strings.Join(theirs, "\n") {
		nc.t.Errorf("after %q the subscriber got\n  %s\nwant\n  %s", after, strings.Join(ours, "\n  "), strings.Join(theirs, "\n  "))
	}
}

// renderMessage shows a message or pmessage as "channel message".
func renderMessage(v resp.Value) string {
	switch {
	case len(v.Elems) == 4 && string(v.Elems[0].Str) == "pmessage":
		return string(v.Elems[2].Str) + " " + string(v.Elems[3].Str)
	case len(v.Elems) == 3 && string(v.Elems[0].Str) == "message":
		return string(v.Elems[1].Str) + " " + string(v.Elems[2].Str)
	}
	return v.String()
}

// waitBlocked waits until redis-server counts n blocked clients.
func (nc *notifyComparison) waitBlocked(n int) {
	nc.t.Helper()
	want := "blocked_clients:" + strconv.Itoa(n)
	deadline := time.Now().Add(redisReplyTimeout)
	for !strings.Contains(string(nc.onRedis("INFO clients").Str), want) {
		if time.Now().After(deadline) {
			nc.t.Fatalf("redis-server never reported %s", want)
		}
		time.Sleep(time.Millisecond)
	}
}

// blockOnBoth sends a blocking command from a third client on each side
// and waits until it is blocked; the returned conn reads its reply.
func (nc *notifyComparison) blockOnBoth(line string) *redisConn {
	nc.t.Helper()
	blocker := nc.server.dial()
	if _, err := blocker.conn.Write(resp.AppendCommand(nil, splitLine(nc.t, line)...)); err != nil {
		nc.t.Fatal(err)
	}
	nc.waitBlocked(1)
	before := len(nc.env.replies)
	nc.n.Receive("blocker", Command{Seq: 1, Args: splitLine(nc.t, line)})
	if len(nc.env.replies) != before {
		nc.t.Fatalf("%q did not block on the node", line)
	}
	nc.expectSame(line)
	return blocker
}

func TestKeyspaceNotificationsAgreeWithRedis(t *testing.T) {
	nc := newNotifyComparison(t, "KEA")
	// Strings.
	nc.run(sameReply, "SET s v", "SET s v EX 100", "SET s v2 KEEPTTL", "SET s v3 GET", "SET s v NX", "SET s v XX",
		"SETNX s2 v", "SETNX s2 v", "SETEX s3 100 v", "PSETEX s4 100000 v", "MSET m1 a m2 b", "MSETNX m1 a m9 b",
		"MSETNX m8 a m9 b", "INCR n", "DECR n", "INCRBY n 5", "DECRBY n 2", "INCRBYFLOAT f 1.5", "APPEND s x",
		"SETRANGE s 1 yy", "SETRANGE s 1 \"\"", "SETRANGE nos 0 \"\"", "SETBIT b 3 1", "SETBIT b 3 1", "GETSET s g",
		"GETDEL s", "GETDEL s", "SET s v", "GETEX s EX 100", "GETEX s PERSIST", "GETEX s PERSIST", "GETEX s",
		"GETEX s PXAT 1", "INCR s")
	// Generic.
	nc.run(sameReply, "SET a 1", "SET b 2", "DEL a b nokey", "SET a 1", "UNLINK a", "SET e 1", "EXPIRE e 100",
		"PEXPIRE e 100000 NX", "PERSIST e", "PERSIST e", "EXPIREAT e 99999999999", "PEXPIREAT e 99999999999999 GT",
		"EXPIRE e 100 GT", "EXPIRE e 100 LT", "EXPIRE e 0", "SET e 1", "EXPIREAT e 1", "EXISTS e", "SET r 1", "RENAME r r2",
		"RENAME r2 r2", "SET r3 x", "RENAME r2 r3", "RENAMENX r3 s2", "RENAMENX r3 r4", "COPY r4 c1", "COPY r4 c1",
		"COPY r4 c1 REPLACE", "COPY r4 c1 DB 1", "MOVE c1 1", "MOVE c1 1", "SET c1 z", "MOVE c1 1",
		"SELECT 1", "SET only1 x", "DEL only1 c1", "SELECT 0", "SWAPDB 0 1", "SWAPDB 0 1", "FLUSHDB")
	// Lists.
	nc.run(sameReply, "LPUSH l a b c", "RPUSH l d", "LPUSHX nol a", "RPUSHX l e", "LINSERT l BEFORE a x",
		"LINSERT l BEFORE nosuch x", "LSET l 0 y", "LREM l 0 nosuch", "LREM l 1 y", "LTRIM l 0 -1", "LTRIM l 0 2",
		"LPOP l", "RPOP l 0", "RPOP l 5", "LPOP l", "RPUSH l a b c", "LMOVE l l2 LEFT RIGHT", "RPOPLPUSH l l2",
		"LMOVE l l2 RIGHT LEFT", "LMOVE l2 l2 LEFT RIGHT", "RPUSH one x", "LMOVE one one LEFT LEFT", "LMPOP 2 nol l2 LEFT COUNT 10",
		"RPUSH l a b", "BLPOP l 1", "BRPOP l 1", "RPUSH l a", "BLMOVE l l3 LEFT LEFT 1", "BLMPOP 1 1 l3 RIGHT",
		"RPUSH l a b c", "LTRIM l 5 10")
	// Sets (SPOP only where the draw cannot differ).
	nc.run(sameReply, "SADD st a b c", "SADD st a", "SREM st nosuch", "SREM st a", "SMOVE st st2 b", "SMOVE st st2 nosuch",
		"SADD st2 c", "SMOVE st st2 c", "SADD one1 z", "SPOP one1", "SADD st a b", "SPOP st 0")
	nc.run(sameElements, "SPOP st 5")
	nc.run(sameReply, "SADD st3 a b c d")
	nc.run(sameShape, "SPOP st3 2", "SPOP st3 1", "SPOP st3")
	nc.run(sameReply, "SCARD st3", "SPOP st3 1", "EXISTS st3")
	nc.run(sameReply, "SADD x1 a b c", "SADD x2 b c d", "SINTERSTORE dst x1 x2", "SUNIONSTORE dst x1 x2", "SDIFFSTORE dst x1 x2",
		"SINTERSTORE dst x1 nokey", "SINTERSTORE dst x1 nokey", "SUNIONSTORE dst nokey", "SMOVE x1 x1 a")
	// Hashes.
	nc.run(sameReply, "HSET h a 1 b 2", "HSET h a 1", "HMSET h c 3", "HSETNX h a 9", "HSETNX h d 4", "HINCRBY h a 2",
		"HINCRBYFLOAT h a 0.5", "HDEL h nosuch", "HDEL h a b c", "HDEL h d", "HINCRBY newh f 1")
	// Sorted sets.
	nc.run(sameReply, "ZADD z 1 a 2 b 3 c", "ZADD z 1 a", "ZADD z XX 5 nosuch", "ZADD z INCR 1 a", "ZADD z CH 9 a",
		"ZINCRBY z 1 b", "ZINCRBY newz 1 m", "ZADD z GT 1 b", "ZADD z LT 1 b", "ZADD z NX 7 b", "ZADD z NX 7 q",
		"ZADD z XX CH INCR 1 q", "ZADD z GT INCR -1 q", "ZREM z nosuch", "ZREM z a", "ZADD z 4 d 5 e 6 f",
		"ZREMRANGEBYSCORE z 100 200", "ZREMRANGEBYSCORE z 4 4", "ZREMRANGEBYRANK z 0 0", "ZREMRANGEBYLEX z [a [b",
		"ZADD z 1 a 2 b", "ZPOPMIN z", "ZPOPMAX z 2", "ZPOPMIN z 0", "ZMPOP 2 nokey z MIN COUNT 1", "BZPOPMIN z 1",
		"BZPOPMAX newz 1", "ZADD z 7 g", "BZMPOP 1 1 z MAX", "ZADD z1 1 a 2 b", "ZADD z2 2 b 3 c", "ZUNIONSTORE zd 2 z1 z2",
		"ZINTERSTORE zd 2 z1 z2", "ZDIFFSTORE zd 2 z1 z2", "ZRANGESTORE zd z1 0 -1", "ZINTERSTORE zd 2 z1 nokey",
		"ZINTERSTORE zd 2 z1 nokey", "ZRANGESTORE zd z1 5 10", "ZREM z1 a b")
	// Transactions deliver each command's events as it runs.
	// (The marker is published after EXEC only: inside MULTI it would queue.)
	for _, line := range []string{"MULTI", "SET tx 1", "LPUSH txl a", "DEL tx", "EXEC"} {
		nc.check(line, sameReply)
	}
	nc.expectSame("EXEC")
	// RESTORE: the payload is Redis's own DUMP.
	nc.run(sameReply, "SET dumped hello")
	payload := nc.real.doLine("DUMP dumped").Str
	nc.runArgs("RESTORE restored", []byte("RESTORE"), []byte("restored"), []byte("0"), payload)
	nc.runArgs("RESTORE restored REPLACE", []byte("RESTORE"), []byte("restored"), []byte("0"), payload, []byte("REPLACE"))
	nc.runArgs("RESTORE restored REPLACE ABSTTL past", []byte("RESTORE"), []byte("restored"), []byte("1"), payload,
		[]byte("REPLACE"), []byte("ABSTTL"))
}

// A client blocked on a key is served by the command that fills it: its
// pop is notified after the push that woke it, and the emptied key's del
// last.
func TestKeyspaceNotificationsOfBlockedClientsAgreeWithRedis(t *testing.T) {
	nc := newNotifyComparison(t, "KEA")
	for _, c := range []struct{ setup, block, fill string }{
		{"", "BLPOP bl 0", "RPUSH bl a"},
		{"", "BLPOP bl 0", "RPUSH bl a b"},
		{"", "BLMOVE bl dst RIGHT LEFT 0", "LPUSH bl a"},
		{"", "BRPOPLPUSH bl dst 0", "LPUSH bl a b"},
		{"", "BLMPOP 0 1 bl LEFT COUNT 5", "RPUSH bl a b c"},
		{"", "BZPOPMIN bz 0", "ZADD bz 1 a"},
		{"", "BZMPOP 0 1 bz MAX COUNT 2", "ZADD bz 1 a 2 b 3 c"},
		// Waiting on several keys: only the one served from is notified.
		{"", "BLPOP bl other 0", "RPUSH other a"},
		{"", "BLMPOP 0 2 other bl RIGHT", "RPUSH bl a b"},
		{"", "BZPOPMAX other bz 0", "ZADD bz 1 a"},
		// A client served by a list LMOVE filled: the move's events, then
		// the served pop's.
		{"RPUSH src x y", "BLPOP bl 0", "LMOVE src bl LEFT LEFT"},
	} {
		if c.setup != "" {
			nc.run(sameReply, c.setup)
		}
		blocker := nc.blockOnBoth(c.block)
		// The node answers the filler, then the served client.
		before := len(nc.env.replies)
		nc.n.Receive("client-1", Command{Seq: uint64(before), Args: splitLine(t, c.fill)})
		if len(nc.env.replies) != before+2 {
			t.Fatalf("%q after %q: %d replies, want the filler's and the blocked client's", c.fill, c.block, len(nc.env.replies)-before)
		}
		ours, theirs := nc.env.replies[before].Value, nc.onRedis(c.fill)
		if got, want := wire(resp.RESP2, ours), wire(resp.RESP2, theirs); got != want {
			t.Errorf("%q: got %q, want %q", c.fill, got, want)
		}
		served, realServed := nc.env.replies[before+1].Value, blocker.read()
		if got, want := wire(resp.RESP2, served), wire(resp.RESP2, realServed); got != want {
			t.Errorf("%q served by %q: got %q, want %q", c.block, c.fill, got, want)
		}
		nc.expectSame(c.fill)
		nc.waitBlocked(0)
		nc.run(sameReply, "DEL bl dst bz other src")
	}
}

// Each class letter lets only its events through; K and E choose the
// channels; n and m are not part of A.
func TestKeyspaceNotificationClassesAgreeWithRedis(t *testing.T) {
	nc := newNotifyComparison(t, "")
	script := []string{"SET s 1", "EXPIRE s 100", "LPUSH l a", "SADD st a", "HSET h f v", "ZADD z 1 a", "DEL s l st h z",
		"GET nokey", "MGET nokey s", "EXISTS nokey", "TYPE nokey", "LRANGE nokey 0 -1", "SET new1 v", "RPUSH new2 a",
		// Write commands that read: which of their lookups count as misses.
		"GETDEL nokey", "GETEX nokey", "SET g v GET", "SUNIONSTORE d nokey nokey2", "ZUNIONSTORE d 1 nokey",
		"SINTERSTORE d nokey", "SDIFFSTORE d nokey", "ZINTERSTORE d 1 nokey", "ZDIFFSTORE d 1 nokey", "ZRANGESTORE d nokey 0 -1",
		"LMPOP 1 nokey LEFT", "ZMPOP 1 nokey MIN", "LPOP nokey", "SPOP nokey", "ZPOPMIN nokey",
		"GETSET gs v", "HINCRBY hi f 1", "PERSIST nokey", "EXPIRE nokey 10", "MOVE nokey 1", "SETRANGE sr 0 x",
		"LMOVE nokey d LEFT LEFT", "SMOVE nokey d m", "SINTERCARD 1 nokey", "ZINTERCARD 1 nokey", "LCS nokey nokey2",
		"TTL nokey", "OBJECT ENCODING nokey", "DUMP nokey", "COPY nokey d", "RENAME nokey d", "INCR ctr", "APPEND ap x",
		"HGET nokey f", "SISMEMBER nokey m", "ZSCORE nokey m", "LPOS nokey a", "STRLEN nokey", "GETRANGE nokey 0 1",
		"SRANDMEMBER nokey", "ZRANDMEMBER nokey", "HRANDFIELD nokey", "SCARD nokey", "SMEMBERS nokey",
		"SINTER nokey", "ZRANGE nokey 0 -1", "HGETALL nokey", "LINDEX nokey 0", "LLEN nokey", "PTTL nokey",
		"EXPIRETIME nokey", "TOUCH nokey", "SRANDMEMBER nokey 2"}
	for _, flags := range []string{"", "K", "E", "KE", "Kg", "E$", "Kl", "Es", "Kh", "Ez", "KEA", "KEAn", "KEn", "KEm", "Em", "KEAm", "Kgx"} {
		nc.setFlags(flags)
		nc.run(sameReply, script...)
		nc.run(sameReply, "FLUSHALL")
	}
}

// Keys that expire (read after their deadline) are notified as expired.
func TestKeyspaceNotificationsOfExpiryAgreeWithRedis(t *testing.T) {
	nc := newNotifyComparison(t, "KEAn")
	nc.run(sameReply, "DEBUG SET-ACTIVE-EXPIRE 0")
	// The node's clock is virtual; Redis's is not. Each key expires with
	// a clock key set after it with the same TTL: once reading the clock
	// finds it gone on Redis, the others are past their deadline too, and
	// the node reads the clock once after advancing its own time.
	passTime := func() {
		t.Helper()
		deadline := time.Now().Add(redisReplyTimeout)
		for nc.onRedis("EXISTS clock").Int != 0 {
			if time.Now().After(deadline) {
				t.Fatal("the clock key never expired on redis-server")
			}
			time.Sleep(5 * time.Millisecond)
		}
		nc.env.Advance(time.Second)
		if got := do(nc.n, nc.env, "client-1", "EXISTS clock"); got != "(integer) 0" {
			t.Fatalf("EXISTS clock on the node: %s", got)
		}
		nc.expectSame("expiry of the clock key")
	}
	nc.run(sameReply, "SET gone v PX 20", "SET rewritten v PX 20", "RPUSH pushed a", "PEXPIRE pushed 20",
		"SADD src a", "ZADD zsrc 1 a")
	expiring := []string{"mset", "setex", "psetex", "sstore", "zstore", "rstore", "restored", "hashed", "appended", "incred", "renamed",
		"semptied", "zemptied", "copied", "moved"}
	for _, key := range expiring {
		nc.run(sameReply, "SET "+key+" v PX 20")
	}
	nc.run(sameReply, "SET clock x PX 20")
	passTime()
	// Read, written, pushed to after the deadline: "expired" first, then
	// the command's own events ("new" for a key created again).
	nc.run(sameReply, "EXISTS gone", "SET rewritten w", "RPUSH pushed b", "EXISTS gone")
	// Commands that overwrite without reading first: the expired key is
	// still notified as expired before it is replaced.
	nc.run(sameReply, "MSET mset 1 other 2", "SETEX setex 100 v", "PSETEX psetex 100000 v", "SUNIONSTORE sstore src",
		"ZUNIONSTORE zstore 1 zsrc", "ZRANGESTORE rstore zsrc 0 -1", "HSET hashed f v", "APPEND appended x", "INCR incred",
		"SET renamesrc v", "RENAME renamesrc renamed", "SINTERSTORE semptied nokey", "ZINTERSTORE zemptied 1 nokey",
		"SET copysrc v", "COPY copysrc copied", "SELECT 1", "SET moved v", "MOVE moved 0", "SELECT 0")
	payload := nc.real.doLine("DUMP src").Str
	nc.runArgs("RESTORE restored REPLACE", []byte("RESTORE"), []byte("restored"), []byte("0"), payload, []byte("REPLACE"))
}

func TestNotifyKeyspaceEventsConfigAgreesWithRedis(t *testing.T) {
	lines := []string{"CONFIG GET notify-keyspace-events"}
	for _, flags := range []string{"KEA", "Ag", "Eg$lshzxetdnm", "KExm", "nK", "x", "E", "", "AKEmn", "gg", "KEA$", "d", "t",
		"KQ", "K E", "a", "Kk", "AKEgn$"} {
		lines = append(lines, "CONFIG SET notify-keyspace-events "+strconv.Quote(flags), "CONFIG GET notify-keyspace-events")
	}
	lines = append(lines, "CONFIG SET notify-keyspace-events KEA maxmemory-policy nosuch", "CONFIG GET notify-keyspace-events",
		"CONFIG SET notify-keyspace-events \"\"") // the next protocol's run starts from the default again
	compareWithRedis(t, lines)
}

// The reads that write commands make as reads (GETDEL's old value, the
// sources of SUNIONSTORE, COPY's source…) count as keyspace hits and
// misses, as they do in Redis: the same lookups that send "keymiss".
func TestWriteCommandsReadsCountAsRedisCounts(t *testing.T) {
	c := newComparison(t, Config{}, resp.RESP2)
	for _, line := range []string{"SET s v", "SADD st a", "ZADD z 1 a", "GETDEL nokey", "GETEX s", "GETSET s w", "SET s v GET",
		"SET s2 v GET", "SUNIONSTORE d st nokey", "SINTERSTORE d st", "ZUNIONSTORE d 2 z nokey", "ZRANGESTORE d z 0 -1",
		"COPY s s3", "COPY nokey s4", "INCR ctr", "APPEND s x", "LPUSH l a", "RPOPLPUSH l l2", "RENAME l2 l3", "SMOVE st st2 a"} {
		c.check(line, sameReply)
	}
	counters := func(info string) string {
		var out []string
		for _, line := range strings.Split(info, "\r\n") {
			if strings.HasPrefix(line, "keyspace_hits:") || strings.HasPrefix(line, "keyspace_misses:") {
				out = append(out, line)
			}
		}
		return strings.Join(out, " ")
	}
	ours, theirs := counters(string(c.onNode("INFO stats")[0].Str)), counters(string(c.onRedis("INFO stats").Str))
	if ours != theirs {
		t.Fatalf("after the same commands the node counts %q, redis-server %q", ours, theirs)
	}
}
