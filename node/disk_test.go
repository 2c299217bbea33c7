package node

import "testing"

func TestValidName(t *testing.T) {
	for _, good := range []string{"appendonly.aof", "dump.rdb", "temp-12.rdb", "a_b", "appendonlydir/appendonly.aof.1.incr.aof"} {
		if err := ValidName(good); err != nil {
			t.Errorf("ValidName(%q) = %v, want nil", good, err)
		}
	}
	for _, bad := range []string{"", ".", "..", "a/b/c", "../x", "a/..", "/x", "x/", "a b", "é"} {
		if err := ValidName(bad); err == nil {
			t.Errorf("ValidName(%q) = nil, want an error", bad)
		}
	}
}
