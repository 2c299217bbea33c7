package sim

import (
	"fmt"
	"reflect"
)

// The trace hash is FNV-1a (64 bit) over the bytes of three words per
// processed event or applied fault: the virtual time, the packed
// (kind, node, peer), and an extra word (the message fingerprint for a
// delivery, the parameters of a fault). Wall-clock figures and Logf output
// never enter it.
const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

// Fingerprinter is implemented by messages that want their content, not
// only their type, in the trace hash. It must be cheap and deterministic.
type Fingerprinter interface {
	TraceFingerprint() uint64
}

// TraceHash is the hash of everything processed so far. Same seed and same
// scenario give the same hash; it is how a run proves it is deterministic.
func (w *World) TraceHash() uint64 { return w.hash }

func fnvWord(h, v uint64) uint64 {
	for i := 0; i < 8; i++ {
		h ^= v & 0xff
		h *= fnvPrime
		v >>= 8
	}
	return h
}

func fnvString(s string) uint64 {
	h := uint64(fnvOffset)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime
	}
	return h
}

// record folds one event into the hash and, if tracing, writes its line.
// a and b are endpoint indexes, -1 for none.
func (w *World) record(kind eventKind, a, b int32, extra uint64) {
	packed := uint64(kind) | uint64(uint32(a+1)&0xfffffff)<<8 | uint64(uint32(b+1)&0xfffffff)<<36
	h := fnvWord(w.hash, uint64(w.now))
	h = fnvWord(h, packed)
	w.hash = fnvWord(h, extra)
	if w.cfg.Trace != nil {
		fmt.Fprintf(w.cfg.Trace, "%v %s %s %s %#x\n", w.now, kind, w.endpointName(a), w.endpointName(b), extra)
	}
}

func (w *World) endpointName(idx int32) string {
	if idx < 0 {
		return "-"
	}
	return string(w.endpoints[idx].id)
}

// typeFingerprints hashes a message's dynamic type name once per type; a
// one-entry cache in front of the map serves the common run of equal types.
type typeFingerprints struct {
	lastType  reflect.Type
	lastPrint uint64
	byType    map[reflect.Type]uint64
}

func (c *typeFingerprints) fingerprint(msg any) uint64 {
	var content uint64
	if f, ok := msg.(Fingerprinter); ok {
		content = f.TraceFingerprint()
	}
	t := reflect.TypeOf(msg)
	if t == nil {
		return content
	}
	if t == c.lastType {
		return c.lastPrint ^ content
	}
	p, ok := c.byType[t]
	if !ok {
		if c.byType == nil {
			c.byType = make(map[reflect.Type]uint64)
		}
		name := t.String()
		if t.PkgPath() != "" {
			name = t.PkgPath() + "." + t.Name()
		}
		p = fnvString(name)
		c.byType[t] = p
	}
	c.lastType, c.lastPrint = t, p
	return p ^ content
}
