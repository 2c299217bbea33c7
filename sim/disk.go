package sim

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"math/rand/v2"
	"sort"

	"syslab/node"
)

// Disk is a node's simulated disk: a flat directory of in-memory files. It
// belongs to the node, not to an incarnation, so it outlives Crash, Kill
// and Restart.
//
// Every file keeps two contents: the current bytes (what reads see, the
// page cache) and the durable bytes (what a power loss leaves). Sync copies
// current to durable; Crash throws current away. Create, Rename and Remove
// are durable at once, as if the directory were synced.
//
// The node reaches its disk through Env.Disk, which charges latency to its
// CPU, applies injected faults, and closes the files of a dead incarnation.
// The *Disk methods themselves are the operator's view for tests and
// reports: no latency, no faults, no incarnation.
type Disk struct {
	w         *World
	owner     *simNode
	cfg       DiskConfig
	fault     DiskFault
	files     map[string]*inode
	sync      distribution
	write     distribution
	usedBytes int64 // sum of the current sizes of linked files

	// Separate streams so that injecting a fault or turning on torn writes
	// does not change the latency samples.
	latencyRand *rand.Rand
	faultRand   *rand.Rand
	tornRand    *rand.Rand
}

func newDisk(w *World, owner *simNode, cfg DiskConfig) *Disk {
	id := string(owner.id)
	return &Disk{
		w:           w,
		owner:       owner,
		cfg:         cfg,
		files:       make(map[string]*inode),
		sync:        cfg.SyncLatency.compile(),
		write:       cfg.WriteLatency.compile(),
		latencyRand: newStream(w.cfg.Seed, "disk/"+id),
		faultRand:   newStream(w.cfg.Seed, "disk/"+id+"/fault"),
		tornRand:    newStream(w.cfg.Seed, "disk/"+id+"/torn"),
	}
}

// cleanOffset marks an inode with nothing unsynced.
const cleanOffset = math.MaxInt64

// inode is a file's content, shared by every handle open on it; like a
// POSIX inode it survives Rename and, for open handles, Remove.
type inode struct {
	data    []byte // current content
	durable []byte // content a power loss leaves; never shares data's array
	// dirtyFrom is the lowest offset changed since the content was last
	// durable; cleanOffset if nothing is. Invariant: dirtyFrom <= len(data)
	// when dirty, so durable[:dirtyFrom] is still equal to data's prefix.
	dirtyFrom        int64
	gen              uint64 // bumps when dirty data becomes durable or is lost
	writebackPending bool
	linked           bool
}

func (ino *inode) dirty() bool { return ino.dirtyFrom != cleanOffset }

// persist makes the current content durable, copying only what changed.
func (ino *inode) persist() {
	if !ino.dirty() {
		return
	}
	if ino.dirtyFrom > int64(len(ino.data)) {
		panic(fmt.Sprintf("sim: disk inode dirty from %d beyond its size %d", ino.dirtyFrom, len(ino.data)))
	}
	keep := min(ino.dirtyFrom, int64(len(ino.durable)))
	ino.durable = append(ino.durable[:keep], ino.data[keep:]...)
	ino.markClean()
}

func (ino *inode) markClean() {
	ino.dirtyFrom = cleanOffset
	ino.gen++
	ino.writebackPending = false
}

// markDirty records a change at offset from and, with Writeback set,
// schedules the OS to flush the file Writeback after it first became dirty.
// Like Linux, which flushes a whole inode once its oldest dirty page
// expires, the flush takes everything dirty by then, younger data included.
func (d *Disk) markDirty(ino *inode, from int64) {
	if from < ino.dirtyFrom {
		ino.dirtyFrom = from
	}
	if d.cfg.Writeback <= 0 || ino.writebackPending {
		return
	}
	ino.writebackPending = true
	gen := ino.gen
	at := d.owner.nodeTime(d.w) + d.cfg.Writeback
	d.w.queue.push(event{at: at, kind: kindWriteback, to: d.owner.index, from: -1, fn: func() {
		if ino.gen == gen {
			ino.persist()
		}
	}})
}

// powerLoss reverts every file to its durable content. Files are visited in
// name order so the torn-write draws are deterministic.
func (d *Disk) powerLoss() {
	names := d.sortedNames()
	for _, name := range names {
		ino := d.files[name]
		if !ino.dirty() {
			continue
		}
		durableLen := int64(len(ino.durable))
		// A torn write keeps a prefix of an appended tail; changes inside
		// the durable part are simply lost.
		if d.cfg.TornWrites && ino.dirtyFrom >= durableLen && int64(len(ino.data)) > durableLen {
			tail := int64(len(ino.data)) - durableLen
			kept := d.tornRand.Int64N(tail + 1)
			ino.durable = append(ino.durable, ino.data[durableLen:durableLen+kept]...)
		}
		ino.data = bytes.Clone(ino.durable)
		ino.markClean()
	}
	d.usedBytes = 0
	for _, name := range names {
		d.usedBytes += int64(len(d.files[name].data))
	}
}

func (d *Disk) sortedNames() []string {
	names := make([]string, 0, len(d.files))
	for name := range d.files {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// access says who is using the disk: the operator, or one incarnation of
// the owning node (which pays latency and suffers faults).
type access struct {
	byNode bool
	inc    uint32
}

var operator = access{}

func (d *Disk) dead(a access) bool { return a.byNode && d.owner.inc != a.inc }

// charge adds a disk latency sample to the running handler's CPU time.
func (d *Disk) charge(a access, dist *distribution) {
	if !a.byNode {
		return
	}
	lat := dist.sample(d.latencyRand)
	if d.owner.running {
		d.owner.accrued += lat
	}
}

func (d *Disk) failed(a access, rate float64) bool {
	return a.byNode && rate > 0 && d.faultRand.Float64() < rate
}

func (d *Disk) noSpace(a access, growBytes int64) bool {
	if growBytes <= 0 {
		return false
	}
	if a.byNode && d.fault.Full {
		return true
	}
	return d.cfg.CapacityBytes > 0 && d.usedBytes+growBytes > d.cfg.CapacityBytes
}

func pathError(op, name string, err error) error { return &fs.PathError{Op: op, Path: name, Err: err} }

func (d *Disk) open(name string, truncate bool, a access) (node.File, error) {
	op := "open"
	if truncate {
		op = "create"
	}
	if err := node.ValidName(name); err != nil {
		return nil, pathError(op, name, err)
	}
	if d.dead(a) {
		return nil, pathError(op, name, node.ErrClosed)
	}
	ino, ok := d.files[name]
	if !ok {
		ino = &inode{dirtyFrom: cleanOffset, linked: true}
		d.files[name] = ino
	}
	if truncate {
		d.usedBytes -= int64(len(ino.data))
		ino.data, ino.durable = nil, nil
		ino.markClean()
	}
	return &file{d: d, ino: ino, name: name, a: a}, nil
}

func (d *Disk) readFile(name string, a access) ([]byte, error) {
	if err := node.ValidName(name); err != nil {
		return nil, pathError("open", name, err)
	}
	if d.dead(a) {
		return nil, pathError("open", name, node.ErrClosed)
	}
	ino, ok := d.files[name]
	if !ok {
		return nil, pathError("open", name, node.ErrNotExist)
	}
	if d.failed(a, d.fault.ReadErrorRate) {
		return nil, pathError("read", name, node.ErrIO)
	}
	return bytes.Clone(ino.data), nil
}

func (d *Disk) rename(oldName, newName string, a access) error {
	for _, name := range []string{oldName, newName} {
		if err := node.ValidName(name); err != nil {
			return pathError("rename", name, err)
		}
	}
	if d.dead(a) {
		return pathError("rename", oldName, node.ErrClosed)
	}
	ino, ok := d.files[oldName]
	if !ok {
		return pathError("rename", oldName, node.ErrNotExist)
	}
	if oldName == newName {
		return nil
	}
	if replaced, ok := d.files[newName]; ok {
		replaced.linked = false
		d.usedBytes -= int64(len(replaced.data))
	}
	d.files[newName] = ino
	delete(d.files, oldName)
	return nil
}

func (d *Disk) remove(name string, a access) error {
	if err := node.ValidName(name); err != nil {
		return pathError("remove", name, err)
	}
	if d.dead(a) {
		return pathError("remove", name, node.ErrClosed)
	}
	ino, ok := d.files[name]
	if !ok {
		return pathError("remove", name, node.ErrNotExist)
	}
	ino.linked = false
	d.usedBytes -= int64(len(ino.data))
	delete(d.files, name)
	return nil
}

func (d *Disk) list(a access) ([]string, error) {
	if d.dead(a) {
		return nil, pathError("readdir", ".", node.ErrClosed)
	}
	return d.sortedNames(), nil
}

// Operator view (node.Disk without latency, faults or incarnations).

var _ node.Disk = (*Disk)(nil)

func (d *Disk) Open(name string) (node.File, error)   { return d.open(name, false, operator) }
func (d *Disk) Create(name string) (node.File, error) { return d.open(name, true, operator) }
func (d *Disk) ReadFile(name string) ([]byte, error)  { return d.readFile(name, operator) }
func (d *Disk) Rename(oldName, newName string) error  { return d.rename(oldName, newName, operator) }
func (d *Disk) Remove(name string) error              { return d.remove(name, operator) }
func (d *Disk) List() ([]string, error)               { return d.list(operator) }

// DurableFile returns what a power loss now would leave of the named file
// (before any torn-write tail).
func (d *Disk) DurableFile(name string) ([]byte, error) {
	ino, ok := d.files[name]
	if !ok {
		return nil, pathError("open", name, node.ErrNotExist)
	}
	return bytes.Clone(ino.durable), nil
}

// UsedBytes is the sum of the current sizes of all files.
func (d *Disk) UsedBytes() int64 { return d.usedBytes }

// Fault is the disk fault in force.
func (d *Disk) Fault() DiskFault { return d.fault }

// nodeDisk is the disk as one incarnation sees it through Env.Disk.
type nodeDisk struct {
	d   *Disk
	inc uint32
}

var _ node.Disk = nodeDisk{}

func (nd nodeDisk) a() access                             { return access{byNode: true, inc: nd.inc} }
func (nd nodeDisk) Open(name string) (node.File, error)   { return nd.d.open(name, false, nd.a()) }
func (nd nodeDisk) Create(name string) (node.File, error) { return nd.d.open(name, true, nd.a()) }
func (nd nodeDisk) ReadFile(name string) ([]byte, error)  { return nd.d.readFile(name, nd.a()) }
func (nd nodeDisk) Rename(oldName, newName string) error {
	return nd.d.rename(oldName, newName, nd.a())
}
func (nd nodeDisk) Remove(name string) error { return nd.d.remove(name, nd.a()) }
func (nd nodeDisk) List() ([]string, error)  { return nd.d.list(nd.a()) }

// file is an open handle on an inode.
type file struct {
	d      *Disk
	ino    *inode
	name   string
	a      access
	closed bool
}

var _ node.File = (*file)(nil)

var errNegativeOffset = errors.New("negative offset")

func (f *file) usable(op string) error {
	if f.closed || f.d.dead(f.a) {
		return pathError(op, f.name, node.ErrClosed)
	}
	return nil
}

func (f *file) Name() string { return f.name }
func (f *file) Size() int64  { return int64(len(f.ino.data)) }

func (f *file) Close() error {
	if f.closed {
		return pathError("close", f.name, node.ErrClosed)
	}
	f.closed = true
	return nil
}

// Write appends p at the end of the file.
func (f *file) Write(p []byte) (int, error) {
	return f.writeAt("write", p, int64(len(f.ino.data)))
}

func (f *file) WriteAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, pathError("writeat", f.name, errNegativeOffset)
	}
	return f.writeAt("writeat", p, off)
}

func (f *file) writeAt(op string, p []byte, off int64) (int, error) {
	if err := f.usable(op); err != nil {
		return 0, err
	}
	d, ino := f.d, f.ino
	d.charge(f.a, &d.write)
	if d.failed(f.a, d.fault.WriteErrorRate) {
		return 0, pathError(op, f.name, node.ErrIO)
	}
	oldSize := int64(len(ino.data))
	end := off + int64(len(p))
	if end < off {
		return 0, pathError(op, f.name, errors.New("offset overflow"))
	}
	grow := end - oldSize
	if d.noSpace(f.a, grow) {
		return 0, pathError(op, f.name, node.ErrNoSpace)
	}
	if grow > 0 {
		ino.data = append(ino.data, make([]byte, grow)...)
		if ino.linked {
			d.usedBytes += grow
		}
	}
	copy(ino.data[off:], p)
	d.markDirty(ino, min(off, oldSize))
	return len(p), nil
}

func (f *file) ReadAt(p []byte, off int64) (int, error) {
	if err := f.usable("read"); err != nil {
		return 0, err
	}
	if off < 0 {
		return 0, pathError("read", f.name, errNegativeOffset)
	}
	if f.d.failed(f.a, f.d.fault.ReadErrorRate) {
		return 0, pathError("read", f.name, node.ErrIO)
	}
	data := f.ino.data
	if off >= int64(len(data)) {
		return 0, io.EOF
	}
	n := copy(p, data[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// Sync makes the file durable; the node's CPU is charged SyncLatency even
// when the sync fails, as a real fsync takes its time before reporting EIO.
func (f *file) Sync() error {
	if err := f.usable("sync"); err != nil {
		return err
	}
	d := f.d
	d.charge(f.a, &d.sync)
	if d.failed(f.a, d.fault.SyncErrorRate) {
		return pathError("sync", f.name, node.ErrIO)
	}
	f.ino.persist()
	return nil
}

func (f *file) Truncate(sizeBytes int64) error {
	if err := f.usable("truncate"); err != nil {
		return err
	}
	if sizeBytes < 0 {
		return pathError("truncate", f.name, fmt.Errorf("negative size %d", sizeBytes))
	}
	d, ino := f.d, f.ino
	if d.failed(f.a, d.fault.WriteErrorRate) {
		return pathError("truncate", f.name, node.ErrIO)
	}
	oldSize := int64(len(ino.data))
	grow := sizeBytes - oldSize
	if d.noSpace(f.a, grow) {
		return pathError("truncate", f.name, node.ErrNoSpace)
	}
	if grow > 0 {
		ino.data = append(ino.data, make([]byte, grow)...)
	} else {
		ino.data = ino.data[:sizeBytes]
	}
	if ino.linked {
		d.usedBytes += grow
	}
	if grow != 0 {
		d.markDirty(ino, min(sizeBytes, oldSize))
	}
	return nil
}
