// Package resp is the Redis serialization protocol, RESP2 and RESP3: the
// Value a command returns, a Reader that parses requests (multibulk and
// inline) and replies, and a Writer that encodes replies for either
// protocol version.
package resp

import (
	"fmt"
	"strconv"
	"strings"
)

// Kind is the type of a RESP value.
type Kind uint8

const (
	SimpleString Kind = iota + 1 // +OK
	Error                        // -ERR message
	Integer                      // :42
	BulkString                   // $3\r\nfoo
	Null                         // RESP2 $-1 or *-1, RESP3 _
	Array                        // *N
	Double                       // RESP3 ,3.14 (RESP2: bulk string)
	Boolean                      // RESP3 #t (RESP2: integer 1/0)
	Map                          // RESP3 %N (RESP2: flat array of 2N)
	Set                          // RESP3 ~N (RESP2: array)
	Push                         // RESP3 >N (RESP2: array)
	BigNumber                    // RESP3 (123 (RESP2: bulk string)
	Verbatim                     // RESP3 =N txt:… (RESP2: bulk string)
	NullArray                    // RESP2 *-1, RESP3 _
	// Pairs is a list of two-element pairs, such as ZRANGE … WITHSCORES:
	// RESP3 sends an array of two-element arrays, RESP2 one flat array.
	// Elems holds the flat list (a1 b1 a2 b2 …).
	Pairs
	// Attribute is a reply with RESP3 attributes in front (|N): Elems
	// holds the attribute's keys and values (k1 v1 k2 v2 …) and, last,
	// the reply itself. RESP2 clients get the reply alone.
	Attribute
)

// Value is one RESP value. Str holds the text of simple strings, errors,
// bulk strings, big numbers and verbatim strings, and of a double whose
// command prints it its own way in RESP2 (else %.17g of Float); Int integers and
// booleans (0/1); Float doubles; Elems the elements of arrays, sets and
// pushes, and the alternating keys and values of maps.
type Value struct {
	Kind  Kind
	Str   []byte
	Int   int64
	Float float64
	Elems []Value
}

// Constructors for the replies commands build most often.

// OK is the +OK simple string.
var OK = Value{Kind: SimpleString, Str: []byte("OK")}

// NullBulk is the nil reply of GET on a missing key ($-1 in RESP2, _ in RESP3).
var NullBulk = Value{Kind: Null}

// Simple returns a simple string (+s).
func Simple(s string) Value { return Value{Kind: SimpleString, Str: []byte(s)} }

// Err returns an error reply; msg starts with its code, e.g. "ERR syntax error".
func Err(msg string) Value { return Value{Kind: Error, Str: []byte(msg)} }

// Int returns an integer reply.
func Int(n int64) Value { return Value{Kind: Integer, Int: n} }

// Bulk returns a bulk string holding b (not copied).
func Bulk(b []byte) Value { return Value{Kind: BulkString, Str: b} }

// BulkFromString returns a bulk string holding s.
func BulkFromString(s string) Value { return Value{Kind: BulkString, Str: []byte(s)} }

// ArrayOf returns an array of the given elements.
func ArrayOf(elems ...Value) Value { return Value{Kind: Array, Elems: elems} }

// IsError reports whether v is an error reply.
func (v Value) IsError() bool { return v.Kind == Error }

// String renders v for test failures and logs, roughly as redis-cli does.
func (v Value) String() string {
	switch v.Kind {
	case SimpleString, BulkString, BigNumber, Verbatim:
		return strconv.Quote(string(v.Str))
	case Error:
		return "(error) " + string(v.Str)
	case Integer:
		return "(integer) " + strconv.FormatInt(v.Int, 10)
	case Boolean:
		if v.Int != 0 {
			return "(true)"
		}
		return "(false)"
	case Double:
		if len(v.Str) > 0 {
			return "(double) " + string(v.Str)
		}
		return "(double) " + FormatDouble(v.Float)
	case Null, NullArray:
		return "(nil)"
	case Attribute:
		return v.Elems[len(v.Elems)-1].String()
	case Array, Set, Push, Map, Pairs:
		var b strings.Builder
		b.WriteByte('[')
		for i, e := range v.Elems {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(e.String())
		}
		b.WriteByte(']')
		return b.String()
	}
	return fmt.Sprintf("(kind %d)", v.Kind)
}
