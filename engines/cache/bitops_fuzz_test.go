package cache

import (
	"testing"

	"syslab/engines/cache/resp"
)

// fuzzBitfieldBitsMax bounds the strings the fuzz target lets BITFIELD
// grow: a fuzzed offset may reach 2^32 bits, a 512 MB string.
const fuzzBitfieldBitsMax = 1 << 16

// FuzzBitfieldArgs runs arbitrary argument lists through BITFIELD's
// parser: it must never panic, and what it accepts must be well formed
// (widths and offsets in range, a write for every SET or INCRBY); COMMAND
// GETKEYSANDFLAGS must call it a read exactly when the parser finds no
// write. Small enough requests also run as BITFIELD, BITFIELD_RO, BITCOUNT
// and BITPOS on a node, which must answer.
func FuzzBitfieldArgs(f *testing.F) {
	for _, seed := range []string{
		"GET u8 0", "GET i64 #3 SET u63 1 -1", "INCRBY i5 100 1 OVERFLOW SAT INCRBY i5 100 100", "OVERFLOW FAIL SET u1 0 2",
		"OVERFLOW", "OVERFLOW foo", "GET", "GET u8", "SET u8 0", "GET u64 0", "GET i65 0", "GET i0 0", "GET U8 0",
		"GET u8 #", "GET u8 #-1", "GET i64 #288230376151711744", "GET u8 4294967296", "GET u8 -1", "SET i8 0 x",
		"INCRBY u8 0 9223372036854775808", "get u8 0 set i8 8 -1 incrby i16 16 -32769 overflow wrap", "FOO",
		"GET \"u8\\x00x\" 0", "OVERFLOW \"fail\\x00\" INCRBY u2 0 5", "GET u8 0 GET u8 0 GET u8 0 SET u8 99999 1",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, line string) {
		args, ok := resp.SplitArgs([]byte(line))
		if !ok || len(args) > 64 {
			return
		}
		req, errReply, ok := parseBitfield(args)
		if !ok {
			if !errReply.IsError() {
				t.Fatalf("%q: refused without an error reply: %v", line, errReply)
			}
		} else {
			writes := false
			for _, op := range req.ops {
				widthMax := 63
				if op.signed {
					widthMax = 64
				}
				if op.width < 1 || op.width > widthMax || op.offset < 0 || op.offset>>3 >= stringBytesMax {
					t.Fatalf("%q: accepted %+v", line, op)
				}
				if op.kind != bitfieldGet {
					writes = true
					if last := op.offset + int64(op.width) - 1; last > req.lastWrittenBit {
						t.Fatalf("%q: field %+v ends past lastWrittenBit %d", line, op, req.lastWrittenBit)
					}
				}
			}
			if writes != req.writes {
				t.Fatalf("%q: writes = %v, the operations say %v", line, req.writes, writes)
			}
			if bitfieldReadsOnly(args) == req.writes {
				t.Fatalf("%q: GETKEYSANDFLAGS reads-only = %v, the parser's writes = %v", line, bitfieldReadsOnly(args), req.writes)
			}
			if req.lastWrittenBit > fuzzBitfieldBitsMax {
				return
			}
		}
		n, env := startNode(t, Config{})
		do(n, env, "setup", "SET k \"\\x0f\\xf0\\xaa\"")
		for i, name := range []string{"BITFIELD", "BITFIELD_RO", "BITCOUNT", "BITPOS"} {
			command := append([][]byte{[]byte(name), []byte("k")}, args...)
			before := len(env.replies)
			n.Receive("fuzz", Command{Seq: uint64(i + 1), Args: command})
			if len(env.replies) != before+1 {
				t.Fatalf("%s k %q: %d replies", name, line, len(env.replies)-before)
			}
		}
	})
}
