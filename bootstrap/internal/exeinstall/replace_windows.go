//go:build windows

package exeinstall

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/windows"

	"github.com/kubeboot/kubeboot/bootstrap/internal/atomicfile"
)

// Replace renames src over dst, in the same folder. Windows refuses to
// replace a program that is running but lets it be renamed: then the
// running file moves aside (dst.old-N, see PlanAside), src takes its name,
// and a later sweep deletes the old copy once it has exited. If src
// cannot take its place, the old file moves back.
func Replace(src, dst string) error {
	err := os.Rename(src, dst)
	if err == nil || !inUse(err) {
		return err
	}
	aside, aerr := moveAside(dst)
	if aerr != nil {
		// Not a running program but a passing reader (antivirus, indexer):
		// wait for it.
		return atomicfile.Replace(src, dst)
	}
	if err := atomicfile.Replace(src, dst); err != nil {
		if rerr := os.Rename(aside, dst); rerr != nil {
			return fmt.Errorf("%w; and the old file could not be put back from %s: %v", err, aside, rerr)
		}
		return err
	}
	os.Remove(aside) // succeeds if the program exited meanwhile
	return nil
}

func inUse(err error) bool {
	return errors.Is(err, windows.ERROR_ACCESS_DENIED) || errors.Is(err, windows.ERROR_SHARING_VIOLATION)
}

// moveAside renames path to the first free path.old-N and returns it.
func moveAside(path string) (string, error) {
	dir, base := filepath.Split(path)
	var err error
	for range 100 {
		entries, rerr := os.ReadDir(dir)
		if rerr != nil {
			return "", rerr
		}
		names := make([]string, len(entries))
		for i, e := range entries {
			names[i] = e.Name()
		}
		aside := filepath.Join(dir, FreeAside(names, base))
		if err = os.Rename(path, aside); err == nil {
			return aside, nil
		}
		if !errors.Is(err, os.ErrExist) {
			return "", err
		}
	}
	return "", err
}

func sweepAside(dir, base string, names []string, logf func(string, ...any)) {
	p := PlanAside(names, base)
	if p.Restore != "" {
		if os.Rename(filepath.Join(dir, p.Restore), filepath.Join(dir, base)) == nil {
			logf("restored %s from %s, left by an interrupted run", filepath.Join(dir, base), p.Restore)
		}
	}
	for _, n := range p.Remove {
		if os.Remove(filepath.Join(dir, n)) == nil {
			logf("removed %s, replaced while it was running", filepath.Join(dir, n))
		}
	}
}

// unlockAndRemove releases d, then removes the lock file, which Windows
// refuses while any other run has it open (they all open it without
// FILE_SHARE_DELETE): so it is only ever removed when no run waits on it.
func unlockAndRemove(d *Folder, lockFile string) bool {
	d.Unlock()
	return os.Remove(lockFile) == nil
}
