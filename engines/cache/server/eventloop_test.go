package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"syslab/engines/cache"
)

// A client that sends a long pipeline before reading any reply gets them
// all, in order, although they far exceed what the sockets buffer: the
// loop keeps what the socket would not take and writes it as the client
// reads.
func TestRepliesLargerThanTheSocketBuffersWaitForTheReader(t *testing.T) {
	s := startServer(t, cache.Config{})
	c := dialRaw(t, s)
	value := strings.Repeat("v", 64<<10)
	c.send(t, []string{"SET", "big", value})
	c.expect(t, `"OK"`)
	const gets = 300 // ~19 MiB of replies
	var cmds [][]string
	for i := range gets {
		cmds = append(cmds, []string{"GET", "big"}, []string{"ECHO", strconv.Itoa(i)})
	}
	c.send(t, cmds...)
	for i := range gets {
		v, err := c.rd.ReadReply()
		if err != nil || len(v.Str) != len(value) {
			t.Fatalf("reply %d: %d bytes, %v", i, len(v.Str), err)
		}
		c.expect(t, strconv.Quote(strconv.Itoa(i)))
	}
}

// A request larger than any one read arrives in pieces; the loop keeps
// the part it has until the rest comes.
func TestLargeRequestArrivesInPieces(t *testing.T) {
	s := startServer(t, cache.Config{})
	c := dialRaw(t, s)
	value := bytes.Repeat([]byte("0123456789"), 1<<20) // 10 MiB
	request := []byte("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$" + strconv.Itoa(len(value)) + "\r\n")
	request = append(append(request, value...), "\r\n"...)
	for len(request) > 0 {
		n := min(len(request), 777_777)
		if _, err := c.nc.Write(request[:n]); err != nil {
			t.Fatal(err)
		}
		request = request[n:]
	}
	c.expect(t, `"OK"`)
	c.send(t, []string{"STRLEN", "k"})
	c.expect(t, "(integer) "+strconv.Itoa(len(value)))
}

// A client that shuts down its sending side after its requests still gets
// the replies to what the server read before the end of the stream.
func TestHalfClosedClientGetsItsReplies(t *testing.T) {
	s := startServer(t, cache.Config{})
	c := dialRaw(t, s)
	c.send(t, []string{"SET", "k", "v"}, []string{"GET", "k"})
	if err := c.nc.(*net.TCPConn).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	c.expect(t, `"OK"`)
	c.expect(t, `"v"`)
	if _, err := c.rd.ReadReply(); !errors.Is(err, io.EOF) {
		t.Fatalf("after the replies: %v, want the end of the stream", err)
	}
}

// A subscriber that stops reading while messages keep coming is closed
// once its backlog passes Redis's default pubsub output limit (32mb hard),
// instead of making the server hold its messages without end; the
// publisher is unaffected.
func TestSubscriberThatStopsReadingIsClosed(t *testing.T) {
	const pubsubHardLimitBytes = 32 << 20
	s := startServer(t, cache.Config{})
	sub := dialRaw(t, s)
	sub.send(t, []string{"SUBSCRIBE", "ch"})
	sub.expect(t, `["subscribe" "ch" (integer) 1]`)
	pub := dialRaw(t, s)
	message := strings.Repeat("m", 64<<10)
	closed := false
	for i := 0; i < 2*pubsubHardLimitBytes/len(message) && !closed; i++ {
		pub.send(t, []string{"PUBLISH", "ch", message})
		v, err := pub.rd.ReadReply()
		if err != nil {
			t.Fatalf("publish %d: %v", i, err)
		}
		closed = v.String() == "(integer) 0"
	}
	if !closed {
		t.Fatal("the subscriber was never dropped: PUBLISH kept reaching it")
	}
	// The subscriber reads what was written before the close, then the end.
	sub.nc.SetReadDeadline(time.Now().Add(30 * time.Second))
	if _, err := io.Copy(io.Discard, sub.nc); err != nil {
		t.Fatalf("the subscriber's stream did not end cleanly: %v", err)
	}
}

// Many clients at once, each with its own pipeline, each get their own
// replies.
func TestManyConnectionsEachGetTheirReplies(t *testing.T) {
	s := startServer(t, cache.Config{})
	const clients = 200
	conns := make([]*rawConn, clients)
	for i := range conns {
		conns[i] = dialRaw(t, s)
		conns[i].send(t, []string{"SET", "k" + strconv.Itoa(i), strconv.Itoa(i)}, []string{"GET", "k" + strconv.Itoa(i)})
	}
	for i, c := range conns {
		c.expect(t, `"OK"`)
		c.expect(t, strconv.Quote(strconv.Itoa(i)))
	}
}

// Replies and pushes arrive from the loop (other clients' commands) and
// from the runtime's goroutine (BLPOP timeouts) at once, for many
// connections; each connection still gets everything, in order.
func TestConcurrentDeliveriesKeepEachConnectionsOrder(t *testing.T) {
	s := startServer(t, cache.Config{})
	const subscribers, messages = 8, 300
	subs := make([]*rawConn, subscribers)
	for i := range subs {
		subs[i] = dialRaw(t, s)
		subs[i].send(t, []string{"SUBSCRIBE", "ch"})
		subs[i].expect(t, `["subscribe" "ch" (integer) `+"1]")
	}
	// Blocked pops that time out fire on the runtime's timers while the
	// publisher's commands run on the loop.
	waiters := make([]*rawConn, 8)
	for i := range waiters {
		waiters[i] = dialRaw(t, s)
		var cmds [][]string
		for range 20 {
			cmds = append(cmds, []string{"BLPOP", "nothing", "0.01"})
		}
		waiters[i].send(t, cmds...)
	}
	pub := dialRaw(t, s)
	for i := range messages {
		pub.send(t, []string{"PUBLISH", "ch", strconv.Itoa(i)})
	}
	for range messages {
		pub.expect(t, "(integer) "+strconv.Itoa(subscribers))
	}
	for _, sub := range subs {
		for i := range messages {
			sub.expect(t, `["message" "ch" "`+strconv.Itoa(i)+`"]`)
		}
	}
	for _, w := range waiters {
		for range 20 {
			w.expect(t, "(nil)")
		}
	}
}

// With several event loops, connections spread over them still share
// one node: a write on one loop's connection is read on another's, and a
// publish reaches subscribers on every loop, in order.
func TestSeveralEventLoopsServeOneNode(t *testing.T) {
	s, err := Start(Config{Addr: "127.0.0.1:0", Dir: t.TempDir(), IOThreads: 3})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if len(s.loops) != 3 {
		t.Fatalf("%d loops, want 3", len(s.loops))
	}
	subs := make([]*rawConn, 6) // two on each loop
	for i := range subs {
		subs[i] = dialRaw(t, s)
		subs[i].send(t, []string{"SUBSCRIBE", "ch"})
		subs[i].expect(t, `["subscribe" "ch" (integer) 1]`)
	}
	writer, reader := dialRaw(t, s), dialRaw(t, s)
	for i := range 100 {
		writer.send(t, []string{"SET", "k", strconv.Itoa(i)}, []string{"PUBLISH", "ch", strconv.Itoa(i)})
		writer.expect(t, `"OK"`)
		writer.expect(t, "(integer) 6")
		reader.send(t, []string{"GET", "k"})
		reader.expect(t, strconv.Quote(strconv.Itoa(i)))
	}
	for _, sub := range subs {
		for i := range 100 {
			sub.expect(t, `["message" "ch" "`+strconv.Itoa(i)+`"]`)
		}
	}
}

// Many unpipelined clients at once: their requests reach the node in
// rounds of several clients (cache.Round), and each still gets its own
// replies, in order, with every write applied once.
func TestConcurrentClientsShareRounds(t *testing.T) {
	s := startServer(t, cache.Config{})
	const clients, increments = 40, 300
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := redis.NewClient(&redis.Options{Addr: s.Addr(), Protocol: 2, PoolSize: 1})
			defer c.Close()
			ctx := context.Background()
			key := "counter:" + strconv.Itoa(i)
			if i%2 == 1 { // half of them in another database
				if err := c.Do(ctx, "SELECT", 3).Err(); err != nil {
					errs <- err
					return
				}
			}
			for j := 1; j <= increments; j++ {
				got, err := c.Incr(ctx, key).Result()
				if err != nil || got != int64(j) {
					errs <- fmt.Errorf("client %d: INCR %s = %d, %v; want %d", i, key, got, err, j)
					return
				}
				if v, err := c.Get(ctx, key).Result(); err != nil || v != strconv.Itoa(j) {
					errs <- fmt.Errorf("client %d: GET %s = %q, %v; want %d", i, key, v, err, j)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
