package server

import (
	"context"
	"io"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"syslab/engines/cache"
)

// omemOf is the omem CLIENT LIST shows for the client named name; -1
// when it is gone.
func omemOf(t *testing.T, list string, name string) int64 {
	t.Helper()
	for _, line := range strings.Split(list, "\n") {
		if strings.Contains(line, " name="+name+" ") {
			m := regexp.MustCompile(` omem=(\d+) `).FindStringSubmatch(line)
			if m == nil {
				t.Fatalf("no omem in %q", line)
			}
			n, _ := strconv.ParseInt(m[1], 10, 64)
			return n
		}
	}
	return -1
}

// A subscriber that stops reading grows its omem in CLIENT LIST until its
// class's hard limit closes it; what was written before the close can
// still be read, then the stream ends.
func TestPubsubHardOutputLimit(t *testing.T) {
	s := startServer(t, cache.Config{})
	admin := newClient(t, s)
	ctx := context.Background()
	if err := admin.ConfigSet(ctx, "client-output-buffer-limit", "pubsub 100000 0 0").Err(); err != nil {
		t.Fatal(err)
	}
	sub := dialRaw(t, s)
	sub.send(t, []string{"CLIENT", "SETNAME", "slow"}, []string{"SUBSCRIBE", "foo"})
	sub.expect(t, `"OK"`)
	sub.expect(t, `["subscribe" "foo" (integer) 1]`)
	var omem, lastSeen int64
	message := strings.Repeat("x", 1000)
	deadline := time.Now().Add(60 * time.Second)
	for omem >= 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the subscriber was never closed; omem %d", omem)
		}
		admin.Publish(ctx, "foo", message)
		omem = omemOf(t, admin.ClientList(ctx).Val(), "slow")
		if omem > 0 {
			lastSeen = omem
		}
		if omem > 200000 {
			t.Fatalf("omem %d passed the hard limit without a close", omem)
		}
	}
	if lastSeen < 50000 {
		t.Fatalf("the last omem seen before the close was %d: the growth was not reported", lastSeen)
	}
	sub.nc.SetReadDeadline(time.Now().Add(30 * time.Second))
	if _, err := io.Copy(io.Discard, sub.nc); err != nil {
		t.Fatalf("the subscriber's stream did not end cleanly: %v", err)
	}
}

// A normal client's reply that alone passes the hard limit is never
// written: the client is closed and reads nothing.
func TestNormalHardOutputLimitDropsTheReply(t *testing.T) {
	s := startServer(t, cache.Config{})
	admin := newClient(t, s)
	ctx := context.Background()
	admin.ConfigSet(ctx, "client-output-buffer-limit", "normal 100000 0 0")
	item := strings.Repeat("x", 1000)
	for range 150 {
		admin.LPush(ctx, "mylist", item)
	}
	c := dialRaw(t, s)
	c.send(t, []string{"LRANGE", "mylist", "0", "-1"})
	c.nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	got, err := io.ReadAll(c.nc)
	if err != nil || len(got) != 0 {
		t.Fatalf("the client read %d bytes (%v), want none and the end", len(got), err)
	}
}

// A subscriber that stays above the soft limit longer than the soft
// seconds is closed even once nothing more is published.
func TestPubsubSoftOutputLimit(t *testing.T) {
	s := startServer(t, cache.Config{})
	admin := newClient(t, s)
	ctx := context.Background()
	admin.ConfigSet(ctx, "client-output-buffer-limit", "pubsub 0 100000 1")
	sub := dialRaw(t, s)
	sub.send(t, []string{"CLIENT", "SETNAME", "soft"}, []string{"SUBSCRIBE", "foo"})
	sub.expect(t, `"OK"`)
	sub.expect(t, `["subscribe" "foo" (integer) 1]`)
	message := strings.Repeat("x", 10000)
	// The output cannot have reached the soft limit before the first
	// publish, so a close earlier than a second after it is too early,
	// however slow the machine.
	firstPublish := time.Now()
	for omemOf(t, admin.ClientList(ctx).Val(), "soft") < 100000 {
		if time.Since(firstPublish) > 60*time.Second {
			t.Fatal("the subscriber's output never reached the soft limit")
		}
		admin.Publish(ctx, "foo", message)
	}
	for omemOf(t, admin.ClientList(ctx).Val(), "soft") >= 0 {
		if time.Since(firstPublish) > 60*time.Second {
			t.Fatal("the subscriber outlived its soft limit by far")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if held := time.Since(firstPublish); held <= time.Second {
		t.Fatalf("closed %v after the first publish, before the soft limit's second ran out", held)
	}
}
