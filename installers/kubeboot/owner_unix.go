//go:build unix

package main

import (
	"os"
	"syscall"
)

// ownedByCurrentUser reports whether fi belongs to this process's user.
func ownedByCurrentUser(fi os.FileInfo) (mine, known bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return false, false
	}
	return int(st.Uid) == os.Getuid(), true
}
