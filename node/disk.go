package node

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
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
// Names are flat: letters, digits, '.', '-' and '_' only.
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
	// List returns the names of all files, sorted.
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

// ValidName reports whether name may name a file on a Disk.
func ValidName(name string) error {
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
