package main

import (
	"testing"

	"syslab/node"
)

func TestParseReplicaOf(t *testing.T) {
	for _, tc := range []struct {
		value string
		want  node.ID
		ok    bool
	}{
		{"127.0.0.1 6379", "127.0.0.1:6379", true},
		{"  redis.internal   6380 ", "redis.internal:6380", true},
		{"::1 6379", "[::1]:6379", true},
		{"127.0.0.1:6379", "", false},
		{"127.0.0.1 0", "", false},
		{"127.0.0.1 http", "", false},
	} {
		got, err := parseReplicaOf(tc.value)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("parseReplicaOf(%q) = %q, %v; want %q (ok %v)", tc.value, got, err, tc.want, tc.ok)
		}
	}
}
