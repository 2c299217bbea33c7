package loadgen

import (
	"errors"
	"fmt"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// Recorder geometry: 1µs to 1h at 3 significant digits, so every reported
// percentile is within 0.1% of a real sample. Values are kept in ns.
const (
	recordLowest      = time.Microsecond
	recordHighest     = time.Hour
	recordSignificant = 3
	// encodedBytesMax bounds what DecodeRecorder accepts; a full histogram
	// of this geometry encodes to well under it.
	encodedBytesMax = 4 << 20
)

// Recorder collects latencies into an HDR histogram. It is not safe for
// concurrent use: give each client its own and Merge them.
type Recorder struct {
	hist *hdrhistogram.Histogram
	// clamped counts samples above recordHighest, recorded as recordHighest.
	clamped int64
}

func NewRecorder() *Recorder {
	return &Recorder{hist: hdrhistogram.New(int64(recordLowest), int64(recordHighest), recordSignificant)}
}

// Record adds one latency. Negative latencies count as 0; latencies above
// an hour count as an hour (see Clamped).
func (rec *Recorder) Record(latency time.Duration) {
	if latency > recordHighest {
		latency = recordHighest
		rec.clamped++
	}
	if err := rec.hist.RecordValue(int64(max(latency, 0))); err != nil {
		panic(fmt.Sprintf("loadgen: latency %v inside the histogram range was refused: %v", latency, err))
	}
}

// Percentile is the latency at or under which p percent (0..100) of the
// samples fall; 0 with no samples.
func (rec *Recorder) Percentile(p float64) time.Duration {
	return time.Duration(rec.hist.ValueAtPercentile(p))
}

func (rec *Recorder) Count() int64        { return rec.hist.TotalCount() }
func (rec *Recorder) Max() time.Duration  { return time.Duration(rec.hist.Max()) }
func (rec *Recorder) Min() time.Duration  { return time.Duration(rec.hist.Min()) }
func (rec *Recorder) Mean() time.Duration { return time.Duration(rec.hist.Mean()) }

// Clamped is how many samples exceeded an hour.
func (rec *Recorder) Clamped() int64 { return rec.clamped }

// Merge adds every sample of other.
func (rec *Recorder) Merge(other *Recorder) {
	if dropped := rec.hist.Merge(other.hist); dropped != 0 {
		panic(fmt.Sprintf("loadgen: merging recorders of one geometry dropped %d samples", dropped))
	}
	rec.clamped += other.clamped
}

// Encode renders the histogram in HdrHistogram's compressed V2 format,
// base64 — the form other HdrHistogram tools read — for results.json.
// The clamped count is not carried.
func (rec *Recorder) Encode() (string, error) {
	b, err := rec.hist.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
	if err != nil {
		return "", fmt.Errorf("encode latency histogram: %w", err)
	}
	return string(b), nil
}

// DecodeRecorder reads what Encode wrote. Histograms of another geometry
// are refused: merging them would silently lose precision.
func DecodeRecorder(encoded string) (*Recorder, error) {
	if len(encoded) > encodedBytesMax {
		return nil, fmt.Errorf("decode latency histogram: %d bytes, more than %d", len(encoded), encodedBytesMax)
	}
	if encoded == "" {
		return nil, errors.New("decode latency histogram: empty")
	}
	hist, err := hdrhistogram.Decode([]byte(encoded))
	if err != nil {
		return nil, fmt.Errorf("decode latency histogram: %w", err)
	}
	if hist.LowestTrackableValue() != int64(recordLowest) || hist.HighestTrackableValue() != int64(recordHighest) ||
		hist.SignificantFigures() != recordSignificant {
		return nil, fmt.Errorf("decode latency histogram: geometry %dns..%dns at %d digits, want %dns..%dns at %d",
			hist.LowestTrackableValue(), hist.HighestTrackableValue(), hist.SignificantFigures(),
			int64(recordLowest), int64(recordHighest), recordSignificant)
	}
	return &Recorder{hist: hist}, nil
}
