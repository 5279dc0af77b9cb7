//go:build !windows

package exeinstall

import (
	"os"

	"github.com/kubeboot/kubeboot/bootstrap/internal/atomicfile"
)

// Replace renames src over dst, in the same folder. On Unix a running dst
// keeps running from its old inode.
func Replace(src, dst string) error { return atomicfile.Replace(src, dst) }

// sweepAside has nothing to do: only Windows moves running programs aside.
func sweepAside(dir, base string, names []string, logf func(string, ...any)) {}

// unlockAndRemove removes the lock file while d holds it: a waiter then
// finds the path no longer names the file it locked.
func unlockAndRemove(d *Folder, lockFile string) bool {
	err := os.Remove(lockFile)
	if testHookLockRemoved != nil {
		testHookLockRemoved()
	}
	d.Unlock()
	return err == nil
}
