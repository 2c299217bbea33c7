package persist

// # Function libraries
//
// Redis 7.0 saves each function library (FUNCTION LOAD) whole, as the code
// it was loaded from, shebang line included — the server compiles it again
// when it loads the file:
//
//	0xF5 <string code>      FUNCTION2: one library
//
// An RDB file has its libraries after the AUX fields and before the first
// SELECTDB. Release candidates of 7.0 wrote 0xF6 (FUNCTION) instead:
// <string name> <string engine> <length has-description> [<string
// description>] <string code without shebang>; it is read as the library
// "#!<engine> name=<name>\n<code>", as Redis reads it.
//
// A FUNCTION DUMP payload is the libraries alone in that form, then the
// same footer as a DUMP payload (dump.go): 2 bytes LE RDB version, 8 bytes
// LE CRC-64.
//
// An AOF base made of commands holds a library as FUNCTION LOAD <code>.

import (
	"encoding/binary"
	"errors"
)

// FunctionLoader is implemented by an RDBHandler that takes the function
// libraries a file holds; loading a file with libraries into a handler
// without it fails.
type FunctionLoader interface {
	// Function is one library's code, shebang line included.
	Function(code []byte) error
}

// WriteFunctionLibrary writes one library. Call it before the first
// SelectDB, as Redis orders a file.
func (w *RDBWriter) WriteFunctionLibrary(code []byte) {
	if w.finished {
		panic("persist: RDBWriter used after Finish")
	}
	w.buf = append(w.buf, rdbOpFunction2)
	w.buf = appendRDBString(w.buf, code)
	w.maybeFlush()
}

// WriteFunctionLibrary writes one library as the command that loads it.
func (w *AOFBaseWriter) WriteFunctionLibrary(code []byte) {
	w.command([]byte("FUNCTION"), []byte("LOAD"), code)
}

// functionLibrary reads what follows a FUNCTION or FUNCTION2 opcode: the
// library's code, shebang line included.
func (r *rdbReader) functionLibrary(op byte) ([]byte, error) {
	if op == rdbOpFunction2 {
		return r.string()
	}
	name, err := r.string()
	if err != nil {
		return nil, err
	}
	engine, err := r.string()
	if err != nil {
		return nil, err
	}
	hasDescription, err := r.length()
	if err != nil {
		return nil, err
	}
	if hasDescription != 0 {
		if _, err := r.string(); err != nil {
			return nil, err
		}
	}
	body, err := r.string()
	if err != nil {
		return nil, err
	}
	code := make([]byte, 0, len("#! name=\n")+len(engine)+len(name)+len(body))
	code = append(append(append(code, "#!"...), engine...), " name="...)
	code = append(append(append(code, name...), '\n'), body...)
	return code, nil
}

// EncodeFunctionsPayload is FUNCTION DUMP's payload for the libraries'
// codes, in the order given.
func EncodeFunctionsPayload(codes [][]byte) []byte {
	var out []byte
	for _, code := range codes {
		out = append(out, rdbOpFunction2)
		out = appendRDBString(out, code)
	}
	out = binary.LittleEndian.AppendUint16(out, rdbVersion)
	return binary.LittleEndian.AppendUint64(out, crc64Update(0, out))
}

// Errors of DecodeFunctionsPayload, worded as FUNCTION RESTORE answers
// them (ErrDumpPayload for a bad footer).
var (
	ErrFunctionsPayloadType = errors.New("given type is not a function")
	ErrFunctionsPayloadRead = errors.New("can not read data type")
)

// DecodeFunctionsPayload returns the libraries' codes a FUNCTION DUMP
// payload holds, checking its footer first.
func DecodeFunctionsPayload(payload []byte) ([][]byte, error) {
	if err := VerifyDumpPayload(payload); err != nil {
		return nil, err
	}
	r := &rdbReader{data: payload[:len(payload)-dumpFooterBytes]}
	var codes [][]byte
	for r.pos < len(r.data) {
		op, err := r.byte()
		if err != nil {
			return nil, ErrFunctionsPayloadRead
		}
		if op != rdbOpFunction2 && op != rdbOpFunction {
			return nil, ErrFunctionsPayloadType
		}
		code, err := r.functionLibrary(op)
		if err != nil {
			return nil, err
		}
		codes = append(codes, code)
	}
	return codes, nil
}
