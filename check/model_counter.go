package check

import (
	"fmt"
	"strconv"

	"github.com/anishathalye/porcupine"
)

// The counter model: one key holding an integer or nothing, as Redis INCR
// sees it (a missing key counts from 0).
//
//	incr  Input = delta ("" means 1), Output = the value after the increment
//	decr  Input = delta ("" means 1), Output = the value after the decrement
//	get   Output = the value, or Nil for a missing key

type counterState struct {
	exists bool
	value  int64
}

type counterInput struct {
	kind  string // "incr" or "get"; decr is an incr by -delta
	key   string
	delta int64
}

type counterOutput struct {
	known bool
	nil   bool
	value int64
}

func counterModel() model {
	return model{
		porcupine: porcupine.Model{
			Init: func() any { return counterState{} },
			Step: func(state, input, output any) (bool, any) {
				s := state.(counterState)
				in := input.(counterInput)
				out := output.(counterOutput)
				if in.kind == "get" {
					if out.nil {
						return !s.exists, s
					}
					return s.exists && s.value == out.value, s
				}
				next := s.value + in.delta
				if (in.delta > 0 && next < s.value) || (in.delta < 0 && next > s.value) {
					// Redis refuses an overflowing INCR, so it cannot have
					// happened here.
					return false, s
				}
				if out.known && out.value != next {
					return false, s
				}
				return true, counterState{exists: true, value: next}
			},
			DescribeOperation: func(input, output any) string {
				in := input.(counterInput)
				out := output.(counterOutput)
				if in.kind == "get" {
					return fmt.Sprintf("get(%q) → %s", in.key, describeRead(out.known, out.nil, strconv.FormatInt(out.value, 10)))
				}
				return fmt.Sprintf("incrby(%q, %d) → %s", in.key, in.delta, describeRead(out.known, false, strconv.FormatInt(out.value, 10)))
			},
			DescribeState: func(state any) string {
				s := state.(counterState)
				if !s.exists {
					return "(nil)"
				}
				return strconv.FormatInt(s.value, 10)
			},
		},
		convert: func(op Op) (any, any, bool, error) {
			known := op.Status == StatusOK
			switch op.Kind {
			case "get":
				if !known {
					return nil, nil, false, nil
				}
				out := counterOutput{known: true, nil: op.Nil}
				if !op.Nil {
					v, err := strconv.ParseInt(op.Output, 10, 64)
					if err != nil {
						return nil, nil, false, fmt.Errorf("get output %q is not an integer", op.Output)
					}
					out.value = v
				}
				return counterInput{kind: "get", key: op.Key}, out, true, nil
			case "incr", "decr":
				delta := int64(1)
				if op.Input != "" {
					d, err := strconv.ParseInt(op.Input, 10, 64)
					if err != nil {
						return nil, nil, false, fmt.Errorf("%s delta %q is not an integer", op.Kind, op.Input)
					}
					delta = d
				}
				if op.Kind == "decr" {
					if delta == -delta && delta != 0 {
						return nil, nil, false, fmt.Errorf("decr delta %d cannot be negated", delta)
					}
					delta = -delta
				}
				out := counterOutput{known: known}
				if known {
					v, err := strconv.ParseInt(op.Output, 10, 64)
					if err != nil {
						return nil, nil, false, fmt.Errorf("%s output %q is not an integer", op.Kind, op.Output)
					}
					out.value = v
				}
				return counterInput{kind: "incr", key: op.Key, delta: delta}, out, true, nil
			}
			return nil, nil, false, fmt.Errorf("counter model: unknown op %q (want incr, decr, get)", op.Kind)
		},
	}
}
