//go:build windows

package selfupdate

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/kubeboot/kubeboot/bootstrap/internal/atomicfile"
)

// replaceExecutable puts src in exe's place. Windows refuses to replace or
// delete a running executable but lets it be renamed, so the running exe
// moves aside to a hidden-by-name ".NAME.old-*" file first; if src cannot
// take its place, it moves back. Files left aside by earlier updates are
// removed when no longer running.
func replaceExecutable(src, exe string) error {
	dir, base := filepath.Split(exe)
	old, _ := filepath.Glob(filepath.Join(dir, "."+base+".old-*"))
	for _, f := range old {
		os.Remove(f) // fails while that old version still runs: try next time
	}
	aside := filepath.Join(dir, fmt.Sprintf(".%s.old-%d", base, time.Now().UnixNano()))
	if err := os.Rename(exe, aside); err != nil {
		return err
	}
	if err := atomicfile.Replace(src, exe); err != nil {
		if back := os.Rename(aside, exe); back != nil {
			return fmt.Errorf("%w; and restoring the old executable failed: it is at %s", err, aside)
		}
		return err
	}
	os.Remove(aside) // succeeds when exe was not the running program
	return nil
}
