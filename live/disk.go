package live

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"syscall"

	"syslab/node"
)

// dirDisk is a node.Disk over one real directory. Create, Rename and Remove
// fsync the directory before returning, because on Linux a new or renamed
// directory entry is not durable until its directory is synced — the
// classic lost-rename-after-crash bug. A name "dir/file" is a file in a
// subdirectory, made (and its own entry synced) when a file is first
// created in it.
type dirDisk struct {
	root string

	mu   sync.Mutex
	open map[*dirFile]struct{} // closed by Runtime.Stop if the node forgot
}

func openDirDisk(root string) (*dirDisk, error) {
	if root == "" {
		return nil, errors.New("live: Config.Dir is empty")
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return nil, diskError("mkdir", root, err)
	}
	d := &dirDisk{root: root, open: map[*dirFile]struct{}{}}
	// The root itself may be new: make its entry in the parent durable.
	if err := syncDir(filepath.Dir(root)); err != nil {
		return nil, diskError("sync parent of", root, err)
	}
	return d, nil
}

func (d *dirDisk) path(name string) (string, error) {
	if err := node.ValidName(name); err != nil {
		return "", fmt.Errorf("live disk %s: %w", d.root, err)
	}
	return filepath.Join(d.root, name), nil
}

func (d *dirDisk) Open(name string) (node.File, error) {
	return d.openFile("open", name, os.O_RDWR|os.O_CREATE)
}

func (d *dirDisk) Create(name string) (node.File, error) {
	return d.openFile("create", name, os.O_RDWR|os.O_CREATE|os.O_TRUNC)
}

func (d *dirDisk) openFile(op, name string, flag int) (node.File, error) {
	path, err := d.path(name)
	if err != nil {
		return nil, err
	}
	_, statErr := os.Stat(path)
	created := errors.Is(statErr, os.ErrNotExist)
	if created {
		if err := d.makeParent(path); err != nil {
			return nil, diskError(op, path, err)
		}
	}
	f, err := os.OpenFile(path, flag, 0o644)
	if err != nil {
		return nil, diskError(op, path, err)
	}
	if created {
		if err := syncDir(filepath.Dir(path)); err != nil {
			f.Close()
			return nil, diskError(op, path, err)
		}
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, diskError(op, path, err)
	}
	file := &dirFile{disk: d, f: f, name: name, path: path, sizeBytes: info.Size()}
	d.mu.Lock()
	d.open[file] = struct{}{}
	d.mu.Unlock()
	return file, nil
}

func (d *dirDisk) ReadFile(name string) ([]byte, error) {
	path, err := d.path(name)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, diskError("read", path, err)
	}
	return b, nil
}

func (d *dirDisk) Rename(oldName, newName string) error {
	oldPath, err := d.path(oldName)
	if err != nil {
		return err
	}
	newPath, err := d.path(newName)
	if err != nil {
		return err
	}
	if err := d.makeParent(newPath); err != nil {
		return diskError("rename", oldPath, err)
	}
	if err := os.Rename(oldPath, newPath); err != nil {
		return diskError("rename", oldPath, err)
	}
	// Both directory entries changed: the new one first, so a crash
	// between the syncs leaves the file in at least one place.
	if err := syncDir(filepath.Dir(newPath)); err != nil {
		return diskError("rename", oldPath, err)
	}
	if filepath.Dir(oldPath) != filepath.Dir(newPath) {
		if err := syncDir(filepath.Dir(oldPath)); err != nil {
			return diskError("rename", oldPath, err)
		}
	}
	return nil
}

// makeParent makes the subdirectory path is in, if it is in one that
// does not exist yet, and makes its entry in the root durable.
func (d *dirDisk) makeParent(path string) error {
	parent := filepath.Dir(path)
	if parent == filepath.Clean(d.root) {
		return nil
	}
	if _, err := os.Stat(parent); err == nil {
		return nil
	}
	if err := os.Mkdir(parent, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
		return err
	}
	return syncDir(d.root)
}

func (d *dirDisk) Remove(name string) error {
	path, err := d.path(name)
	if err != nil {
		return err
	}
	if err := os.Remove(path); err != nil {
		return diskError("remove", path, err)
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		return diskError("remove", path, err)
	}
	return nil
}

// List returns the regular files whose names a node could have created,
// in the root and one level of subdirectories; anything else an operator
// left in the directory is not the node's.
func (d *dirDisk) List() ([]string, error) {
	entries, err := os.ReadDir(d.root) // sorted by name
	if err != nil {
		return nil, diskError("list", d.root, err)
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		if node.ValidName(e.Name()) != nil {
			continue
		}
		switch {
		case e.Type().IsRegular():
			names = append(names, e.Name())
		case e.IsDir():
			sub, err := os.ReadDir(filepath.Join(d.root, e.Name()))
			if err != nil {
				return nil, diskError("list", filepath.Join(d.root, e.Name()), err)
			}
			for _, f := range sub {
				if name := e.Name() + "/" + f.Name(); f.Type().IsRegular() && node.ValidName(name) == nil {
					names = append(names, name)
				}
			}
		}
	}
	sort.Strings(names) // "a/x" sorts after "a.x" in the directory's order
	return names, nil
}

// closeAll closes files the node left open, at Runtime.Stop.
func (d *dirDisk) closeAll() {
	d.mu.Lock()
	files := make([]*dirFile, 0, len(d.open))
	for f := range d.open {
		files = append(files, f)
	}
	d.mu.Unlock()
	for _, f := range files {
		f.Close()
	}
}

func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// diskError maps an OS error onto the node.Disk error set so engines can
// test with errors.Is without knowing they run live, and keeps the OS error
// for the message.
func diskError(op, path string, err error) error {
	switch {
	case errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EDQUOT):
		return fmt.Errorf("live disk %s %s: %w (%w)", op, path, node.ErrNoSpace, err)
	case errors.Is(err, syscall.EIO):
		return fmt.Errorf("live disk %s %s: %w (%w)", op, path, node.ErrIO, err)
	default:
		// Not-exist and closed already satisfy node.ErrNotExist and
		// node.ErrClosed: they are the fs package's sentinels.
		return fmt.Errorf("live disk %s %s: %w", op, path, err)
	}
}

// dirFile tracks its own size so Write appends at the end even though the
// descriptor is not O_APPEND (O_APPEND would make WriteAt fail on Linux).
// A node uses it from its handler only (one call at a time); Stop may
// close it from another goroutine, hence the mutex.
type dirFile struct {
	disk *dirDisk
	name string
	path string

	mu        sync.Mutex
	f         *os.File
	sizeBytes int64
	closed    bool
}

func (f *dirFile) Name() string { return f.name }

func (f *dirFile) Size() int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.sizeBytes
}

func (f *dirFile) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return 0, diskError("write", f.path, node.ErrClosed)
	}
	start := f.sizeBytes
	n, err := f.f.WriteAt(p, start)
	if err != nil && n > 0 && errors.Is(err, syscall.ENOSPC) {
		// The contract says a disk-full write stores nothing: take back
		// the part that did fit so the file never ends in half a record.
		if terr := f.f.Truncate(start); terr == nil {
			n = 0
		}
	}
	f.sizeBytes = start + int64(n)
	if err != nil {
		return n, diskError("write", f.path, err)
	}
	return n, nil
}

func (f *dirFile) WriteAt(p []byte, off int64) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return 0, diskError("write", f.path, node.ErrClosed)
	}
	n, err := f.f.WriteAt(p, off)
	f.sizeBytes = max(f.sizeBytes, off+int64(n))
	if err != nil {
		return n, diskError("write", f.path, err)
	}
	return n, nil
}

// ReadAt returns io.EOF unwrapped, as io.ReaderAt callers expect.
func (f *dirFile) ReadAt(p []byte, off int64) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return 0, diskError("read", f.path, node.ErrClosed)
	}
	n, err := f.f.ReadAt(p, off)
	if err != nil && err != io.EOF {
		return n, diskError("read", f.path, err)
	}
	return n, err
}

func (f *dirFile) Sync() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return diskError("sync", f.path, node.ErrClosed)
	}
	if err := f.f.Sync(); err != nil {
		return diskError("sync", f.path, err)
	}
	return nil
}

func (f *dirFile) Truncate(sizeBytes int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return diskError("truncate", f.path, node.ErrClosed)
	}
	if sizeBytes < 0 {
		return fmt.Errorf("live disk truncate %s: negative size %d", f.path, sizeBytes)
	}
	if err := f.f.Truncate(sizeBytes); err != nil {
		return diskError("truncate", f.path, err)
	}
	f.sizeBytes = sizeBytes
	return nil
}

func (f *dirFile) Close() error {
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return diskError("close", f.path, node.ErrClosed)
	}
	f.closed = true
	err := f.f.Close()
	f.mu.Unlock()

	f.disk.mu.Lock()
	delete(f.disk.open, f)
	f.disk.mu.Unlock()
	if err != nil {
		return diskError("close", f.path, err)
	}
	return nil
}
