package check

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"

	"github.com/anishathalye/porcupine"
)

// The set model: one key holding a set of strings (a missing key is the
// empty set, as in Redis).
//
//	sadd       Input = member, Output = members added ("1"/"0", "" if not known)
//	srem       Input = member, Output = members removed ("1"/"0", "" if not known)
//	sismember  Input = member, Output = "1" or "0"
//	scard      Output = the number of members
//	smembers   Output = JSON array of the members, any order; Nil = empty

// setState is immutable: steps build new slices. canon (the JSON of the
// sorted members) makes equality a string comparison.
type setState struct {
	members []string
	canon   string
}

func newSetState(members []string) setState {
	if members == nil {
		members = []string{} // so the empty set is "[]" however it came about
	}
	canon, err := json.Marshal(members)
	if err != nil {
		panic(fmt.Sprintf("check: marshal set members: %v", err))
	}
	return setState{members: members, canon: string(canon)}
}

func (s setState) has(member string) bool {
	_, found := slices.BinarySearch(s.members, member)
	return found
}

func (s setState) with(member string) setState {
	i, found := slices.BinarySearch(s.members, member)
	if found {
		return s
	}
	return newSetState(slices.Insert(slices.Clone(s.members), i, member))
}

func (s setState) without(member string) setState {
	i, found := slices.BinarySearch(s.members, member)
	if !found {
		return s
	}
	return newSetState(slices.Delete(slices.Clone(s.members), i, i+1))
}

type setInput struct {
	kind   string
	key    string
	member string
}

type setOutput struct {
	known bool
	// count is the sadd/srem/scard number or sismember's 0/1; -1 if the
	// client did not record it.
	count int
	// members is the sorted smembers answer, canon its JSON.
	canon string
}

func setModel() model {
	return model{
		porcupine: porcupine.Model{
			Init:  func() any { return newSetState(nil) },
			Equal: func(a, b any) bool { return a.(setState).canon == b.(setState).canon },
			Step: func(state, input, output any) (bool, any) {
				s := state.(setState)
				in := input.(setInput)
				out := output.(setOutput)
				checkCount := out.known && out.count >= 0
				switch in.kind {
				case "sadd":
					if checkCount && (out.count == 1) == s.has(in.member) {
						return false, s
					}
					return true, s.with(in.member)
				case "srem":
					if checkCount && (out.count == 1) != s.has(in.member) {
						return false, s
					}
					return true, s.without(in.member)
				case "sismember":
					return (out.count == 1) == s.has(in.member), s
				case "scard":
					return out.count == len(s.members), s
				case "smembers":
					return out.canon == s.canon, s
				}
				panic(fmt.Sprintf("check: set model got op kind %q past convert", in.kind))
			},
			DescribeOperation: func(input, output any) string {
				in := input.(setInput)
				out := output.(setOutput)
				result := unknownText
				if out.known && in.kind == "smembers" {
					result = out.canon
				} else if out.known && out.count >= 0 {
					result = strconv.Itoa(out.count)
				}
				if in.kind == "smembers" || in.kind == "scard" {
					return fmt.Sprintf("%s(%q) → %s", in.kind, in.key, result)
				}
				return fmt.Sprintf("%s(%q, %q) → %s", in.kind, in.key, in.member, result)
			},
			DescribeState: func(state any) string { return state.(setState).canon },
		},
		convert: func(op Op) (any, any, bool, error) {
			in := setInput{kind: op.Kind, key: op.Key, member: op.Input}
			known := op.Status == StatusOK
			switch op.Kind {
			case "sadd", "srem":
				out := setOutput{known: known, count: -1}
				if known && op.Output != "" {
					n, err := strconv.Atoi(op.Output)
					if err != nil || n < 0 || n > 1 {
						return nil, nil, false, fmt.Errorf("%s output %q: want 0, 1 or empty (one member per op)", op.Kind, op.Output)
					}
					out.count = n
				}
				return in, out, true, nil
			case "sismember", "scard":
				if !known {
					return nil, nil, false, nil
				}
				n, err := strconv.Atoi(op.Output)
				if err != nil || n < 0 || (op.Kind == "sismember" && n > 1) {
					return nil, nil, false, fmt.Errorf("%s output %q is not a valid count", op.Kind, op.Output)
				}
				return in, setOutput{known: true, count: n}, true, nil
			case "smembers":
				if !known {
					return nil, nil, false, nil
				}
				var members []string
				if !op.Nil {
					if err := json.Unmarshal([]byte(op.Output), &members); err != nil {
						return nil, nil, false, fmt.Errorf("smembers output %q is not a JSON array of strings: %v", op.Output, err)
					}
				}
				// Duplicates stay: Redis never returns them, so an answer
				// with one matches no state and fails the check.
				sort.Strings(members)
				return in, setOutput{known: true, count: -1, canon: newSetState(members).canon}, true, nil
			}
			return nil, nil, false, fmt.Errorf("set model: unknown op %q (want sadd, srem, sismember, scard, smembers)", op.Kind)
		},
	}
}
