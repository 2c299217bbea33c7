package check

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"time"
)

func sampleHistory() *History {
	return &History{
		Ops: []Op{
			{Client: 0, Kind: "set", Key: "k", Input: "a", Status: StatusOK, Call: 10, Return: 20},
			{Client: 1, Kind: "get", Key: "k", Output: "a", Status: StatusOK, Call: 25, Return: 30},
			{Client: 2, Kind: "get", Key: "missing", Nil: true, Status: StatusOK, Call: 25, Return: 31},
			{Client: 1, Kind: "set", Key: "k", Input: "b", Status: StatusInfo, Error: "i/o timeout", Call: 40},
			{Client: 3, Kind: "del", Key: "k", Status: StatusFail, Error: "READONLY You can't write against a read only replica.", Call: 50, Return: 52},
		},
		Meta: map[string]string{"seed": "42", "engine": "cache"},
	}
}

func TestHistoryRoundTrip(t *testing.T) {
	h := sampleHistory()
	var buf bytes.Buffer
	if err := h.Write(&buf); err != nil {
		t.Fatal(err)
	}
	got, err := ReadHistory(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatalf("ReadHistory of our own output: %v\n%s", err, buf.String())
	}
	if !reflect.DeepEqual(got, h) {
		t.Fatalf("round trip changed the history:\n got %+v\nwant %+v", got, h)
	}
	var again bytes.Buffer
	if err := got.Write(&again); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), again.Bytes()) {
		t.Fatalf("Write is not deterministic:\n%s\n%s", buf.String(), again.String())
	}
}

func TestReadHistoryRejects(t *testing.T) {
	cases := []struct {
		name, json, wantErr string
	}{
		{"not json", `{"ops": [`, "read history"},
		{"unknown field", `{"ops":[{"client":0,"op":"get","key":"k","status":"ok","call_ns":1,"return_ns":2,"colour":"red"}]}`, "unknown field"},
		{"trailing data", `{"ops":[]} {}`, "after the history"},
		{"bad status", `{"ops":[{"client":0,"op":"get","key":"k","status":"maybe","call_ns":1,"return_ns":2}]}`, `unknown status "maybe"`},
		{"missing status", `{"ops":[{"client":0,"op":"get","key":"k","call_ns":1,"return_ns":2}]}`, `missing "status"`},
		{"missing op", `{"ops":[{"client":0,"key":"k","status":"ok","call_ns":1,"return_ns":2}]}`, `missing "op"`},
		{"return before call", `{"ops":[{"client":0,"op":"get","key":"k","status":"ok","call_ns":5,"return_ns":2}]}`, "before call_ns"},
		{"negative client", `{"ops":[{"client":-1,"op":"get","key":"k","status":"ok","call_ns":1,"return_ns":2}]}`, "negative client"},
		{"nil with output", `{"ops":[{"client":0,"op":"get","key":"k","status":"ok","nil":true,"output":"x","call_ns":1,"return_ns":2}]}`, "nil read with output"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ReadHistory(strings.NewReader(c.json))
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Fatalf("ReadHistory error = %v, want one containing %q", err, c.wantErr)
			}
		})
	}
}

func TestReadHistoryInfoWithoutReturn(t *testing.T) {
	h, err := ReadHistory(strings.NewReader(`{"ops":[{"client":3,"op":"set","key":"k","input":"v","status":"info","call_ns":7}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := h.Ops[0]; got.Status != StatusInfo || got.Return != 0 || got.Call != 7*time.Nanosecond {
		t.Fatalf("op = %+v", got)
	}
}

func FuzzReadHistory(f *testing.F) {
	var buf bytes.Buffer
	if err := sampleHistory().Write(&buf); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte(`{"ops":[]}`))
	f.Add([]byte(`{"ops":[{"client":0,"op":"incr","key":"c","input":"5","output":"5","status":"ok","call_ns":1,"return_ns":2}]}`))
	f.Add([]byte(`{"ops":[{"client":0,"op":"smembers","key":"s","output":"[\"a\",\"b\"]","status":"ok","call_ns":1,"return_ns":2}]}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := ReadHistory(bytes.NewReader(data))
		if err != nil {
			return
		}
		// Whatever parses must survive a round trip and every checker.
		var out bytes.Buffer
		if err := h.Write(&out); err != nil {
			t.Fatalf("Write of a parsed history: %v", err)
		}
		again, err := ReadHistory(&out)
		if err != nil {
			t.Fatalf("re-reading our own output: %v\n%s", err, out.String())
		}
		if len(again.Ops) != len(h.Ops) {
			t.Fatalf("round trip kept %d of %d ops", len(again.Ops), len(h.Ops))
		}
		if len(h.Ops) <= 8 {
			for _, m := range ModelNames() {
				Linearizable(h, m, time.Second, "")
			}
		}
		LostWrites(h, nil, []time.Duration{time.Second}).Check(time.Second)
		Latency(h, "", 0.99, time.Second)
		ErrorRate(h, "", 0.01)
	})
}
