//go:build unix

package bootstrap

import (
	"fmt"
	"os"
	"syscall"
)

// statIdentity describes a file's content version without reading it:
// inode, size, and modification and change times in nanoseconds. The change
// time cannot be set back by unprivileged programs.
func statIdentity(path string) (string, bool) {
	fi, err := os.Stat(path)
	if err != nil || !fi.Mode().IsRegular() {
		return "", false
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return "", false
	}
	return fmt.Sprintf("%d:%d:%d:%d:%d", st.Dev, st.Ino, fi.Size(), fi.ModTime().UnixNano(), ctimeNanos(st)), true
}
