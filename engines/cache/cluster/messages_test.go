package cluster

import (
	"bytes"
	"encoding/gob"
	"reflect"
	"testing"
)

// Live mode carries bus messages with encoding/gob (live/codec.go): every
// message type must survive a round trip with all its fields.
func TestMessagesSurviveGob(t *testing.T) {
	h := peerHeader(peerName('b'), 7, "", 0, 100, SlotCount-1)
	h.Offset, h.ClusterOK, h.ManualPaused = 12345, true, true
	g := []Gossip{{Name: peerName('c'), PingSentMillis: 1, PongReceivedMillis: 2, IP: "nc", Port: 6379, BusPort: 16379, Flags: flagMaster | flagPFail}}
	var slots SlotBitmap
	slots.Set(42)
	samples := map[string]any{
		"cluster.Ping":                Ping{Header: h, Gossip: g},
		"cluster.Pong":                Pong{Header: h, Gossip: g},
		"cluster.Meet":                Meet{Header: h, Gossip: g},
		"cluster.Fail":                Fail{Header: h, Failing: peerName('c')},
		"cluster.FailoverAuthRequest": FailoverAuthRequest{Header: h, Force: true},
		"cluster.FailoverAuthAck":     FailoverAuthAck{Header: h},
		"cluster.Update":              Update{Header: h, Name: peerName('c'), ConfigEpoch: 9, Slots: slots},
		"cluster.MFStart":             MFStart{Header: h},
	}
	for name, proto := range Messages() {
		msg, ok := samples[name]
		if !ok {
			t.Errorf("no sample for %s", name)
			continue
		}
		if reflect.TypeOf(msg) != reflect.TypeOf(proto) {
			t.Errorf("%s: sample is %T, registry says %T", name, msg, proto)
		}
		var buf bytes.Buffer
		if err := gob.NewEncoder(&buf).Encode(msg); err != nil {
			t.Fatalf("%s: encode: %v", name, err)
		}
		out := reflect.New(reflect.TypeOf(msg))
		if err := gob.NewDecoder(&buf).DecodeValue(out); err != nil {
			t.Fatalf("%s: decode: %v", name, err)
		}
		if got := out.Elem().Interface(); !reflect.DeepEqual(got, msg) {
			t.Errorf("%s: round trip changed the message:\n got  %+v\n want %+v", name, got, msg)
		}
	}
}
