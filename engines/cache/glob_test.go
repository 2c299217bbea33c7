package cache

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// Expected answers are what redis-server 7.0 answers (checked by
// TestGlobAgainstRealRedis for the random cases).
func TestGlobMatch(t *testing.T) {
	cases := []struct {
		pattern, s string
		want       bool
	}{
		{"*", "anything", true},
		{"*", "", false}, // the string must be consumed; callers special-case "*"
		{"**", "", false},
		{"", "", true},
		{"", "a", false},
		{"a*", "a", true},
		{"a**", "a", true},
		{"*a", "ba", true},
		{"h?llo", "hello", true},
		{"h?llo", "hllo", false},
		{"h*llo", "heeeello", true},
		{"h[ae]llo", "hallo", true},
		{"h[ae]llo", "hillo", false},
		{"h[^e]llo", "hallo", true},
		{"h[^e]llo", "hello", false},
		{"h[a-b]llo", "hbllo", true},
		{"h[b-a]llo", "hbllo", true}, // reversed ranges are swapped
		{"h[a-b]llo", "hcllo", false},
		{`h\*llo`, "h*llo", true},
		{`h\*llo`, "hello", false},
		{`[\]]`, "]", true},
		{`[a\-z]`, "-", true},
		{`[a\-z]`, "b", false},
		{"[]", "]", false},   // ']' right after '[' closes an empty class
		{"[]a]", "a", false}, // …so this is the empty class then "a]"
		{"[]a]", "xa]", false},
		{"[^]", "x", true},
		{"[abc", "b", true}, // unterminated class runs to the end
		{"[abc", "bc", false},
		{"[a-", "a", true},
		{"[a-]", "`", true}, // "a-]" is a range from 'a' to ']' (swapped)…
		{"[a-]", "^", true}, // …which holds every byte from ']' to 'a'
		{"[a-]", "b", false},
		{`\`, `\`, true}, // a trailing lone backslash is literal
		{`a\`, `a\`, true},
		{"*a*b*c*", "xxaxxbxxcxx", true},
		{"*a*b*c*d", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaabbbbbbbbbbbbbbbbbcccccccccccc", false},
		{strings.Repeat("*a", 40) + "b", strings.Repeat("a", 200), false}, // bounded work
	}
	for _, tc := range cases {
		if got := globMatch([]byte(tc.pattern), []byte(tc.s)); got != tc.want {
			t.Errorf("globMatch(%q, %q) = %v, want %v", tc.pattern, tc.s, got, tc.want)
		}
	}
}

// randomGlobText draws strings from an alphabet rich in the pattern's
// special bytes, so random patterns hit the corner cases.
func randomGlobText(r *rand.Rand, lenMax int) string {
	const alphabet = `ab*?[]^-\`
	b := make([]byte, r.IntN(lenMax+1))
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}

// TestGlobAgainstRealRedis asks redis-server which members of a set
// SSCAN … MATCH keeps (Redis's stringmatchlen) for random patterns, and
// compares with globMatch.
func TestGlobAgainstRealRedis(t *testing.T) {
	rr := startRealRedis(t)
	r := rand.New(rand.NewPCG(7, 7))
	var members []string
	seen := map[string]bool{}
	sadd := [][]byte{[]byte("SADD"), []byte("g")}
	for len(members) < 300 {
		s := randomGlobText(r, 6)
		if s == "" || seen[s] {
			continue
		}
		seen[s] = true
		members = append(members, s)
		sadd = append(sadd, []byte(s))
	}
	rr.do(t, sadd)
	for range 400 {
		pattern := randomGlobText(r, 7)
		if pattern == "*" {
			continue // SSCAN takes it as match-all without matching
		}
		reply := rr.do(t, [][]byte{[]byte("SSCAN"), []byte("g"), []byte("0"), []byte("COUNT"), []byte("100000"), []byte("MATCH"), []byte(pattern)})
		var want []string
		for _, v := range reply.Elems[1].Elems {
			want = append(want, string(v.Str))
		}
		var got []string
		for _, m := range members {
			if globMatch([]byte(pattern), []byte(m)) {
				got = append(got, m)
			}
		}
		slices.Sort(want)
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Fatalf("pattern %q: globMatch keeps %q, redis keeps %q", pattern, got, want)
		}
	}
}

// FuzzGlob checks that any pattern and string are matched without panic or
// runaway work, and that escaping every byte of s gives a pattern that
// matches s and nothing longer or shorter.
func FuzzGlob(f *testing.F) {
	for _, seed := range [][2]string{
		{"*", "x"}, {"h[^e]llo", "hallo"}, {"[a-", "a"}, {`\`, `\`}, {"[]a]", "a"}, {"*a*a*a*b", "aaaaaaaaaa"}, {"[", ""},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, pattern, s string) {
		globMatch([]byte(pattern), []byte(s))
		escaped := make([]byte, 0, 2*len(s))
		for i := 0; i < len(s); i++ {
			escaped = append(escaped, '\\', s[i])
		}
		if !globMatch(escaped, []byte(s)) {
			t.Fatalf("escaped %q does not match itself", s)
		}
		if globMatch(escaped, []byte(s+"x")) || (len(s) > 0 && globMatch(escaped, []byte(s[1:]))) {
			t.Fatalf("escaped %q matches a different string", s)
		}
		if len(s) > 0 && !globMatch([]byte("*"), []byte(s)) {
			t.Fatalf("* does not match %q", s)
		}
	})
}
