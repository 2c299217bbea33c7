package cachelab

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"syslab/engines/cache"
	"syslab/engines/cache/resp"
	"syslab/lab/engine"
	"syslab/node"
)

// The wire form of the messages a lab client and a cache node exchange on
// every operation (Command, Reply, Push) when a scenario runs live. Live
// mode's default codec, a self-contained gob stream per frame, re-sends
// the type descriptions in every frame and cost ~110µs per message to
// encode and decode on this lab's machine: it, not the cache, was what a
// live run measured. This codec writes the fields directly (~1µs):
//
//	Command  uvarint Seq | uvarint argc | argc × bytes
//	Reply    uvarint Seq | value | uvarint len(More)+1 (0: nil) | More… | byte Protocol (| 0x80: Silent)
//	Push     value | byte Protocol
//	value    byte Kind | bytes Str | varint Int | 8 bytes Float bits | uvarint len(Elems)+1 (0: nil) | Elems…
//	bytes    uvarint len+1 (0: nil) | the bytes
//
// nil and empty are told apart so a message comes back exactly as it left.

// wireDepthMax bounds the nesting of decoded values, as the RESP reply
// parser bounds it, so hostile bytes cannot make the decoder recurse
// without end.
const wireDepthMax = resp.ReplyDepthMax

// wireCodecs are the codecs the lab registers with live mode, by message
// name (the names in Cluster.Messages).
func wireCodecs() map[string]engine.Codec {
	return map[string]engine.Codec{
		"cache.Command": {Encode: encodeCommand, Decode: decodeCommand},
		"cache.Reply":   {Encode: encodeReply, Decode: decodeReply},
		"cache.Push":    {Encode: encodePush, Decode: decodePush},
	}
}

var errWireShort = errors.New("cachelab wire: message ends early")

func encodeCommand(m node.Message) ([]byte, error) {
	c, ok := m.(cache.Command)
	if !ok {
		return nil, fmt.Errorf("cachelab wire: %T is not a cache.Command", m)
	}
	size := 2 * binary.MaxVarintLen64
	for _, a := range c.Args {
		size += binary.MaxVarintLen64 + len(a)
	}
	b := make([]byte, 0, size)
	b = binary.AppendUvarint(b, c.Seq)
	b = binary.AppendUvarint(b, uint64(len(c.Args)))
	for _, a := range c.Args {
		b = appendWireBytes(b, a)
	}
	return b, nil
}

func decodeCommand(b []byte) (node.Message, error) {
	d := wireDecoder{b: b}
	c := cache.Command{Seq: d.uvarint()}
	n := d.count(1)
	if n > 0 {
		c.Args = make([][]byte, 0, n)
	}
	for range n {
		c.Args = append(c.Args, d.bytes())
	}
	return c, d.finish()
}

func encodeReply(m node.Message) ([]byte, error) {
	r, ok := m.(cache.Reply)
	if !ok {
		return nil, fmt.Errorf("cachelab wire: %T is not a cache.Reply", m)
	}
	b := make([]byte, 0, 64+len(r.Value.Str))
	b = binary.AppendUvarint(b, r.Seq)
	b = appendWireValue(b, r.Value)
	b = appendWireValues(b, r.More)
	protocol := r.Protocol
	if r.Silent {
		protocol |= wireSilentBit
	}
	return append(b, protocol), nil
}

// wireSilentBit marks a Reply's Silent (CLIENT REPLY OFF) in its protocol
// byte, whose values (0, 2, 3) never use it.
const wireSilentBit = 0x80

func decodeReply(b []byte) (node.Message, error) {
	d := wireDecoder{b: b}
	r := cache.Reply{Seq: d.uvarint(), Value: d.value(0)}
	r.More = d.values(0)
	protocol := d.byte()
	r.Protocol, r.Silent = protocol&^wireSilentBit, protocol&wireSilentBit != 0
	return r, d.finish()
}

func encodePush(m node.Message) ([]byte, error) {
	p, ok := m.(cache.Push)
	if !ok {
		return nil, fmt.Errorf("cachelab wire: %T is not a cache.Push", m)
	}
	b := appendWireValue(make([]byte, 0, 64), p.Value)
	return append(b, p.Protocol), nil
}

func decodePush(b []byte) (node.Message, error) {
	d := wireDecoder{b: b}
	p := cache.Push{Value: d.value(0)}
	p.Protocol = d.byte()
	return p, d.finish()
}

func appendWireBytes(b, s []byte) []byte {
	if s == nil {
		return append(b, 0)
	}
	b = binary.AppendUvarint(b, uint64(len(s))+1)
	return append(b, s...)
}

func appendWireValue(b []byte, v resp.Value) []byte {
	b = append(b, byte(v.Kind))
	b = appendWireBytes(b, v.Str)
	b = binary.AppendVarint(b, v.Int)
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v.Float))
	return appendWireValues(b, v.Elems)
}

func appendWireValues(b []byte, vs []resp.Value) []byte {
	if vs == nil {
		return append(b, 0)
	}
	b = binary.AppendUvarint(b, uint64(len(vs))+1)
	for _, e := range vs {
		b = appendWireValue(b, e)
	}
	return b
}

// wireDecoder reads the fields above, keeping the first error: after one,
// every read returns a zero value and finish reports it.
type wireDecoder struct {
	b   []byte
	err error
}

func (d *wireDecoder) fail(err error) {
	if d.err == nil {
		d.err = err
	}
	d.b = nil
}

func (d *wireDecoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail(errWireShort)
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *wireDecoder) byte() byte {
	if len(d.b) == 0 {
		d.fail(errWireShort)
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

// count reads an element count and checks it against what is left, each
// element taking at least minBytes: a forged count allocates nothing.
func (d *wireDecoder) count(minBytes int) int {
	n := d.uvarint()
	if d.err == nil && n > uint64(len(d.b)/minBytes) {
		d.fail(fmt.Errorf("cachelab wire: %d elements declared, %d bytes left", n, len(d.b)))
		return 0
	}
	return int(n)
}

func (d *wireDecoder) bytes() []byte {
	n := d.uvarint()
	if n == 0 || d.err != nil {
		return nil
	}
	n--
	if n > uint64(len(d.b)) {
		d.fail(errWireShort)
		return nil
	}
	s := d.b[:n:n]
	d.b = d.b[n:]
	return s
}

// wireValueBytesMin is the smallest encoded value: kind, nil Str, Int 0,
// Float, nil Elems.
const wireValueBytesMin = 1 + 1 + 1 + 8 + 1

func (d *wireDecoder) value(depth int) resp.Value {
	if depth > wireDepthMax {
		d.fail(fmt.Errorf("cachelab wire: values nested deeper than %d", wireDepthMax))
		return resp.Value{}
	}
	v := resp.Value{Kind: resp.Kind(d.byte()), Str: d.bytes()}
	i, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail(errWireShort)
		return resp.Value{}
	}
	v.Int, d.b = i, d.b[n:]
	if len(d.b) < 8 {
		d.fail(errWireShort)
		return resp.Value{}
	}
	v.Float, d.b = math.Float64frombits(binary.LittleEndian.Uint64(d.b)), d.b[8:]
	v.Elems = d.values(depth + 1)
	return v
}

func (d *wireDecoder) values(depth int) []resp.Value {
	n := d.uvarint()
	if n == 0 || d.err != nil {
		return nil
	}
	n--
	if n > uint64(len(d.b)/wireValueBytesMin) {
		d.fail(fmt.Errorf("cachelab wire: %d values declared, %d bytes left", n, len(d.b)))
		return nil
	}
	vs := make([]resp.Value, 0, n)
	for range n {
		vs = append(vs, d.value(depth))
		if d.err != nil {
			return nil
		}
	}
	return vs
}

func (d *wireDecoder) finish() error {
	if d.err != nil {
		return d.err
	}
	if len(d.b) != 0 {
		return fmt.Errorf("cachelab wire: %d bytes left over", len(d.b))
	}
	return nil
}
