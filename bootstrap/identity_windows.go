//go:build windows

package bootstrap

import (
	"fmt"
	"os"
	"syscall"
)

// statIdentity describes a file's content version without reading it:
// size, creation and last-write times.
func statIdentity(path string) (string, bool) {
	fi, err := os.Stat(path)
	if err != nil || !fi.Mode().IsRegular() {
		return "", false
	}
	d, ok := fi.Sys().(*syscall.Win32FileAttributeData)
	if !ok {
		return "", false
	}
	return fmt.Sprintf("%d:%d:%d", fi.Size(), d.CreationTime.Nanoseconds(), d.LastWriteTime.Nanoseconds()), true
}
