package node

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
)

// Disk is a node's durable storage: a flat directory of named files.
//
// Crash semantics are those of a POSIX file system used carefully: data
// written to a file survives a crash only after File.Sync returned nil;
// Create, Rename and Remove are durable when they return (implementations
// sync the directory). A crash may keep any prefix of the bytes appended
// since the last Sync (a torn write), so formats written here must be able
// to detect and drop a torn tail.
//
// Names are letters, digits, '.', '-' and '_', with at most one '/': a
// file may sit in one level of subdirectory ("appendonlydir/x.aof"),
// which exists while it holds files; Sub gives such a directory as a Disk
// of its own.
type Disk interface {
	// Open opens the named file for reading and writing, creating it
	// empty if it does not exist.
	Open(name string) (File, error)
	// Create opens the named file truncated to zero length, creating it
	// if needed.
	Create(name string) (File, error)
	// ReadFile returns the whole content of the named file.
	ReadFile(name string) ([]byte, error)
	// Rename atomically replaces newName with oldName.
	Rename(oldName, newName string) error
	// Remove deletes the named file.
	Remove(name string) error
	// List returns the names of all files, sorted; those in a
	// subdirectory as "dir/name".
	List() ([]string, error)
}

// File is an open file on a Disk. Write appends at the end of the file.
type File interface {
	io.Writer
	io.ReaderAt
	io.WriterAt
	// Sync makes everything written so far durable.
	Sync() error
	// Truncate changes the size of the file.
	Truncate(sizeBytes int64) error
	// Size is the current size in bytes, synced or not.
	Size() int64
	// Name is the name the file was opened with.
	Name() string
	io.Closer
}

// Errors a Disk returns; test for them with errors.Is.
var (
	// ErrNotExist: the named file does not exist.
	ErrNotExist = fs.ErrNotExist
	// ErrNoSpace: the disk is full; nothing of the failed write was stored.
	ErrNoSpace = errors.New("no space left on device")
	// ErrIO: the device failed the operation (EIO); what was written since
	// the last successful Sync may or may not be stored.
	ErrIO = errors.New("input/output error")
	// ErrClosed: the file was closed.
	ErrClosed = fs.ErrClosed
)

// ValidName reports whether name may name a file on a Disk: a plain
// name, or "dir/name" with both parts plain.
func ValidName(name string) error {
	dir, base, inDir := strings.Cut(name, "/")
	if !inDir {
		return validPlainName(name)
	}
	if err := validPlainName(dir); err != nil {
		return fmt.Errorf("invalid directory in file name %q: %w", name, err)
	}
	if err := validPlainName(base); err != nil {
		return fmt.Errorf("invalid file name %q: %w", name, err)
	}
	return nil
}

func validPlainName(name string) error {
	if name == "" || name == "." || name == ".." || len(name) > 255 {
		return fmt.Errorf("invalid file name %q", name)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '.' || c == '-' || c == '_'
		if !ok {
			return fmt.Errorf("invalid file name %q: only letters, digits, '.', '-' and '_'", name)
		}
	}
	return nil
}

// Sub is the subdirectory dir of d as a Disk of its own: its names are
// the plain names of the files in dir.
func Sub(d Disk, dir string) Disk {
	if err := validPlainName(dir); err != nil {
		panic(fmt.Sprintf("node: Sub(%q): %v", dir, err)) // a constant in the caller
	}
	return subDisk{d: d, prefix: dir + "/"}
}

type subDisk struct {
	d      Disk
	prefix string
}

// name is the parent's name for a file of the subdirectory; a name with
// its own '/' would reach a second level, which no Disk has.
func (s subDisk) name(name string) (string, error) {
	if err := validPlainName(name); err != nil {
		return "", err
	}
	return s.prefix + name, nil
}

func (s subDisk) Open(name string) (File, error) {
	full, err := s.name(name)
	if err != nil {
		return nil, err
	}
	f, err := s.d.Open(full)
	if err != nil {
		return nil, err
	}
	return subFile{f, name}, nil
}

func (s subDisk) Create(name string) (File, error) {
	full, err := s.name(name)
	if err != nil {
		return nil, err
	}
	f, err := s.d.Create(full)
	if err != nil {
		return nil, err
	}
	return subFile{f, name}, nil
}

func (s subDisk) ReadFile(name string) ([]byte, error) {
	full, err := s.name(name)
	if err != nil {
		return nil, err
	}
	return s.d.ReadFile(full)
}

func (s subDisk) Rename(oldName, newName string) error {
	oldFull, err := s.name(oldName)
	if err != nil {
		return err
	}
	newFull, err := s.name(newName)
	if err != nil {
		return err
	}
	return s.d.Rename(oldFull, newFull)
}

func (s subDisk) Remove(name string) error {
	full, err := s.name(name)
	if err != nil {
		return err
	}
	return s.d.Remove(full)
}

func (s subDisk) List() ([]string, error) {
	all, err := s.d.List()
	if err != nil {
		return nil, err
	}
	var names []string
	for _, name := range all {
		if rest, ok := strings.CutPrefix(name, s.prefix); ok {
			names = append(names, rest)
		}
	}
	return names, nil
}

// subFile is a file of a subdirectory, named as the subdirectory names it.
type subFile struct {
	File
	name string
}

func (f subFile) Name() string { return f.name }
