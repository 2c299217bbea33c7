package reports

import (
	"encoding/json"
	"math"
	"testing"
	"time"
)

func TestDurString(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{0, "0s"},
		{850, "850ns"},
		{1000, "1µs"},
		{12345, "12.3µs"},
		{1234567, "1.23ms"},
		{100 * time.Millisecond, "100ms"},
		{999999999, "1000ms"},
		{4560 * time.Millisecond, "4.56s"},
		{125 * time.Second, "2m05s"},
		{time.Hour + 2*time.Minute + 3*time.Second, "1h02m03s"},
		{-1500 * time.Microsecond, "-1.5ms"},
		{math.MinInt64, "-2562047h47m16s"},
	} {
		if got := D(tc.d).String(); got != tc.want {
			t.Errorf("Dur(%d).String() = %q, want %q", int64(tc.d), got, tc.want)
		}
	}
}

func TestDurJSONIsIntegerNanoseconds(t *testing.T) {
	b, err := json.Marshal(struct{ D Dur }{D(1500 * time.Millisecond)})
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"D":1500000000}` {
		t.Errorf("marshal = %s", b)
	}
	for _, tc := range []struct {
		in      string
		want    Dur
		wantErr bool
	}{
		{"1500000000", D(1500 * time.Millisecond), false},
		{"-3", -3, false},
		{"1.5", 0, true},
		{`"1s"`, 0, true},
		{"1e3", 0, true},
		{"99999999999999999999", 0, true},
	} {
		var d Dur
		err := json.Unmarshal([]byte(tc.in), &d)
		if (err != nil) != tc.wantErr || (!tc.wantErr && d != tc.want) {
			t.Errorf("unmarshal %s = %v, %v; want %v, error %v", tc.in, d, err, tc.want, tc.wantErr)
		}
	}
}
