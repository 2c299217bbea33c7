package check

import (
	"fmt"
	"strconv"

	"github.com/anishathalye/porcupine"
)

// The register model: one key holding a string or nothing.
//
//	get  Output = value read, or Nil for a missing key
//	set  Input  = value written (Output, e.g. "OK", is ignored)
//	del  Output = number of keys deleted ("1" or "0"), or "" if not known

type registerState struct {
	exists bool
	value  string
}

type registerInput struct {
	kind  string
	key   string
	value string
}

type registerOutput struct {
	known bool
	// For get: nil and value. For del: deleted is 0 or 1, or -1 when the
	// client did not record the count.
	nil     bool
	value   string
	deleted int
}

func registerModel() model {
	return model{
		porcupine: porcupine.Model{
			Init: func() any { return registerState{} },
			Step: func(state, input, output any) (bool, any) {
				s := state.(registerState)
				in := input.(registerInput)
				out := output.(registerOutput)
				switch in.kind {
				case "get":
					if !out.known {
						return true, s
					}
					if out.nil {
						return !s.exists, s
					}
					return s.exists && s.value == out.value, s
				case "set":
					return true, registerState{exists: true, value: in.value}
				case "del":
					if out.known && out.deleted >= 0 && (out.deleted == 1) != s.exists {
						return false, s
					}
					return true, registerState{}
				}
				panic(fmt.Sprintf("check: register model got op kind %q past convert", in.kind))
			},
			DescribeOperation: func(input, output any) string {
				in := input.(registerInput)
				out := output.(registerOutput)
				switch in.kind {
				case "get":
					return fmt.Sprintf("get(%q) → %s", in.key, describeRead(out.known, out.nil, strconv.Quote(out.value)))
				case "set":
					if !out.known {
						return fmt.Sprintf("set(%q, %q) ?", in.key, in.value)
					}
					return fmt.Sprintf("set(%q, %q)", in.key, in.value)
				default:
					if !out.known || out.deleted < 0 {
						return fmt.Sprintf("del(%q) → %s", in.key, unknownText)
					}
					return fmt.Sprintf("del(%q) → %d", in.key, out.deleted)
				}
			},
			DescribeState: func(state any) string {
				s := state.(registerState)
				if !s.exists {
					return "(nil)"
				}
				return strconv.Quote(s.value)
			},
		},
		convert: func(op Op) (any, any, bool, error) {
			in := registerInput{kind: op.Kind, key: op.Key, value: op.Input}
			known := op.Status == StatusOK
			switch op.Kind {
			case "get":
				if !known {
					return nil, nil, false, nil
				}
				return in, registerOutput{known: true, nil: op.Nil, value: op.Output}, true, nil
			case "set":
				return in, registerOutput{known: known}, true, nil
			case "del":
				out := registerOutput{known: known, deleted: -1}
				if known && op.Output != "" {
					n, err := strconv.Atoi(op.Output)
					if err != nil || n < 0 || n > 1 {
						return nil, nil, false, fmt.Errorf("del output %q: want 0, 1 or empty", op.Output)
					}
					out.deleted = n
				}
				return in, out, true, nil
			}
			return nil, nil, false, fmt.Errorf("register model: unknown op %q (want get, set, del)", op.Kind)
		},
	}
}

func describeRead(known, isNil bool, value string) string {
	switch {
	case !known:
		return unknownText
	case isNil:
		return "(nil)"
	}
	return value
}
