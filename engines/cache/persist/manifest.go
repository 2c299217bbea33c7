package persist

// # Multi-part AOF
//
// Redis 7 keeps the AOF as several files listed by a manifest: one base
// (a snapshot, in RDB format or as commands) and the incremental files
// appended since, oldest first. A rewrite starts a new incremental file
// at once, writes a new base from a snapshot taken at that moment, and
// then swaps the manifest, so the old files can be deleted. As Redis 7
// they sit in a directory, AOFDirName (Redis's appenddirname default), under
// Redis's own file names; the functions here take that directory as the
// disk (node.Sub):
//
//	appendonly.aof.manifest      the list, in Redis's manifest syntax:
//	    file appendonly.aof.2.base.rdb seq 2 type b
//	    file appendonly.aof.2.incr.aof seq 2 type i
//	appendonly.aof.2.base.rdb    base with an RDB preamble (aof-use-rdb-preamble yes)
//	appendonly.aof.2.base.aof    … or as commands (aof-use-rdb-preamble no)
//	appendonly.aof.2.incr.aof    commands since the base, RESP as in aof.go
//
// A manifest is replaced atomically: written to a temp file, synced, then
// renamed over the old one, so a crash leaves either the old list or the
// new, both complete. Files a crash orphaned (a new base whose manifest
// swap never happened, temp files) are not in the manifest; CleanAOFDir
// removes them at the next start.
//
// A node whose disk holds a single appendonly.aof and no manifest (written
// before the multi-part layout, or by Redis < 7) keeps it: the file
// becomes the base of the first manifest, as Redis 7 upgrades it. The
// cache moves files it finds outside the directory into it first (see
// the cache's loadAOF).

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"syslab/node"
)

// File names of the multi-part AOF.
const (
	// AOFDirName is the directory of the AOF's files (appenddirname).
	AOFDirName       = "appendonlydir"
	ManifestName     = AOFName + ".manifest"
	manifestTempName = "temp-" + ManifestName
)

// AOF file types in a manifest, as Redis spells them.
const (
	AOFTypeBase    = 'b'
	AOFTypeHistory = 'h'
	AOFTypeIncr    = 'i'
)

// AOFFile is one line of a manifest.
type AOFFile struct {
	Name string
	Seq  int64
	Type byte
}

// Manifest lists the files of the AOF in load order: the base (if any)
// and then the incremental files. History files (Redis marks old files
// as history until it deletes them) are kept so they can be cleaned up.
type Manifest struct {
	Base    *AOFFile
	Incrs   []AOFFile
	History []AOFFile
}

// BaseName is the file name of base number seq.
func BaseName(seq int64, rdbPreamble bool) string {
	ext := ".base.aof"
	if rdbPreamble {
		ext = ".base.rdb"
	}
	return AOFName + "." + strconv.FormatInt(seq, 10) + ext
}

// IncrName is the file name of incremental file number seq.
func IncrName(seq int64) string {
	return AOFName + "." + strconv.FormatInt(seq, 10) + ".incr.aof"
}

// NextBaseSeq and NextIncrSeq number the files a rewrite creates.
func (m Manifest) NextBaseSeq() int64 {
	if m.Base == nil {
		return 1
	}
	return m.Base.Seq + 1
}

func (m Manifest) NextIncrSeq() int64 {
	if len(m.Incrs) == 0 {
		return 1
	}
	return m.Incrs[len(m.Incrs)-1].Seq + 1
}

// Names lists every file the manifest references, history included.
func (m Manifest) Names() []string {
	var names []string
	if m.Base != nil {
		names = append(names, m.Base.Name)
	}
	for _, f := range m.Incrs {
		names = append(names, f.Name)
	}
	for _, f := range m.History {
		names = append(names, f.Name)
	}
	return names
}

// Encode renders the manifest in Redis's syntax.
func (m Manifest) Encode() []byte {
	var b bytes.Buffer
	line := func(f AOFFile) { fmt.Fprintf(&b, "file %s seq %d type %c\n", f.Name, f.Seq, f.Type) }
	if m.Base != nil {
		line(*m.Base)
	}
	for _, f := range m.History {
		line(f)
	}
	for _, f := range m.Incrs {
		line(f)
	}
	return b.Bytes()
}

// manifestBytesMax bounds a manifest file; a real one is a few lines.
const manifestBytesMax = 1 << 20

// ParseManifest reads a manifest in Redis's syntax: one file per line as
// key-value pairs (file, seq, type), '#' comments, blank lines ignored.
func ParseManifest(data []byte) (Manifest, error) {
	var m Manifest
	if len(data) > manifestBytesMax {
		return m, fmt.Errorf("AOF manifest %s: %d bytes, more than a manifest can be", ManifestName, len(data))
	}
	for i, raw := range strings.Split(string(data), "\n") {
		lineNo := i + 1
		line := strings.TrimSpace(raw)
		if line == "" || line[0] == '#' {
			continue
		}
		bad := func(why string) error {
			return fmt.Errorf("invalid AOF manifest file format: %s:%d: %s", ManifestName, lineNo, why)
		}
		fields := strings.Fields(line)
		if len(fields)%2 != 0 {
			return m, bad("expected key value pairs")
		}
		var f AOFFile
		for j := 0; j < len(fields); j += 2 {
			switch k, v := fields[j], fields[j+1]; k {
			case "file":
				if strings.Contains(v, "/") {
					// As Redis: a file of the manifest's own directory.
					return m, bad("file " + strconv.Quote(v) + " can't be a path, just a filename")
				}
				if err := node.ValidName(v); err != nil {
					return m, bad(err.Error())
				}
				f.Name = v
			case "seq":
				n, err := strconv.ParseInt(v, 10, 64)
				if err != nil || n < 1 {
					return m, bad("seq " + strconv.Quote(v) + " is not a positive integer")
				}
				f.Seq = n
			case "type":
				if len(v) != 1 || (v[0] != AOFTypeBase && v[0] != AOFTypeHistory && v[0] != AOFTypeIncr) {
					return m, bad("type " + strconv.Quote(v) + " is not b, h or i")
				}
				f.Type = v[0]
			default:
				// Unknown keys are skipped, as Redis does, for forward compatibility.
			}
		}
		if f.Name == "" || f.Seq == 0 || f.Type == 0 {
			return m, bad("a file line needs file, seq and type")
		}
		switch f.Type {
		case AOFTypeBase:
			if m.Base != nil {
				return m, bad("more than one base file")
			}
			m.Base = &f
		case AOFTypeHistory:
			m.History = append(m.History, f)
		case AOFTypeIncr:
			if n := len(m.Incrs); n > 0 && m.Incrs[n-1].Seq >= f.Seq {
				return m, bad("incr files out of sequence order")
			}
			m.Incrs = append(m.Incrs, f)
		}
	}
	return m, nil
}

// ReadManifest loads the manifest; ok is false when there is none.
func ReadManifest(disk node.Disk) (m Manifest, ok bool, err error) {
	data, err := disk.ReadFile(ManifestName)
	if errors.Is(err, node.ErrNotExist) {
		return Manifest{}, false, nil
	}
	if err != nil {
		return Manifest{}, false, fmt.Errorf("read AOF manifest %s: %w", ManifestName, err)
	}
	m, err = ParseManifest(data)
	return m, err == nil, err
}

// WriteManifest replaces the manifest atomically: temp file, sync, rename.
func WriteManifest(disk node.Disk, m Manifest) error {
	return WriteFileAtomic(disk, ManifestName, manifestTempName, m.Encode())
}

// WriteFileAtomic replaces name with data so a crash leaves the old content
// or the new, never a mix: it writes temp, syncs it and renames it.
func WriteFileAtomic(disk node.Disk, name, temp string, data []byte) error {
	f, err := disk.Create(temp)
	if err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = disk.Rename(temp, name)
	}
	if err != nil {
		_ = disk.Remove(temp)
		return fmt.Errorf("write %s: %w", name, err)
	}
	return nil
}

// CleanAOFDir removes AOF files and temp files the manifest does not
// reference: the leftovers of a rewrite a crash interrupted, or of one
// whose old files could not be deleted. Failures are reported but harmless.
func CleanAOFDir(disk node.Disk, m Manifest) error {
	names, err := disk.List()
	if err != nil {
		return err
	}
	keep := map[string]bool{ManifestName: true}
	for _, n := range m.Names() {
		keep[n] = true
	}
	var firstErr error
	for _, n := range names {
		ours := n == AOFName || strings.HasPrefix(n, AOFName+".") || strings.HasPrefix(n, "temp-rewriteaof") || n == manifestTempName
		if !ours || keep[n] {
			continue
		}
		if err := disk.Remove(n); err != nil && firstErr == nil {
			firstErr = err
		}
	}
	return firstErr
}
