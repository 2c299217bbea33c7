// Package persist is the cache's durable storage: the append-only file.
//
// # AOF format
//
// The file is the one Redis writes with appendonly yes and
// aof-use-rdb-preamble no: a plain concatenation of write commands, each a
// RESP multibulk array exactly as a client would send it:
//
//	*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n
//
// A SELECT <db> command is written whenever the next command applies to a
// different database than the previous one (and before the first command
// of every file). Commands are logged in a time-independent form, so
// replaying the file later gives the same data: relative expiries become
// absolute ones (SET … PXAT <unix ms>, PEXPIREAT <unix ms>), and a key
// deleted because it expired is logged as DEL. Each such file is one part
// of Redis 7's multi-part AOF (a base plus incremental files listed by a
// manifest): see manifest.go for the layout and rewrites.
//
// # Crashes
//
// A crash may keep any prefix of the bytes written since the last sync, so
// the file may end in the middle of a command. LoadAOF treats a file that
// ends inside a command as truncated, drops the partial command and cuts
// the file back to the last complete one, as Redis does with
// aof-load-truncated yes. Anything else that does not parse — garbage
// followed by more data, an inline command, an unknown or failing command —
// is corruption: LoadAOF returns a *CorruptError and the file is left
// untouched for an operator to inspect (Redis refuses to start the same
// way and points at redis-check-aof --fix).
//
// A write that fails (disk full, EIO) may leave part of a command at the
// end of the file. AOF remembers the size of the file that holds only
// complete commands and cuts the file back to it before writing again, so a
// failed write never turns into garbage in the middle of the file; the
// unwritten bytes stay pending and are retried.
package persist

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"

	"syslab/engines/cache/resp"
	"syslab/node"
)

// AOFName is the file name Redis uses for the append-only file.
const AOFName = "appendonly.aof"

// pendingBytesMax bounds the commands buffered while the disk fails. The
// node refuses writes in that state, so only the few commands in flight
// when the failure began can pile up; reaching the bound is a bug.
const pendingBytesMax = 64 << 20

// AOF appends commands to the append-only file. It buffers each command
// with Append; Flush writes the buffer to the file, Sync makes it durable.
// The cache node decides when to call them (the appendfsync policy).
type AOF struct {
	file node.File
	// pending holds commands appended but not yet written successfully.
	pending []byte
	// goodSizeBytes is the length of the file's prefix made of complete
	// commands; anything beyond it is the remains of a failed write.
	goodSizeBytes int64
	// selectedDB is the database the last written SELECT chose; -1 before
	// the first command so a fresh file always starts with SELECT.
	selectedDB int
}

// OpenAOF opens the append-only file for appending after LoadAOF has
// checked it. A fresh file starts with a SELECT.
func OpenAOF(disk node.Disk, name string) (*AOF, error) {
	f, err := disk.Open(name)
	if err != nil {
		return nil, fmt.Errorf("open append only file %s: %w", name, err)
	}
	return &AOF{file: f, goodSizeBytes: f.Size(), selectedDB: -1}, nil
}

// Append buffers one command applying to database db.
func (a *AOF) Append(db int, args ...[]byte) {
	if db != a.selectedDB {
		a.pending = resp.AppendCommand(a.pending, []byte("SELECT"), strconv.AppendInt(nil, int64(db), 10))
		a.selectedDB = db
	}
	a.pending = resp.AppendCommand(a.pending, args...)
	if len(a.pending) > pendingBytesMax {
		panic(fmt.Sprintf("persist: %d bytes of AOF pending, over the %d bound: the node kept writing while the disk failed", len(a.pending), pendingBytesMax))
	}
}

// PendingBytes is how much was appended but not yet written.
func (a *AOF) PendingBytes() int { return len(a.pending) }

// Flush writes the pending commands to the file (to the page cache; Sync
// makes them durable). On error the commands stay pending and the file is
// cut back, now or before the next attempt, to complete commands only.
func (a *AOF) Flush() error {
	if len(a.pending) == 0 {
		return nil
	}
	if a.file.Size() != a.goodSizeBytes {
		if err := a.file.Truncate(a.goodSizeBytes); err != nil {
			return err
		}
	}
	if _, err := a.file.Write(a.pending); err != nil {
		// Best effort now; Flush retries the cut before the next write.
		_ = a.file.Truncate(a.goodSizeBytes)
		return err
	}
	a.goodSizeBytes += int64(len(a.pending))
	a.pending = a.pending[:0]
	return nil
}

// Sync makes everything flushed so far durable.
func (a *AOF) Sync() error { return a.file.Sync() }

// SizeBytes is the length of the file's complete-command prefix.
func (a *AOF) SizeBytes() int64 { return a.goodSizeBytes }

// Close closes the file without flushing.
func (a *AOF) Close() error { return a.file.Close() }

// LoadStats describes what LoadAOF found.
type LoadStats struct {
	Commands       int   // commands applied, SELECTs included
	SizeBytes      int64 // length of the valid file after loading
	TruncatedBytes int64 // bytes of a torn last command that were cut away
}

// CorruptError is an append-only file that cannot be loaded.
type CorruptError struct {
	Name        string
	OffsetBytes int64 // where the bad command starts
	Reason      string
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("Bad file format reading the append only file %s at offset %d: %s; make a backup of it, then repair it with redis-check-aof --fix %s",
		e.Name, e.OffsetBytes, e.Reason, e.Name)
}

// LoadAOF replays the named file, calling apply for each command with the
// database the preceding SELECT chose (0 before any). A missing file is an
// empty one. A torn last command is cut away (the file is truncated and
// synced); any other malformed content, or an error from apply, stops the
// load with a *CorruptError.
func LoadAOF(disk node.Disk, name string, databases int, apply func(db int, args [][]byte) error) (LoadStats, error) {
	data, err := disk.ReadFile(name)
	if errors.Is(err, node.ErrNotExist) {
		return LoadStats{}, nil
	}
	if err != nil {
		return LoadStats{}, fmt.Errorf("read append only file %s: %w", name, err)
	}
	return replayAOF(disk, name, data, 0, true, databases, apply)
}

// replayAOF applies the commands in data[from:]. A torn last command is
// cut away from the file when tornTailOK (only the last file of an AOF
// may end torn); otherwise it is corruption.
func replayAOF(disk node.Disk, name string, data []byte, from int, tornTailOK bool, databases int, apply func(db int, args [][]byte) error) (LoadStats, error) {
	src := bytes.NewReader(data[from:])
	br := bufio.NewReader(src)
	reader := resp.NewReader(br)
	offset := func() int64 { return int64(len(data)) - int64(src.Len()) - int64(br.Buffered()) }
	var stats LoadStats
	db := 0
	// In a transaction: where its MULTI starts, and its commands so far.
	// A transaction is applied only when its EXEC is read, so a crash in
	// the middle of one never replays half of it.
	inMulti := false
	var multiStart int64
	var queued []queuedCommand
	cutTail := func(at int64) (LoadStats, error) {
		if !tornTailOK {
			return stats, &CorruptError{Name: name, OffsetBytes: at, Reason: "the file ends inside a command or transaction, and it is not the last file of the AOF"}
		}
		stats.SizeBytes = at
		stats.TruncatedBytes = int64(len(data)) - at
		return stats, truncate(disk, name, at)
	}
	for {
		start := offset()
		if first, err := br.Peek(1); err == nil && first[0] != '*' {
			return stats, &CorruptError{Name: name, OffsetBytes: start, Reason: fmt.Sprintf("expected '*', got %q", first[0])}
		}
		args, err := reader.ReadCommand()
		if err == io.EOF {
			if inMulti {
				return cutTail(multiStart)
			}
			stats.SizeBytes = int64(len(data)) // empty requests ("*0") may sit after start
			return stats, nil
		}
		if errors.Is(err, io.ErrUnexpectedEOF) {
			if inMulti {
				return cutTail(multiStart)
			}
			return cutTail(start)
		}
		if err != nil {
			return stats, &CorruptError{Name: name, OffsetBytes: start, Reason: err.Error()}
		}
		stats.Commands++
		if len(args) >= 1 && bytes.EqualFold(args[0], []byte("select")) {
			n, ok := resp.ParseInt(args[len(args)-1])
			if len(args) != 2 || !ok || n < 0 || n >= int64(databases) {
				return stats, &CorruptError{Name: name, OffsetBytes: start, Reason: "invalid SELECT"}
			}
			db = int(n)
			continue
		}
		if len(args) == 1 && bytes.EqualFold(args[0], []byte("multi")) {
			if inMulti {
				return stats, &CorruptError{Name: name, OffsetBytes: start, Reason: "MULTI inside MULTI"}
			}
			inMulti, multiStart, queued = true, start, queued[:0]
			continue
		}
		if len(args) == 1 && bytes.EqualFold(args[0], []byte("exec")) {
			if !inMulti {
				return stats, &CorruptError{Name: name, OffsetBytes: start, Reason: "EXEC without MULTI"}
			}
			for _, q := range queued {
				if err := apply(q.db, q.args); err != nil {
					return stats, &CorruptError{Name: name, OffsetBytes: q.offset, Reason: err.Error()}
				}
			}
			inMulti = false
			continue
		}
		if inMulti {
			queued = append(queued, queuedCommand{db: db, args: args, offset: start})
			continue
		}
		if err := apply(db, args); err != nil {
			return stats, &CorruptError{Name: name, OffsetBytes: start, Reason: err.Error()}
		}
	}
}

// LoadAOFFiles loads the files of a manifest in order: the base (an RDB
// file, possibly followed by commands, or commands only) through rdb and
// apply, then each incremental file through apply. Only the last file may
// end torn; its tail is cut away and reported in the stats. A file the
// manifest names but the disk lacks is an error, as in Redis.
func LoadAOFFiles(disk node.Disk, m Manifest, databases int, apply func(db int, args [][]byte) error, rdb RDBHandler) (LoadStats, error) {
	var total LoadStats
	files := m.Incrs
	if m.Base != nil {
		files = append([]AOFFile{*m.Base}, files...)
	}
	for i, f := range files {
		data, err := disk.ReadFile(f.Name)
		if err != nil {
			return total, fmt.Errorf("read append only file %s listed in %s: %w", f.Name, ManifestName, err)
		}
		from := 0
		if f.Type == AOFTypeBase && IsRDB(data) {
			n, err := LoadRDBPrefix(data, rdb)
			if err != nil {
				return total, &CorruptError{Name: f.Name, OffsetBytes: 0, Reason: "RDB preamble: " + err.Error()}
			}
			from = n
		}
		stats, err := replayAOF(disk, f.Name, data, from, i == len(files)-1, databases, apply)
		total.Commands += stats.Commands
		total.SizeBytes += stats.SizeBytes
		total.TruncatedBytes += stats.TruncatedBytes
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// queuedCommand is a command of a transaction waiting for its EXEC.
type queuedCommand struct {
	db     int
	args   [][]byte
	offset int64
}

func truncate(disk node.Disk, name string, sizeBytes int64) error {
	f, err := disk.Open(name)
	if err != nil {
		return fmt.Errorf("truncate torn tail of %s: %w", name, err)
	}
	defer f.Close()
	if err := f.Truncate(sizeBytes); err != nil {
		return fmt.Errorf("truncate torn tail of %s: %w", name, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("truncate torn tail of %s: %w", name, err)
	}
	return nil
}
