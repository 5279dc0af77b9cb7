//go:build unix

package trust

import (
	"os"
	"strconv"
	"syscall"
)

// Current is the running user and root.
func Current() Owners {
	return Owners{Self: strconv.Itoa(os.Geteuid()), Roots: []string{"0"}}
}

// OwnerOf is the uid owning fi; path is unused on Unix.
func OwnerOf(_ string, fi os.FileInfo) string {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return strconv.FormatUint(uint64(st.Uid), 10)
	}
	return ""
}
