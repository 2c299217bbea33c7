package promexport

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	dto "github.com/prometheus/client_model/go"
)

// gather returns the exporter's families by name.
func gather(t *testing.T, e *Exporter) map[string]*dto.MetricFamily {
	t.Helper()
	mfs, err := e.Registry().Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	out := make(map[string]*dto.MetricFamily, len(mfs))
	for _, mf := range mfs {
		out[mf.GetName()] = mf
	}
	return out
}

// seriesByLabels finds the series of mf whose labels are exactly want.
func seriesByLabels(mf *dto.MetricFamily, want map[string]string) *dto.Metric {
	for _, m := range mf.GetMetric() {
		if len(m.GetLabel()) != len(want) {
			continue
		}
		match := true
		for _, l := range m.GetLabel() {
			if want[l.GetName()] != l.GetValue() {
				match = false
			}
		}
		if match {
			return m
		}
	}
	return nil
}

func TestExporterKinds(t *testing.T) {
	e := New(Config{NoRuntimeMetrics: true})
	e.Add(`cache_commands_total{cmd="get"}`, 1)
	e.Add(`cache_commands_total{cmd="get"}`, 2)
	e.Add(`cache_commands_total{cmd="set"}`, 1)
	e.Set(`cache_keys`, 7)
	e.Set(`cache_keys`, 5)
	e.Observe(`cache_command_duration_seconds`, 150e-6)
	e.Observe(`cache_command_duration_seconds`, 2e-3)

	fams := gather(t, e)
	cmds := fams["cache_commands_total"]
	if cmds.GetType() != dto.MetricType_COUNTER {
		t.Fatalf("cache_commands_total is %v", cmds.GetType())
	}
	if got := seriesByLabels(cmds, map[string]string{"cmd": "get"}).GetCounter().GetValue(); got != 3 {
		t.Errorf(`cache_commands_total{cmd="get"} = %v, want 3`, got)
	}
	if got := seriesByLabels(cmds, map[string]string{"cmd": "set"}).GetCounter().GetValue(); got != 1 {
		t.Errorf(`cache_commands_total{cmd="set"} = %v, want 1`, got)
	}
	if got := fams["cache_keys"].GetMetric()[0].GetGauge().GetValue(); got != 5 {
		t.Errorf("cache_keys = %v, want 5", got)
	}
	h := fams["cache_command_duration_seconds"].GetMetric()[0].GetHistogram()
	if h.GetSampleCount() != 2 {
		t.Errorf("histogram count = %d, want 2", h.GetSampleCount())
	}
	// Sub-millisecond resolution: 150µs must land in a bucket bounded
	// well below 1ms, and the buckets start at 10µs.
	var below1ms int
	for _, b := range h.GetBucket() {
		if b.GetUpperBound() < 1e-3 {
			below1ms++
			if b.GetUpperBound() >= 150e-6 && b.GetUpperBound() < 200e-6 && b.GetCumulativeCount() != 1 {
				t.Errorf("bucket le=%v holds %d samples, want the 150µs one", b.GetUpperBound(), b.GetCumulativeCount())
			}
		}
	}
	if below1ms < 15 {
		t.Errorf("%d buckets below 1ms, want at least 15", below1ms)
	}
	if first := h.GetBucket()[0].GetUpperBound(); first > 10.001e-6 {
		t.Errorf("first bucket le=%v, want 10µs", first)
	}
}

func TestExporterRejects(t *testing.T) {
	var log bytes.Buffer
	e := New(Config{NoRuntimeMetrics: true, Log: &log})
	e.Add(`requests_total{code="200"}`, 1)
	for range 3 {
		e.Add(`requests_total{path="/"}`, 1) // other label names than the family's
	}
	e.Set(`requests_total{code="200"}`, 1) // a counter used as a gauge
	e.Add(`bad name`, 1)
	e.Add(`bad name`, 1)
	e.Add(`requests_total{code="500"}`, -1) // counters never go down

	fams := gather(t, e)
	rejected := fams[rejectedFamily]
	for reason, want := range map[string]float64{"bad_name": 5, "kind_conflict": 1, "negative_delta": 1} {
		if got := seriesByLabels(rejected, map[string]string{"reason": reason}).GetCounter().GetValue(); got != want {
			t.Errorf("rejected{reason=%q} = %v, want %v", reason, got, want)
		}
	}
	if got := seriesByLabels(fams["requests_total"], map[string]string{"code": "200"}).GetCounter().GetValue(); got != 1 {
		t.Errorf(`requests_total{code="200"} = %v, want 1`, got)
	}
	// Each distinct problem is logged once.
	if n := strings.Count(log.String(), "\n"); n != 4 {
		t.Errorf("log has %d lines, want 4 (one per distinct problem):\n%s", n, log.String())
	}
	if !strings.Contains(log.String(), `family requests_total has labels {code}, not {path}`) {
		t.Errorf("log does not explain the label conflict:\n%s", log.String())
	}
}

// TestExporterConcurrent records from many goroutines at once; run with
// -race it proves the exporter is safe for a node loop and its server's
// connection goroutines together.
func TestExporterConcurrent(t *testing.T) {
	e := New(Config{NoRuntimeMetrics: true})
	const workers, perWorker = 8, 1000
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range perWorker {
				e.Add(`ops_total{op="get"}`, 1)
				e.Set(`queue_depth`, float64(w*perWorker+i))
				e.Observe(`op_duration_seconds{op="get"}`, 1e-4)
			}
		})
	}
	wg.Wait()
	fams := gather(t, e)
	if got := fams["ops_total"].GetMetric()[0].GetCounter().GetValue(); got != workers*perWorker {
		t.Errorf("ops_total = %v, want %d", got, workers*perWorker)
	}
	if got := fams["op_duration_seconds"].GetMetric()[0].GetHistogram().GetSampleCount(); got != workers*perWorker {
		t.Errorf("op_duration_seconds count = %d, want %d", got, workers*perWorker)
	}
}

func TestServeMetrics(t *testing.T) {
	e := New(Config{ConstLabels: map[string]string{"instance_role": "test"}})
	e.Add(`cache_commands_total{cmd="get"}`, 4)
	s, err := Serve("127.0.0.1:0", e)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	resp, err := http.Get("http://" + s.Addr() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	text := string(body)
	for _, want := range []string{
		`cache_commands_total{cmd="get",instance_role="test"} 4`,
		`# TYPE cache_commands_total counter`,
		`go_goroutines`,
		`process_resident_memory_bytes`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if err := s.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
}

func BenchmarkExporterAdd(b *testing.B) {
	e := New(Config{NoRuntimeMetrics: true})
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			e.Add(`cache_commands_total{cmd="get"}`, 1)
		}
	})
}

func BenchmarkExporterObserve(b *testing.B) {
	e := New(Config{NoRuntimeMetrics: true})
	b.ReportAllocs()
	for b.Loop() {
		e.Observe(`cache_command_duration_seconds`, 1.5e-4)
	}
}
