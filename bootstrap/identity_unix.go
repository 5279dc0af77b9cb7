//go:build unix

package bootstrap

import (
	"fmt"
	"os"
	"syscall"
)

// identityOf describes a file's content version without reading it: device,
// inode, size, and modification and change times in nanoseconds. The change
// time cannot be set back by unprivileged programs. It takes a FileInfo so
// that callers can describe an open handle (f.Stat) as well as a path.
func identityOf(fi os.FileInfo) (string, bool) {
	if fi == nil || !fi.Mode().IsRegular() {
		return "", false
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return "", false
	}
	return fmt.Sprintf("%d:%d:%d:%d:%d", st.Dev, st.Ino, fi.Size(), fi.ModTime().UnixNano(), ctimeNanos(st)), true
}

// sameFile reports whether a and b have the same device and inode.
func sameFile(a, b os.FileInfo) bool { return os.SameFile(a, b) }
