//go:build unix

package atomicfile

import (
	"errors"
	"io/fs"
	"os"
	"syscall"
)

// chownLike gives f the owner and group of fi when they differ from f's.
// EPERM (not root) is not an error: f then stays the caller's.
func chownLike(f *os.File, fi fs.FileInfo) error {
	uid, gid, ok := owner(fi)
	if !ok {
		return nil
	}
	cur, err := f.Stat()
	if err != nil {
		return err
	}
	if cu, cg, ok := owner(cur); ok && cu == uid && cg == gid {
		return nil
	}
	if err := f.Chown(uid, gid); err != nil && !errors.Is(err, syscall.EPERM) {
		return err
	}
	return nil
}

// chownPathLike is chownLike for a path (a folder just created).
func chownPathLike(path string, fi fs.FileInfo) error {
	uid, gid, ok := owner(fi)
	if !ok {
		return nil
	}
	if cur, err := os.Lstat(path); err == nil {
		if cu, cg, ok := owner(cur); ok && cu == uid && cg == gid {
			return nil
		}
	}
	if err := os.Lchown(path, uid, gid); err != nil && !errors.Is(err, syscall.EPERM) {
		return err
	}
	return nil
}

func owner(fi fs.FileInfo) (uid, gid int, ok bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, 0, false
	}
	return int(st.Uid), int(st.Gid), true
}

// keptMode is the permission bits of fi when it is a regular file, else
// perm.
func keptMode(fi fs.FileInfo, perm os.FileMode) os.FileMode {
	if fi.Mode().IsRegular() {
		return fi.Mode().Perm()
	}
	return perm
}
