package cache

import (
	"testing"

	"syslab/engines/cache/resp"
)

// Shard channel confirmations count shard channels only, and subscribed
// mode (RESP2) covers them, as in redis-server 7.0.
func TestShardPubsubAgreesWithRedis(t *testing.T) {
	steps := exact(
		"SUNSUBSCRIBE", "SUNSUBSCRIBE nothing", "SPUBLISH ch hello", "SPUBLISH", "SSUBSCRIBE",
		"PUBSUB SHARDCHANNELS", "PUBSUB SHARDNUMSUB", "PUBSUB SHARDNUMSUB a b",
		"PUBSUB SHARDCHANNELS a b", "PUBSUB CHANNELS a b", "PUBSUB ChAnNeLs a b",
		"MULTI", "SSUBSCRIBE a", "EXEC",
		"SSUBSCRIBE a b a", "SUBSCRIBE c", "PSUBSCRIBE p*", "SSUBSCRIBE d")
	steps = append(steps, unordered("PUBSUB SHARDCHANNELS", "PUBSUB SHARDCHANNELS a*")...) // Redis's dict order
	steps = append(steps, exact("PUBSUB SHARDNUMSUB a b zz", "PUBSUB CHANNELS",
		"GET k", "PING", "SUNSUBSCRIBE b zz d", "UNSUBSCRIBE", "PUNSUBSCRIBE", "SUNSUBSCRIBE", "GET k",
		"PUBSUB SHARDCHANNELS")...) // one channel left: Redis unsubscribes all in dict order
	forEachProtocol(t, Config{}, steps)
}

// SPUBLISH reaches shard subscribers, never channel or pattern ones, and
// PUBLISH does not reach shard subscribers.
func TestSpublishReachesShardSubscribersOnly(t *testing.T) {
	n, env := startNode(t, Config{})
	do(n, env, "shard", "SSUBSCRIBE news")
	do(n, env, "plain", "SUBSCRIBE news")
	do(n, env, "pattern", "PSUBSCRIBE n*")
	if got := do(n, env, "pub", "SPUBLISH news hi"); got != "(integer) 1" {
		t.Fatalf("SPUBLISH = %s, want 1 receiver", got)
	}
	if got := do(n, env, "pub", "PUBLISH news hey"); got != "(integer) 2" {
		t.Fatalf("PUBLISH = %s, want 2 receivers", got)
	}
	var got []string
	for _, p := range env.pushes {
		if len(p.push.Value.Elems) > 0 && p.push.Value.Kind == resp.Push {
			got = append(got, string(p.to)+":"+p.push.Value.String())
		}
	}
	want := []string{
		`shard:["smessage" "news" "hi"]`,
		`plain:["message" "news" "hey"]`,
		`pattern:["pmessage" "n*" "news" "hey"]`,
	}
	if len(got) != len(want) {
		t.Fatalf("pushes %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("push %d = %s, want %s", i, got[i], want[i])
		}
	}
	if got := do(n, env, "pub", "CLIENT LIST"); !contains(got, "ssub=1") {
		t.Errorf("CLIENT LIST does not count the shard subscription: %s", got)
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}
