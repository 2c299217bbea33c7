package reports

import "testing"

func TestRunVerdict(t *testing.T) {
	c := func(vs ...string) []Check {
		var out []Check
		for _, v := range vs {
			out = append(out, Check{Name: v, Verdict: v})
		}
		return out
	}
	for _, tc := range []struct {
		name       string
		checks     []Check
		expectFail bool
		want       string
	}{
		{"no checks proves nothing", nil, false, VerdictUnknown},
		{"all pass", c("pass", "pass"), false, VerdictPass},
		{"unknown beats pass", c("pass", "unknown"), false, VerdictUnknown},
		{"fail beats unknown", c("unknown", "fail", "pass"), false, VerdictFail},
		{"expected failure happened", c("pass", "fail"), true, VerdictExpectedFail},
		{"expected failure did not happen", c("pass"), true, VerdictFail},
		{"expected failure undecided", c("pass", "unknown"), true, VerdictUnknown},
	} {
		if got := RunVerdict(tc.checks, tc.expectFail); got != tc.want {
			t.Errorf("%s: RunVerdict = %q, want %q", tc.name, got, tc.want)
		}
	}
}
