package cache

import (
	"slices"
	"testing"
	"time"
)

func TestZsetPopsAgreeWithRedis(t *testing.T) {
	compareWithRedis(t, []string{
		"ZADD z 1 a 2 b 3 c 4 d", "ZADD y 5 e",
		"ZMPOP 1 z MIN", "ZMPOP 2 nokey z MAX COUNT 2", "ZMPOP 1 nokey MIN", "ZMPOP 2 z y MIN COUNT 10",
		"ZMPOP 0 z MIN", "ZMPOP -1 z MIN", "ZMPOP x z MIN", "ZMPOP 1 z foo", "ZMPOP 2 z MIN", "ZMPOP 1 z MIN COUNT 0",
		"ZMPOP 1 z MIN COUNT", "ZMPOP 1 z MIN COUNT 1 COUNT 1", "ZMPOP 1 z", "EXISTS z",
		"ZADD z 1 a 2 b", "BZPOPMIN z 0", "BZPOPMAX nokey z 0", "EXISTS z", "BZPOPMIN z -1", "BZPOPMIN z x",
		"ZADD z 1 a 2 b 3 c", "BZMPOP 0 1 z MAX COUNT 2", "BZMPOP 0 1 z MIN", "BZMPOP -1 1 z MIN", "BZMPOP 0 0 z MIN",
		"SET s v", "ZMPOP 1 s MIN", "BZPOPMIN s 0", "BZMPOP 0 1 s MIN",
	})
}

func TestBlockingZsetPops(t *testing.T) {
	n, env := startNode(t, Config{})
	l := replyLog{t, n, env}
	l.send("min", 1, "BZPOPMIN z 0")
	l.send("max", 2, "BZMPOP 0 2 other z MAX COUNT 5")
	l.send("lister", 3, "BLPOP z 0.5") // waits for a list under the same name
	if got := l.answered(); len(got) != 0 {
		t.Fatalf("answered %v before any ZADD", got)
	}
	l.send("writer", 4, "ZADD z 1 a 2 b 3 c")
	byseq := map[uint64]string{}
	for _, r := range env.replies {
		byseq[r.Seq] = r.Value.String()
	}
	if got, want := byseq[1], `["z" "a" (double) 1]`; got != want {
		t.Errorf("BZPOPMIN = %s, want %s", got, want)
	}
	if got, want := byseq[2], `["z" [["c" (double) 3] ["b" (double) 2]]]`; got != want {
		t.Errorf("BZMPOP = %s, want %s", got, want)
	}
	if _, answered := byseq[3]; answered {
		t.Errorf("BLPOP was served from a sorted set: %s", byseq[3])
	}
	env.Advance(time.Second)
	if got := l.answered(); !slices.Equal(got, []uint64{4, 1, 2, 3}) {
		t.Fatalf("answered %v, want [4 1 2 3] (BLPOP timing out last)", got)
	}
	if got := do(n, env, "c", "EXISTS z"); got != "(integer) 0" {
		t.Fatalf("EXISTS z after popping everything = %s", got)
	}
}
