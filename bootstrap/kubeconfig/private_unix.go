//go:build unix

package kubeconfig

import (
	"errors"
	"io/fs"
	"syscall"
)

// processAlive reports whether process pid exists: signal 0 reaches it,
// or it is another user's (EPERM).
func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// fileOwner is the uid fi belongs to.
func fileOwner(fi fs.FileInfo) (uid int, ok bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return -1, false
	}
	return int(st.Uid), true
}
