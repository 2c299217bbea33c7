package cachelab

import (
	"testing"

	"syslab/engines/cache/resp"
	"syslab/node"
)

// A CLUSTER NODES answer as redis-server 7.0 writes it (ids shortened).
const nodesSample = `07c37dfeb235213a872192d90877d0cd55635b91 c4:6379@16379 slave e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca 0 1426238317239 4 connected
67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1 c2:6379@16379 master - 0 1426238316232 2 connected 5461-10922
292f8b365bb7edb5e285caf0b7e6ddc7265d2f4f c3:6379@16379 master - 0 1426238318243 3 connected 10923-16383 [10923->-67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1]
e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca c1:6379@16379,host1 myself,master - 0 0 1 connected 0-5460
`

func TestParseClusterNodes(t *testing.T) {
	lines, err := parseClusterNodes(nodesSample)
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != 4 {
		t.Fatalf("%d lines", len(lines))
	}
	me := lines[3]
	if !me.has("myself") || me.host != "c1" || me.addr != "c1:6379" || me.epoch != 1 || len(me.slots) != 1 || me.slots[0] != [2]int{0, 5460} {
		t.Fatalf("myself line: %+v", me)
	}
	if lines[0].masterOf != me.name || lines[0].host != "c4" {
		t.Fatalf("replica line: %+v", lines[0])
	}
	if len(lines[2].slots) != 1 {
		t.Fatalf("a migration marker was read as a slot range: %+v", lines[2].slots)
	}
	sig := configSignature(lines)
	if want := "292f8b365bb7edb5e285caf0b7e6ddc7265d2f4f:10923-16383|67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1:5461-10922|e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca:0-5460"; sig != want {
		t.Fatalf("signature %q", sig)
	}
	for _, bad := range []string{"x y z", "a c1:6379@1 master - 0 0 notanumber connected", "a c1:6379 master - 0 0 1 connected 9-3", "a c1:6379 master - 0 0 1 connected 16384"} {
		if _, err := parseClusterNodes(bad); err == nil {
			t.Errorf("parseClusterNodes(%q) took it", bad)
		}
	}
}

func TestParseRedirect(t *testing.T) {
	cases := []struct {
		in   string
		want redirect
		bad  bool
	}{
		{"MOVED 3999 c2:6379", redirect{slot: 3999, to: "c2"}, false},
		{"ASK 3999 127.0.0.1:6381", redirect{ask: true, slot: 3999, to: "127.0.0.1"}, false},
		{"MOVED 16384 c2:6379", redirect{}, true},
		{"MOVED 1 c2", redirect{}, true},
		{"TRYAGAIN Multiple keys request during rehashing of slot", redirect{}, true},
	}
	for _, c := range cases {
		got, err := parseRedirect(c.in)
		if (err != nil) != c.bad || (!c.bad && got != c.want) {
			t.Errorf("parseRedirect(%q) = %+v, %v", c.in, got, err)
		}
	}
}

func bulk(s string) resp.Value          { return resp.Value{Kind: resp.BulkString, Str: []byte(s)} }
func integer(n int64) resp.Value        { return resp.Value{Kind: resp.Integer, Int: n} }
func array(vs ...resp.Value) resp.Value { return resp.Value{Kind: resp.Array, Elems: vs} }

func TestParseClusterSlots(t *testing.T) {
	v := array(
		array(integer(0), integer(5460), array(bulk("c1"), integer(6379), bulk("id1")), array(bulk("c4"), integer(6379), bulk("id4"))),
		array(integer(5461), integer(10922), array(bulk("c2"), integer(6379), bulk("id2"))),
	)
	got, err := parseClusterSlots(v)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].master != "c1" || len(got[0].replicas) != 1 || got[0].replicas[0] != node.ID("c4") || got[1].last != 10922 {
		t.Fatalf("%+v", got)
	}
	if _, err := parseClusterSlots(array(array(integer(5), integer(2), array(bulk("c1"), integer(1))))); err == nil {
		t.Fatal("a reversed range was taken")
	}
}

func FuzzParseClusterNodes(f *testing.F) {
	f.Add(nodesSample)
	f.Add("a :0@0 myself,master - 0 0 0 connected")
	f.Add("a c1:1 master - 0 0 1 connected 1-2 [3-<-b] 7")
	f.Fuzz(func(t *testing.T, text string) {
		lines, err := parseClusterNodes(text)
		if err != nil {
			return
		}
		for _, l := range lines {
			for _, r := range l.slots {
				if r[0] < 0 || r[1] < r[0] || r[1] >= 16384 {
					t.Fatalf("bad range %v accepted from %q", r, text)
				}
			}
		}
		_ = configSignature(lines)
	})
}

func FuzzParseRedirect(f *testing.F) {
	f.Add("MOVED 3999 c2:6379")
	f.Add("ASK 0 [::1]:6379")
	f.Add("MOVED -1 x:1")
	f.Fuzz(func(t *testing.T, msg string) {
		r, err := parseRedirect(msg)
		if err == nil && (r.slot < 0 || r.slot >= 16384) {
			t.Fatalf("slot %d accepted from %q", r.slot, msg)
		}
	})
}
