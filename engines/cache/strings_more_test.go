package cache

import (
	"testing"
	"time"
)

func TestStringCommandsAgreeWithRedis(t *testing.T) {
	compareWithRedis(t, []string{
		"SET a 1", "GETSET a 2", "GETSET nokey 1", "GET nokey", "GETDEL a", "GETDEL a", "EXISTS a",
		"MGET a nokey", "SET a 1", "MGET a nokey a", "MSET a", "MSET a 1 b", "MSET a 1 b 2 c 3", "MGET a b c",
		"MSETNX a 1 b", "MSETNX x 1 a 2", "MSETNX x 1 y 2", "MGET x y",
		"SETNX x 5", "SETNX z 5", "GET z",
		"SETEX a 0 v", "SETEX a -1 v", "SETEX a x v", "SETEX a 9223372036854775807 v", "PSETEX a 0 v", "PSETEX a -1 v",
		"SETEX a 100 v", "TTL a", "GET a", "PSETEX a 100000 w", "TTL a", "SET a v", "TTL a",
		"GETEX nokey", "GETEX nokey EX x", "GETEX a", "GETEX a PERSIST EX 10", "GETEX a EX 0", "GETEX a EX -1", "GETEX a EX x",
		"GETEX a EX 10 EX 20", "TTL a", "GETEX a EX 10 PX 20", "GETEX a EX", "GETEX a FOO", "GETEX a KEEPTTL", "GETEX a NX",
		"GETEX a PX 50000", "TTL a", "GETEX a PERSIST PERSIST", "TTL a", "GETEX a EXAT 1", "EXISTS a",
		"SET s \"Hello World\"", "GETRANGE s 0 4", "GETRANGE s -3 -1", "GETRANGE s 5 2", "GETRANGE s -100 100",
		"GETRANGE s 20 30", "GETRANGE nokey 0 1", "GETRANGE s 0 -100", "GETRANGE s -1 -5", "GETRANGE s x 1", "GETRANGE s 0 x",
		"SUBSTR s 0 3", "SETRANGE s 6 Redis", "GET s", "SETRANGE s 14 x", "GET s", "STRLEN s", "STRLEN nokey",
		"SETRANGE s -1 x", "SETRANGE s x x", "SETRANGE s 536870912 x", "SETRANGE s 536870911 xy",
		"SETRANGE new 0 \"\"", "EXISTS new", "SETRANGE new 5 \"\"", "SETRANGE s 0 \"\"", "SETRANGE new 2 ab", "GET new",
		"APPEND n abc", "APPEND n def", "GET n", "SET ttl v EX 100", "APPEND ttl x", "TTL ttl", "SETRANGE ttl 0 y", "TTL ttl",
		"SET i 5", "INCRBYFLOAT i 1", "INCRBYFLOAT i -6", "INCRBYFLOAT i 1e-20", "INCRBYFLOAT i 5.0e3",
		"SET f 10.5", "INCRBYFLOAT f 0.1", "SET f 0.1", "INCRBYFLOAT f 0.2", "INCRBYFLOAT f inf", "INCRBYFLOAT f -Infinity",
		"INCRBYFLOAT f nan", "INCRBYFLOAT f 1e308", "INCRBYFLOAT f 1e400", "INCRBYFLOAT f 1e5000", "INCRBYFLOAT f -1e5000",
		"INCRBYFLOAT f 1e-5000", "SET f 3", "INCRBYFLOAT f 1.5e3", "INCRBYFLOAT f \" 1\"", "INCRBYFLOAT f \"1 \"",
		"INCRBYFLOAT f 0x10", "INCRBYFLOAT f 0x1.8p1", "INCRBYFLOAT f \"\"", "INCRBYFLOAT f 1.0e", "INCRBYFLOAT f .5",
		"INCRBYFLOAT f 5.", "INCRBYFLOAT f .", "INCRBYFLOAT f +1", "INCRBYFLOAT f ++1", "INCRBYFLOAT f 1_0",
		"INCRBYFLOAT f -1530.5", "INCRBYFLOAT f 0.0000000000000000001", "INCRBYFLOAT f -0.0000000000000000001",
		"SET f 1.1", "INCRBYFLOAT f 2.2", "INCRBYFLOAT f 3.3333333333333333333333", "SET f abc", "INCRBYFLOAT f 1",
		"SET tf 1 EX 100", "INCRBYFLOAT tf 1", "TTL tf",
		"SET f 1e4000", "INCRBYFLOAT f 1e4000", "INCRBYFLOAT f 1e4932",
	})
}

func TestStringCommandsWrongType(t *testing.T) {
	n, env := startNode(t, Config{})
	n.dbs[0].set("list", fakeListObject{}, false)
	const wrongType = "(error) WRONGTYPE Operation against a key holding the wrong kind of value"
	for _, command := range []string{"GETSET list v", "GETDEL list", "GETEX list", "GETEX list EX 10", "APPEND list x",
		"STRLEN list", "GETRANGE list 0 1", "SETRANGE list 0 x", "SETRANGE list 0 \"\"", "INCRBYFLOAT list 1"} {
		if got := do(n, env, "c", command); got != wrongType {
			t.Errorf("%s = %s, want %s", command, got, wrongType)
		}
	}
	for _, tc := range [][2]string{{"MGET list nokey", "[(nil) (nil)]"}, {"SETNX list v", "(integer) 0"}, {"MSETNX list v", "(integer) 0"}} {
		if got := do(n, env, "c", tc[0]); got != tc[1] {
			t.Errorf("%s = %s, want %s", tc[0], got, tc[1])
		}
	}
}

func TestGetexTimes(t *testing.T) {
	runScript(t, []step{
		{0, "SET k v", `"OK"`},
		{0, "GETEX k PX 1500", `"v"`},
		{0, "PTTL k", "(integer) 1500"},
		{0, "GETEX k EXAT 1767225610", `"v"`},
		{0, "TTL k", "(integer) 10"},
		{0, "GETEX k PERSIST", `"v"`},
		{0, "TTL k", "(integer) -1"},
		{0, "GETEX k PXAT 1767225599000", `"v"`}, // already past: deleted
		{0, "EXISTS k", "(integer) 0"},
		{0, "SETEX s 2 v", `"OK"`},
		{2 * time.Second, "GET s", "(nil)"},
	})
}

// Every new string write replays from the AOF to the same state.
func TestSimStringCommandsSurviveRestart(t *testing.T) {
	survivesRestart(t, 22, []string{
		"SET a 1", "GETSET a 2", "SET d x", "GETDEL d", "SET e v", "GETEX e EX 100", "SET p v EX 100", "GETEX p PERSIST",
		"MSET m1 1 m2 2", "MSETNX n1 1 n2 2", "SETNX sn v", "SETEX se 100 v", "PSETEX pse 100000 v", "APPEND ap abc",
		"APPEND ap def", "SETRANGE sr 3 xy", "SET fl 0.1", "INCRBYFLOAT fl 0.2", "SET flt 1 EX 100", "INCRBYFLOAT flt 1.5",
	}, dumpAll)
}

// Strings changed in place in Redis (APPEND to a key, SETRANGE, SETBIT,
// even a SETBIT that changes nothing) report the raw encoding whatever
// they hold; a key APPEND creates does not.
func TestInPlaceStringWritesAreRawAsInRedis(t *testing.T) {
	compareWithRedis(t, []string{
		"SET k abc", "APPEND k d", "OBJECT ENCODING k", "SET n 12", "APPEND n 3", "OBJECT ENCODING n",
		"APPEND new 5", "OBJECT ENCODING new", "APPEND new2 abc", "OBJECT ENCODING new2",
		"SET s abc", "SETRANGE s 1 x", "OBJECT ENCODING s", "SETRANGE s2 0 7", "OBJECT ENCODING s2",
		"SETBIT b 1 1", "OBJECT ENCODING b", "SET i 100", "SETBIT i 2 0", "OBJECT ENCODING i",
		"SET j 100", "SETBIT j 1 0", "OBJECT ENCODING j", "GET j",
		"SET q 5", "INCR q", "APPEND q 1", "OBJECT ENCODING q", "SET q 7", "OBJECT ENCODING q",
	})
}
