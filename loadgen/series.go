package loadgen

import (
	"fmt"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// Per-bucket histograms are coarser than Recorder's (2 significant
// digits, ~27 KB each instead of ~190 KB): a plot of p99 over time needs
// 1%, not 0.1%.
const (
	seriesSignificant = 2
	// seriesBucketsMax bounds a series' memory (~100 MB at most): six hours
	// of one-second buckets. Later samples are counted as dropped.
	seriesBucketsMax = 6 * 3600
)

// Series buckets latencies by when the operation completed, for plots of
// throughput and p99 over a run.
type Series struct {
	bucket  time.Duration
	buckets []*hdrhistogram.Histogram // nil where nothing completed
	dropped int64
}

// SeriesPoint is one bucket: operations completed in [Start, Start+width).
type SeriesPoint struct {
	Start      time.Duration `json:"start_ns"`
	Count      int64         `json:"count"`
	LatencyP99 time.Duration `json:"latency_p99_ns"`
}

// NewSeries buckets by width (one second for the usual plots).
func NewSeries(width time.Duration) (*Series, error) {
	if width <= 0 {
		return nil, fmt.Errorf("series bucket width %v: want > 0", width)
	}
	return &Series{bucket: width}, nil
}

// Record adds an operation that completed at (time since the run's start)
// after taking latency. Samples before 0 or past seriesBucketsMax buckets
// are dropped and counted.
func (s *Series) Record(at, latency time.Duration) {
	i := int64(at / s.bucket)
	if at < 0 || i >= seriesBucketsMax {
		s.dropped++
		return
	}
	for int64(len(s.buckets)) <= i {
		s.buckets = append(s.buckets, nil)
	}
	if s.buckets[i] == nil {
		s.buckets[i] = hdrhistogram.New(int64(recordLowest), int64(recordHighest), seriesSignificant)
	}
	latency = min(max(latency, 0), recordHighest)
	if err := s.buckets[i].RecordValue(int64(latency)); err != nil {
		panic(fmt.Sprintf("loadgen: latency %v inside the histogram range was refused: %v", latency, err))
	}
}

// Points lists every bucket from the start to the last sample, empty
// buckets included so a plot shows gaps as zero throughput.
func (s *Series) Points() []SeriesPoint {
	points := make([]SeriesPoint, len(s.buckets))
	for i, h := range s.buckets {
		points[i].Start = time.Duration(i) * s.bucket
		if h != nil {
			points[i].Count = h.TotalCount()
			points[i].LatencyP99 = time.Duration(h.ValueAtPercentile(99))
		}
	}
	return points
}

// Dropped is how many samples fell outside the series.
func (s *Series) Dropped() int64 { return s.dropped }
