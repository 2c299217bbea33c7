package cachelab

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

func TestClientAndOriginSettings(t *testing.T) {
	s, err := decodeSettings(yamlNode(t, "{maxmemory: 1mb, client: {herd_mitigation: xfetch, ttl: 2s, xfetch_beta: 1.5, split: 4, tracking: yes}, origin: {cpu: 2ms, latency: 10ms}}"))
	if err != nil {
		t.Fatal(err)
	}
	if s.cache.MaxMemoryBytes != 1<<20 || s.client.Herd != HerdXFetch || s.client.TTL != 2*time.Second ||
		s.client.XFetchBeta != 1.5 || s.client.Split != 4 || !s.client.Tracking || s.origin.CPU != 2*time.Millisecond || s.origin.Latency != 10*time.Millisecond {
		t.Fatalf("decoded %+v", s)
	}
	if d, _ := decodeSettings(yamlNode(t, "{hz: 10}")); d.client != defaultClientSettings() {
		t.Fatalf("no client section: %+v, want the defaults", d.client)
	}
	for src, want := range map[string]string{
		"{client: {herd_mitigation: mutex}}": "want one of [none xfetch lock coalesce]",
		"{client: {ttl: -1s}}":               "config.client.ttl",
		"{client: {ttl: 100us}}":             "whole milliseconds",
		"{client: {xfetch_beta: 0}}":         "config.client.xfetch_beta",
		"{client: {split: 65}}":              "1 to 64",
		"{client: {herd: lock}}":             `unknown setting "herd"`,
		"{client: lock}":                     "want a mapping",
		"{origin: {cpu: fast}}":              "config.origin.cpu",
		"{origin: {disk: 1ms}}":              `unknown setting "disk"`,
		"{maxmemory: lots}":                  "config.maxmemory",
	} {
		if _, err := decodeSettings(yamlNode(t, src)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want it to say %q", src, err, want)
		}
	}
}

func TestXFetchValueRoundTrip(t *testing.T) {
	v := xfetchValue{delta: 10237 * time.Microsecond, expiry: time.UnixMilli(1767225601158), value: "popular:0@1767225600158 with spaces"}
	got, ok := decodeXFetch(encodeXFetch(v))
	if !ok || got.delta != v.delta || !got.expiry.Equal(v.expiry) || got.value != v.value {
		t.Fatalf("round trip of %+v gave %+v, %v", v, got, ok)
	}
	for _, bad := range []string{"", "plain value", "xf1 ", "xf1 12", "xf1 x 5 v", "xf1 -1 5 v", "xf1 1 y v", "xf1 99999999999999999 5 v"} {
		if _, ok := decodeXFetch(bad); ok {
			t.Errorf("decodeXFetch(%q) accepted it", bad)
		}
	}
}

// FuzzDecodeXFetch: any bytes read back from the cache decode or are
// refused, never panic, and what decodes re-encodes to the same text.
func FuzzDecodeXFetch(f *testing.F) {
	for _, s := range []string{"xf1 10237 1767225601158 popular:0@1", "xf1 0 0 ", "xf1 1 -5 v v", "plain", "xf1 9223372036854775807 1 v"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, ok := decodeXFetch(s)
		if !ok {
			return
		}
		if v.delta < 0 {
			t.Fatalf("%q: negative delta %v", s, v.delta)
		}
		again, ok := decodeXFetch(encodeXFetch(v))
		if !ok || again != v {
			t.Fatalf("%q: decoded %+v, re-encoded decodes to %+v, %v", s, v, again, ok)
		}
	})
}

func TestRefreshEarlyGrowsTowardExpiry(t *testing.T) {
	c := newClient(nil, "", clientSettings{XFetchBeta: 1}, testRand())
	expiry := time.UnixMilli(1_000_000)
	v := xfetchValue{delta: 10 * time.Millisecond, expiry: expiry}
	share := func(before time.Duration) float64 {
		n := 0
		for range 10000 {
			if c.refreshEarly(expiry.Add(-before), v) {
				n++
			}
		}
		return float64(n) / 10000
	}
	// P(refresh) = exp(-before/δ): 1 at expiry, e^-1 one δ before, ~0 far.
	if p := share(0); p != 1 {
		t.Errorf("at expiry: refresh share %.3f, want 1", p)
	}
	if p := share(10 * time.Millisecond); p < 0.33 || p > 0.41 {
		t.Errorf("one delta before expiry: refresh share %.3f, want ~0.37", p)
	}
	if p := share(200 * time.Millisecond); p != 0 {
		t.Errorf("20 deltas before expiry: refresh share %.3f, want ~0", p)
	}
}

func testRand() *rand.Rand { return rand.New(rand.NewPCG(1, 2)) }
