package lab

import (
	"math"
	"testing"
	"time"

	"syslab/reports"
)

func TestLoopbackOneWayFitsMedianAndP99(t *testing.T) {
	us := func(n float64) reports.Dur { return reports.D(time.Duration(n * float64(time.Microsecond))) }
	for _, c := range []struct {
		name                string
		p50, p99, max       reports.Dur
		serverCost          time.Duration
		wantMedian, wantP99 float64 // µs, one way
	}{
		{"no server share", us(100), us(400), us(2000), 0, 50, 200},
		{"server share taken out", us(100), us(400), us(2000), 20 * time.Microsecond, 40, 190},
		{"share larger than the round trip leaves a tenth", us(100), us(400), us(2000), time.Millisecond, 5, 20},
		{"no tail", us(80), us(80), us(80), 0, 40, 40},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := LoopbackResult{P50: c.p50, P99: c.p99, Max: c.max}.OneWay(c.serverCost)
			if d.Kind != DelayLognormal {
				t.Fatalf("kind %s, want lognormal", d.Kind)
			}
			// Back from mean and stddev to the lognormal's median and p99.
			mean, sd := float64(d.Mean), float64(d.Stddev)
			sigma2 := math.Log1p(sd * sd / (mean * mean))
			median := mean / math.Exp(sigma2/2)
			p99 := median * math.Exp(zScoreP99*math.Sqrt(sigma2))
			if got := median / 1e3; math.Abs(got-c.wantMedian) > 0.01*c.wantMedian+0.01 {
				t.Errorf("median %.2fµs, want %.2fµs", got, c.wantMedian)
			}
			if got := p99 / 1e3; math.Abs(got-c.wantP99) > 0.01*c.wantP99+0.01 {
				t.Errorf("p99 %.2fµs, want %.2fµs", got, c.wantP99)
			}
			if d.Max != time.Duration(c.max)/2 {
				t.Errorf("max %v, want half the largest round trip %v", d.Max, time.Duration(c.max)/2)
			}
		})
	}
}

func TestMeasureLoopbackReportsOrderedPercentiles(t *testing.T) {
	lb, err := MeasureLoopback(200, 0)
	if err != nil {
		t.Fatal(err)
	}
	if lb.Samples != 200 {
		t.Errorf("%d samples, want 200", lb.Samples)
	}
	if !(0 < lb.P50 && lb.P50 <= lb.P90 && lb.P90 <= lb.P99 && lb.P99 <= lb.Max) {
		t.Errorf("percentiles out of order or zero: %+v", lb)
	}
	if _, err := MeasureLoopback(0, 0); err == nil {
		t.Error("0 samples: want an error")
	}
}
