package check

import (
	"strings"
	"testing"
	"time"
)

func TestLostWrites(t *testing.T) {
	const ms = time.Millisecond
	cases := []struct {
		name      string
		ops       []Op
		finals    map[string]FinalValue
		crashes   []time.Duration
		wantLost  []string // keys
		wantUnver []string
	}{
		{
			name:   "last acked write visible",
			ops:    []Op{ok(0, "set", "k", "a", "OK", 0, 10*ms), ok(0, "set", "k", "b", "OK", 20*ms, 30*ms)},
			finals: map[string]FinalValue{"k": {Value: "b"}},
		},
		{
			name:     "older value came back after a crash",
			ops:      []Op{ok(0, "set", "k", "a", "OK", 0, 10*ms), ok(0, "set", "k", "b", "OK", 20*ms, 30*ms)},
			finals:   map[string]FinalValue{"k": {Value: "a"}},
			crashes:  []time.Duration{500 * ms},
			wantLost: []string{"k"},
		},
		{
			name: "overlapping write may have won",
			ops: []Op{
				ok(0, "set", "k", "a", "OK", 0, 25*ms),
				ok(1, "set", "k", "b", "OK", 20*ms, 30*ms),
			},
			finals: map[string]FinalValue{"k": {Value: "a"}},
		},
		{
			name: "indefinite write may have landed later",
			ops: []Op{
				indefinite(1, "set", "k", "z", 0),
				ok(0, "set", "k", "b", "OK", 20*ms, 30*ms),
			},
			finals: map[string]FinalValue{"k": {Value: "z"}},
		},
		{
			name: "failed write cannot explain the final value",
			ops: []Op{
				ok(0, "set", "k", "b", "OK", 20*ms, 30*ms),
				failed(1, "set", "k", "z", 40*ms, 50*ms),
			},
			finals:   map[string]FinalValue{"k": {Value: "z"}},
			crashes:  []time.Duration{time.Second},
			wantLost: []string{"k"},
		},
		{
			name:     "acked delete undone",
			ops:      []Op{ok(0, "set", "k", "a", "OK", 0, 10*ms), ok(0, "del", "k", "", "1", 20*ms, 30*ms)},
			finals:   map[string]FinalValue{"k": {Value: "a"}},
			crashes:  []time.Duration{100 * ms},
			wantLost: []string{"k"},
		},
		{
			name:     "acked write gone entirely",
			ops:      []Op{ok(0, "set", "k", "a", "OK", 0, 10*ms)},
			finals:   map[string]FinalValue{"k": {Nil: true}},
			wantLost: []string{"k"},
		},
		{
			name:      "no final value is unverified, not safe",
			ops:       []Op{ok(0, "set", "k", "a", "OK", 0, 10*ms), ok(0, "set", "j", "a", "OK", 0, 10*ms)},
			finals:    map[string]FinalValue{"j": {Value: "a"}},
			wantUnver: []string{"k"},
		},
		{
			name: "final reads taken from the history",
			ops: []Op{
				ok(0, "set", "k", "a", "OK", 0, 10*ms),
				ok(0, "set", "k", "b", "OK", 20*ms, 30*ms),
				ok(1, "get", "k", "", "a", 40*ms, 50*ms),
				ok(0, "set", "j", "x", "OK", 0, 10*ms),
				ok(1, "get", "j", "", "old", 5*ms, 15*ms), // overlaps the write: not final
			},
			crashes:   []time.Duration{35 * ms},
			wantLost:  []string{"k"},
			wantUnver: []string{"j"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := LostWrites(&History{Ops: c.ops}, c.finals, c.crashes)
			var lost []string
			for _, l := range r.Lost {
				lost = append(lost, l.Key)
			}
			if strings.Join(lost, ",") != strings.Join(c.wantLost, ",") {
				t.Errorf("lost keys %v, want %v (%+v)", lost, c.wantLost, r.Lost)
			}
			if strings.Join(r.Unverified, ",") != strings.Join(c.wantUnver, ",") {
				t.Errorf("unverified %v, want %v", r.Unverified, c.wantUnver)
			}
		})
	}
}

func TestLostWritesWindow(t *testing.T) {
	const ms = time.Millisecond
	h := &History{Ops: []Op{
		ok(0, "set", "early", "a", "OK", 0, 10*ms),
		ok(0, "set", "early", "b", "OK", 100*ms, 200*ms),
		ok(1, "set", "late", "a", "OK", 0, 10*ms),
		ok(1, "set", "late", "b", "OK", 1900*ms, 1950*ms),
	}}
	finals := map[string]FinalValue{"early": {Value: "a"}, "late": {Value: "a"}}
	crashes := []time.Duration{5 * time.Second, 2 * time.Second} // unsorted on purpose
	r := LostWrites(h, finals, crashes)
	if len(r.Lost) != 2 {
		t.Fatalf("lost %+v, want 2", r.Lost)
	}
	early, late := r.Lost[0], r.Lost[1]
	if early.AckedAt != 200*ms || early.CrashAt != 2*time.Second || early.BeforeCrash != 1800*ms {
		t.Errorf("early loss %+v: want acked 200ms, 1.8s before the crash at 2s", early)
	}
	if late.BeforeCrash != 50*ms || !late.CrashAfter {
		t.Errorf("late loss %+v: want 50ms before the crash", late)
	}

	cases := []struct {
		window time.Duration
		want   Verdict
	}{
		{time.Second, Fail},     // early was acked 1.8s before the crash
		{2 * time.Second, Pass}, // both within an (over-generous) 2s window
		{0, Fail},               // no loss allowed
	}
	for _, c := range cases {
		got := r.Check(c.window)
		if got.Verdict != c.want {
			t.Errorf("window %v: verdict %s (%s), want %s", c.window, got.Verdict, got.Detail, c.want)
		}
		if got.Measured["lost_writes"] != 2 || got.Measured["loss_window_max_seconds"] != 1.8 {
			t.Errorf("window %v: measured %v", c.window, got.Measured)
		}
	}
	if got := r.Check(time.Second); !strings.Contains(got.Detail, `"early"`) || strings.Contains(got.Detail, `"late"`) {
		t.Errorf("detail %q should name only the key outside the window", got.Detail)
	}
}

func TestLostWritesCheckVerdicts(t *testing.T) {
	cases := []struct {
		name   string
		report LostReport
		want   Verdict
	}{
		{"nothing written", LostReport{}, Pass},
		{"all keys verified, none lost", LostReport{KeysWritten: 3, KeysChecked: 3}, Pass},
		{"nothing verifiable", LostReport{KeysWritten: 3, Unverified: []string{"a", "b", "c"}}, Unknown},
		{"loss with no crash after it", LostReport{KeysWritten: 1, KeysChecked: 1, Lost: []LostWrite{{Key: "k", Kind: "set"}}}, Fail},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.report.Check(time.Hour); got.Verdict != c.want {
				t.Fatalf("verdict %s (%s), want %s", got.Verdict, got.Detail, c.want)
			}
		})
	}
}

// A server can apply a write, send the ack and crash before the ack
// arrives: the crash that may have undone the write is the first one after
// the write's call, even if it came before the ack.
func TestLostWriteAckedAfterTheCrashBelongsToIt(t *testing.T) {
	const ms = time.Millisecond
	h := &History{Ops: []Op{
		ok(0, "set", "k", "old", "OK", 0, 10*ms),
		ok(0, "set", "k", "new", "OK", 1000*ms, 1002*ms),
	}}
	r := LostWrites(h, map[string]FinalValue{"k": {Value: "old"}}, []time.Duration{1001 * ms})
	if len(r.Lost) != 1 {
		t.Fatalf("lost %+v, want the write of new", r.Lost)
	}
	l := r.Lost[0]
	if !l.CrashAfter || l.CrashAt != 1001*ms || l.BeforeCrash != 0 {
		t.Fatalf("loss %+v: want it tied to the crash at 1.001s, acked 0s before it", l)
	}
	if got := r.Check(time.Second); got.Verdict != Pass {
		t.Fatalf("a write lost to the crash it raced is within any window: %s %s", got.Verdict, got.Detail)
	}
}
