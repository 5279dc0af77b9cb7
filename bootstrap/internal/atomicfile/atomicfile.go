// Package atomicfile replaces files so that a reader, or a crash at any
// moment, sees either the old content or the new one, never a mix: write a
// temp file in the destination folder, fsync it, rename it over the target,
// then fsync the folder so the rename itself survives a power loss.
package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// TempPattern is the os.CreateTemp pattern of every temp file this package
// creates; sweepers use it to recognise leftovers of a killed run.
func TempPattern(base string) string { return "." + base + ".kubeboot-*.tmp" }

// IsTemp reports whether name (a name in a folder, not a path) is a temp
// file created for the file base (TempPattern). Callers list the folder and
// match names: a folder name is never a pattern.
func IsTemp(name, base string) bool {
	prefix, suffix, _ := strings.Cut(TempPattern(base), "*")
	return len(name) > len(prefix)+len(suffix) && strings.HasPrefix(name, prefix) && strings.HasSuffix(name, suffix)
}

// SweepTemps removes the temp files of the file path left in its folder by
// a writer that was killed, and returns the paths removed. Run it only
// under a lock that excludes every live writer of path.
func SweepTemps(path string) []string {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var removed []string
	for _, e := range entries {
		if !e.Type().IsRegular() || !IsTemp(e.Name(), base) {
			continue
		}
		p := filepath.Join(dir, e.Name())
		if os.Remove(p) == nil {
			removed = append(removed, p)
		}
	}
	return removed
}

// Options tune Write.
type Options struct {
	// Perm is the file's mode.
	Perm os.FileMode
	// Private gives the file owner-only access before it is renamed into
	// place: mode 0600 on Unix, a protected owner-only DACL on Windows.
	Private bool
	// Replace renames the temp file over the target; default Replace. An
	// executable that may be running passes its own (Windows moves a
	// running .exe aside first).
	Replace func(tmp, dst string) error
	// KeepOwnerFrom, when it names an existing file or folder, gives the
	// new file that path's owner and group (Unix), set on the temp file
	// before the rename, so that a run as root (sudo) never leaves a
	// user's file owned by root. When it names a regular file, that file's
	// permission bits also replace Perm and Private's 0600 (an in-place
	// editor such as kubectl keeps them too). A change of owner that the
	// system refuses (EPERM: not root) is skipped: the file then belongs to
	// the caller, as any new file would. Ignored on Windows.
	KeepOwnerFrom string
	// OwnerOnly takes only the owner and group from KeepOwnerFrom, never
	// its permission bits: a private copy of a file others may read (a
	// backup) stays private.
	OwnerOnly bool
	// NoSync skips the syncs of the file and its folder, for a cache whose
	// entry lost in a crash is only a miss. The rename is still atomic.
	NoSync bool
}

// WriteFile atomically replaces path with data and mode perm. On any error
// the previous file, if any, is untouched and the temp file is removed.
func WriteFile(path string, data []byte, perm os.FileMode) error {
	return Write(path, data, Options{Perm: perm})
}

// Write atomically replaces path with data: a temp file beside it, written,
// restricted, synced, then renamed over it, and the folder synced. On any
// error the previous file, if any, is untouched and the temp file removed.
func Write(path string, data []byte, opts Options) error {
	return WriteParts(path, [][]byte{data}, opts)
}

// WriteParts is Write of the concatenation of parts, written one after the
// other, so that a caller editing a few bytes of a large file need not
// build the whole new content in memory.
func WriteParts(path string, parts [][]byte, opts Options) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, TempPattern(base))
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	perm := opts.Perm
	if opts.Private {
		perm = 0o600
		if err := restrictToOwner(tmp); err != nil {
			return err
		}
	}
	if opts.KeepOwnerFrom != "" {
		if fi, err := os.Stat(opts.KeepOwnerFrom); err == nil {
			if !opts.OwnerOnly {
				perm = keptMode(fi, perm)
			}
			if err := chownLike(f, fi); err != nil {
				return err
			}
		}
	}
	if err := f.Chmod(perm); err != nil && !isUnsupported(err) {
		return err
	}
	for _, p := range parts {
		if _, err := f.Write(p); err != nil {
			return fmt.Errorf("write %s: %w", tmp, err)
		}
	}
	if !opts.NoSync {
		if err := f.Sync(); err != nil {
			return fmt.Errorf("sync %s: %w", tmp, err)
		}
	}
	if err := f.Close(); err != nil {
		return err
	}
	replace := opts.Replace
	if replace == nil {
		replace = Replace
	}
	if err := replace(tmp, path); err != nil {
		return err
	}
	if opts.NoSync {
		return nil
	}
	return SyncDir(dir)
}

// Replace renames src over dst, which must be in the same folder, and syncs
// nothing; callers sync src before and the folder after.
func Replace(src, dst string) error { return replace(src, dst) }

// SyncDir makes a rename in dir durable. It is a no-op where folders cannot
// be synced (Windows), since NTFS journals the rename itself.
func SyncDir(dir string) error { return syncDir(dir) }

// MkdirAll creates dir and any missing parents with mode perm, like
// os.MkdirAll, and gives each folder it creates the owner and group of the
// nearest folder that already existed (Unix; best effort, as for
// KeepOwnerFrom): a folder that root creates under a user's home belongs to
// that user. It returns the folders it created, outermost first.
func MkdirAll(dir string, perm os.FileMode) ([]string, error) {
	dir = filepath.Clean(dir)
	var missing []string
	parent := dir
	for {
		if _, err := os.Stat(parent); err == nil {
			break
		}
		missing = append([]string{parent}, missing...)
		up := filepath.Dir(parent)
		if up == parent {
			break
		}
		parent = up
	}
	if len(missing) == 0 {
		return nil, nil
	}
	if err := os.MkdirAll(dir, perm); err != nil {
		return nil, err
	}
	if fi, err := os.Stat(parent); err == nil {
		for _, m := range missing {
			if err := chownPathLike(m, fi); err != nil {
				return missing, err
			}
		}
	}
	return missing, nil
}

// KeepOwner gives path the owner and group of from (Unix; best effort, as
// for KeepOwnerFrom), for files created otherwise than by Write, such as a
// lock file beside a user's file.
func KeepOwner(path, from string) error {
	fi, err := os.Stat(from)
	if err != nil {
		return err
	}
	return chownPathLike(path, fi)
}

// WriteInPlace writes parts over the existing file at path, truncating
// it, and syncs it: the file keeps its inode, owner and mode. It is the
// fallback where a rename over path cannot be done (a single-file bind
// mount, a folder the writer may not create files in) and what kubectl
// does for every write; a reader may see the file partly written, and a
// kill in the middle leaves it so, so callers keep a backup first.
func WriteInPlace(path string, parts [][]byte, noSync bool) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		return err
	}
	for _, p := range parts {
		if _, err := f.Write(p); err != nil {
			f.Close()
			return fmt.Errorf("write %s: %w", path, err)
		}
	}
	if !noSync {
		if err := f.Sync(); err != nil {
			f.Close()
			return fmt.Errorf("sync %s: %w", path, err)
		}
	}
	return f.Close()
}

// renameRefused reports a failure of the atomic replacement that writing
// in place avoids: the folder refuses a new file or the rename
// (permission), or the file is a mount point (busy) or on another device.
func renameRefused(err error) bool {
	return errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.EBUSY) || errors.Is(err, syscall.EXDEV)
}

// ReplaceOrInPlace writes parts to the existing file path: atomically
// (WriteParts), else, when the rename cannot be done, in place, as
// kubectl writes, after before (nil for nothing) succeeds. refused is the
// atomic write's failure when it wrote (or tried to write) in place.
func ReplaceOrInPlace(path string, parts [][]byte, opts Options, before func() error) (refused, err error) {
	err = WriteParts(path, parts, opts)
	if err == nil || !renameRefused(err) {
		return nil, err
	}
	if before != nil {
		if berr := before(); berr != nil {
			return err, errors.Join(err, berr)
		}
	}
	if ierr := WriteInPlace(path, parts, opts.NoSync); ierr != nil {
		return err, errors.Join(err, ierr)
	}
	return err, nil
}
