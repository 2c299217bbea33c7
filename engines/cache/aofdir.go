package cache

import (
	"errors"

	"syslab/engines/cache/persist"
	"syslab/node"
)

// The AOF's files live in their own directory, persist.AOFDirName, as
// Redis 7 keeps them (appenddirname appendonlydir), so a data directory
// moves between redis-server and this node either way.

// aofDisk is the AOF's directory, as the persist functions take it.
func (n *Node) aofDisk() node.Disk { return node.Sub(n.env.Disk(), persist.AOFDirName) }

// aofPath names a file of the AOF's directory on the node's disk.
func aofPath(name string) string { return persist.AOFDirName + "/" + name }

// moveAOFIntoDir moves an AOF found outside the directory into it: the
// flat layout of earlier versions of this node (the manifest and its
// files beside dump.rdb) or the single appendonly.aof of Redis < 7. The
// files go first and the manifest last, so a crash part-way leaves the
// old manifest in place and the next start finishes the move (a file
// already moved is simply not found outside).
func (n *Node) moveAOFIntoDir() error {
	root := n.env.Disk()
	if _, inDir, err := persist.ReadManifest(n.aofDisk()); err != nil || inDir {
		return err
	}
	m, flat, err := persist.ReadManifest(root)
	if err != nil {
		return err
	}
	names := []string{persist.AOFName} // no manifest: Redis < 7's single file, if any
	if flat {
		names = m.Names()
	}
	moved := 0
	for _, name := range names {
		err := root.Rename(name, aofPath(name))
		switch {
		case errors.Is(err, node.ErrNotExist):
		case err != nil:
			return err
		default:
			moved++
		}
	}
	if flat {
		if err := root.Rename(persist.ManifestName, aofPath(persist.ManifestName)); err != nil {
			return err
		}
	}
	if moved > 0 || flat {
		n.env.Logf("cache: moved the append only file into %s/, where Redis 7 keeps it", persist.AOFDirName)
	}
	return nil
}
