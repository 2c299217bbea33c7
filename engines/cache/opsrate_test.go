package cache

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// instantaneous_ops_per_sec follows the command rate over the last
// 1.6 s of the node's clock, and CONFIG RESETSTAT starts it afresh.
func TestInstantaneousOpsPerSec(t *testing.T) {
	n, env := startNode(t, Config{})
	rate := func() int {
		for _, line := range strings.Split(do(n, env, "c", "INFO stats"), `\r\n`) { // do quotes the reply
			if v, ok := strings.CutPrefix(line, "instantaneous_ops_per_sec:"); ok {
				i, err := strconv.Atoi(v)
				if err != nil {
					t.Fatalf("instantaneous_ops_per_sec:%s", v)
				}
				return i
			}
		}
		t.Fatal("INFO stats has no instantaneous_ops_per_sec")
		return 0
	}
	// 50 commands every 100 ms (the cron runs at hz 10): 500 per second.
	for range 40 {
		for range 50 {
			do(n, env, "c", "SET k v")
		}
		env.Advance(100 * time.Millisecond)
	}
	if got := rate(); got < 500 || got > 510 { // the INFO calls count too
		t.Fatalf("instantaneous_ops_per_sec = %d after 4 s at 500 commands/s", got)
	}
	env.Advance(2 * time.Second) // idle: the window empties
	if got := rate(); got > 1 {
		t.Fatalf("instantaneous_ops_per_sec = %d after 2 idle seconds", got)
	}
	for range 50 {
		do(n, env, "c", "SET k v")
	}
	do(n, env, "c", "CONFIG RESETSTAT")
	env.Advance(300 * time.Millisecond)
	if got := rate(); got != 0 {
		t.Fatalf("instantaneous_ops_per_sec = %d right after CONFIG RESETSTAT and no commands", got)
	}
}
