package server

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/rueidis"

	"syslab/engines/cache"
)

// waitMessage reads one Pub/Sub message within a deadline.
func waitMessage(t *testing.T, ch <-chan *redis.Message) *redis.Message {
	t.Helper()
	select {
	case m := <-ch:
		return m
	case <-time.After(5 * time.Second):
		t.Fatal("no Pub/Sub message within 5s")
		return nil
	}
}

func testGoRedisPubSub(t *testing.T, protocol int) {
	s := startServer(t, cache.Config{})
	ctx := context.Background()
	sub := redis.NewClient(&redis.Options{Addr: s.Addr(), Protocol: protocol})
	defer sub.Close()
	pub := redis.NewClient(&redis.Options{Addr: s.Addr(), Protocol: protocol})
	defer pub.Close()

	ps := sub.Subscribe(ctx, "news", "sport")
	defer ps.Close()
	if _, err := ps.Receive(ctx); err != nil { // the first confirmation
		t.Fatal(err)
	}
	if _, err := ps.Receive(ctx); err != nil {
		t.Fatal(err)
	}
	if err := ps.PSubscribe(ctx, "n*"); err != nil {
		t.Fatal(err)
	}
	ch := ps.Channel()
	// PSUBSCRIBE's confirmation is read by the channel goroutine; wait
	// until the server counts the pattern.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if n, _ := pub.PubSubNumPat(ctx).Result(); n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("PSUBSCRIBE never took effect")
		}
	}
	if n, err := pub.Publish(ctx, "news", "hello").Result(); err != nil || n != 2 {
		t.Fatalf("PUBLISH news = %d, %v; want 2 receivers (channel and pattern)", n, err)
	}
	got := []string{}
	for range 2 {
		m := waitMessage(t, ch)
		got = append(got, m.Channel+"/"+m.Pattern+"/"+m.Payload)
	}
	if strings.Join(got, " ") != "news//hello news/n*/hello" {
		t.Fatalf("messages = %v", got)
	}
	if n, err := pub.PubSubNumSub(ctx, "news", "none").Result(); err != nil || n["news"] != 1 || n["none"] != 0 {
		t.Fatalf("NUMSUB = %v, %v", n, err)
	}
	if err := ps.Ping(ctx); err != nil { // allowed in subscribed mode
		t.Fatal(err)
	}
	if err := ps.Unsubscribe(ctx, "news"); err != nil {
		t.Fatal(err)
	}
	if err := ps.PUnsubscribe(ctx); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if n, _ := pub.Publish(ctx, "sport", "goal").Result(); n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("UNSUBSCRIBE never took effect")
		}
	}
	if m := waitMessage(t, ch); m.Channel != "sport" {
		t.Fatalf("after unsubscribing news got %v", m)
	}
	// The subscriber's pool still serves ordinary commands.
	if err := sub.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
}

func TestGoRedisPubSubRESP2(t *testing.T) { testGoRedisPubSub(t, 2) }
func TestGoRedisPubSubRESP3(t *testing.T) { testGoRedisPubSub(t, 3) }

// go-redis v9 with Protocol 3 negotiates RESP3 with HELLO and reads RESP3
// replies (maps, nulls) for ordinary commands.
func TestGoRedisRESP3(t *testing.T) {
	s := startServer(t, cache.Config{})
	ctx := context.Background()
	c := redis.NewClient(&redis.Options{Addr: s.Addr(), Protocol: 3, ClientName: "r3"})
	defer c.Close()
	hello, err := c.Do(ctx, "HELLO", "3").Result()
	if err != nil {
		t.Fatal(err)
	}
	m, ok := hello.(map[interface{}]interface{})
	if !ok || m["proto"] != int64(3) || m["server"] != "redis" {
		t.Fatalf("HELLO 3 = %#v", hello)
	}
	if name, err := c.ClientGetName(ctx).Result(); err != nil || name != "r3" {
		t.Fatalf("CLIENT GETNAME = %q, %v", name, err)
	}
	if _, err := c.Get(ctx, "missing").Result(); err != redis.Nil {
		t.Fatalf("GET missing: %v", err)
	}
	if err := c.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if got, err := c.Get(ctx, "k").Result(); err != nil || got != "v" {
		t.Fatalf("GET = %q, %v", got, err)
	}
}

// rueidis speaks RESP3 with client-side caching on (CLIENT TRACKING ON
// OPTIN). A cached GET must be invalidated when another connection writes
// the key, and the next DoCache must fetch the new value.
func TestRueidisClientSideCaching(t *testing.T) {
	s := startServer(t, cache.Config{})
	ctx := context.Background()
	client, err := rueidis.NewClient(rueidis.ClientOption{InitAddress: []string{s.Addr()}, DisableRetry: true, ForceSingleClient: true})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	writer := redis.NewClient(&redis.Options{Addr: s.Addr(), Protocol: 2})
	defer writer.Close()

	// DoCache normally wraps the read in MULTI / PTTL / EXEC to learn the
	// TTL; ToStaticTTL skips the transaction (CLIENT CACHING YES, GET).
	// Run the default form too when this build has MULTI.
	forms := map[string]func(key string) rueidis.Cacheable{
		"static-ttl": func(key string) rueidis.Cacheable { return client.B().Get().Key(key).Cache().ToStaticTTL() },
	}
	if err := writer.Do(ctx, "MULTI").Err(); err == nil || !strings.Contains(err.Error(), "unknown command") {
		writer.Do(ctx, "DISCARD")
		forms["multi-pttl"] = func(key string) rueidis.Cacheable { return client.B().Get().Key(key).Cache() }
	} else {
		t.Log("NOTE: MULTI is not in this build; only the ToStaticTTL form of DoCache is tested")
	}
	for name, cmd := range forms {
		t.Run(name, func(t *testing.T) {
			key := "csc:" + name
			if err := writer.Set(ctx, key, "v1", 0).Err(); err != nil {
				t.Fatal(err)
			}
			get := func() (string, bool) {
				r := client.DoCache(ctx, cmd(key), time.Minute)
				v, err := r.ToString()
				if err != nil {
					t.Fatalf("DoCache GET: %v", err)
				}
				return v, r.IsCacheHit()
			}
			if v, hit := get(); v != "v1" || hit {
				t.Fatalf("first DoCache = %q (hit %v), want v1 from the server", v, hit)
			}
			if v, hit := get(); v != "v1" || !hit {
				t.Fatalf("second DoCache = %q (hit %v), want v1 from the local cache", v, hit)
			}
			if err := writer.Set(ctx, key, "v2", 0).Err(); err != nil {
				t.Fatal(err)
			}
			for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
				v, _ := get()
				if v == "v2" {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("DoCache still returns %q 5s after another connection's SET: no invalidation", v)
				}
			}
		})
	}
}
