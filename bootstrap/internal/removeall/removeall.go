// Package removeall removes a folder tree where os.RemoveAll cannot.
//
// Go removes files on Windows with a POSIX-semantics delete first and falls
// back to the classic one only for the errors Windows itself returns when it
// lacks it; Wine returns another ("unlinkat …: Invalid function"), so under
// Wine os.RemoveAll fails on any folder that holds a file. Folders that must
// not be left behind (a private kubeconfig holds credentials) are removed
// with Tree instead.
//
// Invariant: Tree never follows a link. A link inside the tree is removed as
// a link; what it points to, and its mode, are left as they are.
package removeall

import (
	"io/fs"
	"os"
	"path/filepath"
	"sort"
)

// Tree removes dir and everything in it: os.RemoveAll, then, if that
// failed, entry by entry, deepest first. It returns the first error of the
// second pass (nil when dir is gone or never existed).
func Tree(dir string) error {
	if os.RemoveAll(dir) == nil {
		return nil
	}
	type entry struct {
		path string
		dir  bool
	}
	var entries []entry
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil {
			entries = append(entries, entry{p, d.IsDir()})
		}
		return nil
	})
	// Deepest first, so folders are empty when their turn comes.
	sort.SliceStable(entries, func(i, j int) bool { return len(entries[i].path) > len(entries[j].path) })
	var first error
	for _, e := range entries {
		err := os.Remove(e.path)
		if err != nil && !os.IsNotExist(err) {
			// A read-only file or folder of our own: make it writable and
			// try once more. WalkDir reports links as links, so this mode
			// change never reaches what a link points to.
			mode := os.FileMode(0o600)
			if e.dir {
				mode = 0o700
			}
			if fi, lerr := os.Lstat(e.path); lerr == nil && fi.Mode().Type()&fs.ModeSymlink == 0 {
				os.Chmod(e.path, mode)
				err = os.Remove(e.path)
			}
		}
		if err != nil && !os.IsNotExist(err) && first == nil {
			first = err
		}
	}
	return first
}
