//go:build unix

package store

import (
	"os"
	"strconv"
	"syscall"
)

// currentOwners is the running user and root.
func currentOwners() trustOwners {
	return trustOwners{Self: strconv.Itoa(os.Geteuid()), Roots: []string{"0"}}
}

// ownerOf is the uid owning fi; path is unused on Unix.
func ownerOf(_ string, fi os.FileInfo) string {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return strconv.FormatUint(uint64(st.Uid), 10)
	}
	return ""
}

// openPin opens path without waiting for a writer (a FIFO would block an
// ordinary open until one comes).
func openPin(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
}
