package loadgen

import (
	"strings"
	"testing"
	"time"
)

// within reports whether got is want up to the histogram's 0.1%
// resolution (percentiles and Max round up, Min rounds down).
func within(got, want time.Duration) bool {
	return got >= want-want/1000-1 && got <= want+want/1000+1
}

func TestRecorderPercentiles(t *testing.T) {
	rec := NewRecorder()
	for i := 1; i <= 1000; i++ {
		rec.Record(time.Duration(i) * time.Millisecond)
	}
	for p, want := range map[float64]time.Duration{50: 500 * time.Millisecond, 99: 990 * time.Millisecond, 99.9: 999 * time.Millisecond, 100: time.Second} {
		if got := rec.Percentile(p); !within(got, want) {
			t.Errorf("p%v = %v, want %v", p, got, want)
		}
	}
	if rec.Count() != 1000 || !within(rec.Max(), time.Second) || !within(rec.Min(), time.Millisecond) {
		t.Errorf("count %d max %v min %v", rec.Count(), rec.Max(), rec.Min())
	}
	if mean := rec.Mean(); mean < 500*time.Millisecond || mean > 501*time.Millisecond {
		t.Errorf("mean %v, want 500.5ms", mean)
	}
}

func TestRecorderClampsAndMerges(t *testing.T) {
	a, b := NewRecorder(), NewRecorder()
	a.Record(-time.Second)
	a.Record(2 * time.Hour)
	b.Record(time.Millisecond)
	a.Merge(b)
	if a.Count() != 3 || a.Clamped() != 1 || !within(a.Max(), time.Hour) || a.Min() != 0 {
		t.Errorf("count %d clamped %d max %v min %v", a.Count(), a.Clamped(), a.Max(), a.Min())
	}
}

func TestRecorderEncodeRoundTrip(t *testing.T) {
	rec := NewRecorder()
	for i := 1; i <= 5000; i++ {
		rec.Record(time.Duration(i*i) * time.Microsecond)
	}
	encoded, err := rec.Encode()
	if err != nil {
		t.Fatal(err)
	}
	back, err := DecodeRecorder(encoded)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []float64{0, 50, 90, 99, 99.9, 100} {
		if back.Percentile(p) != rec.Percentile(p) {
			t.Errorf("p%v: %v after the round trip, %v before", p, back.Percentile(p), rec.Percentile(p))
		}
	}
	// Merging a decoded copy doubles every count.
	rec.Merge(back)
	if rec.Count() != 10000 {
		t.Errorf("merged count %d, want 10000", rec.Count())
	}
	t.Logf("5000 samples encode to %d bytes", len(encoded))
}

func TestDecodeRecorderRejects(t *testing.T) {
	cases := []struct{ name, encoded, wantErr string }{
		{"empty", "", "empty"},
		{"not base64", "%%%", "decode latency histogram"},
		{"base64 of garbage", "aGVsbG8gd29ybGQ=", "decode latency histogram"},
		{"too large", strings.Repeat("A", encodedBytesMax+1), "more than"},
	}
	for _, c := range cases {
		if _, err := DecodeRecorder(c.encoded); err == nil || !strings.Contains(err.Error(), c.wantErr) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.wantErr)
		}
	}
}

func FuzzDecodeRecorder(f *testing.F) {
	rec := NewRecorder()
	rec.Record(time.Millisecond)
	rec.Record(3 * time.Second)
	encoded, err := rec.Encode()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(encoded)
	f.Add(encoded[:len(encoded)/2])
	f.Add("HISTFAAAABx4nJNpmSzMwMDAxAABzFCaEUoz2X+AsQEAPQIC7Q==")
	f.Fuzz(func(t *testing.T, encoded string) {
		rec, err := DecodeRecorder(encoded)
		if err != nil {
			return
		}
		rec.Percentile(99)
		rec.Merge(NewRecorder())
		if _, err := rec.Encode(); err != nil {
			t.Fatalf("re-encoding a decoded histogram: %v", err)
		}
	})
}

func TestSeries(t *testing.T) {
	s, err := NewSeries(time.Second)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 100 {
		s.Record(500*time.Millisecond, time.Duration(i+1)*time.Millisecond)
	}
	s.Record(2500*time.Millisecond, 7*time.Millisecond)
	s.Record(-time.Second, time.Millisecond)
	s.Record(seriesBucketsMax*time.Second, time.Millisecond)
	points := s.Points()
	if len(points) != 3 {
		t.Fatalf("points %+v, want 3 buckets", points)
	}
	if points[0].Count != 100 || points[0].LatencyP99 < 99*time.Millisecond || points[0].LatencyP99 > 100*time.Millisecond {
		t.Errorf("bucket 0 %+v, want 100 ops with p99 99ms (±1%%)", points[0])
	}
	if points[1].Count != 0 || points[2].Count != 1 || points[2].Start != 2*time.Second {
		t.Errorf("buckets 1, 2: %+v %+v", points[1], points[2])
	}
	if s.Dropped() != 2 {
		t.Errorf("dropped %d, want 2", s.Dropped())
	}
	if _, err := NewSeries(0); err == nil {
		t.Error("NewSeries(0) accepted")
	}
}

func BenchmarkRecorderRecord(b *testing.B) {
	rec := NewRecorder()
	for i := range b.N {
		rec.Record(time.Duration(i%100_000) * time.Microsecond)
	}
}
