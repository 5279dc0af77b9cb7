//go:build !unix

package kubeconfig

import (
	"io/fs"
	"os"
)

// soleLink reports whether fi is a file with no other name. Where link
// counts are not at hand it says no, and backups are copies.
func soleLink(fs.FileInfo) bool { return false }

// writable reports whether path may be opened for writing: on Windows, a
// file with the read-only attribute (no write bit in Go's mode) may not.
func writable(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if fi.Mode().Perm()&0o200 == 0 {
		return fs.ErrPermission
	}
	return nil
}

// readOnlyFS reports that err is a read-only file system's refusal; where
// writable only reads the mode, it never is.
func readOnlyFS(error) bool { return false }
