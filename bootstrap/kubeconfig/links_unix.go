//go:build unix

package kubeconfig

import (
	"errors"
	"io/fs"
	"syscall"
)

// soleLink reports whether fi is a file with no other name (link count 1).
func soleLink(fi fs.FileInfo) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && st.Nlink == 1
}

// writable reports whether this process may open path for writing, by the
// kernel's rules (access(2) with W_OK: mode bits, ACLs, root's override, a
// read-only mount), as kubectl's open for writing would find.
func writable(path string) error { return syscall.Access(path, 2 /* W_OK */) }

// readOnlyFS reports that err is the kernel's "read-only file system".
func readOnlyFS(err error) bool { return errors.Is(err, syscall.EROFS) }
