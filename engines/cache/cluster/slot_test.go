package cluster

import "testing"

func TestCRC16MatchesSpec(t *testing.T) {
	// The check value the Redis Cluster specification gives.
	if got := crc16([]byte("123456789")); got != 0x31C3 {
		t.Fatalf("crc16(123456789) = %#x, want 0x31c3", got)
	}
}

func TestKeySlot(t *testing.T) {
	cases := []struct {
		key  string
		slot int
	}{
		{"foo", 12182}, // values redis-server 7 answers to CLUSTER KEYSLOT
		{"bar", 5061},
		{"user:{123}:profile", KeySlot([]byte("123"))},
		{"{user1000}.following", KeySlot([]byte("user1000"))},
		{"foo{}{bar}", KeySlot([]byte("foo{}{bar}"))}, // empty first tag: whole key hashes
		{"foo{{bar}}zap", KeySlot([]byte("{bar"))},
		{"foo{bar}{zap}", KeySlot([]byte("bar"))},
	}
	for _, c := range cases {
		if got := KeySlot([]byte(c.key)); got != c.slot {
			t.Errorf("KeySlot(%q) = %d, want %d", c.key, got, c.slot)
		}
	}
}

func TestSlotOwnerSplitsEvenly(t *testing.T) {
	for n := 1; n <= 7; n++ {
		counts := make([]int, n)
		prev := 0
		for s := range SlotCount {
			o := SlotOwner(s, n)
			if o < prev {
				t.Fatalf("n=%d: owner of slot %d is %d, after %d: ranges not contiguous", n, s, o, prev)
			}
			prev = o
			counts[o]++
		}
		for i, c := range counts {
			if c < SlotCount/n-1 || c > SlotCount/n+1 {
				t.Errorf("n=%d: node %d owns %d slots", n, i, c)
			}
		}
	}
}
