package server

import (
	"context"
	"errors"
	"net"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"syslab/engines/cache"
	"syslab/engines/cache/resp"
)

// queryBufferOf is qbuf + qbuf-free of the connection named name in CLIENT
// LIST, as Redis's querybuf tests read it; -1 if it is not listed.
func queryBufferOf(t *testing.T, c *redis.Client, name string) int {
	t.Helper()
	list, err := c.ClientList(context.Background()).Result()
	if err != nil {
		t.Fatal(err)
	}
	fields := regexp.MustCompile(`qbuf=(\d+) qbuf-free=(\d+)`)
	for _, line := range strings.Split(list, "\n") {
		if !strings.Contains(line, " name="+name+" ") {
			continue
		}
		m := fields.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("CLIENT LIST line without qbuf fields: %s", line)
		}
		used, _ := strconv.Atoi(m[1])
		free, _ := strconv.Atoi(m[2])
		return used + free
	}
	return -1
}

// waitForQueryBuffer polls until ok(size) holds, failing after deadline.
func waitForQueryBuffer(t *testing.T, c *redis.Client, name string, deadline time.Duration, ok func(int) bool, want string) {
	t.Helper()
	end := time.Now().Add(deadline)
	for {
		size := queryBufferOf(t, c, name)
		if ok(size) {
			return
		}
		if time.Now().After(end) {
			t.Fatalf("query buffer of %s is %d bytes after %v, want %s", name, size, deadline, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A connection's query buffer holds 16 KiB after its first request and is
// given back after it idles more than two seconds; one grown by a big
// request shrinks to what the smaller ones since need. Redis's
// unit/querybuf checks the same.
func TestQueryBufferResizes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := startServer(t, cache.Config{})
	observer := newClient(t, s)

	idle := newClient(t, s).Conn()
	defer idle.Close()
	if err := idle.ClientSetName(ctx, "idle_client").Err(); err != nil {
		t.Fatal(err)
	}
	if size := queryBufferOf(t, observer, "idle_client"); size < 16384 || size >= 32768 {
		t.Fatalf("query buffer after one request: %d bytes, want 16 KiB to 32 KiB", size)
	}
	waitForQueryBuffer(t, observer, "idle_client", 10*time.Second, func(size int) bool { return size == 0 }, "0 once idle")

	busy := newClient(t, s).Conn()
	defer busy.Close()
	if err := busy.ClientSetName(ctx, "busy_client").Err(); err != nil {
		t.Fatal(err)
	}
	if err := busy.Set(ctx, "x", strings.Repeat("A", 400000), 0).Err(); err != nil {
		t.Fatal(err)
	}
	peak := queryBufferOf(t, observer, "busy_client")
	if peak <= 32768 {
		t.Fatalf("query buffer after a 400 KB request: %d bytes, want more than 32 KiB", peak)
	}
	end := time.Now().Add(5 * time.Second)
	for {
		if err := busy.Set(ctx, "x", strings.Repeat("A", 100), 0).Err(); err != nil {
			t.Fatal(err)
		}
		size := queryBufferOf(t, observer, "busy_client")
		if size > 0 && size < peak {
			break
		}
		if time.Now().After(end) {
			t.Fatalf("query buffer still %d bytes (peak %d) after 5 s of small requests, want it trimmed but not 0", size, peak)
		}
		time.Sleep(10 * time.Millisecond)
	}

	info, err := observer.Info(ctx, "clients").Result()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(info, "client_recent_max_input_buffer:") {
		t.Errorf("INFO clients lacks client_recent_max_input_buffer:\n%s", info)
	}
}

// client-query-buffer-limit, set at run time, reaches connections already
// open and those opened later: a client whose unfinished request passes
// it is closed, one under it is served, and the others are untouched.
func TestQueryBufferLimitClosesTheClientThatPassesIt(t *testing.T) {
	s := startServer(t, cache.Config{})
	admin := dialRaw(t, s)
	before := dialRaw(t, s) // opened before the limit is set
	before.send(t, []string{"PING"})
	before.expect(t, resp.Simple("PONG").String())

	admin.send(t, []string{"CONFIG", "SET", "client-query-buffer-limit", "1000"})
	admin.expect(t, resp.Err("ERR CONFIG SET failed (possibly related to argument 'client-query-buffer-limit') - argument must be between 1048576 and 9223372036854775807 inclusive").String())
	admin.send(t, []string{"CONFIG", "SET", "client-query-buffer-limit", "1mb"})
	admin.expect(t, resp.Simple("OK").String())
	admin.send(t, []string{"CONFIG", "GET", "client-query-buffer-limit"})
	admin.expect(t, resp.ArrayOf(resp.BulkFromString("client-query-buffer-limit"), resp.BulkFromString("1048576")).String())
	after := dialRaw(t, s)

	// A SET whose value is announced at 2 MB and sent half: the request
	// stays unparsed in the query buffer, past the limit.
	partial := "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2000000\r\n" + strings.Repeat("x", 1100000)
	for _, c := range []*rawConn{before, after} {
		// The write may itself fail once the server closed the
		// connection (a reset); the read below fails either way.
		c.nc.Write([]byte(partial))
		c.nc.SetReadDeadline(time.Now().Add(10 * time.Second))
		v, err := c.rd.ReadReply()
		var netErr net.Error
		switch {
		case err == nil:
			t.Fatalf("a client past the limit got a reply, %s; want its connection closed", v)
		case errors.As(err, &netErr) && netErr.Timeout():
			t.Fatal("a client past the limit is still connected 10 s on; want it closed")
		}
	}
	// A value under the limit is stored, and the admin was never affected.
	fine := dialRaw(t, s)
	fine.send(t, []string{"SET", "k", strings.Repeat("y", 900000)})
	fine.expect(t, resp.Simple("OK").String())
	admin.send(t, []string{"STRLEN", "k"})
	admin.expect(t, resp.Int(900000).String())
}
