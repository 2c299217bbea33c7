package cache

import (
	"testing"
	"time"
)

// Commands with a benchmark of their own cost what it measured; others
// cost their class's median; all pay for their argument bytes and for the
// transport's work on the message.
func TestCostUsesTheCalibratedTable(t *testing.T) {
	n := &Node{}
	cmd := func(args ...string) Command {
		c := Command{}
		for _, a := range args {
			c.Args = append(c.Args, []byte(a))
		}
		return c
	}
	perByte := func(c Command) time.Duration {
		total := 0
		for _, a := range c.Args {
			total += len(a)
		}
		return time.Duration(total) * costPerArgKiB / 1024
	}
	for _, c := range []struct {
		msg  Command
		base time.Duration
	}{
		{cmd("GET", "key:1"), calibratedCommandCost["get"]},
		{cmd("set", "key:1", "v"), calibratedCommandCost["set"]},
		{cmd("EXISTS", "key:1"), calibratedReadFast},
		{cmd("DEL", "key:1"), calibratedWriteFast},
		{cmd("NOSUCHCOMMAND"), costUnknownCommand},
	} {
		if c.base <= 0 {
			t.Fatalf("%s: no calibrated cost; run `make calibrate`", c.msg.Args[0])
		}
		if calibratedMessageCost <= 0 {
			t.Fatal("no calibrated per-message cost; run `make calibrate`")
		}
		if got, want := n.Cost(c.msg), calibratedMessageCost+c.base+perByte(c.msg); got != want {
			t.Errorf("Cost(%s) = %v, want %v", c.msg.Args[0], got, want)
		}
	}
}
