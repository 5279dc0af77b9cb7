//go:build unix

package atomicfile

import (
	"errors"
	"os"
	"syscall"
)

func replace(src, dst string) error { return os.Rename(src, dst) }

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !isUnsupported(err) {
		return err
	}
	return nil
}

// isUnsupported reports errors from file systems that cannot fsync a folder
// or chmod a file (some network and FUSE mounts); they are not failures.
func isUnsupported(err error) bool {
	return errors.Is(err, syscall.EINVAL) || errors.Is(err, syscall.ENOTSUP) || errors.Is(err, syscall.EPERM)
}
