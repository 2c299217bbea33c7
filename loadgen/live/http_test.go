package live

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"syslab/loadgen"
	"syslab/node"
	"syslab/reports"
)

// paceVirtually drives a vegeta.Pacer the way vegeta's attack loop does,
// on a virtual clock that wakes exactly when asked: it returns every
// intended time before du.
func paceVirtually(p vegeta.Pacer, du time.Duration) []time.Duration {
	var times []time.Duration
	var now time.Duration
	for hits := uint64(0); ; hits++ {
		wait, stop := p.Pace(now, hits)
		if stop {
			return times
		}
		now += max(wait, 0)
		if now >= du {
			return times
		}
		times = append(times, now)
	}
}

func ourTimes(t *testing.T, schedule string, rate float64, du time.Duration) []time.Duration {
	t.Helper()
	spec, err := loadgen.ParseSchedule(schedule)
	if err != nil {
		t.Fatal(err)
	}
	a, err := loadgen.NewArrivals(spec, rate, du, nil)
	if err != nil {
		t.Fatal(err)
	}
	var times []time.Duration
	for {
		at, ok := a.Next()
		if !ok || at >= du {
			return times
		}
		times = append(times, at)
	}
}

// Vegeta's pacers against ours, on the same rate and duration: the same
// number of intended times, spaced alike. The differences are vegeta's,
// and bounded here: its ConstantPacer truncates the interval to whole
// nanoseconds (hit k is late by up to k·1ns against the exact time);
// its SinePacer stops its root search at 1e-3 hits; its LinearPacer
// sends the first hit at 0 rather than at Λ(t) = 1 and steps by the
// instantaneous rate, so its times trail ours by up to about one gap.
func TestVegetaPacersAgreeWithOurs(t *testing.T) {
	tests := []struct {
		name     string
		vegeta   vegeta.Pacer
		schedule string
		rate     float64
		du       time.Duration
		// tolerance of each time, as a function of its index k (0-based)
		// and the gap there.
		tolerance func(k int, gap time.Duration) time.Duration
		countOff  int
	}{
		{"constant 1000/s", vegeta.ConstantPacer{Freq: 1000, Per: time.Second}, "constant", 1000, 2 * time.Second,
			func(int, time.Duration) time.Duration { return 0 }, 0},
		{"constant 3/s", vegeta.ConstantPacer{Freq: 3, Per: time.Second}, "constant", 3, 20*time.Second + 100*time.Millisecond,
			func(k int, _ time.Duration) time.Duration { return time.Duration(k + 1) }, 0},
		{"sine 100±50/s, 2s", vegeta.SinePacer{Period: 2 * time.Second, Mean: vegeta.Rate{Freq: 100, Per: time.Second},
			Amp: vegeta.Rate{Freq: 50, Per: time.Second}, StartAt: vegeta.MeanUp}, "sine:50:2s", 100, 6*time.Second + 5*time.Millisecond,
			func(_ int, gap time.Duration) time.Duration { return gap/100 + 1 }, 0},
		{"linear 100/s + 50/s²", vegeta.LinearPacer{StartAt: vegeta.Rate{Freq: 100, Per: time.Second}, Slope: 50}, "ramp:600:10s", 100, 10 * time.Second,
			func(_ int, gap time.Duration) time.Duration { return gap + gap/10 }, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			theirs := paceVirtually(tt.vegeta, tt.du)
			ours := ourTimes(t, tt.schedule, tt.rate, tt.du)
			if d := len(theirs) - len(ours); d < -tt.countOff || d > tt.countOff {
				t.Fatalf("vegeta paced %d hits, ours %d", len(theirs), len(ours))
			}
			for k := range min(len(theirs), len(ours)) {
				gap := ours[k]
				if k > 0 {
					gap -= ours[k-1]
				}
				if d := theirs[k] - ours[k]; d.Abs() > tt.tolerance(k, gap) {
					t.Fatalf("hit %d: vegeta at %v, ours at %v (gap %v)", k, theirs[k], ours[k], gap)
				}
			}
		})
	}
}

// Our pacer inside vegeta's loop gives exactly our schedule's times.
func TestSchedulePacerKeepsOurTimes(t *testing.T) {
	for _, schedule := range []string{"constant", "ramp:3000:1s", "step:500:300ms", "sine:800:400ms"} {
		spec, _ := loadgen.ParseSchedule(schedule)
		a, err := loadgen.NewArrivals(spec, 1000, 2*time.Second, nil)
		if err != nil {
			t.Fatal(err)
		}
		got := paceVirtually(&schedulePacer{arrivals: a, duration: 2 * time.Second}, time.Hour)
		want := ourTimes(t, schedule, 1000, 2*time.Second)
		if len(got) != len(want) {
			t.Fatalf("%s: pacer gave %d times, schedule %d", schedule, len(got), len(want))
		}
		for k := range got {
			if got[k] != want[k] {
				t.Fatalf("%s: hit %d at %v, schedule says %v", schedule, k, got[k], want[k])
			}
		}
	}
}

// stallHandler answers 200 at once, except that after stallAfter
// requests it holds every request until stallFor has passed.
type stallHandler struct {
	stallAfter int64
	stallFor   time.Duration
	seen       atomic.Int64
	stallOnce  sync.Once
	stallEnd   atomic.Int64
	mu         sync.Mutex
	paths      map[string]int
	bodies     []string
	methods    map[string]int
	failEvery  int64
}

func (h *stallHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := h.seen.Add(1)
	if h.stallAfter > 0 && n == h.stallAfter {
		h.stallOnce.Do(func() { h.stallEnd.Store(time.Now().Add(h.stallFor).UnixNano()) })
	}
	if end := h.stallEnd.Load(); end != 0 {
		time.Sleep(time.Until(time.Unix(0, end)))
	}
	body, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	if h.paths == nil {
		h.paths, h.methods = map[string]int{}, map[string]int{}
	}
	h.paths[r.URL.Path]++
	h.methods[r.Method]++
	if len(body) > 0 && len(h.bodies) < 10 {
		h.bodies = append(h.bodies, string(body))
	}
	h.mu.Unlock()
	if h.failEvery > 0 && n%h.failEvery == 0 {
		http.Error(w, "boom", http.StatusServiceUnavailable)
		return
	}
	io.WriteString(w, "ok")
}

func httpTestConfig(t *testing.T, url string) Config {
	t.Helper()
	w, err := loadgen.ParseWorkload("get", 50, "uniform")
	if err != nil {
		t.Fatal(err)
	}
	return Config{
		HTTP: HTTPTarget{URL: url}, Workload: w, Schedule: "constant",
		Connections: 64, InflightMax: 100, Seed: 1,
	}
}

// The HTTP form of the coordinated-omission acceptance test: a server
// that stalls every request for a second in the middle of a constant-rate
// run. From the intended start, a third of the run waited up to a second
// and p99 shows it; a closed loop stops sending during the stall and its
// p99 hides it.
func TestHTTPStallShowsInOpenLoopP99AndHidesInClosedLoop(t *testing.T) {
	const stall = time.Second
	open := &stallHandler{stallAfter: 500, stallFor: stall} // 1s into a 500/s run
	srv := httptest.NewServer(open)
	defer srv.Close()
	cfg := httpTestConfig(t, srv.URL+"/items/{key}")
	cfg.RatePerSec, cfg.Duration = 500, 3*time.Second
	res, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	all := res.AllLatency()
	if p99 := all.Percentile(99); p99 < stall/2 {
		t.Errorf("open loop: p99 %v hides a %v stall; want ≥ %v", p99, stall, stall/2)
	}
	if got := res.Completed(); got != 1499 && got != 1500 {
		t.Errorf("open loop: %d completed, want the schedule's 1500", got)
	}
	run, err := res.Report(ReportOptions{P99Goal: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if run.Verdict != reports.VerdictFail || run.Engine != "http" || !strings.Contains(run.Description, "coordinated omission corrected") {
		t.Errorf("open loop report: verdict %s, engine %s, description %q", run.Verdict, run.Engine, run.Description)
	}

	closed := &stallHandler{stallAfter: 500, stallFor: stall}
	srv2 := httptest.NewServer(closed)
	defer srv2.Close()
	cfg = httpTestConfig(t, srv2.URL+"/items/{key}")
	cfg.Closed, cfg.Duration = 4, 3*time.Second
	res, err = Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	all = res.AllLatency()
	if all.Max() < stall*9/10 {
		t.Errorf("closed loop: max %v; the stall of %v should show there", all.Max(), stall)
	}
	if p99 := all.Percentile(99); p99 >= stall/2 {
		t.Errorf("closed loop: p99 %v; a closed loop was expected to hide the stall (under %v)", p99, stall/2)
	}
	run, err = res.Report(ReportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(run.Description, "closed-loop") || !strings.Contains(run.Description, "coordinated omission not corrected") {
		t.Errorf("closed loop report does not say which model it used: %q", run.Description)
	}
}

// recordingMetrics is a node.Metrics that sums what it is given.
type recordingMetrics struct {
	mu     sync.Mutex
	sums   map[string]float64
	counts map[string]int
}

func (m *recordingMetrics) note(name string, v float64, set bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.sums == nil {
		m.sums, m.counts = map[string]float64{}, map[string]int{}
	}
	if set {
		m.sums[name] = v
	} else {
		m.sums[name] += v
	}
	m.counts[name]++
}
func (m *recordingMetrics) Add(name string, d float64)     { m.note(name, d, false) }
func (m *recordingMetrics) Set(name string, v float64)     { m.note(name, v, true) }
func (m *recordingMetrics) Observe(name string, v float64) { m.note(name, v, false) }

var _ node.Metrics = (*recordingMetrics)(nil)

// Requests carry the key from the distribution in the path and the body,
// with the method asked for; error statuses are counted by code; and the
// metrics see every request with its outcome.
func TestHTTPRequestsKeysMethodBodyAndErrors(t *testing.T) {
	h := &stallHandler{failEvery: 10}
	srv := httptest.NewServer(h)
	defer srv.Close()
	cfg := httpTestConfig(t, srv.URL+"/v1/{key}")
	target, err := ParseHTTPTarget(cfg.HTTP.URL, "put", `{"id":"{key}"}`)
	if err != nil {
		t.Fatal(err)
	}
	cfg.HTTP = target
	cfg.KeyPrefix = "user:"
	cfg.RatePerSec, cfg.Duration = 400, 500*time.Millisecond
	metrics := &recordingMetrics{}
	cfg.Metrics = metrics
	res, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	op := res.Ops["put"]
	// 400/s for 0.5s: intended at 2.5ms, 5ms, … 497.5ms (the one at
	// 500ms is the run's end): 199 requests.
	if op == nil || op.OK+op.Fail != 199 || op.Fail != 19 || res.Errors["http 503"] != 19 {
		t.Fatalf("ops %+v, errors %v; want 199 PUTs, every 10th failed with 503", op, res.Errors)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.methods["PUT"] != 199 || len(h.paths) < 20 {
		t.Errorf("server saw methods %v and %d distinct paths; want 199 PUTs over most of the 50 keys", h.methods, len(h.paths))
	}
	for p := range h.paths {
		if !strings.HasPrefix(p, "/v1/user:") {
			t.Errorf("path %q does not carry the key", p)
		}
	}
	if len(h.bodies) == 0 || !strings.HasPrefix(h.bodies[0], `{"id":"user:`) {
		t.Errorf("bodies %q do not carry the key", h.bodies)
	}
	metrics.mu.Lock()
	defer metrics.mu.Unlock()
	ok, failed := metrics.sums[`loadgen_requests_total{op="put",outcome="ok"}`], metrics.sums[`loadgen_requests_total{op="put",outcome="error"}`]
	if ok != 180 || failed != 19 || metrics.counts[`loadgen_request_duration_seconds{op="put"}`] != 180 {
		t.Errorf("metrics: ok %v, error %v, latency samples %d; want 180, 19, 180", ok, failed, metrics.counts[`loadgen_request_duration_seconds{op="put"}`])
	}
}

func TestParseHTTPTarget(t *testing.T) {
	tests := []struct {
		url, method, body string
		wantErr           string
	}{
		{"http://127.0.0.1:8080/items/{key}", "", "", ""},
		{"https://example.test/search?q={key}", "get", "", ""},
		{"http://h/x", "POST", "{key}", ""},
		{"ftp://h/x", "", "", "want http:// or https://"},
		{"http:///x", "", "", "no host"},
		{"http://h/x#frag", "", "", "fragment"},
		{"http://h/x", "BREW", "", `method "BREW"`},
		{"http://h/x", "GET", "body", "has no body"},
		{"http://h:99999999/x", "", "", "want 1 to 65535"},
	}
	for _, tt := range tests {
		_, err := ParseHTTPTarget(tt.url, tt.method, tt.body)
		if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
			t.Errorf("ParseHTTPTarget(%q, %q, %q) = %v, want %q", tt.url, tt.method, tt.body, err, tt.wantErr)
		}
	}
}

func FuzzParseHTTPTarget(f *testing.F) {
	for _, s := range []string{"http://127.0.0.1:8080/items/{key}", "https://h/?q={key}", "http://[::1]:80/", "http://h:x/", "{key}://h"} {
		f.Add(s, "GET")
	}
	f.Fuzz(func(t *testing.T, url, method string) {
		target, err := ParseHTTPTarget(url, method, "")
		if err != nil {
			return
		}
		if target.Method != strings.ToUpper(target.Method) || target.String() == "" {
			t.Fatalf("%q: target %+v", url, target)
		}
	})
}

func TestHTTPTargetAddHeader(t *testing.T) {
	tests := []struct {
		line      string
		wantName  string
		wantValue string
		wantErr   string
	}{
		{"Authorization: Bearer abc", "Authorization", "Bearer abc", ""},
		{"  x-tenant :  acme  ", "x-tenant", "acme", ""},
		{"X-Empty:", "X-Empty", "", ""},
		{"X-Url: http://a:b@c/", "X-Url", "http://a:b@c/", ""},
		{"Host: api.example.test", "Host", "api.example.test", ""},
		{"NoColon", "", "", `want "Name: value"`},
		{": value", "", "", "no name before the colon"},
		{"Bad Name: x", "", "", `"Bad Name" is not a header name`},
		{"X-Evil: a\r\nX-Injected: b", "", "", "control character"},
		{"content-length: 5", "", "", "Content-Length is set by the client"},
		{"Transfer-Encoding: chunked", "", "", "Transfer-Encoding is set by the client"},
		{"X-Big: " + strings.Repeat("a", headerBytesMax), "", "", "want at most"},
	}
	for _, tt := range tests {
		var target HTTPTarget
		err := target.AddHeader(tt.line)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("AddHeader(%q) = %v, want %q", tt.line, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("AddHeader(%q): %v", tt.line, err)
			continue
		}
		if got := target.Header[tt.wantName]; len(got) != 1 || got[0] != tt.wantValue {
			t.Errorf("AddHeader(%q) gave %v, want %s: [%s]", tt.line, target.Header, tt.wantName, tt.wantValue)
		}
	}
	// Repeated, a header is sent with every value.
	var target HTTPTarget
	for _, line := range []string{"X-A: 1", "X-A: 2"} {
		if err := target.AddHeader(line); err != nil {
			t.Fatal(err)
		}
	}
	if got := target.Header["X-A"]; len(got) != 2 || got[0] != "1" || got[1] != "2" {
		t.Errorf("X-A twice gave %v", got)
	}
}

func FuzzHTTPTargetAddHeader(f *testing.F) {
	for _, s := range []string{"A: b", ":", "a b: c", "X: \x00", "Host: h", "X-Y:  z  "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		var target HTTPTarget
		if err := target.AddHeader(line); err != nil {
			return
		}
		// What was accepted must make a request the client can send.
		req, err := http.NewRequest(http.MethodGet, "http://h/", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header = target.Header
		if err := req.Write(io.Discard); err != nil {
			t.Fatalf("AddHeader(%q) accepted a header the client cannot write: %v", line, err)
		}
	})
}
