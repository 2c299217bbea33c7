package live

// Frame format for node-to-node messages (all integers big-endian):
//
//	uint32 bodyBytes                      length of everything after this field
//	uint16 len | from node ID
//	uint16 len | to node ID
//	uint16 len | registered type name
//	payload                               the rest of the body
//
// The payload is the message's MarshalBinary output when its registered type
// T implements encoding.BinaryMarshaler (by value or pointer) and *T
// implements encoding.BinaryUnmarshaler; otherwise it is T in encoding/gob,
// one self-contained gob stream per frame.
//
// A reader must survive hostile bytes: the length prefix is checked against
// frameBytesMax before anything is read, and the body buffer grows only as
// bytes actually arrive, so a forged huge length costs no memory.

import (
	"bytes"
	"encoding"
	"encoding/binary"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"sync"

	"syslab/node"
)

const (
	// frameBytesMax bounds one frame body. Large enough for a full
	// snapshot transfer, small enough that a corrupt prefix is caught.
	frameBytesMax = 512 << 20
	// frameFieldBytesMax bounds the from, to and type-name fields.
	frameFieldBytesMax = 1<<16 - 1
	// frameReadChunkBytes is how much body buffer grows per step while
	// reading, so memory follows the bytes that really arrived.
	frameReadChunkBytes = 64 << 10
)

// ErrFrame wraps every malformed-frame error Decode returns.
var ErrFrame = errors.New("live: bad frame")

// ErrUnknownType is returned (wrapped) by Encode and Decode for a message
// type nobody registered.
var ErrUnknownType = errors.New("live: unregistered message type")

type codecEntry struct {
	name   string
	encode func(node.Message) ([]byte, error)
	decode func([]byte) (node.Message, error)
}

var registry = struct {
	sync.RWMutex
	byName map[string]*codecEntry
	byType map[reflect.Type]*codecEntry
}{
	byName: map[string]*codecEntry{},
	byType: map[reflect.Type]*codecEntry{},
}

// Register makes messages of type T able to cross a socket under name.
// Engines call it from init for every message type they send between
// nodes. It panics on a duplicate name or type, or an invalid name: both
// are programming errors found at start-up.
func Register[T any](name string) {
	if name == "" || len(name) > frameFieldBytesMax {
		panic(fmt.Sprintf("live.Register: invalid type name %q", name))
	}
	typ := reflect.TypeFor[T]()
	if typ.Kind() == reflect.Interface {
		panic(fmt.Sprintf("live.Register(%q): %v is an interface; register concrete types", name, typ))
	}
	entry := &codecEntry{name: name, encode: encoderFor[T](), decode: decoderFor[T](name)}

	registry.Lock()
	defer registry.Unlock()
	if prev, ok := registry.byName[name]; ok {
		panic(fmt.Sprintf("live.Register: name %q already registered (for %s)", name, prev.name))
	}
	if prev, ok := registry.byType[typ]; ok {
		panic(fmt.Sprintf("live.Register(%q): type %v already registered as %q", name, typ, prev.name))
	}
	registry.byName[name] = entry
	registry.byType[typ] = entry
}

// usesBinary reports whether T travels as MarshalBinary/UnmarshalBinary.
func usesBinary[T any]() bool {
	typ := reflect.TypeFor[T]()
	marshaler := reflect.TypeFor[encoding.BinaryMarshaler]()
	unmarshaler := reflect.TypeFor[encoding.BinaryUnmarshaler]()
	target := reflect.PointerTo(typ) // what UnmarshalBinary is called on
	if typ.Kind() == reflect.Pointer {
		target = typ
	}
	canMarshal := typ.Implements(marshaler) || reflect.PointerTo(typ).Implements(marshaler)
	return canMarshal && target.Implements(unmarshaler)
}

func encoderFor[T any]() func(node.Message) ([]byte, error) {
	if usesBinary[T]() {
		return func(m node.Message) ([]byte, error) {
			v := m.(T)
			if bm, ok := any(v).(encoding.BinaryMarshaler); ok {
				return bm.MarshalBinary()
			}
			return any(&v).(encoding.BinaryMarshaler).MarshalBinary()
		}
	}
	return func(m node.Message) ([]byte, error) {
		var buf bytes.Buffer
		if err := gob.NewEncoder(&buf).Encode(m.(T)); err != nil {
			return nil, err
		}
		return buf.Bytes(), nil
	}
}

func decoderFor[T any](name string) func([]byte) (node.Message, error) {
	typ := reflect.TypeFor[T]()
	if usesBinary[T]() {
		return func(payload []byte) (msg node.Message, err error) {
			defer recoverDecode(name, &err)
			if typ.Kind() == reflect.Pointer {
				v := reflect.New(typ.Elem()).Interface().(T)
				if err := any(v).(encoding.BinaryUnmarshaler).UnmarshalBinary(payload); err != nil {
					return nil, err
				}
				return v, nil
			}
			var v T
			if err := any(&v).(encoding.BinaryUnmarshaler).UnmarshalBinary(payload); err != nil {
				return nil, err
			}
			return v, nil
		}
	}
	return func(payload []byte) (msg node.Message, err error) {
		defer recoverDecode(name, &err)
		var v T
		if err := gob.NewDecoder(bytes.NewReader(payload)).Decode(&v); err != nil {
			return nil, err
		}
		return v, nil
	}
}

// recoverDecode turns a panic inside a payload decoder (gob on hostile
// input, or an engine's UnmarshalBinary with a missing bounds check) into
// an error: bytes from the network must never crash the node.
func recoverDecode(name string, err *error) {
	if p := recover(); p != nil {
		*err = fmt.Errorf("decoder for %q panicked: %v", name, p)
	}
}

func lookupType(msg node.Message) (*codecEntry, error) {
	registry.RLock()
	entry, ok := registry.byType[reflect.TypeOf(msg)]
	registry.RUnlock()
	if !ok {
		return nil, fmt.Errorf("%w: %T", ErrUnknownType, msg)
	}
	return entry, nil
}

// AppendFrame appends msg's frame to dst.
func AppendFrame(dst []byte, from, to node.ID, msg node.Message) ([]byte, error) {
	entry, err := lookupType(msg)
	if err != nil {
		return dst, err
	}
	payload, err := entry.encode(msg)
	if err != nil {
		return dst, fmt.Errorf("live: encode %s (%q): %w", entry.name, to, err)
	}
	if len(from) > frameFieldBytesMax || len(to) > frameFieldBytesMax {
		return dst, fmt.Errorf("%w: node ID longer than %d bytes", ErrFrame, frameFieldBytesMax)
	}
	body := 2 + len(from) + 2 + len(to) + 2 + len(entry.name) + len(payload)
	if body > frameBytesMax {
		return dst, fmt.Errorf("%w: %s message of %d bytes exceeds frameBytesMax %d", ErrFrame, entry.name, body, frameBytesMax)
	}
	dst = slices.Grow(dst, 4+body)
	dst = binary.BigEndian.AppendUint32(dst, uint32(body))
	dst = appendField(dst, string(from))
	dst = appendField(dst, string(to))
	dst = appendField(dst, entry.name)
	return append(dst, payload...), nil
}

func appendField(dst []byte, s string) []byte {
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(s)))
	return append(dst, s...)
}

// Encode writes msg as one frame to w.
func Encode(w io.Writer, from, to node.ID, msg node.Message) error {
	frame, err := AppendFrame(nil, from, to, msg)
	if err != nil {
		return err
	}
	_, err = w.Write(frame)
	return err
}

// Decode reads one frame from r. At a clean end of stream before a frame it
// returns io.EOF; a stream that ends inside a frame gives
// io.ErrUnexpectedEOF. Malformed frames give errors wrapping ErrFrame,
// unregistered types ErrUnknownType; r is then out of sync and should be
// closed.
func Decode(r io.Reader) (from, to node.ID, msg node.Message, err error) {
	var prefix [4]byte
	if _, err := io.ReadFull(r, prefix[:]); err != nil {
		return "", "", nil, err
	}
	bodyBytes := binary.BigEndian.Uint32(prefix[:])
	if bodyBytes > frameBytesMax {
		return "", "", nil, fmt.Errorf("%w: length %d exceeds frameBytesMax %d", ErrFrame, bodyBytes, frameBytesMax)
	}
	body, err := readBody(r, int(bodyBytes))
	if err != nil {
		return "", "", nil, err
	}
	fromField, rest, err := splitField(body, "from")
	if err != nil {
		return "", "", nil, err
	}
	toField, rest, err := splitField(rest, "to")
	if err != nil {
		return "", "", nil, err
	}
	name, payload, err := splitField(rest, "type name")
	if err != nil {
		return "", "", nil, err
	}
	registry.RLock()
	entry, ok := registry.byName[string(name)]
	registry.RUnlock()
	if !ok {
		return "", "", nil, fmt.Errorf("%w: %q", ErrUnknownType, name)
	}
	msg, err = entry.decode(payload)
	if err != nil {
		return "", "", nil, fmt.Errorf("%w: payload of %q: %v", ErrFrame, name, err)
	}
	return node.ID(fromField), node.ID(toField), msg, nil
}

// readBody reads exactly n bytes. A body up to frameReadChunkBytes is read
// in one go; a larger one grows by doubling as bytes arrive, so a forged
// length costs at most twice the bytes really sent.
func readBody(r io.Reader, n int) ([]byte, error) {
	body := make([]byte, 0, min(n, frameReadChunkBytes))
	for len(body) < n {
		step := min(n-len(body), max(len(body), frameReadChunkBytes))
		body = slices.Grow(body, step)
		got, err := io.ReadFull(r, body[len(body):len(body)+step])
		body = body[:len(body)+got]
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
	}
	return body, nil
}

func splitField(b []byte, what string) (field, rest []byte, err error) {
	if len(b) < 2 {
		return nil, nil, fmt.Errorf("%w: truncated before %s length", ErrFrame, what)
	}
	n := int(binary.BigEndian.Uint16(b))
	if len(b)-2 < n {
		return nil, nil, fmt.Errorf("%w: %s length %d exceeds remaining %d bytes", ErrFrame, what, n, len(b)-2)
	}
	return b[2 : 2+n], b[2+n:], nil
}

// RegisterValueCodec is RegisterValue with the payload in the caller's own
// encoding instead of gob: for the few message types an engine sends on
// every operation, where gob's per-frame type descriptions would cost more
// than the work the message asks for. decode gets a payload buffer the
// frame owns (it may keep slices of it) and must return an error, never
// panic, on bytes encode did not make. As with RegisterValue, registering
// the same name for the same type again is a no-op: the first codec stays.
func RegisterValueCodec(name string, prototype node.Message, encode func(node.Message) ([]byte, error), decode func([]byte) (node.Message, error)) {
	if encode == nil || decode == nil {
		panic(fmt.Sprintf("live.RegisterValueCodec(%q): nil encode or decode", name))
	}
	registerValueEntry(name, prototype, func(typ reflect.Type) *codecEntry {
		return &codecEntry{name: name, encode: encode, decode: func(payload []byte) (msg node.Message, err error) {
			defer recoverDecode(name, &err)
			msg, err = decode(payload)
			if err == nil && reflect.TypeOf(msg) != typ {
				return nil, fmt.Errorf("decoder for %q returned %T, want %v", name, msg, typ)
			}
			return msg, err
		}}
	})
}

// RegisterValue is Register for code that knows its message types only at
// run time, such as the lab registering an engine's messages from
// prototype values. Payloads always travel in gob. Registering the same
// type under the same name again is a no-op, so a runner may call it for
// every run; a clash with a different type or name still panics.
func RegisterValue(name string, prototype node.Message) {
	registerValueEntry(name, prototype, func(typ reflect.Type) *codecEntry {
		return &codecEntry{
			name: name,
			encode: func(m node.Message) ([]byte, error) {
				var buf bytes.Buffer
				if err := gob.NewEncoder(&buf).Encode(m); err != nil {
					return nil, err
				}
				return buf.Bytes(), nil
			},
			decode: func(payload []byte) (msg node.Message, err error) {
				defer recoverDecode(name, &err)
				v := reflect.New(typ)
				if err := gob.NewDecoder(bytes.NewReader(payload)).DecodeValue(v); err != nil {
					return nil, err
				}
				return v.Elem().Interface(), nil
			},
		}
	})
}

func registerValueEntry(name string, prototype node.Message, build func(reflect.Type) *codecEntry) {
	if name == "" || len(name) > frameFieldBytesMax {
		panic(fmt.Sprintf("live.RegisterValue: invalid type name %q", name))
	}
	typ := reflect.TypeOf(prototype)
	if typ == nil {
		panic(fmt.Sprintf("live.RegisterValue(%q): nil prototype", name))
	}
	registry.Lock()
	defer registry.Unlock()
	if prev, ok := registry.byName[name]; ok {
		if registry.byType[typ] == prev {
			return
		}
		panic(fmt.Sprintf("live.RegisterValue: name %q already registered for another type", name))
	}
	if prev, ok := registry.byType[typ]; ok {
		panic(fmt.Sprintf("live.RegisterValue(%q): type %v already registered as %q", name, typ, prev.name))
	}
	entry := build(typ)
	registry.byName[name] = entry
	registry.byType[typ] = entry
}
