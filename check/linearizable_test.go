package check

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// ok builds an acknowledged op; the helpers keep the tables readable.
func ok(client int, kind, key, input, output string, call, ret time.Duration) Op {
	return Op{Client: client, Kind: kind, Key: key, Input: input, Output: output, Status: StatusOK, Call: call, Return: ret}
}

func okNil(client int, kind, key string, call, ret time.Duration) Op {
	return Op{Client: client, Kind: kind, Key: key, Nil: true, Status: StatusOK, Call: call, Return: ret}
}

func indefinite(client int, kind, key, input string, call time.Duration) Op {
	return Op{Client: client, Kind: kind, Key: key, Input: input, Status: StatusInfo, Error: "i/o timeout", Call: call}
}

func failed(client int, kind, key, input string, call, ret time.Duration) Op {
	return Op{Client: client, Kind: kind, Key: key, Input: input, Status: StatusFail, Error: "ERR refused", Call: call, Return: ret}
}

func TestLinearizable(t *testing.T) {
	cases := []struct {
		name  string
		model string
		ops   []Op
		want  Verdict
	}{
		{"register: read after write sees it", ModelRegister, []Op{
			ok(0, "set", "k", "a", "OK", 0, 10),
			ok(1, "get", "k", "", "a", 20, 30),
		}, Pass},
		{"register: stale read after a completed write", ModelRegister, []Op{
			ok(0, "set", "k", "a", "OK", 0, 10),
			ok(0, "set", "k", "b", "OK", 20, 30),
			ok(1, "get", "k", "", "a", 40, 50),
		}, Fail},
		{"register: concurrent read may see either value", ModelRegister, []Op{
			ok(0, "set", "k", "a", "OK", 0, 10),
			ok(0, "set", "k", "b", "OK", 20, 30),
			ok(1, "get", "k", "", "a", 15, 25),
			ok(2, "get", "k", "", "b", 16, 26),
		}, Pass},
		{"register: reads disagree on order", ModelRegister, []Op{
			ok(0, "set", "k", "a", "OK", 0, 100),
			ok(1, "set", "k", "b", "OK", 0, 100),
			ok(2, "get", "k", "", "a", 10, 20),
			ok(2, "get", "k", "", "b", 30, 40),
			ok(3, "get", "k", "", "a", 50, 60),
		}, Fail},
		{"register: missing key reads nil", ModelRegister, []Op{
			okNil(0, "get", "k", 0, 10),
			ok(0, "set", "k", "a", "OK", 20, 30),
			ok(1, "del", "k", "", "1", 40, 50),
			okNil(1, "get", "k", 60, 70),
		}, Pass},
		{"register: del count must match existence", ModelRegister, []Op{
			ok(1, "del", "k", "", "1", 0, 10),
		}, Fail},
		{"register: indefinite write may have happened", ModelRegister, []Op{
			ok(0, "set", "k", "a", "OK", 0, 10),
			indefinite(1, "set", "k", "b", 20),
			ok(2, "get", "k", "", "b", 1000, 1010),
		}, Pass},
		{"register: indefinite write may never happen", ModelRegister, []Op{
			ok(0, "set", "k", "a", "OK", 0, 10),
			indefinite(1, "set", "k", "b", 20),
			ok(2, "get", "k", "", "a", 1000, 1010),
		}, Pass},
		{"register: indefinite write cannot take effect before its call", ModelRegister, []Op{
			indefinite(1, "set", "k", "b", 500),
			ok(2, "get", "k", "", "b", 100, 110),
		}, Fail},
		{"register: a failed write never happened", ModelRegister, []Op{
			ok(0, "set", "k", "a", "OK", 0, 10),
			failed(1, "set", "k", "b", 20, 30),
			ok(2, "get", "k", "", "b", 40, 50),
		}, Fail},
		{"register: indefinite read is dropped", ModelRegister, []Op{
			ok(0, "set", "k", "a", "OK", 0, 10),
			{Client: 1, Kind: "get", Key: "k", Output: "zzz", Status: StatusInfo, Call: 20},
		}, Pass},
		{"register: keys are independent", ModelRegister, []Op{
			ok(0, "set", "x", "1", "OK", 0, 10),
			ok(0, "set", "y", "2", "OK", 0, 10),
			ok(1, "get", "x", "", "1", 20, 30),
			ok(1, "get", "y", "", "2", 20, 30),
		}, Pass},
		{"counter: increments return successive values", ModelCounter, []Op{
			ok(0, "incr", "c", "", "1", 0, 10),
			ok(1, "incr", "c", "5", "6", 20, 30),
			ok(2, "decr", "c", "", "5", 40, 50),
			ok(2, "get", "c", "", "5", 60, 70),
		}, Pass},
		{"counter: duplicate value from two increments", ModelCounter, []Op{
			ok(0, "incr", "c", "", "1", 0, 10),
			ok(1, "incr", "c", "", "1", 5, 15),
		}, Fail},
		{"counter: indefinite increment seen by a later read", ModelCounter, []Op{
			ok(0, "incr", "c", "", "1", 0, 10),
			indefinite(1, "incr", "c", "", 20),
			ok(2, "get", "c", "", "2", 100, 110),
		}, Pass},
		{"counter: read of a missing counter", ModelCounter, []Op{
			okNil(0, "get", "c", 0, 10),
			ok(0, "incr", "c", "", "1", 20, 30),
			okNil(1, "get", "c", 40, 50),
		}, Fail},
		{"set: members reflect adds and removes", ModelSet, []Op{
			ok(0, "sadd", "s", "a", "1", 0, 10),
			ok(1, "sadd", "s", "b", "1", 20, 30),
			ok(1, "sadd", "s", "a", "0", 40, 50),
			ok(0, "srem", "s", "b", "1", 60, 70),
			ok(2, "smembers", "s", "", `["a"]`, 80, 90),
			ok(2, "sismember", "s", "b", "0", 100, 110),
			ok(2, "scard", "s", "", "1", 120, 130),
		}, Pass},
		{"set: lost member", ModelSet, []Op{
			ok(0, "sadd", "s", "a", "1", 0, 10),
			ok(1, "sadd", "s", "b", "1", 20, 30),
			ok(2, "smembers", "s", "", `["b"]`, 40, 50),
		}, Fail},
		{"set: empty set after last remove", ModelSet, []Op{
			ok(0, "sadd", "s", "a", "1", 0, 10),
			ok(0, "srem", "s", "a", "1", 20, 30),
			ok(1, "smembers", "s", "", `[]`, 40, 50),
			okNil(1, "smembers", "s", 60, 70),
		}, Pass},
		{"set: duplicate members in a reply", ModelSet, []Op{
			ok(0, "sadd", "s", "a", "1", 0, 10),
			ok(1, "smembers", "s", "", `["a","a"]`, 40, 50),
		}, Fail},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Linearizable(&History{Ops: c.ops}, c.model, 10*time.Second, "")
			if got.Verdict != c.want {
				t.Fatalf("verdict %s (%s), want %s", got.Verdict, got.Detail, c.want)
			}
		})
	}
}

func TestLinearizableFailWritesVisualization(t *testing.T) {
	h := &History{Ops: []Op{
		ok(0, "set", "fine", "x", "OK", 0, 10),
		ok(1, "get", "fine", "", "x", 20, 30),
		ok(0, "set", "stale", "a", "OK", 0, 10),
		ok(0, "set", "stale", "b", "OK", 20, 30),
		ok(1, "get", "stale", "", "a", 40, 50),
	}}
	vizPath := filepath.Join(t.TempDir(), "stale.html")
	got := Linearizable(h, ModelRegister, 10*time.Second, vizPath)
	if got.Verdict != Fail {
		t.Fatalf("verdict %s (%s), want fail", got.Verdict, got.Detail)
	}
	if !strings.Contains(got.Detail, `"stale"`) || strings.Contains(got.Detail, `"fine"`) {
		t.Errorf("detail %q should name the bad key and only it", got.Detail)
	}
	if len(got.Artifacts) != 1 || got.Artifacts[0] != vizPath {
		t.Fatalf("artifacts %v, want [%s]", got.Artifacts, vizPath)
	}
	html, err := os.ReadFile(vizPath)
	if err != nil {
		t.Fatalf("visualization not written: %v", err)
	}
	if !strings.Contains(string(html), "<html") || !strings.Contains(string(html), `get(\"stale\")`) {
		t.Errorf("visualization does not look like porcupine's HTML for our ops (%d bytes)", len(html))
	}
}

func TestLinearizableInvalidInputIsUnknown(t *testing.T) {
	cases := []struct {
		name, model string
		ops         []Op
	}{
		{"unknown model", "queue", nil},
		{"op outside the model", ModelRegister, []Op{ok(0, "lpush", "k", "a", "1", 0, 1)}},
		{"counter output not a number", ModelCounter, []Op{ok(0, "incr", "c", "", "one", 0, 1)}},
		{"smembers output not json", ModelSet, []Op{ok(0, "smembers", "s", "", "a b", 0, 1)}},
		{"return before call", ModelRegister, []Op{ok(0, "get", "k", "", "a", 10, 1)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Linearizable(&History{Ops: c.ops}, c.model, time.Second, "")
			if got.Verdict != Unknown {
				t.Fatalf("verdict %s (%s), want unknown", got.Verdict, got.Detail)
			}
		})
	}
}

// contendedHistory is hard for any linearizability checker: writers of
// distinct values all overlap, and so do readers that each saw a different
// one of them, on one key. A final read of a value nobody wrote makes it
// non-linearizable, which a checker can only conclude after trying every
// order of the overlapping ops (40 writers: far beyond any budget here).
func contendedHistory(writers int) *History {
	var h History
	for i := range writers {
		v := fmt.Sprint(i)
		h.Ops = append(h.Ops,
			ok(i, "set", "hot", v, "OK", time.Duration(i), time.Duration(1000+i)),
			ok(writers+i, "get", "hot", "", v, time.Duration(i), time.Duration(1000+i)))
	}
	h.Ops = append(h.Ops, ok(0, "get", "hot", "", "never-written", 5000, 5001))
	return &h
}

func TestLinearizableTimeoutIsUnknownNeverPass(t *testing.T) {
	// 1ns runs out before porcupine starts; 50ms runs out inside it.
	for _, budget := range []time.Duration{time.Nanosecond, 50 * time.Millisecond} {
		got := Linearizable(contendedHistory(40), ModelRegister, budget, "")
		if got.Verdict != Unknown {
			t.Fatalf("budget %v: verdict %s (%s), want unknown", budget, got.Verdict, got.Detail)
		}
		if !strings.Contains(got.Detail, "time budget") || got.Measured["keys_undecided"] != 1 {
			t.Fatalf("budget %v: detail %q / measured %v should say the budget ran out on 1 key", budget, got.Detail, got.Measured)
		}
	}
}

func BenchmarkLinearizableRegister(b *testing.B) {
	// 1000 keys, 10 ops each, pairs of overlapping writes and reads.
	var h History
	for k := range 1000 {
		key := fmt.Sprint("key", k)
		for i := range 5 {
			base := time.Duration(i * 100)
			v := fmt.Sprint(i)
			h.Ops = append(h.Ops,
				ok(0, "set", key, v, "OK", base, base+50),
				ok(1, "get", key, "", v, base+40, base+90))
		}
	}
	b.ResetTimer()
	for range b.N {
		if r := Linearizable(&h, ModelRegister, time.Minute, ""); r.Verdict != Pass {
			b.Fatal(r.Detail)
		}
	}
	b.ReportMetric(float64(len(h.Ops)*b.N)/b.Elapsed().Seconds(), "ops/s")
}
