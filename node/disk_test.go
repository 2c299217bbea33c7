package node

import "testing"

func TestValidName(t *testing.T) {
	for _, good := range []string{"appendonly.aof", "dump.rdb", "temp-12.rdb", "a_b"} {
		if err := ValidName(good); err != nil {
			t.Errorf("ValidName(%q) = %v, want nil", good, err)
		}
	}
	for _, bad := range []string{"", ".", "..", "a/b", "../x", "a b", "é"} {
		if err := ValidName(bad); err == nil {
			t.Errorf("ValidName(%q) = nil, want an error", bad)
		}
	}
}
