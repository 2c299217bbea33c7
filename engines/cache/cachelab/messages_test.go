package cachelab

import (
	"bytes"
	"reflect"
	"testing"

	"syslab/engines/cache"
	"syslab/lab/engine"
	"syslab/live"
	"syslab/node"
)

// Every message the cache sends between nodes must cross live's codec:
// MIGRATE's request and ack among them.
func TestMigrateMessagesCrossTheLiveCodec(t *testing.T) {
	cl, err := New().Build(engine.Spec{Nodes: []node.ID{"cache-1", "cache-2"}})
	if err != nil {
		t.Fatal(err)
	}
	for name, prototype := range cl.Messages {
		live.RegisterValue(name, prototype)
	}
	for _, msg := range []node.Message{
		cache.MigrateRequest{Incarnation: 9, Attempt: 3, DB: 2, Replace: true, Username: "default", Password: "pw",
			Keys: []cache.MigrateKey{{Key: []byte("k"), TTLMillis: 1500, Payload: []byte{0, 1, 'v', 10, 0, 1, 2, 3, 4, 5, 6, 7}}}},
		cache.MigrateAck{Incarnation: 9, Attempt: 3, Err: "BUSYKEY Target key name already exists."},
	} {
		var buf bytes.Buffer
		if err := live.Encode(&buf, "cache-1", "cache-2", msg); err != nil {
			t.Fatalf("encode %T: %v", msg, err)
		}
		_, _, got, err := live.Decode(&buf)
		if err != nil {
			t.Fatalf("decode %T: %v", msg, err)
		}
		if !reflect.DeepEqual(got, msg) {
			t.Fatalf("%T: decoded %+v, want %+v", msg, got, msg)
		}
	}
}
