package cache

import (
	"bytes"
	"strings"
	"testing"
)

// lookupCommand finds every command of the table in any letter case, and
// nothing else.
func TestLookupCommand(t *testing.T) {
	if len(commandTable) < 100 {
		t.Fatalf("only %d commands in the table", len(commandTable))
	}
	for name, spec := range commandTable {
		mixed := []byte(name)
		for i := 0; i < len(mixed); i += 2 {
			mixed[i] = bytes.ToUpper(mixed[i : i+1])[0]
		}
		for _, form := range [][]byte{[]byte(name), []byte(strings.ToUpper(name)), mixed} {
			if got := lookupCommand(form); got != spec {
				t.Errorf("lookupCommand(%q) = %v, want the spec of %q", form, got, name)
			}
		}
		for _, miss := range [][]byte{[]byte(name + "x"), []byte(name[:len(name)-1]), []byte(name + "\xc0")} {
			if got := lookupCommand(miss); got != nil && got.name != string(bytes.ToLower(miss)) {
				t.Errorf("lookupCommand(%q) = %q", miss, got.name)
			}
		}
	}
	for _, miss := range []string{"", "gét", "GET\x00", "\x47\x45\x54 ", strings.Repeat("get", 20), "get\xe1"} {
		if got := lookupCommand([]byte(miss)); got != nil {
			t.Errorf("lookupCommand(%q) = %q, want none", miss, got.name)
		}
	}
	if allocs := testing.AllocsPerRun(100, func() { lookupCommand([]byte("GET")) }); allocs != 0 {
		t.Errorf("lookupCommand allocates %.0f times", allocs)
	}
}
