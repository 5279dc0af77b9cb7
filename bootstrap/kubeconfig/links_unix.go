//go:build unix

package kubeconfig

import (
	"io/fs"
	"syscall"
)

// soleLink reports whether fi is a file with no other name (link count 1).
func soleLink(fi fs.FileInfo) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && st.Nlink == 1
}
