package cache

import (
	"strconv"
	"testing"
	"time"
)

func TestSet(t *testing.T) {
	runScript(t, []step{
		{0, "GET k", "(nil)"},
		{0, "SET k v", `"OK"`},
		{0, "GET k", `"v"`},
		{0, "SET k w NX", "(nil)"},
		{0, "SET k w XX", `"OK"`},
		{0, "SET other w XX", "(nil)"},
		{0, "GET other", "(nil)"},
		{0, "SET k x GET", `"w"`},
		{0, "SET new x GET", "(nil)"},
		{0, "SET new y NX GET", `"x"`},
		{0, "GET new", `"x"`},
		{0, "SET k v NX XX", "(error) ERR syntax error"},
		{0, "SET k v EX 10 PX 100", "(error) ERR syntax error"},
		{0, "SET k v EX 10 KEEPTTL", "(error) ERR syntax error"},
		{0, "SET k v KEEPTTL EX 10", "(error) ERR syntax error"},
		{0, "SET k v EX", "(error) ERR syntax error"},
		{0, "SET k v FOO", "(error) ERR syntax error"},
		{0, "SET k v EX 0", "(error) ERR invalid expire time in 'set' command"},
		{0, "SET k v PX -5", "(error) ERR invalid expire time in 'set' command"},
		{0, "SET k v EX 9223372036854775807", "(error) ERR invalid expire time in 'set' command"},
		{0, "SET k v PX 9223372036854775807", "(error) ERR invalid expire time in 'set' command"},
		{0, "SET k v EX abc", "(error) ERR value is not an integer or out of range"},
		{0, "SET k v EX 10 EX 20", `"OK"`},
		{0, "TTL k", "(integer) 20"},
		{0, "SET k v2 KEEPTTL", `"OK"`},
		{0, "TTL k", "(integer) 20"},
		{0, "SET k v3", `"OK"`},
		{0, "TTL k", "(integer) -1"},
		{0, "SET k v px 1500", `"OK"`},
		{0, "PTTL k", "(integer) 1500"},
		{1499 * time.Millisecond, "GET k", `"v"`},
		{time.Millisecond, "GET k", "(nil)"},
		{0, "SET k v EXAT 1767225610", `"OK"`}, // 2026-01-01T00:00:10Z
		{0, "TTL k", "(integer) 9"},            // 8.5 s left, rounded
		{0, "SET k v PXAT 1767225601000", `"OK"`},
		{0, "GET k", "(nil)"}, // already past: gone on first access
	})
}

func TestIncrDecr(t *testing.T) {
	runScript(t, []step{
		{0, "INCR n", "(integer) 1"},
		{0, "INCRBY n 41", "(integer) 42"},
		{0, "DECR n", "(integer) 41"},
		{0, "DECRBY n 50", "(integer) -9"},
		{0, "GET n", `"-9"`},
		{0, "INCRBY n abc", "(error) ERR value is not an integer or out of range"},
		{0, "INCRBY n 1.5", "(error) ERR value is not an integer or out of range"},
		{0, "SET s hello", `"OK"`},
		{0, "INCR s", "(error) ERR value is not an integer or out of range"},
		{0, "SET s ' 1'", `"OK"`},
		{0, "INCR s", "(error) ERR value is not an integer or out of range"},
		{0, "SET m 9223372036854775807", `"OK"`},
		{0, "INCR m", "(error) ERR increment or decrement would overflow"},
		{0, "SET m -9223372036854775808", `"OK"`},
		{0, "DECR m", "(error) ERR increment or decrement would overflow"},
		{0, "DECRBY m -9223372036854775808", "(error) ERR decrement would overflow"},
		{0, "SET t 10 EX 100", `"OK"`},
		{0, "INCR t", "(integer) 11"},
		{0, "TTL t", "(integer) 100"}, // INCR keeps the TTL
	})
}

func TestKeyspaceCommands(t *testing.T) {
	runScript(t, []step{
		{0, "SET a 1", `"OK"`},
		{0, "SET b 2", `"OK"`},
		{0, "EXISTS a b c a", "(integer) 3"},
		{0, "DBSIZE", "(integer) 2"},
		{0, "DEL a c a", "(integer) 1"},
		{0, "DBSIZE", "(integer) 1"},
		{0, "SELECT 1", `"OK"`},
		{0, "GET b", "(nil)"},
		{0, "SET b other", `"OK"`},
		{0, "SELECT 0", `"OK"`},
		{0, "GET b", `"2"`},
		{0, "SELECT 16", "(error) ERR DB index is out of range"},
		{0, "SELECT x", "(error) ERR value is not an integer or out of range"},
		{0, "FLUSHALL x", "(error) ERR syntax error"},
		{0, "FLUSHALL ASYNC", `"OK"`},
		{0, "DBSIZE", "(integer) 0"},
		{0, "SELECT 1", `"OK"`},
		{0, "DBSIZE", "(integer) 0"},
	})
}

func TestExpire(t *testing.T) {
	runScript(t, []step{
		{0, "EXPIRE missing 10", "(integer) 0"},
		{0, "TTL missing", "(integer) -2"},
		{0, "PTTL missing", "(integer) -2"},
		{0, "SET k v", `"OK"`},
		{0, "TTL k", "(integer) -1"},
		{0, "EXPIRE k 10 XX", "(integer) 0"},
		{0, "EXPIRE k 10 GT", "(integer) 0"}, // no TTL counts as infinite
		{0, "EXPIRE k 10 NX", "(integer) 1"},
		{0, "EXPIRE k 20 NX", "(integer) 0"},
		{0, "EXPIRE k 5 GT", "(integer) 0"},
		{0, "EXPIRE k 20 GT", "(integer) 1"},
		{0, "EXPIRE k 30 LT", "(integer) 0"},
		{0, "PEXPIRE k 1500 LT", "(integer) 1"},
		{0, "PTTL k", "(integer) 1500"},
		{0, "TTL k", "(integer) 2"}, // rounded to nearest
		{0, "EXPIRE k 10 NX XX", "(error) ERR NX and XX, GT or LT options at the same time are not compatible"},
		{0, "EXPIRE k 10 GT LT", "(error) ERR GT and LT options at the same time are not compatible"},
		{0, "EXPIRE k 10 foo", "(error) ERR Unsupported option foo"},
		{0, "EXPIRE k abc", "(error) ERR value is not an integer or out of range"},
		{0, "EXPIRE k 9223372036854775807", "(error) ERR invalid expire time in 'expire' command"},
		{0, "PEXPIRE k 9223372036854775807", "(error) ERR invalid expire time in 'pexpire' command"},
		{0, "EXPIRE k", "(error) ERR wrong number of arguments for 'expire' command"},
		{0, "EXPIRE k -1", "(integer) 1"}, // a past time deletes
		{0, "EXISTS k", "(integer) 0"},
		{0, "SET k v", `"OK"`},
		{0, "PEXPIREAT k 1767225602000", "(integer) 1"},
		{1999 * time.Millisecond, "EXISTS k", "(integer) 1"},
		{time.Millisecond, "EXISTS k", "(integer) 0"},
		{0, "SET w v", `"OK"`},
		{0, "EXPIRE w 100", "(integer) 1"},
		{0, "SET w v2", `"OK"`},
		{0, "TTL w", "(integer) -1"}, // SET clears the TTL
	})
}

func TestWrongType(t *testing.T) {
	n, env := startNode(t, Config{})
	// No other type exists yet, so plant one directly.
	n.dbs[0].set("list", fakeListObject{}, false)
	const wrongType = "(error) WRONGTYPE Operation against a key holding the wrong kind of value"
	for _, command := range []string{"GET list", "INCR list", "SET list v GET"} {
		if got := do(n, env, "c", command); got != wrongType {
			t.Errorf("%s = %s, want %s", command, got, wrongType)
		}
	}
	if got := do(n, env, "c", "SET list v"); got != `"OK"` {
		t.Errorf("plain SET over another type = %s, want OK", got)
	}
}

type fakeListObject struct{}

func (fakeListObject) typeName() string { return "list" }
func (fakeListObject) encoding() string { return "quicklist" }
func (fakeListObject) memoryBytes() int { return 0 }

func TestActiveExpiry(t *testing.T) {
	n, env := startNode(t, Config{Hz: 10})
	const keys = 2000
	for i := range keys {
		do(n, env, "c", "SET key:"+itoa(i)+" v PX "+itoa(100+i%5))
	}
	do(n, env, "c", "SET keep v")
	do(n, env, "c", "SET keep-long v EX 3600")
	// Nobody reads the keys: only the active cycle can reclaim them.
	env.Advance(10 * time.Second)
	if got := do(n, env, "c", "DBSIZE"); got != "(integer) 2" {
		t.Fatalf("after 10s of cycles DBSIZE = %s, want 2 (expired keys reclaimed, live ones kept)", got)
	}
	if n.Stats().ExpiredKeys != keys {
		t.Fatalf("ExpiredKeys = %d, want %d", n.Stats().ExpiredKeys, keys)
	}
	if n.dbs[0].volatile.len() != 1 {
		t.Fatalf("volatile index holds %d keys, want 1", n.dbs[0].volatile.len())
	}
}

// One cycle does bounded work even when everything is expired.
func TestActiveExpiryCycleIsBounded(t *testing.T) {
	n, env := startNode(t, Config{Hz: 10})
	for i := range 5000 {
		do(n, env, "c", "SET key:"+itoa(i)+" v PX 1")
	}
	env.now = env.now.Add(time.Second) // without firing timers
	expired := n.activeExpireCycle(env.now.UnixMilli())
	if expired == 0 || expired > activeExpireKeysPerLoop*activeExpireLoopsPerDBMax {
		t.Fatalf("one cycle expired %d keys, want 1..%d", expired, activeExpireKeysPerLoop*activeExpireLoopsPerDBMax)
	}
}

func TestInvalidConfigRefusesService(t *testing.T) {
	n, env := startNode(t, Config{AppendFsync: "sometimes"})
	got := do(n, env, "c", "PING")
	want := `(error) ERR invalid configuration: cache config: appendfsync "sometimes": must be always, everysec or no`
	if got != want {
		t.Fatalf("PING = %s, want %s", got, want)
	}
}

func TestConfigValidate(t *testing.T) {
	cases := []struct {
		cfg Config
		ok  bool
	}{
		{Config{}, true},
		{Config{AppendOnly: true, AppendFsync: "always", Hz: 500, Databases: 1}, true},
		{Config{AppendFsync: "ALWAYS"}, false},
		{Config{Hz: -1}, false},
		{Config{Hz: 501}, false},
		{Config{Databases: -3}, false},
	}
	for _, tc := range cases {
		if err := tc.cfg.Validate(); (err == nil) != tc.ok {
			t.Errorf("Validate(%+v) = %v, want ok=%v", tc.cfg, err, tc.ok)
		}
	}
}

func itoa(i int) string { return strconv.Itoa(i) }
