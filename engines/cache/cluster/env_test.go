package cluster

import (
	"errors"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"syslab/node"
)

// fakeEnv is a node.Env for driving one State by hand: a manual clock,
// recorded sends, and an in-memory disk that tells synced from unsynced
// bytes (durable holds what a crash would keep).
type fakeEnv struct {
	now     time.Time
	rng     *rand.Rand
	sent    []sentMessage
	disk    *memDisk
	onSend  func(to node.ID, msg node.Message)
	logs    []string
	selfID  node.ID
	metrics node.Metrics
}

type sentMessage struct {
	to  node.ID
	msg node.Message
}

func newFakeEnv(seed uint64) *fakeEnv {
	return &fakeEnv{now: time.Unix(1_700_000_000, 0), rng: rand.New(rand.NewPCG(seed, 1)), disk: &memDisk{files: map[string]*memFile{}},
		selfID: "me", metrics: node.NopMetrics{}}
}

func (e *fakeEnv) Self() node.ID  { return e.selfID }
func (e *fakeEnv) Now() time.Time { return e.now }
func (e *fakeEnv) After(time.Duration, func()) node.Timer {
	panic("cluster: the state must not set timers; its host calls Cron")
}
func (e *fakeEnv) Send(to node.ID, msg node.Message) {
	if e.onSend != nil {
		e.onSend(to, msg)
	}
	e.sent = append(e.sent, sentMessage{to, msg})
}
func (e *fakeEnv) Disk() node.Disk              { return e.disk }
func (e *fakeEnv) Rand() *rand.Rand             { return e.rng }
func (e *fakeEnv) Logf(format string, _ ...any) { e.logs = append(e.logs, format) }
func (e *fakeEnv) Metrics() node.Metrics        { return e.metrics }

// takeSent returns and forgets the recorded sends.
func (e *fakeEnv) takeSent() []sentMessage {
	out := e.sent
	e.sent = nil
	return out
}

// memDisk is a flat in-memory node.Disk. Each file keeps its bytes and
// the synced prefix; durable reads what survives a crash.
type memDisk struct{ files map[string]*memFile }

type memFile struct {
	name   string
	data   []byte
	synced []byte
	closed bool
}

func (d *memDisk) Open(name string) (node.File, error) {
	if err := node.ValidName(name); err != nil {
		return nil, err
	}
	if f, ok := d.files[name]; ok {
		f.closed = false
		return f, nil
	}
	f := &memFile{name: name}
	d.files[name] = f
	return f, nil
}

func (d *memDisk) Create(name string) (node.File, error) {
	if err := node.ValidName(name); err != nil {
		return nil, err
	}
	f := &memFile{name: name}
	d.files[name] = f
	return f, nil
}

func (d *memDisk) ReadFile(name string) ([]byte, error) {
	f, ok := d.files[name]
	if !ok {
		return nil, node.ErrNotExist
	}
	return slices.Clone(f.data), nil
}

func (d *memDisk) Rename(oldName, newName string) error {
	f, ok := d.files[oldName]
	if !ok {
		return node.ErrNotExist
	}
	delete(d.files, oldName)
	f.name = newName
	d.files[newName] = f
	return nil
}

func (d *memDisk) Remove(name string) error {
	if _, ok := d.files[name]; !ok {
		return node.ErrNotExist
	}
	delete(d.files, name)
	return nil
}

func (d *memDisk) List() ([]string, error) {
	var names []string
	for n := range d.files {
		names = append(names, n)
	}
	slices.Sort(names)
	return names, nil
}

// durable is the synced content of name ("" when absent).
func (d *memDisk) durable(name string) string {
	if f, ok := d.files[name]; ok {
		return string(f.synced)
	}
	return ""
}

func (f *memFile) Write(p []byte) (int, error) {
	if f.closed {
		return 0, node.ErrClosed
	}
	f.data = append(f.data, p...)
	return len(p), nil
}
func (f *memFile) ReadAt(p []byte, off int64) (int, error) {
	if off >= int64(len(f.data)) {
		return 0, io.EOF
	}
	n := copy(p, f.data[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}
func (f *memFile) WriteAt(p []byte, off int64) (int, error) {
	return 0, errors.New("memFile: WriteAt not needed")
}
func (f *memFile) Sync() error                    { f.synced = slices.Clone(f.data); return nil }
func (f *memFile) Truncate(sizeBytes int64) error { f.data = f.data[:sizeBytes]; return nil }
func (f *memFile) Size() int64                    { return int64(len(f.data)) }
func (f *memFile) Name() string                   { return f.name }
func (f *memFile) Close() error                   { f.closed = true; return nil }

// fakeHost is a Host with a settable offset and a key count per slot.
type fakeHost struct {
	offset     int64
	keys       map[int]int
	replicates []Peer
	promoted   int
	deleted    []int
}

func newFakeHost() *fakeHost { return &fakeHost{keys: map[int]int{}} }

func (h *fakeHost) ReplicateFrom(m Peer)         { h.replicates = append(h.replicates, m) }
func (h *fakeHost) BecomeMaster()                { h.promoted++ }
func (h *fakeHost) ReplicationOffset() int64     { return h.offset }
func (h *fakeHost) CountKeysInSlot(slot int) int { return h.keys[slot] }
func (h *fakeHost) KeysInSlot(slot, countMax int) [][]byte {
	var out [][]byte
	for i := range min(h.keys[slot], countMax) {
		out = append(out, []byte(strings.Repeat("k", i+1)))
	}
	return out
}
func (h *fakeHost) DeleteKeysInSlot(slot int) {
	h.deleted = append(h.deleted, slot)
	delete(h.keys, slot)
}
