package server

import (
	"bufio"
	"bytes"
	"net"
	"strconv"
	"sync"
	"testing"

	"syslab/engines/cache"
	"syslab/engines/cache/resp"
)

// The benchmarks below drive a real server over loopback with a raw RESP
// client, as redis-benchmark does: conns connections, each sending
// pipeline commands at a time and reading their replies before the next
// batch. One b.N is one command answered. Profile the adapter, the
// runtime and the node together with
//
//	go test ./engines/cache/server -run '^$' -bench Server -cpuprofile cpu.out

const (
	benchConns   = 50     // redis-benchmark's default -c
	benchKeys    = 100000 // redis-benchmark -r 100000
	benchValueSz = 3      // redis-benchmark's default -d
)

func BenchmarkServerGetP1(b *testing.B)  { benchServer(b, "GET", 1) }
func BenchmarkServerGetP16(b *testing.B) { benchServer(b, "GET", 16) }
func BenchmarkServerSetP1(b *testing.B)  { benchServer(b, "SET", 1) }
func BenchmarkServerSetP16(b *testing.B) { benchServer(b, "SET", 16) }

func benchServer(b *testing.B, command string, pipeline int) {
	s, err := Start(Config{Addr: "127.0.0.1:0", Dir: b.TempDir(), Cache: cache.Config{}})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	value := bytes.Repeat([]byte("x"), benchValueSz)
	// Preload the keys so GETs hit, as after redis-benchmark's SET test.
	loader := dialBench(b, s)
	for i := 0; i < benchKeys; i += 1000 {
		var batch []byte
		for j := i; j < i+1000; j++ {
			batch = resp.AppendCommand(batch, []byte("SET"), benchKey(j), value)
		}
		loader.roundTrip(b, batch, 1000)
	}
	loader.nc.Close()

	conns := make([]*benchConn, benchConns)
	for i := range conns {
		conns[i] = dialBench(b, s)
	}
	// Each connection gets a share of b.N, rounded up to whole batches.
	perConn := (b.N + benchConns - 1) / benchConns
	batches := (perConn + pipeline - 1) / pipeline
	b.ReportAllocs()
	b.ResetTimer()
	var wg sync.WaitGroup
	for ci, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := uint64(ci)*0x9e3779b97f4a7c15 + 1
			var batch []byte
			for range batches {
				batch = batch[:0]
				for range pipeline {
					rng ^= rng << 13
					rng ^= rng >> 7
					rng ^= rng << 17
					key := benchKey(int(rng % benchKeys))
					if command == "GET" {
						batch = resp.AppendCommand(batch, []byte("GET"), key)
					} else {
						batch = resp.AppendCommand(batch, []byte("SET"), key, value)
					}
				}
				c.roundTrip(b, batch, pipeline)
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	for _, c := range conns {
		c.nc.Close()
	}
}

func benchKey(i int) []byte {
	return strconv.AppendInt([]byte("key:"), int64(i), 10)
}

type benchConn struct {
	nc net.Conn
	rd *resp.Reader
}

func dialBench(b *testing.B, s *Server) *benchConn {
	nc, err := net.Dial("tcp", s.Addr())
	if err != nil {
		b.Fatal(err)
	}
	return &benchConn{nc: nc, rd: resp.NewReader(bufio.NewReaderSize(nc, 16<<10))}
}

// roundTrip writes batch and reads n replies, failing on an error reply.
func (c *benchConn) roundTrip(b *testing.B, batch []byte, n int) {
	if _, err := c.nc.Write(batch); err != nil {
		b.Error(err)
		return
	}
	for range n {
		v, err := c.rd.ReadReply()
		if err != nil {
			b.Error(err)
			return
		}
		if v.Kind == resp.Error {
			b.Errorf("error reply: %s", v.Str)
			return
		}
	}
}
