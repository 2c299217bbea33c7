package server

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"testing"

	dto "github.com/prometheus/client_model/go"

	"syslab/engines/cache"
	"syslab/live/promexport"
)

// metricValue reads one series from the exporter: a counter's or gauge's
// value, or a histogram's sample count; -1 when the series does not exist.
func metricValue(t *testing.T, e *promexport.Exporter, family, labelName, labelValue string) float64 {
	t.Helper()
	mfs, err := e.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != family {
			continue
		}
		for _, m := range mf.GetMetric() {
			if labelName != "" && !hasLabel(m, labelName, labelValue) {
				continue
			}
			switch mf.GetType() {
			case dto.MetricType_COUNTER:
				return m.GetCounter().GetValue()
			case dto.MetricType_GAUGE:
				return m.GetGauge().GetValue()
			case dto.MetricType_HISTOGRAM:
				return float64(m.GetHistogram().GetSampleCount())
			}
		}
	}
	return -1
}

func hasLabel(m *dto.Metric, name, value string) bool {
	for _, l := range m.GetLabel() {
		if l.GetName() == name && l.GetValue() == value {
			return true
		}
	}
	return false
}

// TestServerMetrics pipelines known commands over a raw socket and checks
// every server-side metric against what was sent and received.
func TestServerMetrics(t *testing.T) {
	exp := promexport.New(promexport.Config{NoRuntimeMetrics: true})
	s, err := Start(Config{Addr: "127.0.0.1:0", Dir: t.TempDir(), Cache: cache.Config{Hz: 10, Databases: 16}, Metrics: exp})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })

	const pairs = 50
	var request bytes.Buffer
	for i := range pairs {
		key := fmt.Sprintf("key:%d", i)
		fmt.Fprintf(&request, "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$5\r\nvalue\r\n", len(key), key)
		fmt.Fprintf(&request, "*2\r\n$3\r\nGET\r\n$%d\r\n%s\r\n", len(key), key)
	}
	nc, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return metricValue(t, exp, "cache_connected_clients", "", "") == 1 })
	if _, err := nc.Write(request.Bytes()); err != nil {
		t.Fatal(err)
	}
	var received bytes.Buffer
	r := bufio.NewReader(io.TeeReader(nc, &received))
	for i := range 2 * pairs {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("reply %d: %v", i, err)
		}
		if line[0] == '$' { // the bulk string of a GET: its payload line
			if _, err := r.ReadString('\n'); err != nil {
				t.Fatalf("reply %d: %v", i, err)
			}
		}
	}
	nc.Close()

	// The latency of a reply is observed just after the flush that sent
	// it, so the client can see a reply a moment before it is counted.
	waitFor(t, func() bool {
		return metricValue(t, exp, "cache_command_duration_seconds", "", "") == 2*pairs &&
			metricValue(t, exp, "cache_connected_clients", "", "") == 0
	})
	for _, c := range []struct {
		family, labelName, labelValue string
		want                          float64
	}{
		{"cache_commands_total", "cmd", "set", pairs},
		{"cache_commands_total", "cmd", "get", pairs},
		{"cache_connections_received_total", "", "", 1},
		{"cache_net_input_bytes_total", "", "", float64(request.Len())},
		{"cache_net_output_bytes_total", "", "", float64(received.Len())},
	} {
		if got := metricValue(t, exp, c.family, c.labelName, c.labelValue); got != c.want {
			t.Errorf("%s{%s=%q} = %v, want %v", c.family, c.labelName, c.labelValue, got, c.want)
		}
	}
	// The cron publishes the keyspace gauges ten times a second.
	waitFor(t, func() bool { return metricValue(t, exp, "cache_keys", "", "") == pairs })
	if used := metricValue(t, exp, "cache_used_memory_bytes", "", ""); used <= 0 {
		t.Errorf("cache_used_memory_bytes = %v, want > 0", used)
	}
}

// BenchmarkPipelinedGet measures what metrics cost the server: batches of
// 64 pipelined GETs on one connection, without and with the exporter.
func BenchmarkPipelinedGet(b *testing.B) {
	const depth = 64
	var batch bytes.Buffer
	for range depth {
		batch.WriteString("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n")
	}
	for _, metered := range []bool{false, true} {
		name := "metrics=off"
		cfg := Config{Addr: "127.0.0.1:0", Dir: b.TempDir(), Cache: cache.Config{Hz: 10, Databases: 16}}
		if metered {
			name = "metrics=on"
			cfg.Metrics = promexport.New(promexport.Config{NoRuntimeMetrics: true})
		}
		b.Run(name, func(b *testing.B) {
			s, err := Start(cfg)
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			nc, err := net.Dial("tcp", s.Addr())
			if err != nil {
				b.Fatal(err)
			}
			defer nc.Close()
			r := bufio.NewReader(nc)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := nc.Write(batch.Bytes()); err != nil {
					b.Fatal(err)
				}
				for range depth {
					if _, err := r.ReadString('\n'); err != nil { // "$-1": k is never set
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(b.N*depth)/b.Elapsed().Seconds(), "cmds/s")
		})
	}
}
