package reports

// checkSeverity orders check verdicts from best to worst; a run is as bad
// as its worst check.
var checkSeverity = map[string]int{VerdictPass: 0, VerdictUnknown: 1, VerdictFail: 2}

// RunVerdict derives a run's verdict from its checks. The worst check
// decides: any fail makes the run fail, else any unknown makes it unknown.
// A run without checks proved nothing, so it is unknown.
//
// A scenario that expects to fail (it demonstrates a design's weakness)
// gets expected-fail when a check failed, and fail when every check passed:
// the weakness it was written to show did not appear, which is news.
func RunVerdict(checks []Check, expectFail bool) string {
	if len(checks) == 0 {
		return VerdictUnknown
	}
	worst := VerdictPass
	for _, c := range checks {
		if checkSeverity[c.Verdict] > checkSeverity[worst] {
			worst = c.Verdict
		}
	}
	if !expectFail {
		return worst
	}
	switch worst {
	case VerdictFail:
		return VerdictExpectedFail
	case VerdictPass:
		return VerdictFail
	}
	return VerdictUnknown
}

// verdictRank orders run verdicts for listing, most alarming first.
func verdictRank(verdict string) int {
	switch verdict {
	case VerdictFail:
		return 0
	case VerdictUnknown:
		return 1
	case VerdictExpectedFail:
		return 2
	case VerdictPass:
		return 3
	}
	return 4
}

// verdictSymbol gives each verdict a mark that reads without colour.
func verdictSymbol(verdict string) string {
	switch verdict {
	case VerdictPass:
		return "✔"
	case VerdictFail:
		return "✘"
	case VerdictExpectedFail:
		return "✘ (expected)"
	}
	return "?"
}
